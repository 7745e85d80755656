"""The per-feature, per-window computation behind drift_table and drift_over_time.

The loop is feature-major: a feature's reference is sorted and binned once (or taken from
the baseline), its production column is converted once, and then every window is a slice.
Each window's work is the sort of its own rows plus O(m log n) look-ups into the reference.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .._data.columns import CodedColumn, NumericColumn, coded_column, label_counts, numeric_column
from .._data.windows import Windows, time_values
from .._validation import check_positive_int
from .._vocabulary import (
    DEFAULT_GATE,
    DRIFT_GATES,
    FEATURE_KINDS,
    JS,
    KL,
    KS,
    METRIC_COLUMNS,
    P_KS,
    P_TAILS,
    PSI,
    PSI_TAILS,
    WASSERSTEIN,
)
from .all_windows import KSPValues, categorical_windows, chunks, numeric_windows
from .baseline import Baseline, CategoricalFeature, FeatureSummary, NumericFeature
from .kernels import (
    KS_EXACT_MAX_N,
    SortedReference,
    bin_counts,
    binned_distances,
    bonferroni_combination,
    chi2_from_counts,
    coarse_counts,
    ks_pvalue_asymptotic,
    psi_from_counts,
    tail_chi2_from_counts,
)
from .seasonal import phase_codes, phase_count

#: The tests behind the p-values: the numeric gate (two-sample KS, alone or combined with a
#: chi-squared test on tail-refined bins) and chi-squared for categories.
KS_TEST, CHI2_TEST = KS, "chi2"
#: Columns of the per-window statistics, in output order.
STAT_COLUMNS = (
    "feature",
    "kind",
    "test",
    "method",
    "statistic",
    "p_value",
    P_KS,
    P_TAILS,
    *(METRIC_COLUMNS[m] for m in (PSI, PSI_TAILS, JS, KL, WASSERSTEIN)),
    "n_reference",
    "n_current",
    "n",
    "missing_reference",
    "missing_current",
    "nonfinite_current",
    "invalid_current",
    "out_of_range",
    "unseen_categories",
    "unseen_share",
    "insufficient",
    "note",
    "phases",
)


#: Threads over features by default: numpy's sorts, searchsorted and bincounts release the
#: GIL, so a second core pays for the all-windows path (measured: benchmarks/windows_bench.py).
DEFAULT_JOBS = 2
#: From this many production rows a feature's work is numpy-bound even in one window.
THREAD_ROWS = 100_000


def feature_jobs(n_jobs: int | None, n_features: int) -> int:
    """How many threads compute features.

    ``n_jobs`` as given (None: the default, at most the cores; -1: every core), never more
    than the features.
    """
    cores = os.cpu_count() or 1
    if n_jobs is None:
        jobs = min(DEFAULT_JOBS, cores)
    elif n_jobs == -1:
        jobs = cores
    else:
        jobs = check_positive_int("n_jobs", n_jobs)
    return max(1, min(jobs, n_features))


class _Recorder:
    """The rows of one feature, recorded to be added to :class:`_Rows` in feature order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def add(self, window: int, **values: object) -> None:
        self.calls.append(("add", (window,), values))

    def extend(self, first: int, size: int, columns: dict[str, object]) -> None:
        self.calls.append(("extend", (first, size, columns), {}))

    def replay(self, rows: _Rows, offset: int = 0) -> None:
        """Add the rows to ``rows``, their windows numbered from ``offset`` on."""
        for kind, args, values in self.calls:
            getattr(rows, kind)(args[0] + offset, *args[1:], **values)


