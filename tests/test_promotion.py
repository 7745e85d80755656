"""The promotion gate: every path of the verdict, the horizon, and the gate's plain data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm
from mlmon_widgets.engine import CycleRequirement, MetricGate, PromotionGate

AUC_GATE = {"metrics": {"roc_auc": {"margin": 0.01}}}


def frame_for(n: int, days: int, seed: int = 0, shadow_noise: float = 1.0, worse_in_b: float = 0.0):
    """Three weeks (or ``days``) of paired scores; the shadow less noisy, except in group b."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    signal = np.where(y, 1.0, -1.0)
    group = rng.choice(["a", "b"], n, p=[0.7, 0.3])
    common = rng.normal(0, 1, n)
    live = signal + 1.5 * (0.6 * common + 0.8 * rng.normal(0, 1, n))
    noise = np.where(group == "b", shadow_noise + worse_in_b, shadow_noise)
    shadow = signal + noise * (0.6 * common + 0.8 * rng.normal(0, 1, n))
    seconds = np.sort(rng.uniform(0, days * 86400, n))
    return pd.DataFrame(
        {
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s"),
            "y": y,
            "live": 1 / (1 + np.exp(-live)),
            "shadow": 1 / (1 + np.exp(-shadow)),
            "group": group,
            "lat": np.exp(np.log(45) + 0.3 * rng.normal(0, 1, n)),
        }
    )


def compare(frame: pd.DataFrame, **kw) -> pd.DataFrame:
    return mm.compare_models(
        frame, live="live", shadow="shadow", label="y", time="t", window="7D", **kw
    )


def test_a_better_challenger_is_promoted_with_its_reasons():
    table = compare(frame_for(6000, 21))
    verdict = mm.promotion_verdict(table, AUC_GATE)
    assert verdict.decision == "promote"
    assert verdict.cycle_met and verdict.rows_met
    assert verdict.reasons[0].startswith("roc_auc overall: shadow 0.")
    assert "better" in verdict.reasons[0]
    found = verdict.findings.set_index("metric").loc["roc_auc"]
    assert found["finding"] == "superior" and found["level"] == pytest.approx(0.95)


def test_before_the_cycle_is_covered_the_verdict_holds_and_says_why():
    table = compare(frame_for(6000, 10))  # ten days: five weekdays seen only once
    verdict = mm.promotion_verdict(table, AUC_GATE)
    assert verdict.decision == "hold" and not verdict.cycle_met
    text = " ".join(verdict.reasons)
    assert "fixed horizon" in text and "every weekday must be seen 2 times" in text
    assert "(1x)" in text
    no_cycle = mm.promotion_verdict(table, {**AUC_GATE, "cycle": None})
    assert no_cycle.decision == "promote"


def test_too_few_rows_hold_and_name_the_count():
    table = compare(frame_for(800, 21))
    verdict = mm.promotion_verdict(table, {**AUC_GATE, "min_rows": 1000})
    assert verdict.decision == "hold" and not verdict.rows_met
    assert any("800 labelled rows of the 1,000" in r for r in verdict.reasons)


def test_a_small_effect_holds_with_the_rows_and_days_it_would_need():
    frame = frame_for(3000, 21, seed=2, shadow_noise=1.45)
    gate = {"metrics": {"roc_auc": {"margin": 0.0, "superiority": True}}, "min_rows": 500}
    verdict = mm.promotion_verdict(compare(frame), gate)
    assert verdict.decision == "hold"
    found = verdict.findings.set_index("metric").loc["roc_auc"]
    assert found["finding"] in ("undecided", "non_inferior")
    needed = found["needed_rows"]
    assert np.isfinite(needed) and needed > 3000
    assert found["needed_days"] == pytest.approx((needed - 3000) / (3000 / 21), rel=0.1)
    # The normal approximation, from the finding's own numbers: SE shrinks as 1/sqrt(n).
    se = (found["ci_high"] - found["ci_low"]) / (2 * 1.959963984540054)
    assert needed == pytest.approx(
        3000 * ((1.959963984540054 + 0.8416212335729143) * se / found["difference"]) ** 2, rel=1e-6
    )
    assert "more rows needed (about" in verdict.reasons[0]


def test_a_critical_segment_that_degrades_rejects():
    frame = frame_for(20000, 21, worse_in_b=0.8)
    table = compare(frame, by="group")
    relaxed = mm.promotion_verdict(table, AUC_GATE)
    assert relaxed.decision == "promote"  # better overall; group b is reported, not required
    assert any("group = 'b'" in r and "not critical" in r for r in relaxed.reasons)
    strict = mm.promotion_verdict(table, {**AUC_GATE, "critical_segments": {"group": ["b"]}})
    assert strict.decision == "reject"
    assert strict.reasons[0].startswith("roc_auc in group = 'b'")
    assert "worse than the margin" in strict.reasons[0] and "critical segment" in strict.reasons[0]
    found = strict.findings.set_index(["metric", "segment_value"]).loc[("roc_auc", "b")]
    assert found["finding"] == "inferior" and found["critical_segment"]
    # Bonferroni over the judged intervals: three (overall, a, b).
    assert found["level"] == pytest.approx(1 - 0.05 / 3)


