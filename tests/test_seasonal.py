"""Seasonal baselines: a Saturday is compared with Saturdays.

Per phase the baseline keeps each seasonal feature's own summary; a window within one phase
gets exactly the engine run by hand on that phase's reference rows, a window across phases
the mixture weighted by its own rows per phase. Stored, the baseline judges the same.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm
from mlmon_widgets.config import MonitoringConfig, evaluate
from mlmon_widgets.engine import Baseline, phase_codes

STATS = ["statistic", "p_ks", "p_tails", "p_value", "psi", "psi_tails", "js", "wasserstein"]
ALERT = ("warning", "critical")


def weekly(start: str, days: int, per_day: int, seed: int, *, change_from=None) -> pd.DataFrame:
    """Spend 1.5x higher on weekends, a channel mix that differs at weekends, a flat age."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(start, periods=days * per_day, freq=pd.Timedelta(days=1) / per_day)
    weekend = np.asarray(ts.day_of_week >= 5)
    n = len(ts)
    frame = pd.DataFrame(
        {
            "ts": ts,
            "spend": rng.lognormal(3, 0.4, n) * np.where(weekend, 1.5, 1.0),
            "visits": rng.poisson(np.where(weekend, 6.0, 3.0)).astype(float),
            "channel": np.where(
                weekend,
                rng.choice(["app", "web"], n, p=[0.7, 0.3]),
                rng.choice(["app", "web", "branch"], n, p=[0.3, 0.5, 0.2]),
            ),
            "age": rng.normal(40, 10, n),
        }
    )
    if change_from is not None:  # spend up 30% on weekdays from this day on
        later = (frame["ts"] >= pd.Timestamp(change_from)) & ~weekend
        frame.loc[later, "spend"] *= 1.3
    return frame


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return weekly("2024-01-01", 12 * 7, 96, seed=1)  # 12 weeks, every 15 minutes


@pytest.fixture(scope="module")
def production() -> pd.DataFrame:
    return weekly("2024-04-01", 28, 96, seed=2)


@pytest.fixture(scope="module")
def seasonal(reference) -> Baseline:
    return Baseline.fit(reference, time="ts", seasonality="weekday")


def assert_day_is_its_phase_by_hand(table, reference, production, day, in_phase, phase):
    """The day's window equals drift_table run by hand on its phase's reference rows."""
    rows = production[production["ts"].dt.normalize() == day]
    by_hand = mm.drift_table(
        Baseline.fit(reference[in_phase(reference["ts"])].drop(columns="ts")),
        rows.drop(columns="ts"),
    )
    got = table[table["window_start"] == day].set_index("feature")
    assert (got["phases"] == phase).all()
    for feature in by_hand.index:
        for column in STATS:
            expected, value = by_hand.loc[feature, column], got.loc[feature, column]
            if pd.isna(expected):
                assert pd.isna(value), (feature, column)
            else:
                assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), (feature, column)
        assert got.loc[feature, "n_reference"] == by_hand.loc[feature, "n_reference"]


def test_a_day_is_the_engine_run_on_its_weekday_by_hand(reference, production, seasonal):
    table = mm.drift_over_time(seasonal, production, time="ts", window="1D")
    saturday = lambda ts: ts.dt.day_of_week == 5  # noqa: E731
    assert_day_is_its_phase_by_hand(table, reference, production, "2024-04-06", saturday, "Sat")


def test_the_weekly_pattern_stops_alarming(reference, production, seasonal):
    plain = mm.drift_over_time(reference, production, time="ts", window="1D")
    phased = mm.drift_over_time(seasonal, production, time="ts", window="1D")
    for feature in ("spend", "visits", "channel"):
        assert plain.loc[plain["feature"] == feature, "severity"].isin(ALERT).sum() >= 8
        assert not phased.loc[phased["feature"] == feature, "severity"].isin(ALERT).any()


