"""Shared validators with uniform messages, and the package's warning classes."""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Collection, Hashable, Mapping
from typing import Any

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


def check_option(name: str, value: Any, options: Collection[Any]) -> Any:
    """Return ``value`` if it is one of ``options``, else raise a ValueError naming ``name``."""
    if value not in options:
        shown = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of: {{{shown}}}; got {value!r}")
    return value


def check_positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_probability(name: str, value: Any, *, open_left: bool = True) -> float:
    """Return ``value`` as float if it lies in (0, 1) (or [0, 1) when ``open_left`` is False)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a number between 0 and 1; got {value!r}")
    value = float(value)
    low_ok = value > 0 if open_left else value >= 0
    if not (low_ok and value < 1):
        raise ValueError(f"{name} must be a number between 0 and 1 (exclusive); got {value!r}")
    return value


def check_frame(name: str, frame: Any, *, allow_empty_rows: bool = False) -> pd.DataFrame:
    """Check that ``frame`` is a DataFrame with unique string column names.

    Raises TypeError or ValueError naming the argument, the offending columns and the fix.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    non_str = [c for c in frame.columns if not isinstance(c, str)]
    if non_str:
        shown = ", ".join(f"{c!r} ({type(c).__name__})" for c in non_str[:5])
        raise TypeError(
            f"{name} has column names that are not strings: {shown}; "
            f"rename them, e.g. {name}.columns = {name}.columns.map(str)"
        )
    duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
    if duplicated:
        raise ValueError(
            f"{name} has duplicate column names {duplicated}; "
            "give every column a unique name before monitoring it"
        )
    if frame.shape[1] == 0:
        raise ValueError(f"{name} has no columns")
    if not allow_empty_rows and len(frame) == 0:
        raise ValueError(f"{name} has no rows; pass a frame with data to compare against")
    return frame


def check_names(name: str, names: Collection[Hashable], known: Collection[Hashable]) -> None:
    """Raise a ValueError if ``names`` contains something not in ``known``."""
    unknown = [n for n in names if n not in known]
    if unknown:
        known_list = sorted(map(str, known))
        shown = known_list[:20] + (["..."] if len(known_list) > 20 else [])
        raise ValueError(f"{name} names unknown column(s) {unknown}; known columns are {shown}")


def check_mapping(name: str, value: Any) -> Mapping[str, Any]:
    """Return ``value`` if it is a mapping (or None, as an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict keyed by column name; got {type(value).__name__}")
    return value
