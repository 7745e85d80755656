"""Arrays on the wire: ``{dtype, shape, buffer}`` with the buffer sent as binary.

The idea of jupyter-scatter's ndarray serializer: no lists of floats, no base64; float64
and int64 are narrowed to what JavaScript's typed arrays hold.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_NARROW = {np.dtype("float64"): np.float32, np.dtype("int64"): np.int32, np.dtype("bool"): np.uint8}
_SUPPORTED = {"float32", "float64", "uint8", "int32", "uint32"}


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