def test_a_latency_budget_rejects_a_slow_challenger():
    frame = frame_for(6000, 21)
    frame["slat"] = frame["lat"] * 1.6
    table = compare(frame, latency={"live": "lat", "shadow": "slat"})
    verdict = mm.promotion_verdict(table, {**AUC_GATE, "latency": {"p95_increase_ms": 20}})
    assert verdict.decision == "reject"
    assert (
        verdict.reasons[0].startswith("latency_p95 overall")
        and "over the budget of +20" in verdict.reasons[0]
    )
    fine = mm.promotion_verdict(table, {**AUC_GATE, "latency": {"p95_increase_ms": 60}})
    assert fine.decision == "promote" and any("within the budget of +60" in r for r in fine.reasons)


def test_a_worse_challenger_is_rejected_overall_and_a_relative_margin_scales():
    frame = frame_for(6000, 21, shadow_noise=2.5)
    table = compare(frame)
    verdict = mm.promotion_verdict(
        table, {"metrics": {"log_loss": {"margin": 0.02, "relative": True}}}
    )
    assert verdict.decision == "reject"
    found = verdict.findings.set_index("metric").loc["log_loss"]
    live = table[(table["metric"] == "log_loss") & table["window"].isna()]["live"].iloc[0]
    assert found["margin"] == pytest.approx(0.02 * live)  # lower is better: worse is above
    assert found["finding"] == "inferior"


def test_pending_labels_hold():
    frame = frame_for(6000, 21)
    frame["y"] = pd.array(
        np.where(np.arange(len(frame)) % 3 == 0, None, frame["y"]), dtype="boolean"
    )
    verdict = mm.promotion_verdict(compare(frame), AUC_GATE)
    assert verdict.decision == "hold"
    assert "pending" in verdict.reasons[0] and "label coverage 67%" in verdict.reasons[0]


def test_gate_round_trip_and_defaults():
    data = {
        "metrics": {"roc_auc": {"margin": 0.01}, "log_loss": {"margin": 0.02, "relative": True}},
        "segments": {"region": {"west": {"roc_auc": {"margin": 0.03}}}},
        "critical_segments": {"region": ["west"]},
        "latency": {"p95_increase_ms": 20},
        "min_rows": 5000,
        "cycle": {"period": "7D", "min_seen": 2},
    }
    gate = PromotionGate.from_dict(data)
    again = PromotionGate.from_dict(gate.to_dict())
    assert again == gate and again.to_dict() == gate.to_dict()
    assert gate.metric_gate("roc_auc", "region", "west") == MetricGate(0.03)
    assert gate.metric_gate("roc_auc", "region", "east") == MetricGate(0.01)
    assert gate.to_dict()["metrics"]["log_loss"] == {
        "margin": 0.02,
        "relative": True,
        "superiority": False,
    }
    default = PromotionGate()
    assert set(default.metrics) == {"roc_auc", "log_loss"} and default.cycle == CycleRequirement(
        "7D", 2
    )
    assert PromotionGate.from_dict({"cycle": None}).cycle is None


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        ({"metric": {}}, ValueError, "'metric'.* not a known key"),
        ({"metrics": {"f1": {"margin": 0.1}}}, ValueError, "'f1'.* not a metric a gate can judge"),
        ({"metrics": {"roc_auc": {"margin": -1}}}, ValueError, "metrics.roc_auc.margin"),
        ({"metrics": {"roc_auc": {"margn": 0.1}}}, ValueError, "'margn'"),
        ({"metrics": {}}, ValueError, "at least one metric"),
        ({"latency": {"p90_increase_ms": 5}}, ValueError, "p95_increase_ms"),
        ({"cycle": {"period": "5D"}}, ValueError, "seasonality|cycle"),
        (
            {"critical_segments": {"region": "west"}},
            TypeError,
            "critical_segments.region must be a list",
        ),
        ({"confidence_level": 1.5}, ValueError, "confidence_level"),
    ],
)
def test_gate_refusals_name_the_key(data, error, match):
    with pytest.raises(error, match=match):
        PromotionGate.from_dict(data)


def test_a_gate_metric_the_comparison_lacks_is_refused():
    frame = frame_for(2000, 21)
    table = mm.compare_models(frame, live="live", shadow="shadow", time="t", window="7D")
    with pytest.raises(ValueError, match="gate metric 'roc_auc' is not in the comparison"):
        mm.promotion_verdict(table, AUC_GATE)
    with pytest.raises(ValueError, match="latency= columns"):
        mm.promotion_verdict(compare(frame), {**AUC_GATE, "latency": {"p95_increase_ms": 5}})
