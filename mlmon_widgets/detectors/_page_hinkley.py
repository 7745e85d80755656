"""Page-Hinkley test for a change in the mean of a stream (river's ``drift.PageHinkley``)."""

from __future__ import annotations

from math import inf

import numpy as np

from ..engine import check_int, check_real
from ._base import DriftDetector, finite_value

MODES = ("up", "down", "both")
_FIRST_CHUNK = 256


class PageHinkley(DriftDetector):
    r"""Page-Hinkley method for concept drift detection.

    The two-sided Page-Hinkley test (a CUSUM on the deviations from the running mean) as in
    ``river.drift.PageHinkley`` (river 0.26): the same defaults, the same arithmetic and the
    same detections. After a detection the next :meth:`update` starts from a fresh state.
    Page-Hinkley signals no warning zone, only changes.

    Parameters
    ----------
    min_instances : int, default 30
        Values seen (since the start or the last detection) before a change can be reported.
    delta : float, default 0.005
        Magnitude of change tolerated: subtracted from (added to) every deviation of the
        increase (decrease) sum, so a drift slower than ``delta`` per value is not reported.
    threshold : float, default 50.0
        The change detection threshold (lambda) on the cumulative deviation.
    alpha : float, default 1 - 0.0001
        Forgetting factor in (0, 1] applied to the cumulative sums; 1 forgets nothing.
    mode : {'both', 'up', 'down'}, default 'both'
        Report increases of the mean (``'up'``), decreases (``'down'``) or both.

    Notes
    -----
    With the running mean :math:`\bar x_t`, the sums are
    :math:`U_t = \alpha U_{t-1} + (x_t - \bar x_t) - \delta` and
    :math:`L_t = \alpha L_{t-1} + (x_t - \bar x_t) + \delta`; an increase is reported
    when :math:`U_t - \min_{s \le t} U_s > \lambda`, a decrease when
    :math:`\max(-1, \max_{s \le t} L_s) - L_t > \lambda` (river starts the maximum at -1).

    References
    ----------
    E. S. Page (1954). Continuous inspection schemes. Biometrika 41 (1/2), 100-115.

    Examples
    --------
    The stream of river's own example (two distributions, values 0-1 then 4-7):

    >>> import random
    >>> from mlmon_widgets.detectors import PageHinkley
    >>> rng = random.Random(12345)
    >>> stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    >>> ph = PageHinkley()
    >>> for i, x in enumerate(stream):
    ...     if ph.update(x).drift_detected:
    ...         print(f"Change detected at index {i}, input value: {x}")
    Change detected at index 1006, input value: 5

    The whole series at once gives the same indices:

    >>> ph.detect(stream)
    array([1006])
    >>> ph.get_params()
    {'min_instances': 30, 'delta': 0.005, 'threshold': 50.0, 'alpha': 0.9999, 'mode': 'both'}
    """

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: str = "both",
    ) -> None:
        super().__init__()
        self.min_instances = check_int("min_instances", min_instances, minimum=1)
        self.delta = check_real("delta", delta, low=0.0)
        self.threshold = check_real("threshold", threshold, low=0.0, low_open=True)
        self.alpha = check_real("alpha", alpha, low=0.0, high=1.0, low_open=True)
        if mode not in MODES:
            raise ValueError(f"mode must be one of: {{'both', 'up', 'down'}}; got {mode!r}")
        self.mode = mode
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self._n = 0.0
        self._mean = 0.0
        self._sum_increase = 0.0
        self._sum_decrease = 0.0
        self._min_increase = inf
        self._max_decrease = -1.0

    def update(self, x: float) -> PageHinkley:
        """Update the detector with one value.

        Parameters
        ----------
        x : float
            The next value of the stream (finite).

        Returns
        -------
        PageHinkley
            The detector itself; read :attr:`drift_detected` on it.
        """
        x = finite_value(x)
        if self._drift_detected:
            self._reset()
        # The operations and their order are river's, so the floats agree bit for bit.
        self._n += 1.0
        self._mean += (1.0 / self._n) * (x - self._mean)
        dev = x - self._mean
        self._sum_increase = self.alpha * self._sum_increase + dev - self.delta
        self._sum_decrease = self.alpha * self._sum_decrease + dev + self.delta
        if self._sum_increase < self._min_increase:
            self._min_increase = self._sum_increase
        if self._sum_decrease > self._max_decrease:
            self._max_decrease = self._sum_decrease
        if self._n >= self.min_instances:
            up = self._sum_increase - self._min_increase > self.threshold
            down = self._max_decrease - self._sum_decrease > self.threshold
            mode = self.mode
            self._drift_detected = (
                (up or down) if mode == "both" else (up if mode == "up" else down)
            )
        return self

    def _detect(self, values: np.ndarray) -> np.ndarray:
        """Change points of a whole series: vectorized segment by segment.

        Each segment starts fresh (as :meth:`update` does after a detection); the sums over a
        chunk are computed with numpy (``cumsum`` for the mean, ``scipy.signal.lfilter``
        for the forgetting factor) and the chunk grows until it holds a detection or the
        series ends. The arithmetic order differs from :meth:`update`, so the sums agree to
        rounding (about 1e-12 relative) rather than bit for bit: a detection can only move
        when a statistic lies that close to ``threshold``.
        """
        found: list[int] = []
        n = len(values)
        start, size = 0, _FIRST_CHUNK
        while start < n:
            stop = min(n, start + size)
            hit = self._first_detection(values[start:stop])
            if hit >= 0:
                found.append(start + hit)
                size = max(_FIRST_CHUNK, 2 * (hit + 1))
                start += hit + 1
            elif stop == n:
                break
            else:
                size *= 4
        return np.asarray(found, dtype=np.int64)

    def _first_detection(self, x: np.ndarray) -> int:
        """Position of the first detection in ``x`` from a fresh state, or -1."""
        first = self.min_instances - 1
        if len(x) <= first:
            return -1
        count = np.arange(1.0, len(x) + 1.0)
        dev = (x - x[0]) - np.cumsum(x - x[0]) / count
        if self.alpha == 1.0:
            increase = np.cumsum(dev - self.delta)
            decrease = np.cumsum(dev + self.delta)
        else:
            from scipy.signal import lfilter

            feedback = [1.0, -self.alpha]
            increase = lfilter([1.0], feedback, dev - self.delta)
            decrease = lfilter([1.0], feedback, dev + self.delta)
        fired = np.zeros(len(x) - first, dtype=bool)
        if self.mode != "down":
            low = np.minimum.accumulate(increase)
            fired |= (increase - low)[first:] > self.threshold
        if self.mode != "up":
            high = np.maximum.accumulate(np.maximum(decrease, -1.0))
            fired |= (high - decrease)[first:] > self.threshold
        hit = int(np.argmax(fired))
        return first + hit if fired[hit] else -1