def test_a_week_is_compared_with_the_mixture_of_its_days(reference, production, seasonal):
    rows = production[production["ts"] < "2024-04-04 12:00"]  # Mon, Tue, Wed and half a Thu
    table = mm.drift_table(seasonal, rows).loc["spend"]
    assert table["phases"] == "4 phases"
    counts = np.bincount(phase_codes(rows["ts"], "weekday", None), minlength=7)
    weights = counts / counts.sum()
    # The mixture's reference ECDF is the phases' ECDFs weighted by the window's rows.
    mixture = seasonal.seasonal.summary("spend", counts, None, seasonal.fit_mixture)
    sample = mixture.sketch.sample()
    for x in np.quantile(reference["spend"], [0.1, 0.3, 0.5, 0.7, 0.9]):
        by_phase = [
            (reference.loc[reference["ts"].dt.day_of_week == d, "spend"] <= x).mean()
            for d in range(7)
        ]
        assert (sample <= x).mean() == pytest.approx(np.dot(weights, by_phase), abs=0.01)
    assert table["severity"] == "ok"


def test_hours_across_midnight_and_phases_with_too_few_rows(reference, production):
    hourly = Baseline.fit(reference, time="ts", seasonality="hour", min_phase_rows=300)
    rows = production[
        (production["ts"] >= "2024-04-01 22:00") & (production["ts"] < "2024-04-02 01:00")
    ]
    table = mm.drift_table(hourly, rows, min_rows=10)
    assert table.loc["age", "phases"] == "00h, 22h, 23h"
    sparse = Baseline.fit(reference, time="ts", seasonality="hour", min_phase_rows=500)
    assert sparse.seasonal.fallback == list(range(24))  # 336 rows an hour < 500
    fallback = mm.drift_table(sparse, rows, min_rows=10)
    assert "too few reference rows" in fallback.loc["age", "phases"]
    whole = mm.drift_table(Baseline.fit(reference), rows, min_rows=10)
    for column in STATS:
        assert fallback.loc["age", column] == pytest.approx(whole.loc["age", column], rel=1e-9)


def test_phases_are_local_time_of_the_reference_zone_across_dst():
    paris = pd.Series(pd.date_range("2024-03-30 12:00", periods=48, freq="h", tz="Europe/Paris"))
    utc = paris.dt.tz_convert("UTC")
    np.testing.assert_array_equal(
        phase_codes(utc, "hour", "Europe/Paris"), paris.dt.hour.to_numpy()
    )
    # 2024-03-31 02:00 does not exist in Paris: the local hours skip from 01h to 03h
    assert 2 not in phase_codes(utc[12:16], "hour", "Europe/Paris").tolist()
    saturday_night = pd.Series(pd.to_datetime(["2024-03-30 23:30"]).tz_localize("UTC"))
    assert phase_codes(saturday_night, "weekday", "Europe/Paris").tolist() == [6]  # Sunday
    assert phase_codes(saturday_night, "weekday", None).tolist() == [5]


def test_an_aware_reference_keeps_its_zone_and_production_in_utc_gets_its_phases(reference):
    local = reference.assign(ts=reference["ts"].dt.tz_localize("Europe/Paris"))
    baseline = Baseline.fit(local, time="ts", seasonality="weekday")
    assert baseline.seasonal.timezone == "Europe/Paris"
    prod = weekly("2024-04-01", 7, 96, seed=3)
    prod["ts"] = prod["ts"].dt.tz_localize("Europe/Paris").dt.tz_convert("UTC")
    table = mm.drift_over_time(baseline, prod, time="ts", window="6h")
    assert not table["severity"].isin(ALERT).any()