class _Rows:
    """Column-wise accumulator for result rows."""

    def __init__(self) -> None:
        self.data: dict[str, list] = {c: [] for c in STAT_COLUMNS}
        self.window: list[int] = []
        self.pending: list[tuple[int, int, int]] = []  # (row, n1, n2) needing an asymptotic KS p
        # (rows, KS numerators, n1, n2) of the all-windows path, resolved together in frame()
        self.deferred: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.p_values = KSPValues()

    def add(self, window: int, **values: object) -> None:
        row = len(self.window)
        self.window.append(window)
        for column in STAT_COLUMNS:
            self.data[column].append(values.get(column, _DEFAULTS.get(column)))
        if values.get("_pending_n") is not None:
            n1, n2 = values["_pending_n"]  # type: ignore[misc]
            self.pending.append((row, n1, n2))

    def extend(self, first: int, size: int, columns: dict[str, object]) -> None:
        """Rows of windows ``first:first + size`` at once (``columns``: arrays or scalars)."""
        deferred = columns.get("_asymptotic")
        if deferred is not None:
            local, numerators, n1, n2 = deferred  # type: ignore[misc]
            rows = len(self.window) + np.asarray(local)
            self.deferred.append((rows, numerators, np.full(len(rows), n1), n2))
        self.window.extend(range(first, first + size))
        for column in STAT_COLUMNS:
            value = columns.get(column, _DEFAULTS.get(column))
            if isinstance(value, np.ndarray):
                self.data[column].extend(value.tolist())
            elif isinstance(value, list):
                self.data[column].extend(value)
            else:
                self.data[column].extend([value] * size)

    def absorb(self, other: _Rows) -> None:
        """Append ``other``'s rows (recorded elsewhere, e.g. on a Dask worker) after these."""
        start = len(self.window)
        for column in STAT_COLUMNS:
            self.data[column].extend(other.data[column])
        self.window.extend(other.window)
        self.pending.extend((start + row, n1, n2) for row, n1, n2 in other.pending)
        self.deferred.extend((start + rows, *rest) for rows, *rest in other.deferred)  # type: ignore[misc]

    def frame(self) -> pd.DataFrame:
        if self.pending:
            rows, n1, n2 = (np.asarray(v) for v in zip(*self.pending, strict=True))
            d = np.asarray([self.data["statistic"][r] for r in rows], dtype=float)
            for r, p in zip(rows, ks_pvalue_asymptotic(d, n1, n2), strict=True):
                self.data[P_KS][r] = float(p)
        out = pd.DataFrame(self.data)
        if self.deferred:
            rows, numerators, n1, n2 = (np.concatenate(v) for v in zip(*self.deferred, strict=True))
            p = self.p_values.asymptotic(numerators, n1, n2)
            column = out.columns.get_loc(P_KS)
            out.iloc[rows, column] = p
        numeric = (out["test"] == KS_TEST).to_numpy()
        if numeric.any():
            out.loc[numeric, "p_value"] = gate_pvalues(out.loc[numeric], DEFAULT_GATE)
        out.insert(0, "window", np.asarray(self.window, dtype=np.int64))
        for column in ("n_reference", "n_current", "n", "unseen_categories"):
            out[column] = out[column].astype(np.int64)
        return out


_NAN = math.nan
_DEFAULTS: dict[str, object] = {
    "test": None,
    "method": None,
    "statistic": _NAN,
    "p_value": _NAN,
    P_KS: _NAN,
    P_TAILS: _NAN,
    **dict.fromkeys((PSI, PSI_TAILS, JS, KL, WASSERSTEIN), _NAN),
    "nonfinite_current": 0.0,
    "invalid_current": 0.0,
    "out_of_range": _NAN,
    "unseen_categories": 0,
    "unseen_share": _NAN,
    "insufficient": False,
    "note": "",
    "phases": "",
}


def _share(count: float, total: int) -> float:
    return float(count) / total if total else _NAN


def gate_pvalues(table: pd.DataFrame, gate: str) -> np.ndarray:
    """The p-value of each numeric row under ``gate``: its one test, or their combination.

    ``table`` has the component columns (``p_ks``, ``p_tails``); a component that is NaN
    (no tail bins in a format-1 baseline, a constant feature) is left out of the combination.
    """
    tests = DRIFT_GATES[gate].tests
    components = table[list(tests)].to_numpy(dtype=float)
    if len(tests) == 1:
        return components[:, 0]
    return bonferroni_combination(components)


