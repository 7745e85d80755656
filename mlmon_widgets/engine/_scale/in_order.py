"""Windows finished as the stream passes them: time-ordered data in bounded memory.

When every piece starts at or after the end of the pieces before it (a dataset written in
time order), a window is complete as soon as the next piece starts at or after its end.
Its rows are then at hand: they are kept until then, the window's statistics computed by
the in-memory engine itself (:func:`compute`, on the path the whole call would take, so
the numbers are those of one in-memory call) and the rows dropped. Memory holds the rows of
the open windows only; no second pass is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data.windows import Windows, time_values
from .._drift.baseline import Baseline
from .._drift.kernels import SortedReference
from .._drift.statistics import ONE_BY_ONE_MAX, _Rows, compute
from .plan import nanoseconds
from .sources import Pieces

_NAT = np.iinfo(np.int64).min


def in_time_order(spans: list[tuple[int, int]]) -> bool:
    """Whether each piece with a timestamp starts at or after every earlier piece ends."""
    latest = _NAT
    for first, last in spans:
        if first == _NAT:  # a piece without any timestamp
            continue
        if first < latest:
            return False
        latest = max(latest, last)
    return True


def _future_firsts(spans: list[tuple[int, int]]) -> np.ndarray:
    """Per piece, the earliest start of any later piece (int64 max after the last)."""
    firsts = np.array([f if f != _NAT else np.iinfo(np.int64).max for f, _ in spans], np.int64)
    later = np.minimum.accumulate(firsts[::-1])[::-1]
    return np.append(later[1:], np.iinfo(np.int64).max)


def group_frame(
    frames: list[pd.DataFrame],
    time: str | None,
    starts: np.ndarray,
    ends: np.ndarray,
    first: int,
    last: int,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The rows of windows ``first:last`` from ``frames``, as one frame.

    Returns the frame, the order that sorts its rows by time and each window's start and
    end positions in that order (as :func:`make_windows` cuts them).
    """
    kept, times = [], []
    for frame in frames:
        t = nanoseconds(time_values(frame, time))
        inside = (t != _NAT) & (t >= starts[first]) & (t < ends[last - 1])
        kept.append(frame[inside] if not inside.all() else frame)
        times.append(t[inside])
    frame = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")
    ordered = t[order]
    lo = np.searchsorted(ordered, starts[first:last], side="left")
    hi = np.searchsorted(ordered, ends[first:last], side="left")
    return frame.reset_index(drop=True), order, lo, hi


@dataclass(frozen=True)
class GroupSpec:
    """What every group of windows is computed with (shipped once to Dask workers)."""

    baseline: Baseline
    time: str | None
    starts: np.ndarray
    ends: np.ndarray
    features: tuple[str, ...]
    min_rows: int
    max_categories: int
    exact: Mapping[str, SortedReference]
    one_by_one: bool


def group_rows(frames: list[pd.DataFrame], spec: GroupSpec, first: int, last: int) -> _Rows:
    """The statistics rows of windows ``first:last`` from the frames holding their rows."""
    rows, order, lo, hi = group_frame(frames, spec.time, spec.starts, spec.ends, first, last)
    window_starts, window_ends = spec.starts[first:last], spec.ends[first:last]
    group = Windows(order, lo, hi, window_starts, window_ends)
    out = _Rows()
    compute(
        spec.baseline,
        None,
        rows,
        group,
        list(spec.features),
        min_rows=spec.min_rows,
        max_categories=spec.max_categories,
        exact=spec.exact,
        one_by_one=spec.one_by_one,
        into=(out, first),
    )
    return out


def groups(
    spans: list[tuple[int, int]], starts: np.ndarray, ends: np.ndarray
) -> list[tuple[int, int, int, int]]:
    """(first piece, last piece, first window, last window) of every group of windows.

    The windows that end by the start of the next piece are finished after it, from the
    pieces that overlap them (time-ordered pieces: a contiguous run of them).
    """
    boundaries = _future_firsts(spans)
    lasts = np.array([last for _, last in spans], dtype=np.int64)
    out = []
    done = 0
    for i in range(len(spans)):
        complete = (
            len(starts)
            if i == len(spans) - 1
            else int(np.searchsorted(ends, boundaries[i], side="right"))
        )
        if complete <= done:
            continue
        needed = np.flatnonzero((lasts[: i + 1] >= starts[done]) & (lasts[: i + 1] != _NAT))
        out.append((int(needed[0]) if len(needed) else i, i, done, complete))
        done = complete
    return out


def windows_in_order(
    baseline: Baseline,
    pieces: Pieces,
    spans: list[tuple[int, int]],
    time: str | None,
    windows: Windows,
    features: list[str],
    *,
    min_rows: int,
    max_categories: int,
    exact: Mapping[str, SortedReference],
) -> pd.DataFrame:
    """The statistics of every window, finished group by group as the pieces pass."""
    starts, ends = nanoseconds(windows.labels_start), nanoseconds(windows.labels_end)
    spec = GroupSpec(
        baseline,
        time,
        starts,
        ends,
        tuple(features),
        min_rows,
        max_categories,
        dict(exact),
        len(windows) <= ONE_BY_ONE_MAX,
    )
    columns = [*features, *([time] if time else [])]
    parts = pieces.grouped(columns, groups(spans, starts, ends), group_rows, spec)
    recorded = _Rows()
    for part in parts:
        recorded.absorb(part)
    out = recorded.frame()  # one frame of every group: the dtypes of one call
    rank = {name: i for i, name in enumerate(features)}
    order = np.lexsort((out["window"].to_numpy(), out["feature"].map(rank).to_numpy()))
    return out.iloc[order].reset_index(drop=True)
