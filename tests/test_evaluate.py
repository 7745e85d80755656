"""evaluate(config, data): drift and data-quality alerts, persistence, suppressions, routing."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mlmon_widgets.config import (
    ALERT_COLUMNS,
    MonitoringConfig,
    OneOffSuppression,
    RecurringSuppression,
    evaluate,
)
from mlmon_widgets.engine import Baseline, DataWarning, drift_over_time

ROLES = {"income": "numeric", "age": "numeric", "region": "categorical", "flag": "boolean"}
START = pd.Timestamp("2024-05-01")  # a Wednesday
PER_DAY = 480  # rows per day: one every 3 minutes


def reference(seed: int = 1, n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "age": rng.uniform(18, 80, n),
            "region": rng.choice(["n", "s", "e", "w"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "flag": rng.random(n) < 0.3,
        }
    )


def production(
    days: int = 7, *, seed: int = 2, shift_from: int | None = None, shift: float = 8.0
) -> pd.DataFrame:
    """``days`` days from START; income shifted by ``shift`` from day ``shift_from`` on."""
    frame = reference(seed, days * PER_DAY)
    frame.insert(0, "ts", pd.date_range(START, periods=days * PER_DAY, freq="3min"))
    if shift_from is not None:
        later = frame["ts"] >= START + pd.Timedelta(days=shift_from)
        frame.loc[later, "income"] += shift
    return frame


def baseline() -> Baseline:
    return Baseline.fit(reference(), roles=ROLES)


def config(**options) -> MonitoringConfig:
    window = {"time": "ts", "window": "1D"} | options.pop("window_spec", {})
    return MonitoringConfig.from_baseline(
        baseline(), model="credit-risk", version="3", **window, **options
    )


def drift(alerts: pd.DataFrame) -> pd.DataFrame:
    return alerts[alerts["domain"] == "drift"]


def days_of(alerts: pd.DataFrame) -> list[int]:
    return [(t - START).days for t in alerts["window_start"]]


def test_no_alert_on_iid_data():
    alerts = evaluate(config(), production())
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    assert alerts.empty


def test_shifted_feature_alerts_from_the_shift_on():
    alerts = evaluate(config(), production(shift_from=3))
    assert set(alerts["feature"]) == {"income"}
    assert days_of(alerts) == [3, 4, 5, 6]
    assert set(alerts["severity"]) == {"critical"}
    assert set(alerts["domain"]) == {"drift"}
    assert (alerts["value"] >= alerts["threshold"]).all()
    assert not alerts["suppressed"].any()
    first = alerts["message"].iloc[0]
    assert first.startswith(f"{alerts['metric'].iloc[0]} ")
    assert re.search(r" >= 0\.25 \(critical\); (rising over the last 3 windows|up from)", first)
    assert alerts["window_end"].iloc[0] - alerts["window_start"].iloc[0] == pd.Timedelta("1D")


def test_rule_choses_the_metric_and_threshold():
    rules = {"income": {"metric": "psi", "warning": 0.2, "critical": 10.0}, "age": "off"}
    alerts = evaluate(config(rules=rules), production(shift_from=3))
    assert set(alerts["metric"]) == {"psi"}
    assert set(alerts["severity"]) == {"warning"}
    assert set(alerts["threshold"]) == {0.2}
    assert "(warning)" in alerts["message"].iloc[0]


def test_alert_levels_critical_only_drops_warnings():
    rules = {"income": {"metric": "psi", "warning": 0.2, "critical": 10.0}}
    alerts = evaluate(config(rules=rules, alert_levels=["critical"]), production(shift_from=3))
    assert alerts.empty


@pytest.mark.parametrize(
    ("n", "m", "expected"),
    [(1, 1, [3, 4, 5, 6]), (2, 3, [4, 5, 6]), (3, 3, [5, 6]), (3, 5, [5, 6])],
)
def test_persistence_n_of_m(n, m, expected):
    alerts = evaluate(config(persistence={"n": n, "m": m}), production(shift_from=3))
    assert days_of(alerts) == expected
    if m > 1:
        assert alerts["message"].iloc[0].endswith(f"{n} of the last {m} windows breached")


def test_persistence_counts_windows_per_feature():
    data = production(shift_from=5)
    data.loc[data["ts"] >= START + pd.Timedelta(days=6), "region"] = "n"
    alerts = evaluate(config(persistence={"n": 2, "m": 2}), data)
    # income breaches on days 5 and 6, region only on day 6: one window is not two.
    assert list(zip(alerts["feature"], days_of(alerts), strict=True)) == [("income", 6)]


def test_one_off_suppression_lists_the_alert_as_suppressed():
    period = {"start": "2024-05-05T12:00:00Z", "end": "2024-05-05T13:00:00Z", "reason": "deploy"}
    alerts = evaluate(config(suppressions=[period]), production(shift_from=3))
    assert days_of(alerts) == [3, 4, 5, 6]
    assert alerts["suppressed"].tolist() == [False, True, False, False]  # May 5 is day 4


def test_recurring_suppression_on_sundays():
    sunday = {"days": ["sunday"], "start": "00:00", "end": "06:00", "timezone": "UTC"}
    alerts = evaluate(config(suppressions=[sunday]), production(shift_from=3))
    assert [t.day_name() for t in alerts.loc[alerts["suppressed"], "window_start"]] == ["Sunday"]
    hourly = evaluate(
        config(suppressions=[sunday], window_spec={"window": "6h"}, min_rows=50),
        production(shift_from=3),
    )
    suppressed = hourly.loc[hourly["suppressed"], "window_start"]
    assert suppressed.tolist() == [pd.Timestamp("2024-05-05 00:00")]
    assert len(hourly) > 4


def test_recurring_suppression_in_another_time_zone():
    # Paris is UTC+2 in May: 01:00-03:00 Paris time is 23:00-01:00 UTC, the day before.
    period = RecurringSuppression(["monday"], "01:00", "03:00", timezone="Europe/Paris")
    sunday_late = pd.Timestamp("2024-05-05 23:00")
    assert period.overlaps(sunday_late, sunday_late + pd.Timedelta("1h"))
    assert not period.overlaps(sunday_late - pd.Timedelta("1h"), sunday_late)
    assert period.overlaps(
        pd.Timestamp("2024-05-06 00:30", tz="UTC"), pd.Timestamp("2024-05-06 00:40", tz="UTC")
    )
    overnight = RecurringSuppression(["friday"], "22:00", "02:00")
    assert overnight.overlaps(pd.Timestamp("2024-05-04 01:00"), pd.Timestamp("2024-05-04 01:30"))
    assert not overnight.overlaps(
        pd.Timestamp("2024-05-04 02:00"), pd.Timestamp("2024-05-04 03:00")
    )


def test_one_off_overlap_is_half_open():
    period = OneOffSuppression("2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z")
    day = pd.Timedelta("1D")
    assert not period.overlaps(START, START + day)
    assert period.overlaps(START + day, START + 2 * day)
    assert not period.overlaps(START + 2 * day, START + 3 * day)
    assert period.overlaps(START, START + day, closed=True)


def test_routing_by_domain():
    data = production(shift_from=3).drop(columns="flag")
    routing = {"drift": "ml-oncall", "data_quality": "#data-eng"}
    alerts = evaluate(config(routing=routing), data)
    routes = dict(zip(alerts["domain"], alerts["route"], strict=False))
    assert routes == {"drift": "ml-oncall", "data_quality": "#data-eng"}


def test_missing_column_is_a_critical_data_quality_alert():
    data = production().drop(columns="flag")
    alerts = evaluate(config(), data)
    assert len(alerts) == 1
    alert = alerts.iloc[0]
    assert (alert["feature"], alert["domain"], alert["metric"], alert["severity"]) == (
        "flag",
        "data_quality",
        "missing_column",
        "critical",
    )
    assert alert["window_start"] == START
    assert alert["window_end"] == START + pd.Timedelta("7D")
    assert "column 'flag' is missing from the data" in alert["message"]


def test_missing_time_column_is_an_alert_not_a_crash():
    data = production().drop(columns=["ts", "age"])
    alerts = evaluate(config(), data)
    assert alerts["feature"].tolist() == ["ts", "age"]
    assert set(alerts["metric"]) == {"missing_column"}
    assert alerts["window_start"].isna().all()
    assert "cannot be cut into windows" in alerts["message"].iloc[0]


def test_missing_rate_is_judged_against_the_reference_rate():
    ref = reference()
    ref.loc[ref.index[::5], "age"] = np.nan  # 20% missing in the reference
    cfg = MonitoringConfig.from_baseline(
        Baseline.fit(ref, roles=ROLES), model="m", time="ts", window="1D"
    )
    data = production()
    data.loc[data.index[::5], "age"] = np.nan
    assert evaluate(cfg, data).empty
    late = data["ts"] >= START + pd.Timedelta(days=5)
    data.loc[late & (data.index % 5 == 1), "age"] = np.nan  # 40% missing on days 5 and 6
    alerts = evaluate(cfg, data)
    assert days_of(alerts) == [5, 6]
    assert set(alerts["metric"]) == {"missing_rate"}
    assert set(alerts["severity"]) == {"warning"}
    assert alerts["threshold"].iloc[0] == pytest.approx(0.3)
    assert "reference 0.2 + 0.1" in alerts["message"].iloc[0]


def test_unseen_categories_raise_a_quality_alert():
    data = production()
    data.loc[data.index[-300:], "region"] = "overseas"
    quality = evaluate(config(), data).query("domain == 'data_quality'")
    assert quality["metric"].tolist() == ["unseen_share"]
    assert quality["severity"].tolist() == ["critical"]
    assert quality["message"].iloc[0].endswith("unseen: overseas")


def test_small_windows_are_not_judged():
    data = production(shift_from=3).iloc[: 3 * PER_DAY + 30]  # 30 rows on day 3
    assert evaluate(config(), data).empty


def test_row_windows_without_time():
    data = production(shift_from=3).drop(columns="ts")
    alerts = evaluate(config(window_spec={"time": None, "window": None, "rows": 960}), data)
    assert alerts["window_start"].tolist() == [960, 1920, 2880]
    assert set(alerts["feature"]) == {"income"}


def test_a_batch_without_rows_is_a_pipeline_alert_never_all_clear():
    alerts = evaluate(config(), production().iloc[:0])
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    assert alerts[["feature", "domain", "metric", "severity"]].values.tolist() == [
        ["(batch)", "data_quality", "rows", "critical"]
    ]
    assert "the batch has no rows" in alerts["message"].iloc[0]
    warning = config(quality={"empty_batch": "warning"})
    assert evaluate(warning, production().iloc[:0])["severity"].tolist() == ["warning"]
    assert evaluate(config(quality={"empty_batch": "off"}), production().iloc[:0]).empty


def test_a_batch_without_rows_still_alerts_on_missing_columns():
    alerts = evaluate(config(), production().iloc[:0].drop(columns=["flag", "age"]))
    assert alerts["feature"].tolist() == ["(batch)", "age", "flag"]
    assert set(alerts["metric"]) == {"missing_column", "rows"}
    assert set(alerts["severity"]) == {"critical"}
    assert alerts["window_start"].isna().all()


def test_a_batch_without_any_valid_timestamp_is_one_critical_alert():
    data = production(shift_from=3)
    data["ts"] = pd.NaT
    alerts = evaluate(config(), data.drop(columns="flag"))
    assert alerts["feature"].tolist() == ["ts", "flag"]
    alert = alerts.iloc[0]
    assert (alert["domain"], alert["metric"], alert["severity"], alert["value"]) == (
        "data_quality",
        "missing_rate",
        "critical",
        1.0,
    )
    assert alert["message"].startswith(
        "column 'ts': no valid timestamps: the data cannot be cut into windows (critical)"
    )
    assert alerts["window_start"].isna().all()
    rows = config(window_spec={"window": None, "rows": 960})  # rows in time order
    assert evaluate(rows, data)["message"].str.contains("no valid timestamps").tolist() == [True]
    assert evaluate(rows, data.iloc[:0])["metric"].tolist() == ["rows"]  # no row at all


def test_rows_without_timestamp_are_reported():
    data = production(shift_from=3)
    data.loc[data.index[:5], "ts"] = pd.NaT
    with pytest.warns(DataWarning, match="5 row"):
        alerts = evaluate(config(), data)
    assert days_of(alerts) == [3, 4, 5, 6]


@pytest.mark.parametrize("correction", ["fdr_bh", "holm", "none"])
def test_severities_are_those_of_drift_over_time(correction):
    rules = {
        "income": {"metric": "wasserstein", "warning": 0.2, "critical": 0.5},
        "region": {"metric": "js", "warning": 0.02, "critical": 0.1},
        "flag": "off",
    }
    cfg = config(rules=rules, alpha=0.05, correction=correction, min_rows=40)
    data = production(shift_from=2, shift=3.0)
    data.loc[data["ts"] >= START + pd.Timedelta(days=4), "region"] = "n"
    expected = drift_over_time(
        Baseline.from_dict(cfg.baseline),
        data,
        time="ts",
        window="1D",
        thresholds=rules,
        alpha=0.05,
        correction=correction,
        min_rows=40,
    )
    expected = expected[expected["severity"].isin(["warning", "critical"])]
    got = drift(evaluate(cfg, data))
    key = ["window_start", "feature", "severity"]
    assert len(expected) >= 4
    assert sorted(map(tuple, got[key].astype(str).to_numpy())) == sorted(
        map(tuple, expected[key].astype(str).to_numpy())
    )


def test_time_argument_replaces_the_config_column():
    data = production(shift_from=3).rename(columns={"ts": "logged_at"})
    assert days_of(evaluate(config(), data, time="logged_at")) == [3, 4, 5, 6]


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="config must be a MonitoringConfig"):
        evaluate({}, production())
    with pytest.raises(TypeError, match="data must be a pandas DataFrame"):
        evaluate(config(), production().to_dict())


def test_a_subnormal_threshold_alerts_without_an_overflow():
    """A rule's critical level may be any number >= 0, a subnormal one too (hypothesis drew
    2.2e-311): the alert names the metric without the value / threshold ratio overflowing."""
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=2000)})
    config = MonitoringConfig.from_baseline(
        Baseline.fit(ref, roles={"x": "numeric"}),
        model="m",
        time="ts",
        window="1D",
        rules={"x": {"metric": "psi", "warning": 0.0, "critical": 2.225073858507e-311}},
    )
    data = pd.DataFrame(
        {"ts": pd.date_range("2024-01-01", periods=2000, freq="10min"), "x": rng.normal(1, 1, 2000)}
    )
    with np.errstate(over="raise"):
        alerts = evaluate(config, data)
    assert (alerts["metric"] == "psi").all() and (alerts["severity"] == "critical").any()
