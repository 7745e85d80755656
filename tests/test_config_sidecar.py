"""A config whose baseline lives in a JSON file beside the YAML: round trip, hash, refusals."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml

from mlmon_widgets.cli import main
from mlmon_widgets.config import ConfigError, MonitoringConfig
from mlmon_widgets.engine import Baseline


@pytest.fixture()
def config() -> MonitoringConfig:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({f"x{i}": rng.normal(size=3000) for i in range(5)})
    return MonitoringConfig.from_baseline(Baseline.fit(reference), model="m", rows=500)


def test_the_baseline_file_round_trips_and_validates(config, tmp_path):
    path = tmp_path / "monitoring.yaml"
    config.to_yaml(path, baseline_file=True)
    side = tmp_path / "monitoring.baseline.json"
    assert side.is_file() and json.loads(side.read_text()) == config.to_dict()["baseline"]
    data = yaml.safe_load(path.read_text())
    assert set(data["baseline"]) == {"file", "sha256"} and data["baseline"]["file"] == side.name
    jsonschema.validate(data, MonitoringConfig.json_schema())
    assert MonitoringConfig.load(path) == config
    assert MonitoringConfig.from_yaml(str(path)) == config
    assert path.stat().st_size < side.stat().st_size / 20  # the YAML people read is small
    named = tmp_path / "other.yaml"
    config.to_yaml(named, baseline_file="shared.json")
    assert MonitoringConfig.load(named) == config


def test_a_changed_missing_or_misplaced_baseline_file_is_refused(config, tmp_path):
    path = tmp_path / "monitoring.yaml"
    config.to_yaml(path, baseline_file=True)
    side = tmp_path / "monitoring.baseline.json"
    edited = json.loads(side.read_text())
    edited["n_rows"] += 1
    side.write_text(json.dumps(edited))
    with pytest.raises(
        ConfigError, match=r"^baseline.sha256: 'monitoring.baseline.json' does not match"
    ):
        MonitoringConfig.load(path)
    side.unlink()
    with pytest.raises(ConfigError, match=r"^baseline.file: cannot read"):
        MonitoringConfig.load(path)
    with pytest.raises(ConfigError, match="read the config from its file"):
        MonitoringConfig.from_yaml(path.read_text())
    data = yaml.safe_load(path.read_text())
    data["baseline"]["file"] = "../elsewhere.json"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"^baseline.file: must be a file name beside the config"):
        MonitoringConfig.load(path)
    with pytest.raises(ValueError, match="needs path="):
        config.to_yaml(baseline_file=True)


def test_mlmon_check_reads_the_baseline_file(config, tmp_path, capsys):
    inline, split = tmp_path / "inline.yaml", tmp_path / "split.yaml"
    config.to_yaml(inline)
    config.to_yaml(split, baseline_file=True)
    rng = np.random.default_rng(1)
    batch = pd.DataFrame({f"x{i}": rng.normal(0.3 * (i == 2), 1, 1000) for i in range(5)})
    data = tmp_path / "batch.parquet"
    batch.to_parquet(data)
    codes = [main(["check", str(p), str(data)]) for p in (inline, split)]
    outputs = capsys.readouterr().out.split("mlmon check:")[1:]
    assert codes[0] == codes[1] and outputs[0] == outputs[1] and "x2" in outputs[0]
