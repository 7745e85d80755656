"""Drift on data in pieces (Arrow datasets streamed by batch) equals the in-memory engine.

The partials of every piece merge by addition (a property test), and the finished
statistics are those of ``drift_table`` / ``drift_over_time`` on the whole pandas frame:
to 1e-12 for every statistic, p-value, share and count, to 1e-9 for the Wasserstein
distance (summed in floating point, the bar the in-memory engine meets against scipy), and
exactly for every note, flag and severity, whatever the data: ties, missing and infinite
values, gaps, empty windows, sliding windows, unseen and too many categories, exact and
asymptotic KS, a baseline with or without its reference data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mlmon_widgets as mm
from mlmon_widgets.engine._scale import finish, partials, sources, spill
from mlmon_widgets.engine._scale.partials import piece_partials
from mlmon_widgets.engine._scale.plan import FeaturePlan, Plan, nanoseconds

WASSERSTEIN = "wasserstein"


def assert_same(want: pd.DataFrame, got: pd.DataFrame) -> None:
    """Every column equal: floats to 1e-12 (Wasserstein 1e-9), the rest exactly."""
    assert list(want.columns) == list(got.columns)
    assert len(want) == len(got)
    for column in want.columns:
        a, b = want[column], got[column]
        if a.dtype.kind == "f":
            rtol = 1e-9 if column == WASSERSTEIN else 1e-12
            np.testing.assert_allclose(b, a, rtol=rtol, atol=0, err_msg=column)
        else:
            pd.testing.assert_series_equal(b, a, obj=column)


def dataset(frame: pd.DataFrame) -> ds.Dataset:
    return ds.dataset(pa.Table.from_pandas(frame, preserve_index=False))


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of a few hundred rows, so that windows and cells span several pieces (and
    features run in threads in every piece, as they do in large ones)."""
    monkeypatch.setattr(sources, "BATCH_ROWS", 337)
    monkeypatch.setattr(partials, "THREAD_ROWS", 0)


