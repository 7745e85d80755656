"""Structural validation of ``Baseline.to_dict()`` output read from a config file."""

from __future__ import annotations

import hashlib
import json
import pathlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..engine import BASELINE_FORMATS, FEATURE_KINDS, ROLES, VERSION, Baseline
from ._checks import (
    check_int,
    check_keys,
    check_list,
    check_mapping,
    check_number,
    check_option,
    check_string,
)
from ._errors import ConfigError, nested

_COUNTS = ("n_rows", "n", "n_missing", "n_invalid")
_NUMERIC_KEYS = ("kind", "dtype", *_COUNTS, "n_nonfinite", "min", "max", "mean", "std")
_NUMERIC_KEYS += ("edges", "counts", "sketch")
_NUMERIC_TAIL_KEYS = ("tail_edges", "tail_counts")
_CATEGORICAL_KEYS = ("kind", "dtype", *_COUNTS, "labels", "counts")


def _numbers(value: Any) -> list[float]:
    """Finite numbers, as floats.

    A baseline holds hundreds of thousands of them: the usual case (plain ints and floats,
    all finite) is checked at once, and only a list that fails is walked item by item, for
    the error that names the first bad entry.
    """
    items = check_list(value)
    if all(type(item) is float or type(item) is int for item in items):
        array = np.asarray(items, dtype=float)
        if np.isfinite(array).all():
            return array.tolist()
    out = []
    for i, item in enumerate(items):
        with nested(i):
            out.append(check_number(item))
    return out


def _counts(value: Any) -> list[int]:
    """Non-negative whole numbers, as ints (a whole float such as ``50.0`` is that int)."""
    items = check_list(value)
    if all(type(item) is int for item in items) and (not items or min(items) >= 0):
        return list(items)
    out = []
    for i, item in enumerate(items):
        with nested(i):
            out.append(check_int(item, minimum=0))
    return out


def _increasing(values: list[float], what: str) -> None:
    """Refuse values that do not strictly increase (a hand-edited or corrupted baseline)."""
    array = np.asarray(values, dtype=float)
    bad = np.flatnonzero(~(array[1:] > array[:-1]))
    if len(bad):
        i = int(bad[0]) + 1
        raise ConfigError(
            f"{what} must strictly increase; {values[i]!r} follows {values[i - 1]!r} "
            "(refit the baseline with Baseline.fit rather than editing it)",
            (i,),
        )


