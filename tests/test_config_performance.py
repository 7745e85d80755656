"""The performance section of a monitoring config: validation, evaluate and `mlmon check`."""

from __future__ import annotations

import copy
import functools
import json

import numpy as np
import pandas as pd
import pytest

from mlmon_widgets import cli
from mlmon_widgets.config import (
    ConfigError,
    MonitoringConfig,
    PerformanceRules,
    evaluate,
)
from mlmon_widgets.datasets import load_demo
from mlmon_widgets.engine import (
    Baseline,
    LimitRule,
    individuals_chart,
    join_labels,
    judge_limits,
    performance_over_time,
)

jsonschema = pytest.importorskip("jsonschema")

DAY0 = pd.Timestamp("2024-03-01")  # the demo's first production day
BASELINE_DAYS = 30  # the rules' centre and sigma come from the first 30 days
SIDES = {"accuracy": "lower", "log_loss": "upper", "latency_p95": "upper"}


# -- demo data and a config built as the notebook builds it ------------------------------------


@functools.lru_cache(maxsize=1)
def _demo() -> tuple[pd.DataFrame, pd.DataFrame]:
    demo = load_demo()
    batch = join_labels(
        demo.production,
        demo.labels,
        on="application_id",
        label="defaulted",
        label_time="label_time",
        as_of=demo.as_of,
    )[["timestamp", "age", "score", "latency_ms", "defaulted"]]
    return batch, demo.reference[["age"]]


def batch() -> pd.DataFrame:
    return _demo()[0].copy()


@functools.lru_cache(maxsize=1)
def notebook_performance() -> pd.DataFrame:
    """Daily performance as the notebook computes it."""
    return performance_over_time(
        _demo()[0],
        label="defaulted",
        score="score",
        time="timestamp",
        window="1D",
        latency="latency_ms",
    )


def series(metric: str) -> pd.DataFrame:
    perf = notebook_performance()
    return perf[perf["metric"] == metric].sort_values("window")


@functools.cache
def chart_rule(metric: str) -> LimitRule:
    """The rule a control chart of the first 30 days exports."""
    values = series(metric)["value"].to_numpy()[:BASELINE_DAYS]
    return LimitRule.from_chart(
        individuals_chart(values, baseline=BASELINE_DAYS), side=SIDES[metric]
    )


def section(**changes) -> dict:
    out = {
        "label": "defaulted",
        "score": "score",
        "latency": "latency_ms",
        "rules": {m: chart_rule(m).to_dict() for m in SIDES},
    }
    return out | changes


@functools.lru_cache(maxsize=1)
def _baseline() -> dict:
    return Baseline.fit(_demo()[1], roles={"age": "numeric"}).to_dict()


def config(**options) -> MonitoringConfig:
    options.setdefault("performance", section())
    return MonitoringConfig.from_baseline(
        _baseline(), model="credit-risk", version="1.4.0", time="timestamp", window="1D", **options
    )


def day(n: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=n)


def days_of(alerts: pd.DataFrame) -> list[int]:
    return [(t - DAY0).days for t in alerts["window_start"]]


def of(alerts: pd.DataFrame, metric: str) -> pd.DataFrame:
    return alerts[alerts["metric"] == metric]


# -- the section in the config -----------------------------------------------------------------

FULL = {
    "task": "classification",
    "label": "defaulted",
    "score": "score",
    "prediction": None,
    "threshold": 0.5,
    "latency": "latency_ms",
    "min_coverage": 0.8,
    "min_rows": 50,
    "rules": {
        "accuracy": {
            "centre": 0.91,
            "sigma": 0.012,
            "side": "lower",
            "warning": 2.0,
            "critical": 3.0,
        },
        "latency_p95": {
            "centre": 120.0,
            "sigma": 8.0,
            "side": "upper",
            "warning": 2.0,
            "critical": 3.0,
            "seasonal": [0.0, 0.0, 0.0, 0.0, 0.0, -10.0, -10.0],
            "origin": "2024-04-01T00:00:00",
            "relative": {"lag": 7, "warning": 0.05, "critical": 0.1},
        },
    },
}


