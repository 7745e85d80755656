"""MonitoringConfig: exact round trips, the JSON Schema, and refusals that name the field."""

from __future__ import annotations

import copy
import functools
import json
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmon_widgets.config import (
    DAYS,
    PERFORMANCE_METRICS,
    SCHEMA_VERSION,
    ConfigError,
    Levels,
    ModelInfo,
    MonitoringConfig,
    OneOffSuppression,
    RecurringSuppression,
    WindowSpec,
    _io,
)
from mlmon_widgets.engine import Baseline, Rule

jsonschema = pytest.importorskip("jsonschema")

ROLES = {"income": "numeric", "region": "categorical", "flag": "boolean", "ts": "datetime"}


@functools.lru_cache(maxsize=1)
def baseline_dict() -> dict:
    rng = np.random.default_rng(7)
    n = 400
    ref = pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "region": rng.choice(["n", "s", "yes", "1.0", "null", "é #x: y"], n),
            "flag": rng.random(n) < 0.3,
            "ts": pd.date_range("2024-01-01", periods=n, freq="h"),
        }
    )
    return Baseline.fit(ref, roles=ROLES).to_dict()


def make(**options) -> MonitoringConfig:
    return MonitoringConfig.from_baseline(
        baseline_dict(), model="credit-risk", version="3", time="ts", window="1D", **options
    )


def full_dict() -> dict:
    segment = {
        "name": "north",
        "where": [{"column": "region", "op": "==", "value": "n"}],
        "baseline": baseline_dict(),
        "rules": {"income": {"metric": "psi", "warning": 0.2, "critical": 0.3}},
        "min_rows": 30,
        "route": "north-team",
        "performance": {
            "label": "defaulted",
            "score": "score",
            "rules": {"accuracy": {"centre": 0.9, "sigma": 0.01, "side": "lower"}},
        },
    }
    promotion = {
        "live": "score",
        "shadow": "shadow_score",
        "label": "defaulted",
        "by": ["region"],
        "latency": {"live": "latency_ms", "shadow": "shadow_latency_ms"},
        "threshold": {"live": 0.25, "shadow": 0.3},
        "gate": {
            "metrics": {
                "roc_auc": {"margin": 0.01},
                "log_loss": {"margin": 0.02, "relative": True},
            },
            "segments": {"region": {"n": {"roc_auc": {"margin": 0.02}}}},
            "critical_segments": {"region": ["s"]},
            "latency": {"p95_increase_ms": 20},
            "min_rows": 5000,
            "cycle": {"period": "7D", "min_seen": 2},
        },
    }
    return make(
        segments=[segment],
        promotion=promotion,
        created_at="2024-05-01T12:00:00Z",
        note="exported from the notebook",
        rules={"income": {"metric": "psi", "warning": 0.1, "critical": 0.25}, "flag": "off"},
        suppressions=[
            {"start": "2024-05-04T22:00:00Z", "end": "2024-05-05T02:00:00Z", "reason": "db"},
            {"days": ["sunday"], "start": "00:00", "end": "06:00", "timezone": "UTC"},
        ],
        persistence={"n": 2, "m": 3},
        performance={
            "label": "defaulted",
            "score": "score",
            "latency": "latency_ms",
            "rules": {
                "accuracy": {"centre": 0.91, "sigma": 0.012, "side": "lower"},
                "latency_p95": {
                    "centre": 120.0,
                    "sigma": 8.0,
                    "side": "upper",
                    "seasonal": [0, 0, 0, 0, 0, -10, -10],
                    "origin": "2024-04-01T00:00:00",
                    "relative": {"lag": 7, "warning": 0.05, "critical": 0.1},
                },
            },
        },
    ).to_dict()


def validator():
    schema = MonitoringConfig.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# -- round trips ---------------------------------------------------------------------------

