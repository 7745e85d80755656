"""The one validation family of mlmon_widgets, and its warning classes.

Every check names the argument and says what was expected and what came, in one style
(``alpha must be a number in (0, 1); got a string ('0.05')``): the engine, the detectors,
the widgets and the config all use these functions. A wrong type raises :class:`TypeError`,
a wrong value :class:`ValueError`; with an empty ``name`` the message is the reason alone
(the config prefixes it with the path of the field instead).
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
import re
import warnings
from collections.abc import Collection, Hashable, Mapping
from typing import Any, NoReturn

import numpy as np
import pandas as pd


class MlmonWarning(UserWarning):
    """Base class of the warnings raised by mlmon_widgets."""


class RoleWarning(MlmonWarning):
    """A column was excluded or its role guessed in a way the user should know about."""


class DataWarning(MlmonWarning):
    """Rows were set aside (for example rows without a timestamp) and are reported, not lost."""


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def warn(message: str, category: type[Warning]) -> None:
    """Warn, attributing the warning to the first caller outside mlmon_widgets.

    Users then see their own line and can filter the warning by their own module.
    """
    level = 1
    frame = inspect.currentframe()
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    del frame
    warnings.warn(message, category, stacklevel=level)


# ------------------------------------------------------------------ messages
def describe(value: Any) -> str:
    """What a refused value was, for messages: its kind and, when short, itself.

    Examples
    --------
    >>> describe("0.05"), describe(True), describe(None), describe([1]), describe(2.5)
    ("a string ('0.05')", 'a boolean (True)', 'None (null)', 'a list', '2.5')
    """
    if value is None:
        return "None (null)"
    if isinstance(value, (bool, np.bool_)):
        return f"a boolean ({bool(value)})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, int) and abs(value) >= 10**30:  # repr of 5000 digits raises
        digits = int((abs(value).bit_length() - 1) * math.log10(2)) + 1
        digits += abs(value) >= 10**digits
        return f"an integer of {digits} digits"
    if isinstance(value, numbers.Number):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, pd.DataFrame):
        return "a DataFrame"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


def fail(kind: type[Exception], name: str, reason: str, *, key: str | None = None) -> NoReturn:
    """Raise ``kind`` with ``'<name> <reason>'`` (the reason alone for an empty name).

    The error keeps ``reason`` and, for a refused key of a mapping, ``key`` (the message
    then names ``name[key]``), so that a caller can report them under its own path.
    """
    where = name if key is None else f"{name}[{key!r}]" if name else repr(key)
    error = kind(f"{where} {reason}" if where else reason)
    error.reason = reason  # type: ignore[attr-defined]
    error.key = key  # type: ignore[attr-defined]
    raise error


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '>='} {low:g}"
    if low is None:
        return f" {'<' if high_open else '<='} {high:g}"
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f" in {left}{lo}, {hi}{right}"


# ------------------------------------------------------------------ scalars
def check_option(name: str, value: Any, options: Collection[Any]) -> Any:
    """Return ``value`` if it is one of ``options``; else a ValueError naming ``name``.

    Examples
    --------
    >>> check_option("correction", "bh", ("fdr_bh", "holm"))
    Traceback (most recent call last):
    ...
    ValueError: correction must be one of {'fdr_bh', 'holm'}; got a string ('bh')
    """
    try:
        known = value in options
    except TypeError:  # an unhashable value
        known = False
    if not known:
        shown = ", ".join(repr(o) for o in options)
        fail(ValueError, name, f"must be one of {{{shown}}}; got {describe(value)}")
    return value


def check_int(
    name: str,
    value: Any,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    whole_floats: bool = False,
) -> int:
    """Return ``value`` as int if it is an integer within the bounds.

    ``whole_floats`` accepts a float that is a whole number (``50.0``), as JSON Schema's
    ``integer`` does; booleans are never integers here.
    """
    bound = ""
    if minimum is not None:
        bound = f" >= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
    elif maximum is not None:
        bound = f" <= {maximum}"
    if whole_floats and isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        fail(TypeError, name, f"must be an integer{bound}; got {describe(value)}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        fail(ValueError, name, f"must be an integer{bound}; got {describe(int(value))}")
    return int(value)


def check_positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum`` (default 1)."""
    return check_int(name, value, minimum=minimum)


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite float within the bounds (open or closed at each end).

    Examples
    --------
    >>> check_real("delta", 0.0, low=0, high=1, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: delta must be a finite number in (0, 1]; got 0.0
    >>> check_real("sigma", -1, low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be a finite number > 0; got -1
    """
    span = _interval(low, high, low_open, high_open)
    if not _real(value):
        fail(TypeError, name, f"must be a number; got {describe(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float (a number with 400 digits)
        number = math.inf
    ok = math.isfinite(number)
    if ok and low is not None:
        ok = number > low if low_open else number >= low
    if ok and high is not None:
        ok = number < high if high_open else number <= high
    if not ok:
        fail(ValueError, name, f"must be a finite number{span}; got {describe(value)}")
    return number


def check_probability(name: str, value: Any, *, open_left: bool = True) -> float:
    """Return ``value`` as float if it lies in (0, 1) (or [0, 1) when ``open_left`` is False)."""
    return check_real(name, value, low=0, high=1, low_open=open_left, high_open=True)


def check_string(name: str, value: Any, *, nonempty: bool = False, hint: str = "") -> str:
    """Return ``value`` if it is a string (not blank, with ``nonempty``)."""
    if not isinstance(value, str):
        fail(TypeError, name, f"must be a string; got {describe(value)}{hint}")
    if nonempty and not value.strip():
        fail(ValueError, name, "must be a non-empty string")
    return value


#: An ISO-8601 date or time stamp, with an optional UTC offset.
ISO_STAMP = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"


def check_iso_stamp(name: str, value: Any) -> str:
    """Return ``value`` if it is a fixed ISO-8601 time stamp such as ``'2024-04-01T00:00:00'``."""
    hint = " (quote it in YAML: an ISO time stamp such as '2024-04-01T00:00:00')"
    check_string(name, value, hint=hint)
    stamp: Any = pd.NaT
    if re.match(ISO_STAMP, value.strip()):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError):
            stamp = pd.NaT
    if pd.isna(stamp):
        fail(
            ValueError,
            name,
            f"must be an ISO time stamp such as '2024-04-01T00:00:00'; got {describe(value)}",
        )
    return value


# ------------------------------------------------------------------ containers
def check_list(name: str, value: Any) -> list[Any]:
    """``value`` as a list, if it is a list or tuple (a YAML sequence, a JSON array)."""
    if not isinstance(value, (list, tuple)):
        fail(TypeError, name, f"must be a list; got {describe(value)}")
    return list(value)


def check_mapping(name: str, value: Any, *, none_is_empty: bool = True) -> Mapping[str, Any]:
    """Return ``value`` if it is a mapping with string keys (None: empty, if allowed)."""
    if value is None and none_is_empty:
        return {}
    if not isinstance(value, Mapping):
        fail(TypeError, name, f"must be a mapping; got {describe(value)}")
    for key in value:
        if not isinstance(key, str):
            fail(TypeError, name, f"keys must be strings; got {describe(key)}")
    return value


def check_keys(
    name: str, value: Any, *, required: Collection[str] = (), optional: Collection[str] = ()
) -> dict[str, Any]:
    """``value`` as a dict with every ``required`` key and no key but the known ones."""
    check_mapping(name, value, none_is_empty=False)
    known = (*required, *optional)
    unknown = [k for k in value if k not in known]
    if unknown:
        reason = f"is not a known key; allowed keys are {', '.join(known)}"
        fail(ValueError, name, reason, key=unknown[0])
    missing = [k for k in required if k not in value]
    if missing:
        fail(ValueError, name, "is required", key=missing[0])
    return dict(value)


def check_names(name: str, names: Collection[Hashable], known: Collection[Hashable]) -> None:
    """Raise a ValueError if ``names`` contains something not in ``known``."""
    unknown = [n for n in names if n not in known]
    if unknown:
        known_list = sorted(map(str, known))
        shown = known_list[:20] + (["..."] if len(known_list) > 20 else [])
        fail(ValueError, name, f"names unknown column(s) {unknown}; known columns are {shown}")


# ------------------------------------------------------------------ data
def check_frame(name: str, frame: Any, *, allow_empty_rows: bool = False) -> pd.DataFrame:
    """Check that ``frame`` is a DataFrame with unique string column names.

    Raises TypeError or ValueError naming the argument, the offending columns and the fix.
    """
    if not isinstance(frame, pd.DataFrame):
        fail(TypeError, name, f"must be a pandas DataFrame; got {type(frame).__name__}")
    non_str = [c for c in frame.columns if not isinstance(c, str)]
    if non_str:
        shown = ", ".join(f"{c!r} ({type(c).__name__})" for c in non_str[:5])
        fail(
            TypeError,
            name,
            f"has column names that are not strings: {shown}; "
            f"rename them, e.g. {name}.columns = {name}.columns.map(str)",
        )
    duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
    if duplicated:
        fail(
            ValueError,
            name,
            f"has duplicate column names {duplicated}; "
            "give every column a unique name before monitoring it",
        )
    if frame.shape[1] == 0:
        fail(ValueError, name, "has no columns")
    if not allow_empty_rows and len(frame) == 0:
        fail(ValueError, name, "has no rows; pass a frame with data to compare against")
    return frame


def _is_missing_scalar(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def as_float_series(name: str, values: Any, *, finite: bool = False) -> pd.Series:
    """``values`` as a float Series (index kept), or an error naming ``name``.

    Missing values become NaN; infinities are refused, and with ``finite`` NaN too.
    """
    if isinstance(values, pd.DataFrame):
        fail(
            TypeError,
            name,
            "must be one-dimensional (a Series, list or 1-D array); got a DataFrame",
        )
    if values is None or isinstance(values, (str, bytes)) or np.isscalar(values):
        fail(
            TypeError,
            name,
            f"must be a Series, list or 1-D array of numbers; got {describe(values)}",
        )
    series = values if isinstance(values, pd.Series) else None
    if series is None:
        arr = np.asarray(values, dtype=object) if isinstance(values, list) else np.asarray(values)
        if arr.ndim != 1:
            fail(ValueError, name, f"must be one-dimensional; got shape {arr.shape}")
        series = pd.Series(arr)
    if len(series) == 0 and not finite:
        fail(ValueError, name, "is empty; pass at least one value per window")
    dtype = series.dtype
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        bad = [x for x in series if not (_is_missing_scalar(x) or _real(x))]
        if bad:
            fail(TypeError, name, f"must hold numbers; found non-numeric value(s) {bad[:5]}")
    elif pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        fail(TypeError, name, f"must hold numbers; got dtype {dtype}")
    elif pd.api.types.is_complex_dtype(dtype):
        fail(TypeError, name, f"must hold real numbers; got dtype {dtype}")
    out = pd.Series(series.to_numpy(dtype=float, na_value=np.nan), index=series.index)
    array = out.to_numpy()
    if finite and not np.isfinite(array).all():
        bad = ~np.isfinite(array)
        where = int(np.argmax(bad))
        fail(ValueError, name, f"must be finite; position {where} is {float(array[where])!r}")
    if np.isinf(array).any():
        where = list(out.index[np.isinf(array)][:5])
        fail(ValueError, name, f"has infinite values at {where}; pass finite numbers or NaN")
    return out
