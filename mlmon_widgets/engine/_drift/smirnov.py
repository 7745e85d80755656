"""The asymptotic two-sample KS p-value, ``scipy.stats.kstwo.sf``, fast where scipy is slow.

``ks_2samp(method='asymp')`` takes its p-value from ``kstwo.sf(D, n)`` with ``n`` the
rounded effective size ``n1 n2 / (n1 + n2)``. For ``140 < n <= 1,000,000`` and ``2.2 <=
n D^2 < 370`` (p-values from about 0.02 down to 1e-321) scipy returns twice the one-sided
Smirnov probability, computed as the Birnbaum-Tingey sum of ``n (1 - D)`` terms one by
one in C: 0.4 s per feature at a million rows a side, most of ``drift_table``'s time.
Here the same sum runs vectorised over its terms, in log space with the binomial
coefficients' running sum in extended precision (``numpy.longdouble``): equal to scipy's
value to better than 1e-10 relative on a grid from n = 150 to 1,000,000 (a test checks
1e-9), about fifteen times faster. Everything else (small n, other ranges of D, platforms
whose ``longdouble`` is plain double) is scipy's own call.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

#: scipy sums the Smirnov series exactly up to this n and uses an asymptotic form above.
EXACT_MAX_N = 1_000_000
#: The sum needs the running log binomial in more than double precision.
EXTENDED = np.finfo(np.longdouble).eps < 1e-18


def smirnov_sf(n: int, x: float) -> float:
    """One-sided Smirnov probability ``P(D+_n >= x)`` (Birnbaum-Tingey), for ``0 < x < 1``.

    ``x * sum_j C(n, j) (1 - x - j/n)^(n - j) (x + j/n)^(j - 1)`` over ``j = 0 ..
    floor(n (1 - x))``, each term in log space, scaled by the largest before summing.

    Examples
    --------
    >>> from scipy import special
    >>> n, x = 20_000, 0.02
    >>> bool(abs(smirnov_sf(n, x) / special.smirnov(n, x) - 1) < 1e-9)
    True
    """
    top = int(np.floor(n * (1 - x)))
    j = np.arange(top + 1, dtype=float)
    log_binomial = np.zeros(top + 1, dtype=np.longdouble)
    np.cumsum(np.log((n - j[1:] + 1) / j[1:]), dtype=np.longdouble, out=log_binomial[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = (n - j) * np.log((n * (1 - x) - j) / n) + (j - 1) * np.log((n * x + j) / n)
    terms = log_binomial + rest
    terms = terms[np.isfinite(terms)]
    if not len(terms):
        return 0.0
    peak = terms.max()
    scaled = (terms - peak).astype(float)
    return float(x * np.exp(float(peak)) * np.sum(np.exp(scaled)))


def _fast(d: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Where the sum above replaces scipy's (the branch of ``kstwo.sf`` that sums it)."""
    with np.errstate(invalid="ignore"):
        t = n * d
        squared = t * d
        return (
            (n > 140)
            & (n <= EXACT_MAX_N)
            & (n == np.round(n))
            & (d > 0)
            & (d < 0.5)
            & (t > 1)
            & (t < n - 1)
            & (squared >= 2.2)
            & (squared < 370.0)
        )


def kstwo_sf(d: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    """``scipy.stats.kstwo.sf(d, n)``, elementwise, with the slow branch summed vectorised.

    Examples
    --------
    >>> p = kstwo_sf(np.array([0.01, 0.001]), np.array([50_000.0, 50_000.0]))
    >>> bool(np.allclose(p, sps.kstwo.sf([0.01, 0.001], 50_000), rtol=1e-9))
    True
    """
    d, n = np.broadcast_arrays(np.asarray(d, dtype=float), np.asarray(n, dtype=float))
    shape = d.shape
    d, n = d.reshape(-1), n.reshape(-1)
    out = np.empty(d.shape, dtype=float)
    fast = _fast(d, n) if EXTENDED else np.zeros(d.shape, dtype=bool)
    slow = ~fast
    if slow.any():
        out[slow] = sps.kstwo.sf(d[slow], n[slow])
    for i in np.flatnonzero(fast):
        out[i] = min(1.0, max(0.0, 2.0 * smirnov_sf(int(n[i]), float(d[i]))))
    return out.reshape(shape)
