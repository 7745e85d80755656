"""ADaptive WINdowing (ADWIN) drift detector (river's ``drift.ADWIN``)."""

from __future__ import annotations

from math import log, sqrt

import numpy as np

from ..engine import check_int, check_real
from ._base import DriftDetector, finite_value

_FIRST_CHUNK = 1024
_CHECKS_PER_BLOCK = 1024


class ADWIN(DriftDetector):
    r"""Adaptive Windowing method for concept drift detection.

    ADWIN keeps a window of recent values, compressed into an exponential histogram of
    buckets, and reports a drift when two sub-windows (older values :math:`W_0`, newer
    values :math:`W_1`, cut at a bucket boundary) have means further apart than the
    Hoeffding-type bound :math:`\epsilon_{cut}`. This is ``river.drift.ADWIN`` (river 0.26,
    itself a port of Bifet's ADWIN2): the same defaults, the same arithmetic and the same
    detections. After a detection the next :meth:`update` starts from an empty window.

    Parameters
    ----------
    delta : float, default 0.002
        Significance value in (0, 1); smaller means fewer false alarms and later detections.
    clock : int, default 32
        Check for a change every ``clock`` values (1 checks at every value).
    max_buckets : int, default 5
        Buckets of each size kept before two are merged (the histogram's resolution); at
        least 2 (with 1, a level of the histogram can empty and river's ADWIN panics).
    min_window_length : int, default 5
        Sub-windows shorter than this are not compared.
    grace_period : int, default 10
        No check until the window holds more than this many values.

    Notes
    -----
    For a cut with sub-window sizes :math:`n_0, n_1`, window size :math:`n` and window
    variance :math:`\sigma^2`, with :math:`\delta' = \ln(2 \ln n / \delta)` and
    :math:`1/m = 1/(n_0 - l + 1) + 1/(n_1 - l + 1)` (:math:`l` the minimum window length),
    a change is reported when
    :math:`|\hat\mu_0 - \hat\mu_1| > \sqrt{2 \sigma^2 \delta' / m} + \tfrac23 \delta' / m`.

    References
    ----------
    A. Bifet and R. Gavaldà (2007). Learning from time-changing data with adaptive
    windowing. Proceedings of the 2007 SIAM International Conference on Data Mining, 443-448.

    Examples
    --------
    The stream of river's own example (two distributions, values 0-1 then 4-7):

    >>> import random
    >>> from mlmon_widgets.detectors import ADWIN
    >>> rng = random.Random(12345)
    >>> stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    >>> adwin = ADWIN()
    >>> for i, x in enumerate(stream):
    ...     if adwin.update(x).drift_detected:
    ...         print(f"Change detected at index {i}, input value: {x}")
    Change detected at index 1023, input value: 4
    >>> adwin.width, adwin.estimation  # the window since the detection
    (976.0, 5.467...)

    The whole series at once gives the same indices:

    >>> adwin.detect(stream)
    array([1023])
    """

    def __init__(
        self,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        super().__init__()
        self.delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
        self.clock = check_int("clock", clock, minimum=1)
        self.max_buckets = check_int("max_buckets", max_buckets, minimum=2)
        self.min_window_length = check_int("min_window_length", min_window_length, minimum=1)
        self.grace_period = check_int("grace_period", grace_period, minimum=0)
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        # Level i holds the totals and variances of buckets of 2**i values, oldest first.
        self._totals: list[list[float]] = [[]]
        self._variances: list[list[float]] = [[]]
        self._total = 0.0
        self._variance = 0.0
        self._width = 0.0
        self._tick = 0

    @property
    def width(self) -> float:
        """Number of values in the window."""
        return self._width

    @property
    def total(self) -> float:
        """Sum of the values in the window."""
        return self._total

    @property
    def variance(self) -> float:
        """Sum of squared deviations from the mean in the window (river's ``variance``)."""
        return self._variance

    @property
    def estimation(self) -> float:
        """Mean of the window (0 when empty)."""
        return self._total / self._width if self._width else 0.0

    def update(self, x: float) -> ADWIN:
        """Update the detector with one value.

        Parameters
        ----------
        x : float
            The next value of the stream (finite).

        Returns
        -------
        ADWIN
            The detector itself; read :attr:`drift_detected` on it.
        """
        x = finite_value(x)
        if self._drift_detected:
            self._reset()
        self._insert(x)
        self._tick += 1
        if self._tick % self.clock == 0 and self._width > self.grace_period:
            self._drift_detected = self._reduce_window()
        return self

    # The order of the float operations below is river's, so the state agrees bit for bit.

    def _insert(self, value: float) -> None:
        self._totals[0].append(value)
        self._variances[0].append(0.0)
        self._width += 1.0
        width = self._width
        if width > 1.0:
            step = value - self._total / (width - 1.0)
            self._variance += (width - 1.0) * step * step / width
        self._total += value
        limit = self.max_buckets + 1
        level = 0
        totals, variances = self._totals, self._variances
        while len(totals[level]) == limit:
            size = float(2**level)
            t0, t1 = totals[level][0], totals[level][1]
            mu0, mu1 = t0 / size, t1 / size
            merged_variance = (
                variances[level][0] + variances[level][1] + size * 0.5 * (mu0 - mu1) * (mu0 - mu1)
            )
            if level + 1 == len(totals):
                totals.append([])
                variances.append([])
            totals[level + 1].append(t0 + t1)
            variances[level + 1].append(merged_variance)
            del totals[level][:2], variances[level][:2]
            level += 1

    def _delete_oldest(self) -> None:
        last = len(self._totals) - 1
        size = float(2**last)
        total, variance = self._totals[last].pop(0), self._variances[last].pop(0)
        mean = total / size
        self._width -= size
        self._total -= total
        window_mean = self._total / self._width
        spread = size * self._width * (mean - window_mean) * (mean - window_mean)
        self._variance -= variance + spread / (size + self._width)
        if not self._totals[last]:
            self._totals.pop()
            self._variances.pop()

    def _reduce_window(self) -> bool:
        """Drop the oldest buckets while some cut separates two different means."""
        detected = False
        shortest = float(self.min_window_length)
        while True:
            n0, n1 = 0.0, self._width
            u0, u1 = 0.0, self._total
            cut = False
            for level in range(len(self._totals) - 1, -1, -1):
                size = float(2**level)
                totals = self._totals[level]
                last = len(totals) - 1
                for k, bucket_total in enumerate(totals):
                    n0 += size
                    n1 -= size
                    u0 += bucket_total
                    u1 -= bucket_total
                    if level == 0 and k == last:
                        break
                    if n1 >= shortest and n0 >= shortest and self._is_cut(n0, n1, u0, u1):
                        cut = True
                        break
                if cut:
                    break
            if not cut:
                return detected
            detected = True
            self._delete_oldest()

    def _is_cut(self, n0: float, n1: float, u0: float, u1: float) -> bool:
        delta_mean = (u0 / n0) - (u1 / n1)
        width = self._width
        delta_prime = log(2.0 * log(width) / self.delta)
        m_recip = 1.0 / (n0 - self.min_window_length + 1.0) + 1.0 / (
            n1 - self.min_window_length + 1.0
        )
        spread = 2.0 * m_recip * (self._variance / width) * delta_prime
        if spread < 0.0:  # rounding after deletions; river's sqrt gives NaN: no cut
            return False
        epsilon = sqrt(spread) + 2.0 / 3.0 * delta_prime * m_recip
        return abs(delta_mean) > epsilon

    # --- the whole series at once ---------------------------------------------------------

    def _detect(self, values: np.ndarray) -> np.ndarray:
        """Change points of a whole series, vectorized over the checks.

        Between detections the window only grows (a detection resets the detector at the
        next value), so at the check after ``t`` values the bucket sizes depend on ``t``
        alone and every cut is a prefix of the segment: its sums come from cumulative sums.
        The sums are formed in a different order than in :meth:`update`, so they agree to
        rounding (about 1e-12 relative) rather than bit for bit: a detection can only move
        when a mean difference lies that close to its bound.
        """
        found: list[int] = []
        n = len(values)
        start, size, checked = 0, _FIRST_CHUNK, 0
        while start < n:
            stop = min(n, start + size)
            hit = self._first_detection(values[start:stop], checked)
            if hit >= 0:
                found.append(start + hit)
                size, checked = max(_FIRST_CHUNK, 2 * (hit + 1)), 0
                start += hit + 1
            elif stop == n:
                break
            else:
                size, checked = size * 4, stop - start
        return np.asarray(found, dtype=np.int64)

    def _first_detection(self, x: np.ndarray, checked: int) -> int:
        """First detection in ``x`` from an empty window, skipping checks up to ``checked``.

        Returns its position in ``x``, or -1.
        """
        clock = self.clock
        # Checks happen after t values with t % clock == 0 and t > grace_period; a cut needs
        # both sub-windows of min_window_length values, so earlier checks cannot fire.
        least = max(self.grace_period + 1, 2 * self.min_window_length, checked + 1)
        first = -(-least // clock) * clock
        ticks = np.arange(first, len(x) + 1, clock, dtype=np.int64)
        if not len(ticks):
            return -1
        shifted = x - x[0]
        sums = np.concatenate(([0.0], np.cumsum(shifted)))
        squares = np.concatenate(([0.0], np.cumsum(shifted * shifted)))
        for begin in range(0, len(ticks), _CHECKS_PER_BLOCK):
            block = ticks[begin : begin + _CHECKS_PER_BLOCK]
            fired = self._checks(block, sums, squares)
            if fired.any():
                return int(block[np.argmax(fired)]) - 1
        return -1

    def _checks(self, ticks: np.ndarray, sums: np.ndarray, squares: np.ndarray) -> np.ndarray:
        """For each check after ``ticks`` values, whether some cut separates the means."""
        cap = self.max_buckets
        # Buckets per level after t insertions: level i receives `arrived` values and keeps
        # them until cap + 1, then merges its two oldest into one of level i + 1, and so on.
        counts = []
        arrived = ticks.copy()
        while arrived.any():
            full = arrived > cap
            counts.append(np.where(full, cap - 1 + (arrived - cap - 1) % 2, arrived))
            arrived = np.where(full, 1 + (arrived - cap - 1) // 2, 0)
        levels = len(counts)
        count = np.stack(counts[::-1], axis=1)  # oldest (largest) level first
        bucket = 2.0 ** np.arange(levels - 1, -1, -1)
        slot = np.arange(cap)
        present = slot[None, None, :] < count[:, :, None]
        n0 = np.cumsum(
            np.where(present, bucket[None, :, None], 0.0).reshape(len(ticks), -1), axis=1
        )
        present = present.reshape(len(ticks), -1)
        width = ticks.astype(np.float64)[:, None]
        n1 = width - n0
        shortest = float(self.min_window_length)
        valid = present & (n0 >= shortest) & (n1 >= shortest)
        n0 = np.where(valid, n0, shortest)
        n1 = np.where(valid, n1, shortest)
        u0 = sums[n0.astype(np.int64)]
        total = sums[ticks][:, None]
        u1 = total - u0
        delta_mean = u0 / n0 - u1 / n1
        variance = np.maximum(squares[ticks][:, None] - total * total / width, 0.0)
        delta_prime = np.log(2.0 * np.log(width) / self.delta)
        m_recip = 1.0 / (n0 - shortest + 1.0) + 1.0 / (n1 - shortest + 1.0)
        epsilon = (
            np.sqrt(2.0 * m_recip * (variance / width) * delta_prime)
            + 2.0 / 3.0 * delta_prime * m_recip
        )
        return (valid & (np.abs(delta_mean) > epsilon)).any(axis=1)