SPECIAL_FLOATS = [0.1, 1e-12, 0.30000000000000004, 1e-300, 5e-324, 0.25, 1.0, 123456.789]
thresholds = st.one_of(
    st.sampled_from(SPECIAL_FLOATS),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
)
rates = st.one_of(
    st.sampled_from([0.1, 1e-12, 0.30000000000000004, 1.0]),
    st.floats(min_value=1e-9, max_value=1.0, allow_nan=False),
)
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
names = text.filter(lambda s: s.strip())
iso = st.datetimes(
    min_value=pd.Timestamp("2000-01-01").to_pydatetime(),
    max_value=pd.Timestamp("2099-01-01").to_pydatetime(),
).map(lambda t: t.replace(microsecond=0))
clock = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")


@st.composite
def levels(draw):
    a, b = sorted([draw(rates), draw(rates)])
    return draw(st.sampled_from(["off", {"warning": a, "critical": b}]))


@st.composite
def rule(draw, kind):
    metrics = ["psi", "js", "kl"] + (["wasserstein", "ks"] if kind == "numeric" else [])
    a, b = sorted([draw(thresholds), draw(thresholds)])
    off = draw(st.booleans())
    return "off" if off else {"metric": draw(st.sampled_from(metrics)), "warning": a, "critical": b}


@st.composite
def suppression(draw):
    if draw(st.booleans()):
        start = draw(iso)
        end = start + pd.Timedelta(minutes=draw(st.integers(1, 10_000)))
        zone = draw(st.sampled_from(["Z", "+00:00", "+05:30", ""]))
        return {
            "start": start.isoformat() + zone,
            "end": end.isoformat() + zone,
            "reason": draw(text),
        }
    start, end = draw(clock), draw(clock)
    if start == end:
        end = "24:00"
    return {
        "days": draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True)),
        "start": start,
        "end": end,
        "timezone": draw(st.sampled_from(["UTC", "Europe/Paris", "America/New_York"])),
        "reason": draw(text),
    }


finite = st.one_of(
    st.sampled_from([*SPECIAL_FLOATS, -0.0, -1e-300, 1e300]),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
)
positive = st.one_of(
    st.sampled_from(SPECIAL_FLOATS),
    st.floats(min_value=1e-300, max_value=1e12, allow_nan=False),
)
columns = st.sampled_from(["y", "score", "p", "latency_ms", "é col", "1"])


@st.composite
def limit_rules(draw, *, time_windows: bool):
    a, b = sorted([draw(positive), draw(positive)])
    rule = {"centre": draw(finite), "sigma": draw(positive)}
    for key, value in (
        ("side", st.sampled_from(["lower", "upper", "both"])),
        ("warning", st.just(a)),
        ("critical", st.just(b)),
    ):
        if draw(st.booleans()):
            rule[key] = draw(value)
    if "warning" in rule and "critical" not in rule and rule["warning"] > 3:
        rule["critical"] = rule["warning"]
    if "critical" in rule and "warning" not in rule and rule["critical"] < 2:
        rule["warning"] = rule["critical"]
    if time_windows and draw(st.booleans()):
        rule["seasonal"] = draw(st.lists(finite, min_size=2, max_size=8))
        rule["origin"] = draw(iso).isoformat() + draw(st.sampled_from(["", "Z", "+02:00"]))
    if draw(st.booleans()):
        c, d = sorted([draw(positive), draw(positive)])
        rule["relative"] = {"lag": draw(st.integers(1, 400)), "warning": c, "critical": d}
    return rule


@st.composite
def performance_sections(draw, *, time_windows: bool):
    task = draw(st.sampled_from(["classification", "regression"]))
    section = {"task": task, "label": draw(columns), "score": draw(columns)}
    if task == "classification" and draw(st.booleans()):
        section["prediction"] = draw(columns)
    if draw(st.booleans()):
        section["latency"] = draw(columns)
    section["threshold"] = draw(
        st.sampled_from([0.5, 0.0, 0.30000000000000004]) | st.floats(0, 0.999)
    )
    section["min_coverage"] = draw(st.sampled_from([0.8, 0.0, 1.0]) | st.floats(0, 1))
    section["min_rows"] = draw(st.integers(1, 10_000))
    known = [
        m for m in PERFORMANCE_METRICS[task] if "latency" in section or not m.startswith("latency")
    ]
    if not time_windows:
        known.remove("rows")
    chosen = draw(st.lists(st.sampled_from(known), unique=True, max_size=4))
    section["rules"] = {m: draw(limit_rules(time_windows=time_windows)) for m in chosen}
    return section


