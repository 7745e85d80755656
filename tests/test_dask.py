"""Drift over a Dask DataFrame on a real LocalCluster equals the in-memory engine.

The partials are computed on the cluster's worker processes, one task per partition, and
tree-reduced there in row order; only the merged partials come back.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm

from .test_scale import _frames, assert_same

dd = pytest.importorskip("dask.dataframe")


def test_drift_over_time_on_the_cluster(dask_client):
    ref, prod = _frames(11, 12_000, 8000)
    frame = dd.from_pandas(prod, npartitions=7)
    want = mm.drift_over_time(ref, prod, time="ts", window="1D")
    got = mm.drift_over_time(ref, frame, time="ts", window="1D")
    assert_same(want, got)
    assert (got["severity"] == "critical").any()
    assert len(dask_client.scheduler_info()["workers"]) == 2


def test_drift_table_on_the_cluster_with_a_baseline(dask_client):
    ref, prod = _frames(12, 3000, 9000)
    baseline = mm.Baseline.fit(ref)
    frame = dd.from_pandas(prod.drop(columns="ts"), npartitions=5)
    assert_same(mm.drift_table(baseline, prod.drop(columns="ts")), mm.drift_table(baseline, frame))


def test_invalid_values_in_an_object_column(dask_client):
    """Values that are not numbers count as invalid in every partition."""
    rng = np.random.default_rng(13)
    ref = pd.DataFrame({"x": rng.normal(size=2000)})
    values = rng.normal(size=3000).astype(object)
    values[::37] = "n/a"
    prod = pd.DataFrame({"x": values})
    got = mm.drift_table(ref, dd.from_pandas(prod, npartitions=4))
    assert_same(mm.drift_table(ref, prod), got)
    assert got.loc["x", "invalid_current"] == pytest.approx(82 / 3000)


def test_the_package_works_without_dask():
    """Without Dask installed the package imports and runs on pandas frames."""
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None\n"
        "import numpy as np, pandas as pd, mlmon_widgets as mm\n"
        "x = pd.DataFrame({'x': np.arange(200.0)})\n"
        "print(mm.drift_table(x, x).loc['x', 'severity'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_performance_on_the_cluster(dask_client):
    from .test_scale import _predictions

    frame = _predictions(14, 6000)
    kw = {"label": "y", "score": "score", "latency": "lat", "time": "ts", "window": "1D"}
    want = mm.performance_over_time(frame, n_bootstrap=20, **kw)
    got = mm.performance_over_time(dd.from_pandas(frame, npartitions=6), n_bootstrap=20, **kw)
    assert_same(want, got)
    shuffled = frame.sample(frac=1.0, random_state=2)  # partitions in any order: parked on disk
    want = mm.performance_over_time(shuffled, n_bootstrap=20, **kw)
    got = mm.performance_over_time(
        dd.from_pandas(shuffled, npartitions=4, sort=False), n_bootstrap=20, **kw
    )
    assert_same(want, got)


def test_data_quality_on_the_cluster(dask_client):
    ref, prod = _frames(15, 2000, 4000)
    frame = dd.from_pandas(prod, npartitions=3)
    want = mm.data_quality(ref, prod, time="ts", window="1D")
    got = mm.data_quality(ref, frame, time="ts", window="1D")
    # Dask converts text columns to its string dtype: their dtype (and so the dtype-change
    # status) differs from the pandas frame's; every rate is the same
    columns = [c for c in want.columns if c not in ("dtype_current", "status")]
    assert_same(want[columns], got[columns])
