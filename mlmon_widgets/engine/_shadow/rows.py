"""The per-row quantities of a shadow comparison, computed once and sliced per cell."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import as_floats
from .._performance.inputs import check_columns, milliseconds
from .._validation import check_probability
from .._vocabulary import CLASSIFICATION, TASKS

_EPS = 1e-15
#: Equal-width bins of the calibration error (as performance_over_time's).
CALIBRATION_BINS = 10
MODELS = ("live", "shadow")


def model_columns(name: str, value: Any) -> tuple[str, str] | None:
    """``(live, shadow)`` column names from ``{'live': a, 'shadow': b}`` or ``(a, b)``.

    Examples
    --------
    >>> model_columns("latency", {"live": "ms", "shadow": "shadow_ms"})
    ('ms', 'shadow_ms')
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        unknown = set(value) - set(MODELS)
        if unknown or set(value) != set(MODELS):
            raise ValueError(
                f"{name}= needs one column per model, e.g. {{'live': 'latency_ms', "
                f"'shadow': 'shadow_latency_ms'}}; got keys {sorted(map(str, value))}"
            )
        return str(value["live"]), str(value["shadow"])
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return str(value[0]), str(value[1])
    raise TypeError(
        f"{name}= needs one column per model: {{'live': ..., 'shadow': ...}} or a pair "
        f"(live, shadow); got {value!r}"
    )


def model_thresholds(value: Any) -> tuple[float, float]:
    """Each model's decision threshold from a number or ``{'live': t, 'shadow': t}``.

    Examples
    --------
    >>> model_thresholds(0.25), model_thresholds({"live": 0.2, "shadow": 0.3})
    ((0.25, 0.25), (0.2, 0.3))
    """
    if isinstance(value, Mapping):
        pair = model_columns("threshold", {k: str(v) for k, v in value.items()})
        assert pair is not None
        value = (float(pair[0]), float(pair[1]))
    if isinstance(value, (tuple, list)):
        live, shadow = value
    else:
        live = shadow = value
    return (
        check_probability("threshold (live)", live, open_left=False),
        check_probability("threshold (shadow)", shadow, open_left=False),
    )


@dataclass(frozen=True)
class PairedRows:
    """Both models' per-row values on the same rows (positions of the frame)."""

    task: str
    probabilities: bool  # scores are probabilities (not only decisions)
    p_live: np.ndarray
    p_shadow: np.ndarray
    scored: np.ndarray  # both models scored the row
    y: np.ndarray | None  # labels as floats (NaN: not yet)
    labelled: np.ndarray  # scored, labelled and observable
    correct_live: np.ndarray | None
    correct_shadow: np.ndarray | None
    decision_live: np.ndarray | None
    decision_shadow: np.ndarray | None
    resources: dict[str, tuple[np.ndarray, np.ndarray]]  # 'latency' / 'memory'
    observed: np.ndarray | None

    @classmethod
    def build(
        cls,
        frame: pd.DataFrame,
        *,
        live: str,
        shadow: str,
        label: str | None,
        task: str,
        threshold: Any,
        observed: str | None,
        latency: tuple[str, str] | None,
        memory: tuple[str, str] | None,
    ) -> PairedRows:
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}")
        for name, column in (
            ("live", live),
            ("shadow", shadow),
            ("label", label),
            ("observed", observed),
        ):
            if column is not None and column not in frame.columns:
                raise ValueError(f"{name} column {column!r} is not in the data")
        for name, pair in (("latency", latency), ("memory", memory)):
            for column in pair or ():
                if column not in frame.columns:
                    raise ValueError(f"{name} column {column!r} is not in the data")
        if live == shadow:
            raise ValueError(
                f"live= and shadow= name the same column {live!r}; give the two models' columns"
            )
        decisions_only = all(pd.api.types.is_bool_dtype(frame[c].dtype) for c in (live, shadow))
        for column in (live, shadow):
            check_columns(
                frame,
                task,
                label=label,
                score=None if decisions_only else column,
                prediction=column if decisions_only else None,
                latency=None,
            )
        for pair in (latency, memory):
            for column in pair or ():
                check_columns(frame, task, label=None, score=None, prediction=None, latency=column)
        p_l, p_s = as_floats(frame[live]), as_floats(frame[shadow])
        scored = np.isfinite(p_l) & np.isfinite(p_s)
        y = as_floats(frame[label]) if label is not None else None
        seen = None
        if observed is not None:
            values = frame[observed]
            if not pd.api.types.is_bool_dtype(values.dtype) or values.isna().any():
                raise TypeError(
                    f"observed column {observed!r} must be boolean without missing values "
                    "(True where a label can arrive at all, e.g. approved applications)"
                )
            seen = values.to_numpy(dtype=bool)
        labelled = scored & (np.isfinite(y) if y is not None else False)
        if seen is not None:
            labelled = labelled & seen
        correct_l = correct_s = dec_l = dec_s = None
        if task == CLASSIFICATION:
            t_l, t_s = model_thresholds(threshold)
            dec_l = p_l >= 0.5 if decisions_only else p_l >= t_l
            dec_s = p_s >= 0.5 if decisions_only else p_s >= t_s
            if y is not None:
                truth = y == 1
                correct_l, correct_s = dec_l == truth, dec_s == truth
        resources = {}
        for name, pair in (("latency", latency), ("memory", memory)):
            if pair is not None:
                resources[name] = tuple(as_floats(milliseconds(frame[c])) for c in pair)
        return cls(
            task=task,
            probabilities=task == CLASSIFICATION and not decisions_only,
            p_live=p_l,
            p_shadow=p_s,
            scored=scored,
            y=y,
            labelled=labelled,
            correct_live=correct_l,
            correct_shadow=correct_s,
            decision_live=dec_l,
            decision_shadow=dec_s,
            resources=resources,
            observed=seen,
        )

    def losses(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Per-row losses of both models (NaN off the labelled rows): log, brier, abs or square."""
        y = np.where(self.labelled, self.y if self.y is not None else 0.0, 0.0)
        out = []
        for p in (self.p_live, self.p_shadow):
            p = np.where(self.labelled, p, 0.5)
            if kind == "log":
                c = np.clip(p, _EPS, 1 - _EPS)
                value = -(y * np.log(c) + (1 - y) * np.log(1 - c))
            elif kind == "brier":
                value = (p - y) ** 2
            elif kind == "abs":
                value = np.abs(p - y)
            else:
                value = (p - y) ** 2
            out.append(np.where(self.labelled, value, np.nan))
        return out[0], out[1]

    def calibration_bins(self) -> tuple[np.ndarray, np.ndarray]:
        """The calibration bin of each row for both models (scores clipped into [0, 1])."""
        return tuple(
            np.minimum(
                (np.clip(np.nan_to_num(p), 0, 1) * CALIBRATION_BINS).astype(np.int64),
                CALIBRATION_BINS - 1,
            )
            for p in (self.p_live, self.p_shadow)
        )
