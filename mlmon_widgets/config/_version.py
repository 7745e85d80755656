"""The config format version."""

from __future__ import annotations

from typing import Any

from ..engine import describe
from ._checks import check_int
from ._errors import ConfigError, nested

#: The config format this version of mlmon_widgets writes and reads.
SCHEMA_VERSION = 1


def check_schema_version(value: Any) -> int:
    """The schema version as int; a newer one than :data:`SCHEMA_VERSION` is refused."""
    with nested("schema_version"):
        version = check_int(value, minimum=1)
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"schema_version {describe(version)} is newer than this mlmon_widgets understands "
            f"({SCHEMA_VERSION}); upgrade mlmon_widgets"
        )
    return version
