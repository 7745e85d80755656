"""The numeric drift gate that sees spread and tails: KS with a tail-refined chi-squared test.

Pinned to scipy (the chi-squared test is ``chi2_contingency`` on the merged table, the
combination Bonferroni's over the two tests), valid under the null for continuous and discrete
data, and more powerful than the previous gate (KS alone) on planted spread and tail
changes at n = 200 and n = 20,000, where the previous gate stays silent.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import mlmon_widgets as mm
from mlmon_widgets import stats
from mlmon_widgets.engine import Baseline, make_windows, window_statistics
from mlmon_widgets.engine._drift.kernels import (
    TAIL_MIN_EXPECTED,
    bin_counts,
    coarse_counts,
    merge_sparse_tails,
    quantile_edges,
    tail_edges,
)

from .helpers import assert_p_close

ALERT = ("warning", "critical")


# ---------------------------------------------------------------- the bins
@pytest.mark.parametrize("seed", range(5))
def test_tail_edges_refine_the_outer_bins_and_keep_every_decile_edge(seed):
    rng = np.random.default_rng(seed)
    values = np.sort(rng.lognormal(size=3000) if seed % 2 else rng.poisson(3, 3000) * 1.0)
    deciles = quantile_edges(values, 10)
    fine = tail_edges(values, 10)
    assert set(deciles) <= set(fine)
    assert np.all(np.diff(fine) > 0)
    expected_tails = np.quantile(values, [0.01, 0.05, 0.95, 0.99])
    assert set(np.unique(expected_tails)) <= set(fine)
    counts = bin_counts(values, fine)
    np.testing.assert_array_equal(coarse_counts(fine, counts, deciles), bin_counts(values, deciles))


def test_a_bin_count_wider_than_the_tails_adds_no_tail_edge():
    values = np.arange(1000.0)
    # With 20 bins the 5% and 95% quantiles are decile-style edges already; 1%/99% still split.
    fine = tail_edges(values, 20)
    np.testing.assert_allclose(fine[:2], np.quantile(values, [0.01, 0.05]))
    assert len(fine) == 19 + 2


# ---------------------------------------------------------------- the statistics vs scipy
@pytest.mark.parametrize("n_current", [60, 200, 2000, 20_000])
@pytest.mark.parametrize("spread", [1.0, 1.3])
def test_tail_chi2_is_scipys_chi2_contingency_on_the_merged_table(n_current, spread):
    rng = np.random.default_rng(n_current)
    ref = rng.normal(size=5000)
    cur = rng.normal(0, spread, size=n_current)
    fine = tail_edges(np.sort(ref), 10)
    r, c = bin_counts(np.sort(ref), fine), bin_counts(np.sort(cur), fine)
    merged_r, merged_c = merge_sparse_tails(r, c, min(len(ref), n_current), TAIL_MIN_EXPECTED)
    expected = sps.chi2_contingency(np.vstack([merged_r, merged_c]))
    result = stats.tail_chi2(ref, cur)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert_p_close(result.pvalue, expected.pvalue)
    # the merge only ever folds outer bins; with 2,000+ rows nothing is merged
    assert merged_r.sum() == len(ref) and merged_c.sum() == n_current
    if n_current >= 2000:
        assert len(merged_r) == len(r) == 14


def test_merging_depends_on_the_reference_and_sizes_only():
    ref = np.sort(np.random.default_rng(0).normal(size=5000))
    fine = tail_edges(ref, 10)
    r = bin_counts(ref, fine)
    a = merge_sparse_tails(r, np.full(len(r), 7), 120, 2.0)[0]
    b = merge_sparse_tails(r, np.arange(len(r)) * 3, 120, 2.0)[0]
    np.testing.assert_array_equal(a, b)
    assert len(a) == len(r) - 2  # the 1% bins (1.2 expected values) fold into the 5% bins


def test_psi_tails_is_psi_on_the_tail_bins():
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(size=4000), rng.normal(0.1, 1.2, size=700)
    fine = tail_edges(np.sort(ref), 10)
    r = bin_counts(np.sort(ref), fine) / len(ref)
    c = bin_counts(np.sort(cur), fine) / len(cur)
    r, c = np.where(r == 0, 1e-4, r), np.where(c == 0, 1e-4, c)
    assert stats.psi_tails(ref, cur) == pytest.approx(np.sum((c - r) * np.log(c / r)), rel=1e-12)


def test_the_combination_is_bonferroni_over_the_tests_that_apply():
    p = np.array([[0.3, 0.01], [0.6, 0.7], [np.nan, 0.04], [1e-300, 0.2], [np.nan, np.nan]])
    np.testing.assert_array_equal(
        stats.bonferroni_combination(p), [0.02, 1.0, 0.04, 2e-300, np.nan]
    )


def test_the_window_columns_are_the_one_dimensional_functions():
    rng = np.random.default_rng(11)
    ref = pd.DataFrame({"x": rng.normal(size=3000)})
    cur = pd.DataFrame({"x": rng.normal(0, 1.4, size=400)})
    row = mm.drift_table(ref, cur).loc["x"]
    assert row["psi_tails"] == pytest.approx(stats.psi_tails(ref["x"], cur["x"]), rel=1e-12)
    assert_p_close(row["p_tails"], stats.tail_chi2(ref["x"], cur["x"]).pvalue)
    assert_p_close(row["p_ks"], sps.ks_2samp(ref["x"], cur["x"]).pvalue)
    assert row["p_value"] == min(1.0, 2 * min(row["p_ks"], row["p_tails"]))


# ---------------------------------------------------------------- valid under the null
def _binomial_bound(runs: int, a: float) -> int:
    """The 99% upper bound of the count of p <= a among ``runs`` valid p-values."""
    return int(sps.binom.ppf(0.99, runs, a))


NULL_DISTRIBUTIONS = {
    "normal": lambda rng, n: rng.normal(10, 2, n),
    "lognormal": lambda rng, n: rng.lognormal(3, 0.8, n),
    "poisson": lambda rng, n: rng.poisson(3, n).astype(float),  # ties everywhere
}


@pytest.mark.parametrize("distribution", list(NULL_DISTRIBUTIONS))
def test_every_component_and_the_combination_keep_their_level(distribution):
    """2,000 null windows of 200 rows: 20 references of 2,000 rows x 100 windows each."""
    draw = NULL_DISTRIBUTIONS[distribution]
    p = {"p_ks": [], "p_tails": [], "p_value": []}
    for seed in range(20):
        rng = np.random.default_rng(seed)
        baseline = Baseline.fit(pd.DataFrame({"x": draw(rng, 2000)}))
        prod = pd.DataFrame({"x": draw(rng, 100 * 200)})
        table = window_statistics(baseline, prod, make_windows(prod, rows=200))
        for column in p:
            p[column].extend(table[column].to_numpy(dtype=float))
    for column, values in p.items():
        values = np.asarray(values)
        assert len(values) == 2000 and np.isfinite(values).all()
        for a in (0.001, 0.01, 0.05):
            hits = int((values <= a).sum())
            assert hits <= _binomial_bound(len(values), a), (column, a, hits)


# ---------------------------------------------------------------- power where KS is deaf
def _planted(n: int, change: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten normal features, one changed: in a 200-row window the spread x 1.5 or the top
    decile up by 1 sd; in 20,000 rows the outer 3% stretched x 2.5 or the top 1.5% up by 7 sd
    (a change of 0.1 to 0.13 in normed Wasserstein that KS alone misses)."""
    rng = np.random.default_rng(seed)
    n_ref = max(5000, n)
    ref = pd.DataFrame({f"f{i}": rng.normal(size=n_ref) for i in range(10)})
    cur = pd.DataFrame({f"f{i}": rng.normal(size=n) for i in range(10)})
    x, r = cur["f0"].to_numpy(), ref["f0"].to_numpy()
    small = n <= 1000
    if change == "spread" and small:
        x = x * 1.5
    elif change == "spread":
        lo, hi = np.quantile(r, [0.015, 0.985])
        x = np.where((x > hi) | (x < lo), x * 2.5, x)
    else:
        top = np.quantile(r, 0.9 if small else 0.985)
        x = np.where(x > top, x + (1.0 if small else 7.0), x)
    cur["f0"] = x
    return ref, cur


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n", [200, 20_000])
@pytest.mark.parametrize("change", ["spread", "tail"])
def test_planted_spread_and_tail_changes_alert_only_under_the_new_gate(n, change, seed):
    ref, cur = _planted(n, change, seed)
    new = mm.drift_table(ref, cur)
    old = mm.drift_table(ref, cur, gate="ks")
    assert old.loc["f0", "severity"] == "ok", old.loc["f0", "reason"]
    assert new.loc["f0", "severity"] in ALERT, new.loc["f0", "reason"]
    assert new.loc["f0", "reason"].startswith("ks+tails p_adj=")
    assert "(tails p=" in new.loc["f0", "reason"]  # the component that fired comes first
    assert not new.drop(index="f0")["severity"].isin(ALERT).any()