def _frames(seed: int, n_ref: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "x": rng.lognormal(size=n_ref),
            "k": rng.integers(0, 12, n_ref).astype(float),
            "c": rng.choice(list("abc"), n_ref),
            "b": rng.random(n_ref) < 0.3,
        }
    )
    t = pd.date_range("2024-01-01", periods=n, freq="7min", tz="Europe/Paris")
    prod = pd.DataFrame(
        {
            "ts": t,
            "x": np.r_[rng.lognormal(size=n // 2), rng.lognormal(0.2, size=n - n // 2)],
            "k": rng.integers(0, 14, n).astype(float),
            "c": rng.choice(list("abcdef"), n),
            "b": rng.random(n) < 0.35,
        }
    )
    prod = prod[(prod["ts"].dt.day != 3)].reset_index(drop=True)  # a day without rows
    prod.loc[::41, "x"] = np.nan
    prod.loc[::59, "x"] = np.inf
    prod.loc[::67, "c"] = None
    return ref, prod


@pytest.mark.parametrize(
    "window",
    [{"window": "6h"}, {"window": "1D", "step": "8h"}, {"window": "7D"}],
    ids=["tumbling", "sliding", "week"],
)
@pytest.mark.parametrize("shuffled", [False, True], ids=["in-order", "shuffled"])
def test_drift_over_time_on_a_dataset_equals_in_memory(small_batches, window, shuffled):
    """Time-ordered pieces finish each window as the stream passes it; shuffled ones merge
    partials over the whole stream (and a second pass fetches the crossing cells)."""
    ref, prod = _frames(0, 3000, 4000)
    if shuffled:
        prod = prod.sample(frac=1.0, random_state=0).reset_index(drop=True)
    want = mm.drift_over_time(ref, prod, time="ts", **window)
    got = mm.drift_over_time(ref, dataset(prod), time="ts", **window)
    assert_same(want, got)
    assert (got["severity"] != "ok").any()  # the planted shift is seen


def test_asymptotic_ks_and_a_stored_baseline(small_batches):
    """A reference above 10,000 values (asymptotic KS), kept by the baseline or its sketch."""
    ref, prod = _frames(1, 12_000, 6000)
    baseline = mm.Baseline.fit(ref)
    for reference in (ref, baseline):
        want = mm.drift_over_time(reference, prod, time="ts", window="1D")
        assert_same(want, mm.drift_over_time(reference, dataset(prod), time="ts", window="1D"))
        assert_same(mm.drift_table(reference, prod), mm.drift_table(reference, dataset(prod)))


def test_lossless_sketch_is_exact(small_batches):
    """A baseline read back from JSON keeps every distinct value of a discrete feature."""
    ref, prod = _frames(2, 20_000, 3000)
    light = mm.Baseline.from_dict(mm.Baseline.fit(ref).to_dict())
    want = mm.drift_table(light, prod, features=["k", "c", "b"])
    got = mm.drift_table(light, dataset(prod), features=["k", "c", "b"])
    assert_same(want, got)
    assert (got["method"] == "exact").all()


def test_lossy_sketch_within_its_bound(small_batches):
    """With a lossy sketch each cell's values sit at their mean: KS moves by at most the
    largest reference share of one sketch cell."""
    ref, prod = _frames(3, 30_000, 8000)
    light = mm.Baseline.from_dict(mm.Baseline.fit(ref).to_dict())
    sketch = light.features["x"].sketch
    assert not sketch.lossless
    bound = float(np.max(sketch.lt[1:] - sketch.le[:-1])) / sketch.n
    want = mm.drift_over_time(light, prod, time="ts", window="2D", features=["x"])
    got = mm.drift_over_time(light, dataset(prod), time="ts", window="2D", features=["x"])
    tested = ~want["insufficient"]
    assert tested.sum() >= 5
    assert (got["method"][tested] == "sketch").all()
    gap = np.abs(got["statistic"] - want["statistic"])[tested]
    assert gap.max() <= bound
    for column in ("psi", "psi_tails", "js", "kl", "p_tails", "missing_current", "n"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-12, err_msg=column)


def test_categories_beyond_max_categories_and_unseen(small_batches):
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"c": rng.choice([f"r{i}" for i in range(30)], 5000)})
    t = pd.date_range("2024-01-01", periods=6000, freq="10min")
    labels = [f"r{i}" for i in range(25)] + [f"new{i}" for i in range(15)]
    prod = pd.DataFrame({"ts": t, "c": rng.choice(labels, 6000)})
    for kw in ({"max_categories": 8}, {}):
        want = mm.drift_over_time(ref, prod, time="ts", window="1D", **kw)
        got = mm.drift_over_time(ref, dataset(prod), time="ts", window="1D", **kw)
        assert_same(want, got)
    assert got["unseen_categories"].between(10, 15).all()
    assert mm.drift_table(ref, dataset(prod)).loc["c", "unseen_categories"] == 15


