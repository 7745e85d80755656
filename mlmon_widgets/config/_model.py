"""The monitored model's identity in a config: its name and version."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ._checks import check_keys, check_string
from ._errors import nested


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass(frozen=True)
class ModelInfo:
    """The monitored model: its name and version (a string: quote ``'1.2'`` in YAML)."""

    name: str
    version: str = ""

    def __post_init__(self) -> None:
        with nested("name"):
            check_string(self.name, nonempty=True)
        with nested("version"):
            check_string(self.version, hint=" (quote it in YAML, e.g. version: '1.2')")

    @classmethod
    def from_dict(cls, data: Any) -> ModelInfo:
        """Read ``{'name': ..., 'version': ...}``."""
        return cls(**check_keys(data, required=("name",), optional=("version",)))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return _plain(self)
