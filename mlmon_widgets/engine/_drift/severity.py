"""Severity from stored statistics: multiple-testing correction, p-value gate, effect gate.

This never recomputes a statistic, so changing thresholds, alpha or the correction on a
large drift table is cheap (the widgets recolour through it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from .._validation import check_option, check_probability
from .._vocabulary import (
    CORRECTIONS,
    CRITICAL,
    DEFAULT_GATE,
    DRIFT_GATES,
    INSUFFICIENT_DATA,
    METRIC_COLUMNS,
    OFF,
    OK,
    SEVERITIES,
    WARNING,
    gate_thresholds,
)
from .rules import METRICS, Rule, RuleLike, resolve_rules
from .statistics import KS_TEST, gate_pvalues


def adjust_pvalues(p_values: np.ndarray, *, method: str, alpha: float) -> np.ndarray:
    """Corrected p-values over every finite p-value given; NaN stays NaN.

    ``method`` is one of ``{'fdr_bh', 'bonferroni', 'holm', 'none'}`` and is passed to
    ``statsmodels.stats.multitest.multipletests``.
    """
    check_option("correction", method, CORRECTIONS)
    p = np.asarray(p_values, dtype=float)
    adjusted = p.copy()
    testable = np.isfinite(p)
    if method != "none" and testable.any():
        adjusted[testable] = multipletests(p[testable], alpha=alpha, method=method)[1]
    return adjusted


def _threshold_arrays(
    feature_codes: np.ndarray,
    feature_kinds: list[str],
    names: list[str],
    rules: Mapping[str, Rule],
    defaults: Mapping[str, Mapping[str, tuple[float, float]]],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per row, the warning and critical threshold of every metric (NaN: metric not used).

    Built per distinct feature and spread to the rows by their feature code, so the cost
    grows with the rows only through one take per metric.
    """
    arrays = {}
    for metric in METRICS:
        warn = np.full(len(names), np.nan)
        crit = np.full(len(names), np.nan)
        for i, (name, kind) in enumerate(zip(names, feature_kinds, strict=True)):
            rule = rules.get(name)
            if rule is None and metric in defaults[kind]:
                warn[i], crit[i] = defaults[kind][metric]
            elif rule is not None and rule.metric == metric:
                warn[i], crit[i] = rule.warning, rule.critical
        arrays[metric] = (warn[feature_codes], crit[feature_codes])
    return arrays


def _rule_text(kind: str, rule: Rule | None, gate: str) -> str:
    if rule is not None:
        return OFF if rule.is_off else f"{rule.metric} {rule.warning:g}/{rule.critical:g}"
    return " or ".join(f"{m} {w:g}/{c:g}" for m, (w, c) in gate_thresholds(gate)[kind].items())


def _metric_values(table: pd.DataFrame, metric: str) -> np.ndarray:
    """A metric's column as floats; NaN (never reached) for a table from before the metric."""
    column = METRIC_COLUMNS[metric]
    if column not in table:
        return np.full(len(table), np.nan)
    return table[column].to_numpy(dtype=float)


def check_gate(gate: str) -> str:
    """``gate`` if it names a drift gate (``{'ks_tails', 'ks'}``), else a ValueError."""
    return check_option("gate", gate, tuple(DRIFT_GATES))


def gated_pvalues(table: pd.DataFrame, gate: str) -> np.ndarray:
    """The ``p_value`` column under ``gate``: numeric rows from their component tests.

    A table without component columns (``p_ks``) keeps its ``p_value`` as it is.
    """
    p = table["p_value"].to_numpy(dtype=float)
    tests = DRIFT_GATES[check_gate(gate)].tests
    if not all(t in table for t in tests) or "test" not in table:
        return p
    numeric = (table["test"] == KS_TEST).to_numpy()
    if not numeric.any():
        return p
    p = p.copy()
    p[numeric] = gate_pvalues(table.loc[numeric], gate)
    return p


def severity_codes(
    table: pd.DataFrame,
    *,
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    thresholds: Mapping[str, RuleLike] | None = None,
    gate: str = DEFAULT_GATE,
) -> tuple[np.ndarray, np.ndarray]:
    """The corrected p-values and severities of :func:`classify`, as arrays, without a copy.

    For interactive recounts over large tables: the severity of row ``i`` is
    ``SEVERITIES[codes[i]]`` (``('ok', 'warning', 'critical', 'insufficient_data',
    'off')``). Same parameters as :func:`classify`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"feature": ["a"], "kind": ["numeric"], "p_value": [1e-9],
    ...     "psi": [0.3], "js": [0.2], "kl": [0.3], "wasserstein": [0.1], "statistic": [0.2],
    ...     "insufficient": [False]})
    >>> p_adjusted, codes = severity_codes(t)
    >>> [SEVERITIES[c] for c in codes]
    ['critical']
    """
    p_adjusted, codes, _, _, _, _ = _judge(table, alpha, correction, thresholds, gate)
    return p_adjusted, codes


