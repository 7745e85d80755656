"""Western Electric / Nelson run rules on a standardised control chart.

Rules are numbered as in Nelson (1984), "The Shewhart control chart: tests for special causes",
Journal of Quality Technology 16(4), the numbering Minitab also uses. Western Electric's four
zone rules are Nelson's 1, 5, 6 and (with eight instead of nine points) 2.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_series
from .inputs import _broadcast


@dataclass(frozen=True)
class RunRule:
    """One Nelson run rule: its number, a short name and what it looks for."""

    number: int
    name: str
    description: str
    points: int


#: The eight Nelson rules, keyed by Nelson's number.
NELSON_RULES: dict[int, RunRule] = {
    1: RunRule(1, "beyond_3_sigma", "one point beyond 3 sigma", 1),
    2: RunRule(2, "nine_same_side", "nine points in a row on one side of the centre line", 9),
    3: RunRule(3, "six_trending", "six points in a row steadily increasing or decreasing", 6),
    4: RunRule(4, "fourteen_alternating", "fourteen points in a row alternating up and down", 14),
    5: RunRule(
        5, "two_of_three_beyond_2_sigma", "two of three points beyond 2 sigma on the same side", 3
    ),
    6: RunRule(
        6, "four_of_five_beyond_1_sigma", "four of five points beyond 1 sigma on the same side", 5
    ),
    7: RunRule(7, "fifteen_within_1_sigma", "fifteen points in a row within 1 sigma", 15),
    8: RunRule(8, "eight_beyond_1_sigma", "eight points in a row beyond 1 sigma (either side)", 8),
}

#: Western Electric's zone rules in Nelson's numbering.
WESTERN_ELECTRIC = (1, 2, 5, 6)

VIOLATION_COLUMNS = ["index", "position", "rule", "name", "side", "description", "indices"]


def check_rules(rules: Iterable[int] | str | None) -> tuple[int, ...]:
    """Return the rule numbers to apply: all eight for None, Western Electric's for that name."""
    if rules is None or rules == "nelson":
        return tuple(NELSON_RULES)
    if rules == "western_electric":
        return WESTERN_ELECTRIC
    if isinstance(rules, str):
        raise ValueError(
            "rules must be None, 'nelson', 'western_electric' or rule numbers from 1 to 8; "
            f"got {rules!r}"
        )
    try:
        chosen = list(rules)
    except TypeError:
        raise TypeError(f"rules must be rule numbers from 1 to 8; got {rules!r}") from None
    bad = [r for r in chosen if isinstance(r, bool) or r not in NELSON_RULES]
    if bad:
        raise ValueError(f"rules must be rule numbers from 1 to 8; got {bad}")
    return tuple(sorted({int(r) for r in chosen}))


def _run_length(condition: np.ndarray) -> np.ndarray:
    """Length of the run of True values ending at each position (0 where False)."""
    out = np.zeros(len(condition), dtype=np.int64)
    count = 0
    for i, flag in enumerate(condition):
        count = count + 1 if flag else 0
        out[i] = count
    return out


def _window_count(condition: np.ndarray, width: int) -> np.ndarray:
    """Number of True values in the window of ``width`` positions ending at each position."""
    cumulative = np.concatenate([[0], np.cumsum(condition.astype(np.int64))])
    ends = np.arange(1, len(condition) + 1)
    return cumulative[ends] - cumulative[np.maximum(ends - width, 0)]