def test_both_gates_judge_the_same_statistics_without_recomputing():
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(list("ab"), 3000)})
    cur = pd.DataFrame({"x": rng.normal(0, 1.5, 200), "c": rng.choice(list("ab"), 200)})
    table = mm.drift_table(ref, cur)
    old = mm.classify(table, gate="ks")
    assert old.loc["x", "p_value"] == table.loc["x", "p_ks"]
    assert old.loc["c", "p_value"] == table.loc["c", "p_value"]  # chi-squared either way
    assert "psi_tails" not in old.loc["x", "rule"] and "psi_tails" in table.loc["x", "rule"]
    with pytest.raises(ValueError, match="gate"):
        mm.classify(table, gate="ks+cvm")


# ---------------------------------------------------------------- the stored baseline
def test_tail_bins_round_trip_through_json_and_judge_alike():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x": rng.lognormal(size=20_000)})
    cur = pd.DataFrame({"x": rng.lognormal(0, 1.2, size=300)})
    fitted = Baseline.fit(ref)
    stored = Baseline.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert stored.to_dict() == fitted.to_dict()
    feature = stored.features["x"]
    np.testing.assert_array_equal(feature.tail_edges, fitted.features["x"].tail_edges)
    a, b = mm.drift_table(fitted, cur).loc["x"], mm.drift_table(stored, cur).loc["x"]
    # the binned parts are exact from the stored counts; KS from the sketch may differ
    assert a["psi_tails"] == b["psi_tails"] and a["p_tails"] == b["p_tails"]


def test_a_format_1_baseline_keeps_working_with_ks_alone():
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"x": rng.normal(size=2000)})
    data = Baseline.fit(ref).to_dict()
    data["format"] = "mlmon-baseline/1"
    for feature in data["features"].values():
        feature.pop("tail_edges")
        feature.pop("tail_counts")
    old = Baseline.from_dict(data)
    cur = pd.DataFrame({"x": rng.normal(1, 1, size=300)})
    row = mm.drift_table(old, cur).loc["x"]
    assert np.isnan(row["p_tails"]) and np.isnan(row["psi_tails"])
    assert row["p_value"] == row["p_ks"] and row["severity"] == "critical"
