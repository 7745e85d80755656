"""DriftHeatmap without a browser: play the front end, assert on state and sent messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import traitlets

import mlmon_widgets as mm
from mlmon_widgets.datasets import load_demo
from mlmon_widgets.widgets import DriftHeatmap
from mlmon_widgets.widgets._wire import unpack

from .widget_comm import message_bytes

SEVERITY_CODES = {"ok": 0, "warning": 1, "critical": 2, "insufficient_data": 3, "off": 4}


@pytest.fixture
def data(rng):
    n_ref, n_prod = 3000, 24 * 20
    ref = pd.DataFrame(
        {
            "x": rng.normal(size=n_ref),
            "y": rng.normal(size=n_ref),
            "c": rng.choice(list("abc"), n_ref),
        }
    )
    ts = pd.date_range("2024-01-01", periods=n_prod * 6, freq="10min")
    prod = pd.DataFrame(
        {
            "ts": ts,
            "x": rng.normal(size=len(ts)),
            "y": rng.normal(size=len(ts)),
            "c": rng.choice(list("abc"), len(ts)),
        }
    )
    prod.loc[prod["ts"] >= "2024-01-10", "x"] += 1.0
    return ref, prod


def grids(widget) -> dict[str, np.ndarray]:
    """The cell grids as the front end holds them (windows x features)."""
    state = widget.get_state()["_tables"]["tables"]["cells"]["columns"]
    return {k: unpack(v) for k, v in state.items()}


def rows_of(widget) -> list[str]:
    return widget.columns_of("features")["name"]


def labels_of(widget) -> list[str]:
    return widget.columns_of("windows")["label"]


def patches(channel) -> list[dict]:
    """The patch messages a widget sent, with each operation's arrays read from the buffers."""
    out = []
    for message in channel.custom():
        content, buffers = message["data"]["content"], message["buffers"]
        assert content["type"] == "patch"
        for op in content["ops"]:
            for key in ("index", "values"):
                if key in op:
                    op[key] = np.frombuffer(bytes(buffers[op[key]["buffer"]]), op[key]["dtype"])
            for name, column in op.get("columns", {}).items():
                if isinstance(column, dict):
                    raw = bytes(buffers[column["buffer"]])
                    op["columns"][name] = np.frombuffer(raw, column["dtype"]).reshape(
                        column["shape"]
                    )
        out.append(content)
    return out


def test_state_matches_drift_over_time(data):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    table = mm.drift_over_time(ref, prod, time="ts", window="1D")
    assert rows_of(heatmap)[0] == "x"  # worst first
    cells = grids(heatmap)
    assert cells["severity"].shape == (20, 3)
    for feature in ("x", "y", "c"):
        col = rows_of(heatmap).index(feature)
        expected = table[table["feature"] == feature].sort_values("window")
        np.testing.assert_allclose(
            cells["psi"][:, col], expected["psi"].astype("float32"), rtol=1e-6
        )
        codes = expected["severity"].astype(str).map(SEVERITY_CODES).to_numpy()
        np.testing.assert_array_equal(cells["severity"][:, col], codes)
    assert labels_of(heatmap)[0] == "2024-01-01"
    pd.testing.assert_frame_equal(
        heatmap.table.drop(columns=["reason"]), table.drop(columns=["reason"]), check_dtype=False
    )


def test_first_render_sends_binary_arrays(data, recording):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    opened = recording[-1].messages
    buffers = [b for m in opened for b in m["buffers"]]
    assert len(buffers) >= 5  # psi, js, wasserstein, -log10 p, severity as binary
    cells = heatmap.get_state()["_tables"]["tables"]["cells"]["columns"]
    assert cells["severity"]["dtype"] == "uint8"
    assert cells["psi"]["dtype"] == "float32"
    vocabulary = heatmap._vocabulary
    assert vocabulary["severities"] == list(mm.engine.SEVERITIES)  # words come from the engine


def test_unknown_keyword_and_bad_metric(data):
    ref, prod = data
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['colour'\]"):
        DriftHeatmap(ref, prod, time="ts", window="1D", colour="red")
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    with pytest.raises(traitlets.TraitError, match="metric must be one of"):
        heatmap.metric = "auc"
    heatmap.set_state({"metric": "psi"})  # what the front end's selector sends
    assert heatmap.metric == "psi"