def full_dict() -> dict:
    return config(performance=copy.deepcopy(FULL)).to_dict()


def validator():
    schema = MonitoringConfig.json_schema()
    return jsonschema.Draft202012Validator(schema)


def test_section_round_trips_exactly(tmp_path):
    cfg = MonitoringConfig.from_dict(full_dict())
    assert cfg.to_dict()["performance"] == FULL
    assert list(cfg.to_dict())[-2:] == ["performance", "baseline"]
    assert cfg.performance.rules["accuracy"] == LimitRule(0.91, 0.012, side="lower")
    assert cfg.performance.rules["latency_p95"].relative.lag == 7
    assert MonitoringConfig.from_yaml(cfg.to_yaml()) == cfg
    assert MonitoringConfig.from_json(cfg.to_json()) == cfg
    cfg.to_yaml(tmp_path / "c.yaml")
    assert MonitoringConfig.load(tmp_path / "c.yaml").to_dict() == cfg.to_dict()
    assert "origin: '2024-04-01T00:00:00'" in cfg.to_yaml()  # quoted: read back as text
    validator().validate(cfg.to_dict())


def test_section_defaults_and_absence():
    short = PerformanceRules.from_dict({"label": "y", "prediction": "yhat"})
    assert (short.task, short.threshold, short.min_coverage, short.min_rows) == (
        "classification",
        0.5,
        0.8,
        50,
    )
    assert short.rules == {} and short.score is None
    without = config(performance=None)
    assert without.performance is None
    assert "performance" not in without.to_dict()  # a config without it reads as before
    assert MonitoringConfig.from_dict(without.to_dict()) == without
    # Rules may be given as LimitRule objects (as a chart exports them).
    direct = config(performance=section(rules={"accuracy": chart_rule("accuracy")}))
    assert direct.performance.rules == {"accuracy": chart_rule("accuracy")}
    assert direct.to_dict()["performance"]["rules"]["accuracy"] == chart_rule("accuracy").to_dict()


DELETE = object()
PERF = ("performance",)
ACC = (*PERF, "rules", "accuracy")
LAT = (*PERF, "rules", "latency_p95")
RULE = {"centre": 1, "sigma": 1}
# (path, new value or DELETE, the refusal's reason, the schema refuses it too[, its path])
BAD = [
    ((*ACC, "sigma"), -1, "must be a finite number > 0; got -1", True),
    ((*ACC, "sigma"), 0, "must be a finite number > 0", True),
    ((*ACC, "sigma"), "0.1", "must be a number; got a string", True),
    ((*ACC, "sigma"), DELETE, "is required", True),
    ((*ACC, "centre"), True, "must be a number; got a boolean", True),
    ((*ACC, "critical"), 1.5, "must be >= warning (2 sigma); got 1.5", False),
    ((*ACC, "warning"), 0, "must be a finite number > 0", True),
    ((*ACC, "side"), "down", "must be one of {'lower', 'upper', 'both'}", True),
    ((*ACC, "level"), 2, "is not a known key; allowed keys are centre, sigma", True),
    (
        (*PERF, "rules", "auc"),
        RULE,
        "is not a metric of a classification model; use one of accuracy, precision, recall",
        True,
    ),
    ((*PERF, "rules", "mae"), RULE, "is not a metric of a classification model", True),
    (ACC, "off", "must be a mapping; got a string", True),
    ((*PERF, "latency"), None, "needs the latency column: set performance.latency", False, LAT),
    ((*PERF, "score"), None, "give score (probabilities), prediction (classes) or both", False),
    ((*PERF, "score"), "", "must be a non-empty string", True),
    ((*PERF, "task"), "ranking", "must be one of {'classification', 'regression'}", True),
    (
        (*PERF, "task"),
        "regression",
        "is not a metric of a regression model; use one of mae, rmse, bias",
        True,
        ACC,
    ),
    ((*PERF, "label"), DELETE, "is required", True),
    ((*PERF, "label"), " ", "must be a non-empty string", True),
    ((*PERF, "threshold"), 1.0, "must be a finite number in [0, 1); got 1.0", True),
    ((*PERF, "min_coverage"), 1.5, "must be a finite number in [0, 1]; got 1.5", True),
    ((*PERF, "min_rows"), 0, "must be an integer >= 1", True),
    ((*PERF, "alerts"), {}, "is not a known key; allowed keys are label", True),
    ((*LAT, "seasonal", 1), "x", "must be a number; got a string", True),
    ((*LAT, "seasonal"), [5.0], "needs one offset per phase", True),
    ((*LAT, "seasonal"), 5.0, "must be a list", True),
    ((*LAT, "origin"), "yesterday", "must be an ISO time stamp such as", True),
    ((*LAT, "origin"), DELETE, "is required with seasonal", False),
    ((*LAT, "relative", "lag"), 0, "must be an integer >= 1", True),
    ((*LAT, "relative", "lag"), DELETE, "is required", True),
    ((*LAT, "relative", "critical"), 0.01, "must be >= relative.warning (0.05)", False),
    (
        ("window",),
        {"time": "timestamp", "rows": 1000},
        "needs time windows (window:), not row windows",
        False,
        (*LAT, "seasonal"),
    ),
    (PERF, [], "must be a mapping; got a list", True),
    (PERF, None, "must be a mapping; got None (null)", True),
    ((*PERF, "rules"), None, "must be a mapping; got None (null)", True),
    ((*PERF, "rules"), [], "must be a mapping; got a list", True),
    ((*PERF, "min_rows"), 2.5, "must be an integer >= 1; got 2.5", True),
    ((*LAT, "relative", "lag"), 7.5, "must be an integer >= 1; got 7.5", True),
    # A JSON number too large for a float: the schema cannot tell, the validator refuses it.
    ((*ACC, "centre"), 10**400, "must be a finite number; got an integer of 401", False),
    ((*LAT, "seasonal", 0), -(10**400), "must be a finite number", False),
]


