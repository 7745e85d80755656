"""The detector shape shared by every concept-drift detector, and argument validators.

Follows ``river.base.DriftDetector``: a tiny base class, a read-only :attr:`drift_detected`,
``update(x)`` returning the detector, hyperparameters stored under their argument names and
``_reset()`` for the state.
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Iterable
from math import isfinite
from typing import Any

import numpy as np

from ..engine import as_float_series, check_real


class DriftDetector(abc.ABC):
    """Base class of the streaming concept-drift detectors.

    Subclasses store every ``__init__`` argument as an attribute of the same name (so
    :meth:`get_params` exports the configuration), keep their state in ``_reset()`` and
    implement :meth:`update` and ``_detect`` (the change points of a whole series).
    """

    def __init__(self) -> None:
        self._drift_detected = False

    def _reset(self) -> None:
        """Forget the stream seen so far (the hyperparameters are kept)."""
        self._drift_detected = False

    @property
    def drift_detected(self) -> bool:
        """Whether a drift was detected by the last :meth:`update`."""
        return self._drift_detected

    @abc.abstractmethod
    def update(self, x: float) -> DriftDetector:
        """Update the detector with one value and return the detector."""

    @abc.abstractmethod
    def _detect(self, values: np.ndarray) -> np.ndarray:
        """Change-point indices of ``values`` (finite float64) from a fresh state."""

    def detect(self, values: Iterable[float]) -> np.ndarray:
        """Change points of a whole series, from a fresh detector with these hyperparameters.

        Gives the indices at which a streaming loop of :meth:`update` on a new detector
        would report ``drift_detected``, without the per-value Python call. The detector's
        own state is left untouched.

        Parameters
        ----------
        values : array_like of float
            The series, one-dimensional and finite.

        Returns
        -------
        numpy.ndarray of int64
            Positions in ``values`` at which a drift is detected, increasing.
        """
        array = as_series("values", values)
        fresh = type(self)(**self.get_params())  # validates attributes changed since __init__
        return fresh._detect(array)

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters, by argument name: ``type(d)(**d.get_params())`` is a clone.

        Returns
        -------
        dict
            Argument name -> current value.
        """
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def clone(self) -> DriftDetector:
        """A new detector with the same hyperparameters and a fresh state."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def detect_changes(values: Iterable[float], detector: DriftDetector | None = None) -> np.ndarray:
    """Change-point indices of a whole series with a concept-drift detector.

    Parameters
    ----------
    values : array_like of float
        The series, one-dimensional and finite (a metric per window, a score per row...).
    detector : DriftDetector, optional
        A configured detector such as ``PageHinkley(threshold=20)``; its hyperparameters
        are used, its state is not touched. Defaults to ``ADWIN()``.

    Returns
    -------
    numpy.ndarray of int64
        Positions in ``values`` at which the detector reports a drift; the same as a
        streaming ``update`` loop on a new detector (see each detector's ``detect``).

    Examples
    --------
    >>> import numpy as np
    >>> from mlmon_widgets.detectors import PageHinkley, detect_changes
    >>> rng = np.random.default_rng(0)
    >>> values = np.r_[rng.normal(0, 1, 1000), rng.normal(1, 1, 1000)]
    >>> detect_changes(values)  # ADWIN()
    array([1055])
    >>> detect_changes(values, PageHinkley(threshold=100))
    array([1098])
    """
    if detector is None:
        from ._adwin import ADWIN

        detector = ADWIN()
    if not isinstance(detector, DriftDetector):
        raise TypeError(
            "detector must be a detector from mlmon_widgets.detectors such as ADWIN() or "
            f"PageHinkley(); got {type(detector).__name__}"
        )
    return detector.detect(values)


def finite_value(x: Any) -> float:
    """``x`` as a float, or the error :meth:`update` gives for anything but a finite number."""
    try:
        finite = isfinite(x)
    except TypeError:
        finite = False
    if not finite:
        bad_value(x)
    return float(x)


def bad_value(x: Any) -> None:
    """Raise the error :meth:`update` gives for a value that is not a finite number."""
    check_real("x", x)


def as_series(name: str, values: Any) -> np.ndarray:
    """``values`` as a one-dimensional finite float64 array, or an error naming ``name``."""
    return as_float_series(name, values, finite=True).to_numpy()
