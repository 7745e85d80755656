"""ControlChart in Python: limits, alerts, edits, detector, segments, append, export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import traitlets

from mlmon_widgets.detectors import ADWIN, PageHinkley, detect_changes
from mlmon_widgets.engine import (
    LimitRule,
    individuals_chart,
    judge_limits,
    performance_over_time,
)
from mlmon_widgets.widgets import ControlChart

from .performance_data import predictions
from .widget_comm import FrontEnd, decode_tables

XSS = "<img src=x onerror=alert(1)>"
OPTIONS = dict(label="label", score="score", time="ts", window="1D", n_bootstrap=0)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return predictions()


@pytest.fixture
def chart(data, recording) -> ControlChart:
    early = data[data.ts < "2024-04-25"]
    return ControlChart(
        early, **OPTIONS, latency="latency", metrics=["accuracy", "latency_p95"], segment="segment"
    )


def panel(chart: ControlChart, metric: str) -> dict:
    """A panel as the front end holds it: its description and its per-window columns.

    ``violations`` is read back as the front end reads it: the bits of the ``rules`` column
    (bit r - 1 is Nelson rule r) with what each rule means from ``rule_notes``.
    """
    meta = next(p for p in chart._panels if p["metric"] == metric)
    columns = decode_tables(chart.get_state()["_tables"])[f"panel:{metric}"]
    violations = [
        {"window": i, "rule": r, "description": meta["rule_notes"][str(r)]}
        for i, bits in enumerate(columns["rules"])
        for r in range(1, 9)
        if int(bits) & (1 << (r - 1))
    ]
    return {**meta, **columns, "violations": violations}


def labels(chart: ControlChart) -> list[str]:
    return chart.columns_of("windows")["label"]


def same_panels(a: ControlChart, b: ControlChart) -> bool:
    """Two charts show the same: descriptions, windows and every panel's columns."""
    if a._panels != b._panels or labels(a) != labels(b):
        return False
    ta, tb = (decode_tables(c.get_state()["_tables"]) for c in (a, b))
    return ta.keys() == tb.keys() and all(
        (x == y) if isinstance(x, list) else np.array_equal(x, y, equal_nan=True)
        for name in ta
        for x, y in ((ta[name][k], tb[name][k]) for k in ta[name])
    )


def accuracy_series(frame: pd.DataFrame) -> pd.DataFrame:
    perf = performance_over_time(
        frame, label="label", score="score", time="ts", window="1D", n_bootstrap=0
    )
    return perf[perf["metric"] == "accuracy"].reset_index(drop=True)


def test_limits_come_from_the_baseline_windows_as_an_individuals_chart(data, chart):
    series = accuracy_series(data[data.ts < "2024-04-25"])
    scored = series["value"].where(series["status"] == "ok")
    k = panel(chart, "accuracy")["baseline"]
    assert k == len(series) // 3  # the default: a third of the windows, 5 to 30
    expected = individuals_chart(scored.to_numpy(), baseline=k, revise=True)
    rule = chart.rules["accuracy"]
    assert rule["centre"] == pytest.approx(expected.centre, rel=1e-12)
    assert rule["sigma"] == pytest.approx(expected.sigma, rel=1e-12)
    # sigma is the moving range of the baseline over d2 = 1.128 (Montgomery), without the
    # baseline windows beyond the trial limits (revised limits).
    baseline = scored.to_numpy()[:k]
    out = expected.parameters["revised_out"]
    kept = np.delete(baseline, out)
    assert rule["sigma"] == pytest.approx(np.mean(np.abs(np.diff(kept))) / 1.128)
    assert rule["side"] == "lower" and chart.rules["latency_p95"]["side"] == "upper"