def test_click_selects_and_fills_the_detail(data):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    seen = []
    heatmap.observe(lambda change: seen.append(change["new"]), names="selected")
    heatmap.set_state({"selected": {"feature": "x", "window": 12}})
    assert seen == [{"feature": "x", "window": 12, "label": "2024-01-13"}]
    detail = heatmap._detail
    assert detail["feature"] == "x" and detail["severity"] == "critical"
    assert detail["bars"]["labels"][0].startswith("< ")
    gap = detail["ecdf"]["gap"]
    row = heatmap.table.query("feature == 'x' and window == 12").iloc[0]
    assert abs(gap["reference"] - gap["current"]) == pytest.approx(row["statistic"])
    assert dict(detail["numbers"])["corrected p"] == pytest.approx(row["p_adjusted"])
    assert detail["thresholds"]["wasserstein"] == [0.1, 0.25]
    heatmap.set_state({"selected": {"feature": "c", "window": 0}})
    assert (
        heatmap._detail["bars"]["labels"][:3] == ["a", "b", "c"]
        or len(heatmap._detail["bars"]["labels"]) == 3
    )
    assert heatmap._detail["ecdf"] is None


def test_invalid_selection_is_refused(data):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    with pytest.raises(traitlets.TraitError, match="not in this heatmap"):
        heatmap.selected = {"feature": "nope", "window": 0}
    with pytest.raises(traitlets.TraitError, match=r"integer in \[0, 20\)"):
        heatmap.selected = {"feature": "x", "window": 20}


def test_python_failures_show_in_the_error_area(data, monkeypatch):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("mlmon_widgets.engine._drift.history.cell_detail", boom)
    heatmap.selected = {"feature": "x", "window": 3}
    assert "showing the selected cell failed: RuntimeError: disk on fire" in heatmap._error
    monkeypatch.undo()
    heatmap.selected = {"feature": "x", "window": 4}
    assert heatmap._error == ""


def test_append_sends_only_the_touched_windows(data, recording):
    ref, prod = data
    first, later = prod.iloc[: 24 * 6 * 15 + 30], prod.iloc[24 * 6 * 15 + 30 :]
    heatmap = DriftHeatmap(ref, first, time="ts", window="1D")
    channel = recording[-1]
    first_render = sum(message_bytes(m) for m in channel.messages)
    channel.clear()
    heatmap.append(later.iloc[:100])
    sent = patches(channel)
    assert len(sent) == 1  # one patch ...
    assert not [m for m in channel.updates() if "_tables" in m["data"]["state"]]  # no full state
    assert [set(m["data"]["state"]) for m in channel.updates()] == [{"_backtest"}]
    ops = {(op["table"], op["op"]): op for op in sent[0]["ops"]}
    assert ops[("windows", "splice")]["start"] == 15 == ops[("cells", "splice")]["start"]
    assert ops[("cells", "splice")]["columns"]["psi"].shape == (1, 3)  # the last window only
    assert sum(message_bytes(m) for m in channel.messages) < 0.05 * first_render
    # The result equals a heatmap built from all the rows at once.
    whole = DriftHeatmap(ref, prod.iloc[: 24 * 6 * 15 + 130], time="ts", window="1D")
    pd.testing.assert_frame_equal(heatmap.table, whole.table)
    for name, grid in grids(whole).items():
        np.testing.assert_array_equal(grids(heatmap)[name], grid)


def test_append_reports_cells_whose_severity_changes_through_the_correction(rng, recording):
    # Day 1 shifted by 0.22 sd: critical among 6 Bonferroni tests, not among 40.
    ref = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.normal(size=3000)})
    ts = pd.date_range("2024-01-01", periods=144 * 20, freq="10min")
    prod = pd.DataFrame({"ts": ts, "x": rng.normal(size=len(ts)), "y": rng.normal(size=len(ts))})
    prod.loc[(prod["ts"] >= "2024-01-02") & (prod["ts"] < "2024-01-03"), "x"] += 0.22
    heatmap = DriftHeatmap(
        ref, prod.iloc[: 144 * 3], time="ts", window="1D", correction="bonferroni"
    )
    before = grids(heatmap)["severity"].copy()
    assert before[1, rows_of(heatmap).index("x")] == SEVERITY_CODES["critical"]
    recording[-1].clear()
    heatmap.append(prod.iloc[144 * 3 :])
    (patch,) = patches(recording[-1])
    after = grids(heatmap)["severity"]
    ops = {(op["table"], op["op"]): op for op in patch["ops"]}
    first = ops[("cells", "splice")]["start"]
    changed = np.flatnonzero(before[:first].ravel() != after[:first].ravel())
    assert len(changed) > 0
    np.testing.assert_array_equal(ops[("cells", "scatter")]["index"], changed)
    np.testing.assert_array_equal(
        ops[("cells", "scatter")]["values"], after[:first].ravel()[changed]
    )


