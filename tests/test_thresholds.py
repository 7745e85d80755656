"""suggest_thresholds: NannyML-style limits with the false-alarm rates they imply."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm


@pytest.fixture
def reference(rng) -> pd.DataFrame:
    n = 30_000
    return pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(list("abcd"), n)})


def test_sigma_rule_matches_chunk_statistics(reference):
    s = mm.suggest_thresholds(reference, rows=1000)
    chunks = mm.drift_over_time(reference, reference, rows=1000)
    psi = chunks[chunks["feature"] == "x"]["psi"]
    assert s.loc["x", "n_chunks"] == 30
    assert s.loc["x", "mean"] == pytest.approx(psi.mean())
    assert s.loc["x", "warning"] == pytest.approx(psi.mean() + 2 * psi.std(ddof=1))
    assert s.loc["x", "critical"] == pytest.approx(psi.mean() + 3 * psi.std(ddof=1))
    assert s.loc["x", "exceed_warning"] == pytest.approx((psi >= s.loc["x", "warning"]).mean())
    assert 0 <= s.loc["x", "false_alarm_warning"] <= s.loc["x", "exceed_warning"]


def test_quantile_method_and_metric_fallback(reference):
    s = mm.suggest_thresholds(reference, rows=1000, metric="wasserstein", method="quantile")
    assert s.loc["x", "metric"] == "wasserstein"
    assert s.loc["c", "metric"] == "psi"
    assert "does not apply" in s.loc["c", "note"]
    assert s.loc["x", "exceed_critical"] <= 0.05


def test_suggestions_feed_drift_table(reference, rng):
    """A small real shift: below the default effect thresholds, above the learned ones."""
    s = mm.suggest_thresholds(reference, rows=5000)
    rules = mm.rules_from_suggestions(s)
    current = pd.DataFrame({"x": rng.normal(0.08, 1, 5000), "c": rng.choice(list("abcd"), 5000)})
    table = mm.drift_table(reference, current, thresholds=rules)
    assert table.loc["x", "rule"].startswith("psi ")
    assert table.loc["x", "severity"] in ("warning", "critical")
    assert mm.drift_table(reference, current).loc["x", "severity"] == "ok"


def test_time_chunks(reference):
    ref = reference.copy()
    ref["ts"] = pd.date_range("2024-01-01", periods=len(ref), freq="1min")
    s = mm.suggest_thresholds(ref, window="1D", time="ts")
    assert s.loc["x", "n_chunks"] == 21  # 20 whole days and a partial one
    assert s.loc["x", "chunk_rows"] == 1440


def test_too_few_chunks_is_a_clear_error(reference):
    with pytest.raises(ValueError, match="usable chunk"):
        mm.suggest_thresholds(reference.iloc[:900], rows=1000)


def test_few_chunks_are_noted(reference):
    s = mm.suggest_thresholds(reference.iloc[:5000], rows=1000)
    assert "only 5 chunks" in s.loc["x", "note"]
    assert np.isfinite(s["warning"]).all()