def _set(data: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "case", BAD, ids=lambda case: f"{'.'.join(map(str, case[0]))}={str(case[1])[:40]}"
)
def test_bad_fields_are_refused_with_their_path(case):
    path, value, reason, in_schema, *where = case
    data = _set(full_dict(), path, value)
    with pytest.raises(ConfigError) as err:
        MonitoringConfig.from_dict(data)
    assert err.value.path == (where[0] if where else path)
    assert err.value.reason.startswith(reason), str(err.value)
    assert "\n" not in str(err.value)
    assert validator().is_valid(data) is not in_schema


def test_what_a_metric_needs_is_checked():
    with pytest.raises(ConfigError, match=r"^performance.score: is required for regression"):
        config(performance={"label": "y", "task": "regression", "prediction": "p"})
    with pytest.raises(ConfigError, match=r"^performance.prediction: is the predicted class"):
        config(performance={"label": "y", "task": "regression", "score": "s", "prediction": "p"})
    rule = {"centre": 0.8, "sigma": 0.01}
    with pytest.raises(ConfigError, match=r"^performance.rules.roc_auc: needs probabilities"):
        config(performance={"label": "y", "prediction": "p", "rules": {"roc_auc": rule}})
    accuracy = {"label": "y", "prediction": "p", "rules": {"accuracy": rule}}
    assert config(performance=accuracy).performance.rules["accuracy"].centre == 0.8
    rows = {"label": "y", "score": "s", "rules": {"rows": {"centre": 900, "sigma": 30}}}
    with pytest.raises(ConfigError, match=r"^performance.rules.rows: cannot be judged on row"):
        MonitoringConfig.from_baseline(_baseline(), model="m", rows=1000, performance=rows)
    assert MonitoringConfig.from_baseline(
        _baseline(), model="m", time="ts", window="1h", performance=rows
    ).performance.rules["rows"] == LimitRule(900, 30)
    regression = {"label": "y", "task": "regression", "score": "s", "rules": {"mae": rule}}
    assert set(config(performance=regression).performance.rules) == {"mae"}


def test_schema_and_validator_agree_on_empty_and_null_parts_of_a_rule():
    for changes in ({"seasonal": []}, {"origin": None}, {"relative": None}):
        data = _set(full_dict(), ACC, {**FULL["rules"]["accuracy"], **changes})
        assert MonitoringConfig.from_dict(data).performance.rules["accuracy"] == LimitRule(
            0.91, 0.012, side="lower"
        )
        validator().validate(data)


