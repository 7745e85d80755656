"""A comm that records what a widget sends, so tests can play the front end."""

from __future__ import annotations

import json
from typing import Any

import comm
import numpy as np
import pytest
from comm.base_comm import BaseComm


class RecordingComm(BaseComm):
    """Keeps every message a widget publishes (state updates and custom messages)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        super().__init__(*args, **kwargs)

    def publish_msg(
        self, msg_type: str, data=None, metadata=None, buffers=None, **keys: Any
    ) -> None:
        self.messages.append({"type": msg_type, "data": data or {}, "buffers": list(buffers or [])})

    def updates(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["data"].get("method") == "update"]

    def custom(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["data"].get("method") == "custom"]

    def clear(self) -> None:
        self.messages.clear()


def message_bytes(message: dict[str, Any]) -> int:
    """Bytes on the wire: the JSON part plus the binary buffers."""
    size = len(json.dumps(message["data"], default=str).encode())
    return size + sum(memoryview(b).nbytes for b in message["buffers"])


@pytest.fixture
def recording(monkeypatch) -> list[RecordingComm]:
    """Every widget created in the test gets a RecordingComm; the list collects them."""
    made: list[RecordingComm] = []

    def create(*args: Any, **kwargs: Any) -> RecordingComm:
        c = RecordingComm(*args, **kwargs)
        made.append(c)
        return c

    monkeypatch.setattr(comm, "create_comm", create)
    return made


def _decode(column: Any, buffers: list) -> Any:
    """A column as it travels (packed numbers or a list of text) as numpy or a list."""
    if isinstance(column, list):
        return list(column)
    buffer = column["buffer"]
    raw = bytes(buffers[buffer]) if isinstance(buffer, int) else bytes(buffer)
    return np.frombuffer(raw, dtype=column["dtype"]).reshape(column["shape"]).copy()


def decode_tables(state: dict[str, Any], buffers: list | None = None) -> dict[str, dict]:
    """``_tables`` state as {table: {column: array or list}}."""
    return {
        name: {k: _decode(v, buffers or []) for k, v in table["columns"].items()}
        for name, table in state["tables"].items()
    }


class FrontEnd:
    """Plays js/lib/live.js: full ``_tables`` state, then patches applied as the store does.

    ``agrees_with(widget)`` compares what this front end holds with the widget's state, for
    the tables and for ``keys`` (other synced traits).
    """

    def __init__(self, widget: Any, keys: tuple[str, ...] = ()):
        self.keys = keys
        state = widget.get_state()
        self.tables = decode_tables(state["_tables"])
        self.state = {k: state[k] for k in keys}
        self.seen = 0

    def catch_up(self, channel: RecordingComm) -> None:
        for message in channel.messages[self.seen :]:
            data, buffers = message["data"], message["buffers"]
            if data.get("method") == "update":
                state = _with_buffers(data, buffers)
                if "_tables" in state:
                    self.tables = decode_tables(state["_tables"])
                self.state.update({k: v for k, v in state.items() if k in self.keys})
            elif data.get("method") == "custom":
                self.apply(data["content"], buffers)
        self.seen = len(channel.messages)

    def apply(self, patch: dict[str, Any], buffers: list) -> None:
        assert patch["type"] == "patch"
        for op in patch["ops"]:
            table = self.tables[op["table"]]
            if op["op"] == "splice":
                start = op["start"]
                for key, column in op["columns"].items():
                    new = _decode(column, buffers)
                    old = table[key]
                    table[key] = (
                        old[:start] + new
                        if isinstance(old, list)
                        else np.concatenate([old[:start], new])
                    )
            else:
                index, values = _decode(op["index"], buffers), _decode(op["values"], buffers)
                table[op["column"]].reshape(-1)[index] = values

    def agrees_with(self, widget: Any) -> bool:
        now = widget.get_state()
        tables = decode_tables(now["_tables"])
        if set(tables) != set(self.tables):
            return False
        for name, columns in tables.items():
            for key, column in columns.items():
                mine = self.tables[name][key]
                if isinstance(column, list):
                    if mine != column:
                        return False
                elif mine.shape != column.shape or not np.array_equal(mine, column, equal_nan=True):
                    return False
        return all(self.state[k] == now[k] for k in self.keys)


def _with_buffers(data: dict[str, Any], buffers: list) -> dict[str, Any]:
    """The state of an update message with its binary parts put back at ``buffer_paths``."""
    state = data["state"]
    for path, buffer in zip(data.get("buffer_paths", []), buffers, strict=True):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = buffer
    return state
