"""Each window's rows from pieces in any order: parked on disk, read back window by window.

Metrics that need a window's own rows (ROC AUC, percentiles, bootstrap intervals) cannot be
merged from counts; when the pieces are not in time order a window's rows may come from
any of them. One pass parks every piece's rows by window in temporary Arrow IPC files
(flushed whenever the rows held reach :data:`SPILL_BYTES`), then each window is read back
alone, its rows in time order (ties in the order of the source), as the in-memory engine
orders them. Memory holds one budget of rows and one window; the files are removed after.
"""

from __future__ import annotations

import pathlib
import tempfile
from collections.abc import Iterator

import numpy as np
import pandas as pd

from .._data.windows import time_values
from .plan import nanoseconds
from .sources import Pieces

#: Rows held in memory before they are written out, in bytes.
SPILL_BYTES = 256 * 2**20
_ROW = "__mlmon_row__"
_INDEX = "__mlmon_time__"
_NAT = np.iinfo(np.int64).min


def _flush(folder: pathlib.Path, held: dict[int, list[pd.DataFrame]], part: int) -> None:
    import pyarrow as pa
    import pyarrow.feather as feather

    for window, frames in held.items():
        table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
        feather.write_feather(table, folder / f"{window}-{part}.arrow", compression="uncompressed")


def window_frames(
    pieces: Pieces,
    columns: list[str],
    time: str | None,
    starts: np.ndarray,
    ends: np.ndarray,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """``(window, its rows)`` for every window, in order (tumbling windows)."""
    import pyarrow.feather as feather

    with tempfile.TemporaryDirectory(prefix="mlmon-spill-") as name:
        folder = pathlib.Path(name)
        held: dict[int, list[pd.DataFrame]] = {}
        size, part, offset = 0, 0, 0
        written: dict[int, list[int]] = {}
        index_name = None
        for frame in pieces.frames(columns) or ():
            t = nanoseconds(time_values(frame, time))
            if time is None:  # the timestamps are the index: kept as a column on disk
                index_name = frame.index.name
                frame = frame.reset_index(drop=True).assign(**{_INDEX: frame.index})
            window = np.searchsorted(starts, t, side="right") - 1
            inside = (t != _NAT) & (window >= 0)
            inside[inside] &= t[inside] < ends[window[inside]]
            rows = frame.assign(**{_ROW: np.arange(offset, offset + len(frame))})[inside]
            offset += len(frame)
            window = window[inside]
            for w in np.unique(window).tolist():
                held.setdefault(w, []).append(rows[window == w])
            size += int(rows.memory_usage(deep=True).sum())
            if size >= SPILL_BYTES:
                _flush(folder, held, part)
                for w in held:
                    written.setdefault(w, []).append(part)
                held, size, part = {}, 0, part + 1
        for w in range(len(starts)):
            frames = [feather.read_feather(folder / f"{w}-{k}.arrow") for k in written.get(w, [])]
            frames += held.pop(w, [])
            if not frames:
                yield w, pd.DataFrame(columns=columns)
                continue
            rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            t = nanoseconds(rows[_INDEX] if time is None else time_values(rows, time))
            order = np.lexsort((rows[_ROW].to_numpy(), t))
            rows = rows.iloc[order].drop(columns=_ROW).reset_index(drop=True)
            if time is None:
                rows = rows.set_index(_INDEX).rename_axis(index_name)
            yield w, rows
