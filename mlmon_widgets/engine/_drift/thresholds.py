"""Per-feature thresholds from the statistic's spread over reference chunks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._data.windows import make_windows
from .._validation import check_option, check_probability
from .._vocabulary import ALERT_LEVELS, CRITICAL, DEFAULT_GATE, METRIC_COLUMNS, METRIC_KINDS, PSI
from .baseline import Baseline
from .rules import METRICS, Rule, rules_from_table
from .severity import classify
from .statistics import compute
from .tables import MAX_CATEGORIES, MIN_ROWS, _prepare, window_statistics

#: Fewer chunks than this make thresholds that are themselves noisy; the result notes it.
RECOMMENDED_CHUNKS = 10


def suggest_thresholds(
    reference: pd.DataFrame,
    *,
    window: object | None = None,
    rows: int | None = None,
    time: str | None = None,
    metric: str = PSI,
    method: str = "sigma",
    sigmas: tuple[float, float] = (2.0, 3.0),
    quantiles: tuple[float, float] = (0.95, 0.99),
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    gate: str = DEFAULT_GATE,
    roles: Mapping[str, str] | None = None,
    bins: int = 10,
    min_rows: int = MIN_ROWS,
    features: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Warning and critical thresholds per feature from the metric's spread over reference chunks.

    The reference is cut into chunks the size of a production window (``rows=N``, or
    ``window`` with ``time``), each chunk is compared with the whole reference, and the
    thresholds are ``mean + k * std`` of the metric over the chunks (``method='sigma'``, k
    from ``sigmas``, NannyML's rule) or its quantiles (``method='quantile'``). Each comes
    with the false-alarm rates it implies on those same chunks: ``exceed_*``, the share of
    chunks whose metric reaches the threshold, and ``false_alarm_*``, the share that would
    alert once the p-value gate and correction apply as in :func:`drift_table`.

    Parameters
    ----------
    reference : pandas.DataFrame
        Reference data long enough for several production-size chunks (10 or more).
    window, rows, time
        Chunk size, as the production windows of :func:`drift_over_time`.
    metric : {'psi', 'js', 'kl', 'wasserstein', 'ks'}, default 'psi'
        Metric to threshold; a feature it does not apply to (``wasserstein`` or ``ks`` on
        a categorical) gets ``psi`` and a note.
    method : {'sigma', 'quantile'}, default 'sigma'
        How thresholds come from the chunk values.
    sigmas : (float, float), default (2, 3)
        Multiples of the std for warning and critical (``method='sigma'``).
    quantiles : (float, float), default (0.95, 0.99)
        Quantiles for warning and critical (``method='quantile'``).
    alpha, correction, gate, roles, bins, min_rows, features
        As in :func:`drift_table`.

    Returns
    -------
    pandas.DataFrame
        Indexed by feature: ``metric``, ``warning``, ``critical``, ``mean``, ``std``,
        ``n_chunks``, ``chunk_rows`` (median rows per chunk), ``exceed_warning``,
        ``exceed_critical``, ``false_alarm_warning``, ``false_alarm_critical`` and ``note``.
        Feed ``warning``/``critical`` to ``thresholds=`` via :meth:`pandas.DataFrame.to_dict`
        or :func:`rules_from_suggestions`.

    Raises
    ------
    ValueError
        If the reference yields fewer than two chunks with enough rows.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=20_000), "c": rng.choice(list("abc"), 20_000)})
    >>> s = suggest_thresholds(ref, rows=1000)
    >>> s[["metric", "n_chunks"]]
            metric  n_chunks
    feature
    x          psi        20
    c          psi        20
    >>> bool((s["warning"] < s["critical"]).all())
    True
    """
    check_option("metric", metric, METRICS)
    check_option("method", method, ("sigma", "quantile"))
    for q in quantiles:
        check_probability("quantiles", q)
    if len(sigmas) != 2 or not sigmas[0] <= sigmas[1]:
        raise ValueError(f"sigmas must be two numbers (warning, critical) in order; got {sigmas!r}")
    if not quantiles[0] <= quantiles[1]:
        raise ValueError(f"quantiles must be (warning, critical) in order; got {quantiles!r}")
    baseline, raw, names = _prepare(reference, roles, bins, features)
    chunks = make_windows(reference, time=time, window=window, rows=rows)
    table = compute(
        baseline, raw, reference, chunks, names, min_rows=min_rows, max_categories=MAX_CATEGORIES
    )
    return thresholds_from_chunks(
        table,
        metric=metric,
        method=method,
        sigmas=sigmas,
        quantiles=quantiles,
        alpha=alpha,
        correction=correction,
        gate=gate,
    )


