"""Montgomery's control chart constants (Appendix VI) and the moving-range sigma estimate."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

from .._validation import check_int
from .results import ControlConstants

# Montgomery, Appendix VI: d2 (mean relative range) and c4 for subgroup sizes n = 2..25.
# fmt: off
_D2_TABLE = [
    1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336,
    3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931,
]
_C4_TABLE = [
    0.7979, 0.8862, 0.9213, 0.9400, 0.9515, 0.9594, 0.9650, 0.9693, 0.9727, 0.9754, 0.9776,
    0.9794, 0.9810, 0.9823, 0.9835, 0.9845, 0.9854, 0.9862, 0.9869, 0.9876, 0.9882, 0.9887,
    0.9892, 0.9896,
]
# fmt: on
D2: dict[int, float] = dict(zip(range(2, 26), _D2_TABLE, strict=True))
C4: dict[int, float] = dict(zip(range(2, 26), _C4_TABLE, strict=True))


def control_constants(n: int) -> ControlConstants:
    """Montgomery's constants d2, c4, A2 and A3 for subgroup size ``n`` (2 to 25).

    Parameters
    ----------
    n : int
        Subgroup size, 2 to 25 (Montgomery's Appendix VI).

    Returns
    -------
    ControlConstants

    Examples
    --------
    >>> c = control_constants(5)
    >>> c.d2, c.c4, round(c.A2, 3), round(c.A3, 3)
    (2.326, 0.94, 0.577, 1.427)
    """
    n = check_int("n", n, minimum=2)
    if n not in D2:
        raise ValueError(f"n must be between 2 and 25 (Montgomery's table); got {n}")
    d2, c4 = D2[n], C4[n]
    return ControlConstants(n, d2, c4, 3 / (d2 * math.sqrt(n)), 3 / (c4 * math.sqrt(n)))


def _c4(n: int) -> float:
    """c4 from the table for n <= 25, else exactly: sqrt(2/(n-1)) Gamma(n/2) / Gamma((n-1)/2)."""
    if n in C4:
        return C4[n]
    return math.sqrt(2 / (n - 1)) * math.exp(gammaln(n / 2) - gammaln((n - 1) / 2))


def _moving_range_sigma(x: np.ndarray) -> float:
    """MR-bar / d2 (d2 = 1.128) over consecutive points of ``x``."""
    return float(np.mean(np.abs(np.diff(x))) / D2[2])