def test_whole_floats_are_integers_for_the_schema_and_the_validator():
    data = _set(full_dict(), (*PERF, "min_rows"), 50.0)
    data = _set(data, (*LAT, "relative", "lag"), 7.0)
    validator().validate(data)
    cfg = MonitoringConfig.from_dict(data)
    assert cfg.to_dict() == full_dict() | {"created_at": cfg.created_at}
    assert type(cfg.performance.min_rows) is int
    assert type(cfg.performance.rules["latency_p95"].relative.lag) is int


def test_schema_lists_the_checks_it_cannot_express():
    schema = MonitoringConfig.json_schema()
    section = schema["$defs"]["performance"]["description"]
    for text in (schema["description"], section):
        assert "checked on load" in text.lower()
        for need in ("score", "prediction", "regression", "latency", "rows", "seasonal"):
            assert need in text, (need, text)
    assert "needs score and takes no prediction" in section
    assert "row windows (window.rows)" in section
    assert "time windows (window.window) and an origin" in section
    # The window's origin and time zone (the notebook's grid): schema only here.
    window = schema["properties"]["window"]["properties"]
    check = jsonschema.Draft202012Validator(window["origin"])
    assert check.is_valid(None) and check.is_valid("2024-04-01T00:00:00+02:00")
    assert not check.is_valid(20240401) and not check.is_valid("yesterday")
    check = jsonschema.Draft202012Validator(window["timezone"])
    assert check.is_valid(None) and check.is_valid("Europe/Paris")
    assert not check.is_valid("") and not check.is_valid(1)


def test_unquoted_yaml_time_stamp_gets_a_hint():
    text = MonitoringConfig.from_dict(full_dict()).to_yaml()
    text = text.replace("origin: '2024-04-01T00:00:00'", "origin: 2024-04-01T00:00:00")
    with pytest.raises(ConfigError, match=r"origin: must be a string; got .*\(quote it in YAML"):
        MonitoringConfig.from_yaml(text)


# -- evaluate on the demo ----------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def demo_alerts() -> pd.DataFrame:
    return evaluate(config(), _demo()[0])


def _notebook_days(metric: str, min_rows: int = 50) -> list[int]:
    """Windows the notebook's judge_limits flags, judged as evaluate judges them."""
    frame = series(metric)
    judged = (frame["status"] == "ok").to_numpy()
    if metric.startswith("latency"):
        judged = judged & (frame["n"].to_numpy() >= min_rows)
    out = judge_limits(frame["value"].to_numpy(), chart_rule(metric), judged=judged)
    return list(np.flatnonzero(out["severity"].isin(["warning", "critical"]).to_numpy()))


def test_a_degradation_gives_performance_alerts_routed_to_ml_engineering():
    alerts = demo_alerts()
    perf = alerts[alerts["domain"] == "performance"]
    assert set(perf["metric"]) == {"accuracy", "log_loss"}
    assert set(perf["route"]) == {"ml-engineering"}
    assert set(perf["feature"]) == {"defaulted"}  # the label column
    # Day 46 (2024-04-16): the model scored the broken income; accuracy fell to 0.63.
    broken = of(perf, "accuracy").set_index("window_start").loc[day(46)]
    rule = chart_rule("accuracy")
    assert broken["severity"] == "critical"
    assert broken["threshold"] == rule.limits()["lower_critical"]
    assert broken["value"] == series("accuracy")["value"].iloc[46]
    limit = rule.limits()["lower_critical"]
    assert broken["message"].startswith(
        f"accuracy critical: 0.6254 below the lower control limit {limit:.4g} (3 sigma); "
    )
    assert (of(perf, "accuracy")["value"] < of(perf, "accuracy")["threshold"]).all()
    assert (of(perf, "log_loss")["value"] > of(perf, "log_loss")["threshold"]).all()
    # Exactly the windows the control chart's rule flags in the notebook.
    for metric in SIDES:
        assert days_of(of(alerts, metric)) == _notebook_days(metric), metric


