"""Pieces of data too large for one pandas frame: a Dask DataFrame, an Arrow dataset.

A source applies a function to every piece (a pandas frame of the needed columns) and
adds the results up in row order: a Dask DataFrame partition by partition on its
scheduler (tree-reduced on the workers), an Arrow dataset record batch by record batch in
this process (streaming: one batch and the running total in memory). A pandas frame split
into pieces is a source too (the tests compare the merge with the in-memory engine).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from functools import reduce
from typing import Any

import pandas as pd

#: The optional extra that brings Dask, named in the error when it is missing.
DASK_EXTRA = "mlmon_widgets[dask]"
#: Rows per record batch read from an Arrow dataset.
BATCH_ROWS = 1_000_000


def _module(data: object) -> str:
    return type(data).__module__.split(".")[0]


def is_dask_frame(data: object) -> bool:
    """Whether ``data`` is a Dask DataFrame (checked without importing Dask)."""
    return _module(data) in ("dask", "dask_expr") and hasattr(data, "to_delayed")


def is_arrow_dataset(data: object) -> bool:
    """Whether ``data`` is a ``pyarrow.dataset.Dataset``."""
    if _module(data) != "pyarrow":
        return False
    import pyarrow.dataset as ds

    return isinstance(data, ds.Dataset)


def is_scalable(data: object) -> bool:
    """Whether ``data`` is a source this module reads piece by piece."""
    return is_dask_frame(data) or is_arrow_dataset(data)


def parquet_dataset(path: str | os.PathLike[str]) -> Any:
    """A Parquet dataset from a file, a folder or a glob, read lazily (nothing loaded yet)."""
    import pyarrow.dataset as ds

    text = os.fspath(path)
    if any(ch in text for ch in "*?["):
        files = sorted(glob.glob(text, recursive=True))
        if not files:
            raise FileNotFoundError(f"no file matches {text!r}")
        return ds.dataset(files, format="parquet")
    if not os.path.exists(text):
        raise FileNotFoundError(f"{text!r} does not exist")
    return ds.dataset(text, format="parquet")


class Pieces:
    """The pieces of one source and the columns it has."""

    columns: list[str]
    dtypes: dict[str, str]  # as pandas shows each column's dtype
    kind: str

    def reduce(self, columns: list[str], function: Callable[..., Any], *args: Any) -> Any:
        """``function(piece, *args)`` of every piece, added up in row order.

        A piece holds those of ``columns`` that the source has.
        """
        raise NotImplementedError


class FramePieces(Pieces):
    """A pandas frame in pieces of ``rows`` rows."""

    kind = "pandas"

    def __init__(self, frame: pd.DataFrame, rows: int):
        self.frame, self.rows = frame, max(1, int(rows))
        self.columns = [str(c) for c in frame.columns]
        self.dtypes = {str(c): str(t) for c, t in frame.dtypes.items()}

    def _pieces(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        present = [c for c in columns if c in self.frame.columns]
        for start in range(0, max(len(self.frame), 1), self.rows):
            yield self.frame.iloc[start : start + self.rows][present]

    def reduce(self, columns: list[str], function: Callable[..., Any], *args: Any) -> Any:
        results = (function(piece, *args) for piece in self._pieces(columns))
        return reduce(lambda a, b: a + b if a is not None else b, results, None)


class ArrowPieces(Pieces):
    """An Arrow dataset, streamed by record batch."""

    kind = "arrow"

    def __init__(self, dataset: Any, batch_rows: int = BATCH_ROWS):
        self.dataset, self.batch_rows = dataset, int(batch_rows)
        self.columns = list(dataset.schema.names)
        empty = dataset.schema.empty_table().to_pandas()
        self.dtypes = {str(c): str(t) for c, t in empty.dtypes.items()}

    def reduce(self, columns: list[str], function: Callable[..., Any], *args: Any) -> Any:
        columns = [c for c in columns if c in self.columns]
        total = None
        for batch in self.dataset.to_batches(columns=columns, batch_size=self.batch_rows):
            if batch.num_rows == 0:
                continue
            result = function(batch.to_pandas(), *args)
            total = result if total is None else total + result
        if total is None:  # an empty dataset: one empty piece, so the result has its shape
            empty = self.dataset.schema.empty_table().select(columns).to_pandas()
            total = function(empty, *args)
        return total


def _add(a: Any, b: Any) -> Any:
    return a + b


class DaskPieces(Pieces):
    """A Dask DataFrame, partition by partition on its scheduler, tree-reduced in order."""

    kind = "dask"

    def __init__(self, frame: Any):
        self.frame = frame
        self.columns = [str(c) for c in frame.columns]
        self.dtypes = {str(c): str(t) for c, t in frame.dtypes.items()}

    def reduce(self, columns: list[str], function: Callable[..., Any], *args: Any) -> Any:
        try:
            import dask
        except ImportError:  # pragma: no cover - dask frames come with dask
            raise ImportError(f"Dask is not installed: pip install '{DASK_EXTRA}'") from None
        columns = [c for c in columns if c in self.columns]
        shared = [dask.delayed(a, traverse=False) for a in args]
        task = dask.delayed(function, pure=True)
        level = [task(part, *shared) for part in self.frame[columns].to_delayed()]
        add = dask.delayed(_add, pure=True)
        while len(level) > 1:  # pairs of neighbours: the order of the rows is kept
            pairs = [add(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            level = pairs + ([level[-1]] if len(level) % 2 else [])
        return level[0].compute() if level else None


def pieces_of(data: Any, *, rows: int | None = None) -> Pieces:
    """The source adapter for ``data`` (``rows``: split a pandas frame into such pieces)."""
    if is_dask_frame(data):
        return DaskPieces(data)
    if is_arrow_dataset(data):
        return ArrowPieces(data, rows or BATCH_ROWS)
    if isinstance(data, pd.DataFrame):
        return FramePieces(data, rows or max(len(data), 1))
    raise TypeError(
        "expected a pandas DataFrame, a Dask DataFrame or a pyarrow.dataset.Dataset; got "
        f"{type(data).__name__}"
    )
