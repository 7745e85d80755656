"""detect_seasonality: which features carry a weekly or daily pattern, and how strong it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._data.columns import coded_column, numeric_column
from .._data.roles import infer_roles
from .._data.windows import time_values, zone_name
from .._validation import check_frame, check_names, check_probability
from .._vocabulary import FEATURE_KINDS
from .kernels import SortedReference, chi2_from_counts, js_from_counts, ks_pvalue_asymptotic
from .seasonal import MIN_PHASE_ROWS, phase_codes, phase_count
from .severity import adjust_pvalues

#: The seasonalities tried, and the strength (share-weighted distance of a phase from the
#: rest of the reference) from which a significant pattern is worth a seasonal baseline.
CANDIDATES = ("weekday", "hour")
MIN_STRENGTH = 0.1


def _phase_distance(values, codes: np.ndarray, phase: int, kind: str) -> tuple[float, float]:
    """(distance, p-value) of one phase's rows against the rest: KS D, or JS on categories."""
    inside, outside = values[codes == phase], values[(codes >= 0) & (codes != phase)]
    if kind == FEATURE_KINDS[0]:
        inside, outside = inside[np.isfinite(inside)], outside[np.isfinite(outside)]
        if len(inside) == 0 or len(outside) == 0:
            return np.nan, np.nan
        d, p, _ = SortedReference(np.sort(outside)).ks(np.sort(inside))
        if p is None:
            p = float(ks_pvalue_asymptotic(np.array([d]), len(outside), len(inside))[0])
        return d, p
    k = int(values.max()) + 1 if len(values) else 0
    a = np.bincount(inside[inside >= 0], minlength=k)
    b = np.bincount(outside[outside >= 0], minlength=k)
    if a.sum() == 0 or b.sum() == 0:
        return np.nan, np.nan
    return js_from_counts(b, a), chi2_from_counts(b, a)[1]


def detect_seasonality(
    reference: pd.DataFrame,
    *,
    time: str,
    features: Sequence[str] | None = None,
    roles: Mapping[str, str] | None = None,
    min_phase_rows: int = MIN_PHASE_ROWS,
    alpha: float = 0.01,
) -> pd.DataFrame:
    """Which features of ``reference`` follow the day of the week or the hour, and how much.

    For each feature and each seasonality (``'weekday'``, ``'hour'``), every phase with at
    least ``min_phase_rows`` rows is compared with the rest of the reference: KS for
    numeric features, chi-squared (distance: Jensen-Shannon) for categorical ones. The
    ``strength`` is the phases' distances weighted by their share of rows (0: every
    phase alike); the ``p_value`` the smallest phase p-value, Bonferroni-corrected over the
    phases and then by Benjamini-Hochberg over every feature x seasonality of the call. A
    seasonality is ``suggested`` when it is significant at ``alpha`` and at least 0.1
    strong; ``'weekday-hour'`` when both are.

    Parameters
    ----------
    reference : pandas.DataFrame
        The reference data with its timestamps.
    time : str
        The timestamp column.
    features : list of str, optional
        Restrict to these features.
    roles : dict, optional
        Column -> role, as in :func:`drift_table`.
    min_phase_rows : int, default 200
        Phases with fewer rows are left out.
    alpha : float, default 0.01
        Significance level of the corrected p-value.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``feature``: ``kind``, ``weekday_strength``, ``weekday_p``,
        ``hour_strength``, ``hour_p``, ``suggested`` (a seasonality or None) and
        ``reason``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ts = pd.date_range("2024-01-01", periods=4 * 24 * 7 * 8, freq="15min")  # 8 weeks
    >>> weekend = ts.day_of_week >= 5
    >>> ref = pd.DataFrame({"ts": ts, "spend": rng.normal(100, 10, len(ts)) * (1 + 0.5 * weekend),
    ...                     "age": rng.normal(40, 10, len(ts))})
    >>> found = detect_seasonality(ref, time="ts")
    >>> found["suggested"].tolist()
    ['weekday', None]
    >>> print(found.loc["spend", "reason"])
    weekday pattern: strength 0.46, p_adj=3.03e-320 (hour: 0.0536)
    """
    check_frame("reference", reference)
    alpha = check_probability("alpha", alpha)
    if time not in reference.columns:
        raise ValueError(f"time {time!r} is not a column of the reference")
    column_roles = infer_roles(reference, roles)
    names = [n for n, r in column_roles.items() if r in FEATURE_KINDS and n != time]
    if features is not None:
        check_names("features", features, names)
        names = [n for n in names if n in set(features)]
    times = time_values(reference, time)
    zone = zone_name(times.dt.tz) if getattr(times.dt, "tz", None) is not None else None
    records, p_values = [], []
    for name in names:
        kind = column_roles[name]
        if kind == FEATURE_KINDS[0]:
            values = numeric_column(reference[name]).values
        else:
            values = coded_column(reference[name], kind).codes
        record = {"feature": name, "kind": kind}
        for seasonality in CANDIDATES:
            codes = phase_codes(times, seasonality, zone)
            n_rows = np.bincount(codes[codes >= 0], minlength=phase_count(seasonality))
            usable = np.flatnonzero(n_rows >= min_phase_rows)
            distances, ps = [], []
            for phase in usable:
                d, p = _phase_distance(values, codes, int(phase), kind)
                distances.append(d)
                ps.append(p)
            distances, ps = np.asarray(distances, float), np.asarray(ps, float)
            ok = np.isfinite(distances)
            if len(usable) < 2 or not ok.any():
                strength, p = np.nan, np.nan
            else:
                share = n_rows[usable][ok] / n_rows[usable][ok].sum()
                strength = float(np.sum(share * distances[ok]))
                p = float(min(1.0, np.nanmin(ps) * ok.sum()))
            record[f"{seasonality}_strength"] = strength
            record[f"{seasonality}_p"] = p
            p_values.append(p)
        records.append(record)
    out = pd.DataFrame.from_records(
        records,
        columns=["feature", "kind", *(f"{s}_{x}" for s in CANDIDATES for x in ("strength", "p"))],
    )
    if len(out):
        adjusted = adjust_pvalues(np.asarray(p_values), method="fdr_bh", alpha=alpha)
        adjusted = adjusted.reshape(len(out), len(CANDIDATES))
        for j, seasonality in enumerate(CANDIDATES):
            out[f"{seasonality}_p"] = adjusted[:, j]
    verdicts = [_suggest(row, alpha) for _, row in out.iterrows()]
    out["suggested"] = pd.Series([v[0] for v in verdicts], index=out.index, dtype=object)
    out["reason"] = [v[1] for v in verdicts]
    return out.set_index("feature")


def _suggest(row: pd.Series, alpha: float) -> tuple[str | None, str]:
    strong = [
        s for s in CANDIDATES if row[f"{s}_p"] < alpha and row[f"{s}_strength"] >= MIN_STRENGTH
    ]
    if not strong:
        shown = ", ".join(f"{s} {row[f'{s}_strength']:.3g}" for s in CANDIDATES)
        return None, f"no seasonal pattern worth a seasonal baseline (strength: {shown})"
    best = "weekday-hour" if len(strong) == len(CANDIDATES) else strong[0]
    main = max(strong, key=lambda s: row[f"{s}_strength"])
    others = ", ".join(f"{s}: {row[f'{s}_strength']:.3g}" for s in CANDIDATES if s != main)
    return best, (
        f"{best} pattern: strength {row[f'{main}_strength']:.2g}, "
        f"p_adj={row[f'{main}_p']:.3g} ({others})"
    )