def test_latency_spikes_alert_in_the_latency_domain_routed_to_platform():
    latency = demo_alerts()[lambda a: a["domain"] == "latency"]
    assert days_of(latency) == [18, 52, 75]
    assert set(latency["metric"]) == {"latency_p95"}
    assert set(latency["feature"]) == {"latency_ms"}
    assert set(latency["route"]) == {"platform"}
    assert set(latency["severity"]) == {"critical"}
    assert latency["message"].iloc[0].startswith("latency_p95 critical: 258.2 above the upper")
    routed = evaluate(config(routing={"performance": "ml-oncall", "latency": "sre"}), _demo()[0])
    assert set(routed[routed["domain"] == "latency"]["route"]) == {"sre"}
    assert set(routed[routed["domain"] == "performance"]["route"]) == {"ml-oncall"}


def test_pending_windows_never_alert():
    # A rule every judged window breaches: exactly the windows with labels alert.
    strict = section(rules={"accuracy": {"centre": 0.99, "sigma": 0.001, "side": "lower"}})
    alerts = evaluate(config(performance=strict), _demo()[0])
    status = series("accuracy")["status"].to_numpy()
    assert days_of(alerts) == list(np.flatnonzero(status == "ok"))
    assert (status[54:] == "pending").all() and days_of(alerts)[-1] == 53
    assert set(alerts["severity"]) == {"critical"}


def test_a_batch_without_the_label_column():
    alerts = evaluate(config(), batch().drop(columns="defaulted"))
    missing = alerts[alerts["metric"] == "missing_column"]
    assert len(missing) == 1
    only = missing.iloc[0]
    assert (only["feature"], only["domain"], only["severity"], only["route"]) == (
        "defaulted",
        "data_quality",
        "critical",
        "data-engineering",
    )
    assert only["message"] == (
        "column 'defaulted' is missing from the data (critical); the metrics that need labels "
        "(accuracy, log_loss) are not checked"
    )
    assert only["window_start"] == day(0) and only["window_end"] == day(90)
    # Label-free metrics are still judged: the latency spikes, as with labels.
    assert days_of(alerts[alerts["domain"] == "latency"]) == [18, 52, 75]
    assert not (alerts["domain"] == "performance").any()


def test_a_batch_without_the_latency_or_score_column():
    alerts = evaluate(config(), batch().drop(columns="latency_ms"))
    assert alerts[alerts["metric"] == "missing_column"]["feature"].tolist() == ["latency_ms"]
    assert not (alerts["domain"] == "latency").any()
    assert days_of(of(alerts, "accuracy")) == _notebook_days("accuracy")
    no_score = evaluate(config(), batch().drop(columns="score"))
    assert set(no_score["metric"]) == {"missing_column", "latency_p95"}
    assert (
        no_score["message"]
        .iloc[0]
        .endswith("the metrics of the predictions (accuracy, log_loss) are not checked")
    )


def test_a_batch_without_the_prediction_column_still_judges_the_score_metrics():
    data = batch()
    data["predicted"] = (data["score"] >= 0.5).astype(float)
    cfg = config(performance=section(prediction="predicted"))
    alerts = evaluate(cfg, data.drop(columns="predicted"))
    missing = of(alerts, "missing_column")
    assert missing["message"].tolist() == [
        "column 'predicted' is missing from the data (critical); the metrics of the "
        "predictions (accuracy) are not checked"
    ]
    assert of(alerts, "accuracy").empty
    # log_loss needs the score only: judged as without a prediction column configured.
    assert days_of(of(alerts, "log_loss")) == days_of(of(demo_alerts(), "log_loss"))
    assert len(of(alerts, "log_loss")) > 0


