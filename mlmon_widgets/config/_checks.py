"""The engine's validators for plain config data: the reason becomes a ConfigError.

The checks are the engine's one validation family (``mlmon_widgets.engine.check_*``); here
they run without an argument name and their reason is raised as a :class:`ConfigError`,
whose path (``rules.income.warning``) the callers add with :func:`nested`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from .. import engine
from ._errors import ConfigError

T = TypeVar("T")


def _checked(check: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return check("", *args, **kwargs)
    except (TypeError, ValueError) as err:
        key = getattr(err, "key", None)
        raise ConfigError(getattr(err, "reason", str(err)), () if key is None else (key,)) from None


def check_keys(
    value: Any, *, required: Collection[str] = (), optional: Collection[str] = ()
) -> dict[str, Any]:
    """``value`` must be a mapping with string keys, all ``required`` and only known ones."""
    return _checked(engine.check_keys, value, required=required, optional=optional)


def check_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` must be a mapping with string keys (any keys: names chosen by the user)."""
    return _checked(engine.check_mapping, value, none_is_empty=False)


def check_number(
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> float:
    """A finite int or float (not a boolean) within the bounds, as float."""
    return _checked(
        engine.check_real,
        value,
        low=minimum,
        high=maximum,
        low_open=exclusive_minimum,
        high_open=exclusive_maximum,
    )


def check_int(value: Any, *, minimum: int, maximum: int | None = None) -> int:
    """An int (not a boolean) within the bounds; a whole float (``50.0``) is that int."""
    return _checked(engine.check_int, value, minimum=minimum, maximum=maximum, whole_floats=True)


def check_string(value: Any, *, nonempty: bool = False, hint: str = "") -> str:
    """A string (non-empty if asked)."""
    return _checked(engine.check_string, value, nonempty=nonempty, hint=hint)


def check_option(value: Any, options: Collection[str]) -> str:
    """One of ``options``, named in the message."""
    return _checked(engine.check_option, value, options)


def check_list(value: Any) -> list[Any]:
    """A list (YAML sequence, JSON array)."""
    return _checked(engine.check_list, value)


def check_iso_stamp(value: Any) -> str:
    """A fixed ISO-8601 time stamp such as ``'2024-04-01T00:00:00'``."""
    return _checked(engine.check_iso_stamp, value)
