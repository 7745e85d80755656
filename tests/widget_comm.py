"""A comm that records what a widget sends, so tests can play the front end."""

from __future__ import annotations

import json
from typing import Any

import comm
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