@st.composite
def configs(draw):
    kinds = {f: v["kind"] for f, v in baseline_dict()["features"].items()}
    chosen = draw(st.lists(st.sampled_from(sorted(kinds)), unique=True))
    m = draw(st.integers(1, 10))
    rows = draw(st.booleans())
    window = (
        {"time": draw(st.sampled_from([None, "ts"])), "rows": draw(st.integers(1, 10**6))}
        if rows
        else {"time": "ts", "window": draw(st.sampled_from(["1D", "6h", "7D", "W", "15min"]))}
    )
    return MonitoringConfig(
        model={"name": draw(names), "version": draw(text)},
        baseline=baseline_dict(),
        window=window,
        created_at=draw(iso).strftime("%Y-%m-%dT%H:%M:%SZ"),
        note=draw(text),
        rules={f: draw(rule(kinds[f])) for f in chosen},
        alpha=draw(st.sampled_from([0.01, 1e-12, 0.30000000000000004]) | st.floats(1e-9, 0.999)),
        correction=draw(st.sampled_from(["fdr_bh", "bonferroni", "holm", "none"])),
        min_rows=draw(st.integers(1, 10_000)),
        alert_levels=draw(st.sampled_from([["warning", "critical"], ["critical"], ["warning"]])),
        quality={q: draw(levels()) for q in ("missing_rate", "out_of_range", "unseen_share")},
        routing={"drift": draw(names), "latency": draw(names)},
        suppressions=draw(st.lists(suppression(), max_size=3)),
        persistence={"n": draw(st.integers(1, m)), "m": m},
        performance=draw(st.none() | performance_sections(time_windows=not rows)),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs())