def _numeric_window(
    feature: NumericFeature,
    exact: SortedReference | None,
    column: NumericColumn,
    rows: slice | np.ndarray,
    min_rows: int,
) -> dict[str, object]:
    values = column.values[rows]
    n_rows = len(values)
    nan = np.isnan(values)
    n_invalid = 0 if column.invalid is None else int(column.invalid[rows].sum())
    finite = values[np.isfinite(values)]
    n = len(finite)
    out: dict[str, object] = {
        "test": KS_TEST,
        "n_current": n,
        "n": n_rows,
        "missing_current": _share(int(nan.sum()) - n_invalid, n_rows),
        "nonfinite_current": _share(n_rows - n - int(nan.sum()), n_rows),
        "invalid_current": _share(n_invalid, n_rows),
    }
    if n == 0:
        out.update(insufficient=True, note=_too_few("window", 0, min_rows))
        return out
    current = np.sort(finite)
    below = np.searchsorted(current, feature.min, side="left")
    above = n - np.searchsorted(current, feature.max, side="right")
    out["out_of_range"] = (below + above) / n
    if n < min_rows or feature.n < min_rows:
        side, count = ("reference", feature.n) if feature.n < min_rows else ("window", n)
        out.update(insufficient=True, note=_too_few(side, count, min_rows))
        return out
    if feature.tail_edges is not None and feature.tail_counts is not None:
        fine = bin_counts(current, feature.tail_edges)
        counts = coarse_counts(feature.tail_edges, fine, feature.edges)
        out[PSI_TAILS] = psi_from_counts(feature.tail_counts, fine)
        out[P_TAILS] = tail_chi2_from_counts(feature.tail_counts, fine)[1]
    else:
        counts = bin_counts(current, feature.edges)
    out[PSI], out[JS], out[KL] = binned_distances(feature.counts, counts)
    sketch = feature.sketch
    if exact is not None:
        d, p, distance = exact.compare(current)
        method = "exact"
    elif sketch.lossless and max(feature.n, n) <= KS_EXACT_MAX_N:
        d, p, distance = SortedReference(sketch.sample()).compare(current)
        method = "exact"
    else:
        d, p = sketch.ks_statistic(current), None
        method = "exact" if sketch.lossless else "sketch"
        distance = sketch.wasserstein(current)
    out.update(statistic=d, method=method)
    if p is None:
        out["_pending_n"] = (feature.n, n)
    else:
        out[P_KS] = p
    if feature.std > 0:
        out[WASSERSTEIN] = distance / feature.std
    else:
        out[WASSERSTEIN] = 0.0 if distance == 0 else math.inf
        out["note"] = "reference is constant: any change is an infinite normed Wasserstein"
    return out


def _too_few(side: str, count: int, min_rows: int) -> str:
    return f"{side} has {count} usable value(s), fewer than min_rows={min_rows}"


