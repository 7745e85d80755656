"""The config's promotion section: round trip, refusals, and mlmon check == the engine's verdict."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import numpy as np
import pandas as pd
import pytest

from mlmon_widgets.cli import main
from mlmon_widgets.config import ConfigError, MonitoringConfig, PromotionRules, evaluate_promotion
from mlmon_widgets.engine import Baseline, compare_models, promotion_verdict

GATE = {
    "metrics": {"roc_auc": {"margin": 0.01}},
    "critical_segments": {"group": ["b"]},
    "latency": {"p95_increase_ms": 10},
    "min_rows": 2000,
}


def batch(seed: int = 0, n: int = 12_000, days: int = 21, worse_in_b: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    signal = np.where(y, 1.0, -1.0)
    group = rng.choice(["a", "b"], n, p=[0.7, 0.3])
    common = rng.normal(0, 1, n)
    noise = np.where(group == "b", 1.0 + worse_in_b, 1.0)
    lat = np.exp(np.log(45) + 0.3 * rng.normal(0, 1, n))
    return pd.DataFrame(
        {
            "ts": pd.Timestamp("2024-03-01")
            + pd.to_timedelta(np.sort(rng.uniform(0, days * 86400, n)), "s"),
            "x": rng.normal(0, 1, n),
            "group": group,
            "y": y,
            "live": 1 / (1 + np.exp(-(signal + 1.5 * (0.6 * common + 0.8 * rng.normal(0, 1, n))))),
            "shadow": 1
            / (1 + np.exp(-(signal + noise * (0.6 * common + 0.8 * rng.normal(0, 1, n))))),
            "lat": lat,
            "slat": lat * np.exp(rng.normal(0.05, 0.05, n)),
        }
    )


@pytest.fixture(scope="module")
def config() -> MonitoringConfig:
    reference = batch(seed=99)
    roles = {
        "ts": "datetime",
        "group": "categorical",
        "y": "ignore",
        "live": "ignore",
        "shadow": "ignore",
        "lat": "ignore",
        "slat": "ignore",
    }
    base = MonitoringConfig.from_baseline(
        Baseline.fit(reference, roles=roles), model="credit", time="ts", window="7D"
    )
    promotion = {
        "live": "live",
        "shadow": "shadow",
        "label": "y",
        "by": ["group"],
        "latency": {"live": "lat", "shadow": "slat"},
        "gate": GATE,
    }
    return dataclasses.replace(base, promotion=promotion)


def test_promotion_round_trips_and_validates_against_the_schema(config):
    assert isinstance(config.promotion, PromotionRules)
    data = config.to_dict()
    assert data["promotion"]["gate"]["critical_segments"] == {"group": ["b"]}
    assert MonitoringConfig.from_json(config.to_json()) == config
    assert MonitoringConfig.from_yaml(config.to_yaml()) == config
    jsonschema.validate(json.loads(config.to_json()), MonitoringConfig.json_schema())
    plain = {k: v for k, v in data.items() if k != "promotion"}
    again = MonitoringConfig.from_dict(plain)
    assert again.promotion is None and "promotion" not in again.to_dict()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"shadow": ""}, "promotion.shadow"),
        ({"latency": {"live": "lat"}}, "promotion.latency"),
        ({"threshold": 1.5}, "promotion.threshold"),
        ({"gate": {"metrics": {"roc_auc": {"margin": -0.1}}}}, "promotion.gate"),
        ({"gate": {"metric": {}}}, "promotion.gate"),
        ({"colour": "red"}, "promotion"),
    ],
)
def test_bad_promotion_sections_are_refused_with_their_path(config, change, path):
    data = config.to_dict()
    data["promotion"] = {**data["promotion"], **change}
    with pytest.raises(ConfigError, match=rf"^{path}"):
        MonitoringConfig.from_dict(data)


@pytest.mark.parametrize(("worse", "decision"), [(0.0, "promote"), (1.2, "reject")])
def test_evaluate_promotion_is_the_engines_verdict(config, worse, decision):
    data = batch(seed=1, worse_in_b=worse)
    verdict = evaluate_promotion(config, data)
    table = compare_models(
        data,
        live="live",
        shadow="shadow",
        label="y",
        time="ts",
        window="7D",
        by=["group"],
        latency={"live": "lat", "shadow": "slat"},
    )
    direct = promotion_verdict(table, GATE)
    assert verdict.decision == direct.decision == decision
    assert verdict.reasons == direct.reasons
    pd.testing.assert_frame_equal(verdict.findings, direct.findings)


def _run(config, data, tmp_path, *flags):
    path, parquet = tmp_path / "config.yaml", tmp_path / "batch.parquet"
    path.write_text(config.to_yaml(), encoding="utf-8")
    data.to_parquet(parquet)
    return main(["check", str(path), str(parquet), *flags])


def test_mlmon_check_prints_the_verdict_and_sets_the_exit_status(config, tmp_path, capsys):
    assert _run(config, batch(seed=1, worse_in_b=1.2), tmp_path) == 1
    out = capsys.readouterr().out
    assert "promotion verdict: reject (--fail-on-verdict reject: exit 1)" in out
    assert "roc_auc in group = 'b'" in out and "critical segment" in out
    assert _run(config, batch(seed=1), tmp_path) == 0
    assert "promotion verdict: promote" in capsys.readouterr().out
    short = batch(seed=2, n=1500)  # fewer labelled rows than the gate's 2,000: hold
    assert _run(config, short, tmp_path) == 0
    assert "promotion verdict: hold" in capsys.readouterr().out
    assert _run(config, short, tmp_path, "--fail-on-verdict", "hold") == 1
    assert "--fail-on-verdict hold: exit 1" in capsys.readouterr().out
    assert _run(config, short, tmp_path, "--format", "json") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.err.strip().splitlines()[-1])["promotion"]["decision"] == "hold"
    assert captured.out.startswith("[")


def test_a_batch_without_the_shadow_column_is_bad_input(config, tmp_path, capsys):
    assert _run(config, batch(seed=1).drop(columns="shadow"), tmp_path) == 2
    assert "shadow column 'shadow' is not in the data" in capsys.readouterr().err
