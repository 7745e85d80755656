"""Pieces of data too large for one pandas frame: a Dask DataFrame, an Arrow dataset.

A source applies a function to every piece (a pandas frame of the needed columns) and
adds the results up in row order: a Dask DataFrame partition by partition on its
scheduler (tree-reduced on the workers), an Arrow dataset record batch by record batch in
this process (streaming: one batch and the running total in memory).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
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
    """Whether ``data`` is read piece by piece.

    A Dask DataFrame, an Arrow dataset or the adapter :func:`as_source` made of one.
    """
    return isinstance(data, Pieces) or is_dask_frame(data) or is_arrow_dataset(data)


def parquet_dataset(path: str | os.PathLike[str]) -> Any:
    """A Parquet dataset from a file, a folder or a glob, read lazily (nothing loaded yet).

    Give it to :func:`drift_over_time`, :func:`drift_table` or :func:`data_quality` to
    stream it record batch by record batch instead of reading it whole.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.parquet`` file, a folder of them (read recursively) or a glob such as
        ``'logs/2024-*.parquet'`` (its files in name order).

    Returns
    -------
    pyarrow.dataset.Dataset

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np, pandas as pd
    >>> import mlmon_widgets as mm
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> rng = np.random.default_rng(0)
    >>> for day in range(3):
    ...     times = pd.date_range(f"2024-05-0{day + 1}", periods=500, freq="2min")
    ...     pd.DataFrame({"ts": times, "x": rng.normal(day, 1, 500)}).to_parquet(
    ...         folder / f"day-{day}.parquet")
    >>> logs = mm.parquet_dataset(folder / "day-*.parquet")
    >>> ref = pd.DataFrame({"x": rng.normal(0, 1, 2000)})
    >>> daily = mm.drift_over_time(ref, logs, time="ts", window="1D")
    >>> daily[["window_start", "n", "severity"]]
      window_start    n  severity
    0   2024-05-01  500        ok
    1   2024-05-02  500  critical
    2   2024-05-03  500  critical
    """
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

    def frames(self, columns: list[str]) -> Iterator[pd.DataFrame] | None:
        """The pieces as pandas frames in row order, for a local source (None: not local)."""
        return None

    def count_rows(self) -> int:
        """The number of rows (a Dask DataFrame computes it)."""
        raise NotImplementedError

    def mapped(
        self,
        mapper: Callable[..., pd.DataFrame],
        *args: Any,
        added: dict[str, str] | None = None,
        needs: list[str] | None = None,
    ) -> Pieces:
        """The source with every piece passed through ``mapper(piece, *args)`` first.

        ``added`` names the columns (and their dtypes) the mapper adds, ``needs`` those it
        reads (read with every piece, whatever else is asked for).
        """
        return MappedPieces(self, mapper, args, added or {}, list(needs or []))

    def grouped(
        self,
        columns: list[str],
        groups: list[tuple[int, int, int, int]],
        function: Callable[..., Any],
        *args: Any,
    ) -> list[Any]:
        """``function(pieces a..b, *args, first, last)`` of every group ``(a, b, first, last)``.

        Groups come in order and their piece runs move forward: a local source streams its
        pieces once and keeps only those a later group still needs.
        """
        results = []
        kept: dict[int, pd.DataFrame] = {}
        pending = list(groups)
        for i, frame in enumerate(self.frames(columns) or ()):
            kept[i] = frame
            while pending and pending[0][1] == i:
                a, b, first, last = pending.pop(0)
                results.append(function([kept[j] for j in range(a, b + 1)], *args, first, last))
            start = pending[0][0] if pending else i + 1
            for j in [j for j in kept if j < start]:
                del kept[j]
        return results

    def reduce(self, columns: list[str], function: Callable[..., Any], *args: Any) -> Any:
        """``function(piece, *args)`` of every piece, added up in row order.

        A piece holds those of ``columns`` that the source has.
        """
        raise NotImplementedError


class ArrowPieces(Pieces):
    """An Arrow dataset, streamed by record batch."""

    kind = "arrow"

    def __init__(self, dataset: Any, batch_rows: int = BATCH_ROWS):
        self.dataset, self.batch_rows = dataset, int(batch_rows)
        self.columns = list(dataset.schema.names)
        empty = dataset.schema.empty_table().to_pandas()
        self.dtypes = {str(c): str(t) for c, t in empty.dtypes.items()}

    def count_rows(self) -> int:
        return int(self.dataset.count_rows())

    def frames(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """The record batches as pandas frames, in order (an empty dataset: one empty frame)."""
        columns = [c for c in columns if c in self.columns]
        seen = False
        for batch in self._batches(columns):
            if batch.num_rows:
                seen = True
                yield batch.to_pandas()
        if not seen:
            yield self.dataset.schema.empty_table().select(columns).to_pandas()

    def _batches(self, columns: list[str]) -> Iterator[Any]:
        """Record batches of at most ``batch_rows`` rows, in order.

        Parquet files are read row group by row group (the scanner's own batching holds far
        more than one batch at a time: measured 1.7 GB for 90 MB batches); other datasets
        (in memory) through the scanner.
        """
        import pyarrow.dataset as ds

        fragments = list(self.dataset.get_fragments())
        if fragments and all(isinstance(f, ds.ParquetFileFragment) for f in fragments):
            for fragment in fragments:
                for group in fragment.split_by_row_group():
                    # (the dataset's schema: a file without a column gives it as nulls)
                    table = group.to_table(schema=self.dataset.schema, columns=columns)
                    yield from table.to_batches(max_chunksize=self.batch_rows)
                    del table
            return
        yield from self.dataset.to_batches(
            columns=columns, batch_size=self.batch_rows, batch_readahead=1, fragment_readahead=1
        )

    def reduce(self, columns: list[str], function: Callable[..., Any], *args: Any) -> Any:
        total = None
        for frame in self.frames(columns):
            result = function(frame, *args)
            total = result if total is None else total + result
        return total


def _add(a: Any, b: Any) -> Any:
    return a + b


def _projected(
    frame: pd.DataFrame, columns: list[str], function: Callable[..., Any], *args: Any
) -> Any:
    return function(frame[columns], *args)


def _projected_group(
    frames: list[pd.DataFrame], columns: list[str], function: Callable[..., Any], *args: Any
) -> Any:
    return function([frame[columns] for frame in frames], *args)


class DaskPieces(Pieces):
    """A Dask DataFrame, partition by partition on its scheduler, tree-reduced in order."""

    kind = "dask"

    def __init__(self, frame: Any):
        self.frame = frame
        self.columns = [str(c) for c in frame.columns]
        self.dtypes = {str(c): str(t) for c, t in frame.dtypes.items()}

    def count_rows(self) -> int:
        return len(self.frame)

    def reduce(self, columns: list[str], function: Callable[..., Any], *args: Any) -> Any:
        try:
            import dask
        except ImportError:  # pragma: no cover - dask frames come with dask
            raise ImportError(f"Dask is not installed: pip install '{DASK_EXTRA}'") from None
        columns = [c for c in columns if c in self.columns]
        shared = [dask.delayed(a, traverse=False) for a in args]
        task = dask.delayed(_projected, pure=True)
        level = [task(part, columns, function, *shared) for part in self._partitions()]
        add = dask.delayed(_add, pure=True)
        while len(level) > 1:  # pairs of neighbours: the order of the rows is kept
            pairs = [add(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            level = pairs + ([level[-1]] if len(level) % 2 else [])
        return level[0].compute() if level else None

    def grouped(
        self,
        columns: list[str],
        groups: list[tuple[int, int, int, int]],
        function: Callable[..., Any],
        *args: Any,
    ) -> list[Any]:
        """One task per group on the cluster, each with the partitions of its run."""
        import dask

        columns = [c for c in columns if c in self.columns]
        parts = self._partitions()
        shared = [dask.delayed(a, traverse=False) for a in args]
        task = dask.delayed(_projected_group, pure=True)
        tasks = [
            task(parts[a : b + 1], columns, function, *shared, first, last)
            for a, b, first, last in groups
        ]
        return list(dask.compute(*tasks))

    def frames(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """The partitions computed one at a time, in order, into this process."""
        columns = [c for c in columns if c in self.columns]
        for part in self._partitions():
            yield part.compute()[columns]

    def _partitions(self) -> list[Any]:
        """The partitions, always of the whole frame.

        Selecting columns first could make Dask partition it differently between passes (it
        fuses small Parquet files by the size of the columns read): the passes must see the
        same pieces.
        """
        return self.frame.to_delayed()


def _mapped(
    frame: pd.DataFrame,
    mapper: Callable[..., pd.DataFrame],
    mapper_args: tuple,
    function: Callable[..., Any],
    *args: Any,
) -> Any:
    return function(mapper(frame, *mapper_args), *args)


def _mapped_group(
    frames: list[pd.DataFrame],
    mapper: Callable[..., pd.DataFrame],
    mapper_args: tuple,
    function: Callable[..., Any],
    *args: Any,
) -> Any:
    return function([mapper(frame, *mapper_args) for frame in frames], *args)


class MappedPieces(Pieces):
    """Another source's pieces, each passed through ``mapper(piece, *args)`` first.

    On Dask that runs on the workers: ``mapper`` must be a module-level function.
    """

    def __init__(
        self,
        inner: Pieces,
        mapper: Callable[..., pd.DataFrame],
        args: tuple,
        added: dict[str, str],
        needs: list[str],
    ):
        self.inner, self.mapper, self.args, self.needs = inner, mapper, args, needs
        self.kind = inner.kind
        self.columns = [*inner.columns, *(c for c in added if c not in inner.columns)]
        self.dtypes = {**added, **inner.dtypes}

    def frames(self, columns: list[str]) -> Iterator[pd.DataFrame] | None:
        frames = self.inner.frames(self._read(columns))
        if frames is None:
            return None
        return (self.mapper(frame, *self.args) for frame in frames)

    def reduce(self, columns: list[str], function: Callable[..., Any], *args: Any) -> Any:
        return self.inner.reduce(
            self._read(columns), _mapped, self.mapper, self.args, function, *args
        )

    def grouped(self, columns, groups, function, *args):  # type: ignore[no-untyped-def]
        return self.inner.grouped(
            self._read(columns), groups, _mapped_group, self.mapper, self.args, function, *args
        )

    def _read(self, columns: list[str]) -> list[str]:
        return list(dict.fromkeys([*columns, *self.needs]))

    def count_rows(self) -> int:
        return self.inner.count_rows()


def pieces_of(data: Any) -> Pieces:
    """The source adapter for ``data`` (a Dask DataFrame, an Arrow dataset, an adapter)."""
    if isinstance(data, Pieces):
        return data
    if is_dask_frame(data):
        return DaskPieces(data)
    if is_arrow_dataset(data):
        return ArrowPieces(data)
    raise TypeError(
        "expected a pandas DataFrame, a Dask DataFrame or a pyarrow.dataset.Dataset; got "
        f"{type(data).__name__}"
    )


def as_source(data: Any) -> Pieces:
    """The piece-by-piece adapter of a Dask DataFrame or an Arrow dataset.

    It has the source's ``columns`` and ``dtypes``, ``count_rows()`` and ``mapped(...)``
    (every piece transformed first); the engine's functions that take large data take it
    as they take the source itself.

    Examples
    --------
    >>> import pandas as pd, pyarrow as pa, pyarrow.dataset as ds
    >>> source = as_source(ds.dataset(pa.table({"x": [1.0, 2.0, 3.0]})))
    >>> source.columns, source.count_rows()
    (['x'], 3)
    """
    if not is_scalable(data):
        raise TypeError(
            f"expected a Dask DataFrame or a pyarrow.dataset.Dataset; got {type(data).__name__}"
        )
    return pieces_of(data)
