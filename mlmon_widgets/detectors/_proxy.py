"""A proxy for concept drift while labels are missing: the output drifts, no input does."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..engine import ALERT_LEVELS, INSUFFICIENT_DATA, OK, SEVERITIES, check_option

STATUSES = (
    "concept_drift_suspected",
    "explained_by_input_drift",
    "no_prediction_drift",
    "undetermined",
)
SUSPECTED, EXPLAINED, NO_DRIFT, UNDETERMINED = STATUSES
_RANK = {OK: 0, **{level: i + 1 for i, level in enumerate(ALERT_LEVELS)}}


def prediction_drift_without_input_drift(
    table: pd.DataFrame,
    prediction: str | Sequence[str],
    *,
    inputs: Sequence[str] | None = None,
    level: str = ALERT_LEVELS[0],
) -> pd.DataFrame:
    r"""Windows where the model's output drifts while none of its inputs does.

    Without labels, concept drift (a change of :math:`P(y \mid x)`) cannot be measured;
    its usual visible sign is a drift of the prediction or score column that no drift of
    the model's inputs explains. This reads a drift table (one row per window x feature,
    as :func:`mlmon_widgets.drift_over_time` returns) and classifies every window.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``window``, ``feature`` and ``severity`` (one of ``{'ok', 'warning',
        'critical', 'insufficient_data', 'off'}``); ``window_start`` and ``window_end``
        are carried over when present. At most one row per window and feature.
    prediction : str or sequence of str
        The feature(s) holding the model's output (a score, a predicted class, class
        probabilities); the output drifts in a window when any of them does.
    inputs : sequence of str, optional
        The model's input features. Defaults to every other feature of the table (leave
        out labels and metadata columns by passing ``inputs``).
    level : {'warning', 'critical'}, default 'warning'
        The severity from which a feature counts as drifted.

    Returns
    -------
    pandas.DataFrame
        One row per window, in window order: ``window`` (and ``window_start``,
        ``window_end``), ``prediction_severity`` and ``input_severity`` (the worst tested
        severity, ``'insufficient_data'`` when none was tested), ``drifted_inputs`` (names
        joined by ``', '``), ``untested_inputs`` (inputs with ``insufficient_data`` or no
        row in that window), ``status`` and ``suspected`` (``status ==
        'concept_drift_suspected'``).

    Notes
    -----
    ``status`` is, per window (features whose severity is ``'off'`` are left out):

    - ``'no_prediction_drift'``: every prediction feature was tested and none drifted;
    - ``'explained_by_input_drift'``: the prediction drifted and so did an input;
    - ``'concept_drift_suspected'``: the prediction drifted and every input was tested
      and none drifted;
    - ``'undetermined'``: the prediction was not tested (nothing drifted, some
      ``insufficient_data``), or it drifted while no input drifted but some inputs were
      not tested (their drift cannot be ruled out), or there are no inputs.

    An input drift below ``level`` or a drift of an unmonitored input can still explain a
    suspected window: this is a screening signal to confirm with labels when they arrive.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlmon_widgets.detectors import prediction_drift_without_input_drift
    >>> table = pd.DataFrame({
    ...     "window": [0, 0, 0, 1, 1, 1, 2, 2, 2],
    ...     "feature": ["age", "income", "score"] * 3,
    ...     "severity": ["ok", "ok", "ok",  "ok", "ok", "critical",  "critical", "ok", "warning"],
    ... })
    >>> result = prediction_drift_without_input_drift(table, "score")
    >>> result[["window", "prediction_severity", "drifted_inputs", "status"]]
       window prediction_severity drifted_inputs                    status
    0       0                  ok                      no_prediction_drift
    1       1            critical                  concept_drift_suspected
    2       2             warning            age  explained_by_input_drift
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
    missing = [c for c in ("window", "feature", "severity") if c not in table.columns]
    if missing:
        raise ValueError(
            f"table must have the columns 'window', 'feature' and 'severity' (as returned by "
            f"drift_over_time); missing {missing}"
        )
    check_option("level", level, ALERT_LEVELS)
    severity = table["severity"].astype(str)
    unknown = sorted(set(severity) - set(SEVERITIES))
    if unknown:
        shown = ", ".join(repr(s) for s in SEVERITIES)
        raise ValueError(f"table['severity'] must hold {shown}; got {unknown}")
    if table.duplicated(["window", "feature"]).any():
        raise ValueError("table must have at most one row per window and feature")
    features = list(dict.fromkeys(table["feature"]))
    outputs = _names("prediction", prediction, features)
    if inputs is None:
        watched = [f for f in features if f not in outputs]
    else:
        watched = _names("inputs", inputs, features)
        both = [f for f in watched if f in outputs]
        if both:
            raise ValueError(f"inputs must not repeat the prediction feature(s); got {both}")

    grid = (
        pd.DataFrame({"window": table["window"], "feature": table["feature"], "sev": severity})
        .pivot(index="window", columns="feature", values="sev")
        .sort_index()
        .fillna(INSUFFICIENT_DATA)
    )
    rows = []
    for window, row in grid.iterrows():
        out_sev, out_drift, out_untested = _summary(row, outputs, level)
        in_sev, drifted, untested = _summary(row, watched, level)
        tested_inputs = any(row[f] in _RANK for f in watched)
        if out_drift:
            if drifted:
                status = EXPLAINED
            elif untested or not tested_inputs:
                status = UNDETERMINED
            else:
                status = SUSPECTED
        else:
            status = UNDETERMINED if out_untested or out_sev is None else NO_DRIFT
        rows.append(
            {
                "window": window,
                "prediction_severity": out_sev or INSUFFICIENT_DATA,
                "input_severity": in_sev or INSUFFICIENT_DATA,
                "drifted_inputs": ", ".join(drifted),
                "untested_inputs": len(untested),
                "status": status,
                "suspected": status == SUSPECTED,
            }
        )
    result = pd.DataFrame(
        rows,
        columns=[
            "window",
            "prediction_severity",
            "input_severity",
            "drifted_inputs",
            "untested_inputs",
            "status",
            "suspected",
        ],
    )
    bounds = [c for c in ("window_start", "window_end") if c in table.columns]
    if bounds:
        first = table.drop_duplicates("window").set_index("window")[bounds]
        for position, column in enumerate(bounds, start=1):
            result.insert(position, column, first[column].reindex(result["window"]).to_numpy())
    return result


def _names(name: str, value: str | Sequence[str], features: list[str]) -> list[str]:
    """``value`` as a list of features of the table, or an error naming the argument."""
    names = [value] if isinstance(value, str) else list(value)
    if not names:
        raise ValueError(f"{name} must name at least one feature of the table")
    absent = [n for n in names if n not in features]
    if absent:
        raise ValueError(f"{name} must name features of the table; {absent} not in {features}")
    return names


def _summary(row: pd.Series, names: list[str], level: str) -> tuple[str | None, list[str], list]:
    """Worst tested severity, drifted features and untested features among ``names``."""
    threshold = _RANK[level]
    tested = [n for n in names if row[n] in _RANK]
    worst = max(tested, key=lambda n: _RANK[row[n]], default=None)
    drifted = [n for n in tested if _RANK[row[n]] >= threshold]
    untested = [n for n in names if row[n] == INSUFFICIENT_DATA]
    return (row[worst] if worst is not None else None), drifted, untested
