"""data_quality: per column and window, schema findings are rows, never exceptions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm


@pytest.fixture
def reference(rng) -> pd.DataFrame:
    n = 2000
    return pd.DataFrame(
        {
            "age": rng.uniform(18, 80, n),
            "city": rng.choice(["a", "b", "c"], n),
            "score": rng.normal(size=n),
            "gone": rng.normal(size=n),
        }
    )


def test_single_window_findings(reference, rng):
    n = 1000
    current = pd.DataFrame(
        {
            "age": np.r_[rng.uniform(18, 80, n - 100), np.full(50, 120.0), np.full(50, np.nan)],
            "city": rng.choice(["a", "b", "zz", "yy"], n, p=[0.45, 0.45, 0.07, 0.03]),
            "score": rng.normal(size=n).astype("float32"),
            "extra": 1,
        }
    )
    current.loc[:9, "score"] = np.inf
    q = mm.data_quality(reference, current)
    assert list(q.index) == ["age", "city", "score", "gone", "extra"]
    assert q.loc["age", "missing_rate"] == pytest.approx(0.05)
    age = current["age"].dropna()
    outside = ((age < reference["age"].min()) | (age > reference["age"].max())).mean()
    assert outside >= 50 / 950
    assert q.loc["age", "out_of_range"] == pytest.approx(outside)
    assert q.loc["city", "unseen_categories"] == 2
    assert q.loc["city", "unseen_share"] == pytest.approx(
        (current["city"].isin(["zz", "yy"])).mean()
    )
    assert q.loc["city", "unseen_examples"].split(", ") == ["zz", "yy"]
    assert q.loc["score", "status"] == "dtype_changed"
    assert q.loc["score", "nonfinite_rate"] == pytest.approx(0.01)
    assert q.loc["gone", "status"] == "missing"
    assert q.loc["gone", "missing_rate"] == 1.0
    assert q.loc["extra", "status"] == "new"
    assert q.loc["age", "status"] == "ok"


def test_windows(reference, rng):
    n = 3 * 500
    current = reference.iloc[:n].copy()
    current["ts"] = pd.date_range("2024-01-01", periods=n, freq="172800ms")
    current.loc[current.index[500:1000], "city"] = None
    q = mm.data_quality(reference, current, time="ts", window="1D")
    city = q[q["column"] == "city"].set_index("window")
    assert list(city["missing_rate"]) == [0.0, 1.0, 0.0]
    assert (q.groupby("window")["n"].first() == 500).all()


def test_invalid_values_in_a_numeric_column(reference):
    current = reference.iloc[:100].copy()
    current["age"] = current["age"].astype(object)
    current.loc[current.index[:10], "age"] = "unknown"
    q = mm.data_quality(reference, current)
    assert q.loc["age", "invalid_rate"] == pytest.approx(0.10)
    assert q.loc["age", "missing_rate"] == 0.0
    table = mm.drift_table(reference, current)
    assert table.loc["age", "invalid_current"] == pytest.approx(0.10)
    assert table.loc["age", "n_current"] == 90
