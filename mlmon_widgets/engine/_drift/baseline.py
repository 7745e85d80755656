"""The stored reference: what production needs to compare against, without the training data."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import coded_column, label_counts, numeric_column
from .._data.roles import infer_roles
from .._data.windows import time_values, zone_name
from .._multivariate.reconstruction import PCAModel, fit_pca
from .._validation import check_frame, check_names, check_positive_int
from .._vocabulary import FEATURE_KINDS, VERSION
from .kernels import QuantileSketch, SortedReference, bin_counts, quantile_edges, tail_edges
from .seasonal import (
    MIN_PHASE_ROWS,
    SeasonalPhases,
    fit_phases,
    phase_codes,
    seasonality_name,
)

#: Format tag written by :meth:`Baseline.to_dict`; bump when the layout changes (an optional
#: ``versions`` key, the model versions of the reference, is read when present). Format 2
#: adds each numeric feature's tail-refined bins (``tail_edges``, ``tail_counts``).
BASELINE_FORMAT = "mlmon-baseline/2"
#: Formats :meth:`Baseline.from_dict` reads (format 1 has no tail bins: its numeric features
#: have no tail-refined test or ``psi_tails``, which are then NaN).
BASELINE_FORMATS = ("mlmon-baseline/1", BASELINE_FORMAT)


def _float_or_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _none_to_nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


@dataclass(eq=False)
class NumericFeature:
    """Reference summary of one numeric feature.

    ``n`` counts the finite values the statistics use; ``n_missing``, ``n_nonfinite``
    (+/-inf) and ``n_invalid`` (values that are not numbers) are reported separately.
    """

    name: str
    dtype: str
    n_rows: int
    n: int
    n_missing: int
    n_nonfinite: int
    n_invalid: int
    min: float
    max: float
    mean: float
    std: float
    edges: np.ndarray
    counts: np.ndarray
    sketch: QuantileSketch
    #: Edges of the tail-refined bins (``edges`` with the outer bins split at the 1%, 5%,
    #: 95% and 99% quantiles) and the reference counts in them; None in a format-1 baseline.
    tail_edges: np.ndarray | None = None
    tail_counts: np.ndarray | None = None
    kind: str = field(default="numeric", init=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "numeric",
            "dtype": self.dtype,
            "n_rows": self.n_rows,
            "n": self.n,
            "n_missing": self.n_missing,
            "n_nonfinite": self.n_nonfinite,
            "n_invalid": self.n_invalid,
            "min": _float_or_none(self.min),
            "max": _float_or_none(self.max),
            "mean": _float_or_none(self.mean),
            "std": _float_or_none(self.std),
            "edges": [float(e) for e in self.edges],
            "counts": [int(c) for c in self.counts],
            "sketch": {
                "values": [float(v) for v in self.sketch.values],
                "lt": [int(v) for v in self.sketch.lt],
                "le": [int(v) for v in self.sketch.le],
            },
            **(
                {
                    "tail_edges": [float(e) for e in self.tail_edges],
                    "tail_counts": [int(c) for c in self.tail_counts],
                }
                if self.tail_edges is not None and self.tail_counts is not None
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> NumericFeature:
        sketch = data["sketch"]
        return cls(
            name=name,
            dtype=str(data["dtype"]),
            n_rows=int(data["n_rows"]),
            n=int(data["n"]),
            n_missing=int(data["n_missing"]),
            n_nonfinite=int(data["n_nonfinite"]),
            n_invalid=int(data["n_invalid"]),
            min=_none_to_nan(data["min"]),
            max=_none_to_nan(data["max"]),
            mean=_none_to_nan(data["mean"]),
            std=_none_to_nan(data["std"]),
            edges=np.asarray(data["edges"], dtype=float),
            counts=np.asarray(data["counts"], dtype=np.int64),
            sketch=QuantileSketch(sketch["values"], sketch["lt"], sketch["le"], int(data["n"])),
            tail_edges=(
                np.asarray(data["tail_edges"], dtype=float) if "tail_edges" in data else None
            ),
            tail_counts=(
                np.asarray(data["tail_counts"], dtype=np.int64) if "tail_counts" in data else None
            ),
        )


@dataclass(eq=False)
class CategoricalFeature:
    """Reference summary of one categorical or boolean feature: counts per category."""

    name: str
    kind: str  # 'categorical' or 'boolean'
    dtype: str
    n_rows: int
    n: int
    n_missing: int
    n_invalid: int
    labels: list
    counts: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dtype": self.dtype,
            "n_rows": self.n_rows,
            "n": self.n,
            "n_missing": self.n_missing,
            "n_invalid": self.n_invalid,
            "labels": list(self.labels),
            "counts": [int(c) for c in self.counts],
        }

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> CategoricalFeature:
        return cls(
            name=name,
            kind=str(data["kind"]),
            dtype=str(data["dtype"]),
            n_rows=int(data["n_rows"]),
            n=int(data["n"]),
            n_missing=int(data["n_missing"]),
            n_invalid=int(data["n_invalid"]),
            labels=list(data["labels"]),
            counts=np.asarray(data["counts"], dtype=np.int64),
        )


FeatureSummary = NumericFeature | CategoricalFeature


def _read_feature(name: str, item: Mapping[str, Any]) -> FeatureSummary:
    if item["kind"] == "numeric":
        return NumericFeature.from_dict(name, item)
    return CategoricalFeature.from_dict(name, item)


def fit_numeric(
    name: str, series: pd.Series, *, bins: int, sketch_size: int
) -> tuple[NumericFeature, np.ndarray]:
    """Summarise a numeric reference column; also return its sorted finite values."""
    column = numeric_column(series)
    values = column.values
    finite = values[np.isfinite(values)]
    n_nan = int(np.isnan(values).sum())
    n_invalid = 0 if column.invalid is None else int(column.invalid.sum())
    ordered = np.sort(finite)
    n = len(ordered)
    edges = quantile_edges(ordered, bins)
    fine = tail_edges(ordered, bins)
    feature = NumericFeature(
        name=name,
        dtype=str(series.dtype),
        n_rows=len(values),
        n=n,
        n_missing=n_nan - n_invalid,
        n_nonfinite=len(values) - n - n_nan,
        n_invalid=n_invalid,
        min=float(ordered[0]) if n else math.nan,
        max=float(ordered[-1]) if n else math.nan,
        mean=float(np.mean(finite)) if n else math.nan,
        std=float(np.std(finite)) if n else math.nan,
        edges=edges,
        counts=bin_counts(ordered, edges),
        sketch=QuantileSketch.from_sorted(ordered, sketch_size),
        tail_edges=fine,
        tail_counts=bin_counts(ordered, fine),
    )
    return feature, ordered


def fit_categorical(name: str, series: pd.Series, kind: str) -> CategoricalFeature:
    """Summarise a categorical or boolean reference column (categories by falling count)."""
    column = coded_column(series, kind)
    counts = label_counts(column, slice(None))
    labels = column.labels
    if kind == "boolean":
        order = [labels.index(v) if v in labels else -1 for v in (False, True)]
        counts = np.array([counts[i] if i >= 0 else 0 for i in order], dtype=np.int64)
        labels = [False, True]
    else:
        order = sorted(range(len(labels)), key=lambda i: (-counts[i], str(labels[i])))
        counts = counts[order] if order else np.zeros(0, dtype=np.int64)
        labels = [labels[i] for i in order]
    n_missing = int((column.codes == -1).sum())
    n_invalid = int((column.codes == -2).sum())
    return CategoricalFeature(
        name=name,
        kind=kind,
        dtype=str(series.dtype),
        n_rows=len(column.codes),
        n=int(counts.sum()),
        n_missing=n_missing,
        n_invalid=n_invalid,
        labels=labels,
        counts=np.asarray(counts, dtype=np.int64),
    )


class Baseline:
    """Everything production needs to compare data against a reference, without the data.

    Per feature it stores the bin edges (reference quantiles k/B) and reference counts,
    a quantile sketch of the ECDF, category frequencies, min/max, mean/std, missing counts
    and the row count. :meth:`to_dict` / :meth:`from_dict` round-trip exactly through JSON.

    A baseline fitted from a DataFrame also keeps that frame (not a copy) so that KS and
    Wasserstein are computed exactly, as scipy would; a baseline read back with
    :meth:`from_dict` has only the sketch, and results say so (``test_method='sketch'``),
    unless the sketch is lossless (at most 2,048 distinct values or 10,000 rows), in which
    case they are exact too.

    Examples
    --------
    >>> import json, numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame(
    ...     {"income": rng.normal(50, 10, 1000), "region": rng.choice(["n", "s"], 1000)}
    ... )
    >>> baseline = Baseline.fit(ref)
    >>> baseline.features["income"].edges.round(1)
    array([37.4, 41.6, 44.4, 47. , 49.3, 51.8, 54.5, 57.7, 62.3])
    >>> stored = json.dumps(baseline.to_dict())
    >>> Baseline.from_dict(json.loads(stored)).to_dict() == baseline.to_dict()
    True
    """

    def __init__(
        self,
        features: Mapping[str, FeatureSummary],
        roles: Mapping[str, str],
        dtypes: Mapping[str, str],
        n_rows: int,
        *,
        bins: int = 10,
        sketch_size: int = 2048,
        reference: pd.DataFrame | None = None,
    ):
        self.features: dict[str, FeatureSummary] = dict(features)
        self.roles: dict[str, str] = dict(roles)
        self.dtypes: dict[str, str] = dict(dtypes)
        self.n_rows = int(n_rows)
        self.bins = int(bins)
        self.sketch_size = int(sketch_size)
        self._reference = reference
        self._sorted: dict[str, SortedReference] = {}
        #: Model versions seen in the reference, per column of role ``version``.
        self.versions: dict[str, list[str]] = {}
        #: Per phase (weekday, hour, ...) summaries of the seasonal features, or None.
        self.seasonal: SeasonalPhases | None = None
        #: The PCA reconstruction model of all features (``fit(..., multivariate=True)``).
        self.multivariate: PCAModel | None = None

    def __repr__(self) -> str:
        kinds = pd.Series([f.kind for f in self.features.values()]).value_counts().to_dict()
        shown = ", ".join(f"{v} {k}" for k, v in kinds.items()) or "no features"
        exact = "exact" if self._reference is not None else "sketch only"
        season = f"; {self.seasonal.seasonality} phases" if self.seasonal is not None else ""
        return f"<Baseline: {self.n_rows} rows, {shown}; {exact}{season}>"

    @classmethod
    def fit(
        cls,
        reference: pd.DataFrame,
        *,
        roles: Mapping[str, str] | None = None,
        bins: int = 10,
        sketch_size: int = 2048,
        keep_reference: bool = True,
        time: str | None = None,
        seasonality: str | None = None,
        seasonal_features: list[str] | None = None,
        min_phase_rows: int = MIN_PHASE_ROWS,
        multivariate: bool = False,
    ) -> Baseline:
        """Summarise ``reference`` once so that any number of windows can be compared to it.

        Parameters
        ----------
        reference : pandas.DataFrame
            The training or validation data.
        roles : dict, optional
            Column name -> role, overriding inference (see :func:`infer_roles`).
        bins : int, default 10
            Number of quantile bins B for numeric features (PSI, JS, KL).
        sketch_size : int, default 2048
            Resolution of the ECDF sketch; KS from the sketch is within about 1/sketch_size.
        keep_reference : bool, default True
            Keep the frame for exact KS and Wasserstein in this session.
        time : str, optional
            The reference's timestamp column (needed for ``seasonality``).
        seasonality : {'weekday', 'hour', 'weekday-hour', 'monthday', 'month'} or str, optional
            Keep, per phase (a weekday, an hour of the day, an hour of the week, a day of
            the month, a month of the year; or a pandas offset alias naming the cycle:
            ``'D'`` for hours, ``'W'`` weekdays, ``'MS'`` days of the month, ``'YS'``
            months, see :func:`~mlmon_widgets.engine.seasonality_name`), each
            seasonal feature's own bins, sketch and category counts, so that a window is
            compared with the reference rows of its own phase(s): a Saturday with Saturdays.
            Phases are the wall clock of the reference's time zone (aware timestamps) or
            the timestamps as given (naive).
        seasonal_features : list of str, optional
            The features compared by phase (default: every feature); the others compare
            with the whole reference.
        min_phase_rows : int, default 200
            A phase with fewer reference rows compares with the whole reference, and
            results say so.
        multivariate : bool, default False
            Also fit the PCA reconstruction model of all features together and keep the
            reference's own errors, for :func:`reconstruction_error` (stored in the JSON).

        Returns
        -------
        Baseline

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> ts = pd.date_range("2024-01-01", periods=24 * 7 * 8, freq="h")
        >>> weekend = ts.day_of_week >= 5
        >>> ref = pd.DataFrame({"ts": ts, "spend": np.where(weekend, 150.0, 100.0) + ts.hour})
        >>> seasonal = Baseline.fit(ref, time="ts", seasonality="weekday")
        >>> seasonal
        <Baseline: 1344 rows, 1 numeric; exact; weekday phases>
        >>> seasonal.seasonal.n_rows.tolist()
        [192, 192, 192, 192, 192, 192, 192]
        >>> few = Baseline.fit(ref, time="ts", seasonality="weekday", min_phase_rows=193)
        >>> len(few.seasonal.fallback)  # every phase below 193 rows: the whole reference
        7
        """
        check_frame("reference", reference)
        bins = check_positive_int("bins", bins, minimum=2)
        sketch_size = check_positive_int("sketch_size", sketch_size, minimum=16)
        column_roles = infer_roles(reference, roles)
        baseline = cls({}, column_roles, {}, len(reference), bins=bins, sketch_size=sketch_size)
        baseline.dtypes = {c: str(reference[c].dtype) for c in reference.columns}
        for name, role in column_roles.items():
            if role == VERSION:
                labels = coded_column(reference[name], "categorical").labels
                baseline.versions[name] = sorted(str(v) for v in labels)
            if role in FEATURE_KINDS:
                feature, ordered = baseline._fit_one(reference[name], name)
                baseline.features[name] = feature
                if keep_reference and ordered is not None:
                    baseline._sorted[name] = SortedReference(ordered)
        if keep_reference:
            baseline._reference = reference.copy(deep=False)
        if multivariate:
            kinds = {n: column_roles[n] for n in baseline.features}
            baseline.multivariate = fit_pca(reference, kinds)
        if seasonality is not None:
            baseline._fit_seasonal(reference, time, seasonality, seasonal_features, min_phase_rows)
        elif time is not None or seasonal_features is not None:
            raise ValueError(
                "time= and seasonal_features= go with seasonality= (a seasonal baseline)"
            )
        return baseline

    def _fit_seasonal(
        self,
        reference: pd.DataFrame,
        time: str | None,
        seasonality: str,
        features: list[str] | None,
        min_rows: int,
    ) -> None:
        if time is None:
            raise ValueError(
                "a seasonal baseline needs the reference's timestamps: pass time='<column>'"
            )
        names = [n for n in self.features]
        if features is not None:
            check_names("seasonal_features", features, names)
            names = [n for n in names if n in set(features)]
        times = time_values(reference, time)
        zone = zone_name(times.dt.tz) if getattr(times.dt, "tz", None) is not None else None
        seasonality = seasonality_name(seasonality)
        codes = phase_codes(times, seasonality, zone)
        self.seasonal = fit_phases(
            reference,
            codes,
            seasonality=seasonality,
            time=time,
            timezone=zone,
            features=names,
            min_rows=min_rows,
            fit_one=self._fit_one,
        )

    def with_seasonality(
        self,
        features: list[str],
        *,
        seasonality: str,
        time: str,
        min_phase_rows: int = MIN_PHASE_ROWS,
    ) -> Baseline:
        """A copy with ``features`` compared by phase (none: not seasonal at all).

        Needs the reference data (a baseline fitted with ``keep_reference=True``); the
        features' whole-reference summaries are shared, only the phases are fitted.
        """
        if self._reference is None:
            raise ValueError(
                "changing the seasonal features needs the reference data: fit the baseline "
                "with keep_reference=True"
            )
        out = copy.copy(self)
        out._sorted = dict(self._sorted)
        out.seasonal = None
        if features:
            out._fit_seasonal(self._reference, time, seasonality, list(features), min_phase_rows)
        return out

    def fit_mixture(self, name: str, sorted_values: pd.Series, missing: float) -> NumericFeature:
        """A numeric summary of a constructed sample (a mixture of phases), as fit would make."""
        feature, _ = fit_numeric(name, sorted_values, bins=self.bins, sketch_size=self.sketch_size)
        if 0 < missing < 1:
            feature.n_rows = round(feature.n / (1 - missing))
            feature.n_missing = feature.n_rows - feature.n
        return feature

    def _fit_one(self, series: pd.Series, name: str) -> tuple[FeatureSummary, np.ndarray | None]:
        role = self.roles[name]
        if role == "numeric":
            return fit_numeric(name, series, bins=self.bins, sketch_size=self.sketch_size)
        return fit_categorical(name, series, role), None

    @property
    def exact(self) -> bool:
        """Whether the reference data is at hand for exact KS and Wasserstein."""
        return self._reference is not None

    def sorted_reference(self, name: str) -> SortedReference | None:
        """The sorted reference values of a numeric feature (cached), or None without data."""
        if self._reference is None or self.roles.get(name) != "numeric":
            return None
        if name not in self._sorted:
            values = numeric_column(self._reference[name]).values
            self._sorted[name] = SortedReference(np.sort(values[np.isfinite(values)]))
        return self._sorted[name]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` restores an equal baseline (sketch only)."""
        return {
            "format": BASELINE_FORMAT,
            "n_rows": self.n_rows,
            "bins": self.bins,
            "sketch_size": self.sketch_size,
            "roles": dict(self.roles),
            "dtypes": dict(self.dtypes),
            "features": {name: f.to_dict() for name, f in self.features.items()},
            **(
                {"versions": {k: list(v) for k, v in self.versions.items()}}
                if self.versions
                else {}
            ),
            **({"seasonal": self.seasonal.to_dict()} if self.seasonal is not None else {}),
            **(
                {"multivariate": self.multivariate.to_dict()}
                if self.multivariate is not None
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Baseline:
        """Rebuild a baseline from :meth:`to_dict` output.

        Raises
        ------
        ValueError
            If ``data`` is not a baseline of a known format.
        """
        if not isinstance(data, Mapping) or data.get("format") not in BASELINE_FORMATS:
            found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
            raise ValueError(
                f"not a baseline of format {BASELINE_FORMAT!r} (found {found!r}); "
                "create it with Baseline.to_dict()"
            )
        features = {name: _read_feature(name, item) for name, item in data["features"].items()}
        baseline = cls(
            features,
            data["roles"],
            data["dtypes"],
            data["n_rows"],
            bins=data["bins"],
            sketch_size=data["sketch_size"],
        )
        baseline.versions = {k: [str(v) for v in vs] for k, vs in data.get("versions", {}).items()}
        if data.get("seasonal") is not None:
            baseline.seasonal = SeasonalPhases.from_dict(data["seasonal"], _read_feature)
        if data.get("multivariate") is not None:
            baseline.multivariate = PCAModel.from_dict(data["multivariate"])
        return baseline

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Baseline:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))
