"""Drift statistics on 1-D array-likes, following DESIGN.md's conventions.

Missing values (None, NaN, pandas NA) and +/-inf are left out. Numeric inputs are binned
on the reference's deciles (PSI, JS, KL); anything else is treated as categories, one bin
per category in the union of both samples. Each function agrees with scipy where scipy
computes the same thing. They live in the engine and are gathered here under their
documented name.

Examples
--------
>>> import numpy as np
>>> from mlmon_widgets.stats import ks
>>> rng = np.random.default_rng(0)
>>> result = ks(rng.normal(size=500), rng.normal(0.5, 1, 500))
>>> round(result.statistic, 3), result.pvalue < 1e-6
(0.214, True)
"""

from .engine import (
    StatTestResult,
    bonferroni_combination,
    chi2,
    js_distance,
    kl_divergence,
    ks,
    psi,
    psi_tails,
    tail_chi2,
    wasserstein,
)

__all__ = [
    "StatTestResult",
    "bonferroni_combination",
    "chi2",
    "js_distance",
    "kl_divergence",
    "ks",
    "psi",
    "psi_tails",
    "tail_chi2",
    "wasserstein",
]