def test_alerts_are_judge_limits_and_pending_windows_are_never_scored(data, chart):
    p = panel(chart, "accuracy")
    series = accuracy_series(data[data.ts < "2024-04-25"])
    pending = series["status"] == "pending"
    assert pending.any()
    judged = series["status"] == "ok"
    expected = judge_limits(
        series["value"].where(judged),
        LimitRule.from_dict(chart.rules["accuracy"]),
        judged=judged.to_numpy(),
    )
    codes = {"ok": 0, "warning": 1, "critical": 2, "insufficient_data": 3}
    assert p["severity"].tolist() == [codes[s] for s in expected["severity"]]
    notes = series["note"].fillna("")
    reasons = expected["reason"].where(judged | (notes == ""), "not judged: " + notes)
    assert p["reason"] == reasons.tolist()
    assert "label coverage 0% < 80%: pending" in p["reason"][-1]
    for i in np.flatnonzero(pending.to_numpy()):
        assert np.isnan(p["value"][i]) and p["severity"][i] == 3 and p["status"][i] == 1
    critical = [i for i, s in enumerate(p["severity"]) if s == 2]
    assert max(critical) >= 42  # the degradation from day 42 alerts
    assert p["counts"]["critical"] == len(critical)
    np.testing.assert_array_equal(p["lower_critical"], np.float32(expected["lower_critical"]))
    assert np.isnan(p["upper_critical"]).all()  # 'lower' rule: no upper limits


def test_moving_a_limit_changes_the_rule_and_recounts(chart, recording):
    before = dict(chart.rules["accuracy"])
    count = panel(chart, "accuracy")["counts"]["critical"]
    far = before["centre"] - 30 * before["sigma"]
    view = FrontEnd(chart, keys=("_panels", "rules"))
    recording[-1].clear()
    # What the front end sends when a line is dropped.
    drop = {"kind": "move_limit", "metric": "accuracy", "which": "lower_critical", "value": far}
    chart.set_state({"_action": {**drop, "nonce": "1"}})
    after = chart.rules["accuracy"]
    assert after["critical"] == pytest.approx(30.0)
    sent = [m["data"]["content"] for m in recording[-1].custom()]
    assert len(sent) == 1 and {op["table"] for op in sent[0]["ops"]} == {"panel:accuracy"}
    view.catch_up(recording[-1])
    assert view.agrees_with(chart)  # that panel only, and the front end has it right
    assert after["warning"] == before["warning"]
    assert panel(chart, "accuracy")["counts"]["critical"] < count
    assert chart._error == ""
    # Dragging the warning line past the control limit pushes the control limit along.
    chart.move_limit("accuracy", "lower_warning", before["centre"] - 40 * before["sigma"])
    assert chart.rules["accuracy"]["warning"] == pytest.approx(40.0)
    assert chart.rules["accuracy"]["critical"] == pytest.approx(40.0)
    # A limit on the wrong side of the centre is refused in the error area.
    wrong = {"kind": "move_limit", "metric": "accuracy", "which": "lower_warning", "value": 2.0}
    chart.set_state({"_action": {**wrong, "nonce": "2"}})
    assert "must lie below the centre" in chart._error


def test_rules_typed_in_python_or_refused_with_the_field(chart):
    rule = {**chart.rules["accuracy"], "warning": 1.5}
    chart.rules = {**chart.rules, "accuracy": rule}
    assert chart.rules["accuracy"]["warning"] == 1.5
    with pytest.raises(traitlets.TraitError, match=r"rules\['accuracy'\]: sigma must be"):
        chart.rules = {**chart.rules, "accuracy": {**rule, "sigma": -1}}
    # From the front end, the refusal is shown and the view put back.
    chart.set_state({"rules": {**chart.rules, "accuracy": {**rule, "critical": 1.0}}})
    assert "critical must be >= warning" in chart._error
    assert chart.rules["accuracy"]["critical"] == rule["critical"]


def test_rules_given_at_construction_replace_the_baseline_limits(data):
    rule = LimitRule(centre=0.9, sigma=0.01, side="lower")
    chart = ControlChart(data, **OPTIONS, metrics="accuracy", rules={"accuracy": rule})
    assert chart.rules["accuracy"] == rule.to_dict()
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        ControlChart(
            data, **OPTIONS, metrics="accuracy", rules={"accuracy": {"centre": 1, "sigma": 0}}
        )