def test_a_missing_column_that_is_also_a_baseline_feature_gets_one_alert():
    baseline = Baseline.fit(
        load_demo().reference[["age", "score"]], roles={"age": "numeric", "score": "numeric"}
    )
    cfg = MonitoringConfig.from_baseline(
        baseline, model="m", time="timestamp", window="1D", performance=section()
    )
    alerts = evaluate(cfg, batch().drop(columns="score"))
    missing = alerts[alerts["metric"] == "missing_column"]
    assert missing["feature"].tolist() == ["score"]
    assert missing["message"].iloc[0] == (
        "column 'score' is missing from the data (critical); its drift and quality are not "
        "checked; the metrics of the predictions (accuracy, log_loss) are not checked"
    )
    no_time = evaluate(cfg, batch().drop(columns=["timestamp", "defaulted"]))
    assert no_time["feature"].tolist() == ["timestamp", "defaulted"]


def test_a_batch_without_rows_still_alerts_on_missing_columns():
    empty = batch().iloc[:0].drop(columns=["defaulted", "score", "latency_ms"])
    alerts = evaluate(config(), empty)
    assert sorted(alerts["feature"]) == ["(batch)", "defaulted", "latency_ms", "score"]
    assert set(alerts["metric"]) == {"missing_column", "rows"}
    assert set(alerts["severity"]) == {"critical"}
    assert alerts["window_start"].isna().all()
    # Every column there, still no row: the pipeline alert alone.
    assert evaluate(config(), batch().iloc[:0])["metric"].tolist() == ["rows"]


def test_suppressions_and_persistence_apply():
    period = {"start": "2024-04-16T00:00:00Z", "end": "2024-04-17T00:00:00Z", "reason": "incident"}
    alerts = evaluate(config(suppressions=[period]), _demo()[0])
    suppressed = alerts[alerts["suppressed"]]
    assert set(suppressed["window_start"]) == {day(46)}
    assert {"accuracy", "log_loss"} <= set(suppressed["metric"])
    once = days_of(of(demo_alerts(), "accuracy"))
    persistent = evaluate(config(persistence={"n": 2, "m": 2}), _demo()[0])
    expected = [d for d in once if d - 1 in once]
    assert days_of(of(persistent, "accuracy")) == expected
    assert (
        of(persistent, "accuracy")["message"].str.endswith("2 of the last 2 windows breached").all()
    )
    critical_only = evaluate(config(alert_levels=["critical"]), _demo()[0])
    assert set(critical_only["severity"]) == {"critical"}


def test_alerts_are_ordered_by_window_then_domain():
    alerts = demo_alerts()
    ranks = alerts["domain"].map({"data_quality": 0, "drift": 1, "performance": 2, "latency": 3})
    keys = list(zip(alerts["window_start"], ranks, strict=True))
    assert keys == sorted(keys)


# -- synthetic batches -------------------------------------------------------------------------


def synthetic(days: int = 14, per_day: int = 200, seed: int = 5) -> pd.DataFrame:
    """Calm daily predictions from Monday 2024-04-01: weekend latency 1.5x."""
    rng = np.random.default_rng(seed)
    n = days * per_day
    ts = pd.Timestamp("2024-04-01") + pd.to_timedelta(np.arange(n) * (86400 / per_day), unit="s")
    y = rng.random(n) < 0.3
    score = np.clip(np.where(y, 0.7, 0.3) + rng.normal(0, 0.1, n), 0, 1)
    weekend = ts.day_of_week.to_numpy() >= 5
    latency = rng.normal(100, 5, n) * np.where(weekend, 1.5, 1.0)
    age = rng.uniform(18, 80, n)  # the baseline's feature: no drift
    return pd.DataFrame({"ts": ts, "age": age, "y": y, "score": score, "ms": latency})


@functools.lru_cache(maxsize=1)
def _synthetic_baseline() -> dict:
    return Baseline.fit(synthetic(seed=99)[["age"]], roles={"age": "numeric"}).to_dict()


def synthetic_config(rules: dict, **options) -> MonitoringConfig:
    window = options.pop("window", "1D")
    perf = {"label": "y", "score": "score", "latency": "ms", "rules": rules} | options.pop(
        "perf", {}
    )
    return MonitoringConfig.from_baseline(
        _synthetic_baseline(), model="m", time="ts", window=window, performance=perf, **options
    )


def latency_alerts(cfg: MonitoringConfig, data: pd.DataFrame) -> pd.DataFrame:
    alerts = evaluate(cfg, data)
    return alerts[alerts["domain"] == "latency"]


