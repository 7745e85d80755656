"""Change points of a model's errors, explained: what a ControlChart marks on its panels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..engine import OFF, check_option
from ._adwin import ADWIN
from ._base import DriftDetector, detect_changes
from ._page_hinkley import PageHinkley

#: The detectors a view can choose, by the name a spec gives.
DETECTORS: dict[str, type[DriftDetector]] = {"adwin": ADWIN, "page_hinkley": PageHinkley}
#: How people read each detector's name.
DETECTOR_LABELS = {"adwin": "ADWIN", "page_hinkley": "Page-Hinkley"}
#: The hyperparameters a view lets people change (and a reason quotes).
EDITABLE = {"adwin": ("delta",), "page_hinkley": ("threshold", "delta")}
#: The columns of :func:`error_change_points`.
CHANGE_COLUMNS = ("window", "row", "reason")


def detector_defaults() -> dict[str, dict[str, Any]]:
    """Each detector's label and editable hyperparameters with river's defaults.

    Examples
    --------
    >>> detector_defaults()["adwin"]
    {'label': 'ADWIN', 'params': {'delta': 0.002}}
    """
    out = {}
    for name, cls in DETECTORS.items():
        params = cls().get_params()
        out[name] = {
            "label": DETECTOR_LABELS[name],
            "params": {k: params[k] for k in EDITABLE[name]},
        }
    return out


def detector_from_spec(spec: Mapping[str, Any] | None) -> DriftDetector | None:
    """A detector from ``{'kind': 'adwin', 'delta': 0.002}`` (None for ``{'kind': 'off'}``).

    Examples
    --------
    >>> detector_from_spec({"kind": "page_hinkley", "threshold": 20})
    PageHinkley(min_instances=30, delta=0.005, threshold=20.0, alpha=0.9999, mode='both')
    """
    spec = dict(spec or {"kind": OFF})
    kind = check_option("detector kind", spec.pop("kind", OFF), (*DETECTORS, OFF))
    if kind == OFF:
        return None
    return DETECTORS[kind](**spec)


def error_change_points(
    errors: pd.DataFrame, detector: DriftDetector, *, what: str = "squared error", span: int = 1000
) -> pd.DataFrame:
    """Where ``detector`` finds a change in a model's per-row errors, with a reason each.

    Parameters
    ----------
    errors : pandas.DataFrame
        :func:`~mlmon_widgets.engine.row_errors` output: ``row``, ``window``, ``error``, in
        time order.
    detector : DriftDetector
        A configured detector (its state is not touched).
    what : str
        What the errors are, for the reasons.
    span : int
        Rows before and after a change whose mean error the reason quotes.

    Returns
    -------
    pandas.DataFrame
        ``window`` (of the row at the change), ``row`` (position among the errors) and
        ``reason``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> error = np.r_[rng.normal(0.1, 0.05, 2000), rng.normal(0.3, 0.05, 2000)].clip(0)
    >>> errors = pd.DataFrame({"row": range(4000), "window": np.arange(4000) // 500,
    ...                        "error": error})
    >>> error_change_points(errors, ADWIN())[["window", "row"]].to_dict("records")
    [{'window': 4, 'row': 2047}]
    """
    values = errors["error"].to_numpy(dtype=float)
    if len(values) == 0:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    found = detect_changes(values, detector)
    kind = next((k for k, cls in DETECTORS.items() if type(detector) is cls), None)
    params = detector.get_params()
    shown = ", ".join(f"{k}={params[k]:g}" for k in EDITABLE.get(kind, ()))
    windows = errors["window"].to_numpy()
    records = []
    for i in found:
        before = values[max(0, i - span) : i + 1].mean()
        after = values[i + 1 : i + 1 + span]
        change = f" (mean {before:.3g} before" + (
            f", {after.mean():.3g} after)" if len(after) else ")"
        )
        records.append(
            {
                "window": int(windows[i]),
                "row": int(i),
                "reason": f"{type(detector).__name__}({shown}) detected a change in the "
                f"{what} at labelled row {int(i):,}{change}",
            }
        )
    return pd.DataFrame.from_records(records, columns=list(CHANGE_COLUMNS))


def change_summary(
    errors: pd.DataFrame, spec: Mapping[str, Any] | None, *, what: str = "squared error"
) -> dict[str, Any]:
    """The change points of ``spec``'s detector on ``errors``, as a view shows them.

    Returns ``{'kind', 'points': [{'window', 'row', 'reason'}], 'note'}``: the detector's
    kind, its change points with their reasons, and one line on what it read.

    Examples
    --------
    >>> import pandas as pd
    >>> change_summary(pd.DataFrame(columns=["row", "window", "error"]), {"kind": "off"})
    {'kind': 'off', 'points': [], 'note': 'detector off'}
    """
    spec = dict(spec or {"kind": OFF})
    detector = detector_from_spec(spec)
    kind = spec.get("kind", OFF)
    if detector is None:
        return {"kind": kind, "points": [], "note": "detector off"}
    if not len(errors):
        return {"kind": kind, "points": [], "note": "no labelled rows in scored windows"}
    found = error_change_points(errors, detector, what=what)
    return {
        "kind": kind,
        "points": found.to_dict("records"),
        "note": f"{len(found)} change point(s) in the {what} of {len(errors):,} labelled rows",
    }