def plain_copy(value: Any) -> Any:
    """A copy of plain data (dicts, lists, scalars), as ``copy.deepcopy`` gives.

    Without deepcopy's memo bookkeeping, which costs seconds on a baseline of half a million
    numbers.
    """
    if isinstance(value, Mapping):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        nested_kinds = (Mapping, list, tuple)
        items = [plain_copy(item) if isinstance(item, nested_kinds) else item for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def _check_numeric(feature: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(check_keys(feature, required=_NUMERIC_KEYS, optional=_NUMERIC_TAIL_KEYS))
    for key in ("n_rows", "n", "n_missing", "n_invalid", "n_nonfinite"):
        with nested(key):
            out[key] = check_int(feature[key], minimum=0)
    for key in ("min", "max", "mean", "std"):
        if feature[key] is not None:
            with nested(key):
                check_number(feature[key])
    with nested("edges"):
        out["edges"] = edges = _numbers(feature["edges"])
        _increasing(edges, "bin edges")
    with nested("counts"):
        out["counts"] = counts = _counts(feature["counts"])
        if len(counts) != len(edges) + 1:
            raise ConfigError(f"must have one count more than edges ({len(edges) + 1})")
    with nested("sketch"):
        sketch = dict(check_keys(feature["sketch"], required=("values", "lt", "le")))
        with nested("values"):
            sketch["values"] = values = _numbers(sketch["values"])
            _increasing(values, "sketch values")
        for key in ("lt", "le"):
            with nested(key):
                sketch[key] = _counts(sketch[key])
                if len(sketch[key]) != len(values):
                    raise ConfigError(f"must have as many entries as values ({len(values)})")
        out["sketch"] = sketch
    if any(key in feature for key in _NUMERIC_TAIL_KEYS):
        for key in _NUMERIC_TAIL_KEYS:
            if key not in feature:
                raise ConfigError(f"has {' and '.join(_NUMERIC_TAIL_KEYS)} together or neither")
        with nested("tail_edges"):
            out["tail_edges"] = fine = _numbers(feature["tail_edges"])
            _increasing(fine, "tail bin edges")
            if not set(edges) <= set(fine):
                raise ConfigError("must contain every one of the feature's bin edges")
        with nested("tail_counts"):
            out["tail_counts"] = _counts(feature["tail_counts"])
            if len(out["tail_counts"]) != len(fine) + 1:
                raise ConfigError(f"must have one count more than tail_edges ({len(fine) + 1})")
    return out


def _check_categorical(feature: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(check_keys(feature, required=_CATEGORICAL_KEYS))
    for key in _COUNTS:
        with nested(key):
            out[key] = check_int(feature[key], minimum=0)
    with nested("labels"):
        labels = check_list(feature["labels"])
        for i, label in enumerate(labels):
            if not isinstance(label, (str, bool, int, float)):
                raise ConfigError("must be a string, number or boolean", (i,))
    with nested("counts"):
        out["counts"] = _counts(feature["counts"])
        if len(out["counts"]) != len(labels):
            raise ConfigError(f"must have one count per label ({len(labels)})")
    return out


_SIDECAR = ("file", "sha256")


def with_baseline_file(data: Any, folder: pathlib.Path) -> Any:
    """Config data whose ``baseline: {file, sha256}`` is replaced by that file's baseline.

    The file is read from ``folder`` (the config's own) and must hash to ``sha256``; any
    other ``baseline`` is returned as it is.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("baseline"), Mapping):
        return data
    ref = data["baseline"]
    if set(ref) != set(_SIDECAR):
        return data
    with nested("baseline"):
        name = check_string(ref["file"], nonempty=True)
        if pathlib.Path(name).name != name:
            raise ConfigError(f"must be a file name beside the config; got {name!r}", ("file",))
        path = folder / name
        try:
            blob = path.read_bytes()
        except OSError as err:
            raise ConfigError(f"cannot read {str(path)!r}: {err.strerror}", ("file",)) from None
        digest = hashlib.sha256(blob).hexdigest()
        if digest != ref["sha256"]:
            raise ConfigError(
                f"{name!r} does not match the config (sha256 {digest[:12]}..., the config "
                f"says {str(ref['sha256'])[:12]}...): the baseline changed after the config "
                "was written; export the config again",
                ("sha256",),
            )
        try:
            baseline = json.loads(blob)
        except ValueError as err:
            raise ConfigError(f"{name!r} is not valid JSON: {err}", ("file",)) from None
    return {**data, "baseline": baseline}


_MULTIVARIATE_KEYS = (
    "features",
    "kinds",
    "means",
    "scales",
    "fills",
    "labels",
    "modes",
    "centre",
    "components",
    "explained",
    "block_rows",
    "block_errors",
)


def _check_multivariate(value: Any, features: Mapping[str, Any]) -> None:
    """The reconstruction model: its keys, its features among the baseline's, its shapes."""
    data = check_keys(value, required=_MULTIVARIATE_KEYS)
    names = check_list(data["features"])
    for i, name in enumerate(names):
        with nested("features", i):
            if name not in features:
                raise ConfigError(f"{name!r} is not a feature of the baseline")
    for key in ("kinds", "means", "scales", "fills", "labels", "modes"):
        with nested(key):
            if len(check_list(data[key])) != len(names):
                raise ConfigError(f"must have one entry per feature ({len(names)})")
    width = len(check_list(data["centre"]))
    with nested("components"):
        for i, row in enumerate(check_list(data["components"])):
            with nested(i):
                if len(check_list(row)) != width:
                    raise ConfigError(f"must have {width} entries, as centre has")
    check_list(data["block_errors"])


def check_baseline(value: Any) -> dict[str, Any]:
    """Check a baseline dict field by field, then load it with :meth:`Baseline.from_dict`.

    Returns the plain data the config stores (counts written as whole floats, ``50.0``,
    read as ints); raises ConfigError with the path inside the baseline.
    """
    if isinstance(value, Mapping) and set(value) == set(_SIDECAR):
        raise ConfigError(
            "refers to a baseline file beside the config; read the config from its file "
            "(MonitoringConfig.load(path)) so that the baseline file can be found"
        )
    data = dict(
        check_keys(
            value,
            required=("format", "n_rows", "bins", "sketch_size", "roles", "dtypes", "features"),
            optional=("versions", "seasonal", "multivariate"),
        )
    )
    if data["format"] not in BASELINE_FORMATS:
        raise ConfigError(
            f"must be one of {', '.join(map(repr, BASELINE_FORMATS))} (a baseline written by "
            f"Baseline.to_dict()); got {data['format']!r}",
            ("format",),
        )
    with nested("n_rows"):
        data["n_rows"] = check_int(data["n_rows"], minimum=0)
    with nested("bins"):
        data["bins"] = check_int(data["bins"], minimum=2)
    with nested("sketch_size"):
        data["sketch_size"] = check_int(data["sketch_size"], minimum=16)
    with nested("roles"):
        roles = check_mapping(data["roles"])
        for column, role in roles.items():
            with nested(column):
                check_option(role, ROLES)
    with nested("dtypes"):
        for column, dtype in check_mapping(data["dtypes"]).items():
            with nested(column):
                check_string(dtype)
    with nested("features"):
        features = dict(check_mapping(data["features"]))
        for name, feature in list(features.items()):
            with nested(name):
                if not isinstance(feature, Mapping):
                    raise ConfigError("must be a mapping")
                kind = feature.get("kind")
                with nested("kind"):
                    check_option(kind, FEATURE_KINDS)
                if roles.get(name) != kind:
                    raise ConfigError(
                        f"is a {kind} feature but baseline.roles gives {roles.get(name)!r}"
                    )
                if kind == FEATURE_KINDS[0]:
                    features[name] = _check_numeric(feature)
                else:
                    features[name] = _check_categorical(feature)
        data["features"] = features
    if "versions" in data:
        with nested("versions"):
            versions = check_mapping(data["versions"])
            for column, known in versions.items():
                with nested(column):
                    if roles.get(column) != VERSION:
                        raise ConfigError(f"is not a column of role {VERSION!r} in baseline.roles")
                    for i, label in enumerate(check_list(known)):
                        with nested(i):
                            check_string(label)
    if "multivariate" in data:
        with nested("multivariate"):
            _check_multivariate(data["multivariate"], features)
    missing = [c for c, r in roles.items() if r in FEATURE_KINDS and c not in features]
    if missing:
        raise ConfigError(f"has no summary of feature {missing[0]!r}", ("features",))
    try:
        Baseline.from_dict(data)
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise ConfigError(f"cannot be loaded: {err}") from None
    return data