def test_seasonal_limits_follow_the_origin():
    data = synthetic()
    flat = {"latency_p50": {"centre": 100.0, "sigma": 2.0, "side": "upper"}}
    weekend = latency_alerts(synthetic_config(flat), data)["window_start"].dt.day_of_week
    assert set(weekend) == {5, 6}
    weekly = {"seasonal": [0, 0, 0, 0, 0, 50, 50], "origin": "2024-04-01T00:00:00"}
    seasonal = {"latency_p50": flat["latency_p50"] | weekly}
    assert latency_alerts(synthetic_config(seasonal), data).empty
    # The same profile with phase 0 on a Sunday: the raised limits fall on Friday and
    # Saturday, so Sundays alert (and the upper-only rule lets Friday's low latency pass).
    shifted = {"latency_p50": seasonal["latency_p50"] | {"origin": "2024-03-31T00:00:00"}}
    sundays = latency_alerts(synthetic_config(shifted), data)["window_start"].dt.day_of_week
    assert set(sundays) == {6}
    # A batch that starts mid-week keeps the phases: they come from the origin.
    assert latency_alerts(synthetic_config(seasonal), data.iloc[600:]).empty


def test_relative_check_threshold_is_the_value_that_would_fire():
    data = synthetic(days=7)
    data.loc[data["ts"] >= "2024-04-04", "ms"] *= 1.3  # Thursday on: +30% (weekend +95%)
    rules = {
        "latency_p50": {
            "centre": 100.0,
            "sigma": 1000.0,  # limits far away: only the relative check can fire
            "side": "upper",
            "relative": {"lag": 1, "warning": 0.2, "critical": 0.4},
        }
    }
    alerts = latency_alerts(synthetic_config(rules), data)
    assert [d.day for d in alerts["window_start"]] == [4, 6]
    p50 = data.groupby(data["ts"].dt.day)["ms"].median()
    thursday, saturday = alerts.iloc[0], alerts.iloc[1]
    assert thursday["severity"] == "warning"
    assert thursday["threshold"] == pytest.approx(p50[3] * 1.2)
    assert "above the value 1 windows earlier" in thursday["message"]
    assert saturday["severity"] == "critical"
    assert saturday["threshold"] == pytest.approx(p50[5] * 1.4)


def test_windows_are_judged_as_a_control_chart_judges_them():
    data = synthetic(days=4)
    tail = pd.DataFrame(
        {"ts": [pd.Timestamp("2024-04-05 01:00")] * 5, "age": 40.0, "y": True, "score": 0.9}
    ).assign(ms=900.0)
    data = pd.concat([data, tail], ignore_index=True)
    rules = {
        "latency_p95": {"centre": 110.0, "sigma": 3.0, "side": "upper"},
        "rows": {"centre": 200.0, "sigma": 10.0, "side": "lower"},
        "accuracy": {"centre": 0.9999, "sigma": 0.00001, "side": "lower"},
    }
    alerts = evaluate(synthetic_config(rules), data)
    # Day 4 has 5 rows: its accuracy is not judged (fewer than min_rows labelled rows), nor
    # its latency p95 (a percentile of 5 values, fewer than min_rows); its row count is (the
    # count is always judged, as in the chart).
    last = alerts[alerts["window_start"] == pd.Timestamp("2024-04-05")]
    assert last[["metric", "feature", "domain"]].values.tolist() == [
        ["rows", "ts", "performance"],
    ]
    assert last["value"].tolist() == [5.0]
    assert days_of_month(alerts[alerts["metric"] == "accuracy"]) == [1, 2, 3, 4]


def days_of_month(alerts: pd.DataFrame) -> list[int]:
    return [t.day for t in alerts["window_start"]]


