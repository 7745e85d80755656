"""Tables for a terminal: columns that fit a width, numbers to meaningful digits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd


def short(value: Any, digits: int = 2) -> str:
    """A number to ``digits`` significant digits, a date as a date, anything else as text.

    Examples
    --------
    >>> short(0.31415), short(12.5, 3), short(pd.Timestamp("2024-04-16")), short(float("nan"))
    ('0.31', '12.5', '2024-04-16', '')
    """
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}" if value == value.normalize() else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.{digits}g}"
    return str(value)


def fit_table(
    rows: Sequence[Sequence[Any]], header: Sequence[str], *, width: int = 100, wrap: int = -1
) -> str:
    """A plain-text table at most ``width`` characters wide.

    Columns are as wide as their widest cell; the column ``wrap`` (default: the last) takes
    what is left and its cells are cut with an ellipsis.

    Examples
    --------
    >>> print(fit_table([["income", "psi 0.38 >= 0.25 and a long reason"]], ["feature", "why"],
    ...                 width=30))
    feature  why
    income   psi 0.38 >= 0.25 and…
    """
    cells = [[str(c) for c in header]] + [[short(c) for c in row] for row in rows]
    n = len(header)
    wrap = wrap % n
    widths = [max(len(line[i]) for line in cells) for i in range(n)]
    fixed = sum(w for i, w in enumerate(widths) if i != wrap) + 2 * (n - 1)
    widths[wrap] = max(len(header[wrap]), min(widths[wrap], width - fixed))
    lines = []
    for line in cells:
        out = []
        for i, text in enumerate(line):
            if len(text) > widths[i]:
                text = text[: widths[i] - 1] + "…"
            out.append(text.ljust(widths[i]) if i < n - 1 else text)
        lines.append("  ".join(out).rstrip())
    return "\n".join(lines)
