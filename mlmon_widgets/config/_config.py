"""MonitoringConfig: what production evaluates, exported from the notebook."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import pathlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine import (
    ALERT_LEVELS,
    CORRECTIONS,
    OFF,
    ROLES,
    Baseline,
    Rule,
    describe,
)
from ._alerting import Persistence, QualityThresholds, Routing
from ._baseline_check import check_baseline, plain_copy, with_baseline_file
from ._checks import (
    check_int,
    check_keys,
    check_list,
    check_mapping,
    check_number,
    check_option,
    check_string,
)
from ._errors import ConfigError, nested
from ._io import dump_yaml, read_json, read_yaml
from ._model import ModelInfo
from ._performance import PerformanceRules, rules_of
from ._promotion import PromotionRules, promotion_of
from ._rules import check_rules
from ._schema import json_schema
from ._segments import SegmentRule, segments_of
from ._suppressions import (
    OneOffSuppression,
    RecurringSuppression,
    Suppression,
    suppression_from_dict,
)
from ._version import GATE_SINCE, SCHEMA_VERSION, check_gate, check_schema_version
from ._window import WindowSpec

_REQUIRED = ("schema_version", "model", "baseline", "window")
_OPTIONAL = (
    "created_at",
    "note",
    "roles",
    "rules",
    "alpha",
    "correction",
    "gate",
    "min_rows",
    "alert_levels",
    "quality",
    "routing",
    "suppressions",
    "persistence",
    "performance",
    "segments",
    "promotion",
)
_UTC_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|\+00:00)")


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _field(value: Any, kind: type, reader: Any) -> Any:
    return value if isinstance(value, kind) else reader(value)


def _whole(part: Any, *names: str) -> Any:
    """``part`` with its integer fields given as whole floats (``rows: 100.0``) as ints."""
    floats = {name: getattr(part, name) for name in names}
    changes = {name: int(v) for name, v in floats.items() if isinstance(v, float)}
    return dataclasses.replace(part, **changes) if changes else part


@dataclass(frozen=True)
class MonitoringConfig:
    """Thresholds, baseline and alerting rules that production evaluates unchanged.

    Everything is plain data that round-trips exactly through :meth:`to_dict`,
    :meth:`to_json` and :meth:`to_yaml`; the baseline is :meth:`Baseline.to_dict` output,
    so production needs no training data. Every field is validated on construction and a
    refused value raises :class:`ConfigError` naming its path (``rules.income.warning:
    must be a number``).

    Parameters
    ----------
    model : ModelInfo or dict
        The monitored model's name and version.
    baseline : dict or Baseline
        The reference summary (a Baseline is stored as its ``to_dict()``).
    window : WindowSpec or dict
        ``time`` column and exactly one of ``window`` (pandas offset) and ``rows``.
    created_at : str, optional
        ISO-8601 UTC time stamp (``'2024-05-01T12:00:00Z'``); defaults to now.
    note : str, default ''
        Free text.
    roles : dict, optional
        Column -> role; the baseline's roles fill in (and must agree with) what is given.
    rules : dict, optional
        Feature -> :class:`~mlmon_widgets.engine.Rule`, ``{'metric', 'warning',
        'critical'}`` or ``'off'``, as ``thresholds=`` in the engine; a feature without a
        rule keeps the default thresholds.
    alpha : float, default 0.01
        Significance level of the corrected p-value.
    correction : {'fdr_bh', 'bonferroni', 'holm', 'none'}, default 'fdr_bh'
        Multiple-testing correction over the features x windows of one evaluation.
    min_rows : int, default 50
        Windows with fewer usable rows are not judged (drift and data-quality rates).
    alert_levels : tuple of {'warning', 'critical'}, default ('warning', 'critical')
        Severities that raise alerts.
    quality : QualityThresholds or dict, optional
        Data-quality thresholds.
    routing : Routing or dict, optional
        Route key per domain.
    suppressions : tuple of OneOffSuppression or RecurringSuppression (or dicts)
        Periods whose alerts are listed as suppressed.
    persistence : Persistence or dict, default 1 of 1
        Alert only when ``n`` of the last ``m`` windows breach.
    performance : PerformanceRules or dict, optional
        Performance and latency alerts: the label, score, prediction and latency columns
        and a :class:`~mlmon_widgets.engine.LimitRule` per metric (the control limits set
        on a chart in the notebook). Left out of :meth:`to_dict` when not given.
    segments : tuple of SegmentRule (or dicts), optional
        Monitored segments: a row filter with its own baseline, drift rules, ``min_rows``
        and route (see :meth:`with_segment`); each judged in :func:`evaluate` as the whole
        data is, its alerts naming it. Left out of :meth:`to_dict` when empty.
    promotion : PromotionRules or dict, optional
        A shadow model's columns and its promotion gate (see
        :class:`~mlmon_widgets.engine.PromotionGate`): ``mlmon check`` then gives the
        gate's verdict on the batch too. Left out of :meth:`to_dict` when not given.
    schema_version : int, default SCHEMA_VERSION
        Format version; a newer one than this package knows is refused.
    gate : {'ks_tails', 'ks'}, optional
        The p-value gate of numeric features and the effect metrics of their default rule
        (see :func:`~mlmon_widgets.engine.classify`). Absent: ``'ks'`` for a config of
        schema version 1 (the gate it was written with), ``'ks_tails'`` from version 2.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlmon_widgets.engine import Baseline
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame(
    ...     {"income": rng.normal(50, 10, 500), "region": rng.choice(["n", "s"], 500)}
    ... )
    >>> baseline = Baseline.fit(ref, roles={"income": "numeric", "region": "categorical"})
    >>> config = MonitoringConfig.from_baseline(
    ...     baseline, model="credit-risk", version="3", time="ts", window="1D",
    ...     rules={"income": {"metric": "psi", "warning": 0.2, "critical": 0.4}},
    ... )
    >>> config.rules["income"]
    Rule(metric='psi', warning=0.2, critical=0.4)
    >>> MonitoringConfig.from_yaml(config.to_yaml()) == config
    True
    >>> MonitoringConfig.from_dict({**config.to_dict(), "alpha": "0.05"})
    Traceback (most recent call last):
    ...
    mlmon_widgets.config._errors.ConfigError: alpha: must be a number; got a string ('0.05')
    """

    model: ModelInfo
    baseline: dict[str, Any] = field(repr=False)
    window: WindowSpec
    created_at: str = field(default_factory=_utc_now)
    note: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    alpha: float = 0.01
    correction: str = "fdr_bh"
    min_rows: int = 50
    alert_levels: tuple[str, ...] = ALERT_LEVELS
    quality: QualityThresholds = field(default_factory=QualityThresholds)
    routing: Routing = field(default_factory=Routing)
    suppressions: tuple[Suppression, ...] = ()
    persistence: Persistence = field(default_factory=Persistence)
    performance: PerformanceRules | None = None
    segments: tuple[SegmentRule, ...] = ()
    promotion: PromotionRules | None = None
    schema_version: int = SCHEMA_VERSION
    gate: str | None = None

    __hash__ = None  # type: ignore[assignment]  # holds dicts

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "schema_version", check_schema_version(self.schema_version))
        with nested("model"):
            set_(self, "model", _field(self.model, ModelInfo, ModelInfo.from_dict))
        with nested("baseline"):
            baseline = self.baseline
            if isinstance(baseline, Baseline):
                baseline = baseline.to_dict()
            set_(self, "baseline", plain_copy(check_baseline(baseline)))
        with nested("window"):
            window = _field(self.window, WindowSpec, WindowSpec.from_dict)
            set_(self, "window", _whole(window, "rows"))
        with nested("created_at"):
            check_string(self.created_at)
            if not _UTC_STAMP.fullmatch(self.created_at):
                raise ConfigError(
                    "must be an ISO-8601 UTC time stamp such as '2024-05-01T12:00:00Z'; "
                    f"got {self.created_at!r}"
                )
        with nested("note"):
            check_string(self.note)
        self._check_roles()
        self._check_rules()
        with nested("alpha"):
            set_(
                self,
                "alpha",
                check_number(
                    self.alpha, minimum=0, maximum=1, exclusive_minimum=True, exclusive_maximum=True
                ),
            )
        with nested("correction"):
            check_option(self.correction, CORRECTIONS)
        set_(self, "gate", check_gate(self.gate, self.schema_version))
        with nested("min_rows"):
            set_(self, "min_rows", check_int(self.min_rows, minimum=1))
        with nested("alert_levels"):
            levels = check_list(self.alert_levels)
            if not levels:
                raise ConfigError("must name at least one of 'warning', 'critical'")
            for i, level in enumerate(levels):
                with nested(i):
                    check_option(level, ALERT_LEVELS)
            if len(set(levels)) < len(levels):
                raise ConfigError("names a level twice")
            set_(self, "alert_levels", tuple(levels))
        with nested("quality"):
            set_(
                self,
                "quality",
                _field(self.quality, QualityThresholds, QualityThresholds.from_dict),
            )
        with nested("routing"):
            set_(self, "routing", _field(self.routing, Routing, Routing.from_dict))
        with nested("suppressions"):
            periods = []
            for i, item in enumerate(check_list(self.suppressions)):
                with nested(i):
                    kinds = (OneOffSuppression, RecurringSuppression)
                    periods.append(_field(item, kinds, suppression_from_dict))
            set_(self, "suppressions", tuple(periods))
        with nested("persistence"):
            persistence = _field(self.persistence, Persistence, Persistence.from_dict)
            set_(self, "persistence", _whole(persistence, "n", "m"))
        with nested("performance"):
            performance = rules_of(self.performance)
            if performance is not None:
                performance.check_windows(self.window)
            set_(self, "performance", performance)
        with nested("segments"):
            set_(self, "segments", segments_of(self.segments))
            for i, segment in enumerate(self.segments):
                if segment.performance is not None:
                    with nested(i), nested("performance"):
                        segment.performance.check_windows(self.window)
        with nested("promotion"):
            set_(self, "promotion", promotion_of(self.promotion))

    def _check_roles(self) -> None:
        known = self.baseline["roles"]
        with nested("roles"):
            given = check_mapping(self.roles)
            for column, role in given.items():
                with nested(column):
                    check_option(role, ROLES)
                    if column in known and role != known[column]:
                        raise ConfigError(
                            f"is {role!r} but the baseline has {known[column]!r}; fit the "
                            "baseline with the roles you want"
                        )
        merged = {**known, **given}
        object.__setattr__(self, "roles", merged)

    def _check_rules(self) -> None:
        with nested("rules"):
            object.__setattr__(self, "rules", check_rules(self.rules, self.baseline))

    # -- building ---------------------------------------------------------------------

    @classmethod
    def from_baseline(
        cls,
        baseline: Baseline | Mapping[str, Any],
        *,
        model: str | ModelInfo,
        version: str = "",
        time: str | None = None,
        window: str | None = None,
        rows: int | None = None,
        origin: str | None = None,
        timezone: str | None = None,
        **options: Any,
    ) -> MonitoringConfig:
        """A config for ``baseline`` with the given window; other fields as keywords.

        Parameters
        ----------
        baseline : Baseline or dict
            The reference summary (from :meth:`Baseline.fit`).
        model : str or ModelInfo
            The model's name (or a ModelInfo, then ``version`` is ignored).
        version : str, default ''
            The model's version.
        time, window, rows, origin, timezone
            The window definition (see :class:`WindowSpec`).
        **options
            Any other field of :class:`MonitoringConfig` (``rules``, ``alpha``, ...).

        Returns
        -------
        MonitoringConfig
        """
        info = model if isinstance(model, ModelInfo) else ModelInfo(model, version)
        spec = WindowSpec(time=time, window=window, rows=rows, origin=origin, timezone=timezone)
        return cls(model=info, baseline=baseline, window=spec, **options)  # type: ignore[arg-type]

    def with_performance(
        self, performance: PerformanceRules | Mapping[str, Any], *, window: WindowSpec
    ) -> MonitoringConfig:
        """The config with its performance section replaced (drift rules, baseline kept).

        ``window`` is the windows the performance limits were set on (a control chart's):
        they must be this config's windows, on the same grid, since the limits are per
        window.

        Raises
        ------
        ValueError
            If ``window`` cuts other windows than :attr:`window`.
        """
        if not self.window.same_windows(window):
            raise ValueError(
                f"the config has other windows ({self.window.to_dict()}) than the limits "
                f"({window.to_dict()}): the limits are per window; build both on the same "
                "windows"
            )
        section = (
            performance.to_dict() if isinstance(performance, PerformanceRules) else performance
        )
        data = {**self.to_dict(), "performance": dict(section)}
        if self.window.origin is None and window.origin is not None:  # pin the limits' grid
            data["window"] = {**data["window"], "origin": window.origin}
            if window.timezone is not None:
                data["window"]["timezone"] = window.timezone
        return MonitoringConfig.from_dict(data)

    def with_segment(
        self,
        reference: Any,
        where: Any,
        *,
        name: str = "",
        rules: Mapping[str, Any] | None = None,
        min_rows: int | None = None,
        route: str | None = None,
        performance: Any = None,
    ) -> MonitoringConfig:
        """The config with one more monitored segment, fitted on ``reference``'s rows in it.

        Parameters
        ----------
        reference : pandas.DataFrame
            The reference data (the segment's rows make its own baseline, on this config's
            roles and bins).
        where : mapping, Condition or list of Condition
            The row filter: ``{'channel': 'partner'}`` or a ``conditions`` cell of
            :func:`~mlmon_widgets.engine.find_slices`.
        name, rules, min_rows, route, performance
            As in :class:`SegmentRule` (``performance``: a ``ControlChart(...,
            where=...)``'s ``performance_section()``).

        Examples
        --------
        >>> import pandas as pd
        >>> from mlmon_widgets.engine import Baseline
        >>> ref = pd.DataFrame({"channel": ["partner", "branch"] * 300, "x": [1.5, 2.5] * 300})
        >>> config = MonitoringConfig.from_baseline(Baseline.fit(ref), model="m", rows=100)
        >>> config = config.with_segment(ref, {"channel": "partner"}, min_rows=30)
        >>> [(s.name, s.min_rows) for s in config.segments]
        [("channel == 'partner'", 30)]
        """
        rule = SegmentRule.fit(
            reference,
            where,
            roles=self.roles,
            bins=int(self.baseline.get("bins", 10)),
            name=name,
            rules=rules,
            min_rows=min_rows,
            route=route,
            performance=performance,
        )
        data = self.to_dict()
        data["segments"] = [*data.get("segments", []), rule.to_dict()]
        return MonitoringConfig.from_dict(data)

    def baseline_object(self) -> Baseline:
        """The stored baseline as a :class:`~mlmon_widgets.engine.Baseline` (sketch only)."""
        return Baseline.from_dict(self.baseline)

    # -- plain data -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON types only), the baseline last; :meth:`from_dict` inverts it.

        ``performance`` is present only when the config has that section, so a config
        without it reads the same as before the section existed.
        """
        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "model": self.model.to_dict(),
            "created_at": self.created_at,
            "note": self.note,
            "roles": dict(self.roles),
            "window": self.window.to_dict(),
            "rules": {f: OFF if r.is_off else r.to_dict() for f, r in self.rules.items()},
            "alpha": self.alpha,
            "correction": self.correction,
            **({"gate": self.gate} if self.schema_version >= GATE_SINCE else {}),
            "min_rows": self.min_rows,
            "alert_levels": list(self.alert_levels),
            "quality": self.quality.to_dict(),
            "routing": self.routing.to_dict(),
            "suppressions": [s.to_dict() for s in self.suppressions],
            "persistence": self.persistence.to_dict(),
        }
        if self.performance is not None:
            out["performance"] = self.performance.to_dict()
        if self.segments:
            out["segments"] = [s.to_dict() for s in self.segments]
        if self.promotion is not None:
            out["promotion"] = self.promotion.to_dict()
        out["baseline"] = plain_copy(self.baseline)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MonitoringConfig:
        """Read and validate :meth:`to_dict` output (or a hand-written config).

        Raises
        ------
        ConfigError
            With the path of the first offending field; a config of a newer
            ``schema_version`` is refused before anything else is read.
        """
        if isinstance(data, Mapping) and "schema_version" in data:
            check_schema_version(data["schema_version"])
        given = check_keys(data, required=_REQUIRED, optional=_OPTIONAL)
        if "performance" in given and given["performance"] is None:
            raise ConfigError(
                f"must be a mapping; got {describe(None)} (leave the section out for no "
                "performance alerts)",
                ("performance",),
            )
        return cls(**given)

    # -- files ------------------------------------------------------------------------

    def to_json(self, path: str | pathlib.Path | None = None) -> str:
        """The config as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False, ensure_ascii=False) + "\n"
        if path is not None:
            pathlib.Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, path_or_text: str | pathlib.Path) -> MonitoringConfig:
        """Read a config from a JSON file, or from JSON text (a string starting with ``{``)."""
        data = read_json(path_or_text)
        if isinstance(path_or_text, pathlib.Path) or not str(path_or_text).lstrip().startswith("{"):
            data = with_baseline_file(data, pathlib.Path(path_or_text).parent)
        return cls.from_dict(data)

    def to_yaml(
        self, path: str | pathlib.Path | None = None, *, baseline_file: bool | str = False
    ) -> str:
        """The config as YAML text; also written to ``path`` when given.

        With ``baseline_file`` (True, or a file name) and a ``path``, the baseline goes to a
        JSON file beside it (``<name>.baseline.json`` by default) and the YAML holds
        ``baseline: {file: ..., sha256: ...}``: the sketches are most of a config, and JSON
        reads them ten times faster than YAML, so ``mlmon check`` of a 40-feature config
        starts in about a second. :meth:`load` reads the file back and refuses it if its
        content no longer matches the hash.
        """
        data = self.to_dict()
        if baseline_file:
            if path is None:
                raise ValueError("baseline_file= needs path= (the file is written beside it)")
            target = pathlib.Path(path)
            name = (
                baseline_file
                if isinstance(baseline_file, str)
                else f"{target.name.rsplit('.', 1)[0]}.baseline.json"
            )
            if pathlib.Path(name).name != name:
                raise ValueError(f"baseline_file= is a file name beside the config; got {name!r}")
            blob = json.dumps(data["baseline"], allow_nan=False, ensure_ascii=False).encode()
            (target.parent / name).write_bytes(blob)
            data["baseline"] = {"file": name, "sha256": hashlib.sha256(blob).hexdigest()}
        text = dump_yaml(data)
        if path is not None:
            pathlib.Path(path).write_text(text, encoding="utf-8")
        return text

    def summary(self) -> str:
        """The config as YAML without the baseline, which one closing line describes.

        For reading a config in a notebook or a review: the baseline (bin edges, sketches)
        is most of the file and not for people; :meth:`to_yaml` writes the whole config.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlmon_widgets.engine import Baseline
        >>> ref = pd.DataFrame({"income": [40.0, 50.0, 60.0] * 100})
        >>> config = MonitoringConfig.from_baseline(Baseline.fit(ref), model="m", rows=100)
        >>> print(config.summary().splitlines()[-1])
        # baseline: 1 feature (1 numeric), 300 reference rows; in the file, not shown here
        """
        data = self.to_dict()
        baseline = data.pop("baseline")
        kinds: dict[str, int] = {}
        for feature in baseline["features"].values():
            kinds[feature["kind"]] = kinds.get(feature["kind"], 0) + 1
        n = len(baseline["features"])
        shown = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        closing = (
            f"# baseline: {n} feature{'s' if n != 1 else ''} ({shown}), "
            f"{baseline['n_rows']:,} reference rows; in the file, not shown here"
        )
        return dump_yaml(data) + closing

    @classmethod
    def from_yaml(cls, path_or_text: str | pathlib.Path) -> MonitoringConfig:
        """Read a config from a YAML file, or from YAML text (a string with a newline).

        Loading is safe: no Python object tags, no aliases (anchors that expand without
        bound), at most :data:`~mlmon_widgets.config.MAX_BYTES` bytes.
        """
        data = read_yaml(path_or_text)
        if isinstance(path_or_text, pathlib.Path) or "\n" not in str(path_or_text):
            data = with_baseline_file(data, pathlib.Path(path_or_text).parent)
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | pathlib.Path) -> MonitoringConfig:
        """Read a ``.yaml``/``.yml`` or ``.json`` file, by its extension."""
        suffix = pathlib.Path(path).suffix.lower()
        if suffix in (".yaml", ".yml"):
            return cls.from_yaml(pathlib.Path(path))
        if suffix == ".json":
            return cls.from_json(pathlib.Path(path))
        raise ConfigError(f"a config file ends in .yaml, .yml or .json; got {str(path)!r}")

    @staticmethod
    def json_schema() -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of :meth:`to_dict` output.

        The schema checks structure, types and ranges; the checks that need the baseline
        (rules name its features and fit their kinds, roles agree) are done on load.
        """
        return json_schema()