def test_missing_feature_and_rows_without_time(small_batches):
    ref, prod = _frames(5, 2000, 3000)
    prod.loc[::50, "ts"] = pd.NaT
    with pytest.warns(mm.DataWarning, match="no timestamp") as want_warned:
        want = mm.drift_over_time(ref, prod.drop(columns="k"), time="ts", window="1D")
    with pytest.warns(mm.DataWarning, match="no timestamp") as got_warned:
        got = mm.drift_over_time(ref, dataset(prod.drop(columns="k")), time="ts", window="1D")
    assert str(want_warned[0].message) == str(got_warned[0].message)
    assert_same(want, got)
    assert (
        got.loc[got["feature"] == "k", "note"] == "column is missing from the current data"
    ).all()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_ref=st.integers(1, 400),
    n=st.integers(0, 600),
    levels=st.integers(1, 40),
    batch=st.integers(1, 300),
    hours=st.sampled_from(["3h", "1D"]),
    step=st.sampled_from([None, "1h"]),
)
def test_random_frames_agree(monkeypatch, seed, n_ref, n, levels, batch, hours, step):
    """Ties (few levels), NaN, infinities, tiny and empty windows, gaps, unseen categories."""
    monkeypatch.setattr(sources, "BATCH_ROWS", batch)
    rng = np.random.default_rng(seed)

    def values(size: int) -> np.ndarray:
        out = rng.integers(0, levels, size) * rng.choice([0.5, 1.0]) + rng.choice([0.0, 1e6])
        out = out.astype(float)
        out[rng.random(size) < 0.05] = np.nan
        out[rng.random(size) < 0.02] = -np.inf
        return out

    ref = pd.DataFrame({"x": values(n_ref), "c": rng.choice(list("abcd"), n_ref).astype(object)})
    minutes = np.sort(rng.integers(0, 4 * 24 * 60, n))
    prod = pd.DataFrame(
        {
            "ts": pd.Timestamp("2024-03-01") + pd.to_timedelta(minutes, unit="min"),
            "x": values(n),
            "c": rng.choice(list("abcdez"), n).astype(object),
        }
    )
    prod.loc[rng.random(n) < 0.05, "c"] = None
    kw = {"time": "ts", "window": hours, "step": step, "min_rows": 5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (tiny samples: scipy's small-sample notes)
        want = mm.drift_over_time(ref, prod, **kw)
        got = mm.drift_over_time(ref, dataset(prod), **kw)
        assert_same(want, got)
        assert_same(
            mm.drift_table(ref, prod.drop(columns="ts"), min_rows=5),
            mm.drift_table(ref, dataset(prod.drop(columns="ts")), min_rows=5),
        )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(0, 300),
    cut=st.floats(0, 1),
    windows=st.integers(1, 5),
)
def test_partials_of_two_pieces_add_up(seed, n, cut, windows):
    """partial(A) + partial(B) == partial(A and B): counts exactly, offset sums to rounding."""
    rng = np.random.default_rng(seed)
    grid = np.unique(rng.integers(0, 30, 20).astype(float))
    edges = np.unique(rng.integers(0, 30, 6).astype(float))
    time = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.sort(rng.integers(0, windows * 24, n)), "h"
    )
    frame = pd.DataFrame(
        {
            "t": time,
            "x": rng.integers(-3, 33, n) + rng.choice([0.0, 0.5], n),
            "c": rng.choice(["p", "q", "r", "s"], n),
        }
    )
    frame.loc[rng.random(n) < 0.1, "x"] = np.nan
    starts = pd.date_range("2024-01-01", periods=windows, freq="1D")
    plan = Plan(
        (FeaturePlan("x", "numeric", grid, edges), FeaturePlan("c", "categorical")),
        "t",
        nanoseconds(starts),
        nanoseconds(starts + pd.Timedelta("1D")),
    )
    k = int(cut * n)
    whole = piece_partials(frame, plan)
    merged = piece_partials(frame.iloc[:k], plan) + piece_partials(frame.iloc[k:], plan)
    for name in ("x", "c"):
        a, b = whole.features[name], merged.features[name]
        np.testing.assert_array_equal(a.windows.keys, b.windows.keys)
        np.testing.assert_array_equal(a.windows.counts, b.windows.counts)
    assert whole.features["c"].labels == merged.features["c"].labels
    np.testing.assert_array_equal(whole.features["x"].cells.keys, merged.features["x"].cells.keys)
    np.testing.assert_array_equal(
        whole.features["x"].cells.counts, merged.features["x"].cells.counts
    )
    np.testing.assert_allclose(
        whole.features["x"].cells.sums, merged.features["x"].cells.sums, rtol=1e-12, atol=1e-12
    )
    np.testing.assert_array_equal(whole.rows.counts, merged.rows.counts)


def test_rows_windows_and_seasonal_baselines_are_refused():
    ref, prod = _frames(6, 500, 500)
    with pytest.raises(ValueError, match="rows= windows need every row in memory"):
        mm.drift_over_time(ref, dataset(prod), rows=100)
    weekly = mm.Baseline.fit(
        ref.assign(ts=pd.date_range("2023-01-01", periods=len(ref), freq="1h")),
        time="ts",
        seasonality="weekday",
        seasonal_features=["x"],
    )
    with pytest.raises(ValueError, match="seasonal baseline"):
        mm.drift_over_time(weekly, dataset(prod), time="ts", window="1D")
    with pytest.raises(ValueError, match="time column 'when' is not in the data"):
        mm.drift_over_time(ref, dataset(prod), time="when", window="1D")


def test_a_parquet_folder_streams(tmp_path, small_batches):
    """Several Parquet files read as one dataset, by folder and by glob."""
    ref, prod = _frames(7, 2000, 5000)
    for i, part in enumerate(np.array_split(np.arange(len(prod)), 4)):
        prod.iloc[part].to_parquet(tmp_path / f"part-{i}.parquet", row_group_size=500)
    want = mm.drift_over_time(ref, prod, time="ts", window="1D")
    for path in (tmp_path, tmp_path / "part-*.parquet"):
        got = mm.drift_over_time(ref, sources.parquet_dataset(path), time="ts", window="1D")
        assert_same(want, got)
    with pytest.raises(FileNotFoundError, match="no file matches"):
        sources.parquet_dataset(tmp_path / "nothing-*.parquet")


