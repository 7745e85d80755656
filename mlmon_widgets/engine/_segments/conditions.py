"""Row filters: a slice of the data as a conjunction of simple conditions on columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import normalise_label
from .._vocabulary import CONDITION_OPERATORS as OPERATORS


@dataclass(frozen=True)
class Condition:
    """One condition on one column: ``column op value``.

    ``'=='`` and ``'in'`` compare the column's values read as text (``1.0`` reads as
    ``'1'``, as categories do everywhere in the engine); ``'<'`` and ``'>='`` cut a numeric
    column (missing values satisfy neither); ``'is missing'`` takes no value.

    Examples
    --------
    >>> frame = pd.DataFrame({"channel": ["partner", "branch", None], "age": [25.0, 40.0, 31.0]})
    >>> Condition("age", "<", 30.9).mask(frame).tolist()
    [True, False, False]
    >>> Condition("channel", "is missing").text
    'channel is missing'
    """

    column: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.column, str):
            raise TypeError(f"a condition's column must be a column name; got {self.column!r}")
        if self.op not in OPERATORS:
            raise ValueError(
                f"condition on {self.column!r}: op must be one of {', '.join(OPERATORS)}; "
                f"got {self.op!r}"
            )
        if self.op in ("<", ">="):
            try:
                number = float(self.value)
            except (TypeError, ValueError):
                raise TypeError(
                    f"condition {self.column!r} {self.op} needs a number; got {self.value!r}"
                ) from None
            object.__setattr__(self, "value", number)
        elif self.op == "in":
            values = self.value
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise TypeError(f"condition {self.column!r} in needs a list of values")
            object.__setattr__(self, "value", tuple(normalise_label(v) for v in values))
        elif self.op == "==":
            object.__setattr__(self, "value", normalise_label(self.value))

    @property
    def text(self) -> str:
        """The condition as a reader writes it: ``channel == 'partner'``, ``age < 30.9``."""
        if self.op == "is missing":
            return f"{self.column} is missing"
        if self.op in ("<", ">="):
            return f"{self.column} {self.op} {self.value:.4g}"
        if self.op == "in":
            return f"{self.column} in ({', '.join(repr(v) for v in self.value)})"
        return f"{self.column} == {self.value!r}"

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of ``frame`` satisfy the condition (a boolean array)."""
        if self.column not in frame.columns:
            raise ValueError(f"condition column {self.column!r} is not in the data")
        series = frame[self.column]
        if self.op == "is missing":
            return np.asarray(series.isna(), dtype=bool)
        if self.op in ("<", ">="):
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                return values < self.value if self.op == "<" else values >= self.value
        wanted = self.value if self.op == "in" else (self.value,)
        text = series.astype(object).map(lambda v: None if pd.isna(v) else normalise_label(v))
        return np.asarray(text.isin(list(wanted)), dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        """The condition as JSON-ready data (``{'column', 'op', 'value'}``)."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"column": self.column, "op": self.op, "value": value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Condition:
        """A condition from :meth:`to_dict`'s data."""
        return cls(str(data["column"]), str(data["op"]), data.get("value"))


Where = Mapping[str, Any] | Sequence[Condition] | Condition | None


def as_conditions(where: Where) -> tuple[Condition, ...]:
    """A row filter as conditions.

    ``where`` is a mapping ``{column: value or list of values}``, a condition, a sequence
    of conditions (or of their dicts), or None (every row).

    Examples
    --------
    >>> [c.text for c in as_conditions({"channel": "partner", "region": ["north", "south"]})]
    ["channel == 'partner'", "region in ('north', 'south')"]
    """
    if where is None:
        return ()
    if isinstance(where, Condition):
        return (where,)
    if isinstance(where, Mapping):
        out = []
        for column, value in where.items():
            if isinstance(value, Condition):
                out.append(value)
            elif isinstance(value, (list, tuple, set, frozenset)):
                out.append(Condition(str(column), "in", sorted(value, key=str)))
            else:
                out.append(Condition(str(column), "==", value))
        return tuple(out)
    if isinstance(where, Sequence) and not isinstance(where, (str, bytes)):
        out = []
        for item in where:
            if isinstance(item, Condition):
                out.append(item)
            elif isinstance(item, Mapping):
                out.append(Condition.from_dict(item))
            else:
                raise TypeError(f"where: each item must be a Condition or its dict; got {item!r}")
        return tuple(out)
    raise TypeError(
        "where must be a mapping {column: value}, a Condition, a list of them (a slice from "
        f"find_slices), or None; got {type(where).__name__}"
    )


def slice_text(where: Where) -> str:
    """The filter as a reader writes it: ``"channel == 'partner' & age < 30.9"``."""
    return " & ".join(c.text for c in as_conditions(where)) or "all rows"


def select_rows(frame: pd.DataFrame, where: Where) -> np.ndarray:
    """Which rows of ``frame`` the filter keeps (a boolean array; all rows for None).

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to filter.
    where : mapping, Condition, sequence of Condition, or None
        ``{'channel': 'partner'}`` (a value, or a list of values), conditions (a
        ``conditions`` cell of :func:`find_slices`), or None.

    Returns
    -------
    numpy.ndarray
        One bool per row.

    Examples
    --------
    >>> frame = pd.DataFrame({"channel": ["partner", "branch"], "age": [25.0, 22.0]})
    >>> select_rows(frame, {"channel": "partner"}).tolist()
    [True, False]
    >>> select_rows(frame, [Condition("age", "<", 30)]).tolist()
    [True, True]
    """
    keep = np.ones(len(frame), dtype=bool)
    for condition in as_conditions(where):
        keep &= condition.mask(frame)
    return keep
