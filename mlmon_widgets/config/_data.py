"""Reading a batch of production data for ``mlmon check``: Parquet or CSV, by extension."""

from __future__ import annotations

import pathlib
from typing import Any

import pandas as pd

from ..engine import DASK_EXTRA, parquet_dataset
from ._config import MonitoringConfig

PARQUET = (".parquet", ".pq")
_DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _read_csv(path: pathlib.Path, config: MonitoringConfig | None) -> pd.DataFrame:
    # Categories are compared as text (the baseline stores them so): keep "01" as "01".
    # Not the performance columns: a label True/False read as text is no label the metrics
    # can score (a label column may also be a categorical feature of the baseline).
    dtype = {}
    if config is not None:
        scored = config.performance.columns() if config.performance is not None else ()
        dtype = {c: str for c, r in config.roles.items() if r == "categorical" and c not in scored}
    try:
        frame = pd.read_csv(path, dtype=dtype, encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path}: not UTF-8 text (byte {err.object[err.start]:#04x} at position "
            f"{err.start}); convert it, e.g. iconv -f latin1 -t utf-8 {path.name}"
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty (no header line)") from None
    except pd.errors.ParserError as err:
        raise ValueError(f"{path}: cannot parse the CSV: {_first_line(err)}") from None
    expected = _expected_columns(config)
    if frame.shape[1] == 1 and len(expected) > 1:
        header = str(frame.columns[0])
        found = [name for d, name in _DELIMITERS.items() if d in header]
        seen = f" (the header has {found[0]} in it)" if found else ""
        raise ValueError(
            f"{path}: looks like the delimiter is not ','; the file read as one column "
            f"{header[:60]!r}{seen} while the config expects {len(expected)} columns; "
            "save it comma-separated"
        )
    return frame


def _expected_columns(config: MonitoringConfig | None) -> list[str]:
    if config is None:
        return []
    features = list(config.baseline["features"])
    if config.performance is not None:
        features += [c for c in config.performance.columns() if c not in features]
    return features + ([config.window.time] if config.window.time else [])


def _parse_time(frame: pd.DataFrame, column: str, path: pathlib.Path) -> None:
    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return
    if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
        return  # left to evaluate, which names the dtype
    try:
        try:
            parsed = pd.to_datetime(values, format="ISO8601")
        except ValueError as err:
            if "Mixed timezones" not in str(err):
                raise
            parsed = pd.to_datetime(values, format="ISO8601", utc=True)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"{path}: time column {column!r} is not ISO-8601 timestamps: {_first_line(err)}"
        ) from None
    frame[column] = parsed


def read_data(
    path: str | pathlib.Path, config: MonitoringConfig | None = None, *, time: str | None = None
) -> pd.DataFrame:
    r"""Read production data from a ``.parquet`` or ``.csv`` file (by its extension).

    CSV is read as UTF-8 (a byte-order mark is fine) with ``,`` between fields; columns the
    config treats as categorical are read as text (except the performance section's label,
    score, prediction and latency, read as values), and the time column (``time`` or the
    config's) is parsed from ISO-8601. Every problem is a ValueError with a one-line
    reason naming the file: a missing file, another format, a CSV that is not UTF-8 or
    whose delimiter is not ``,`` (it reads as one column where the config expects several).

    Parameters
    ----------
    path : str or pathlib.Path
        The data file.
    config : MonitoringConfig, optional
        Used to know the expected columns, their roles and the time column.
    time : str, optional
        Timestamp column, replacing the config's.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "batch.csv").write_text("ts,x\n2024-05-01T10:00:00Z,1.5\n")
    >>> read_data(folder / "batch.csv", time="ts")["ts"].iloc[0]
    Timestamp('2024-05-01 10:00:00+0000', tz='UTC')
    >>> read_data(folder / "batch.txt")
    Traceback (most recent call last):
    ...
    ValueError: .../batch.txt: data must be a .parquet or .csv file; got '.txt'
    """
    if _is_dataset(path):  # a folder or a glob of Parquet files, read whole
        frame = open_data(path, ENGINES[1]).to_table().to_pandas()
        column = time or (config.window.time if config is not None else None)
        if column is not None and column in frame.columns:
            _parse_time(frame, column, pathlib.Path(path))
        return frame
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    is_csv = ".csv" in [s.lower() for s in path.suffixes]
    if suffix not in PARQUET and not is_csv:
        raise ValueError(
            f"{path}: data must be a .parquet or .csv file; got {suffix or 'no extension'!r}"
        )
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    if is_csv:
        frame = _read_csv(path, config)
    else:
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as err:
            raise ValueError(f"{path}: not a readable Parquet file: {_first_line(err)}") from None
    column = time or (config.window.time if config is not None else None)
    if column is not None and column in frame.columns:
        _parse_time(frame, column, path)
    return frame


#: How ``mlmon check`` reads its data: whole into pandas, streamed by Arrow, or on Dask.
ENGINES = ("pandas", "arrow", "dask")


def _is_dataset(path: str | pathlib.Path) -> bool:
    """A folder, or a glob (a name with ``*?[`` that is not itself an existing file)."""
    text = str(path)
    if pathlib.Path(text).is_dir():
        return True
    return any(ch in text for ch in "*?[") and not pathlib.Path(text).exists()


def open_data(path: str | pathlib.Path, engine: str) -> Any:
    """A Parquet file, folder or glob as a large source: an Arrow dataset or a Dask DataFrame.

    Nothing is read yet: the engine's functions stream it piece by piece (``'arrow'``, in
    this process) or run on the Dask cluster the process is connected to (``'dask'``; a
    local threaded scheduler without one).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"x": [1.0, 2.0]}).to_parquet(folder / "part-0.parquet")
    >>> open_data(folder, "arrow").count_rows()
    2
    >>> open_data(folder / "nothing-*.parquet", "arrow")
    Traceback (most recent call last):
    ...
    ValueError: .../nothing-*.parquet: no file matches
    """
    if engine not in ENGINES[1:]:
        raise ValueError(f"engine must be one of {ENGINES[1:]}; got {engine!r}")
    text = str(path)
    if not _is_dataset(text) and pathlib.Path(text).suffix.lower() not in PARQUET:
        raise ValueError(f"{text}: --engine {engine} reads Parquet (a file, folder or glob)")
    if engine == ENGINES[2]:
        try:
            import dask.dataframe as dd
        except ImportError:
            raise ValueError(f"--engine dask needs Dask: pip install '{DASK_EXTRA}'") from None
    else:
        dd = None
    unreadable = f"{text}: not a readable Parquet dataset: "
    try:
        dataset = parquet_dataset(text)  # (also checks that the files exist for Dask)
        return dd.read_parquet(text) if engine == ENGINES[2] else dataset
    except FileNotFoundError:
        missing = "no file matches" if any(ch in text for ch in "*?[") else "no such file or folder"
        raise ValueError(f"{text}: {missing}") from None
    except (OSError, ValueError) as err:
        raise ValueError(unreadable + _first_line(err)) from None