def test_the_stored_baseline_and_mlmon_check_judge_alike(production, seasonal):
    stored = Baseline.from_dict(json.loads(json.dumps(seasonal.to_dict())))
    assert stored.to_dict() == seasonal.to_dict()
    changed = weekly("2024-04-01", 14, 96, seed=4, change_from="2024-04-08")
    a = mm.drift_over_time(seasonal, changed, time="ts", window="1D")
    b = mm.drift_over_time(stored, changed, time="ts", window="1D")
    np.testing.assert_array_equal(a["severity"], b["severity"])
    np.testing.assert_allclose(a["p_value"], b["p_value"], rtol=1e-9)
    config = MonitoringConfig.from_baseline(seasonal, model="m", time="ts", window="1D")
    config = MonitoringConfig.from_yaml(config.to_yaml())
    alerts = evaluate(config, changed)
    drift = alerts[alerts["domain"] == "drift"]
    judged = a[a["severity"].isin(ALERT)]
    assert sorted(zip(drift["feature"], drift["window_start"], strict=True)) == sorted(
        zip(judged["feature"], judged["window_start"], strict=True)
    )


def test_a_weekday_change_is_caught_from_its_first_weekday_where_learned_thresholds_miss_it(
    reference, seasonal
):
    changed = weekly("2024-04-01", 21, 96, seed=5, change_from="2024-04-08")  # a Monday
    phased = mm.drift_over_time(seasonal, changed, time="ts", window="1D")
    spend = phased[phased["feature"] == "spend"].set_index("window_start")["severity"]
    weekdays = spend.index.day_of_week < 5
    changed_days = (spend.index >= "2024-04-08") & weekdays
    assert spend[changed_days].isin(ALERT).all()  # from Monday 8 April on
    assert spend.loc["2024-04-08"] in ALERT
    assert not spend[~changed_days].isin(ALERT).any()  # weekends and the first week stay quiet
    others = phased[phased["feature"] != "spend"]
    assert not others["severity"].isin(ALERT).any()
    learned = mm.rules_from_suggestions(mm.suggest_thresholds(reference, rows=96))
    tuned = mm.drift_over_time(reference, changed, time="ts", window="1D", thresholds=learned)
    tuned_spend = tuned[tuned["feature"] == "spend"].set_index("window_start")["severity"]
    assert tuned_spend[changed_days].isin(ALERT).mean() < 0.5  # wide thresholds: deaf


def test_detect_seasonality_names_the_weekly_features(reference):
    found = mm.detect_seasonality(reference, time="ts")
    assert found.loc[["spend", "visits", "channel"], "suggested"].tolist() == ["weekday"] * 3
    assert found.loc["age", "suggested"] is None
    assert found.loc["spend", "weekday_strength"] > 0.15 > found.loc["age", "weekday_strength"]
    rng = np.random.default_rng(0)
    both = reference.assign(
        load=rng.normal(size=len(reference))
        + (reference["ts"].dt.hour >= 12)
        + (reference["ts"].dt.day_of_week >= 5)
    )
    assert mm.detect_seasonality(both, time="ts", features=["load"]).loc["load", "suggested"] == (
        "weekday-hour"
    )


def test_bad_input_is_named(reference, production, seasonal):
    with pytest.raises(ValueError, match="time='<column>'"):
        Baseline.fit(reference, seasonality="weekday")
    with pytest.raises(ValueError, match="seasonality"):
        Baseline.fit(reference, time="ts", seasonality="monthly")
    with pytest.raises(ValueError, match="seasonal_features"):
        Baseline.fit(reference, time="ts", seasonality="weekday", seasonal_features=["nope"])
    with pytest.raises(ValueError, match="needs the time column 'ts'"):
        mm.drift_table(seasonal, production.drop(columns="ts"))
    only_spend = Baseline.fit(
        reference, time="ts", seasonality="weekday", seasonal_features=["spend"]
    )
    table = mm.drift_over_time(only_spend, production, time="ts", window="1D")
    assert (table.loc[table["feature"] == "spend", "phases"] != "").all()
    assert (table.loc[table["feature"] == "channel", "phases"] == "").all()


