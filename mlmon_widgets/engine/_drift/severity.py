"""Severity from stored statistics: multiple-testing correction, p-value gate, effect gate.

This never recomputes a statistic, so changing thresholds, alpha or the correction on a
large drift table is cheap (the widgets recolour through it).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from .._validation import check_option, check_probability
from .._vocabulary import (
    CORRECTIONS,
    CRITICAL,
    DEFAULT_THRESHOLDS,
    INSUFFICIENT_DATA,
    METRIC_COLUMNS,
    OFF,
    OK,
    SEVERITIES,
    WARNING,
)
from .rules import METRICS, Rule, RuleLike, resolve_rules


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
    feature_codes: np.ndarray, feature_kinds: list[str], names: list[str], rules: Mapping[str, Rule]
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
            if rule is None and metric in DEFAULT_THRESHOLDS[kind]:
                warn[i], crit[i] = DEFAULT_THRESHOLDS[kind][metric]
            elif rule is not None and rule.metric == metric:
                warn[i], crit[i] = rule.warning, rule.critical
        arrays[metric] = (warn[feature_codes], crit[feature_codes])
    return arrays


def _rule_text(kind: str, rule: Rule | None) -> str:
    if rule is not None:
        return OFF if rule.is_off else f"{rule.metric} {rule.warning:g}/{rule.critical:g}"
    return " or ".join(f"{m} {w:g}/{c:g}" for m, (w, c) in DEFAULT_THRESHOLDS[kind].items())


def severity_codes(
    table: pd.DataFrame,
    *,
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    thresholds: Mapping[str, RuleLike] | None = None,
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
    p_adjusted, codes, _, _, _ = _judge(table, alpha, correction, thresholds)
    return p_adjusted, codes


def _judge(table, alpha, correction, thresholds):
    alpha = check_probability("alpha", alpha)
    check_option("correction", correction, CORRECTIONS)
    features = table["feature"] if "feature" in table else table.index.to_series()
    feature_codes, uniques = pd.factorize(features)
    names = [str(n) for n in uniques]
    first_row = np.unique(feature_codes, return_index=True)[1]
    feature_kinds = [str(k) for k in table["kind"].to_numpy()[first_row]]
    kind_of = dict(zip(names, feature_kinds, strict=True))
    rules = resolve_rules(thresholds, kind_of)
    p_adjusted = adjust_pvalues(
        table["p_value"].to_numpy(dtype=float), method=correction, alpha=alpha
    )
    arrays = _threshold_arrays(feature_codes, feature_kinds, names, rules)
    level = np.zeros(len(table), dtype=np.int8)
    for metric, (warn, crit) in arrays.items():
        values = table[METRIC_COLUMNS[metric]].to_numpy(dtype=float)
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
    return p_adjusted, codes.astype(np.uint8), arrays, rules, (feature_codes, names, kind_of)


def classify(
    table: pd.DataFrame,
    *,
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    thresholds: Mapping[str, RuleLike] | None = None,
    explain: bool = True,
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
    p_adjusted, codes, arrays, rules, (feature_codes, names, kind_of) = _judge(
        table, alpha, correction, thresholds
    )
    out = table.copy()
    out["p_adjusted"] = p_adjusted
    texts = [_rule_text(kind_of[n], rules.get(n)) for n in names]
    distinct, which = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    out["rule"] = pd.Categorical.from_codes(which[feature_codes], categories=distinct)
    out["severity"] = pd.Categorical.from_codes(codes, categories=SEVERITIES)
    out["drifted"] = (codes == SEVERITIES.index(WARNING)) | (codes == SEVERITIES.index(CRITICAL))
    severity = np.asarray(SEVERITIES, dtype=object)[codes]
    if explain:
        out["reason"] = _reasons(out, arrays, alpha, severity)
    return out


def _reasons(table: pd.DataFrame, arrays, alpha: float, severity: np.ndarray) -> list[str]:
    """One line per row saying why it got its severity."""
    notes = table["note"].to_numpy(dtype=object)
    p_adj = table["p_adjusted"].to_numpy(dtype=float)
    tests = table["test"].to_numpy(dtype=object) if "test" in table else np.full(len(table), "test")
    values = {m: table[METRIC_COLUMNS[m]].to_numpy(dtype=float) for m in arrays}
    reasons = []
    for i, sev in enumerate(severity):
        if sev == INSUFFICIENT_DATA:
            reasons.append(str(notes[i]))
            continue
        if sev == OFF:
            reasons.append("rule off for this feature")
            continue
        used = [(m, values[m][i], w[i], c[i]) for m, (w, c) in arrays.items() if np.isfinite(w[i])]
        gate = f"{tests[i]} p_adj={p_adj[i]:.3g}"
        if sev in (WARNING, CRITICAL):
            hits = [
                f"{m}={v:.3g} >= {c if sev == CRITICAL else w:g}"
                for m, v, w, c in used
                if v >= (c if sev == CRITICAL else w)
            ]
            reasons.append(f"{gate} < {alpha:g} and " + ", ".join(hits))
        elif not p_adj[i] < alpha:
            reasons.append(f"no significant change ({gate} >= {alpha:g})")
        else:
            below = ", ".join(f"{m}={v:.3g} < {w:g}" for m, v, w, _ in used)
            reasons.append(f"significant ({gate}) but small: {below}")
        if notes[i]:
            reasons[-1] += f"; {notes[i]}"
    return reasons