def test_round_trips_are_exact(config, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rt")
    assert MonitoringConfig.from_dict(config.to_dict()) == config
    assert MonitoringConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert MonitoringConfig.from_json(config.to_json()) == config
    assert MonitoringConfig.from_yaml(config.to_yaml()) == config
    config.to_yaml(folder / "c.yaml")
    config.to_json(folder / "c.json")
    assert MonitoringConfig.load(folder / "c.yaml") == config
    assert MonitoringConfig.load(folder / "c.json") == config
    assert MonitoringConfig.from_yaml(config.to_yaml()).to_dict() == config.to_dict()
    validator().validate(config.to_dict())


def test_yaml_keeps_awkward_floats_exactly():
    rules = {"income": {"metric": "ks", "warning": 1e-12, "critical": 0.30000000000000004}}
    config = make(rules=rules, alpha=0.1)
    back = MonitoringConfig.from_yaml(config.to_yaml())
    assert back.rules["income"].warning == 1e-12
    assert back.rules["income"].critical == 0.30000000000000004
    assert back.alpha == 0.1
    assert back.baseline == baseline_dict()
    assert "1.0e-12" in config.to_yaml()


def test_fields_are_typed_objects_and_defaults_are_documented():
    config = MonitoringConfig.from_dict(full_dict())
    assert config.schema_version == SCHEMA_VERSION == 2
    assert config.gate == "ks_tails"
    assert config.model == ModelInfo("credit-risk", "3")
    assert config.window == WindowSpec(time="ts", window="1D")
    assert config.rules == {"income": Rule("psi", 0.1, 0.25), "flag": Rule.off()}
    assert config.suppressions == (
        OneOffSuppression("2024-05-04T22:00:00Z", "2024-05-05T02:00:00Z", "db"),
        RecurringSuppression(("sunday",), "00:00", "06:00"),
    )
    assert config.quality.missing_rate == Levels(0.1, 0.5)
    assert config.alert_levels == ("warning", "critical")
    assert config.routing.data_quality == "data-engineering"
    assert config.routing.drift == config.routing.performance == "ml-engineering"
    assert config.routing.latency == "platform"
    assert config.roles == ROLES
    assert config.baseline_object().to_dict() == baseline_dict()
    assert "baseline" not in repr(config)
    minimal = {k: full_dict()[k] for k in ("schema_version", "model", "baseline", "window")}
    assert MonitoringConfig.from_dict(minimal).persistence.n == 1
    with pytest.raises(TypeError):
        hash(config)


def test_config_is_frozen():
    config = make()
    with pytest.raises(AttributeError):
        config.alpha = 0.5  # type: ignore[misc]


# -- the JSON Schema -----------------------------------------------------------------------


def test_json_schema_is_draft_2020_12_and_accepts_a_full_config():
    schema = MonitoringConfig.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == set(full_dict())
    validator().validate(full_dict())
    assert MonitoringConfig.json_schema() == schema  # a fresh, equal dict each call


# (path to change, new value or DELETE, message the refusal starts with, schema refuses it too)
DELETE = object()
BAD = [
    (("rules", "income", "warning"), "0.1", "rules.income.warning: must be a number", True),
    (
        ("rules", "income", "warning"),
        -0.1,
        "rules.income.warning: must be a finite number >= 0; got -0.1",
        True,
    ),
    (("rules", "income", "critical"), 0.01, "rules.income.critical: must be >= warning", False),
    (
        ("rules", "income", "level"),
        1,
        "rules.income.level: is not a known key; allowed keys are metric, warning, critical",
        True,
    ),
    (
        ("rules", "region"),
        {"metric": "wasserstein", "warning": 0.1, "critical": 0.2},
        "rules.region.metric: does not apply to a categorical feature",
        False,
    ),
    (("rules", "income", "metric"), "auc", "rules.income.metric: must be one of", True),
    (("rules", "nope"), "off", "rules.nope: is not a feature of the baseline", False),
    (("rules", "flag"), False, "rules.flag: must be a rule or 'off'; got false", True),
    (("alerts",), [], "alerts: is not a known key; allowed keys are schema_version", True),
    (("rules",), None, "rules: must be a mapping; got None (null)", True),
    (("roles",), None, "roles: must be a mapping; got None (null)", True),
    (("baseline", "roles"), None, "baseline.roles: must be a mapping; got None (null)", True),
    (("baseline", "features"), None, "baseline.features: must be a mapping; got None (null)", True),
    # Numbers too large for a float (YAML and JSON read them as ints): refused, not a crash.
    (("alpha",), 10**400, "alpha: must be a finite number in (0, 1); got an integer of 401", True),
    (
        ("rules", "income", "warning"),
        10**400,
        "rules.income.warning: must be a finite number >= 0; got an integer of 401 digits",
        False,
    ),
    (
        ("baseline", "features", "income", "mean"),
        -(10**400),
        "baseline.features.income.mean: must be a finite number",
        False,
    ),
    (("schema_version",), 10**400, "schema_version an integer of 401 digits is newer", True),
    (("alpha",), 1.5, "alpha: must be a finite number in (0, 1); got 1.5", True),
    (("alpha",), True, "alpha: must be a number; got a boolean", True),
    (("correction",), "bh", "correction: must be one of {'fdr_bh'", True),
    (("min_rows",), 0, "min_rows: must be an integer >= 1", True),
    (("min_rows",), 2.5, "min_rows: must be an integer >= 1; got 2.5", True),
    (("alert_levels",), ["info"], "alert_levels[0]: must be one of", True),
    (("alert_levels",), [], "alert_levels: must name at least one", True),
    (("window", "rows"), 100, "window: give exactly one of window", True),
    (("window", "window"), "1 day", "window.window: must be a positive pandas offset", False),
    (("window", "window"), "-1D", "window.window: must be a positive pandas offset", False),
    (("model", "version"), 3, "model.version: must be a string; got 3 (quote it", True),
    (("model", "name"), " ", "model.name: must be a non-empty string", True),
    (("model",), DELETE, "model: is required", True),
    (("created_at",), "2024-05-01 12:00", "created_at: must be an ISO-8601 UTC", True),
    (("roles", "income"), "categorical", "roles.income: is 'categorical' but the baseline", False),
    (("roles", "new"), "label", "roles.new: must be one of", True),
    (
        ("quality", "missing_rate", "warning"),
        0,
        "quality.missing_rate.warning: must be a finite number > 0; got 0",
        True,
    ),
    (
        ("quality", "missing_rate", "critical"),
        2,
        "quality.missing_rate.critical: must be a finite number <= 1; got 2",
        True,
    ),
    (("quality", "latency"), "off", "quality.latency: is not a known key", True),
    (("routing", "drift"), "", "routing.drift: must be a non-empty string", True),
    (("routing", "pager"), "x", "routing.pager: is not a known key", True),
    (
        ("suppressions", 0, "end"),
        "2024-05-04T21:00:00Z",
        "suppressions[0].end: must be after",
        False,
    ),
    (("suppressions", 0, "start"), "May 4", "suppressions[0].start: must be an ISO-8601", True),
    (("suppressions", 1, "days"), ["funday"], "suppressions[1].days[0]: must be one of", True),
    (("suppressions", 1, "start"), "25:00", "suppressions[1].start: must be a time of day", True),
    (
        ("suppressions", 1, "timezone"),
        "Mars/Base",
        "suppressions[1].timezone: is not a known",
        False,
    ),
    (("persistence", "n"), 4, "persistence.n: must be an integer >= 1 and <= 3", False),
    (("persistence", "m"), 0, "persistence.m: must be an integer >= 1", True),
    (
        ("baseline", "format"),
        "other/1",
        "baseline.format: must be one of 'mlmon-baseline/1', 'mlmon-baseline/2'",
        True,
    ),
    (
        ("baseline", "features", "income", "edges", 2),
        "x",
        "baseline.features.income.edges[2]: must be a number",
        True,
    ),
    (
        ("baseline", "features", "income", "counts"),
        [1, 2],
        "baseline.features.income.counts: must have one count more than edges",
        False,
    ),
    (
        ("baseline", "features", "region", "labels", 0),
        None,
        "baseline.features.region.labels[0]: must be a string, number or boolean",
        True,
    ),
]


def _set(data: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "message", "in_schema"), BAD, ids=lambda v: str(v)[:60])
def test_bad_fields_are_refused_with_their_path(path, value, message, in_schema):
    data = _set(full_dict(), path, value)
    with pytest.raises(ConfigError) as err:
        MonitoringConfig.from_dict(data)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
    if in_schema:
        assert not validator().is_valid(data)