def test_on_the_demo_the_weekly_feature_stops_alarming_and_every_scenario_still_shows():
    from mlmon_widgets.datasets import load_demo

    demo = load_demo()
    found = mm.detect_seasonality(demo.reference, time="timestamp", roles=demo.roles)
    weekly = found.index[found["suggested"] == "weekday"].tolist()
    assert weekly == ["card_spend_7d"]
    by_weekday = Baseline.fit(
        demo.reference,
        roles=demo.roles,
        time="timestamp",
        seasonality="weekday",
        seasonal_features=weekly,
    )
    days = {"time": "timestamp", "window": "1D"}
    plain = mm.drift_over_time(demo.reference, demo.production, roles=demo.roles, **days)
    phased = mm.drift_over_time(by_weekday, demo.production, **days)

    def alerts(table):
        return table.assign(a=table["severity"].isin(ALERT)).groupby("feature")["a"].sum()

    before, after = alerts(plain), alerts(phased)
    assert before["card_spend_7d"] >= 80 and after["card_spend_7d"] == 0
    # Every other feature is compared exactly as before (same statistics, same raw p-values);
    # its severities can move only where the correction over all features x windows moves
    # p_adjusted across alpha (card_spend_7d's 90 p-values changed), and every scenario
    # that alerted still alerts.
    others = ~plain["feature"].eq("card_spend_7d").to_numpy()
    for column in ("statistic", "p_value", "psi", "wasserstein"):
        np.testing.assert_array_equal(
            plain[column].to_numpy()[others], phased[column].to_numpy()[others]
        )
    moved = before.drop("card_spend_7d") - after.drop("card_spend_7d")
    assert moved.abs().max() <= 1, moved[moved != 0]
    assert ((before.drop("card_spend_7d") > 0) == (after.drop("card_spend_7d") > 0)).all()


def test_the_heatmap_offers_compares_and_exports_seasonal_features(reference, production):
    from mlmon_widgets.widgets import DriftHeatmap

    heatmap = DriftHeatmap(reference, production, time="ts", window="1D")
    offered = heatmap._seasonality
    assert offered["seasonality"] == "weekday" and offered["label"] == "weekly"
    assert set(offered["hints"]) == {"spend", "visits", "channel"}
    heatmap.seasonal = ["spend", "channel"]
    baseline = Baseline.fit(
        reference, time="ts", seasonality="weekday", seasonal_features=["spend", "channel"]
    )
    expected = mm.drift_over_time(baseline, production, time="ts", window="1D")
    shown = heatmap.table
    np.testing.assert_array_equal(shown["severity"], expected["severity"])
    np.testing.assert_array_equal(shown["phases"], expected["phases"])
    config = heatmap.to_config(model="m")
    assert config.baseline["seasonal"]["features"] == ["spend", "channel"]
    alerts = evaluate(config, production)
    judged = shown[shown["severity"].isin(ALERT)]
    assert len(alerts[alerts["domain"] == "drift"]) == len(judged)
    with pytest.raises(Exception, match="seasonal"):
        heatmap.seasonal = ["nope"]
    again = DriftHeatmap(baseline, production, time="ts", window="1D")
    assert again.seasonal == ["spend", "channel"]


def test_the_detail_pane_draws_the_phase_it_compared_with(reference, production, seasonal):
    from mlmon_widgets.widgets import DriftHeatmap

    heatmap = DriftHeatmap(seasonal, production, time="ts", window="1D")
    heatmap.selected = {"feature": "channel", "window": 5}  # Saturday 6 April
    bars = heatmap._detail["bars"]
    saturdays = reference.loc[reference["ts"].dt.day_of_week == 5, "channel"]
    share = saturdays.value_counts(normalize=True)
    for label, value in zip(bars["labels"], bars["reference"], strict=True):
        assert value == pytest.approx(share.get(label, 0.0), abs=1e-12), label
    assert ["compared with", "reference rows of Sat"] in heatmap._detail["numbers"]


