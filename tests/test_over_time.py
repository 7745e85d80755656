"""drift_over_time: time and row windows, sliding steps, gaps, correction across windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

import mlmon_widgets as mm

from .conftest import make_frame


@pytest.fixture
def production(rng) -> pd.DataFrame:
    """Four days at one row a minute; x shifts from the start of day 3."""
    n = 4 * 1440
    frame = make_frame(rng, n)
    frame["ts"] = pd.date_range("2024-03-01", periods=n, freq="1min")
    frame.loc[frame["ts"] >= "2024-03-03", "x"] += 0.7
    return frame


@pytest.fixture
def reference(rng) -> pd.DataFrame:
    return make_frame(rng, 6000)


def test_daily_windows(reference, production):
    res = mm.drift_over_time(reference, production, time="ts", window="1D")
    assert list(res.columns[:4]) == ["window", "window_start", "window_end", "feature"]
    assert res["window"].nunique() == 4
    assert (res.groupby("window")["n"].first() == 1440).all()
    starts = res.drop_duplicates("window")["window_start"]
    assert list(starts) == list(pd.date_range("2024-03-01", periods=4, freq="D"))
    x = res[res["feature"] == "x"].set_index("window")["severity"]
    assert list(x) == ["ok", "ok", "critical", "critical"]
    others = res[res["feature"] != "x"]
    assert (others["severity"] == "ok").all()


def test_each_window_equals_a_drift_table_on_its_rows(reference, production):
    res = mm.drift_over_time(reference, production, time="ts", window="1D", correction="none")
    day2 = production[(production["ts"] >= "2024-03-02") & (production["ts"] < "2024-03-03")]
    table = mm.drift_table(reference, day2.drop(columns="ts"), correction="none")
    got = res[res["window"] == 1].set_index("feature")
    for column in ["statistic", "p_value", "psi", "js", "kl", "wasserstein", "n_current"]:
        np.testing.assert_allclose(
            got[column].astype(float), table[column].astype(float), rtol=1e-12
        )


def test_correction_runs_across_windows_and_features(reference, production):
    res = mm.drift_over_time(reference, production, time="ts", window="6h")
    assert res["window"].nunique() == 16
    expected = multipletests(res["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(res["p_adjusted"], expected, rtol=1e-12)


def test_six_hour_windows_start_on_the_grid(reference, production):
    shifted = production.copy()
    shifted["ts"] += pd.Timedelta("7h")
    res = mm.drift_over_time(reference, shifted, time="ts", window="6h")
    first = res["window_start"].iloc[0]
    assert first == pd.Timestamp("2024-03-01 06:00")
    assert res.drop_duplicates("window")["n"].iloc[0] == 300  # 07:00-11:59


def test_unsorted_timestamps_give_the_same_result(reference, production):
    shuffled = production.sample(frac=1.0, random_state=3)
    a = mm.drift_over_time(reference, production, time="ts", window="1D")
    b = mm.drift_over_time(reference, shuffled, time="ts", window="1D")
    pd.testing.assert_frame_equal(a, b)


def test_datetime_index_is_used_without_time(reference, production):
    indexed = production.set_index("ts")
    a = mm.drift_over_time(reference, indexed, window="1D")
    b = mm.drift_over_time(reference, production, time="ts", window="1D")
    pd.testing.assert_frame_equal(a, b)


def test_gaps_are_kept_as_insufficient_windows(reference, production):
    gappy = production[(production["ts"] < "2024-03-02") | (production["ts"] >= "2024-03-03")]
    res = mm.drift_over_time(reference, gappy, time="ts", window="1D")
    day2 = res[res["window"] == 1]
    assert (day2["n"] == 0).all()
    assert (day2["severity"] == "insufficient_data").all()
    assert day2["reason"].str.contains("window has 0 usable").all()


def test_row_windows_and_sliding_steps(reference, production):
    data = production.drop(columns="ts")
    res = mm.drift_over_time(reference, data, rows=1000)
    windows = res.drop_duplicates("window")
    assert list(windows["window_start"]) == [0, 1000, 2000, 3000, 4000, 5000]
    assert list(windows["window_end"]) == [1000, 2000, 3000, 4000, 5000, 5760]
    assert list(windows["n"]) == [1000] * 5 + [760]
    sliding = mm.drift_over_time(reference, data, rows=2000, step=1000).drop_duplicates("window")
    assert list(sliding["window_start"]) == [0, 1000, 2000, 3000, 4000]
    assert list(sliding["window_end"]) == [2000, 3000, 4000, 5000, 5760]


def test_row_windows_over_time_report_timestamps(reference, production):
    res = mm.drift_over_time(reference, production, time="ts", rows=1440)
    windows = res.drop_duplicates("window")
    assert windows["window_start"].iloc[1] == pd.Timestamp("2024-03-02")
    assert windows["window_end"].iloc[0] == pd.Timestamp("2024-03-01 23:59")


def test_sliding_time_windows(reference, production):
    res = mm.drift_over_time(reference, production, time="ts", window="2D", step="1D")
    windows = res.drop_duplicates("window")
    assert list(windows["n"]) == [2880, 2880, 2880, 1440]


def test_stored_baseline_over_time(reference, production):
    stored = mm.Baseline.from_json(mm.Baseline.fit(reference).to_json())
    a = mm.drift_over_time(stored, production, time="ts", window="1D")
    b = mm.drift_over_time(reference, production, time="ts", window="1D")
    pd.testing.assert_frame_equal(a, b)


def test_progress_line_in_a_terminal(reference, production, capsys):
    mm.drift_over_time(reference, production, time="ts", window="1D", progress=True)
    err = capsys.readouterr().err
    assert "drift [" in err and err.endswith("\r")
    mm.drift_over_time(reference, production, time="ts", window="1D", progress=False)
    assert capsys.readouterr().err == ""


def test_month_end_windows_are_calendar_months(reference):
    days = pd.DataFrame(
        {"ts": pd.date_range("2024-01-01", "2024-04-01", freq="1D", inclusive="left")}
    )
    days["x"] = 0.0
    windows = mm.make_windows(days, time="ts", window="ME")
    assert [str(pd.Timestamp(t).date()) for t in windows.labels_start] == [
        "2024-01-01",
        "2024-02-01",
        "2024-03-01",
    ]
    assert (windows.ends - windows.starts).tolist() == [31, 29, 31]
