"""What a detail view shows for one feature in one window: distributions as plain data."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import coded_column, label_counts, numeric_column
from .._vocabulary import (
    DEFAULT_GATE,
    DRIFT_GATES,
    FEATURE_KINDS,
    JS,
    METRIC_COLUMNS,
    NEGLOG10P,
    PSI,
    PSI_TAILS,
    WASSERSTEIN,
    gate_thresholds,
)
from .baseline import Baseline, CategoricalFeature, NumericFeature
from .kernels import distinct_steps
from .rules import Rule, resolve_rules
from .severity import classify
from .statistics import KS_TEST

#: Categories shown by name; the rest are summed into one bar.
MAX_BARS = 20
#: Points of the ECDF curves sent for drawing.
ECDF_POINTS = 200


def short_number(value: float) -> str:
    """A number in at most about six characters, for axis and bin labels.

    Examples
    --------
    >>> [short_number(v) for v in (26800.0, 0.5, 1234567.0, 0.000123, -3.0, 6021.7)]
    ['26.8k', '0.5', '1.23M', '1.23e-04', '-3', '6020']
    """
    size = abs(value)
    if not np.isfinite(value):
        return "∞" if value > 0 else "-∞" if value < 0 else "nan"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if size >= scale:
            divided = value / (scale if suffix != "k" else 1e3)
            return f"{divided:.3g}{suffix}"
    if size >= 1e3:  # 1,000 to 9,999: three significant digits, no exponent
        return str(int(round(value, -int(math.log10(size)) + 2)))
    if size == 0 or size >= 1e-3:
        return f"{value:.3g}"
    return f"{value:.2e}"


def _bin_labels(edges: np.ndarray) -> list[str]:
    if len(edges) == 0:
        return ["all values"]
    shown = [short_number(float(e)) for e in edges]
    inner = [f"{a}–{b}" for a, b in itertools.pairwise(shown)]
    return [f"< {shown[0]}", *inner, f"≥ {shown[-1]}"]


def _proportions(counts: np.ndarray) -> list[float]:
    total = counts.sum()
    total = float(total)
    return [float(c) / total if total else 0.0 for c in counts]


def _numeric(
    baseline: Baseline, feature: NumericFeature, series: pd.Series, *, exact: bool = True
) -> dict[str, Any]:
    values = numeric_column(series).values
    current = np.sort(values[np.isfinite(values)])
    if len(current) == 0 or feature.n == 0:
        return {"bars": None, "ecdf": None}
    cut = np.searchsorted(current, feature.edges, side="left")
    counts = np.diff(np.concatenate(([0], cut, [len(current)])))
    bars = {
        "title": f"share per reference decile bin (PSI bins, B={len(feature.edges) + 1})",
        "labels": _bin_labels(feature.edges),
        "reference": _proportions(feature.counts),
        "current": _proportions(counts),
    }
    exact = baseline.sorted_reference(feature.name) if exact else None

    def reference_cdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if exact is not None:
            le = np.searchsorted(exact.values, x, side="right")
            lt = np.searchsorted(exact.values, x, side="left")
            return le / exact.n, lt / exact.n
        le, lt = feature.sketch.counts_at(x)
        return le / feature.n, lt / feature.n

    u, lt2, le2 = distinct_steps(current)
    f_ref, f_ref_before = reference_cdf(u)
    at = f_ref - le2 / len(current)
    before = f_ref_before - lt2 / len(current)
    i_at, i_before = int(np.argmax(np.abs(at))), int(np.argmax(np.abs(before)))
    if abs(at[i_at]) >= abs(before[i_before]):
        gap = {
            "x": float(u[i_at]),
            "reference": float(f_ref[i_at]),
            "current": float(le2[i_at] / len(current)),
        }
    else:
        gap = {
            "x": float(u[i_before]),
            "reference": float(f_ref_before[i_before]),
            "current": float(lt2[i_before] / len(current)),
        }
    low = min(feature.min, float(current[0]))
    high = max(feature.max, float(current[-1]))
    grid = np.unique(
        np.concatenate(
            [
                np.quantile(current, np.linspace(0, 1, ECDF_POINTS // 2)),
                feature.sketch.values[:: max(1, len(feature.sketch.values) // (ECDF_POINTS // 2))],
                [low, high, gap["x"]],
            ]
        )
    )
    curve_ref, _ = reference_cdf(grid)
    curve_cur = np.searchsorted(current, grid, side="right") / len(current)
    ecdf = {
        "x": grid.tolist(),
        "reference": curve_ref.tolist(),
        "current": curve_cur.tolist(),
        "gap": gap,
    }
    return {"bars": bars, "ecdf": ecdf}


def _categorical(feature: CategoricalFeature, series: pd.Series) -> dict[str, Any]:
    column = coded_column(series, feature.kind)
    counts = label_counts(column, slice(None))
    current = dict(zip(column.labels, counts.tolist(), strict=True))
    labels = list(feature.labels) + [c for c in column.labels if c not in set(feature.labels)]
    ref = np.array(
        [dict(zip(feature.labels, feature.counts.tolist(), strict=True)).get(c, 0) for c in labels]
    )
    cur = np.array([current.get(c, 0) for c in labels])
    order = np.argsort(-(ref / max(ref.sum(), 1) + cur / max(cur.sum(), 1)), kind="stable")
    keep, rest = order[:MAX_BARS], order[MAX_BARS:]
    names = [str(labels[i]) for i in keep]
    ref_p, cur_p = _proportions(ref), _proportions(cur)
    ref_shown = [ref_p[i] for i in keep]
    cur_shown = [cur_p[i] for i in keep]
    if len(rest):
        names.append(f"{len(rest)} others")
        ref_shown.append(float(sum(ref_p[i] for i in rest)))
        cur_shown.append(float(sum(cur_p[i] for i in rest)))
    bars = {
        "title": "share per category",
        "labels": names,
        "reference": ref_shown,
        "current": cur_shown,
    }
    return {"bars": bars, "ecdf": None}


def feature_detail(
    baseline: Baseline, feature: str, values: pd.Series, summary: Any = None
) -> dict[str, Any]:
    """Distributions of one feature in one window against its baseline, as plain data.

    For a numeric feature: the share of reference and window values per PSI bin, and both
    ECDFs on a grid of at most a few hundred points with the KS gap (where the two ECDFs
    are furthest apart: exact against a baseline with its data, from the sketch
    otherwise). For a categorical or boolean feature: the share per category (the most
    frequent 20, the rest summed).

    Parameters
    ----------
    baseline : Baseline
        The reference summary.
    feature : str
        A feature of the baseline.
    values : pandas.Series
        The window's values of that feature.
    summary : NumericFeature or CategoricalFeature, optional
        What the window was compared with instead of the whole reference (the phase or
        mixture of phases of a seasonal baseline; its sketch gives the ECDF).

    Returns
    -------
    dict
        ``{'bars': {...} or None, 'ecdf': {...} or None}`` with lists of floats and text.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from scipy.stats import ks_2samp
    >>> rng = np.random.default_rng(0)
    >>> ref, cur = rng.normal(size=1000), rng.normal(1, 1, 500)
    >>> detail = feature_detail(Baseline.fit(pd.DataFrame({"x": ref})), "x", pd.Series(cur))
    >>> len(detail["bars"]["labels"])
    10
    >>> gap = detail["ecdf"]["gap"]
    >>> bool(np.isclose(abs(gap["reference"] - gap["current"]), ks_2samp(ref, cur).statistic))
    True
    """
    own = summary is not None
    summary = summary if own else baseline.features[feature]
    if isinstance(summary, NumericFeature):
        return _numeric(baseline, summary, values, exact=not own)
    return _categorical(summary, values)


def _rule_lines(
    kind: str, rule: Rule | None, alpha: float, gate: str
) -> dict[str, list[float | None]]:
    """Warning and critical lines per table column, for the metric-over-time chart."""
    lines: dict[str, list[float | None]] = {}
    if rule is not None and not rule.is_off:
        lines[METRIC_COLUMNS[rule.metric]] = list(rule.levels())
    elif rule is None:
        for metric, levels in gate_thresholds(gate)[kind].items():
            lines[METRIC_COLUMNS[metric]] = list(levels)
    lines[NEGLOG10P] = [-math.log10(alpha), None]
    return lines


def cell_detail(
    row: pd.Series,
    *,
    p_adjusted: float,
    severity: str,
    alpha: float = 0.01,
    thresholds: Any = None,
    baseline: Baseline | None = None,
    values: pd.Series | None = None,
    gate: str = DEFAULT_GATE,
    summary: Any = None,
) -> dict[str, Any]:
    """What a detail pane shows for one feature in one window, as plain data.

    Parameters
    ----------
    row : pandas.Series
        The window's row of :func:`window_statistics` (``feature``, ``kind``, the test and
        the metrics).
    p_adjusted, severity
        Its corrected p-value and severity, as judged with every other row of its table.
    alpha, thresholds, gate
        The rules, as in :func:`classify` (only the feature's own rule is read).
    baseline : Baseline, optional
        The reference summary; with ``values`` the distributions are included.
    values : pandas.Series, optional
        The window's values of the feature.
    summary : optional
        The phase (or mixture) summary a seasonal window was compared with, for the
        distributions (see :func:`feature_detail`).

    Returns
    -------
    dict
        ``feature``, ``kind``, ``severity``, ``reason`` (why, from the corrected p-value),
        ``numbers`` (label, value pairs), ``thresholds`` (table column -> [warning,
        critical] of the rule in force, and the alpha line of ``-log10 p``),
        ``default_metric`` and, with the data, ``bars`` and ``ecdf`` (see
        :func:`feature_detail`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlmon_widgets.engine import Baseline, make_windows, window_statistics
    >>> rng = np.random.default_rng(0)
    >>> baseline = Baseline.fit(pd.DataFrame({"x": rng.normal(size=2000)}))
    >>> window = pd.DataFrame({"x": rng.normal(1, 1, 500)})
    >>> stats = window_statistics(baseline, window, make_windows(window, rows=500))
    >>> detail = cell_detail(stats.iloc[0], p_adjusted=1e-30, severity="critical")
    >>> detail["reason"].split(" and ")[0]
    'ks+tails p_adj=1e-30 < 0.01'
    >>> detail["thresholds"]["wasserstein"]
    [0.1, 0.25]
    """
    feature, kind = str(row["feature"]), str(row["kind"])
    own = {feature: thresholds[feature]} if thresholds is not None and feature in thresholds else {}
    rules = resolve_rules(own, {feature: kind})
    tests = DRIFT_GATES[gate].tests
    judged = pd.DataFrame([row]).drop(columns=list(tests), errors="ignore")
    judged = judged.assign(p_value=p_adjusted)
    if kind == FEATURE_KINDS[0] and len(tests) > 1:
        judged["test"] = "+".join(t.removeprefix("p_") for t in tests)
    # The reason of this row alone: its p-value already corrected across the whole table.
    explained = classify(judged, alpha=alpha, correction="none", thresholds=own, gate=gate)
    explained = explained.iloc[0]
    numbers: list[list[Any]] = [
        ["rows in window", int(row["n"])],
        ["usable values", int(row["n_current"])],
        ["reference values", int(row["n_reference"])],
        [f"{row['test']} statistic", float(row["statistic"])],
        ["p-value", float(row["p_value"])],
        ["corrected p", float(p_adjusted)],
        ["PSI", float(row[PSI])],
        ["JS distance", float(row[JS])],
        ["missing rate", float(row["missing_current"])],
    ]
    if kind == FEATURE_KINDS[0]:
        numbers.insert(8, ["Wasserstein (normed)", float(row[WASSERSTEIN])])
        numbers.insert(7, ["PSI (tail bins)", float(row.get(PSI_TAILS, math.nan))])
        if len(tests) > 1 and row["test"] == KS_TEST:
            parts = [
                [f"{t.removeprefix('p_')} p-value", float(row.get(t, math.nan))] for t in tests
            ]
            numbers[5:5] = parts
        numbers.append(["out of reference range", float(row["out_of_range"])])
    else:
        numbers.append(["unseen categories", int(row["unseen_categories"])])
        numbers.append(["unseen share", float(row["unseen_share"])])
    if str(row.get("phases", "") or ""):
        numbers.append(["compared with", f"reference rows of {row['phases']}"])
    numbers.append(["rule", str(explained["rule"])])
    detail: dict[str, Any] = {
        "feature": feature,
        "kind": kind,
        "severity": severity,
        "reason": str(explained["reason"]),
        "numbers": numbers,
        "thresholds": _rule_lines(kind, rules.get(feature), alpha, gate),
        "default_metric": WASSERSTEIN if kind == FEATURE_KINDS[0] else JS,
        "bars": None,
        "ecdf": None,
    }
    if baseline is not None and values is not None and feature in baseline.features:
        detail.update(feature_detail(baseline, feature, values, summary))
    return detail