def test_whole_floats_are_integers_as_in_the_schema():
    # JSON Schema's "integer" takes 50.0; so does the validator, and stores 50.
    data = copy.deepcopy(full_dict())
    data |= {
        "schema_version": float(SCHEMA_VERSION),
        "min_rows": 50.0,
        "persistence": {"n": 2.0, "m": 3.0},
    }
    base = data["baseline"]
    base["n_rows"] = float(base["n_rows"])
    income, region = base["features"]["income"], base["features"]["region"]
    income["counts"] = [float(c) for c in income["counts"]]
    income["sketch"]["lt"] = [float(c) for c in income["sketch"]["lt"]]
    region["n_missing"] = float(region["n_missing"])
    validator().validate(data)
    config = MonitoringConfig.from_dict(data)
    assert json.dumps(config.to_dict()) == json.dumps(full_dict())  # 50, not 50.0
    assert type(config.min_rows) is type(config.persistence.n) is int
    rows = full_dict() | {"window": {"time": None, "window": None, "rows": 960.0}}
    rows["performance"]["rules"].pop("latency_p95")  # seasonal: time windows only
    validator().validate(rows)
    window = MonitoringConfig.from_dict(rows).window
    assert window == WindowSpec(rows=960) and type(window.rows) is int
    for bad in (960.5, float("inf"), float("nan")):
        rows["window"]["rows"] = bad
        with pytest.raises(ConfigError, match=rf"^window.rows: must be an integer >= 1; got {bad}"):
            MonitoringConfig.from_dict(rows)


def test_newer_schema_version_is_refused_naming_the_version():
    newer = SCHEMA_VERSION + 1
    data = full_dict() | {"schema_version": newer, "alerting": {"new": "field"}}
    with pytest.raises(ConfigError) as err:
        MonitoringConfig.from_dict(data)
    assert str(err.value) == (
        f"schema_version {newer} is newer than this mlmon_widgets understands "
        f"({SCHEMA_VERSION}); upgrade mlmon_widgets"
    )
    assert not validator().is_valid(full_dict() | {"schema_version": newer})
    with pytest.raises(ConfigError, match=r"schema_version 7 is newer"):
        MonitoringConfig.from_json(json.dumps(full_dict() | {"schema_version": 7}))


