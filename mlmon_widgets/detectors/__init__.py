"""Concept-drift detectors in the shape of river's, and a proxy for concept drift.

:class:`ADWIN` and :class:`PageHinkley` reproduce ``river.drift.ADWIN`` and
``river.drift.PageHinkley`` (river 0.26: same defaults, same detections) without depending on
river: ``update(x)`` returns the detector, :attr:`~DriftDetector.drift_detected` is read-only,
the hyperparameters are attributes named as the arguments (:meth:`~DriftDetector.get_params`)
and :meth:`~DriftDetector.detect` (or :func:`detect_changes`) gives the change points of a
whole series in one vectorized call; :func:`error_change_points` explains the change points
of a model's per-row errors. :func:`prediction_drift_without_input_drift` flags the
windows of a drift table where the model's output drifts while none of its inputs does, the
usual sign of concept drift while labels are missing.
"""

from ._adwin import ADWIN
from ._base import DriftDetector, detect_changes
from ._changes import (
    DETECTORS,
    change_summary,
    detector_defaults,
    detector_from_spec,
    error_change_points,
)
from ._page_hinkley import PageHinkley
from ._proxy import prediction_drift_without_input_drift

__all__ = [
    "ADWIN",
    "DETECTORS",
    "DriftDetector",
    "PageHinkley",
    "change_summary",
    "detect_changes",
    "detector_defaults",
    "detector_from_spec",
    "error_change_points",
    "prediction_drift_without_input_drift",
]