def test_regression_metrics():
    data = synthetic(days=6).rename(columns={"y": "target"})
    rng = np.random.default_rng(1)
    data["target"] = rng.normal(10, 1, len(data))
    data["pred"] = data["target"] + rng.normal(0, 0.5, len(data))
    late = data["ts"] >= "2024-04-05"
    data.loc[late, "pred"] += 2.0  # biased from day 4
    rules = {
        "mae": {"centre": 0.4, "sigma": 0.03, "side": "upper"},
        "bias": {"centre": 0.0, "sigma": 0.05},
    }
    perf = {"task": "regression", "label": "target", "score": "pred", "latency": None}
    alerts = evaluate(synthetic_config(rules, perf=perf), data)
    assert alerts[["metric", "severity"]].drop_duplicates().values.tolist() == [
        ["mae", "critical"],
        ["bias", "critical"],
    ]
    assert {d.day for d in alerts["window_start"]} == {5, 6}
    assert set(alerts["feature"]) == {"target"}


def test_row_windows():
    data = synthetic(days=4)
    data.loc[data.index[600:], "ms"] += 100
    rules = {"latency_p50": {"centre": 100.0, "sigma": 2.0, "side": "upper"}}
    cfg = MonitoringConfig.from_baseline(
        _synthetic_baseline(),
        model="m",
        time="ts",
        rows=200,
        performance={"label": "y", "score": "score", "latency": "ms", "rules": rules},
    )
    alerts = evaluate(cfg, data)
    assert len(alerts) == 1 and alerts["value"].iloc[0] > 190
    assert alerts["window_start"].iloc[0] == data["ts"].iloc[600]


def test_bad_values_in_a_configured_column_are_one_line_errors():
    data = synthetic(days=2)
    data["y"] = np.where(data["y"], "yes", "no")
    with pytest.raises(ValueError, match=r"^performance metrics of columns 'y', 'score', 'ms': "):
        evaluate(synthetic_config({}), data)


# -- mlmon check -------------------------------------------------------------------------------


def test_mlmon_check_fails_on_a_critical_performance_alert(tmp_path, capsys):
    config().to_yaml(tmp_path / "monitoring.yaml")
    batch().to_csv(tmp_path / "batch.csv", index=False)
    args = ["check", str(tmp_path / "monitoring.yaml"), str(tmp_path / "batch.csv")]
    assert cli.main([*args, "--fail-on", "critical"]) == 1
    out = capsys.readouterr().out
    assert "-> exit 1" in out.splitlines()[0]
    assert "accuracy critical: 0.6254 below the lower control limit" in out
    assert cli.main([*args, "--format", "json"]) == 1
    alerts = json.loads(capsys.readouterr().out)
    assert {a["domain"] for a in alerts} == {"performance", "latency"}
    expected = demo_alerts()
    assert len(alerts) == len(expected)
    assert [a["message"] for a in alerts] == expected["message"].tolist()
    # Without the performance rules the same batch raises nothing critical.
    config(performance=None).to_yaml(tmp_path / "drift_only.yaml")
    assert cli.main(["check", str(tmp_path / "drift_only.yaml"), str(tmp_path / "batch.csv")]) == 0


def test_mlmon_check_reads_a_label_that_is_also_a_categorical_feature(tmp_path, capsys):
    # A CSV's categorical columns are read as text, but not the label: True/False as text
    # cannot be scored ("could not convert string to float: 'False'", exit 2).
    data = batch()
    reference = data.dropna(subset=["defaulted"]).iloc[:5000][["age", "defaulted"]]
    baseline = Baseline.fit(
        reference.astype({"defaulted": bool}), roles={"age": "numeric", "defaulted": "categorical"}
    )
    cfg = MonitoringConfig.from_baseline(
        baseline, model="m", time="timestamp", window="1D", performance=section()
    )
    cfg.to_yaml(tmp_path / "monitoring.yaml")
    data.to_csv(tmp_path / "batch.csv", index=False)
    assert "False" in (tmp_path / "batch.csv").read_text()
    args = [str(tmp_path / "monitoring.yaml"), str(tmp_path / "batch.csv"), "--format", "json"]
    code = cli.main(["check", *args])
    out, err = capsys.readouterr()
    assert code == 1, err
    alerts = json.loads(out)
    expected = evaluate(cfg, data)
    assert [a["message"] for a in alerts] == expected["message"].tolist()
    assert {"accuracy", "log_loss"} <= {a["metric"] for a in alerts}
