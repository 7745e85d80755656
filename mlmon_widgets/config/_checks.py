"""Validators for plain config data: each returns the clean value or raises ConfigError."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

from ._errors import ConfigError


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def check_keys(
    value: Any, *, required: Collection[str] = (), optional: Collection[str] = ()
) -> Mapping[str, Any]:
    """``value`` must be a mapping with string keys, all ``required`` and only known ones."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"must be a mapping; got {_type_name(value)}")
    for key in value:
        if not isinstance(key, str):
            raise ConfigError(f"keys must be strings; got {key!r}")
    allowed = [*required, *optional]
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r}; allowed keys are {', '.join(allowed)}", (unknown[0],)
        )
    missing = [k for k in required if k not in value]
    if missing:
        raise ConfigError("is required", (missing[0],))
    return value


def check_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` must be a mapping with string keys (any keys: names chosen by the user)."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"must be a mapping; got {_type_name(value)}")
    return check_keys(value, optional=list(value))


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float (a number with 400 digits)
        return False


def show_value(value: Any) -> str:
    if isinstance(value, int) and abs(value) >= 10**30:  # repr of 5000 digits raises
        digits = int((abs(value).bit_length() - 1) * math.log10(2)) + 1
        digits += abs(value) >= 10**digits
        return f"an integer of {digits} digits"
    return repr(value)


def check_number(
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> float:
    """A finite int or float (not a boolean) within the bounds, as float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"must be a number; got {_type_name(value)}")
    if not _finite(value):
        raise ConfigError(f"must be a finite number; got {show_value(value)}")
    low_bad = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    high_bad = maximum is not None and (value >= maximum if exclusive_maximum else value > maximum)
    if low_bad or high_bad:
        low = "" if minimum is None else ("> " if exclusive_minimum else ">= ") + f"{minimum:g}"
        high = "" if maximum is None else ("< " if exclusive_maximum else "<= ") + f"{maximum:g}"
        raise ConfigError(f"must be {' and '.join(p for p in (low, high) if p)}; got {value!r}")
    return float(value)


def check_int(value: Any, *, minimum: int, maximum: int | None = None) -> int:
    """An int (not a boolean) within the bounds, as int.

    A float that is a whole number (``50.0``) is that int, as JSON Schema's ``integer``
    has it; ``2.5``, ``inf`` and ``nan`` are refused.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        shown = _type_name(value) if not isinstance(value, float) else f"{value!r}"
        raise ConfigError(f"must be an integer; got {shown}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
        raise ConfigError(f"must be an integer {bound}; got {show_value(value)}")
    return int(value)


def check_string(value: Any, *, nonempty: bool = False, hint: str = "") -> str:
    """A string (non-empty if asked)."""
    if not isinstance(value, str):
        raise ConfigError(f"must be a string; got {_type_name(value)}{hint}")
    if nonempty and not value.strip():
        raise ConfigError("must be a non-empty string")
    return value


def check_option(value: Any, options: Collection[str]) -> str:
    """One of ``options``, named in the message."""
    if not isinstance(value, str) or value not in options:
        shown = ", ".join(repr(o) for o in options)
        raise ConfigError(f"must be one of {{{shown}}}; got {value!r}")
    return value


def check_list(value: Any) -> list[Any]:
    """A list (YAML sequence, JSON array)."""
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"must be a list; got {_type_name(value)}")
    return list(value)
