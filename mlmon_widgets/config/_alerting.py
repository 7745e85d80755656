"""How alerts are raised and routed: data-quality levels, routing, persistence."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..engine import ALERT_LEVELS, CRITICAL, DOMAINS, OFF, QUALITY_METRICS, ROUTES
from ._checks import check_int, check_keys, check_number, check_option, check_string
from ._errors import ConfigError, nested


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass(frozen=True)
class Levels:
    """Warning and critical thresholds of a data-quality rate, ``0 < warning <= critical <= 1``."""

    warning: float
    critical: float

    def __post_init__(self) -> None:
        for name in ALERT_LEVELS:
            with nested(name):
                value = check_number(getattr(self, name), minimum=0, exclusive_minimum=True)
                check_number(value, maximum=1)
            object.__setattr__(self, name, value)
        if self.warning > self.critical:
            raise ConfigError(
                f"must be >= warning ({self.warning:g}); got {self.critical:g}", (CRITICAL,)
            )

    @classmethod
    def from_dict(cls, data: Any) -> Levels | None:
        """Read ``{'warning': ..., 'critical': ...}``, or ``'off'`` (None)."""
        if data == OFF:
            return None
        return cls(**check_keys(data, required=ALERT_LEVELS))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return _plain(self)


@dataclass(frozen=True)
class QualityThresholds:
    """Thresholds of the data-quality alerts; ``None`` turns one off.

    Each rate is compared with the reference's own rate plus the threshold (the reference
    has no out-of-range values or unseen categories, so those are plain shares): a column
    that was 20% missing in the reference warns at ``0.2 + missing_rate.warning``. A
    configured column missing from the data is always critical. ``empty_batch`` is the
    severity of a batch without any row (a broken pipeline is never "all clear"):
    ``'critical'`` (default), ``'warning'`` or ``'off'``.
    """

    missing_rate: Levels | None = field(default_factory=lambda: Levels(0.1, 0.5))
    invalid_rate: Levels | None = field(default_factory=lambda: Levels(0.001, 0.05))
    out_of_range: Levels | None = field(default_factory=lambda: Levels(0.05, 0.2))
    unseen_share: Levels | None = field(default_factory=lambda: Levels(0.01, 0.1))
    empty_batch: str = CRITICAL

    def __post_init__(self) -> None:
        for name in QUALITY_METRICS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, Levels):
                with nested(name):
                    object.__setattr__(self, name, Levels.from_dict(value))
        with nested("empty_batch"):
            check_option(self.empty_batch, (*ALERT_LEVELS, OFF))

    @classmethod
    def from_dict(cls, data: Any) -> QualityThresholds:
        """Read ``{'missing_rate': {'warning': ..., 'critical': ...} or 'off', ...}``."""
        given = check_keys(data, optional=(*QUALITY_METRICS, "empty_batch"))
        values: dict[str, Any] = {}
        for name, value in given.items():
            with nested(name):
                if name == "empty_batch":
                    values[name] = OFF if value is False else value  # YAML reads off as false
                else:
                    values[name] = Levels.from_dict(value)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (``'off'`` for a rate without alerts)."""
        out: dict[str, Any] = {
            name: OFF if getattr(self, name) is None else getattr(self, name).to_dict()
            for name in QUALITY_METRICS
        }
        out["empty_batch"] = self.empty_batch
        return out


@dataclass(frozen=True)
class Routing:
    """Where each domain's alerts go: free-form route keys (a team, a channel, a pager)."""

    data_quality: str = ROUTES[DOMAINS[0]]
    drift: str = ROUTES[DOMAINS[1]]
    performance: str = ROUTES[DOMAINS[2]]
    latency: str = ROUTES[DOMAINS[3]]

    def __post_init__(self) -> None:
        for name in DOMAINS:
            with nested(name):
                check_string(getattr(self, name), nonempty=True)

    @classmethod
    def from_dict(cls, data: Any) -> Routing:
        """Read ``{'drift': 'ml-oncall', ...}`` (missing domains keep their default)."""
        return cls(**check_keys(data, optional=DOMAINS))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return _plain(self)


@dataclass(frozen=True)
class Persistence:
    """Alert only when ``n`` of the last ``m`` windows (this one included) breach."""

    n: int = 1
    m: int = 1

    def __post_init__(self) -> None:
        with nested("m"):
            check_int(self.m, minimum=1, maximum=1000)
        with nested("n"):
            check_int(self.n, minimum=1, maximum=self.m)

    @classmethod
    def from_dict(cls, data: Any) -> Persistence:
        """Read ``{'n': 2, 'm': 3}``."""
        return cls(**check_keys(data, optional=("n", "m")))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return _plain(self)
