"""PCA reconstruction error: the model against numpy/scikit-learn, its band, the JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm
from mlmon_widgets.config import ConfigError, MonitoringConfig


def _pairs(rng, n, rho):
    return pd.DataFrame(
        rng.multivariate_normal([0, 0, 0], [[1, rho, 0], [rho, 1, 0], [0, 0, 1]], n),
        columns=["u", "v", "w"],
    )


def test_model_and_errors_equal_scikit_learns_pca():
    decomposition = pytest.importorskip("sklearn.decomposition")
    rng = np.random.default_rng(1)
    ref = _pairs(rng, 3000, 0.8)
    ref["c"] = rng.choice(["a", "b", "c"], 3000, p=[0.6, 0.3, 0.1])
    ref.loc[::17, "u"] = np.nan  # imputed with the reference's median
    model = mm.Baseline.fit(ref, multivariate=True).multivariate
    encoded = model.encode(ref)
    u = ref["u"].to_numpy()
    usable = u[np.isfinite(u)]
    want_u = (np.where(np.isfinite(u), u, np.median(usable)) - usable.mean()) / usable.std()
    np.testing.assert_allclose(encoded[:, 0], want_u, rtol=1e-12)
    pca = decomposition.PCA(n_components=len(model.components), svd_solver="full").fit(encoded)
    assert pca.explained_variance_ratio_.sum() == pytest.approx(model.explained, rel=1e-10)
    assert model.explained >= 0.65 > pca.explained_variance_ratio_[:-1].sum()
    rebuilt = pca.inverse_transform(pca.transform(encoded))
    want = np.sqrt(((encoded - rebuilt) ** 2).sum(axis=1))
    np.testing.assert_allclose(model.errors(encoded), want, rtol=1e-9, atol=1e-12)
    blocks = len(ref) // 50
    np.testing.assert_allclose(
        model.block_errors, want[: blocks * 50].reshape(blocks, 50).mean(axis=1), rtol=1e-9
    )


def test_a_flipped_correlation_is_flagged_and_null_windows_are_not():
    rng = np.random.default_rng(2)
    baseline = mm.Baseline.fit(_pairs(rng, 10_000, 0.8), multivariate=True)
    current = pd.concat([_pairs(rng, 5000, 0.8), _pairs(rng, 5000, -0.8)], ignore_index=True)
    table = mm.reconstruction_error(baseline, current, rows=500)
    assert not table.loc[:9, "alert"].any()
    assert table.loc[10:, "alert"].all()
    assert (table.loc[10:, "value"] > table.loc[10:, "upper"]).all()
    assert (mm.drift_table(baseline, current.iloc[5000:])["severity"] == "ok").all()


def test_the_band_follows_the_window_size_and_is_stored_in_json():
    rng = np.random.default_rng(3)
    baseline = mm.Baseline.fit(_pairs(rng, 4000, 0.5), multivariate=True)
    model = baseline.multivariate
    small, large = model.band(100), model.band(1000)
    assert small[1] - small[0] > large[1] - large[0] > 0  # wider for smaller windows
    assert np.isnan(model.band(3000)[0])  # fewer than two chunks: no band
    again = mm.Baseline.from_json(baseline.to_json())
    current = _pairs(rng, 2000, 0.5)
    pd.testing.assert_frame_equal(
        mm.reconstruction_error(again, current, rows=400),
        mm.reconstruction_error(baseline, current, rows=400),
    )
    whole = mm.reconstruction_error(baseline, pd.concat([current] * 2, ignore_index=True))
    assert whole.loc[0, "note"].startswith("the reference has 4000 rows: too few")


def test_in_the_config_and_refused_when_broken():
    rng = np.random.default_rng(4)
    baseline = mm.Baseline.fit(_pairs(rng, 1000, 0.5), multivariate=True)
    config = MonitoringConfig.from_baseline(baseline, model="m", rows=100)
    loaded = MonitoringConfig.from_json(config.to_json())
    assert loaded.baseline_object().multivariate.to_dict() == baseline.multivariate.to_dict()
    broken = json.loads(config.to_json())
    broken["baseline"]["multivariate"]["features"] = ["u", "nope"]
    with pytest.raises(ConfigError, match=r"multivariate\.features\[1\]: 'nope' is not a feature"):
        MonitoringConfig.from_dict(broken)


def test_without_the_model_the_error_says_how_to_fit_it():
    rng = np.random.default_rng(5)
    plain = mm.Baseline.fit(_pairs(rng, 200, 0.5))
    with pytest.raises(ValueError, match=r"Baseline.fit\(reference, multivariate=True\)"):
        mm.reconstruction_error(plain, _pairs(rng, 100, 0.5))
    model = mm.Baseline.fit(_pairs(rng, 200, 0.5), multivariate=True)
    with pytest.raises(ValueError, match="no column 'w'"):
        mm.reconstruction_error(model, _pairs(rng, 100, 0.5).drop(columns="w"))


def test_null_windows_rarely_leave_the_band():
    """200 null windows of 200 rows: alerts within the binomial 99% bound at a 1% rate."""
    from scipy import stats as sps

    rng = np.random.default_rng(6)
    baseline = mm.Baseline.fit(_pairs(rng, 10_000, 0.8), multivariate=True)
    table = mm.reconstruction_error(baseline, _pairs(rng, 40_000, 0.8), rows=200)
    assert len(table) == 200
    assert table["alert"].sum() <= sps.binom.ppf(0.99, 200, 0.01)


def test_booleans_count_and_small_windows_keep_their_level():
    from scipy import stats as sps

    rng = np.random.default_rng(7)
    ref = _pairs(rng, 10_000, 0.8).assign(flag=rng.random(10_000) < 0.3)
    baseline = mm.Baseline.fit(ref, multivariate=True)
    encoded = baseline.multivariate.encode(ref)
    assert encoded[:, 3:].sum() > 0  # the boolean's one-hot columns are not all zeros
    current = _pairs(rng, 2000, 0.8).assign(flag=rng.random(2000) < 0.3)
    table = mm.reconstruction_error(baseline, current, rows=10)  # 200 windows of 10 rows
    assert table["alert"].sum() <= sps.binom.ppf(0.99, 200, 0.01)
    flipped = mm.reconstruction_error(baseline, current.assign(flag=True), rows=500)
    assert flipped["value"].iloc[0] != table["value"].iloc[0]
