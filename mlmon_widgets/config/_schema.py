"""The JSON Schema (draft 2020-12) of a monitoring config, built from the same constants."""

from __future__ import annotations

from typing import Any

from ..engine import (
    ALERT_LEVELS,
    BASELINE_FORMATS,
    CLASSIFICATION,
    CONDITION_OPERATORS,
    CORRECTIONS,
    DOMAINS,
    DRIFT_GATES,
    FEATURE_KINDS,
    GATE_METRICS,
    ISO_STAMP,
    LATENCY_METRICS,
    MEMORY_METRICS,
    METRIC_KINDS,
    OFF,
    QUALITY_METRICS,
    REGRESSION,
    ROLES,
    SIDES,
    VERSION,
)
from ._performance import PERFORMANCE_METRICS
from ._suppressions import DAYS
from ._version import SCHEMA_VERSION

_ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|\+00:00)$"
_ISO = ISO_STAMP
_CLOCK = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
_TEXT = {"type": "string", "pattern": r"\S"}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        out["required"] = list(required)
    return out


def _array(items: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **more}


def _map(values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": values}


_COUNT = {"type": "integer", "minimum": 0}
_NUMBER_OR_NULL = {"type": ["number", "null"]}


def _baseline() -> dict[str, Any]:
    counts = {k: _COUNT for k in ("n_rows", "n", "n_missing", "n_invalid")}
    numeric = _object(
        {
            "kind": {"const": FEATURE_KINDS[0]},
            "dtype": {"type": "string"},
            **counts,
            "n_nonfinite": _COUNT,
            **{k: _NUMBER_OR_NULL for k in ("min", "max", "mean", "std")},
            "edges": _array({"type": "number"}),
            "counts": _array(_COUNT),
            "sketch": _object(
                {
                    "values": _array({"type": "number"}),
                    "lt": _array(_COUNT),
                    "le": _array(_COUNT),
                },
                ("values", "lt", "le"),
            ),
            "tail_edges": _array({"type": "number"}),
            "tail_counts": _array(_COUNT),
        },
    )
    numeric["required"] = [k for k in numeric["properties"] if not k.startswith("tail_")]
    categorical = _object(
        {
            "kind": {"enum": list(FEATURE_KINDS[1:])},
            "dtype": {"type": "string"},
            **counts,
            "labels": _array({"type": ["string", "number", "boolean"]}),
            "counts": _array(_COUNT),
        },
    )
    categorical["required"] = list(categorical["properties"])
    return _object(
        {
            "format": {"enum": list(BASELINE_FORMATS)},
            "n_rows": _COUNT,
            "bins": {"type": "integer", "minimum": 2},
            "sketch_size": {"type": "integer", "minimum": 16},
            "roles": _map({"enum": list(ROLES)}),
            "dtypes": _map({"type": "string"}),
            "features": _map({"oneOf": [numeric, categorical]}),
            "seasonal": {
                "type": ["object", "null"],
                "description": (
                    "per phase (weekday, hour, weekday-hour, monthday or month) the summaries "
                    "of the seasonal features, each like the baseline's own (checked on load)"
                ),
            },
            "multivariate": {
                "type": "object",
                "description": (
                    "the PCA reconstruction model of all features (Baseline.fit(..., "
                    "multivariate=True)): encoding, components and the reference's block "
                    "errors (checked on load)"
                ),
            },
            "versions": {
                **_map(_array({"type": "string"})),
                "description": (
                    f"the model versions of the reference, per column of role {VERSION!r}"
                ),
            },
        },
        ("format", "n_rows", "bins", "sketch_size", "roles", "dtypes", "features"),
    )


#: What the validator checks across fields of the performance section, beyond this schema.
_PERFORMANCE_CHECKS = (
    "Performance and latency alerts: the label, score, prediction and latency columns and a "
    "limit rule per metric. Checked on load, not by this schema: a classifier needs score, "
    "prediction or both; a regression needs score and takes no prediction; a rule on "
    "roc_auc, log_loss, calibration_error, mean_score or confidence needs score; a rule on "
    "latency_p50, latency_p95 or latency_p99 needs latency; a rule on rows cannot be judged "
    "on row windows (window.rows); a rule with a seasonal profile needs time windows "
    "(window.window) and an origin that is a real date; relative.warning <= "
    "relative.critical and warning <= critical."
)


def _performance() -> dict[str, Any]:
    positive = {"type": "number", "exclusiveMinimum": 0}
    limit_rule = _object(
        {
            "centre": {"type": "number"},
            "sigma": positive,
            "side": {"enum": list(SIDES)},
            **dict.fromkeys(ALERT_LEVELS, positive),
            # No profile ([]) or one offset per phase of a season (at least 2).
            "seasonal": _array({"type": "number"}, anyOf=[{"maxItems": 0}, {"minItems": 2}]),
            "origin": {"anyOf": [{"type": "string", "pattern": _ISO}, {"type": "null"}]},
            "relative": {
                "anyOf": [
                    _object(
                        {
                            "lag": {"type": "integer", "minimum": 1},
                            **dict.fromkeys(ALERT_LEVELS, positive),
                        },
                        ("lag", *ALERT_LEVELS),
                    ),
                    {"type": "null"},
                ]
            },
        },
        ("centre", "sigma"),
    )
    column = {"anyOf": [_TEXT, {"type": "null"}]}
    section = _object(
        {
            "task": {"enum": list(PERFORMANCE_METRICS)},
            "label": _TEXT,
            "score": column,
            "prediction": column,
            "threshold": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
            "latency": column,
            "min_coverage": {"type": "number", "minimum": 0, "maximum": 1},
            "min_rows": {"type": "integer", "minimum": 1},
            "rules": {
                "type": "object",
                "additionalProperties": {"$ref": "#/$defs/limit_rule"},
            },
        },
        ("label",),
    )
    # Metric names depend on the task (a rule on mae is refused for a classifier); a section
    # without a task is a classifier's.
    classifier, regression = (list(PERFORMANCE_METRICS[t]) for t in (CLASSIFICATION, REGRESSION))
    section["description"] = _PERFORMANCE_CHECKS
    section["if"] = {"required": ["task"], "properties": {"task": {"const": REGRESSION}}}
    section["then"] = {"properties": {"rules": {"propertyNames": {"enum": regression}}}}
    section["else"] = {"properties": {"rules": {"propertyNames": {"enum": classifier}}}}
    return {"section": section, "limit_rule": limit_rule}


_DESCRIPTION = (
    "What `mlmon check` evaluates: MonitoringConfig.to_dict() output. Structure, types and "
    "ranges are checked by this schema; these are checked on load only: what needs the "
    "baseline (a rule names one of its features and fits the feature's kind, roles agree "
    "with it, its counts match its edges and labels); the orderings warning <= critical, "
    "persistence n <= m, suppression start < end; time zones are known IANA names, "
    "window.window a positive pandas offset, and window.origin and window.timezone need "
    "time windows (window.window); and the performance section's needs: "
    "a classifier needs performance.score, performance.prediction or both, a regression "
    "needs score and takes no prediction, a rule on a score metric (roc_auc, log_loss, "
    "calibration_error, mean_score, confidence) needs score, a latency rule needs "
    "performance.latency, a rule on rows is refused on row windows (window.rows), and a "
    "seasonal rule needs time windows and an origin."
)


def json_schema() -> dict[str, Any]:
    """The schema of ``MonitoringConfig.to_dict()`` output (a fresh dict on every call).

    Structure, types and ranges are in the schema; what needs the baseline to check (a rule
    names one of its features and fits the feature's kind, roles agree with it) and the
    orderings ``warning <= critical``, ``n <= m``, ``start < end`` are checked on load, as
    are the performance section's needs across fields (score or prediction, a score metric
    needs score, a latency rule the latency column, no ``rows`` rule on row windows, a
    seasonal rule time windows and an origin); the schema's ``description`` lists them.

    Examples
    --------
    >>> schema = json_schema()
    >>> schema["$schema"]
    'https://json-schema.org/draft/2020-12/schema'
    >>> schema["properties"]["correction"]["enum"]
    ['fdr_bh', 'bonferroni', 'holm', 'none']
    """
    level = {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
    performance = _performance()
    levels = _object(dict.fromkeys(ALERT_LEVELS, level), ALERT_LEVELS)
    threshold = {"type": "number", "minimum": 0}
    rule = {
        "oneOf": [
            {"const": OFF},
            _object({"metric": {"const": OFF}}, ("metric",)),
            _object(
                {"metric": {"enum": list(METRIC_KINDS)}, **dict.fromkeys(ALERT_LEVELS, threshold)},
                ("metric", *ALERT_LEVELS),
            ),
        ]
    }
    one_off = _object(
        {
            "start": {"type": "string", "pattern": _ISO},
            "end": {"type": "string", "pattern": _ISO},
            "reason": {"type": "string"},
        },
        ("start", "end"),
    )
    recurring = _object(
        {
            "days": _array({"enum": list(DAYS)}, minItems=1, uniqueItems=True),
            "start": {"type": "string", "pattern": _CLOCK},
            "end": {"type": "string", "pattern": _CLOCK},
            "timezone": _TEXT,
            "reason": {"type": "string"},
        },
        ("days", "start", "end"),
    )
    window = _object(
        {
            "time": {"anyOf": [_TEXT, {"type": "null"}]},
            "window": {"anyOf": [_TEXT, {"type": "null"}]},
            "rows": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
            "origin": {
                "anyOf": [{"type": "string", "pattern": _ISO}, {"type": "null"}],
                "description": "ISO-8601 time stamp of a window start on the notebook's grid",
            },
            "timezone": {
                "anyOf": [_TEXT, {"type": "null"}],
                "description": "IANA time zone name such as 'Europe/Paris'",
            },
        }
    )
    window["oneOf"] = [
        {
            "required": ["window"],
            "properties": {"window": {"type": "string"}, "rows": {"type": "null"}},
        },
        {
            "required": ["rows"],
            "properties": {"rows": {"type": "integer"}, "window": {"type": "null"}},
        },
    ]
    schema = _object(
        {
            "schema_version": {"type": "integer", "minimum": 1, "maximum": SCHEMA_VERSION},
            "model": _object({"name": _TEXT, "version": {"type": "string"}}, ("name",)),
            "created_at": {"type": "string", "pattern": _ISO_UTC},
            "note": {"type": "string"},
            "roles": _map({"enum": list(ROLES)}),
            "window": window,
            "rules": _map({"$ref": "#/$defs/rule"}),
            "alpha": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "correction": {"enum": list(CORRECTIONS)},
            "gate": {
                "enum": list(DRIFT_GATES),
                "description": (
                    "p-value gate of numeric features (schema_version 2 on; absent: 'ks' in "
                    "version 1, 'ks_tails' from version 2)"
                ),
            },
            "min_rows": {"type": "integer", "minimum": 1},
            "alert_levels": _array({"enum": list(ALERT_LEVELS)}, minItems=1, uniqueItems=True),
            "quality": _object(
                {
                    **{
                        m: {"oneOf": [{"const": OFF}, {"$ref": "#/$defs/levels"}]}
                        for m in QUALITY_METRICS
                    },
                    "empty_batch": {
                        "enum": [*ALERT_LEVELS, OFF],
                        "description": "severity of a batch without any row",
                    },
                }
            ),
            "routing": _object({d: _TEXT for d in DOMAINS}),
            "suppressions": _array({"oneOf": [one_off, recurring]}),
            "persistence": _object(
                {
                    "n": {"type": "integer", "minimum": 1, "maximum": 1000},
                    "m": {"type": "integer", "minimum": 1, "maximum": 1000},
                }
            ),
            "performance": {"$ref": "#/$defs/performance"},
            "segments": _array({"$ref": "#/$defs/segment"}),
            "promotion": {"$ref": "#/$defs/promotion"},
            "baseline": {
                "oneOf": [
                    {"$ref": "#/$defs/baseline"},
                    _object(
                        {"file": _TEXT, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                        ("file", "sha256"),
                    ),
                ],
                "description": (
                    "the baseline, or a JSON file beside the config holding it (to_yaml with "
                    "baseline_file=), with the sha256 of its bytes"
                ),
            },
        },
        ("schema_version", "model", "baseline", "window"),
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:mlmon-widgets:monitoring-config:{SCHEMA_VERSION}",
        "title": "mlmon_widgets monitoring config",
        "description": _DESCRIPTION,
        **schema,
        "$defs": {
            "levels": levels,
            "rule": rule,
            "performance": performance["section"],
            "limit_rule": performance["limit_rule"],
            "segment": _segment(),
            "promotion": _promotion(),
            "baseline": _baseline(),
        },
    }


def _promotion() -> dict[str, Any]:
    """A shadow model's columns and its promotion gate (mlmon check gives its verdict)."""
    pair = _object({"live": _TEXT, "shadow": _TEXT}, ("live", "shadow"))
    share = {"type": "number", "minimum": 0, "maximum": 1}
    boolean = {"type": "boolean"}
    metric_gate = _object(
        {"margin": {"type": "number", "minimum": 0}, "relative": boolean, "superiority": boolean}
    )
    metrics = _object({m: metric_gate for m in GATE_METRICS})
    budget = {"type": "number"}
    latency = {f"p{m.rpartition('_p')[2]}_increase_ms": budget for m in LATENCY_METRICS}
    memory = {f"p{m.rpartition('_p')[2]}_increase_mb": budget for m in MEMORY_METRICS}
    cycle = _object({"period": _TEXT, "min_seen": {"type": "integer", "minimum": 1}})
    level = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}
    gate = _object(
        {
            "metrics": metrics,
            "segments": _map(_map(metrics)),
            "critical_segments": _map(_array(_TEXT)),
            "latency": _object(latency),
            "memory": _object(memory),
            "min_rows": {"type": "integer", "minimum": 1},
            "cycle": {"oneOf": [{"type": "null"}, cycle]},
            "confidence_level": level,
            "power": level,
        }
    )
    thresholds = _object({"live": share, "shadow": share}, ("live", "shadow"))
    return _object(
        {
            "live": _TEXT,
            "shadow": _TEXT,
            "label": _TEXT,
            "by": _array(_TEXT),
            "latency": pair,
            "memory": pair,
            "threshold": {"oneOf": [share, thresholds]},
            "min_coverage": share,
            "gate": gate,
        },
        ("live", "shadow"),
    )


def _segment() -> dict[str, Any]:
    """A monitored segment: its filter, its own baseline, rules, min_rows and route."""
    condition = _object(
        {
            "column": _TEXT,
            "op": {"enum": list(CONDITION_OPERATORS)},
            "value": {"type": ["string", "number", "array", "null"]},
        },
        ("column", "op"),
    )
    return _object(
        {
            "name": _TEXT,
            "where": _array(condition, minItems=1),
            "rules": _map({"$ref": "#/$defs/rule"}),
            "min_rows": {"type": "integer", "minimum": 1},
            "route": _TEXT,
            "performance": {"$ref": "#/$defs/performance"},
            "baseline": {"$ref": "#/$defs/baseline"},
        },
        ("name", "where", "baseline"),
    )
