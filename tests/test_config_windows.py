"""Production windows on the notebook's grid: WindowSpec origin and time zone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlmon_widgets.config import ConfigError, MonitoringConfig, WindowSpec
from mlmon_widgets.engine import make_windows


def test_origin_and_timezone_round_trip_and_are_checked():
    spec = WindowSpec(time="ts", window="7D", origin="2024-03-01T00:00:00", timezone="Europe/Paris")
    assert WindowSpec.from_dict(spec.to_dict()) == spec
    assert "origin" not in WindowSpec(time="ts", window="1D").to_dict()  # older configs unchanged
    for bad, message in (
        ({"origin": "soon"}, "window.origin: must be an ISO time stamp"),
        ({"origin": "now"}, "window.origin: must be a fixed time stamp"),
        ({"timezone": "Mars/Olympus"}, "window.timezone: must be a time zone name"),
        (
            {"origin": "2024-03-01", "window": None, "rows": 100},
            "window.origin: needs time windows",
        ),
    ):
        data = {"time": "ts", "window": "7D", **bad}
        with pytest.raises(ConfigError, match=message):
            MonitoringConfig.from_dict(
                {
                    "schema_version": 1,
                    "model": {"name": "m"},
                    "baseline": _baseline(),
                    "window": data,
                }
            )


def _baseline() -> dict:
    from mlmon_widgets import Baseline

    return Baseline.fit(pd.DataFrame({"x": np.arange(100.0)}), roles={"x": "numeric"}).to_dict()


def test_a_batch_is_cut_on_the_notebooks_grid_whatever_day_it_starts():
    spec = WindowSpec(time="ts", window="7D", origin="2024-03-01T00:00:00")  # a Friday
    batch = pd.DataFrame({"ts": pd.date_range("2024-03-13 13:00", periods=300, freq="h")})
    windows = make_windows(batch, **spec.arguments())
    starts = pd.DatetimeIndex(windows.labels_start)
    assert (starts.day_of_week == 4).all() and starts[0] == pd.Timestamp("2024-03-08")
    earlier = pd.DataFrame({"ts": pd.date_range("2024-02-20", periods=10, freq="D")})
    back = make_windows(earlier, **spec.arguments())  # older than the origin: same grid
    assert pd.Timestamp(back.labels_start[0]) == pd.Timestamp("2024-02-16")


def test_aware_times_are_cut_in_the_configured_zone():
    spec = WindowSpec(
        time="ts", window="1D", timezone="Europe/Paris", origin="2024-03-01T00:00:00+01:00"
    )
    utc = pd.DataFrame({"ts": pd.date_range("2024-03-30 20:00", periods=60, freq="h", tz="UTC")})
    local = spec.localize(utc)
    windows = make_windows(local, **spec.arguments())
    starts = pd.DatetimeIndex(windows.labels_start)
    assert [t.hour for t in starts] == [0, 0, 0, 0]  # local midnights, across the DST change
    assert str(starts.tz) == "Europe/Paris"
    naive = utc.assign(ts=utc.ts.dt.tz_localize(None))
    with pytest.warns(Warning, match="taken as wall-clock times in Europe/Paris"):
        as_local = spec.localize(naive)
    assert str(as_local.ts.dt.tz) == "Europe/Paris"
    assert as_local.ts.isna().sum() == 1  # 02:00 on 2024-03-31 does not exist in Paris
    indexed = spec.localize(utc.set_index("ts"), time=None)  # a DatetimeIndex, no column
    spec_index = WindowSpec(window="1D", timezone="Europe/Paris")
    assert str(spec_index.localize(utc.set_index("ts")).index.tz) == "Europe/Paris"
    assert indexed.index.equals(utc.set_index("ts").index)  # time= names a column: untouched


def test_far_origins_jump_along_the_grid_and_give_the_same_windows():
    frame = pd.DataFrame({"ts": pd.date_range("2024-03-12 13:00", periods=30, freq="h")})
    for window, step in (("6h", None), ("6h", "2h"), ("45min", "15min")):
        near = make_windows(
            frame, time="ts", window=window, step=step, origin=pd.Timestamp("2024-03-11")
        )
        far = make_windows(
            frame, time="ts", window=window, step=step, origin=pd.Timestamp("2000-01-01")
        )
        assert list(near.labels_start) == list(far.labels_start)
        assert list(near.starts) == list(far.starts) and list(near.ends) == list(far.ends)
        assert far.first_index > near.first_index


def test_exported_configs_keep_the_grid_so_production_cuts_the_notebooks_weeks():
    from mlmon_widgets import Baseline, evaluate
    from mlmon_widgets.widgets import ControlChart

    from .performance_data import predictions

    data = predictions()
    local = data.assign(ts=data.ts.dt.tz_localize("UTC").dt.tz_convert("Europe/Paris"))
    chart = ControlChart(
        local,
        label="label",
        score="score",
        time="ts",
        window="7D",
        metrics=["accuracy"],
        n_bootstrap=0,
        baseline=5,
    )
    config = chart.to_config(
        baseline=Baseline.fit(data[["score"]], roles={"score": "numeric"}), model="m"
    )
    window = config.to_dict()["window"]
    assert window["timezone"] == "Europe/Paris"
    assert pd.Timestamp(window["origin"]) == pd.Timestamp(chart.points(chart.metrics[0]).index[0])
    # A batch starting mid-week, its times in UTC (as a CSV gives them): same weeks.
    batch = data[data.ts >= "2024-04-03 13:00"].assign(ts=lambda f: f.ts.dt.tz_localize("UTC"))
    alerts = evaluate(config, batch)
    weeks = set(chart.points("accuracy").index)
    produced = alerts[alerts["metric"] == "accuracy"]
    assert len(produced) and set(produced["window_start"]) <= weeks
    shown = chart.alerts()
    later = shown[shown["window_start"] >= pd.Timestamp("2024-04-05", tz="Europe/Paris")]
    assert set(later["window_start"]) <= set(produced["window_start"])
