"""docs/architecture.md holds: its arrows, its files, and each "to add X" row done once."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import pathlib
import re
import tempfile

import jsonschema
import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm
from mlmon_widgets import stats
from mlmon_widgets.cli import _parser
from mlmon_widgets.config import MonitoringConfig, PerformanceRules
from mlmon_widgets.engine import DRIFT_METRICS, PERFORMANCE_METRICS, TASKS, vocabulary

from .performance_data import predictions
from .test_layering import ARROWS
from .widget_comm import FrontEnd, recording  # noqa: F401 - the fixture

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text("utf-8")


def table_after(header: str) -> list[list[str]]:
    """The body rows of the markdown table whose header line is ``header`` (cells stripped)."""
    lines = DOC.split(header + "\n", 1)[1].splitlines()
    body = []
    for line in lines:
        if not line.startswith("|"):
            break
        if not re.fullmatch(r"\|(\s*-+\s*\|)+", line):
            body.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return body


def test_the_arrows_drawn_are_the_arrows_enforced():
    drawn = {
        layer.replace("\\_", "_"): {name.strip() for name in allowed.split(",") if name.strip()}
        for layer, allowed in table_after("| layer | may import |")
    }
    assert drawn == ARROWS


def test_every_file_named_exists():
    named = set(re.findall(r"`((?:mlmon_widgets|js|tests|docs)/[^`<>*]+|hatch_build\.py)`", DOC))
    assert len(named) > 30
    missing = sorted(path for path in named if not (ROOT / path.split("::")[0]).exists())
    assert missing == []


def test_every_check_named_in_the_table_is_a_test():
    checks = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", DOC.split("## To add X", 1)[1])
    assert len(checks) >= 6
    for path, name in checks:
        source = (ROOT / path).read_text("utf-8")
        assert not name or f"def {name}(" in source, f"{path}::{name} is not a test"


def test_the_widget_example_runs(recording):  # noqa: F811 - the fixture
    """The widget example of the page, against a comm that records what a front end gets."""
    (example,) = re.findall(r"## Example: a widget.*?```python\n(.*?)```", DOC, flags=re.DOTALL)
    namespace: dict = {}
    exec(compile(example, "docs/architecture.md example", "exec"), namespace)
    view = namespace["view"]
    front = FrontEnd(view)
    front.catch_up(recording[-1])
    assert front.agrees_with(view)
    assert front.tables["windows"]["rows"].tolist() == [24, 24, 24]
    assert front.tables["windows"]["start"] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert [m["data"]["content"]["type"] for m in recording[-1].custom()] == ["patch"]
    assert view._vocabulary == vocabulary()  # every widget receives the vocabulary


# ------------------------------------------------------------------ a drift statistic
#: The 1-D function of each drift statistic (adding one to the catalogue without its
#: function, or without computing it per window, fails below).
ARRAY_FUNCTIONS = {
    "psi": stats.psi,
    "psi_tails": stats.psi_tails,
    "js": stats.js_distance,
    "kl": stats.kl_divergence,
    "wasserstein": stats.wasserstein,
    "ks": lambda ref, cur: stats.ks(ref, cur).statistic,
}


def drift_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    ref = pd.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(list("abc"), 3000)})
    cur = pd.DataFrame(
        {"x": rng.normal(0.4, 1.2, 2000), "c": rng.choice(list("abc"), 2000, p=[0.5, 0.3, 0.2])}
    )
    return ref, cur


@pytest.mark.parametrize("name", list(DRIFT_METRICS))
def test_every_drift_statistic_is_wired_through(name):
    """Per window equal to its 1-D function; a rule, the schema and the front ends know it."""
    assert set(ARRAY_FUNCTIONS) == set(DRIFT_METRICS)
    metric = DRIFT_METRICS[name]
    ref, cur = drift_frames()
    table = mm.drift_table(ref, cur)
    daily = mm.drift_over_time(ref, cur, rows=1000)
    for feature, kind in (("x", "numeric"), ("c", "categorical")):
        if kind not in metric.kinds:
            continue
        expected = ARRAY_FUNCTIONS[name](ref[feature], cur[feature])
        assert table.loc[feature, metric.column] == pytest.approx(expected, rel=1e-9)
        assert daily.loc[daily.feature == feature, metric.column].notna().all()
    feature = "x" if "numeric" in metric.kinds else "c"
    rule = mm.Rule(metric=name, warning=0.1, critical=0.2)
    judged = mm.drift_table(ref, cur, thresholds={feature: rule})
    assert judged.loc[feature, "rule"] == f"{name} 0.1/0.2"
    schema = MonitoringConfig.json_schema()
    enum = schema["$defs"]["rule"]["oneOf"][2]["properties"]["metric"]["enum"]
    assert name in enum
    assert vocabulary()["drift_metrics"][name]["label"] == metric.label
    for kind, (warning, critical) in metric.defaults.items():
        assert 0 < warning < critical and kind in metric.kinds


# ------------------------------------------------------------------ a performance metric
@functools.cache
def performance_tables() -> dict[str, pd.DataFrame]:
    """performance_over_time of each task on 8 days with labels and latency."""
    data = predictions(days=8, per_day=300, worse_from=100, pending_days=0)
    data = data.assign(latency=np.random.default_rng(1).gamma(2.0, 20.0, len(data)))
    options = {"label": "label", "score": "score", "time": "ts", "window": "1D"}
    regression = data.assign(target=data.score * 10 + data.label, value=data.score * 10)
    return {
        "classification": mm.performance_over_time(data, **options, latency="latency"),
        "regression": mm.performance_over_time(
            regression,
            **{**options, "label": "target", "score": "value"},
            latency="latency",
            task="regression",
        ),
    }


@functools.cache
def demo_config() -> MonitoringConfig:
    from mlmon_widgets.reports import write_demo_config

    folder = pathlib.Path(tempfile.mkdtemp())
    return MonitoringConfig.from_yaml(write_demo_config(folder / "monitoring.yaml"))


@pytest.mark.parametrize("name", list(PERFORMANCE_METRICS))
def test_every_performance_metric_is_wired_through(name):
    """Computed per window for each task it belongs to, inside its range; schema and JS know it."""
    metric = PERFORMANCE_METRICS[name]
    for task in metric.tasks:
        assert task in TASKS
        table = performance_tables()[task]
        values = table.loc[table.metric == name, "value"]
        assert len(values) == 8 and values.notna().all(), (name, task)
        assert ((values >= metric.low) & (values <= metric.high)).all()
    assert vocabulary()["performance_metrics"][name]["label"] == metric.label
    section = {
        "task": metric.tasks[0],
        "label": "y",
        "score": "s",
        "latency": "ms",
        "rules": {name: {"centre": 1.0, "sigma": 0.1, "side": metric.side}},
    }
    rules = PerformanceRules.from_dict(section)
    schema = MonitoringConfig.json_schema()
    jsonschema.validate(
        rules.to_dict(), {"$defs": schema["$defs"], **schema["$defs"]["performance"]}
    )
    assert PerformanceRules.from_dict(rules.to_dict()) == rules
    assert rules.rules[name].side == metric.side


# ------------------------------------------------------------------ a config section
def test_every_config_section_round_trips_and_is_in_the_schema():
    from mlmon_widgets.datasets import load_demo

    demo = load_demo()
    config = demo_config().with_segment(demo.reference, {"channel": "partner"})
    schema = MonitoringConfig.json_schema()
    fields = {field.name for field in dataclasses.fields(MonitoringConfig)}
    assert fields == set(schema["properties"])
    as_dict = config.to_dict()
    assert all(field in as_dict or getattr(config, field) is None for field in fields)
    jsonschema.validate(as_dict, schema)
    assert MonitoringConfig.from_dict(as_dict) == config
    batch = demo.production.iloc[:3000]
    alerts = mm.evaluate(config, batch)  # every section is read by evaluate without a KeyError
    assert set(alerts.columns) >= {"feature", "severity", "route"}


# ------------------------------------------------------------------ a CLI command
def test_every_cli_command_has_help():
    parser = _parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(commands.choices) >= {"demo", "check"}
    helps = {action.dest: action.help for action in commands._choices_actions}
    for name, command in commands.choices.items():
        assert helps.get(name), f"mlmon {name} has no one-line help"
        assert command.description and len(command.description) > 40
        for action in command._actions:
            assert action.help, f"mlmon {name} {action.option_strings or action.dest} has no help"


def test_the_page_says_where_to_start():
    assert "## To add X, touch these files" in DOC and "## The layers" in DOC
    assert "one door" in DOC.lower()