def test_out_of_order_rows_recompute_everything(data, recording):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod.iloc[1000:], time="ts", window="1D")
    recording[-1].clear()
    heatmap.append(prod.iloc[:1000])
    assert recording[-1].custom() == []  # not a patch: every table sent again
    assert [m for m in recording[-1].updates() if "_tables" in m["data"]["state"]]
    whole = DriftHeatmap(ref, prod, time="ts", window="1D")
    pd.testing.assert_frame_equal(heatmap.table, whole.table)


def test_row_windows_and_append(data):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod.drop(columns="ts").iloc[:1050], rows=200)
    heatmap.append(prod.drop(columns="ts").iloc[1050:1500])
    whole = DriftHeatmap(ref, prod.drop(columns="ts").iloc[:1500], rows=200)
    pd.testing.assert_frame_equal(heatmap.table, whole.table)
    assert labels_of(heatmap)[0] == "rows 0–200"


def test_from_frame_has_numbers_but_no_distributions(data):
    ref, prod = data
    table = mm.drift_over_time(ref, prod, time="ts", window="1D")
    heatmap = DriftHeatmap.from_frame(table)
    assert grids(heatmap)["severity"].shape == (20, 3)
    heatmap.selected = {"feature": "x", "window": 12}
    assert heatmap._detail["bars"] is None
    assert "distributions need the data" in heatmap._detail["message"]
    with pytest.raises(TypeError, match="from_frame heatmaps are static"):
        heatmap.append(prod.iloc[:10])
    with pytest.raises(ValueError, match="pass the result of drift_over_time"):
        DriftHeatmap.from_frame(table.drop(columns="window_start"))


def test_feature_names_travel_as_data(rng):
    name = "<img src=x onerror=alert(1)>"
    ref = pd.DataFrame({name: rng.normal(size=500)})
    prod = pd.DataFrame({name: rng.normal(size=500)})
    heatmap = DriftHeatmap(ref, prod, rows=100)
    assert rows_of(heatmap) == [name]


# ---------------------------------------------------------------- thresholds set by hand
def test_thresholds_from_python_recolour_and_send_only_changed_cells(data, recording):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    before = grids(heatmap)["severity"].copy()
    x = rows_of(heatmap).index("x")
    assert set(before[9:, x]) == {SEVERITY_CODES["critical"]}
    assert heatmap._backtest["features"]["x"]["critical"] == 11
    recording[-1].clear()
    heatmap.thresholds = {"x": {"metric": "psi", "warning": 50.0, "critical": 100.0}}
    after = grids(heatmap)["severity"]
    assert set(after[9:, x]) == {SEVERITY_CODES["ok"]}
    (patch,) = patches(recording[-1])
    assert [(op["table"], op["op"]) for op in patch["ops"]] == [("cells", "scatter")]
    assert len(patch["ops"][0]["index"]) == int((before != after).sum())
    assert not [m for m in recording[-1].updates() if "_tables" in m["data"].get("state", {})]
    assert heatmap._backtest["features"]["x"]["critical"] == 0
    pd.testing.assert_series_equal(
        heatmap.table["severity"],
        mm.drift_over_time(ref, prod, time="ts", window="1D", thresholds=heatmap.thresholds)[
            "severity"
        ],
    )


