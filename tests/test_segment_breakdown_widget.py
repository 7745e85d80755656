"""SegmentBreakdown: a view of segment_drift / drift_table / find_slices, selection and drill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import traitlets

import mlmon_widgets as mm
from mlmon_widgets.engine import SEVERITIES
from mlmon_widgets.widgets import DriftHeatmap, SegmentBreakdown

XSS = "<img src=x onerror=alert(1)>"


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(4)

    def frame(n: int, start: str, shift: float) -> pd.DataFrame:
        channel = rng.choice(["branch", "online", XSS], n, p=[0.4, 0.4, 0.2])
        ts = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 12 * 86_400, n)), "s")
        dti = rng.normal(0.3, 0.1, n) + np.where(channel == XSS, shift, 0.0)
        return pd.DataFrame(
            {"ts": ts, "channel": channel, "dti": dti, "age": rng.normal(40, 10, n)}
        )

    return frame(15_000, "2024-01-01", 0.0), frame(15_000, "2024-03-01", 0.07)


@pytest.fixture(scope="module")
def frames():
    return _frames()


@pytest.fixture
def view(frames, recording):
    reference, production = frames
    return SegmentBreakdown(
        reference, production, by="channel", time="ts", window="1D", roles={"ts": "datetime"}
    )


def test_the_view_shows_the_engines_numbers(frames, view):
    reference, production = frames
    assert view.feature == "dti"  # the feature whose segment drifts beyond the whole data's
    shown = view.columns_of("segments")
    whole = mm.segment_drift(reference, production, "channel", roles={"ts": "datetime"})
    whole = whole[whole["feature"] == "dti"]
    assert shown["value"] == whole["segment_value"].tolist()
    np.testing.assert_allclose(shown["measure"], whole["psi"], rtol=1e-12)
    assert view.columns_of("statistic")["name"] == ["psi"]
    assert [SEVERITIES[c] for c in shown["code"]] == whole["severity"].tolist()
    windowed = mm.segment_drift(
        reference, production, "channel", time="ts", window="1D", roles={"ts": "datetime"}
    )
    windowed = windowed[windowed["feature"] == "dti"]
    cells = view.columns_of("cells")["code"]
    assert cells.shape == (windowed["window"].nunique(), 3)
    for k, value in enumerate(shown["value"]):
        mine = [SEVERITIES[c] for c in cells[:, k]]
        assert mine == windowed.loc[windowed["segment_value"] == value, "severity"].tolist()
    overall = mm.drift_table(reference, production, roles={"ts": "datetime"})
    assert view.columns_of("overall")["measure"][0] == pytest.approx(overall.loc["dti", "psi"])
    slices = view.columns_of("slices")
    assert slices["slice"][0] == f"channel == {XSS!r}" and slices["target"][0] == "dti"
    assert slices["since"][0] == "2024-03-01"


def test_changing_the_feature_republishes_and_a_bad_one_is_refused(view):
    before = view._revision
    view.feature = "age"
    assert view._revision == before + 1
    assert view.columns_of("segments")["measure"].max() < 0.1
    with pytest.raises(traitlets.TraitError, match="feature 'income' is not shown"):
        view.feature = "income"
    view.set_state({"feature": "income"})  # from the front end: reported, not raised
    assert "not applied" in view._error and view.feature == "age"


def test_the_bars_show_the_chosen_drift_statistic_and_the_cells_stay_severities(frames, view):
    reference, production = frames
    whole = mm.segment_drift(reference, production, "channel", roles={"ts": "datetime"})
    whole = whole[whole["feature"] == "dti"]
    overall = mm.drift_table(reference, production, roles={"ts": "datetime"})
    assert view.columns_of("statistics")["name"] == ["psi", "psi_tails", "js", "wasserstein"]
    codes = view.columns_of("cells")["code"].copy()
    for statistic in ("js", "wasserstein", "psi_tails"):
        view.statistic = statistic
        assert view.columns_of("statistic")["name"] == [statistic]
        np.testing.assert_allclose(view.columns_of("segments")["measure"], whole[statistic])
        assert view.columns_of("overall")["measure"][0] == pytest.approx(
            overall.loc["dti", statistic], rel=1e-12
        )
        np.testing.assert_array_equal(view.columns_of("cells")["code"], codes)
    with pytest.raises(traitlets.TraitError, match="statistic must be one of psi, psi_tails"):
        view.statistic = "severity"


def test_selection_is_validated_and_drills_down(frames, view):
    reference, production = frames
    with pytest.raises(ValueError, match="select a segment or a slice first"):
        view.drill()
    with pytest.raises(traitlets.TraitError, match="is not shown"):
        view.selected = {"segment_column": "channel", "segment_value": "nowhere"}
    with pytest.raises(traitlets.TraitError, match="is not one of the"):
        view.selected = {"slice": 99}
    view.selected = {"segment_column": "channel", "segment_value": XSS}
    heatmap = view.drill()
    assert isinstance(heatmap, DriftHeatmap) and heatmap.where == f"channel == {XSS!r}"
    alone = DriftHeatmap(
        reference,
        production,
        where={"channel": XSS},
        time="ts",
        window="1D",
        roles={"ts": "datetime"},
    )
    assert heatmap.table["severity"].tolist() == alone.table["severity"].tolist()
    view.selected = {"slice": 0}
    assert view.drill().where == view.slices["slice"].iloc[0]


def test_monitored_segments_export_to_a_config_that_evaluate_judges_as_shown(frames, view):
    production = frames[1]
    with pytest.raises(ValueError, match="monitor a segment first"):
        view.to_config(model="m")
    view.selected = {"segment_column": "channel", "segment_value": XSS}
    view._on_action({"kind": "monitor"})  # what the button sends
    view.monitor()  # twice is once
    assert view.monitored == [f"channel == {XSS!r}"]
    config = view.to_config(model="credit")
    alerts = mm.evaluate(config, production)
    mine = alerts[alerts["segment"] == f"channel == {XSS!r}"]
    shown = view.table
    shown = shown[(shown["segment_value"] == XSS) & shown["severity"].isin(["warning", "critical"])]
    key = ["window_start", "feature", "severity"]
    assert len(mine) > 0
    assert sorted(map(tuple, mine[key].to_numpy())) == sorted(map(tuple, shown[key].to_numpy()))


def test_the_waterfall_is_explain_change_and_adds_up(frames, view):
    reference, production = frames
    parts = view.waterfall()
    expected = mm.explain_change(reference, production, "channel", metric="dti")
    np.testing.assert_allclose(parts["total_effect"], expected["total_effect"], rtol=1e-12)
    assert parts["total_effect"].sum() == pytest.approx(expected.attrs["overall_change"], abs=1e-12)
    sent = view.columns_of("waterfall")
    assert sent["segment"] == expected.index.tolist()
    np.testing.assert_allclose(sent["mix"] + sent["rate"], sent["total"], rtol=1e-12)
    top = parts.loc[parts["total_effect"].idxmax()]
    assert top["segment"] == XSS and top["rate_effect"] > 10 * abs(top["mix_effect"])


def _scored(production: pd.DataFrame) -> pd.DataFrame:
    """Scores and labels: the model is calibrated except in the XSS channel (labels flipped)."""
    rng = np.random.default_rng(9)
    frame = production.copy()
    frame["s"] = rng.uniform(0.05, 0.6, len(frame))
    y = rng.random(len(frame)) < frame["s"]
    flip = (frame["channel"] == XSS).to_numpy() & (rng.random(len(frame)) < 0.5)
    frame["y"] = np.where(flip, ~y, y)
    return frame


def _labelled_view(reference: pd.DataFrame, scored: pd.DataFrame, **options) -> SegmentBreakdown:
    """A daily breakdown by channel with the labels ``y`` and scores ``s`` of ``scored``."""
    return SegmentBreakdown(
        reference, scored, by="channel", time="ts", window="1D", roles={"ts": "datetime"},
        label="y", score="s", **options,
    )  # fmt: skip


def test_the_performance_view_shows_segment_performance(frames, recording):
    reference, production = frames
    scored = _scored(production)
    with pytest.raises(traitlets.TraitError, match="needs label="):
        SegmentBreakdown(reference, production, by="channel", slices=False).view = "performance"
    view = _labelled_view(reference, scored, slices=False, n_bootstrap=50)
    assert view.metric == "log_loss" and view.view == "drift"
    view.view = "performance"
    shown = view.columns_of("segments")
    expected = mm.segment_performance(scored, "channel", label="y", score="s", n_bootstrap=50)
    expected = expected[expected["metric"] == "log_loss"]
    np.testing.assert_allclose(shown["measure"], expected["value"], rtol=1e-12)
    np.testing.assert_allclose(shown["low"], expected["ci_low"], rtol=1e-12)
    codes = dict(zip(shown["value"], [SEVERITIES[c] for c in shown["code"]], strict=True))
    assert codes == {XSS: "critical", "branch": "ok", "online": "ok"}  # worse: critical colour
    assert view.columns_of("statistic")["name"] == ["log_loss"]
    assert "waterfall" not in view._store.data  # the drift view's
    view.metric = "accuracy"
    acc = view.columns_of("segments")
    assert SEVERITIES[acc["code"][acc["value"].index(XSS)]] == "critical"
    with pytest.raises(traitlets.TraitError, match="metric 'bleu' is not computed"):
        view.metric = "bleu"
    view.view = "drift"
    assert view.columns_of("statistic")["name"] == ["psi"]
    before = view._revision
    view.metric = "log_loss"  # the hidden view's choice: nothing is sent
    assert view._revision == before
    view.view = "performance"
    assert view.columns_of("statistic")["name"] == ["log_loss"]


def _degrading(production: pd.DataFrame, since: str) -> pd.DataFrame:
    """Calibrated scores, except in the XSS channel from ``since`` on (half its labels flip)."""
    rng = np.random.default_rng(11)
    frame = production.copy()
    frame["s"] = rng.uniform(0.05, 0.6, len(frame))
    y = rng.random(len(frame)) < frame["s"]
    late = (frame["ts"] >= since).to_numpy() & (frame["channel"] == XSS).to_numpy()
    frame["y"] = np.where(late & (rng.random(len(frame)) < 0.5), ~y, y)
    return frame


def test_the_performance_view_splits_the_metrics_change_and_lists_where_it_got_worse(
    frames, recording
):
    reference, production = frames
    since = "2024-03-07"
    scored = _degrading(production, since)
    with pytest.raises(ValueError, match="since= needs time="):
        SegmentBreakdown(reference, scored, by="channel", label="y", score="s", since=since)
    with pytest.raises(ValueError, match="has a time zone but the 'ts' column has none"):
        SegmentBreakdown(
            reference, scored, by="channel", time="ts", window="1D", label="y", score="s",
            since="2024-03-07T00:00+01:00", slices=False, n_bootstrap=0,
        )  # fmt: skip
    view = _labelled_view(reference, scored, since=since, n_bootstrap=0)
    before, after = scored[scored["ts"] < since], scored[scored["ts"] >= since]
    view.view = "performance"
    expected = mm.explain_change(before, after, "channel", metric="log_loss", label="y", score="s")
    parts = view.waterfall()
    np.testing.assert_allclose(parts["total_effect"], expected["total_effect"], rtol=1e-12)
    assert parts["total_effect"].sum() == pytest.approx(expected.attrs["overall_change"], abs=1e-12)
    sent = view.columns_of("waterfall")
    assert sent["segment"] == expected.index.tolist() and set(sent["additive"]) == {1}
    assert view.columns_of("periods")["text"] == ["before 2024-03-07 → from 2024-03-07"]
    top = parts.loc[parts["total_effect"].idxmax()]
    assert top["segment"] == XSS and top["rate_effect"] > 10 * abs(top["mix_effect"])
    found = mm.find_slices(
        after, reference=before, metric="log_loss", label="y", score="s",
        roles={"ts": "datetime"}, time="ts", window="1D",
    )  # fmt: skip
    shown = view.columns_of("slices")
    assert shown["slice"] == found["slice"].tolist() and shown["reason"] == found["reason"].tolist()
    assert shown["slice"][0] == f"channel == {XSS!r}"
    pd.testing.assert_frame_equal(view.performance_slices, found)
    view.selected = {"slice": 0}
    assert view.where() == tuple(found["conditions"].iloc[0])
    view.metric = "roc_auc"  # not a mean of rows: leave-one-segment-out, not additive
    assert view.selected is None  # the slice listed belonged to the other metric
    auc = mm.explain_change(before, after, "channel", metric="roc_auc", label="y", score="s")
    sent = view.columns_of("waterfall")
    assert set(sent["additive"]) == {0}
    np.testing.assert_allclose(sent["total"], auc["total_effect"], rtol=1e-12)
    notes = view.columns_of("notes")
    assert notes["slices"] == ["slices are searched on accuracy or log_loss"]
    assert view.columns_of("slices")["slice"] == []
    view.metric = "precision"
    assert "waterfall" not in view._store.data
    assert view.columns_of("notes")["waterfall"][0].startswith("no waterfall: precision is not")
    view.view = "drift"  # the drift slices and the feature's waterfall again
    assert view.columns_of("slices")["slice"] == view.slices["slice"].tolist()
    assert view.columns_of("notes")["waterfall"] == [""]


# ---------------------------------------------------------------- live append, from_frame, link
def _tables_of(widget) -> dict:
    return {name: widget.columns_of(name) for name in widget._store.data}


def _assert_same_tables(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for name, columns in want.items():
        assert set(got[name]) == set(columns), name
        for key, column in columns.items():
            if isinstance(column, list):
                assert got[name][key] == column, (name, key)
            else:
                np.testing.assert_array_equal(got[name][key], column, err_msg=f"{name}.{key}")


def test_append_sends_a_patch_that_brings_the_view_to_a_fresh_one(frames, recording):
    from .widget_comm import FrontEnd, message_bytes

    reference, production = frames
    cut = production["ts"] < production["ts"].min() + pd.Timedelta(days=9, hours=12)
    options = {"by": "channel", "time": "ts", "window": "1D", "roles": {"ts": "datetime"}}
    live = SegmentBreakdown(reference, production[cut], **options)
    front = FrontEnd(live, keys=("feature", "selected"))
    channel = recording[-1]
    full = sum(message_bytes(m) for m in channel.updates())
    live.selected = {"segment_column": "channel", "segment_value": "online"}
    front.catch_up(channel)
    before = len(channel.messages)
    live.append(production[~cut])
    after = channel.messages[before:]
    custom = [m for m in after if m["data"].get("method") == "custom"]
    assert custom and not any("_tables" in m["data"].get("state", {}) for m in after)
    sent = sum(message_bytes(m) for m in custom)
    assert sent < 0.5 * full  # the changed windows and bars, not every table again
    front.catch_up(channel)
    assert front.agrees_with(live)
    fresh = SegmentBreakdown(reference, production, **options)
    _assert_same_tables(_tables_of(live), _tables_of(fresh))
    assert live.selected == {"segment_column": "channel", "segment_value": "online"}
    pd.testing.assert_frame_equal(live.segments, fresh.segments)


def test_append_of_a_new_segment_and_bad_rows(frames, recording):
    from .widget_comm import FrontEnd

    reference, production = frames
    options = {"by": "channel", "time": "ts", "window": "1D", "roles": {"ts": "datetime"}}
    view = SegmentBreakdown(reference, production, slices=False, **options)
    front = FrontEnd(view)
    extra = production.iloc[-300:].assign(channel="kiosk")
    view.append(extra)  # a new segment: the grid is wider, so every table is sent again
    assert any("_tables" in m["data"].get("state", {}) for m in recording[-1].updates()[1:])
    front.catch_up(recording[-1])
    assert front.agrees_with(view)
    assert "kiosk" in view.columns_of("segments")["value"]
    fresh = SegmentBreakdown(
        reference, pd.concat([production, extra], ignore_index=True), slices=False, **options
    )
    _assert_same_tables(_tables_of(view), _tables_of(fresh))
    with pytest.raises(ValueError, match=r"lacks the production column\(s\) \['dti'\]"):
        view.append(production.drop(columns="dti").iloc[:10])
    with pytest.raises(TypeError, match="new_rows"):
        view.append([1, 2])


def test_from_frame_shows_the_same_as_the_view_of_the_data(frames, view):
    fresh = SegmentBreakdown.from_frame(
        view.segments, table=view.table, overall=view._overall, slices=view.slices
    )
    want, got = _tables_of(view), _tables_of(fresh)
    for name in ("waterfall", "periods", "notes"):  # the waterfall needs the rows
        want.pop(name, None)
    assert got.pop("notes")["waterfall"] == [
        "no waterfall: a from_frame view has no rows to decompose"
    ]
    _assert_same_tables(got, want)
    fresh.selected = {"segment_column": "channel", "segment_value": XSS}
    assert fresh.where()[0].value == XSS
    with pytest.raises(TypeError, match="static"):
        fresh.append(view.segments)
    with pytest.raises(TypeError, match="from_frame"):
        fresh.drill()
    with pytest.raises(ValueError, match=r"segments lacks column\(s\) \['psi'\]"):
        SegmentBreakdown.from_frame(view.segments.drop(columns="psi"))


def test_the_drilled_heatmap_follows_the_selection_in_place(frames, view):
    reference, production = frames
    view.selected = {"segment_column": "channel", "segment_value": "online"}
    linked = view.drill()
    view.selected = {"segment_column": "channel", "segment_value": XSS}
    assert linked.where == f"channel == {XSS!r}"
    fresh = DriftHeatmap(
        reference,
        production,
        where={"channel": XSS},
        time="ts",
        window="1D",
        roles={"ts": "datetime"},
    )
    pd.testing.assert_frame_equal(linked.table, fresh.table)
    later = production.assign(ts=production["ts"] + pd.Timedelta(days=12)).iloc[:2_000]
    view.append(later)
    both = pd.concat([production, later], ignore_index=True)
    again = DriftHeatmap(
        reference, both, where={"channel": XSS}, time="ts", window="1D", roles={"ts": "datetime"}
    )
    assert len(linked.table) == len(again.table)
    np.testing.assert_allclose(linked.table["psi"], again.table["psi"], rtol=1e-9)
    view.selected = {"segment_column": "channel", "segment_value": "branch"}  # rows kept
    fresh = DriftHeatmap(
        reference,
        both,
        where={"channel": "branch"},
        time="ts",
        window="1D",
        roles={"ts": "datetime"},
    )
    pd.testing.assert_frame_equal(linked.table, fresh.table)


def test_a_monitored_segment_with_labels_exports_its_charts_limits_and_evaluate_agrees(
    frames, recording
):
    from mlmon_widgets.config import MonitoringConfig, evaluate

    from .performance_data import assert_segment_alerts_are_the_charts

    reference, production = frames
    scored = _degrading(production, "2024-03-07")
    view = _labelled_view(reference, scored, slices=False, n_bootstrap=0)
    view.selected = {"segment_column": "channel", "segment_value": XSS}
    chart = view.chart()
    shown = chart.alerts()
    assert len(shown) > 0  # the segment's log loss leaves its own limits from the flip
    view.monitor()
    config = MonitoringConfig.from_yaml(view.to_config(model="m").to_yaml())
    (segment,) = config.segments
    assert segment.performance is not None
    alerts = evaluate(config, scored)
    assert_segment_alerts_are_the_charts(alerts, f"channel == {XSS!r}", shown)
    with pytest.raises(TypeError, match="label="):
        SegmentBreakdown(reference, production, by="channel", slices=False).chart()