# ---------------------------------------------------------------- cycles named by offset alias
def monthly(start: str, days: int, per_day: int, seed: int) -> pd.DataFrame:
    """Payments 3x higher on the 1st and the 15th of each month, a flat age."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(start, periods=days * per_day, freq=pd.Timedelta(days=1) / per_day)
    payday = np.isin(np.asarray(ts.day), [1, 15])
    n = len(ts)
    return pd.DataFrame(
        {
            "ts": ts,
            "paid": rng.lognormal(3, 0.4, n) * np.where(payday, 3.0, 1.0),
            "age": rng.normal(40, 10, n),
        }
    )


@pytest.mark.parametrize(
    ("alias", "name"),
    [("D", "hour"), ("24h", "hour"), ("W", "weekday"), ("W-SUN", "weekday"), ("7D", "weekday"),
     ("MS", "monthday"), ("ME", "monthday"), ("YS", "month"), ("YE", "month")],
)  # fmt: skip
def test_an_offset_alias_names_the_cycle_whose_parts_are_the_phases(reference, alias, name):
    assert mm.engine.seasonality_name(alias) == name
    if name in ("hour", "weekday"):  # the same baseline as by name
        by_alias = Baseline.fit(reference, time="ts", seasonality=alias, keep_reference=False)
        by_name = Baseline.fit(reference, time="ts", seasonality=name, keep_reference=False)
        assert by_alias.to_dict() == by_name.to_dict()


@pytest.mark.parametrize("alias", ["3D", "2W", "h", "QS", "monthly", "B"])
def test_cycles_without_natural_phases_are_refused_with_the_choices(reference, alias):
    with pytest.raises(ValueError, match=r"seasonality must be one of .* a month \('MS'\)"):
        Baseline.fit(reference, time="ts", seasonality=alias)


def test_a_day_of_the_month_is_compared_with_the_same_day_of_earlier_months():
    reference = monthly("2024-01-01", 182, 96, seed=3)  # Jan-Jun, every 15 minutes
    production = monthly("2024-07-01", 31, 96, seed=4)
    seasonal = Baseline.fit(reference, time="ts", seasonality="MS", min_phase_rows=300)
    assert seasonal.seasonal.seasonality == "monthday"
    assert seasonal.seasonal.fallback == [30]  # day 31: 3 months x 96 rows < 300
    table = mm.drift_over_time(seasonal, production, time="ts", window="1D")
    fifteenth = lambda ts: ts.dt.day == 15  # noqa: E731
    assert_day_is_its_phase_by_hand(table, reference, production, "2024-07-15", fifteenth, "day 15")
    # Paydays alarm against the whole reference, not against their own day of the month.
    plain = mm.drift_over_time(reference, production, time="ts", window="1D")
    paid = plain[plain["feature"] == "paid"].set_index("window_start")
    assert paid.loc[["2024-07-01", "2024-07-15"], "severity"].isin(ALERT).all()
    assert not table.loc[table["feature"] == "paid", "severity"].isin(ALERT).any()
    last = table[table["window_start"] == "2024-07-31"].set_index("feature")
    assert "too few reference rows" in last.loc["paid", "phases"]
    whole = mm.drift_table(Baseline.fit(reference.drop(columns="ts")), production[
        production["ts"].dt.day == 31].drop(columns="ts"))  # fmt: skip
    # the whole reference as stored (its sketch: KS within 1/sketch_size of the exact one)
    assert last.loc["paid", "p_tails"] == pytest.approx(whole.loc["paid", "p_tails"], rel=1e-9)
    assert abs(last.loc["paid", "statistic"] - whole.loc["paid", "statistic"]) < 1 / 2048
    stored = Baseline.from_dict(json.loads(json.dumps(seasonal.to_dict())))
    again = mm.drift_over_time(stored, production, time="ts", window="1D")
    assert again["severity"].tolist() == table["severity"].tolist()
    assert mm.engine.phase_codes(pd.Series(pd.to_datetime(["2024-03-31", "2024-12-01"])),
                                 "month", None).tolist() == [2, 11]  # fmt: skip
