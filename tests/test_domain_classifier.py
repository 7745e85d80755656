"""domain_classifier: out-of-fold AUC, its p-value's calibration, and the features that drive it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import mlmon_widgets as mm

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def _flipped(rng, n):
    ref = pd.DataFrame(rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], n), columns=["u", "v"])
    cur = pd.DataFrame(
        rng.multivariate_normal([0, 0], [[1, -0.8], [-0.8, 1]], n), columns=["u", "v"]
    )
    for i in range(3):
        ref[f"w{i}"], cur[f"w{i}"] = rng.normal(size=n), rng.normal(size=n)
    ref["c"], cur["c"] = rng.choice(list("abc"), n), rng.choice(list("abc"), n)
    return ref, cur


def test_auc_is_sklearns_on_its_own_out_of_fold_scores():
    rng = np.random.default_rng(1)
    ref, cur = _flipped(rng, 800)
    cur.loc[::9, "w0"] = np.nan  # missing values, handled natively
    found = mm.domain_classifier(ref, cur, max_iter=30)
    assert found.statistic == sklearn_metrics.roc_auc_score(found.labels, found.scores)
    assert (found.labels == 1).sum() == len(cur) and found.folds == 5


def test_a_flipped_correlation_and_the_pair_behind_it():
    rng = np.random.default_rng(5)
    ref, cur = _flipped(rng, 5000)
    assert (mm.drift_table(ref, cur)["severity"] == "ok").all()  # no single feature shows it
    found = mm.domain_classifier(ref, cur, max_iter=50)
    assert found.statistic > 0.75 and found.pvalue < 1e-6
    assert set(found.importance.index[:2]) == {"u", "v"}
    assert found.importance.iloc[1] > 10 * max(found.importance.iloc[2], 1e-3)


def test_false_alarms_within_alpha_on_null_data():
    """200 seeded null runs at alpha = 0.05: rejections within the binomial 99% bound."""
    rejected = 0
    for seed in range(200):
        rng = np.random.default_rng(1000 + seed)
        ref = pd.DataFrame(rng.normal(size=(120, 3)), columns=list("abc"))
        cur = pd.DataFrame(rng.normal(size=(120, 3)), columns=list("abc"))
        found = mm.domain_classifier(ref, cur, folds=2, max_iter=10, importance=False, seed=seed)
        rejected += found.pvalue < 0.05
    assert rejected <= sps.binom.ppf(0.99, 200, 0.05)


def test_subsampling_and_refusals():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"a": rng.normal(size=300)})
    cur = pd.DataFrame({"a": rng.normal(size=200)})
    found = mm.domain_classifier(ref, cur, max_rows=100, max_iter=5)
    assert (found.n_reference, found.n_current) == (100, 100)
    with pytest.raises(ValueError, match="folds"):
        mm.domain_classifier(ref, cur, folds=1)
    with pytest.raises(ValueError, match="at least folds=5 rows"):
        mm.domain_classifier(ref, cur.iloc[:3])
    with pytest.raises(ValueError, match="current has no column 'a'"):
        mm.domain_classifier(ref, pd.DataFrame({"b": [1.0] * 20}))


def test_without_scikit_learn_the_error_names_the_extra():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "import pandas as pd, mlmon_widgets as mm\n"
        "x = pd.DataFrame({'a': range(20)})\n"
        "try:\n"
        "    mm.domain_classifier(x, x)\n"
        "except ImportError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "domain_classifier needs scikit-learn: pip install 'mlmon_widgets[multivariate]'"
    )