def test_thresholds_edited_in_the_view_arrive_validated(data):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    heatmap.set_state(
        {"thresholds": {"y": {"metric": "wasserstein", "warning": 0.01, "critical": 0.02}}}
    )
    assert heatmap.thresholds == {"y": {"metric": "wasserstein", "warning": 0.01, "critical": 0.02}}
    heatmap.set_state({"thresholds": {"c": "off"}})
    assert heatmap.table.query("feature == 'c'")["severity"].eq("off").all()
    with pytest.raises(
        traitlets.TraitError, match=r"thresholds\['c'\]: metric 'wasserstein' does not apply"
    ):
        heatmap.thresholds = {"c": {"metric": "wasserstein", "warning": 0.1, "critical": 0.2}}
    with pytest.raises(traitlets.TraitError, match=r"warning .* must not exceed critical"):
        heatmap.thresholds = {"x": {"metric": "psi", "warning": 0.3, "critical": 0.2}}
    with pytest.raises(traitlets.TraitError, match="alpha must be a finite number in \\(0, 1\\)"):
        heatmap.alpha = 1.5
    with pytest.raises(traitlets.TraitError, match="correction must be one of"):
        heatmap.correction = "bh"
    heatmap.set_state({"alpha": 0.001, "correction": "bonferroni"})
    table = mm.drift_over_time(
        ref,
        prod,
        time="ts",
        window="1D",
        alpha=0.001,
        correction="bonferroni",
        thresholds={"c": "off"},
    )
    np.testing.assert_array_equal(heatmap.table["p_adjusted"], table["p_adjusted"])


def test_backtest_reports_false_alarms_on_reference_chunks(data):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    backtest = heatmap._backtest
    assert backtest["windows"] == 20 and backtest["chunks"] == 3000 // 144 + 1
    assert 0 <= backtest["false_alarm"] <= 0.05
    tight = {"y": {"metric": "psi", "warning": 0.0, "critical": 0.0}}
    heatmap.thresholds = tight
    assert (
        heatmap._backtest["features"]["y"]["false_alarm"]
        >= backtest["features"]["y"]["false_alarm"]
    )


def test_suggest_from_history(data):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    suggestions = heatmap.suggest_thresholds(["y"])
    rule = heatmap.thresholds["y"]
    assert rule["metric"] == "psi" and rule["warning"] == pytest.approx(
        suggestions.loc["y", "warning"]
    )
    heatmap.set_state({"_action": {"kind": "suggest", "feature": None, "nonce": "1"}})
    assert set(heatmap.thresholds) == {"x", "y", "c"}
    assert heatmap._error == ""
    with pytest.raises(ValueError, match="not in this heatmap"):
        heatmap.suggest_thresholds(["nope"])


def test_pack_round_trips_including_empty_arrays():
    from mlmon_widgets.widgets._wire import pack

    for array in (
        np.zeros((0, 3)),
        np.arange(6, dtype=np.uint8).reshape(2, 3),
        np.array([1.5, np.nan]),
    ):
        again = unpack(pack(array))
        assert again.shape == array.shape
        np.testing.assert_array_equal(again, array.astype(again.dtype))


def test_a_refused_edit_from_the_view_is_reported_and_undone(data, recording):
    ref, prod = data
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    recording[-1].clear()
    heatmap.set_state({"thresholds": {"x": {"metric": "psi", "warning": 0.5, "critical": 0.1}}})
    assert heatmap.thresholds == {}
    assert heatmap._error.startswith("not applied:")
    assert "must not exceed critical" in heatmap._error
    resent = [m["data"]["state"] for m in recording[-1].updates()]
    assert {"thresholds": {}} in resent


def test_exported_config_gives_the_alerts_the_view_showed(data, tmp_path):
    """Thresholds set in the widget, exported, evaluated headless: the same alerts."""
    from mlmon_widgets import cli
    from mlmon_widgets.config import MonitoringConfig, evaluate

    ref, prod = data  # 3,000 reference rows: the stored sketch is lossless, so exact
    heatmap = DriftHeatmap(ref, prod, time="ts", window="1D")
    heatmap.thresholds = {
        "x": {"metric": "psi", "warning": 0.3, "critical": 5.0},
        "y": {"metric": "wasserstein", "warning": 0.05, "critical": 0.2},
    }
    heatmap.alpha = 0.05
    config = heatmap.to_config(model="demo", version="1")
    assert config.rules["x"].warning == 0.3 and config.alpha == 0.05
    path = tmp_path / "monitoring.yaml"
    config.to_yaml(path)
    config = MonitoringConfig.from_yaml(path)
    shown = heatmap.table
    shown = shown[shown["severity"].isin(["warning", "critical"])]
    alerts = evaluate(config, prod)
    drift = alerts[alerts["domain"] == "drift"]

    def keys(frame):
        return sorted(
            zip(frame["window_start"], frame["feature"], frame["severity"].astype(str), strict=True)
        )

    expected, got = keys(shown), keys(drift)
    assert got == expected and len(got) > 0
    data_path = tmp_path / "batch.parquet"
    prod.to_parquet(data_path)
    code = cli.main(["check", str(path), str(data_path), "--fail-on", "warning"])
    assert code == 1