class CategoricalAligner:
    """Maps a production column's labels onto the baseline's categories once per feature."""

    def __init__(self, feature: CategoricalFeature, column: CodedColumn):
        position = {label: i for i, label in enumerate(feature.labels)}
        self.to_reference = np.array(
            [position.get(lab, -1) for lab in column.labels], dtype=np.int64
        )
        self.known = self.to_reference >= 0
        self.k = len(feature.labels)

    def split(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(counts aligned with the baseline's categories, counts of unseen labels)."""
        aligned = np.bincount(
            self.to_reference[self.known], weights=counts[self.known], minlength=self.k
        ).astype(np.int64)
        return aligned, counts[~self.known]


def _merge_tail(
    reference: np.ndarray, current: np.ndarray, max_categories: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """Keep categories seen in either sample; merge all but the most frequent into one bin."""
    present = (reference + current) > 0
    reference, current = reference[present], current[present]
    if len(reference) <= max_categories:
        return reference, current, ""
    order = np.argsort(-(reference + current), kind="stable")
    keep, rest = order[: max_categories - 1], order[max_categories - 1 :]
    note = (
        f"{len(reference)} categories: the {len(rest)} least frequent merged into one bin "
        f"(max_categories={max_categories})"
    )
    return (
        np.append(reference[keep], reference[rest].sum()),
        np.append(current[keep], current[rest].sum()),
        note,
    )


def _categorical_window(
    feature: CategoricalFeature,
    aligner: CategoricalAligner,
    column: CodedColumn,
    rows: slice | np.ndarray,
    min_rows: int,
    max_categories: int,
) -> dict[str, object]:
    codes = column.codes[rows]
    n_rows = len(codes)
    counts = label_counts(column, rows)
    aligned, unseen = aligner.split(counts)
    n = int(counts.sum())
    out: dict[str, object] = {
        "test": CHI2_TEST,
        "n_current": n,
        "n": n_rows,
        "missing_current": _share(int((codes == -1).sum()), n_rows),
        "invalid_current": _share(int((codes == -2).sum()), n_rows),
        "unseen_categories": int((unseen > 0).sum()),
        "unseen_share": _share(int(unseen.sum()), n),
    }
    if n < min_rows or feature.n < min_rows:  # (an empty window says so first, as numeric)
        small = feature.n < min_rows and n > 0
        side, count = ("reference", feature.n) if small else ("window", n)
        out.update(insufficient=True, note=_too_few(side, count, min_rows))
        return out
    reference = np.concatenate([feature.counts, np.zeros(len(unseen), dtype=np.int64)])
    current = np.concatenate([aligned, unseen])
    out.update(method="exact", **category_statistics(reference, current, max_categories))
    return out


def category_statistics(
    reference: np.ndarray, current: np.ndarray, max_categories: int
) -> dict[str, object]:
    """Chi-squared, PSI, JS and KL of one window's category counts (rarest merged)."""
    reference, current, note = _merge_tail(reference, current, max_categories)
    statistic, p_value, _ = chi2_from_counts(reference, current)
    out: dict[str, object] = dict(
        zip((PSI, JS, KL), binned_distances(reference, current), strict=True)
    )
    out.update(statistic=statistic, p_value=p_value, note=note)
    return out


def prepare_column(feature: FeatureSummary, series: pd.Series) -> NumericColumn | CodedColumn:
    return column_for(feature.kind, series)


def column_for(kind: str, series: pd.Series) -> NumericColumn | CodedColumn:
    """The arrays a feature of ``kind`` is computed on (a datetime column as all invalid)."""
    if kind == FEATURE_KINDS[0]:
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            values = np.full(len(series), np.nan)
            return NumericColumn(values, invalid=~np.asarray(series.isna()))
        return numeric_column(series)
    return coded_column(series, kind)


#: Up to this many windows (drift_table, a live append) numeric features go window by
#: window: the all-windows path's sorting by window only pays off over many windows.
ONE_BY_ONE_MAX = 2
#: Below this many values, numeric columns are converted in one call (small frames, e.g. the
#: rows a live view appends); above, one column at a time keeps memory flat.
_BLOCK_VALUES = 2_000_000


def _numeric_block(
    baseline: Baseline, production: pd.DataFrame, features: list[str]
) -> dict[str, NumericColumn]:
    """Plain numpy numeric columns of a small frame, converted to float64 in one call."""
    dtypes = dict(zip(production.columns, production.dtypes, strict=True))  # no Series per column
    names = [
        n
        for n in features
        if n in dtypes
        and baseline.roles.get(n) == "numeric"
        and isinstance(dtypes[n], np.dtype)
        and dtypes[n].kind in "fiu"
    ]
    if len(names) < 2 or len(production) * len(names) > _BLOCK_VALUES:
        return {}
    block = production[names].to_numpy(dtype=np.float64)
    return {n: NumericColumn(values=block[:, i], invalid=None) for i, n in enumerate(names)}


def _window_phases(
    baseline: Baseline, production: pd.DataFrame, windows: Windows
) -> list[np.ndarray] | None:
    """Rows per phase of every window, for a seasonal baseline (None otherwise)."""
    seasonal = baseline.seasonal
    if seasonal is None:
        return None
    if seasonal.time not in production.columns:
        raise ValueError(
            f"the baseline is seasonal ({seasonal.seasonality}) and needs the time column "
            f"{seasonal.time!r} in the current data to find each row's phase"
        )
    codes = phase_codes(
        time_values(production, seasonal.time), seasonal.seasonality, seasonal.timezone
    )
    n = phase_count(seasonal.seasonality)
    out = []
    for w in range(len(windows)):
        phases = codes[windows.rows(w)]
        out.append(np.bincount(phases[phases >= 0], minlength=n))
    return out


def _common(name: str, summary: FeatureSummary) -> dict[str, object]:
    return {
        "feature": name,
        "kind": summary.kind,
        "n_reference": summary.n,
        "missing_reference": _share(summary.n_missing, summary.n_rows),
    }


def missing_column_rows(
    out: _Recorder, common: dict[str, object], summary: FeatureSummary, lengths: np.ndarray
) -> None:
    """The rows of a feature missing from the current data (``lengths``: rows per window)."""
    for w, n_rows in enumerate(np.asarray(lengths, dtype=np.int64).tolist()):
        out.add(
            w,
            **common,
            test=KS_TEST if summary.kind == FEATURE_KINDS[0] else CHI2_TEST,
            n_current=0,
            n=n_rows,
            missing_current=1.0 if n_rows else _NAN,
            insufficient=True,
            note="column is missing from the current data",
        )


def feature_reference(
    baseline: Baseline, reference: pd.DataFrame | None, name: str
) -> tuple[FeatureSummary, SortedReference | None]:
    """A feature's summary and its sorted reference values (None: only the sketch).

    With the raw ``reference`` the feature is fitted now and its summary stored in the
    baseline; otherwise both come from the baseline.
    """
    if reference is not None:
        summary, ordered = baseline._fit_one(reference[name], name)
        baseline.features[name] = summary
        return summary, SortedReference(ordered) if ordered is not None else None
    return baseline.features[name], baseline.sorted_reference(name)


def compute(
    baseline: Baseline,
    reference: pd.DataFrame | None,
    production: pd.DataFrame,
    windows: Windows,
    features: Iterable[str],
    *,
    min_rows: int,
    max_categories: int,
    progress: Callable[[int], None] | None = None,
    n_jobs: int | None = None,
    exact: Mapping[str, SortedReference] | None = None,
    one_by_one: bool | None = None,
    into: tuple[_Rows, int] | None = None,
) -> pd.DataFrame | None:
    """Statistics for every feature x window (no severity yet).

    ``exact`` gives sorted references to use instead of the baseline's; ``one_by_one``
    forces the one-window path (True) or the all-windows path (False) instead of choosing
    by the number of windows (a large source computed in groups of windows takes the path
    of the whole call, so its numbers are those of one call). With ``into`` (rows and a
    window offset) the rows are added there, windows numbered from the offset, and None is
    returned: the caller makes one frame of every group.

    With ``reference`` given, features are fitted here, one at a time, and their sorted
    reference is used and dropped before the next feature (the baseline keeps the summary).
    With a seasonal baseline, each window of a seasonal feature is compared with the
    summary of its phase(s) (``phases`` says which).
    """
    rows, offset = into if into is not None else (_Rows(), 0)
    p_values = rows.p_values
    features = list(features)
    exact_of = exact
    few_windows = len(windows) <= ONE_BY_ONE_MAX if one_by_one is None else one_by_one
    numeric = _numeric_block(baseline, production, features)
    per_window = _window_phases(baseline, production, windows)
    seasonal = baseline.seasonal

    def one(name: str) -> _Recorder:
        """One feature's rows, recorded (features run in threads, rows land in order)."""
        out = _Recorder()
        summary, exact = feature_reference(baseline, reference, name)
        if reference is None and exact_of and name in exact_of:
            exact = exact_of[name]
        common = _common(name, summary)
        if name not in production.columns:
            missing_column_rows(out, common, summary, windows.ends - windows.starts)
        elif per_window is not None and seasonal is not None and name in seasonal.features:
            column = numeric.get(name) or prepare_column(summary, production[name])
            aligners: dict[int, CategoricalAligner] = {}
            for w in range(len(windows)):
                counts = per_window[w]
                own = (
                    seasonal.summary(name, counts, summary, baseline.fit_mixture)
                    if counts.any()
                    else summary
                )
                label = seasonal.label(counts) if counts.any() else ""
                if isinstance(own, NumericFeature):
                    stats = _numeric_window(own, None, column, windows.rows(w), min_rows)
                else:
                    aligner = aligners.setdefault(id(own), CategoricalAligner(own, column))
                    stats = _categorical_window(
                        own, aligner, column, windows.rows(w), min_rows, max_categories
                    )
                out.add(w, **_common(name, own), phases=label, **stats)
        else:
            column = numeric.get(name) or prepare_column(summary, production[name])
            if isinstance(summary, NumericFeature):
                if exact is None and summary.sketch.lossless and summary.n:
                    exact = SortedReference(summary.sketch.sample())
                if exact is None or few_windows:  # (a lossy sketch: the
                    # sketch's KS and Wasserstein; a few windows: no batch to amortise)
                    for w in range(len(windows)):
                        stats = _numeric_window(summary, exact, column, windows.rows(w), min_rows)
                        out.add(w, **common, **stats)
                else:
                    for chunk in chunks(windows):
                        stats = numeric_windows(summary, exact, column, chunk, min_rows, p_values)
                        out.extend(chunk.first, chunk.size, {**common, "test": KS_TEST, **stats})
            else:
                aligner = CategoricalAligner(summary, column)
                if few_windows:
                    for w in range(len(windows)):
                        stats = _categorical_window(
                            summary, aligner, column, windows.rows(w), min_rows, max_categories
                        )
                        out.add(w, **common, **stats)
                else:
                    for chunk in chunks(windows):
                        stats = categorical_windows(
                            summary,
                            aligner.to_reference,
                            column,
                            chunk,
                            min_rows,
                            max_categories,
                            category_statistics,
                        )
                        out.extend(chunk.first, chunk.size, {**common, "test": CHI2_TEST, **stats})
        return out

    # Threads pay on the all-windows path (long numpy calls); a few windows one by one are
    # Python-bound, where a second thread only contends for the GIL (an append: 100 ms
    # sequential, 140 ms in two threads).
    few = len(windows) <= ONE_BY_ONE_MAX and len(production) < THREAD_ROWS
    jobs = 1 if few and n_jobs is None else feature_jobs(n_jobs, len(features))
    if jobs > 1:
        with ThreadPoolExecutor(jobs) as pool:
            recorded = pool.map(one, features)
            for done, recorder in enumerate(recorded):
                recorder.replay(rows, offset)
                if progress is not None:
                    progress(done + 1)
    else:
        for done, name in enumerate(features):
            one(name).replay(rows, offset)
            if progress is not None:
                progress(done + 1)
    return rows.frame() if into is None else None
