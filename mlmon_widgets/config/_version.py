"""The config format version, and what each version judges with."""

from __future__ import annotations

from typing import Any

from ..engine import DEFAULT_GATE, DRIFT_GATES, GATE_KS, describe
from ._checks import check_int, check_option
from ._errors import ConfigError, nested

#: The config format this version of mlmon_widgets writes and reads. Version 2 adds
#: ``gate`` (the p-value gate of numeric features, ``'ks_tails'`` by default); a config of
#: version 1 keeps the gate it was written with, KS alone, so production never changes
#: its behaviour silently.
SCHEMA_VERSION = 2
#: The first schema version with a ``gate`` field.
GATE_SINCE = 2


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


def check_gate(value: Any, schema_version: int) -> str:
    """The drift gate of a config: given, or the one of its schema version when absent.

    Examples
    --------
    >>> check_gate(None, 1), check_gate(None, 2)
    ('ks', 'ks_tails')
    """
    if value is None:
        return GATE_KS if schema_version < GATE_SINCE else DEFAULT_GATE
    with nested("gate"):
        gate = check_option(value, tuple(DRIFT_GATES))
        if schema_version < GATE_SINCE and gate != GATE_KS:
            raise ConfigError(
                f"needs schema_version {GATE_SINCE} or later (this config has "
                f"{schema_version}, whose gate is {GATE_KS!r})"
            )
    return gate


def newer_gate_note(schema_version: int, gate: str) -> str | None:
    """One line for a config that judges with an older gate than new exports do, else None."""
    if gate == DEFAULT_GATE:
        return None
    return (
        f"note: this config (schema_version {schema_version}) judges numeric drift with the "
        f"{gate!r} gate ({DRIFT_GATES[gate].label}); a newer gate, {DEFAULT_GATE!r} "
        f"({DRIFT_GATES[DEFAULT_GATE].label}), sees spread and tail changes in small windows: "
        f"re-export the config from the notebook, or set schema_version: {SCHEMA_VERSION} "
        f"and gate: {DEFAULT_GATE}"
    )
