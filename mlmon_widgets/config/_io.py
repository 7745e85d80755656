"""Reading and writing config text safely: size limit, safe YAML without aliases, strict JSON."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import yaml

from ._errors import ConfigError

#: Largest config accepted (file or text), in bytes.
MAX_BYTES = 50 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted (a config needs about 6).
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _text(source: str | pathlib.Path, *, is_text: bool, what: str) -> str:
    """The text of ``source``: itself when ``is_text``, else the file it names."""
    if is_text:
        assert isinstance(source, str)
        if len(source) > MAX_BYTES:
            raise ConfigError(f"{what} text is larger than {MAX_BYTES // 2**20} MB")
        return source
    path = pathlib.Path(source)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ConfigError(f"cannot read {str(path)!r}: {err.strerror or err}") from None
    if size > MAX_BYTES:
        raise ConfigError(
            f"{str(path)!r} is {size / 2**20:.0f} MB; a config is at most {MAX_BYTES // 2**20} MB"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{str(path)!r} is not UTF-8 text (byte {err.object[err.start]:#x} at position "
            f"{err.start}); save it as UTF-8"
        ) from None
    except OSError as err:
        raise ConfigError(f"cannot read {str(path)!r}: {err.strerror or err}") from None


def _where(mark: Any) -> str:
    return f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def _yaml_error(err: yaml.YAMLError) -> ConfigError:
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    mark = getattr(err, "problem_mark", None)
    if "nesting depth" in problem:  # libyaml's own limit may come before this module's
        return ConfigError(f"YAML nested deeper than {MAX_DEPTH} levels{_where(mark)}")
    if isinstance(err, yaml.constructor.ConstructorError) and "tag" in problem:
        return ConfigError(
            f"YAML tags such as {problem.split('tag')[-1].strip()} are not allowed "
            f"(configs are plain data){_where(mark)}"
        )
    return ConfigError(f"not valid YAML: {problem}{_where(mark)}")


def _scan(text: str) -> None:
    """Refuse aliases (anchors that expand without bound) and deep nesting, streaming."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise ConfigError(
                f"YAML aliases (*{event.anchor}) are not allowed in a config; write the "
                f"values out{_where(event.start_mark)}"
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(
                    f"YAML nested deeper than {MAX_DEPTH} levels{_where(event.start_mark)}"
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_duplicates(node: yaml.Node) -> None:
    """Refuse a mapping that gives the same key twice (YAML would keep the last silently)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.MappingNode):
            seen = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise ConfigError(
                            f"YAML mapping gives key {key.value!r} twice{_where(key.start_mark)}"
                        )
                    seen.add(key.value)
                pending.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)


def read_yaml(source: str | pathlib.Path) -> Any:
    """Plain data from YAML text (a str with a newline) or a YAML file.

    Safe loading only (no Python object tags), no aliases, at most :data:`MAX_BYTES`.
    """
    is_text = isinstance(source, str) and "\n" in source
    text = _text(source, is_text=is_text, what="YAML")
    try:
        _scan(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise ConfigError("the YAML document is empty")
            _check_duplicates(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        raise _yaml_error(err) from None


def dump_yaml(data: Any) -> str:
    """YAML text of plain data, keys in order, short lists inline; floats round-trip exactly."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ConfigError(f"JSON object gives key {key!r} twice")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ConfigError(f"JSON value {name} is not allowed (numbers must be finite)")


def read_json(source: str | pathlib.Path) -> Any:
    """Plain data from JSON text (a str starting with ``{``) or a JSON file."""
    is_text = isinstance(source, str) and source.lstrip().startswith("{")
    text = _text(source, is_text=is_text, what="JSON")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise ConfigError(
            f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None