def test_data_that_changes_between_passes_is_an_error(monkeypatch):
    """The second pass (crossing cells) must see the rows of the first."""
    rng = np.random.default_rng(8)
    ref = pd.DataFrame({"x": rng.integers(0, 5, 300).astype(float)})
    prod = pd.DataFrame({"x": rng.uniform(-0.2, 4.2, 400)})  # values between the levels
    changed = dataset(prod.assign(x=prod["x"] + 0.01))
    calls = []
    original = sources.ArrowPieces.reduce

    def reduce(self, columns, function, *args):
        calls.append(function)
        if len(calls) == 2:
            self = sources.ArrowPieces(changed)
        return original(self, columns, function, *args)

    monkeypatch.setattr(sources.ArrowPieces, "reduce", reduce)
    with pytest.raises(RuntimeError, match="changed between the two passes"):
        mm.drift_table(ref, dataset(prod))


@pytest.mark.parametrize("windowed", [True, False], ids=["daily", "whole"])
def test_data_quality_on_a_dataset_equals_in_memory(small_batches, windowed):
    """Every rate is a ratio of merged counts: ids, versions, new and missing columns too."""
    ref, prod = _frames(9, 3000, 5000)
    ref = ref.assign(model_version="1.0", application_id=np.arange(len(ref)))
    prod = prod.assign(
        model_version=np.where(np.arange(len(prod)) > 3000, "1.1", "1.0"),
        application_id=np.arange(len(prod), dtype=float),
        extra=1.0,
    ).drop(columns="k")
    prod.loc[::7, "application_id"] = np.nan
    roles = {"model_version": "version", "application_id": "id"}
    kw = {"time": "ts", "window": "1D"} if windowed else {}
    want = mm.data_quality(ref, prod, roles=roles, **kw)
    got = mm.data_quality(ref, dataset(prod), roles=roles, **kw)
    assert_same(want.reset_index(), got.reset_index())
    if not windowed:
        assert got.loc["k", "status"] == "missing"
        assert got.loc["model_version", "unseen_examples"] == "1.1"
        assert got.loc["application_id", "missing_rate"] == pytest.approx(1 / 7, abs=1e-3)


