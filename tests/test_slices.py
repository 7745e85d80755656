"""find_slices: batch tests pinned to scipy/statsmodels, planted slices found, null frames quiet."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mlmon_widgets.datasets import load_demo
from mlmon_widgets.engine import (
    Condition,
    drift_table,
    find_slices,
    join_labels,
    psi,
    select_rows,
    slice_text,
    step_start,
)
from mlmon_widgets.engine._segments.batch_tests import (
    chi2_batch,
    interaction_batch,
    psi_batch,
    welch_batch,
)


# ------------------------------------------------------------------ batch tests vs scipy
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=8).filter(
        lambda t: sum(a for a, _ in t) > 0 and sum(b for _, b in t) > 0
    )
)
def test_chi2_batch_is_scipys_chi2_contingency(table):
    ref = np.array([[a for a, _ in table]], dtype=float)
    cur = np.array([[b for _, b in table]], dtype=float)
    statistic, p = chi2_batch(ref, cur)
    both = np.vstack([ref[0], cur[0]])
    both = both[:, both.sum(axis=0) > 0]
    if both.shape[1] < 2:
        assert p[0] == 1.0
        return
    expected = stats.chi2_contingency(both)
    assert statistic[0] == pytest.approx(expected.statistic, rel=1e-9, abs=1e-12)
    assert p[0] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_welch_batch_is_scipys_one_sided_welch():
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.normal(0.1, 1.0, rng.integers(5, 300))
        b = rng.normal(0.0, 2.0, rng.integers(5, 300))
        diff, _, p = welch_batch(
            np.array([len(a)]),
            np.array([a.sum()]),
            np.array([(a * a).sum()]),
            np.array([len(b)]),
            np.array([b.sum()]),
            np.array([(b * b).sum()]),
        )
        expected = stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
        assert p[0] == pytest.approx(expected, rel=1e-8)
        assert diff[0] == pytest.approx(a.mean() - b.mean())


def test_interaction_batch_is_the_poisson_loglinear_deviance():
    """G-squared of homogeneous association = the deviance of the Poisson GLM with every
    two-way interaction (period x member, period x bin, member x bin), fitted by statsmodels."""
    rng = np.random.default_rng(7)
    k = 5
    for shift in (0.0, 0.4):
        counts = rng.poisson(60, size=(2, 2, k)).astype(float)  # period, member, bin
        counts[1, 0] = rng.poisson(60 * np.exp(shift * np.arange(k) / k))
        grid = pd.DataFrame(
            [(p, m, b, counts[p, m, b]) for p in range(2) for m in range(2) for b in range(k)],
            columns=["period", "member", "bin", "n"],
        )
        model = sm.GLM.from_formula(
            "n ~ C(period)*C(member) + C(period)*C(bin) + C(member)*C(bin)",
            grid,
            family=sm.families.Poisson(),
        ).fit()
        statistic, p, expected = interaction_batch(
            counts[0, 0][None], counts[1, 0][None], counts[0, 1][None], counts[1, 1][None]
        )
        assert statistic[0] == pytest.approx(model.deviance, rel=1e-6)
        assert p[0] == pytest.approx(stats.chi2.sf(model.deviance, k - 1), rel=1e-5)
        fitted = model.fittedvalues.to_numpy().reshape(2, 2, k)
        assert expected[0] == pytest.approx(fitted[1, 0], rel=1e-6)


def test_psi_batch_is_the_engines_psi_on_counts():
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 50, size=(10, 7)).astype(float)
    cur = rng.integers(0, 50, size=(10, 7)).astype(float)
    cur[0, 2] = 0
    values = psi_batch(ref, cur)
    for i in range(10):
        labels = np.arange(7)
        r = np.repeat(labels, ref[i].astype(int)).astype(str)
        c = np.repeat(labels, cur[i].astype(int)).astype(str)
        assert values[i] == pytest.approx(psi(r, c, kind="categorical"), rel=1e-9)


# ------------------------------------------------------------------ conditions
def test_conditions_read_as_written_and_filter_rows():
    frame = pd.DataFrame(
        {"channel": ["partner", "branch", None, "online"], "age": [25.0, 40.0, np.nan, 30.9]}
    )
    assert Condition("age", "<", 30.9).mask(frame).tolist() == [True, False, False, False]
    assert Condition("age", ">=", 30.9).mask(frame).tolist() == [False, True, False, True]
    assert Condition("channel", "is missing").mask(frame).tolist() == [False, False, True, False]
    where = {"channel": ["partner", "online"], "age": Condition("age", "<", 35)}
    assert select_rows(frame, where).tolist() == [True, False, False, True]
    assert slice_text(where) == "channel in ('online', 'partner') & age < 35"
    assert slice_text(None) == "all rows"
    assert Condition.from_dict(Condition("age", "<", 3).to_dict()) == Condition("age", "<", 3)
    with pytest.raises(ValueError, match="op must be one of"):
        Condition("age", "<=", 3)
    with pytest.raises(TypeError, match="needs a number"):
        Condition("age", "<", "young")
    with pytest.raises(ValueError, match="'tenure' is not in the data"):
        select_rows(frame, {"tenure": 3})


# ------------------------------------------------------------------ planted slices
def _applications(n: int, seed: int, *, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    channel = rng.choice(["branch", "online", "partner"], n, p=[0.4, 0.45, 0.15])
    region = rng.choice(["north", "south", "east", "west"], n)
    age = np.clip(rng.normal(41, 12, n), 18, 80)
    income = np.exp(rng.normal(10.5, 0.5, n) + 0.01 * (age - 41))
    dti = rng.normal(0.3, 0.1, n) + np.where(channel == "partner", shift, 0.0)
    accounts = rng.poisson(3, n)
    return pd.DataFrame(
        {
            "channel": channel,
            "region": region,
            "age": age,
            "income": income,
            "dti": dti,
            "accounts": accounts,
        }
    )


def test_a_planted_drift_slice_is_found_and_rechecked_by_the_engine():
    reference = _applications(20_000, 0)
    production = _applications(20_000, 1, shift=0.05)
    found = find_slices(production, reference=reference)
    top = found.iloc[0]
    assert (top["slice"], top["target"]) == ("channel == 'partner'", "dti")
    assert top["severity"] == "critical"
    # the reported statistic is the engine's, run on the slice's rows alone
    keep_ref = select_rows(reference, top["conditions"])
    keep_cur = select_rows(production, top["conditions"])
    alone = drift_table(reference.loc[keep_ref, ["dti"]], production.loc[keep_cur, ["dti"]])
    assert top["value"] == pytest.approx(alone.loc["dti", "psi"], rel=1e-12)
    assert top["rows"] == keep_cur.sum()
    assert top["share"] == pytest.approx(keep_cur.mean())
    assert top["p_adjusted"] <= 0.01 and top["p_adjusted"] >= top["p_value"]
    assert "dti PSI" in top["reason"] and "channel == 'partner'" in top["reason"]
    # nothing else: the slices of partner (region, age cuts) are explained by it
    assert not found["slice"].str.contains("partner &|& channel == 'partner'", regex=True).any()


def test_every_test_counts_in_the_correction():
    reference = _applications(20_000, 0)
    production = _applications(20_000, 1, shift=0.05)
    rng = np.random.default_rng(5)
    base = find_slices(production, reference=reference)
    noisy_ref, noisy_cur = reference.copy(), production.copy()
    for k in range(6):
        noisy_ref[f"noise{k}"] = rng.normal(size=len(reference))
        noisy_cur[f"noise{k}"] = rng.normal(size=len(production))
    noisy = find_slices(noisy_cur, reference=noisy_ref)
    assert noisy.attrs["tests"] > 2 * base.attrs["tests"]
    assert noisy.attrs["slices"] > base.attrs["slices"]
    top, top_noisy = base.iloc[0], noisy.iloc[0]
    assert top["slice"] == top_noisy["slice"]
    assert top_noisy["p_value"] == pytest.approx(top["p_value"])
    assert top_noisy["p_adjusted"] > top["p_adjusted"]


def _performance_frame(
    n: int, seed: int, *, uplift: float = 0.0, informative: bool = True
) -> pd.DataFrame:
    """Scores with labels drawn from them (plus ``uplift`` on the log-odds under 30).

    An informative score depends on dti, so its log loss is higher where the score is
    nearer 0.5 (a weak segment every real model has); otherwise it is noise around 0.2,
    the same in every slice.
    """
    frame = _applications(n, seed)
    rng = np.random.default_rng(seed + 100)
    signal = 3 * (frame["dti"] - 0.3) if informative else 0.0
    score = 1 / (1 + np.exp(-(-1.5 + signal + rng.normal(0, 0.5, n))))
    logit = np.log(score / (1 - score)) + uplift * (frame["age"] < 30)
    frame["score"] = score
    frame["y"] = rng.random(n) < 1 / (1 + np.exp(-logit))
    return frame


def test_a_weak_segment_is_found_and_a_degraded_one_against_the_reference():
    frame = _performance_frame(30_000, 2)
    weak = find_slices(frame, label="y", score="score")
    assert weak.iloc[0]["slice"].startswith("dti >= ")  # scores nearer 0.5: harder rows
    before = _performance_frame(30_000, 3)
    after = _performance_frame(30_000, 4, uplift=1.0)
    found = find_slices(after, reference=before, label="y", score="score")
    assert found.iloc[0]["slice"].split(" < ")[0] == "age"
    assert not found["slice"].str.startswith("dti >= ").any()  # as weak as it was


def test_a_planted_performance_slice_is_found():
    frame = _performance_frame(30_000, 2, uplift=1.0, informative=False)
    found = find_slices(frame, label="y", score="score")
    top = found.iloc[0]
    assert top["slice"].startswith("age < 2") or top["slice"].startswith("age < 3")
    assert top["target"] == "log_loss"
    inside = select_rows(frame, top["conditions"])
    y, s = frame["y"].to_numpy(float), frame["score"].to_numpy()
    loss = -(y * np.log(s) + (1 - y) * np.log(1 - s))
    assert top["value"] == pytest.approx(loss[inside].mean())
    assert top["compared_with"] == pytest.approx(loss[~inside].mean())
    expected = stats.ttest_ind(loss[inside], loss[~inside], equal_var=False, alternative="greater")
    assert top["p_value"] >= expected.pvalue * (1 - 1e-6)


def test_null_frames_give_at_most_one_false_slice_in_twenty_runs():
    false = 0
    for seed in range(20):
        reference = _applications(10_000, 1000 + seed)
        production = _applications(10_000, 2000 + seed)
        false += len(find_slices(production, reference=reference))
        frame = _performance_frame(10_000, 3000 + seed, informative=False)
        false += len(find_slices(frame, label="y", score="score"))
        frame = _performance_frame(10_000, 4000 + seed)  # weak segments, unchanged
        before = _performance_frame(10_000, 5000 + seed)
        false += len(find_slices(frame, label="y", score="score", reference=before))
    assert false <= 1


# ------------------------------------------------------------------ the demo, unaided
@pytest.fixture(scope="module")
def demo():
    return load_demo()


def test_the_demo_partner_shift_is_found(demo):
    after = demo.production[demo.production["timestamp"] >= "2024-04-30"]
    found = find_slices(
        after,
        reference=demo.reference,
        columns=demo.features,
        features=demo.features,
        roles=demo.roles,
        time=demo.time,
        window="1D",
    )
    top = found.iloc[0]
    assert (top["slice"], top["target"]) == ("channel == 'partner'", "debt_to_income")
    assert top["severity"] == "critical"
    assert top["since"] == pd.Timestamp("2024-04-30")
    assert len(found) == 1  # its mirror (channel in low debt ratios) is left out


def test_the_demo_under_30_degradation_is_found(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = join_labels(demo.production, demo.labels, on="application_id", label="defaulted")
    cut = pd.Timestamp("2024-04-25")  # the concept drift's first day
    after, before = frame[frame["timestamp"] >= cut], frame[frame["timestamp"] < cut]
    found = find_slices(
        after,
        reference=before,
        label="defaulted",
        score="score",
        columns=demo.features,
        roles=demo.roles,
        time=demo.time,
        window="1D",
    )
    top = found.iloc[0]
    assert top["slice"] == "age < 30.9"
    assert top["effect"] > 0.1 and top["p_adjusted"] < 1e-6
    assert "more than before" in top["reason"]


# ------------------------------------------------------------------ onset and bad input
def test_step_start_finds_a_significant_step_up_only():
    rng = np.random.default_rng(0)
    values = np.r_[rng.normal(0, 0.1, 30), rng.normal(1, 0.1, 20)]
    assert step_start(values, np.ones(50)) == 30
    assert step_start(rng.normal(0, 0.1, 50), np.ones(50)) is None
    assert step_start(values[::-1], np.ones(50)) is None  # a step down is not an onset
    weights = np.ones(50)
    weights[:5] = 0  # windows without rows are skipped
    assert step_start(values, weights) == 30


def test_bad_input_gets_a_clear_message():
    frame = _applications(1000, 0)
    with pytest.raises(ValueError, match="needs reference=<frame>"):
        find_slices(frame)
    with pytest.raises(ValueError, match="max_depth must be 1 or 2"):
        find_slices(frame, reference=frame, max_depth=3)
    with pytest.raises(ValueError, match="columns: column 'tenure' is not in the frame"):
        find_slices(frame, reference=frame, columns=["tenure"])
    with pytest.raises(ValueError, match="give time= and window= together"):
        find_slices(frame, reference=frame, time="t")
    with pytest.raises(ValueError, match="label column 'y' is not in the data"):
        find_slices(frame, label="y", score="income", metric="log_loss")
