"""LimitRule and judge_limits: the control-limit alert rule, against hand-computed cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmon_widgets.engine import (
    JUDGEMENT_COLUMNS,
    LimitRule,
    RelativeRule,
    judge_limits,
    window_phases,
)

# centre 0.9, sigma 0.01, lower side: warning limit 0.88, control (critical) limit 0.87
ACCURACY = LimitRule(centre=0.9, sigma=0.01, side="lower")


def severities(values, rule=ACCURACY, **options) -> list[str]:
    return judge_limits(values, rule, **options)["severity"].tolist()


# -- limits ---------------------------------------------------------------------------------


def test_limits_per_side_and_phase():
    assert ACCURACY.limits() == {
        "lower_warning": 0.88,
        "lower_critical": 0.87,
        "upper_warning": pytest.approx(math.nan, nan_ok=True),
        "upper_critical": pytest.approx(math.nan, nan_ok=True),
    }
    both = LimitRule(centre=100.0, sigma=5.0, warning=1.5, critical=2.5, seasonal=(0.0, 20.0))
    assert both.limits(0) == {
        "lower_warning": 92.5,
        "lower_critical": 87.5,
        "upper_warning": 107.5,
        "upper_critical": 112.5,
    }
    assert both.limits(1)["upper_critical"] == 132.5
    assert both.limits(3) == both.limits(1)  # phases wrap around the season
    assert both.period == 2 and ACCURACY.period is None


def test_defaults_and_to_dict_leave_out_what_is_not_set():
    assert ACCURACY.to_dict() == {
        "centre": 0.9,
        "sigma": 0.01,
        "side": "lower",
        "warning": 2.0,
        "critical": 3.0,
    }
    rule = LimitRule(
        1,
        2,
        seasonal=[0, 1],
        origin="2024-04-01",
        relative={"lag": 7, "warning": 0.05, "critical": 0.1},
    )
    assert rule.seasonal == (0.0, 1.0)
    assert rule.relative == RelativeRule(7, 0.05, 0.1)
    assert rule.to_dict()["relative"] == {"lag": 7, "warning": 0.05, "critical": 0.1}
    assert LimitRule.from_dict(rule.to_dict()) == rule


# -- severities -----------------------------------------------------------------------------


def test_critical_beyond_the_control_limit_only():
    # 0.869 < 0.87: critical; 0.87 is on the control limit (not beyond it): a single point
    # beyond the warning limit, ok.
    assert severities([0.9, 0.869, 0.9, 0.9, 0.87]) == ["ok", "critical", "ok", "ok", "ok"]
    out = judge_limits([0.9, 0.869], ACCURACY)
    assert out["reason"].tolist() == ["", "0.869 below the lower control limit 0.87 (3 sigma)"]
    assert list(out.columns) == list(JUDGEMENT_COLUMNS)


def test_a_single_point_beyond_the_warning_limit_is_not_a_warning():
    assert severities([0.9, 0.875, 0.9, 0.9, 0.875, 0.9]) == ["ok"] * 6


def test_two_of_three_beyond_the_warning_limit_is_a_warning():
    assert severities([0.875, 0.9, 0.875]) == ["ok", "ok", "warning"]
    assert severities([0.875, 0.876]) == ["ok", "warning"]
    assert severities([0.875, 0.9, 0.9, 0.875]) == ["ok"] * 4  # 3 apart: not 2 of 3
    # A critical point counts as beyond the warning limit for the next window's run.
    assert severities([0.86, 0.875]) == ["critical", "warning"]
    out = judge_limits([0.875, 0.9, 0.878], ACCURACY)
    assert out["reason"].iloc[2] == (
        "2 of the last 3 windows beyond 2 sigma: 0.878 below the lower warning limit 0.88 (2 sigma)"
    )


def test_the_run_is_on_one_side():
    rule = LimitRule(centre=0.0, sigma=1.0, side="both")
    assert severities([-2.5, 2.5, -2.5], rule) == ["ok", "ok", "warning"]
    assert severities([-2.5, 2.5, 2.5], rule) == ["ok", "ok", "warning"]
    assert severities([-2.5, 2.5], rule) == ["ok", "ok"]


def test_only_the_alerting_side_alerts():
    assert severities([0.95, 0.99, 1.5]) == ["ok", "ok", "ok"]  # accuracy up is fine
    latency = LimitRule(centre=100.0, sigma=10.0, side="upper")
    assert severities([50.0, 131.0], latency) == ["ok", "critical"]


def test_windows_not_judged_are_skipped_in_the_run():
    values = [0.875, 0.9, 0.9, 0.875]
    assert severities(values) == ["ok"] * 4
    # Windows 1 and 2 not judged (labels pending): the last 3 judged are 0, 3 -> 2 hits.
    judged = [True, False, False, True]
    out = judge_limits(values, ACCURACY, judged=judged)
    assert out["severity"].tolist() == ["ok", "insufficient_data", "insufficient_data", "warning"]
    assert out["reason"].iloc[1] == "not judged (labels pending or too few rows)"
    # A window that is not judged never alerts, however far out.
    assert severities([0.5, 0.9], judged=[False, True]) == ["insufficient_data", "ok"]
    # Missing values are not judged either and do not break a run.
    out = judge_limits([0.875, np.nan, 0.875], ACCURACY)
    assert out["severity"].tolist() == ["ok", "insufficient_data", "warning"]
    assert out["reason"].iloc[1] == "no value"


def test_relative_check_warning_and_critical():
    rule = LimitRule(
        centre=1.0,
        sigma=1.0,
        side="lower",
        relative=RelativeRule(lag=2, warning=0.05, critical=0.1),
    )
    # vs 2 windows earlier: 0.94 is 6% below 1.0 (warning), 0.89 is 11% below 1.0 (critical)
    out = judge_limits([1.0, 1.0, 0.94, 0.89, 0.95], rule)
    assert out["severity"].tolist() == ["ok", "ok", "warning", "critical", "ok"]
    np.testing.assert_allclose(out["change"], [np.nan, np.nan, -0.06, -0.11, 0.95 / 0.94 - 1])
    assert out["reason"].iloc[2] == (
        "0.94 is 6.0% below the value 2 windows earlier (1; warning beyond 5%)"
    )
    assert out["reason"].iloc[3] == (
        "0.89 is 11.0% below the value 2 windows earlier (1; critical beyond 10%)"
    )
    # 'lower' ignores rises; 'upper' alerts on them; 'both' on either.
    for side, expected in (("lower", "ok"), ("upper", "critical"), ("both", "critical")):
        other = LimitRule(
            1.0, 1.0, side=side, relative={"lag": 1, "warning": 0.05, "critical": 0.1}
        )
        assert severities([1.0, 1.2], other)[1] == expected


def test_relative_check_keeps_the_worse_severity_and_skips_unjudged_references():
    rule = LimitRule(0.9, 0.01, side="lower", relative={"lag": 1, "warning": 0.01, "critical": 0.5})
    # 0.86 is critical by the limit; the relative warning does not lower it.
    assert severities([0.9, 0.86], rule) == ["ok", "critical"]
    # The earlier window was not judged: no reference, no relative alert.
    out = judge_limits([0.99, 0.89], rule, judged=[False, True])
    assert out["severity"].tolist() == ["insufficient_data", "ok"]
    assert np.isnan(out["change"].iloc[1])


def test_seasonal_limits_follow_the_phases():
    rule = LimitRule(centre=10.0, sigma=1.0, side="upper", seasonal=(0.0, 5.0))
    # phase 0: critical above 13; phase 1: above 18.
    assert severities([14.0, 14.0], rule) == ["critical", "ok"]
    assert severities([14.0, 14.0], rule, phases=[1, 0]) == ["ok", "critical"]
    out = judge_limits([14.0, 14.0, 14.0], rule, phases=[1, 1, 0])
    assert out["centre"].tolist() == [15.0, 15.0, 10.0]
    assert out["upper_critical"].tolist() == [18.0, 18.0, 13.0]
    assert out["lower_warning"].isna().all()


def test_window_phases_from_the_origin():
    rule = LimitRule(0.0, 1.0, seasonal=(0, 1, 2, 3, 4, 5, 6), origin="2024-04-01T00:00:00")
    starts = pd.date_range("2024-04-03", periods=9, freq="D")
    np.testing.assert_array_equal(window_phases(starts, rule, "1D"), [2, 3, 4, 5, 6, 0, 1, 2, 3])
    before = pd.date_range("2024-03-29", periods=4, freq="D")  # before the origin
    np.testing.assert_array_equal(window_phases(before, rule, "1D"), [4, 5, 6, 0])
    # Without an origin (or without a window length) phases count from the first window.
    assert window_phases(starts, LimitRule(0, 1, seasonal=(0, 1, 2)), "1D").tolist() == [
        0, 1, 2, 0, 1, 2, 0, 1, 2,
    ]  # fmt: skip
    assert window_phases(starts, rule).tolist()[:2] == [0, 1]
    assert window_phases(starts, ACCURACY, "1D") is None


def test_window_phases_across_time_zones():
    rule = LimitRule(0.0, 1.0, seasonal=(0.0, 1.0), origin="2024-04-01T00:00:00")
    paris = pd.date_range("2024-04-01", periods=4, freq="D", tz="Europe/Paris")
    # A naive origin is read in the data's time zone: Paris midnight is phase 0.
    assert window_phases(paris, rule, "1D").tolist() == [0, 1, 0, 1]
    # An aware origin against naive (UTC) starts: 2024-04-01 00:00+02:00 is 03-31 22:00 UTC.
    aware = LimitRule(0.0, 1.0, seasonal=(0.0, 1.0), origin="2024-04-01T00:00:00+02:00")
    hours = pd.date_range("2024-03-31 22:00", periods=4, freq="12h")
    assert window_phases(hours, aware, "12h").tolist() == [0, 1, 0, 1]


def test_window_phases_of_calendar_windows():
    rule = LimitRule(0.0, 1.0, seasonal=tuple(range(12)), origin="2024-01-01")
    months = pd.date_range("2023-11-01", periods=4, freq="MS")
    for window in ("MS", "ME"):  # a month-end window is the calendar month too
        assert window_phases(months, rule, window).tolist() == [10, 11, 0, 1]
    weekly = LimitRule(0.0, 1.0, seasonal=(0.0, 1.0), origin="2024-01-07")  # a Sunday
    sundays = pd.date_range("2024-01-07", periods=3, freq="W")
    assert window_phases(sundays, weekly, "W").tolist() == [0, 1, 0]
    quarterly = LimitRule(0.0, 1.0, seasonal=(0.0, 1.0, 2.0, 3.0), origin="2024-01-01")
    quarters = pd.date_range("2023-07-01", periods=4, freq="3MS")  # windows of 3 months
    assert window_phases(quarters, quarterly, "3MS").tolist() == [2, 3, 0, 1]


# -- moving a limit -------------------------------------------------------------------------


def test_with_limit_moves_one_level_in_sigma():
    moved = ACCURACY.with_limit("lower_warning", 0.885)  # 1.5 sigma below the centre
    assert (moved.warning, moved.critical) == (pytest.approx(1.5), 3.0)
    assert moved.limits()["lower_warning"] == 0.885
    assert (moved.centre, moved.sigma, moved.side) == (0.9, 0.01, "lower")
    # A warning pushed beyond the critical limit pushes it along ...
    pushed = ACCURACY.with_limit("lower_warning", 0.86)
    assert (pushed.warning, pushed.critical) == (pytest.approx(4.0), pytest.approx(4.0))
    # ... and a critical limit pulled inside the warning one pulls it in.
    pulled = ACCURACY.with_limit("lower_critical", 0.885)
    assert (pulled.warning, pulled.critical) == (pytest.approx(1.5), pytest.approx(1.5))
    # The distance holds on both sides.
    both = LimitRule(0.0, 2.0).with_limit("upper_critical", 8.0)
    assert both.limits()["lower_critical"] == -8.0
    with pytest.raises(ValueError, match=r"lower_warning must lie below the centre 0.9; got 0.95"):
        ACCURACY.with_limit("lower_warning", 0.95)
    with pytest.raises(
        ValueError, match=r"which must be one of \{'lower_warning', .*got a string \('warning'\)"
    ):
        ACCURACY.with_limit("warning", 0.85)
    with pytest.raises(TypeError, match=r"upper_critical must be a number"):
        ACCURACY.with_limit("upper_critical", "1")


# -- refusals -------------------------------------------------------------------------------

LEVELS = {"warning": 0.1, "critical": 0.2}
# fmt: off
BAD_RULES = [
    ({"sigma": 0}, ValueError, r"^sigma must be a finite number > 0; got 0$"),
    ({"sigma": math.inf}, ValueError, r"^sigma must be a finite number > 0"),
    ({"centre": "0.9"}, TypeError, r"^centre must be a number; got a string \('0.9'\)"),
    ({"centre": True}, TypeError, r"^centre must be a number; got a boolean \(True\)"),
    ({"side": "down"}, ValueError, r"^side must be one of \{'lower', 'upper', 'both'\}; got a s"),
    ({"warning": -1}, ValueError, r"^warning must be a finite number > 0"),
    ({"warning": 3, "critical": 2}, ValueError, r"^critical must be >= warning \(3 sigma\); got 2"),
    ({"seasonal": (1.0,)}, ValueError, r"^seasonal needs one offset per phase"),
    ({"seasonal": (1.0, "x")}, TypeError, r"^seasonal\[1\] must be a number; got a string \('x'\)"),
    ({"seasonal": 5}, TypeError, r"^seasonal must be a sequence of numbers; got 5"),
    ({"origin": "yesterday"}, ValueError, r"^origin must be an ISO time stamp"),
    ({"origin": ""}, ValueError, r"^origin must be an ISO time stamp"),
    ({"origin": "now"}, ValueError, r"^origin must be an ISO time stamp"),
    ({"origin": pd.Timestamp("2024-01-01")}, TypeError, r"^origin must be a string; got a Tim"),
    ({"relative": 0.05}, TypeError, r"^relative must be a RelativeRule or None"),
    ({"relative": {"lag": 0, **LEVELS}}, ValueError, r"^relative.lag must be an integer >= 1"),
    ({"relative": {"lag": 1.5, **LEVELS}}, TypeError, r"^relative.lag must be an integer"),
    ({"relative": {"lag": 1, "warning": 0.2, "critical": 0.1}}, ValueError, r"^relative.critical"),
    ({"relative": {"lag": 1, "warning": 0.1}}, ValueError, r"^relative\['critical'\] is required"),
]
# fmt: on


@pytest.mark.parametrize(("change", "error", "message"), BAD_RULES, ids=lambda v: str(v)[:40])
def test_bad_rules_are_refused_naming_the_field(change, error, message):
    with pytest.raises(error, match=message):
        LimitRule(**{"centre": 0.9, "sigma": 0.01, **change})


def test_from_dict_names_unknown_and_missing_keys():
    with pytest.raises(
        ValueError, match=r"^rule\['level'\] is not a known key; allowed keys are centre, sigma"
    ):
        LimitRule.from_dict({"centre": 1, "sigma": 1, "level": 2})
    with pytest.raises(ValueError, match=r"^rule\['sigma'\] is required"):
        LimitRule.from_dict({"centre": 1})
    with pytest.raises(TypeError, match=r"^rule must be a mapping; got a list"):
        LimitRule.from_dict([1, 2])  # type: ignore[arg-type]


def test_judge_limits_refuses_bad_arguments():
    with pytest.raises(TypeError, match=r"rule must be a LimitRule; got dict"):
        judge_limits([0.9], ACCURACY.to_dict())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"phases must have one entry per value \(2\)"):
        judge_limits([0.9, 0.9], ACCURACY, phases=[0])
    with pytest.raises(ValueError, match=r"judged must have one entry per value \(2\)"):
        judge_limits([0.9, 0.9], ACCURACY, judged=[True])


def test_the_index_of_a_series_is_kept():
    days = pd.date_range("2024-04-01", periods=3, freq="D")
    out = judge_limits(pd.Series([0.9, 0.86, 0.9], index=days), ACCURACY)
    assert out.index.equals(days)
    assert out.loc[days[1], "severity"] == "critical"


# -- round trip -----------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
positive = st.floats(min_value=1e-300, max_value=1e12) | st.sampled_from([0.1, 1e-12, 0.3])
ORIGINS = ["2024-04-01", "2024-04-01T00:00:00Z", "2023-12-31T22:00:00+02:00"]


@st.composite
def rules(draw):
    a, b = sorted([draw(positive), draw(positive)])
    c, d = sorted([draw(positive), draw(positive)])
    return LimitRule(
        centre=draw(finite),
        sigma=draw(positive),
        side=draw(st.sampled_from(["lower", "upper", "both"])),
        warning=a,
        critical=b,
        seasonal=draw(st.just(()) | st.lists(finite, min_size=2, max_size=10).map(tuple)),
        origin=draw(st.none() | st.sampled_from(ORIGINS)),
        relative=draw(
            st.none() | st.builds(RelativeRule, st.integers(1, 999), st.just(c), st.just(d))
        ),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules())
def test_to_dict_round_trips_exactly_through_json(rule):
    data = json.loads(json.dumps(rule.to_dict(), allow_nan=False))
    back = LimitRule.from_dict(data)
    assert back == rule
    assert back.to_dict() == rule.to_dict()


def test_window_phases_on_the_calendar_grid_match_fixed_lengths_and_phases_are_checked():
    from mlmon_widgets.engine import LimitRule, judge_limits, window_phases

    rule = LimitRule(
        centre=0, sigma=1, seasonal=[0, 1, 2, 3, 4, 5, 6], origin="2024-02-26T10:00:00"
    )
    starts = pd.date_range("2024-03-01", periods=10, freq="D")
    assert list(window_phases(starts, rule, "D")) == list(window_phases(starts, rule, "24h"))
    assert list(window_phases(starts, rule, "D")) == [4, 5, 6, 0, 1, 2, 3, 4, 5, 6]
    half = LimitRule(centre=0, sigma=1, seasonal=[0, 1], origin="2024-03-01T12:00:00")
    # Half a window off the grid: ties go up, never to even.
    assert list(window_phases(pd.date_range("2024-03-02", periods=4, freq="D"), half, "1D")) == [
        1,
        0,
        1,
        0,
    ]
    with pytest.raises(ValueError, match=r"phases must lie in 0..6"):
        judge_limits([1.0, 2.0], rule, phases=[0, 7])