def find_violations(
    deviation: np.ndarray,
    z: np.ndarray,
    rules: Sequence[int],
) -> list[tuple[int, int, str | None, tuple[int, ...]]]:
    """Rule violations on one sequence of observed points.

    ``deviation`` is value minus centre line, ``z`` the deviation in sigma units (``±inf`` for a
    deviation when sigma is 0). Both hold only the observed points, in order. Returns
    ``(position, rule, side, positions involved)`` tuples, positions into the sequence; ``side``
    is ``'upper'`` or ``'lower'`` for rules 1, 2, 5 and 6, ``'increasing'`` or ``'decreasing'``
    for rule 3 and None for rules 4, 7 and 8.
    """
    found: list[tuple[int, int, str | None, tuple[int, ...]]] = []
    n = len(z)
    if n == 0:
        return found
    above = deviation > 0
    below = deviation < 0

    def add_runs(rule: int, condition: np.ndarray, length: int, side: str | None) -> None:
        for i in np.flatnonzero(_run_length(condition) >= length):
            found.append((int(i), rule, side, tuple(range(i - length + 1, i + 1))))

    def add_k_of_m(rule: int, condition: np.ndarray, k: int, m: int, side: str) -> None:
        # Firing only where the current point counts reports each cluster at its last point.
        counts = _window_count(condition, m)
        for i in np.flatnonzero(condition & (counts >= k)):
            lo = max(0, i - m + 1)
            found.append((int(i), rule, side, tuple(j for j in range(lo, i + 1) if condition[j])))

    for rule in rules:
        if rule == 1:
            for i in np.flatnonzero(z > 3):
                found.append((int(i), 1, "upper", (int(i),)))
            for i in np.flatnonzero(z < -3):
                found.append((int(i), 1, "lower", (int(i),)))
        elif rule == 2:
            add_runs(2, above, 9, "upper")
            add_runs(2, below, 9, "lower")
        elif rule == 3 and n > 1:
            step = np.diff(deviation)
            for condition, side in ((step > 0, "increasing"), (step < 0, "decreasing")):
                for j in np.flatnonzero(_run_length(condition) >= 5):
                    found.append((int(j + 1), 3, side, tuple(range(j - 4, j + 2))))
        elif rule == 4 and n > 2:
            sign = np.sign(np.diff(deviation))
            alternates = np.concatenate([[False], sign[1:] * sign[:-1] < 0])
            for j in np.flatnonzero(_run_length(alternates) >= 12):
                found.append((int(j + 1), 4, None, tuple(range(j - 12, j + 2))))
        elif rule == 5:
            add_k_of_m(5, z > 2, 2, 3, "upper")
            add_k_of_m(5, z < -2, 2, 3, "lower")
        elif rule == 6:
            add_k_of_m(6, z > 1, 4, 5, "upper")
            add_k_of_m(6, z < -1, 4, 5, "lower")
        elif rule == 7:
            add_runs(7, np.abs(z) < 1, 15, None)
        elif rule == 8:
            add_runs(8, np.abs(z) > 1, 8, None)
    found.sort(key=lambda item: (item[0], item[1]))
    return found


def violations_frame(
    found: list[tuple[int, int, str | None, tuple[int, ...]]],
    labels: Sequence[Hashable],
    positions: Sequence[int],
    description_suffix: dict[int, str] | None = None,
) -> pd.DataFrame:
    """The tidy violations table for :func:`find_violations` output.

    ``labels`` and ``positions`` map each observed point to its index label and to its position
    in the full series (missing points included).
    """
    suffix = description_suffix or {}
    rows = []
    for i, rule, side, involved in found:
        info = NELSON_RULES[rule]
        rows.append(
            {
                "index": labels[i],
                "position": int(positions[i]),
                "rule": rule,
                "name": info.name,
                "side": side,
                "description": info.description + suffix.get(rule, ""),
                "indices": tuple(labels[j] for j in involved),
            }
        )
    frame = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    return frame.astype({"position": "int64", "rule": "int64"})


def standardise(deviation: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``deviation / sigma``; where sigma is 0: 0 on the centre line, ±inf off it."""
    z = np.full(len(deviation), np.nan)
    positive = sigma > 0
    np.divide(deviation, sigma, out=z, where=positive)
    zero = (sigma == 0) & ~np.isnan(deviation)
    off = deviation[zero]
    z[zero] = np.where(off > 0, np.inf, np.where(off < 0, -np.inf, 0.0))
    return z


def run_rules(
    values: Any,
    *,
    centre: Any,
    sigma: Any,
    rules: Iterable[int] | str | None = None,
) -> pd.DataFrame:
    """Nelson run-rule violations of a series against a given centre line and sigma.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        The plotted points; NaN points are skipped (runs continue across them).
    centre, sigma : float or array-like of float
        Centre line and sigma of each point (scalars for constant limits); sigma >= 0.
    rules : iterable of int, {'nelson', 'western_electric'} or None, default None
        As in :func:`individuals_chart`, whose Notes list the rules.

    Returns
    -------
    pandas.DataFrame
        The violations table of :class:`ControlChartResult`.

    Examples
    --------
    >>> run_rules([0, 1, 2, 3, 4, 5, 4], centre=2.5, sigma=2, rules=[3])[["position", "side"]]
       position        side
    0         5  increasing
    """
    series = as_float_series("values", values)
    rules_used = check_rules(rules)
    count = len(series)
    centre_i = _broadcast("centre", centre, count)
    sigma_i = _broadcast("sigma", sigma, count)
    if (sigma_i < 0).any():
        raise ValueError("sigma must be >= 0")
    value = series.to_numpy()
    observed = ~np.isnan(value)
    deviation = value - centre_i
    z = standardise(deviation, sigma_i)
    found = find_violations(deviation[observed], z[observed], rules_used)
    return violations_frame(found, list(series.index[observed]), np.flatnonzero(observed))