# ---------------------------------------------------------------- append edge cases
def _days(rng, start, days, shift=0.0):
    ts = pd.date_range(start, periods=days * 100, freq="864s")
    return pd.DataFrame(
        {"ts": ts, "x": rng.normal(shift, 1, len(ts)), "c": rng.choice(list("ab"), len(ts))}
    )


@pytest.fixture
def small_ref(rng):
    return pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(list("ab"), 2000)})


def test_append_after_a_gap_shows_the_empty_days(rng, small_ref):
    first, later = _days(rng, "2024-01-01", 3), _days(rng, "2024-01-10", 2)
    heatmap = DriftHeatmap(small_ref, first, time="ts", window="1D")
    heatmap.append(later)
    whole = DriftHeatmap(
        small_ref, pd.concat([first, later], ignore_index=True), time="ts", window="1D"
    )
    pd.testing.assert_frame_equal(heatmap.table, whole.table)
    assert labels_of(heatmap) == labels_of(whole)
    assert len(labels_of(heatmap)) == 11


def test_append_to_an_empty_heatmap(rng, small_ref):
    rows = _days(rng, "2024-01-01", 2)
    heatmap = DriftHeatmap(small_ref, rows.iloc[:0], time="ts", window="1D")
    heatmap.append(rows)
    heatmap.append(_days(rng, "2024-01-03", 1))
    whole = DriftHeatmap(
        small_ref,
        pd.concat([rows, _days(np.random.default_rng(0), "2024-01-03", 1)]),
        time="ts",
        window="1D",
    )
    assert len(labels_of(heatmap)) == len(labels_of(whole)) == 3


def test_out_of_order_append_clears_the_selection_and_recounts(rng, small_ref):
    heatmap = DriftHeatmap(small_ref, _days(rng, "2024-01-05", 3), time="ts", window="1D")
    heatmap.selected = {"feature": "x", "window": 0}
    heatmap.append(_days(rng, "2024-01-01", 2, shift=2.0))
    assert heatmap.selected is None and heatmap._detail == {}
    assert heatmap._backtest["windows"] == len(labels_of(heatmap)) == 7
    assert heatmap._backtest["critical"] == int((heatmap.table["severity"] == "critical").sum()) > 0


def test_detail_of_an_earlier_window_follows_the_correction(rng, small_ref):
    heatmap = DriftHeatmap(
        small_ref, _days(rng, "2024-01-01", 3, shift=0.25), time="ts", window="1D"
    )
    heatmap.selected = {"feature": "x", "window": 0}
    heatmap.append(_days(rng, "2024-01-04", 6, shift=1.0))
    row = heatmap.table.query("feature == 'x' and window == 0").iloc[0]
    assert dict(heatmap._detail["numbers"])["corrected p"] == pytest.approx(row["p_adjusted"])


def test_where_shows_the_segment_against_the_same_segment_of_the_reference():
    """``where=`` is segment_drift's view of one segment; appended rows are filtered too."""
    demo = load_demo()
    days = {"time": demo.time, "window": "1D", "roles": demo.roles}
    early = demo.production[demo.production["timestamp"] < "2024-05-01"]
    late = demo.production[demo.production["timestamp"] >= "2024-05-01"]
    widget = DriftHeatmap(demo.reference, early, where={"channel": "partner"}, **days)
    assert widget.where == "channel == 'partner'"
    assert "channel" not in set(widget.table["feature"])
    widget.append(late)
    shown = mm.segment_drift(demo.reference, demo.production, "channel", **days)
    shown = shown[shown["segment_value"] == "partner"].reset_index(drop=True)
    mine = widget.table.sort_values(["window", "feature"]).reset_index(drop=True)
    shown = shown.sort_values(["window", "feature"]).reset_index(drop=True)
    assert list(mine["severity"]) == list(shown["severity"])
    np.testing.assert_allclose(mine["psi"], shown["psi"], rtol=1e-12)
    dti = mine[(mine["feature"] == "debt_to_income") & (mine["window"] >= 60)]
    assert (dti["severity"] != "ok").mean() > 0.5  # the partner shift, visible in the segment
    with pytest.raises(ValueError, match="where= needs the reference as a DataFrame"):
        DriftHeatmap(
            mm.Baseline.fit(demo.reference, roles=demo.roles), early, where={"channel": "x"}, **days
        )