def thresholds_from_chunks(
    table: pd.DataFrame,
    *,
    metric: str = PSI,
    method: str = "sigma",
    sigmas: tuple[float, float] = (2.0, 3.0),
    quantiles: tuple[float, float] = (0.95, 0.99),
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    gate: str = DEFAULT_GATE,
) -> pd.DataFrame:
    """:func:`suggest_thresholds` from statistics already computed on reference chunks.

    ``table`` is :func:`window_statistics` of the reference cut into production-size chunks
    against a baseline of the whole reference; the result is that of
    :func:`suggest_thresholds` (which calls this). A live view computes the chunks once and
    suggests thresholds for any feature or metric from them at once.
    """
    check_option("metric", metric, METRICS)
    check_option("method", method, ("sigma", "quantile"))
    names = list(dict.fromkeys(table["feature"].tolist()))
    kinds = dict(zip(table["feature"], table["kind"], strict=True))
    usable = table[~table["insufficient"]]
    records, rules = [], {}
    for name in names:
        kind = str(kinds[name])
        chosen = metric if kind in METRIC_KINDS[metric] else PSI
        values = usable.loc[usable["feature"] == name, METRIC_COLUMNS[chosen]].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if len(values) < 2:
            raise ValueError(
                f"reference gives {len(values)} usable chunk(s) for feature {name!r}; "
                f"need at least 2 ({RECOMMENDED_CHUNKS}+ recommended): use a smaller window or "
                "a longer reference"
            )
        mean, std = float(values.mean()), float(values.std(ddof=1))
        if method == "sigma":
            warning, critical = mean + sigmas[0] * std, mean + sigmas[1] * std
        else:
            warning, critical = (float(np.quantile(values, q)) for q in quantiles)
        notes = []
        if chosen != metric:
            notes.append(f"{metric} does not apply to {kind} features; {PSI} used")
        if len(values) < RECOMMENDED_CHUNKS:
            notes.append(f"only {len(values)} chunks: thresholds are themselves uncertain")
        if std == 0:
            notes.append("metric is constant across chunks")
        rules[name] = Rule(chosen, warning=max(warning, 0.0), critical=max(critical, 0.0))
        records.append(
            {
                "feature": name,
                "metric": chosen,
                **dict(zip(ALERT_LEVELS, rules[name].levels(), strict=True)),
                "mean": mean,
                "std": std,
                "n_chunks": len(values),
                "chunk_rows": float(np.median(usable.loc[usable["feature"] == name, "n"])),
                "exceed_warning": float((values >= rules[name].warning).mean()),
                "exceed_critical": float((values >= rules[name].critical).mean()),
                "note": "; ".join(notes),
            }
        )
    out = pd.DataFrame.from_records(records).set_index("feature")
    judged = classify(
        table, alpha=alpha, correction=correction, thresholds=rules, explain=False, gate=gate
    )
    judged = judged[~judged["insufficient"]]
    by_feature = judged.groupby("feature", sort=False, observed=True)["severity"]
    out["false_alarm_warning"] = by_feature.apply(lambda s: s.isin(ALERT_LEVELS).mean())
    out["false_alarm_critical"] = by_feature.apply(lambda s: (s == CRITICAL).mean())
    columns = [c for c in out.columns if c != "note"] + ["note"]
    return out[columns]


def rules_from_suggestions(suggestions: pd.DataFrame) -> dict[str, Rule]:
    """Turn :func:`suggest_thresholds` output into ``thresholds=`` rules.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"metric": ["psi"], "warning": [0.05], "critical": [0.08]}, index=["x"])
    >>> rules_from_suggestions(s)
    {'x': Rule(metric='psi', warning=0.05, critical=0.08)}
    """
    return rules_from_table(suggestions)


def reference_chunks(
    baseline: Baseline,
    reference: pd.DataFrame,
    *,
    time: str | None = None,
    window: object | None = None,
    rows: int | None = None,
    min_rows: int = MIN_ROWS,
    max_categories: int = MAX_CATEGORIES,
    features: Sequence[str] | None = None,
) -> pd.DataFrame | None:
    """:func:`window_statistics` of the reference cut into chunks the size of a window.

    Time chunks (``window`` on ``time``) when the reference has the time column, else row
    chunks of ``rows``; None when that gives fewer than two chunks. What thresholds from
    history (:func:`thresholds_from_chunks`) and false-alarm rates (:func:`backtest`) read.
    """
    if window is not None and time is not None and time in reference.columns:
        chunks = make_windows(reference, time=time, window=window)
    elif rows is not None:
        chunks = make_windows(reference, rows=max(int(rows), 1))
    else:
        return None
    if len(chunks) < 2:
        return None
    return window_statistics(
        baseline,
        reference,
        chunks,
        min_rows=min_rows,
        max_categories=max_categories,
        features=features,
    )
