"""Threads over features (n_jobs): the same results, in the same order, whatever the count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm
from mlmon_widgets.engine import Baseline, make_windows, window_statistics


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)

    def frame(n: int, shift: float) -> pd.DataFrame:
        data = {f"x{i}": rng.normal(shift * (i % 3), 1, n) for i in range(7)}
        data["x3"][rng.random(n) < 0.05] = np.nan
        data["c"] = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
        return pd.DataFrame(data)

    reference, production = frame(6000, 0.0), frame(12000, 0.1)
    production["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.arange(12000) * 300, unit="s"
    )
    return reference, production


@pytest.mark.parametrize("n_jobs", [2, 3, -1])
def test_drift_over_time_is_the_same_with_threads(frames, n_jobs):
    reference, production = frames
    days = {"time": "ts", "window": "6h", "progress": False}
    one = mm.drift_over_time(reference, production, n_jobs=1, **days)
    many = mm.drift_over_time(reference, production, n_jobs=n_jobs, **days)
    assert one["window"].nunique() > 40  # the all-windows path
    pd.testing.assert_frame_equal(one, many)


def test_drift_table_and_window_statistics_are_the_same_with_threads(frames):
    reference, production = frames
    data = production.drop(columns="ts")
    pd.testing.assert_frame_equal(
        mm.drift_table(reference, data, n_jobs=1), mm.drift_table(reference, data, n_jobs=2)
    )
    baseline = Baseline.fit(reference)
    windows = make_windows(data, rows=500)
    pd.testing.assert_frame_equal(
        window_statistics(baseline, data, windows, n_jobs=1),
        window_statistics(baseline, data, windows, n_jobs=4),
    )


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2"])
def test_a_bad_n_jobs_names_the_argument(frames, bad):
    reference, production = frames
    with pytest.raises((TypeError, ValueError), match="n_jobs"):
        mm.drift_table(reference, production.drop(columns="ts"), n_jobs=bad)
