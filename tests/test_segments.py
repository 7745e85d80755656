"""segment_drift: each segment against the same segment of the reference, as the engine alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlmon_widgets as mm

STATS = [
    "statistic",
    "p_value",
    "p_adjusted",
    "psi",
    "js",
    "wasserstein",
    "n_current",
    "n_reference",
]


def frames(seed: int = 0, n_ref: int = 3000, n_prod: int = 2400, shift: float = 0.0):
    rng = np.random.default_rng(seed)

    def frame(n, s):
        channel = rng.choice(["branch", "partner", "web"], n, p=[0.5, 0.2, 0.3])
        dti = rng.normal(0.3, 0.1, n) + np.where(channel == "partner", s, 0.0)
        region = rng.choice(["n", "s"], n)
        return pd.DataFrame(
            {"channel": channel, "region": region, "dti": dti, "age": rng.normal(40, 9, n)}
        )

    ref = frame(n_ref, 0.0)
    prod = frame(n_prod, shift)
    prod.insert(0, "ts", pd.date_range("2024-05-01", periods=n_prod, freq="10min"))
    return ref, prod


def _close(a: pd.Series, b: pd.Series) -> None:
    for column in STATS:
        x, y = a[column], b[column]
        if pd.isna(y):
            assert pd.isna(x), column
        else:
            assert x == pytest.approx(y, rel=1e-9, abs=1e-12), column


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.sampled_from([0.0, 0.03, 0.1]))
def test_each_segment_is_the_engine_run_on_its_rows_alone(seed, shift):
    ref, prod = frames(seed, shift=shift)
    table = mm.segment_drift(ref, prod.drop(columns="ts"), "channel")
    roles = {"channel": "ignore", "region": "categorical"}
    for value in ("branch", "partner", "web"):
        alone = mm.drift_table(
            ref[ref.channel == value], prod[prod.channel == value].drop(columns="ts"), roles=roles
        )
        got = table[table.segment_value == value].set_index("feature")
        assert list(got.index) == list(alone.index) == ["region", "dti", "age"]
        for feature in alone.index:
            _close(got.loc[feature], alone.loc[feature])
        assert got["segment_share"].iloc[0] == pytest.approx((prod.channel == value).mean())


def test_windows_line_up_with_the_whole_grid_and_match_drift_over_time():
    ref, prod = frames(1, shift=0.1)
    table = mm.segment_drift(ref, prod, "channel", time="ts", window="4D")
    part = prod[prod.channel == "partner"]
    alone = mm.drift_over_time(
        ref[ref.channel == "partner"],
        part,
        time="ts",
        window="4D",
        roles={"channel": "ignore", "region": "categorical"},
    )
    got = table[table.segment_value == "partner"].reset_index(drop=True)
    np.testing.assert_array_equal(got["window_start"], alone["window_start"])
    np.testing.assert_array_equal(got["window"], alone["window"])
    for i in range(len(alone)):
        _close(got.iloc[i], alone.iloc[i])
    day = prod.ts.dt.floor("4D")
    share = (prod.channel == "partner").groupby(day).mean()
    first = got[got.feature == "dti"].set_index("window_start")["segment_share"]
    np.testing.assert_allclose(first.to_numpy(), share.loc[first.index].to_numpy())
    judged = got[(got.feature == "dti") & ~got.insufficient]
    assert len(judged) >= 3 and (judged["severity"] == "critical").all()


def test_against_all_compares_with_the_whole_reference():
    ref, prod = frames(2, shift=0.1)
    table = mm.segment_drift(ref, prod.drop(columns="ts"), "channel", against="all")
    part = prod[prod.channel == "partner"].drop(columns="ts")
    alone = mm.drift_table(
        mm.Baseline.fit(ref, roles={"channel": "ignore", "region": "categorical"}), part
    )
    got = table[table.segment_value == "partner"].set_index("feature")
    for feature in alone.index:
        _close(got.loc[feature], alone.loc[feature])


def test_missing_new_small_and_crossed_segments():
    ref, prod = frames(3)
    prod = prod.drop(columns="ts")
    prod.loc[prod.index[:300], "channel"] = None
    prod.loc[prod.index[300:340], "channel"] = "kiosk"  # not in the reference, and small
    table = mm.segment_drift(ref, prod, ["channel", ("channel", "region")])
    values = table.loc[table.segment_column == "channel", "segment_value"].unique().tolist()
    assert values[-1] == "(missing)" and "kiosk" in values
    kiosk = table[(table.segment_column == "channel") & (table.segment_value == "kiosk")]
    assert (kiosk["severity"] == "insufficient_data").all()
    assert kiosk["note"].str.contains("no rows in the reference").all()
    crossed = table[table.segment_column == "channel & region"]
    assert "partner & n" in set(crossed.segment_value)
    assert crossed.groupby("segment_value")["segment_share"].first().sum() == pytest.approx(1.0)


def test_bad_input_is_named():
    ref, prod = frames(4)
    with pytest.raises(ValueError, match=r"'dti' has \d+ values, more than max_segments=50; bin"):
        mm.segment_drift(ref, prod, "dti")
    with pytest.raises(ValueError, match="segment column 'nope' is not in the reference"):
        mm.segment_drift(ref, prod, "nope")
    with pytest.raises(ValueError, match="against"):
        mm.segment_drift(ref, prod, "channel", against="rest")
    with pytest.raises(ValueError, match="time= and window= together"):
        mm.segment_drift(ref, prod, "channel", window="1D")


def test_the_demos_partner_shift_shows_only_inside_its_segment():
    from mlmon_widgets.datasets import load_demo

    demo = load_demo()
    overall = mm.drift_table(demo.reference, demo.production, roles=demo.roles)
    assert overall.loc["debt_to_income", "severity"] == "ok"
    table = mm.segment_drift(demo.reference, demo.production, "channel", roles=demo.roles)
    dti = table[table.feature == "debt_to_income"].set_index("segment_value")
    assert dti.loc["partner", "severity"] in ("warning", "critical")
    assert (dti.drop(index="partner")["severity"] == "ok").all()


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    metric=st.sampled_from(["dti", "accuracy", "positive_rate", "mean_score", "log_loss"]),
)
def test_mix_and_rate_effects_add_up_exactly_to_the_change(seed, metric):
    rng = np.random.default_rng(seed)

    def period(n, p_partner):
        channel = rng.choice(
            ["branch", "partner", "web"], n, p=[1 - p_partner - 0.2, p_partner, 0.2]
        )
        score = rng.uniform(size=n)
        return pd.DataFrame(
            {
                "channel": channel,
                "dti": rng.normal(0.3, 0.1, n),
                "score": score,
                "label": (rng.uniform(size=n) < score).astype(int),
            }
        )

    before, after = period(500, 0.2), period(400, 0.45)
    parts = mm.explain_change(before, after, "channel", metric=metric, label="label", score="score")
    assert parts["total_effect"].sum() == pytest.approx(parts.attrs["overall_change"], abs=1e-12)
    np.testing.assert_allclose(parts["mix_effect"] + parts["rate_effect"], parts["total_effect"])
    assert parts["share_before"].sum() == pytest.approx(1) == parts["share_after"].sum()


def test_a_segment_absent_before_is_all_mix_and_auc_is_not_additive():
    before = pd.DataFrame({"seg": ["a"] * 50, "x": np.r_[np.zeros(40), np.ones(10)]})
    after = pd.DataFrame({"seg": ["a"] * 50 + ["new"] * 50, "x": np.r_[np.zeros(40), np.ones(60)]})
    parts = mm.explain_change(before, after, "seg", metric="x")
    assert parts.loc["new", "rate_effect"] == 0 and parts.loc["new", "mix_effect"] == 0.5
    assert parts["total_effect"].sum() == pytest.approx(parts.attrs["overall_change"], abs=1e-12)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"seg": rng.choice(["a", "b"], 400), "score": rng.uniform(size=400)})
    frame["label"] = (rng.uniform(size=400) < frame["score"]).astype(int)
    auc = mm.explain_change(
        frame[:200], frame[200:], "seg", metric="roc_auc", label="label", score="score"
    )
    assert not auc["additive"].any() and auc["mix_effect"].isna().all()
    with pytest.raises(ValueError, match="metric must be a column of the data or one of"):
        mm.explain_change(before, after, "seg", metric="nope")
    with pytest.raises(ValueError, match="needs label=<column>"):
        mm.explain_change(frame, frame, "seg", metric="accuracy", score="score")


def test_the_demos_under_30_degradation_is_mostly_a_rate_effect_in_its_segment():
    from mlmon_widgets.datasets import load_demo

    demo = load_demo()
    joined = mm.join_labels(demo.production, demo.labels, on="application_id", label="defaulted")
    joined = joined.assign(young=np.where(joined["age"] < 30, "under 30", "30 and over"))
    when = joined[demo.time]
    cut = pd.Timestamp("2024-04-25")  # the demo's concept-drift date (notebook 03)
    parts = mm.explain_change(
        joined[when < cut],
        joined[when >= cut],
        "young",
        metric="log_loss",
        label="defaulted",
        score="score",
    )
    assert parts.attrs["overall_change"] > 0
    assert parts["total_effect"].idxmax() == "under 30"
    assert parts.loc["under 30", "rate_effect"] > abs(parts.loc["under 30", "mix_effect"])


def test_segment_performance_is_performance_over_time_per_segment_with_a_welch_test():
    from scipy import stats as sps

    from mlmon_widgets.datasets import load_demo

    demo = load_demo()
    joined = mm.join_labels(demo.production, demo.labels, on="application_id", label="defaulted")
    joined = joined.assign(young=np.where(joined["age"] < 30, "under 30", "30 and over"))
    spec = {
        "label": "defaulted",
        "score": "score",
        "time": demo.time,
        "window": "7D",
        "n_bootstrap": 0,
    }
    table = mm.segment_performance(joined, "young", **spec)
    young = joined[joined.young == "under 30"]
    grid = mm.make_windows(joined, time=demo.time, window="7D")
    alone = mm.performance_over_time(young, **spec, origin=grid.anchor)
    got = table[table.segment_value == "under 30"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got[alone.columns], alone, check_dtype=False)
    row = got[(got.metric == "log_loss") & (got.status == "ok")].iloc[-1]
    rows = joined.iloc[grid.rows(int(row.window))].dropna(subset=["defaulted"])

    def loss(f):
        return -(
            f.defaulted * np.log(np.clip(f.score, 1e-15, 1 - 1e-15))
            + (1 - f.defaulted) * np.log(np.clip(1 - f.score, 1e-15, 1 - 1e-15))
        )

    a, b = loss(rows[rows.young == "under 30"]), loss(rows[rows.young != "under 30"])
    assert row.p_value == pytest.approx(sps.ttest_ind(a, b, equal_var=False).pvalue, rel=1e-9)
    assert row.value_rest == pytest.approx(b.mean(), rel=1e-9)
    # The demo's under-30 degradation: the gap to the rest widens in the last scored weeks
    # (later weeks are pending: their labels have not arrived).
    scored = got[(got.metric == "log_loss") & (got.status == "ok")].set_index("window_start")
    late, early = scored[scored.index >= "2024-04-12"], scored[scored.index < "2024-04-12"]
    assert len(late) == 2 and late.significant.all()
    assert late.difference.min() > early.difference.max()
    pending = got[(got.metric == "log_loss") & (got.status == "pending")]
    assert len(pending) and pending.p_value.isna().all()


def test_worse_is_significant_in_the_metrics_bad_direction():
    rng = np.random.default_rng(11)
    n = 6000
    young = rng.random(n) < 0.3
    y = rng.random(n) < 0.3
    noise = np.where(young, 0.4, 0.1)  # the young are scored worse, the others better
    score = np.clip(0.3 + 0.4 * y + rng.normal(0, noise), 0.001, 0.999)
    frame = pd.DataFrame({"age": np.where(young, "young", "older"), "y": y, "score": score})
    table = mm.segment_performance(frame, "age", label="y", score="score", n_bootstrap=0)
    table = table.set_index(["metric", "segment_value"])
    for metric in ("accuracy", "log_loss"):
        assert table.loc[(metric, "young"), "significant"]
        assert table.loc[(metric, "young"), "worse"]  # lower accuracy, higher log loss
        assert table.loc[(metric, "older"), "significant"]
        assert not table.loc[(metric, "older"), "worse"]  # better than the rest
    assert table.loc[("accuracy", "young"), "difference"] < 0
    assert table.loc[("log_loss", "young"), "difference"] > 0