def _predictions(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    score = np.clip(0.3 + 0.3 * y + rng.normal(0, 0.2, n), 0, 1)
    label = pd.array(np.where(np.arange(n) < n - 1000, y, pd.NA), dtype="boolean")  # late
    t = pd.date_range("2024-01-01", periods=n, freq="3min")
    return pd.DataFrame({"ts": t, "score": score, "y": label, "lat": rng.gamma(2, 20, n)})


def test_performance_on_a_dataset_equals_in_memory(small_batches, monkeypatch):
    """Each window from its own rows: AUC, bootstrap intervals and percentiles exactly, in
    time order as the pieces pass, in any order from rows parked on disk by window."""
    frame = _predictions(10, 8000)
    kw = {"label": "y", "score": "score", "latency": "lat", "time": "ts", "window": "1D"}
    want = mm.performance_over_time(frame, n_bootstrap=50, **kw)
    got = mm.performance_over_time(dataset(frame), n_bootstrap=50, **kw)
    assert_same(want, got)
    assert {"pending", "ok"} <= set(got["status"])
    shuffled = frame.sample(frac=1.0, random_state=1)
    monkeypatch.setattr(spill, "SPILL_BYTES", 20_000)  # rows parked on disk many times
    want = mm.performance_over_time(shuffled, n_bootstrap=50, **kw)
    assert_same(want, mm.performance_over_time(dataset(shuffled), n_bootstrap=50, **kw))
    with pytest.raises(ValueError, match="label column 'truth' is not in the data"):
        mm.performance_over_time(dataset(frame), **{**kw, "label": "truth"})


def test_values_near_the_float_limit_and_files_without_a_column(tmp_path, small_batches):
    """A cell's sum that overflows fetches its values; a file lacking a column gives nulls."""
    ref = pd.DataFrame({"x": np.linspace(0, 1, 100), "y": np.linspace(0, 1, 100)})
    cur = pd.DataFrame({"x": np.r_[np.linspace(0, 1, 100), np.full(30, 1e307)], "y": 0.5})
    with warnings.catch_warnings():  # (the in-memory Wasserstein overflows there too)
        warnings.simplefilter("ignore", RuntimeWarning)
        want, got = mm.drift_table(ref, cur), mm.drift_table(ref, dataset(cur))
    columns = ["n_current", "statistic", "p_ks", "psi", "out_of_range", "severity"]
    pd.testing.assert_frame_equal(got[columns], want[columns])
    assert got.loc["x", "n_current"] == 130 and got.loc["x", "severity"] != "ok"
    cur["x"] = cur["x"].clip(upper=5.0)
    cur.iloc[:65].to_parquet(tmp_path / "a.parquet")
    cur.iloc[65:].drop(columns="y").to_parquet(tmp_path / "b.parquet")
    whole = pd.concat([cur.iloc[:65], cur.iloc[65:].assign(y=np.nan)], ignore_index=True)
    got = mm.drift_table(ref, mm.parquet_dataset(tmp_path))
    assert_same(mm.drift_table(ref, whole), got)
    assert got.loc["y", "missing_current"] == pytest.approx(65 / 130)


def test_unordered_performance_on_a_datetime_index(small_batches, monkeypatch):
    """A Dask frame keeps its DatetimeIndex through the rows parked on disk; an Arrow
    dataset has no index and is asked for the time column."""
    dd = pytest.importorskip("dask.dataframe")
    frame = _predictions(16, 3000).set_index("ts").sample(frac=1.0, random_state=3)
    monkeypatch.setattr(spill, "SPILL_BYTES", 20_000)
    kw = {"label": "y", "score": "score", "window": "1D", "n_bootstrap": 0}
    source = dd.from_pandas(frame, npartitions=4, sort=False)  # Dask's local scheduler
    assert_same(mm.performance_over_time(frame, **kw), mm.performance_over_time(source, **kw))
    with pytest.raises(ValueError, match="an Arrow dataset has no index"):
        mm.performance_over_time(ds.dataset(pa.Table.from_pandas(frame)), **kw)


def test_version_events_on_the_grid_of_an_origin():
    ref = pd.DataFrame({"x": [1.0, 2.0, 3.0] * 10, "model_version": ["1.0"] * 30})
    t = pd.date_range("2024-01-05", periods=40, freq="6h")
    cur = pd.DataFrame({"ts": t, "x": 1.0, "model_version": ["1.0"] * 20 + ["1.1"] * 20})
    baseline = mm.Baseline.fit(ref, roles={"model_version": "version"})
    kw = {"time": "ts", "window": "1D", "origin": pd.Timestamp("2024-01-01")}
    want = mm.engine.version_events(baseline, cur, **kw)
    pd.testing.assert_frame_equal(mm.engine.version_events(baseline, dataset(cur), **kw), want)
    assert want["window"].tolist() == [9]


def test_large_windows_are_finished_without_expanding(small_batches, monkeypatch):
    """Windows beyond CHUNK_VALUES values are finished from their (value, count) runs, the
    others a group at a time: the numbers stay those of the in-memory engine."""
    monkeypatch.setattr(finish, "CHUNK_VALUES", 5000)
    large = []
    original = finish._large_window
    monkeypatch.setattr(
        finish, "_large_window", lambda *a, **k: large.append(1) or original(*a, **k)
    )
    ref, prod = _frames(17, 12_000, 30_000)
    prod = prod.sample(frac=1.0, random_state=4).reset_index(drop=True)  # partials, not groups
    assert_same(mm.drift_table(ref, prod), mm.drift_table(ref, dataset(prod)))
    assert len(large) == 2  # x and k: each one window of about 29,000 values
    kw = {"time": "ts", "window": "1D"}
    assert_same(mm.drift_over_time(ref, prod, **kw), mm.drift_over_time(ref, dataset(prod), **kw))
    light = mm.Baseline.from_dict(mm.Baseline.fit(ref).to_dict())
    sketch = light.features["x"].sketch
    bound = float(np.max(sketch.lt[1:] - sketch.le[:-1])) / sketch.n
    want, got = mm.drift_table(light, prod), mm.drift_table(light, dataset(prod))
    assert got.loc["x", "method"] == "sketch"
    assert abs(got.loc["x", "statistic"] - want.loc["x", "statistic"]) <= bound
    assert_same(want.drop(index="x"), got.drop(index="x"))
