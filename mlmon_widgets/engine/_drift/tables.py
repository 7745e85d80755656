"""drift_table and drift_over_time: the engine's main entry points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .._data.progress import Progress
from .._data.roles import infer_roles
from .._data.windows import Windows, make_windows
from .._scale.run import ROWS_REFUSED, ScaledData, scaled_statistics, scaled_windows
from .._scale.sources import is_scalable, pieces_of
from .._validation import (
    check_frame,
    check_names,
    check_option,
    check_positive_int,
    check_probability,
)
from .._vocabulary import CORRECTIONS, DEFAULT_GATE, FEATURE_KINDS
from .baseline import Baseline
from .rules import RuleLike
from .severity import check_gate, classify
from .statistics import compute

#: Default minimum number of usable values on each side for a test to run.
MIN_ROWS = 50
#: Default cap on categories per feature before the rarest are merged into one bin.
MAX_CATEGORIES = 100


def _prepare(
    reference: pd.DataFrame | Baseline,
    roles: Mapping[str, str] | None,
    bins: int,
    features: Sequence[str] | None,
) -> tuple[Baseline, pd.DataFrame | None, list[str]]:
    """The baseline to compare against, the raw reference to fit from (if any) and the features."""
    if isinstance(reference, Baseline):
        if roles is not None:
            raise ValueError("roles are fixed by the baseline; pass roles to Baseline.fit instead")
        baseline, raw = reference, None
        names = [n for n, r in baseline.roles.items() if r in FEATURE_KINDS]
    else:
        check_frame("reference", reference)
        bins = check_positive_int("bins", bins, minimum=2)
        column_roles = infer_roles(reference, roles)
        baseline = Baseline(
            {},
            column_roles,
            {c: str(reference[c].dtype) for c in reference.columns},
            len(reference),
            bins=bins,
        )
        raw = reference
        names = [n for n, r in column_roles.items() if r in FEATURE_KINDS]
    if features is not None:
        if isinstance(features, str):
            raise TypeError("features must be a list of column names, not a single string")
        check_names("features", features, names)
        names = [n for n in names if n in set(features)]
    return baseline, raw, names


def _current(current: object) -> tuple[pd.DataFrame | ScaledData, object]:
    """The data of :func:`drift_table` and its one window (None: a large source's own)."""
    if is_scalable(current):
        return ScaledData(pieces_of(current)), None
    check_frame("current", current, allow_empty_rows=True)
    assert isinstance(current, pd.DataFrame)
    return current, lambda: Windows.single(len(current))


def _run(
    reference: pd.DataFrame | Baseline,
    production: pd.DataFrame | ScaledData,
    windows_of: object,
    *,
    roles: Mapping[str, str] | None,
    alpha: float,
    correction: str,
    thresholds: Mapping[str, RuleLike] | None,
    min_rows: int,
    bins: int,
    max_categories: int,
    features: Sequence[str] | None,
    progress: bool | None,
    gate: str,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    alpha = check_probability("alpha", alpha)
    check_gate(gate)
    check_option("correction", correction, CORRECTIONS)
    min_rows = check_positive_int("min_rows", min_rows)
    max_categories = check_positive_int("max_categories", max_categories, minimum=2)
    baseline, raw, names = _prepare(reference, roles, bins, features)
    windows: Windows | None = windows_of() if callable(windows_of) else windows_of  # type: ignore[assignment]
    if isinstance(production, ScaledData):
        table = scaled_statistics(
            baseline,
            raw,
            production,
            windows,
            names,
            min_rows=min_rows,
            max_categories=max_categories,
        )
    else:
        assert windows is not None
        with Progress(len(names), "drift", enabled=progress) as bar:
            table = compute(
                baseline,
                raw,
                production,
                windows,
                names,
                min_rows=min_rows,
                max_categories=max_categories,
                progress=bar.update,
                n_jobs=n_jobs,
            )
    return classify(table, alpha=alpha, correction=correction, thresholds=thresholds, gate=gate)


def window_statistics(
    baseline: Baseline,
    production: pd.DataFrame,
    windows: Windows,
    *,
    min_rows: int = MIN_ROWS,
    max_categories: int = MAX_CATEGORIES,
    features: Sequence[str] | None = None,
    progress: bool | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """The statistics of :func:`drift_over_time` for given windows, before any severity.

    This is the building block for incremental use (a live view computes only the windows
    new rows touch, then runs :func:`classify` over everything it has): the baseline's
    sorted reference is reused, nothing is corrected and no severity is assigned.

    Parameters
    ----------
    baseline : Baseline
        The reference summary (exact when it keeps its reference data).
    production : pandas.DataFrame
        Rows the windows index into (or a Dask DataFrame or an Arrow dataset, with the
        windows :func:`make_windows` cut of it).
    windows : Windows
        From :func:`make_windows`.
    min_rows, max_categories, features, progress, n_jobs
        As in :func:`drift_table`.

    Returns
    -------
    pandas.DataFrame
        One row per window x feature with ``window`` (position in ``windows``), ``feature``
        and the statistics columns (``insufficient`` and ``note`` included).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> baseline = Baseline.fit(pd.DataFrame({"x": rng.normal(size=1000)}))
    >>> prod = pd.DataFrame({"x": rng.normal(size=300)})
    >>> stats = window_statistics(baseline, prod, make_windows(prod, rows=100))
    >>> stats[["window", "feature", "n", "insufficient"]]
       window feature    n  insufficient
    0       0       x  100         False
    1       1       x  100         False
    2       2       x  100         False
    >>> classify(stats)["severity"].tolist()
    ['ok', 'ok', 'ok']
    """
    min_rows = check_positive_int("min_rows", min_rows)
    max_categories = check_positive_int("max_categories", max_categories, minimum=2)
    _, _, names = _prepare(baseline, None, 10, features)
    if is_scalable(production):  # windows from make_windows of the same source
        time, span = windows.source if windows.source is not None else (None, None)
        data = ScaledData(pieces_of(production), time, span)
        return scaled_statistics(  # type: ignore[return-value]
            baseline,
            None,
            data,
            windows if windows.source is not None else None,
            names,
            min_rows=min_rows,
            max_categories=max_categories,
        )
    check_frame("production", production, allow_empty_rows=True)
    with Progress(len(names), "drift", enabled=progress) as bar:
        return compute(
            baseline,
            None,
            production,
            windows,
            names,
            min_rows=min_rows,
            max_categories=max_categories,
            progress=bar.update,
            n_jobs=n_jobs,
        )


def drift_table(
    reference: pd.DataFrame | Baseline,
    current: pd.DataFrame,
    *,
    roles: Mapping[str, str] | None = None,
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    thresholds: Mapping[str, RuleLike] | None = None,
    min_rows: int = MIN_ROWS,
    bins: int = 10,
    max_categories: int = MAX_CATEGORIES,
    features: Sequence[str] | None = None,
    progress: bool | None = None,
    gate: str = DEFAULT_GATE,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Compare every feature of ``current`` with the reference: one row per feature.

    Numeric features are tested with two-sample KS and a chi-squared test on the
    reference's quantile bins refined in the tails (their p-values combined, see ``gate``)
    and measured with PSI, Jensen-Shannon, smoothed KL on the quantile bins, PSI on the
    tail-refined bins and normed Wasserstein; categorical and boolean features with
    chi-squared, PSI, JS and KL on category counts. Missing values
    are left out of the statistics and reported as shares. The severity needs both gates:
    the corrected p-value below ``alpha`` (the change is real) and an effect metric at a
    threshold (the change matters); see DESIGN.md.

    Parameters
    ----------
    reference : pandas.DataFrame or Baseline
        Reference data, or a stored :class:`Baseline` (then KS comes from its sketch when
        the sketch is lossy, and ``method`` says ``'sketch'``).
    current : pandas.DataFrame
        The data to check. Columns missing here get ``insufficient_data`` with a note;
        columns new here are reported by :func:`data_quality`.
    roles : dict, optional
        Column -> role, overriding inference (only with a DataFrame reference).
    alpha : float, default 0.01
        Significance level of the corrected p-value.
    correction : {'fdr_bh', 'bonferroni', 'holm', 'none'}, default 'fdr_bh'
        Multiple-testing correction across all features.
    thresholds : dict, optional
        Feature -> :class:`Rule` (or dict, or ``'off'``), replacing the default rule.
    min_rows : int, default 50
        Fewer usable values than this on either side gives ``insufficient_data``.
    bins : int, default 10
        Quantile bins for numeric features (ignored with a Baseline, which has its own).
    max_categories : int, default 100
        Categories beyond this many (by combined frequency) are merged into one bin.
    features : list of str, optional
        Restrict to these features.
    progress : bool, optional
        Show a progress line (None: only in interactive sessions for slow runs).
    gate : {'ks_tails', 'ks'}, default 'ks_tails'
        The p-value gate of numeric features and the effect metrics of their default rule,
        as in :func:`classify`: ``'ks_tails'`` combines the KS p-value and that of a
        chi-squared test on the tail-refined bins by the Bonferroni combination (valid under
        their dependence) and adds ``psi_tails`` to the default rule; ``'ks'`` is the rule
        of earlier versions (KS alone).
    n_jobs : int, optional
        Threads over features (their sorts, searchsorted and bin counts release the GIL).
        None: two threads (or the cores, if fewer) when the work is numpy-bound (many
        windows, or at least 100,000 rows), one otherwise (a few small windows are
        Python-bound, where threads only contend); -1: every core; 1: none. Results do not
        depend on it.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``feature``; columns ``kind``, ``test`` ('ks' for numeric features,
        'chi2'), ``method`` ('exact' or 'sketch'), ``statistic`` (KS D or chi-squared),
        ``p_value`` (the gate's), ``p_ks`` and ``p_tails`` (its components, numeric only),
        ``p_adjusted``, ``psi``, ``psi_tails`` (PSI on the tail-refined bins, numeric
        only), ``js``, ``kl``, ``wasserstein`` (normed by the reference std; numeric only),
        ``n_reference``, ``n_current``, ``n``, ``missing_reference``, ``missing_current``,
        ``nonfinite_current``, ``invalid_current``, ``out_of_range``,
        ``unseen_categories``, ``unseen_share``, ``insufficient``, ``note``, ``rule``,
        ``severity``, ``drifted`` and ``reason``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> def frame(mean):
    ...     return pd.DataFrame(
    ...         {"income": rng.normal(mean, 10, 5000), "region": rng.choice(["n", "s"], 5000)}
    ...     )
    >>> ref = frame(50)
    >>> cur = frame(56)
    >>> table = drift_table(ref, cur)
    >>> table[["test", "severity"]]
            test  severity
    feature
    income    ks  critical
    region  chi2        ok
    >>> reason = table.loc["income", "reason"]
    >>> reason.split(" < ")[0]
    'ks+tails p_adj=2.29e-183 (tails p=5.74e-184, ks p=1.8e-136)'
    >>> reason.split(" and ")[1]
    'psi=0.378 >= 0.25, psi_tails=0.388 >= 0.25, wasserstein=0.624 >= 0.25'
    """
    data, windows_of = _current(current)
    table = _run(
        reference,
        data,
        windows_of,
        roles=roles,
        alpha=alpha,
        correction=correction,
        thresholds=thresholds,
        min_rows=min_rows,
        bins=bins,
        max_categories=max_categories,
        features=features,
        progress=progress,
        gate=gate,
        n_jobs=n_jobs,
    )
    return table.drop(columns="window").set_index("feature")


def drift_over_time(
    reference: pd.DataFrame | Baseline,
    production: pd.DataFrame,
    *,
    time: str | None = None,
    window: object | None = None,
    rows: int | None = None,
    step: object | None = None,
    roles: Mapping[str, str] | None = None,
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    thresholds: Mapping[str, RuleLike] | None = None,
    min_rows: int = MIN_ROWS,
    bins: int = 10,
    max_categories: int = MAX_CATEGORIES,
    features: Sequence[str] | None = None,
    progress: bool | None = None,
    gate: str = DEFAULT_GATE,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Drift of every feature in every window of ``production``: one row per window x feature.

    Windows are by time (``window`` a pandas offset such as ``'1D'`` or ``'6h'``, on the
    ``time`` column or a DatetimeIndex) or by rows (``rows=N``); ``step`` makes them
    sliding. Windows without enough rows are kept, as ``insufficient_data``, so gaps show.
    The multiple-testing correction runs across all windows x features of the call. The
    reference is sorted and binned once per feature and reused by every window.

    Parameters
    ----------
    reference : pandas.DataFrame or Baseline
        As in :func:`drift_table`.
    production : pandas.DataFrame
        Logged production data; rows without a timestamp are left out with a warning.
    time : str, optional
        Timestamp column (datetime dtype; unsorted is fine, it is sorted here).
    window : str or pandas offset, optional
        Time window length, e.g. ``'1D'``; windows start at the floor of the first time.
    rows : int, optional
        Row-count windows instead of time windows.
    step : str, offset or int, optional
        Sliding step (defaults to the window: tumbling windows); at most the window.
    roles, alpha, correction, thresholds, min_rows, bins, max_categories, features, progress
        As in :func:`drift_table`.
    gate, n_jobs
        As in :func:`drift_table`. Note that the correction runs over every window x
        feature of the call: with ``'fdr_bh'`` a strong real drift somewhere makes the
        gate a little easier to pass elsewhere (that is what controlling the false
        discovery rate means); use ``'holm'`` or ``'bonferroni'`` to control the chance of
        any false alarm instead.

    Returns
    -------
    pandas.DataFrame
        Columns ``window`` (0, 1, ...), ``window_start``, ``window_end`` (timestamps, or row
        positions without a time column; the end is exclusive for time windows and row
        positions, the last row's time for row windows over time), ``feature`` and the
        columns of :func:`drift_table`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> ref = pd.DataFrame({"x": rng.normal(size=3000)})
    >>> t = pd.date_range("2024-01-01", periods=3000, freq="1min")
    >>> prod = pd.DataFrame({"ts": t, "x": np.r_[rng.normal(size=1500), rng.normal(1, size=1500)]})
    >>> res = drift_over_time(ref, prod, time="ts", window="12h")
    >>> res[["window_start", "feature", "n", "severity"]]
             window_start feature    n  severity
    0 2024-01-01 00:00:00       x  720        ok
    1 2024-01-01 12:00:00       x  720        ok
    2 2024-01-02 00:00:00       x  720  critical
    3 2024-01-02 12:00:00       x  720  critical
    4 2024-01-03 00:00:00       x  120  critical
    """
    data: pd.DataFrame | ScaledData = production
    if is_scalable(production):
        if rows is not None:
            raise ValueError(ROWS_REFUSED)
        pieces = pieces_of(production)
        windows, span = scaled_windows(pieces, time=time, window=window, step=step)
        data = ScaledData(pieces, time, span)
    else:
        check_frame("production", production, allow_empty_rows=True)
        windows = make_windows(production, time=time, window=window, rows=rows, step=step)
    table = _run(
        reference,
        data,
        windows,
        roles=roles,
        alpha=alpha,
        correction=correction,
        thresholds=thresholds,
        min_rows=min_rows,
        bins=bins,
        max_categories=max_categories,
        features=features,
        progress=progress,
        gate=gate,
        n_jobs=n_jobs,
    )
    table.insert(1, "window_start", windows.labels_start[table["window"].to_numpy()])
    table.insert(2, "window_end", windows.labels_end[table["window"].to_numpy()])
    # Rows by window, then in the reference's column order.
    return table.sort_values("window", kind="stable").reset_index(drop=True)