def _judge(table, alpha, correction, thresholds, gate):
    alpha = check_probability("alpha", alpha)
    check_option("correction", correction, CORRECTIONS)
    p_values = gated_pvalues(table, gate)
    features = table["feature"] if "feature" in table else table.index.to_series()
    feature_codes, uniques = pd.factorize(features)
    names = [str(n) for n in uniques]
    first_row = np.unique(feature_codes, return_index=True)[1]
    feature_kinds = [str(k) for k in table["kind"].to_numpy()[first_row]]
    kind_of = dict(zip(names, feature_kinds, strict=True))
    rules = resolve_rules(thresholds, kind_of)
    p_adjusted = adjust_pvalues(p_values, method=correction, alpha=alpha)
    arrays = _threshold_arrays(feature_codes, feature_kinds, names, rules, gate_thresholds(gate))
    level = np.zeros(len(table), dtype=np.int8)
    for metric, (warn, crit) in arrays.items():
        values = _metric_values(table, metric)
        with np.errstate(invalid="ignore"):
            level = np.maximum(level, (values >= warn).astype(np.int8) + (values >= crit))
    insufficient = table["insufficient"].to_numpy(dtype=bool)
    off = np.array([rules.get(n) is not None and rules[n].is_off for n in names], dtype=bool)[
        feature_codes
    ]
    with np.errstate(invalid="ignore"):
        significant = p_adjusted < alpha
    codes = np.select(
        [insufficient, off, significant & (level == 2), significant & (level == 1)],
        [SEVERITIES.index(s) for s in (INSUFFICIENT_DATA, OFF, CRITICAL, WARNING)],
        default=SEVERITIES.index(OK),
    )
    names_etc = (feature_codes, names, kind_of)
    return p_adjusted, codes.astype(np.uint8), arrays, rules, names_etc, p_values


def classify(
    table: pd.DataFrame,
    *,
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    thresholds: Mapping[str, RuleLike] | None = None,
    explain: bool = True,
    gate: str = DEFAULT_GATE,
) -> pd.DataFrame:
    """Assign a severity to every row of a drift table from its stored statistics.

    A row is ``critical`` when its corrected p-value is below ``alpha`` and any of its
    effect metrics reaches the critical threshold, ``warning`` likewise with the warning
    thresholds, ``insufficient_data`` when it was computed on too few rows, ``off`` when its
    feature's rule is off, and ``ok`` otherwise. The correction runs across every row of
    the table (features x windows).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`drift_table` or :func:`drift_over_time` (any earlier
        ``p_adjusted``/``severity`` columns are replaced).
    alpha : float, default 0.01
        Significance level for the corrected p-value.
    correction : {'fdr_bh', 'bonferroni', 'holm', 'none'}, default 'fdr_bh'
        Multiple-testing correction (statsmodels ``multipletests``).
    thresholds : dict, optional
        Feature -> :class:`Rule`, ``{'metric': ..., 'warning': ..., 'critical': ...}`` or
        ``'off'``; replaces the default rule for that feature.
    explain : bool, default True
        Add the one-line ``reason`` column (skip it for fast interactive recounts).
    gate : {'ks_tails', 'ks'}, default 'ks_tails'
        The default rule's p-value gate for numeric features and the effect metrics that go
        with it. ``'ks_tails'``: the Bonferroni combination of the KS p-value (``p_ks``) and of
        a chi-squared test on tail-refined bins (``p_tails``), with ``psi``, ``psi_tails``
        and ``wasserstein`` as effect metrics. ``'ks'``: KS alone, with ``psi`` and
        ``wasserstein`` (the rule of configs of schema version 1). Categorical and boolean
        features use chi-squared either way. ``p_value`` is rewritten for the gate.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with ``p_adjusted``, ``rule``, ``severity``, ``drifted`` (and
        ``reason``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"feature": ["a", "b"], "kind": ["numeric", "categorical"],
    ...     "p_value": [1e-6, 0.5], "psi": [0.3, 0.01], "js": [0.2, 0.01], "kl": [0.3, 0.0],
    ...     "wasserstein": [0.3, float("nan")], "statistic": [0.2, 1.0],
    ...     "insufficient": [False, False], "note": ["", ""]})
    >>> classify(t)["severity"].tolist()
    ['critical', 'ok']
    >>> rule = {"metric": "psi", "warning": 0.2, "critical": 0.5}
    >>> classify(t, thresholds={"a": rule})["severity"].tolist()
    ['warning', 'ok']
    """
    alpha = check_probability("alpha", alpha)
    p_adjusted, codes, arrays, rules, (feature_codes, names, kind_of), p_values = _judge(
        table, alpha, correction, thresholds, gate
    )
    out = table.copy()
    out["p_value"] = p_values
    out["p_adjusted"] = p_adjusted
    texts = [_rule_text(kind_of[n], rules.get(n), gate) for n in names]
    distinct, which = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    out["rule"] = pd.Categorical.from_codes(which[feature_codes], categories=distinct)
    out["severity"] = pd.Categorical.from_codes(codes, categories=SEVERITIES)
    out["drifted"] = (codes == SEVERITIES.index(WARNING)) | (codes == SEVERITIES.index(CRITICAL))
    severity = np.asarray(SEVERITIES, dtype=object)[codes]
    if explain:
        out["reason"] = _reasons(out, arrays, alpha, severity, gate)
    return out