def test_detector_runs_on_the_errors_of_scored_windows_and_reruns_on_edit(data, chart):
    early = data[data.ts < "2024-04-25"].sort_values("ts", kind="stable")
    series = accuracy_series(early)
    day = ((early.ts - pd.Timestamp("2024-03-01")) // pd.Timedelta("1D")).to_numpy()
    ok_days = set(np.flatnonzero((series["status"] == "ok").to_numpy()))
    keep = early["label"].notna().to_numpy() & np.isin(day, list(ok_days))
    errors = (
        early["score"].to_numpy()[keep]
        - early["label"].to_numpy(dtype=float, na_value=np.nan)[keep]
    ) ** 2
    expected = detect_changes(errors, ADWIN())
    points = chart._changes["points"]
    assert [p["row"] for p in points] == expected.tolist()
    assert [p["window"] for p in points] == day[keep][expected].tolist()
    assert any(40 <= p["window"] <= 46 for p in points)  # finds the drop of day 42
    chart.detector = {"kind": "page_hinkley", "threshold": 20.0, "delta": 0.005}
    ph = detect_changes(errors, PageHinkley(threshold=20.0, delta=0.005))
    assert [p["row"] for p in chart._changes["points"]] == ph.tolist()
    assert "PageHinkley(threshold=20, delta=0.005)" in chart._changes["points"][0]["reason"]
    chart.detector = {"kind": "off"}
    assert chart._changes["points"] == []
    with pytest.raises(traitlets.TraitError, match="delta"):
        chart.detector = {"kind": "adwin", "delta": 5}
    with pytest.raises(traitlets.TraitError, match="'adwin', 'page_hinkley', 'off'"):
        chart.detector = {"kind": "cusum"}


def test_a_segment_is_charted_on_its_own_rows_with_its_own_limits(data, chart):
    assert chart._segments == ["(all rows)", XSS, "online"]
    chart.segment = XSS
    early = data[data.ts < "2024-04-25"]
    series = accuracy_series(early[early.segment == XSS])
    values = panel(chart, "accuracy")["value"]
    np.testing.assert_array_equal(values, np.float32(series["value"]))
    segment_rule = chart.rules["accuracy"]
    chart.segment = "online"
    assert chart.rules["accuracy"]["centre"] != segment_rule["centre"]
    # The exported limits are those of all rows, whatever segment is shown.
    chart.segment = "(all rows)"
    all_rules = dict(chart.rules)
    chart.segment = XSS
    assert chart.performance_section()["rules"] == all_rules
    with pytest.raises(traitlets.TraitError, match="segment must be one of"):
        chart.segment = "nope"


def test_append_sends_only_the_windows_it_touches_and_equals_a_full_computation(
    data, chart, recording
):
    comm = recording[-1]
    view = FrontEnd(chart, keys=("_panels", "_changes", "rules"))
    comm.clear()
    n = len(labels(chart))
    later = data[data.ts >= "2024-04-25"]
    chart.append(later)
    patches = [m["data"]["content"] for m in comm.custom()]
    assert len(patches) == 1 and patches[0]["type"] == "patch"
    starts = {op["start"] for op in patches[0]["ops"]}
    assert starts == {n}  # the last window was complete (the new rows start after it)
    assert not [m for m in comm.updates() if "_tables" in m["data"]["state"]]  # no full state
    view.catch_up(comm)
    assert view.agrees_with(chart)  # applied as the front end does, the patch gives the panels
    full = ControlChart(
        data,
        **OPTIONS,
        latency="latency",
        metrics=["accuracy", "latency_p95"],
        segment="segment",
        baseline=panel(chart, "accuracy")["baseline"],
    )
    assert same_panels(chart, full)
    assert chart._changes == full._changes


def test_append_after_a_gap_patches_and_older_rows_recompute_everything(data, recording):
    chart = ControlChart(data[data.ts < "2024-04-01"], **OPTIONS, metrics="accuracy")
    comm = recording[-1]
    comm.clear()
    gap = data[data.ts >= "2024-04-10"]
    chart.append(gap)  # nine days without rows: empty windows, still a patch
    assert [m["data"]["content"]["type"] for m in comm.custom()] == ["patch"]
    with_gap = ControlChart(
        pd.concat([data[data.ts < "2024-04-01"], gap]),
        **OPTIONS,
        metrics="accuracy",
        baseline=panel(chart, "accuracy")["baseline"],
    )
    assert same_panels(chart, with_gap)
    assert labels(chart)[31:40] == [f"2024-04-{d:02d}" for d in range(1, 10)]
    comm.clear()
    chart.append(data[(data.ts >= "2024-04-01") & (data.ts < "2024-04-10")])  # older rows
    assert comm.custom() == []  # every table sent again, not a patch
    assert [m for m in comm.updates() if "_tables" in m["data"]["state"]]
    full = ControlChart(
        data, **OPTIONS, metrics="accuracy", baseline=panel(chart, "accuracy")["baseline"]
    )
    assert same_panels(chart, full)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['score'\]"):
        chart.append(data.drop(columns="score"))


def test_bad_arguments_get_clear_errors(data):
    with pytest.raises(ValueError, match=r"unknown metric.*'auc'.*roc_auc"):
        ControlChart(data, **OPTIONS, metrics=["auc"])
    with pytest.raises(ValueError, match="segment column 'team' is not in the data"):
        ControlChart(data, **OPTIONS, segment="team")
    with pytest.raises(ValueError, match="segment= needs time windows"):
        ControlChart(data, label="label", score="score", rows=500, segment="segment")
    with pytest.raises(ValueError, match="label column 'y' is not in the data"):
        ControlChart(data, label="y", score="score", time="ts", window="1D")
    with pytest.raises(TypeError, match="unexpected keyword"):
        ControlChart(data, **OPTIONS, colour="red")
    with pytest.raises(ValueError, match="sides\\['accuracy'\\]"):
        ControlChart(data, **OPTIONS, metrics="accuracy", sides={"accuracy": "down"})


def test_row_windows_and_a_too_short_baseline(data):
    chart = ControlChart(
        data, label="label", score="score", rows=2000, metrics="accuracy", n_bootstrap=0, baseline=5
    )
    assert len(labels(chart)) == 12 and labels(chart)[0] == "rows 0–2000"
    short = ControlChart(data[data.ts < "2024-03-05"], **OPTIONS, metrics="accuracy")
    p = panel(short, "accuracy")
    assert p["rule"] is None and "no limits from the baseline" in p["note"]
    assert "accuracy" not in short.rules


def test_points_alerts_and_change_points_as_tables(chart):
    table = chart.points("accuracy")
    p = panel(chart, "accuracy")
    assert list(table.index[:2]) == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02")]
    np.testing.assert_array_equal(np.float32(table["value"]), p["value"])
    assert (table["severity"] == "critical").sum() == p["counts"]["critical"]
    assert set(table.loc[table["status"] == "pending", "severity"]) == {"insufficient_data"}
    alerts = chart.alerts()
    assert list(alerts.columns) == ["window_start", "metric", "value", "severity", "reason"]
    assert set(alerts["metric"]) <= {"accuracy", "latency_p95"}
    assert alerts["window_start"].is_monotonic_increasing
    assert len(alerts) == sum(
        q["counts"]["critical"] + q["counts"]["warning"] for q in chart._panels
    )
    changes = chart.change_points()
    assert list(changes["row"]) == [q["row"] for q in chart._changes["points"]]
    assert changes["reason"].str.startswith("ADWIN(delta=0.002)").all()
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        chart.points("auc")


def test_append_while_the_baseline_fills_resends_every_window(data, recording):
    chart = ControlChart(data[data.ts < "2024-03-08"], **OPTIONS, metrics="accuracy", baseline=10)
    assert panel(chart, "accuracy")["baseline"] == 7
    comm = recording[-1]
    comm.clear()
    chart.append(data[(data.ts >= "2024-03-08") & (data.ts < "2024-03-09")])
    assert comm.custom() == []  # no patch: new limits judge the earlier windows again
    assert any("_tables" in m["data"]["state"] for m in comm.updates())
    assert panel(chart, "accuracy")["baseline"] == 8
    full = ControlChart(data[data.ts < "2024-03-09"], **OPTIONS, metrics="accuracy", baseline=10)
    assert same_panels(chart, full)


def test_exported_limits_raise_the_same_alerts_in_production(data, chart):
    from mlmon_widgets import Baseline, evaluate
    from mlmon_widgets.config import MonitoringConfig

    chart.move_limit("accuracy", "lower_warning", chart.rules["accuracy"]["centre"] - 0.03)
    reference = data[data.ts < "2024-03-20"][["score"]]
    config = chart.to_config(
        baseline=Baseline.fit(reference, roles={"score": "numeric"}), model="credit-risk"
    )
    assert config.to_dict()["performance"]["rules"] == chart.rules
    again = MonitoringConfig.from_yaml(config.to_yaml())  # what production reads
    early = data[data.ts < "2024-04-25"]
    produced = evaluate(again, early)
    produced = produced[produced["domain"].isin(["performance", "latency"])]
    shown = chart.alerts()
    assert len(shown) > 5
    key = ["window_start", "metric", "severity"]
    assert (
        produced[key].sort_values(key).values.tolist()
        == shown[key].sort_values(key).values.tolist()
    )
    assert set(produced.loc[produced["metric"] == "latency_p95", "route"]) == {"platform"}
    # Extending a heatmap's config keeps its drift part and adds these limits.
    base = MonitoringConfig.from_baseline(
        Baseline.fit(reference, roles={"score": "numeric"}), model="m", time="ts", window="1D"
    )
    merged = chart.to_config(base)
    assert merged.to_dict()["performance"] == config.to_dict()["performance"]
    assert merged.model == base.model
    with pytest.raises(TypeError, match="needs base="):
        chart.to_config(model="m")


def test_the_front_end_stays_in_step_through_appends_edits_and_segments(data, recording):
    early = data[data.ts < "2024-04-10"]
    chart = ControlChart(
        early,
        **OPTIONS,
        metrics=["accuracy", "roc_auc"],
        segment="segment",
    )
    comm = recording[-1]
    view = FrontEnd(chart, keys=("_panels", "_changes", "rules"))
    steps = [
        lambda: chart.append(data[(data.ts >= "2024-04-10") & (data.ts < "2024-04-15")]),
        lambda: setattr(chart, "segment", XSS),
        lambda: chart.move_limit(
            "accuracy", "lower_critical", chart.rules["accuracy"]["centre"] - 0.1
        ),
        lambda: chart.append(data[(data.ts >= "2024-04-15") & (data.ts < "2024-04-20")]),
        lambda: setattr(chart, "segment", "(all rows)"),
        lambda: setattr(chart, "rules", {}),  # back to the baseline's limits
        lambda: chart.append(data[(data.ts >= "2024-04-05") & (data.ts < "2024-04-06")]),  # older
        lambda: setattr(chart, "metrics", ["roc_auc"]),
    ]
    for step in steps:
        step()
        view.catch_up(comm)
        assert chart._error == ""
        assert view.agrees_with(chart)
    assert "accuracy" not in chart.rules


def test_rules_set_to_nothing_restore_the_baseline_limits(chart):
    baseline = dict(chart.rules["accuracy"])
    chart.move_limit("accuracy", "lower_critical", baseline["centre"] - 0.2)
    assert chart.rules["accuracy"] != baseline
    assert panel(chart, "accuracy")["note"].startswith("limits set by hand")
    chart.rules = {}
    assert chart.rules["accuracy"] == baseline
    chart.move_limit("accuracy", "lower_critical", baseline["centre"] - 0.2)  # still possible


def test_appends_with_missing_times_row_windows_and_bootstrap_equal_a_full_computation(data):
    def built(frame, **options):
        return ControlChart(frame, **{**OPTIONS, **options}, metrics=["accuracy", "roc_auc"])

    # Rows without a time, before and in the append: set aside, counted, never mixed in.
    holes = data.copy()
    holes.loc[holes.index[[5, 700, 23000]], "ts"] = pd.NaT
    first, later = holes[~(holes.ts >= "2024-04-20")], holes[holes.ts >= "2024-04-20"]
    later = pd.concat([later, holes[holes.ts.isna()].iloc[[2]]])
    with pytest.warns(Warning):
        chart = built(first, n_bootstrap=30)
    with pytest.warns(Warning, match=r"1 row\(s\) have no timestamp"):
        chart.append(later)
    with pytest.warns(Warning):
        full = built(pd.concat([first, later]), n_bootstrap=30, baseline=16)
    assert panel(chart, "accuracy")["baseline"] == 16  # fixed when the chart was built
    assert same_panels(chart, full)
    # Row windows in time order (labels are times) and without a time (row positions).
    for options in ({"rows": 1500, "window": None}, {"rows": 1500, "window": None, "time": None}):
        chart = built(data.iloc[:12000], baseline=5, **options)
        chart.append(data.iloc[12000:])
        full = built(data, baseline=5, **options)
        assert same_panels(chart, full)


def test_time_zones_seasonal_limits_and_a_datetime_index(data):
    local = data.assign(ts=data.ts.dt.tz_localize("UTC").dt.tz_convert("America/New_York"))
    chart = ControlChart(local, **OPTIONS, metrics="accuracy", period=7)
    rule = chart.rules["accuracy"]
    assert len(rule["seasonal"]) == 7 and rule["origin"].startswith("2024-02-29T00:00:00-05:00")
    p = panel(chart, "accuracy")
    assert len(set(p["centre"][:7].tolist())) > 1  # the limits follow the weekly pattern
    np.testing.assert_array_equal(p["centre"][:7], p["centre"][7:14])
    from mlmon_widgets import Baseline

    config = chart.to_config(
        baseline=Baseline.fit(data[["score"]], roles={"score": "numeric"}), model="m"
    )
    assert config.to_dict()["performance"]["rules"]["accuracy"]["seasonal"] == rule["seasonal"]
    indexed = ControlChart(data.set_index("ts"), **{**OPTIONS, "time": None}, metrics="accuracy")
    plain_chart = ControlChart(data, **OPTIONS, metrics="accuracy")
    assert same_panels(indexed, plain_chart)
    with pytest.raises(ValueError, match="period= needs time windows"):
        ControlChart(data, label="label", score="score", rows=500, period=7)


def test_a_failed_append_leaves_the_chart_as_it_was(data, chart):
    view = FrontEnd(chart, keys=("_panels", "_changes", "rules"))
    rows = len(chart._history.live.frame)
    bad = data[data.ts >= "2024-04-25"].astype({"score": object})
    bad.loc[bad.index[0], "score"] = "n/a"
    with pytest.raises((TypeError, ValueError)):
        chart.append(bad)
    assert view.agrees_with(chart) and len(chart._history.live.frame) == rows
    chart.append(data[data.ts >= "2024-04-25"])  # and the next append works
    assert len(labels(chart)) == 60


def test_segments_keep_their_name_when_an_append_turns_an_int_column_to_float(data):
    teams = data.assign(team=np.where(data.segment == "online", 1, 2))
    first, later = teams[teams.ts < "2024-04-20"], teams[teams.ts >= "2024-04-20"].copy()
    later.loc[later.index[:5], "team"] = np.nan
    later.loc[later.index[5], "team"] = 3  # a new team appears
    chart = ControlChart(first, **OPTIONS, metrics="accuracy", segment="team")
    assert chart._segments == ["(all rows)", "1", "2"]
    chart.segment = "1"
    chart.append(later)
    assert chart._segments == ["(all rows)", "1", "2", "3"]
    both = pd.concat([first, later])
    ones = both[both.team == 1]
    expected = np.float32(accuracy_series(ones)["value"])
    np.testing.assert_array_equal(panel(chart, "accuracy")["value"], expected)


def test_detector_parameters_of_any_type_and_other_checks(data, chart):
    chart.detector = {"kind": "page_hinkley", "threshold": 20.0, "mode": "up"}
    assert chart._error == "" and chart._changes["points"]  # any detector parameter
    with pytest.raises(ValueError, match=r"unknown metric\(s\) in rules: \['acuracy'\]"):
        ControlChart(data, **OPTIONS, metrics="accuracy", rules={"acuracy": {}})
    with pytest.raises(ValueError, match=r"unknown metric\(s\) in sides: \['acc'\]"):
        ControlChart(data, **OPTIONS, metrics="accuracy", sides={"acc": "lower"})
    with pytest.raises(ValueError, match="metrics has duplicates"):
        ControlChart(data, **OPTIONS, metrics=["accuracy", "accuracy"])
    with pytest.raises(traitlets.TraitError, match="rules: unknown metric 'acuracy'"):
        chart.rules = {"acuracy": chart.rules["accuracy"]}
    with pytest.raises(traitlets.TraitError, match="out of range"):
        chart.selected = {"metric": "accuracy", "window": True}
    chart.selected = {"metric": "latency_p95", "window": 3}
    chart.metrics = ["accuracy"]
    assert chart.selected is None
    weekly = ControlChart(data, **{**OPTIONS, "window": "7D"}, metrics="accuracy")
    with pytest.raises(ValueError, match="the config has other windows"):
        chart.to_config(weekly_config(weekly))
    only_decisions = ControlChart(
        data.assign(decision=data.score > 0.5),
        label="label",
        prediction="decision",
        time="ts",
        window="1D",
    )
    assert only_decisions.metrics == ["accuracy", "positive_rate"]


def weekly_config(chart: ControlChart):
    from mlmon_widgets import Baseline

    return chart.to_config(
        baseline=Baseline.fit(chart._history.live.frame[["score"]], roles={"score": "numeric"}),
        model="m",
    )


def test_a_relative_check_beside_the_limits(data, chart):
    rule = {**chart.rules["accuracy"], "critical": 50.0, "warning": 50.0}  # limits out of reach
    chart.rules = {**chart.rules, "accuracy": rule}
    assert panel(chart, "accuracy")["counts"]["critical"] == 0
    chart.rules = {
        **chart.rules,
        "accuracy": {**rule, "relative": {"lag": 7, "warning": 0.05, "critical": 0.1}},
    }
    table = chart.points("accuracy")
    hits = table[table["severity"] == "critical"]
    assert len(hits) > 0
    assert hits["reason"].str.contains("below the value 7 windows earlier").all()
    value = table["value"].to_numpy()
    for i in np.flatnonzero((table["severity"] == "critical").to_numpy()):
        assert (value[i - 7] - value[i]) / value[i - 7] > 0.1  # textbook: the relative drop


def test_revised_limits_and_run_rules_can_be_chosen(data):
    spiky = data.copy()
    spiky.loc[spiky.ts.dt.day == 5, "latency"] *= 20  # an incident inside the baseline
    options = {**OPTIONS, "latency": "latency", "metrics": ["latency_p95"]}
    revised = ControlChart(spiky, **options)
    trial = ControlChart(spiky, **options, revise=False, run_rules="nelson")
    assert revised.rules["latency_p95"]["sigma"] < trial.rules["latency_p95"]["sigma"] / 3
    assert "beyond the trial limits left out" in panel(revised, "latency_p95")["note"]
    sent = panel(revised, "latency_p95")["violations"]
    engine = revised._judge("latency_p95").violations  # what the engine found, as sent
    assert sorted((v["window"], v["rule"]) for v in sent) == sorted(
        zip(engine["position"].tolist(), engine["rule"].tolist(), strict=True)
    )
    assert all(v["description"] for v in sent)
    rules_marked = {v["rule"] for v in sent}
    assert rules_marked <= {1, 2, 5, 6}  # Western Electric by default
    assert {v["rule"] for v in panel(trial, "latency_p95")["violations"]} - {1, 2, 5, 6}
    with pytest.raises(ValueError, match="rules"):
        ControlChart(spiky, **options, run_rules=[9])


def test_to_config_onto_a_base_on_another_grid_is_refused(data):
    weekly = {**OPTIONS, "window": "7D", "metrics": "accuracy", "baseline": 5}
    early = ControlChart(data, **weekly)
    late = ControlChart(data[data.ts >= "2024-03-03"], **weekly)  # weeks from a Sunday
    base = weekly_config(early)
    assert late.to_config(weekly_config(late)).window.origin.startswith("2024-03-03")
    with pytest.raises(ValueError, match="the config has other windows"):
        late.to_config(base)
    assert early.to_config(base).window == base.window


def test_labels_as_categories_and_scores_a_hair_above_one_are_accepted(data):
    coded = data.assign(label=data.label.astype("Int64").astype("category"))
    a = ControlChart(coded, **{**OPTIONS, "metrics": "accuracy"})
    b = ControlChart(data, **{**OPTIONS, "metrics": "accuracy"})
    assert same_panels(a, b)
    rounded = data.assign(score=np.where(data.score > 0.99, 1 + 1e-12, data.score))
    ControlChart(rounded, **{**OPTIONS, "metrics": "accuracy"})


def test_showing_another_metric_does_not_rerun_the_detector(chart, monkeypatch):
    runs = []
    original = ControlChart._detect
    monkeypatch.setattr(ControlChart, "_detect", lambda self: runs.append(1) or original(self))
    chart.metrics = ["accuracy"]
    assert runs == [] and len(chart._panels) == 1
    chart.segment = "online"
    assert runs == [1]


def test_where_charts_the_segment_as_a_chart_of_its_rows(data, recording):
    """``where=`` is the chart of the rows it keeps, appended rows filtered the same way."""
    early, late = data[data.ts < "2024-04-20"], data[data.ts >= "2024-04-20"]
    inside = early[early["segment"] == "online"]
    options = {**OPTIONS, "latency": "latency", "metrics": ["accuracy", "latency_p95"]}
    filtered = ControlChart(early, **options, where={"segment": "online"})
    alone = ControlChart(inside, **options)
    assert filtered.where == "segment == 'online'"
    assert same_panels(filtered, alone)
    filtered.append(late)
    alone.append(late[late["segment"] == "online"])
    assert same_panels(filtered, alone)
    with pytest.raises(ValueError, match="no row of data is in segment == 'offline'"):
        ControlChart(early, **options, where={"segment": "offline"})