def test_top_level_must_be_a_mapping():
    with pytest.raises(ConfigError, match=r"^must be a mapping; got a list"):
        MonitoringConfig.from_yaml("- a\n- b\n")


def test_direct_construction_is_validated_too():
    with pytest.raises(ConfigError, match=r"^warning: must be a number"):
        Levels("0.1", 0.2)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^alpha: must be a finite number in \(0, 1\); got 0"):
        make(alpha=0)
    with pytest.raises(ConfigError, match=r"^give exactly one of window"):
        WindowSpec(time="ts")


# -- safe loading --------------------------------------------------------------------------


def test_yaml_python_tags_are_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text('schema_version: 1\nmodel: !!python/object/apply:os.system ["echo hi"]\n')
    with pytest.raises(ConfigError, match=r"YAML tags .* are not allowed"):
        MonitoringConfig.from_yaml(path)


def test_billion_laughs_is_refused_quickly():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=r"YAML aliases \(\*a0\) are not allowed"):
        MonitoringConfig.from_yaml("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1.0


def test_deep_nesting_is_refused_without_crashing():
    with pytest.raises(ConfigError, match=r"nested deeper than"):
        MonitoringConfig.from_yaml("a: " + "[" * 200_000 + "]" * 200_000 + "\n")


def test_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(_io, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("note: " + "x" * 2000 + "\n")
    with pytest.raises(ConfigError, match=r"a config is at most"):
        MonitoringConfig.from_yaml(path)
    with pytest.raises(ConfigError, match=r"larger than"):
        MonitoringConfig.from_json(json.dumps({"note": "x" * 2000}))


def test_duplicate_keys_are_refused():
    with pytest.raises(ConfigError, match=r"gives key 'alpha' twice"):
        MonitoringConfig.from_yaml("alpha: 0.01\nalpha: 0.5\n")
    with pytest.raises(ConfigError, match=r"gives key 'alpha' twice"):
        MonitoringConfig.from_json('{"alpha": 0.01, "alpha": 0.5}')


def test_unreadable_files_get_one_line_reasons(tmp_path):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("note: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"is not UTF-8 text"):
        MonitoringConfig.from_yaml(latin)
    with pytest.raises(ConfigError, match=r"cannot read"):
        MonitoringConfig.from_yaml(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match=r"^not valid YAML: .*\(line 2"):
        MonitoringConfig.from_yaml("a: 1\n b: [\n")
    with pytest.raises(ConfigError, match=r"the YAML document is empty"):
        MonitoringConfig.from_yaml("\n")
    with pytest.raises(ConfigError, match=r"^not valid JSON: .*line 1"):
        MonitoringConfig.from_json("{nope")
    with pytest.raises(ConfigError, match=r"NaN is not allowed"):
        MonitoringConfig.from_json('{"alpha": NaN}')
    with pytest.raises(ConfigError, match=r"ends in .yaml, .yml or .json"):
        MonitoringConfig.load(tmp_path / "config.toml")


def test_bare_yaml_off_gets_a_hint():
    data = full_dict()
    text = MonitoringConfig.from_dict(data).to_yaml().replace("flag: 'off'", "flag: off")
    with pytest.raises(ConfigError, match=r"rules.flag: .*write 'off'"):
        MonitoringConfig.from_yaml(text)


def test_keys_that_are_not_plain_names_are_quoted_in_paths():
    with pytest.raises(ConfigError, match=r"^rules\['my feature'\]: is not a feature"):
        make(rules={"my feature": "off"})


def test_config_import_loads_no_widget_library():
    import subprocess
    import sys

    code = (
        "import sys, mlmon_widgets.config\n"
        "libs = {'anywidget', 'ipywidgets', 'traitlets', 'altair', 'comm', 'vega', 'IPython'}\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in libs)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
