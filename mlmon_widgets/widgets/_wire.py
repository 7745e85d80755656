"""What crosses to the browser: columnar tables with binary columns, and patches of them.

Every widget keeps its per-window data in named tables (:class:`Tables`): numeric columns
travel as binary buffers (``{dtype, shape, buffer}``, float64 and int64 narrowed to what
JavaScript's typed arrays hold, the idea of jupyter-scatter's ndarray serializer), text
columns as lists. The full tables are the widget's ``_tables`` state; a live change is one
patch of operations (:meth:`Tables.splice`, :meth:`Tables.scatter`) that the front end
applies to its copy (``js/lib/live.js``). One format for every widget.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_NARROW = {np.dtype("float64"): np.float32, np.dtype("int64"): np.int32, np.dtype("bool"): np.uint8}
_SUPPORTED = {"float32", "float64", "uint8", "int32", "uint32"}

Column = np.ndarray | list


def pack(array: np.ndarray) -> dict[str, Any]:
    """A C-contiguous array as ``{'dtype', 'shape', 'buffer'}`` (buffer: a memoryview).

    Examples
    --------
    >>> packed = pack(np.array([[1.5, 2.0]]))
    >>> packed["dtype"], packed["shape"]
    ('float32', [1, 2])
    >>> bytes(packed["buffer"]) == np.float32([1.5, 2.0]).tobytes()
    True
    """
    array = np.asarray(array)
    if array.dtype in _NARROW:
        array = array.astype(_NARROW[array.dtype])
    if array.dtype.name not in _SUPPORTED:
        raise TypeError(f"cannot send arrays of dtype {array.dtype} to the browser")
    array = np.ascontiguousarray(array)
    buffer = memoryview(array).cast("B") if array.size else memoryview(b"")
    return {"dtype": array.dtype.name, "shape": list(array.shape), "buffer": buffer}


def unpack(packed: dict[str, Any]) -> np.ndarray:
    """Inverse of :func:`pack` (for tests and for state read back from a front end)."""
    buffer = packed["buffer"]
    raw = buffer.tobytes() if isinstance(buffer, memoryview) else bytes(buffer)
    return np.frombuffer(raw, dtype=packed["dtype"]).reshape(packed["shape"])


def plain(value: Any) -> Any:
    """Data safe for JSON: NaN becomes None and infinities the text '∞' / '-∞'.

    Jupyter's message serializer refuses (and warns about) non-finite floats.

    Examples
    --------
    >>> plain({"p": float("nan"), "w": [1.0, float("inf")], "n": np.int64(3)})
    {'p': None, 'w': [1.0, '∞'], 'n': 3}
    """
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        if np.isinf(value):
            return "∞" if value > 0 else "-∞"
        return float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _wire(column: Column) -> Any:
    """A column as it travels: packed numbers, or a list of text."""
    if isinstance(column, np.ndarray) and column.dtype != object:
        return pack(column)
    return [None if v is None else str(v) for v in column]


class Tables:
    """Named columnar tables (rows along axis 0), mirrored by the front end.

    Examples
    --------
    >>> tables = Tables()
    >>> tables.put("windows", {"label": ["a", "b"], "n": np.array([3, 4])})
    >>> op = tables.splice("windows", 1, {"label": ["b", "c"], "n": np.array([5, 6])})
    >>> tables.data["windows"]["label"], tables.data["windows"]["n"].tolist()
    (['a', 'b', 'c'], [3, 5, 6])
    >>> op["op"], op["start"], op["columns"]["label"]
    ('splice', 1, ['b', 'c'])
    """

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Column]] = {}

    def put(self, name: str, columns: dict[str, Column]) -> None:
        """Replace table ``name`` (sent with the next full state)."""
        self.data[name] = {k: _own(v) for k, v in columns.items()}

    def drop(self, name: str) -> None:
        """Forget table ``name``."""
        self.data.pop(name, None)

    def length(self, name: str) -> int:
        """Rows of table ``name``."""
        columns = self.data.get(name, {})
        return len(next(iter(columns.values()))) if columns else 0

    def state(self) -> dict[str, Any]:
        """Every table as it travels: ``{name: {'length': n, 'columns': {...}}}``."""
        return {
            name: {"length": self.length(name), "columns": {k: _wire(v) for k, v in cols.items()}}
            for name, cols in self.data.items()
        }

    def splice(self, name: str, start: int, columns: dict[str, Column]) -> dict[str, Any]:
        """Replace the rows of ``name`` from ``start`` on by ``columns``; the operation sent."""
        table = self.data[name]
        for key, new in columns.items():
            old = table[key]
            if isinstance(old, np.ndarray):
                table[key] = np.concatenate([old[:start], np.asarray(new, dtype=old.dtype)])
            else:
                table[key] = list(old[:start]) + list(new)
        return {
            "table": name,
            "op": "splice",
            "start": int(start),
            "columns": {k: _wire(_own(v)) for k, v in columns.items()},
        }

    def scatter(
        self, name: str, column: str, index: np.ndarray, values: np.ndarray
    ) -> dict[str, Any]:
        """Set ``column`` of ``name`` at flat positions ``index``; the operation sent."""
        target = self.data[name][column]
        flat = target.reshape(-1)
        flat[index] = values
        return {
            "table": name,
            "op": "scatter",
            "column": column,
            "index": pack(np.asarray(index, dtype=np.uint32)),
            "values": pack(np.asarray(values, dtype=target.dtype)),
        }

    def update(self, tables: dict[str, dict[str, Column]]) -> list[dict[str, Any]] | None:
        """The operations that turn the current tables into ``tables``, applied here too.

        Rows that exist on both sides and changed are scattered (numeric columns) or, from
        the first changed text, spliced; rows added or removed at the end are spliced. None
        when the structure changed (a table or column added or removed, a grid's width): the
        caller then publishes everything.

        Examples
        --------
        >>> tables = Tables()
        >>> tables.put("cells", {"code": np.array([0, 1, 1], dtype=np.uint8), "who": list("abc")})
        >>> ops = tables.update(
        ...     {"cells": {"code": np.array([0, 2, 1, 3], dtype=np.uint8), "who": list("abcd")}}
        ... )
        >>> [(op["op"], op.get("start")) for op in ops]
        [('scatter', None), ('splice', 3)]
        >>> tables.data["cells"]["code"].tolist()
        [0, 2, 1, 3]
        """
        if set(tables) != set(self.data):
            return None
        for name, columns in tables.items():
            old = self.data[name]
            if set(columns) != set(old):
                return None
            for key, new in columns.items():
                before = old[key]
                if isinstance(before, np.ndarray) != isinstance(new, np.ndarray):
                    return None
                if isinstance(new, np.ndarray) and np.shape(new)[1:] != before.shape[1:]:
                    return None
        ops: list[dict[str, Any]] = []
        for name, columns in tables.items():
            ops.extend(self._changes(name, {k: _own(v) for k, v in columns.items()}))
        return ops

    def _changes(self, name: str, columns: dict[str, Column]) -> list[dict[str, Any]]:
        old = self.data[name]
        n_old, n_new = self.length(name), len(next(iter(columns.values())))
        start = min(n_old, n_new)
        for key, new in columns.items():  # text can only be spliced: from its first change
            if not isinstance(new, np.ndarray):
                first = next((i for i in range(start) if old[key][i] != new[i]), start)
                start = min(start, first)
        ops = []
        for key, new in columns.items():
            if isinstance(new, np.ndarray):
                before, after = old[key][:start].reshape(-1), new[:start].reshape(-1)
                same = (
                    (before == after) | (np.isnan(before) & np.isnan(after))
                    if (after.dtype.kind == "f")
                    else before == after
                )
                changed = np.flatnonzero(~same)
                if len(changed):
                    ops.append(self.scatter(name, key, changed, after[changed]))
        if start < max(n_old, n_new):
            ops.append(self.splice(name, start, {k: v[start:] for k, v in columns.items()}))
        return ops


def _own(column: Column) -> Column:
    if isinstance(column, np.ndarray):
        return np.array(column, copy=True)
    return list(column)


def with_buffers(content: dict[str, Any]) -> tuple[dict[str, Any], list[memoryview]]:
    """A message with its packed arrays' buffers moved to the binary part (``buffer``: index)."""
    buffers: list[memoryview] = []

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if "buffer" in value and isinstance(value["buffer"], memoryview):
                buffers.append(value["buffer"])
                return {**value, "buffer": len(buffers) - 1}
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(content), buffers