def _formatted(values: np.ndarray) -> list[str]:
    return [f"{v:.3g}" for v in values.tolist()]


def _gate_texts(table: pd.DataFrame, gate: str, p_adj: np.ndarray) -> list[str]:
    """Per row, the test and corrected p-value that decide the p-value gate.

    For a combined gate: ``'ks+tails p_adj=... (tails p=..., ks p=...)'``, the component
    with the smallest p-value first (the one that fired).
    """
    tests = table["test"].to_numpy(dtype=object) if "test" in table else np.full(len(table), "test")
    p_text = _formatted(p_adj)
    out = [f"{t} p_adj={p}" for t, p in zip(tests.tolist(), p_text, strict=True)]
    components = DRIFT_GATES[gate].tests
    if len(components) == 1 or not all(c in table for c in components):
        return out
    values = table[list(components)].to_numpy(dtype=float)
    finite = np.isfinite(values)
    order = np.argsort(np.where(finite, values, np.inf), axis=1, kind="stable").tolist()
    texts = [_formatted(values[:, j]) for j in range(len(components))]
    names = [c.removeprefix("p_") for c in components]
    joined = "+".join(names)
    present = finite.tolist()
    for i in np.flatnonzero((tests == KS_TEST) & finite.any(axis=1)).tolist():
        row = present[i]
        parts = ", ".join(f"{names[j]} p={texts[j][i]}" for j in order[i] if row[j])
        out[i] = f"{joined} p_adj={p_text[i]} ({parts})"
    return out


def _reasons(
    table: pd.DataFrame, arrays, alpha: float, severity: np.ndarray, gate: str
) -> list[str]:
    """One line per row saying why it got its severity."""
    notes = table["note"].to_numpy(dtype=object).tolist()
    p_adj = table["p_adjusted"].to_numpy(dtype=float)
    gates = _gate_texts(table, gate, p_adj)
    significant = (p_adj < alpha).tolist()
    values = {m: _metric_values(table, m) for m in arrays}
    texts = {m: _formatted(values[m]) for m in arrays}
    columns = [
        (m, values[m].tolist(), texts[m], w.tolist(), c.tolist()) for m, (w, c) in arrays.items()
    ]
    reasons = []
    for i, sev in enumerate(severity.tolist()):
        if sev == INSUFFICIENT_DATA:
            reasons.append(str(notes[i]))
            continue
        if sev == OFF:
            reasons.append("rule off for this feature")
            continue
        gate = gates[i]
        if sev in (WARNING, CRITICAL):
            hits = []
            for m, v, text, w, c in columns:
                limit = c[i] if sev == CRITICAL else w[i]
                if math.isfinite(w[i]) and v[i] >= limit:
                    hits.append(f"{m}={text[i]} >= {limit:g}")
            reasons.append(f"{gate} < {alpha:g} and " + ", ".join(hits))
        elif not significant[i]:
            reasons.append(f"no significant change ({gate} >= {alpha:g})")
        else:
            below = ", ".join(
                f"{m}={text[i]} < {w[i]:g}" for m, _, text, w, _ in columns if math.isfinite(w[i])
            )
            reasons.append(f"significant ({gate}) but small: {below}")
        if notes[i]:
            reasons[-1] += f"; {notes[i]}"
    return reasons
