"""Control charts, run rules, seasonality and thresholds (issue 5, "Control charts").

Limits are pinned to textbook formulas computed by hand in the tests and to Montgomery,
*Introduction to Statistical Quality Control*: Appendix VI constants and the CUSUM/EWMA example
of chapter 9 (Table 9.1: 20 points from N(10, 1) then 10 from N(11, 1)).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import gammaln

from mlmon_widgets.engine import (
    NELSON_RULES,
    ControlChartResult,
    absolute_threshold,
    control_constants,
    cusum_chart,
    ewma_chart,
    individuals_chart,
    p_chart,
    relative_threshold,
    run_rules,
    xbar_chart,
)

# Montgomery's d2 and c4 for n = 2..25, read through the public constants.
D2 = {n: control_constants(n).d2 for n in range(2, 26)}
C4 = {n: control_constants(n).c4 for n in range(2, 26)}

# Montgomery, Table 9.1 (x_1..x_20 ~ N(10, 1), x_21..x_30 ~ N(11, 1)).
MONTGOMERY_9_1 = [
    9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34,
    9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84,
    10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52,
]  # fmt: skip


# --------------------------------------------------------------------------- constants


@pytest.mark.parametrize(
    ("n", "d2", "c4", "a2", "a3"),
    [
        # Montgomery, Appendix VI (A2 and A3 as printed, 3 decimals).
        (2, 1.128, 0.7979, 1.880, 2.659),
        (5, 2.326, 0.9400, 0.577, 1.427),
        (10, 3.078, 0.9727, 0.308, 0.975),
        (25, 3.931, 0.9896, 0.153, 0.606),
    ],
)
def test_constants_match_montgomery_table(n, d2, c4, a2, a3):
    c = control_constants(n)
    assert (c.n, c.d2, c.c4) == (n, d2, c4)
    # A2 and A3 come from the 3- and 4-decimal d2 and c4, the printed ones from exact values.
    assert c.A2 == pytest.approx(a2, abs=1e-3)
    assert c.A3 == pytest.approx(a3, abs=1e-3)


def test_d2_table_matches_expected_range_of_normal_samples():
    # d2(n) = E[range of n standard normals] = integral of 1 - Phi^n - (1 - Phi)^n.
    for n, d2 in D2.items():

        def integrand(x, n=n):
            return 1 - stats.norm.cdf(x) ** n - stats.norm.sf(x) ** n

        exact, _ = integrate.quad(integrand, -np.inf, np.inf)
        assert d2 == pytest.approx(exact, abs=5e-4), n


def test_c4_table_matches_gamma_formula():
    for n, c4 in C4.items():
        exact = math.sqrt(2 / (n - 1)) * math.exp(gammaln(n / 2) - gammaln((n - 1) / 2))
        assert c4 == pytest.approx(exact, abs=5e-5), n


def test_constants_outside_the_table_raise():
    with pytest.raises(ValueError, match="n must be between 2 and 25"):
        control_constants(26)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        control_constants(1)
    with pytest.raises(TypeError, match="n must be an integer"):
        control_constants(2.0)


# --------------------------------------------------------------------------- individuals


def test_individuals_limits_by_hand():
    x = [10.0, 12.0, 11.0, 13.0, 12.0, 14.0]
    # Moving ranges 2, 1, 2, 1, 2 -> MR-bar = 8 / 5; sigma = MR-bar / 1.128; mean = 72 / 6.
    sigma = (8 / 5) / 1.128
    result = individuals_chart(x, baseline=5 + 1)
    assert isinstance(result, ControlChartResult)
    assert result.chart == "individuals"
    assert result.centre == pytest.approx(12.0, rel=1e-12)
    assert result.sigma == pytest.approx(sigma, rel=1e-12)
    row = result.points.iloc[0]
    assert row["ucl"] == pytest.approx(12 + 3 * sigma, rel=1e-12)
    assert row["lcl"] == pytest.approx(12 - 3 * sigma, rel=1e-12)
    assert row["uwl"] == pytest.approx(12 + 2 * sigma, rel=1e-12)
    assert row["lwl"] == pytest.approx(12 - 2 * sigma, rel=1e-12)
    assert result.points["z"].iloc[5] == pytest.approx((14 - 12) / sigma, rel=1e-12)
    assert result.points["moving_range"].tolist()[1:] == [2, 1, 2, 1, 2]
    assert np.isnan(result.points["moving_range"].iloc[0])
    assert result.baseline_size == 6
    assert any("Montgomery recommends at least 20" in note for note in result.notes)


def test_individuals_baseline_as_int_or_mask_and_index_kept():
    index = pd.date_range("2024-03-01", periods=8, freq="D")
    values = pd.Series([5.0, 6.0, 5.0, 7.0, 6.0, 20.0, 21.0, 19.0], index=index)
    first = individuals_chart(values, baseline=5)
    masked = individuals_chart(values, baseline=pd.Series(np.arange(8) < 5, index=index))
    pd.testing.assert_frame_equal(first.points, masked.points)
    # Baseline 5, 6, 5, 7, 6: mean 5.8; moving ranges 1, 1, 2, 1 -> MR-bar 1.25.
    assert first.centre == pytest.approx(5.8)
    assert first.sigma == pytest.approx(1.25 / 1.128)
    assert first.points.index.equals(index)
    assert list(first.points["in_baseline"]) == [True] * 5 + [False] * 3
    assert list(first.out_of_control) == list(index[5:])
    rule1 = first.violations[first.violations["rule"] == 1]
    assert list(rule1["index"]) == list(index[5:])
    assert list(rule1["indices"]) == [(ts,) for ts in index[5:]]
    assert set(rule1["side"]) == {"upper"}
    assert first.parameters["baseline"] == 5
    assert masked.parameters["baseline"] == "mask"


def test_individuals_known_target_and_sigma():
    result = individuals_chart([1.0, 2.0, 9.0], target=2.0, sigma=2.0)
    assert (result.centre, result.sigma, result.baseline_size) == (2.0, 2.0, 0)
    assert result.points["ucl"].iloc[0] == 8.0
    assert list(result.violations["position"]) == [2]


def test_violations_table_columns():
    result = individuals_chart([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    assert list(result.violations.columns) == [
        "index",
        "position",
        "rule",
        "name",
        "side",
        "description",
        "indices",
    ]
    assert result.violations.empty


# --------------------------------------------------------------------------- X-bar


SUBGROUPS = [[1, 2, 3], [2, 4, 6], [3, 3, 3], [1, 5, 3], [2, 2, 5]]


def test_xbar_range_limits_by_hand():
    # Means 2, 4, 3, 3, 3 -> 3; ranges 2, 4, 0, 4, 3 -> R-bar = 2.6; A2(3) = 1.023.
    result = xbar_chart(SUBGROUPS)
    assert result.centre == pytest.approx(3.0)
    assert result.sigma == pytest.approx(2.6 / 1.693)
    assert result.points["ucl"].iloc[0] == pytest.approx(3 + 1.023 * 2.6, abs=1e-3)
    assert result.points["lcl"].iloc[0] == pytest.approx(3 - 1.023 * 2.6, abs=1e-3)
    assert list(result.points["value"]) == [2, 4, 3, 3, 3]
    assert list(result.points["range"]) == [2, 4, 0, 4, 3]
    assert result.parameters["n"] == 3


def test_xbar_std_limits_by_hand():
    # Sample sds 1, 2, 0, 2, sqrt(3) -> S-bar; A3(3) = 1.954.
    s_bar = (1 + 2 + 0 + 2 + math.sqrt(3)) / 5
    result = xbar_chart(SUBGROUPS, spread="std")
    assert result.sigma == pytest.approx(s_bar / 0.8862)
    assert result.points["ucl"].iloc[0] == pytest.approx(3 + 1.954 * s_bar, abs=1e-3)


def test_xbar_large_subgroups_use_c4_formula_and_index():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(0, 2, size=(30, 40)), index=pd.RangeIndex(100, 130))
    result = xbar_chart(frame, spread="std")
    c4 = math.sqrt(2 / 39) * math.exp(gammaln(20) - gammaln(19.5))
    assert result.sigma == pytest.approx(frame.std(axis=1, ddof=1).mean() / c4, rel=1e-12)
    assert result.points.index.equals(frame.index)
    with pytest.raises(ValueError, match="2 to 25 columns for spread='range'"):
        xbar_chart(frame)


def test_xbar_skips_rows_with_missing_values():
    groups = [*SUBGROUPS, [np.nan, 1, 2]]
    result = xbar_chart(groups)
    assert result.skipped == (5,)
    assert result.centre == pytest.approx(3.0)
    assert bool(result.points["missing"].iloc[5])


# --------------------------------------------------------------------------- p-chart


def test_p_chart_limits_vary_with_n():
    counts = [20, 30, 15, 40, 45]
    n = [500, 1000, 500, 1000, 2000]
    result = p_chart(counts, n)
    pbar = 150 / 5000
    assert result.centre == pytest.approx(pbar)
    assert result.sigma == pytest.approx(math.sqrt(pbar * (1 - pbar)))
    for i, size in enumerate(n):
        half = 3 * math.sqrt(pbar * (1 - pbar) / size)
        assert result.points["ucl"].iloc[i] == pytest.approx(pbar + half, rel=1e-12)
        assert result.points["lcl"].iloc[i] == pytest.approx(max(0.0, pbar - half), rel=1e-12)
        assert result.points["value"].iloc[i] == pytest.approx(counts[i] / size)
    # n = 2000: pbar - 3 sigma_i = 0.03 - 0.01144 > 0, n = 500 is not clipped either.
    assert result.points["lcl"].iloc[4] == pytest.approx(0.03 - 3 * math.sqrt(0.0291 / 2000))


def test_p_chart_limits_are_clipped_to_unit_interval():
    result = p_chart([1, 0, 1, 0, 1], [10, 10, 10, 10, 10])
    assert (result.points["lcl"] == 0).all()
    small = p_chart([9, 10, 9, 10, 9], [10, 10, 10, 10, 10])
    assert (small.points["ucl"] == 1).all()


def test_p_chart_signal_and_missing_windows():
    counts = pd.Series([5, 4, 6, 5, 5, np.nan, 20], index=list("abcdefg"))
    n = pd.Series([100, 100, 100, 100, 100, 0.0, 200], index=list("abcdefg"))
    with pytest.raises(ValueError, match="n is 0 at \\['f'\\]"):
        p_chart(counts, n, baseline=5)
    n["f"] = 100
    result = p_chart(counts, n, baseline=5)
    assert result.skipped == ("f",)
    assert list(result.violations["index"]) == ["g"]
    assert any("1 missing point(s) skipped" in note for note in result.notes)


def test_p_chart_bad_input():
    with pytest.raises(ValueError, match="counts exceed n"):
        p_chart([5, 11, 1, 1, 1], [10] * 5)
    with pytest.raises(ValueError, match="counts must be >= 0"):
        p_chart([-1, 1, 1, 1, 1], [10] * 5)
    with pytest.raises(ValueError, match="n must be > 0"):
        p_chart([1, 1, 1, 1, 1], [10, -10, 10, 10, 10])
    with pytest.raises(ValueError, match="counts and n must have the same length"):
        p_chart([1, 1, 1, 1, 1], [10] * 4)
    with pytest.raises(TypeError, match="n must hold numbers"):
        p_chart([1, 1, 1, 1, 1], ["10"] * 5)


# --------------------------------------------------------------------------- EWMA


def test_ewma_statistic_and_limits_by_hand():
    lam, width = 0.1, 2.7
    result = ewma_chart(MONTGOMERY_9_1, lam=lam, L=width, target=10, sigma=1)
    z, stat, ucl = 10.0, [], []
    for i, x in enumerate(MONTGOMERY_9_1, start=1):
        z = lam * x + (1 - lam) * z
        stat.append(z)
        ucl.append(10 + width * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i))))
    np.testing.assert_allclose(result.points["value"], stat, rtol=1e-12)
    np.testing.assert_allclose(result.points["ucl"], ucl, rtol=1e-12)
    np.testing.assert_allclose(result.points["lcl"], 20 - np.array(ucl), rtol=1e-12)
    # As printed by Montgomery: UCL 10.27 at i = 1 (sigma_z1 = lam sigma), 10.62 in the limit.
    assert result.points["ucl"].iloc[0] == pytest.approx(10.27, abs=1e-12)
    assert result.points["ucl"].iloc[-1] == pytest.approx(10.62, abs=5e-3)
    # The hand recursion crosses the UCL at the 29th and 30th points only.
    assert list(result.violations["position"]) == [28, 29]
    assert set(result.violations["side"]) == {"upper"}
    assert result.points["observation"].tolist() == MONTGOMERY_9_1


def test_ewma_defaults_and_baseline_estimates():
    rng = np.random.default_rng(1)
    x = rng.normal(5, 1, 40)
    result = ewma_chart(x, baseline=30)
    assert result.parameters["lam"] == 0.2 and result.parameters["L"] == 3.0
    assert result.centre == pytest.approx(x[:30].mean())
    assert result.sigma == pytest.approx(np.abs(np.diff(x[:30])).mean() / 1.128)
    # Warning limits at 2 L / 3 = 2 sigma of the statistic.
    pts = result.points
    np.testing.assert_allclose(pts["uwl"] - pts["centre"], 2 * pts["sigma"], rtol=1e-12)


def test_ewma_skips_missing_points():
    result = ewma_chart([10.0, np.nan, 12.0], target=10, sigma=1)
    assert result.skipped == (1,)
    assert np.isnan(result.points["value"].iloc[1])
    # The statistic carries over the gap and the limit counts only observed points (i = 2).
    assert result.points["value"].iloc[2] == pytest.approx(0.2 * 12 + 0.8 * 10)
    assert result.points["sigma"].iloc[2] == pytest.approx(
        math.sqrt(0.2 / 1.8 * (1 - 0.8**4)), rel=1e-12
    )


# --------------------------------------------------------------------------- CUSUM


def test_cusum_montgomery_example():
    result = cusum_chart(MONTGOMERY_9_1, target=10, sigma=1)
    upper = result.points["upper"]
    # Montgomery, Table 9.2: C+ at periods 28, 29 and 30 and N+ = 7 at period 29.
    assert upper.iloc[27] == pytest.approx(4.47, abs=1e-9)
    assert upper.iloc[28] == pytest.approx(5.28, abs=1e-9)
    assert upper.iloc[29] == pytest.approx(5.30, abs=1e-9)
    assert result.points["upper_run"].iloc[28] == 7
    assert list(result.signals["position"]) == [28, 29]
    first = result.signals.iloc[0]
    assert first["side"] == "upper"
    assert first["run_start"] == 22  # the shift began after period 22
    assert first["shift_estimate"] == pytest.approx(10 + 0.5 + 5.28 / 7, abs=1e-9)
    assert (result.points["decision"] == 5).all()


def test_cusum_recursion_by_hand_both_sides():
    x = [0.0, -2.0, -2.0, 1.0, 3.0]
    result = cusum_chart(x, target=0, sigma=1, k=0.5, h=2)
    # C+: 0, 0, 0, 0.5, 3.0; C-: 0, 1.5, 3.0, 1.5, 0.
    assert result.points["upper"].tolist() == [0, 0, 0, 0.5, 3.0]
    assert result.points["lower"].tolist() == [0, 1.5, 3.0, 1.5, 0]
    sig = result.signals
    assert list(zip(sig["position"], sig["side"], strict=True)) == [(2, "lower"), (4, "upper")]
    assert sig["shift_estimate"].iloc[0] == pytest.approx(-0.5 - 3.0 / 2)


def test_cusum_estimates_from_baseline_and_sigma_zero_note():
    result = cusum_chart([3.0] * 6 + [3.5], baseline=6)
    assert (result.target, result.sigma) == (3.0, 0.0)
    assert any("sigma is 0" in note for note in result.notes)
    assert list(result.signals["position"]) == [6]


# --------------------------------------------------------------------------- run rules


def _fired(values, rule):
    table = run_rules(values, centre=0.0, sigma=1.0, rules=[rule])
    return list(table["position"]), list(table["indices"])


def test_rule_names_follow_nelson():
    assert [NELSON_RULES[r].points for r in range(1, 9)] == [1, 9, 6, 14, 3, 5, 15, 8]


def test_rule_1():
    assert _fired([0, 0.5, 3.5, -0.2, -3.2], 1) == ([2, 4], [(2,), (4,)])
    assert _fired([3.0, -3.0, 2.9, -2.99], 1) == ([], [])  # on the limit is not beyond


def test_rule_2():
    positions, indices = _fired([0.5] * 10, 2)
    assert positions == [8, 9]
    assert indices[0] == tuple(range(9))
    assert _fired([0.5] * 8 + [0.0] + [0.5] * 8, 2) == ([], [])
    assert _fired([-0.5] * 8 + [0.5], 2) == ([], [])
    assert run_rules([-0.1] * 9, centre=0, sigma=1, rules=[2])["side"].tolist() == ["lower"]


def test_rule_3():
    table = run_rules([0, 0.1, 0.2, 0.3, 0.4, 0.5], centre=0, sigma=1, rules=[3])
    assert table["position"].tolist() == [5]
    assert table["side"].tolist() == ["increasing"]
    assert table["indices"].iloc[0] == (0, 1, 2, 3, 4, 5)
    down = run_rules([5, 4, 3, 2, 1, 0], centre=0, sigma=1, rules=[3])
    assert down["side"].tolist() == ["decreasing"]
    assert _fired([0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5], 3) == ([], [])  # a tie breaks the trend
    assert _fired([0, 0.1, 0.2, 0.3, 0.4], 3) == ([], [])


def test_rule_4():
    zigzag = [0.5 * (-1) ** i for i in range(14)]
    positions, indices = _fired(zigzag, 4)
    assert positions == [13]
    assert indices == [tuple(range(14))]
    assert _fired(zigzag[:13], 4) == ([], [])
    assert _fired([*zigzag[:7], zigzag[6], *zigzag[7:]], 4) == ([], [])


def test_rule_5():
    assert _fired([0, 2.5, 0, 2.5], 5) == ([3], [(1, 3)])
    assert _fired([2.5, 2.5], 5) == ([1], [(0, 1)])
    assert _fired([2.5, 0, 0, 2.5], 5) == ([], [])
    assert _fired([2.5, 0, -2.5], 5) == ([], [])
    assert _fired([2.0, 2.0, 2.0], 5) == ([], [])
    low = run_rules([-2.5, -2.1], centre=0, sigma=1, rules=[5])
    assert low["side"].tolist() == ["lower"]


def test_rule_6():
    assert _fired([1.5, 1.5, 0, 1.5, 1.5], 6) == ([4], [(0, 1, 3, 4)])
    assert _fired([1.5, 1.5, 0, 0, 1.5, 1.5], 6) == ([], [])
    assert _fired([1.5, 1.5, -1.5, 1.5, 0], 6) == ([], [])


def test_rule_7():
    calm = [0.5, -0.5] * 7 + [0.2]
    assert _fired(calm, 7) == ([14], [tuple(range(15))])
    assert _fired([*calm[:14], 1.0], 7) == ([], [])  # a point on 1 sigma is not within
    assert _fired(calm[:14], 7) == ([], [])


def test_rule_8():
    assert _fired([1.5, -1.5] * 4, 8) == ([7], [tuple(range(8))])
    assert _fired([1.5, -1.5] * 3 + [1.5, 0.5], 8) == ([], [])


def test_runs_continue_across_missing_points_and_report_labels():
    index = pd.date_range("2024-01-01", periods=10, freq="D")
    values = pd.Series([0.5] * 4 + [np.nan] + [0.5] * 5, index=index)
    table = run_rules(values, centre=0, sigma=1, rules=[2])
    assert table["index"].tolist() == [index[9]]
    assert table["position"].tolist() == [9]
    assert table["indices"].iloc[0] == tuple(index.delete(4))


def test_rule_selection():
    values = [4.0, 0.5, 0.5]
    assert run_rules(values, centre=0, sigma=1, rules="western_electric")["rule"].tolist() == [1]
    with pytest.raises(ValueError, match="rule numbers from 1 to 8"):
        run_rules(values, centre=0, sigma=1, rules=[9])
    with pytest.raises(ValueError, match="rules must be None, 'nelson'"):
        run_rules(values, centre=0, sigma=1, rules="all")
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        run_rules(values, centre=0, sigma=-1)
    with pytest.raises(ValueError, match="centre must be a number or have one entry per point"):
        run_rules(values, centre=[0, 0], sigma=1)


def test_chart_applies_all_rules_by_default():
    x = [0.0, 1.0] * 10 + [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]
    result = individuals_chart(x, baseline=20)
    assert 2 in set(result.violations["rule"])
    assert 3 in set(result.violations["rule"])
    assert result.parameters["rules"] == tuple(range(1, 9))


# --------------------------------------------------------------------------- seasonality

WEEKLY = np.array([0.90, 0.91, 0.92, 0.91, 0.90, 0.80, 0.78])


def _weekly_series(seed: int, weeks: int = 12) -> pd.Series:
    rng = np.random.default_rng(seed)
    values = np.tile(WEEKLY, weeks) + rng.normal(0, 0.004, 7 * weeks)
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=7 * weeks, freq="D"))


def test_weekly_pattern_raises_nothing_with_stl_and_alerts_without():
    series = _weekly_series(7)
    seasonal = individuals_chart(series, baseline=56, period=7)
    assert seasonal.violations.empty
    assert {"seasonal", "adjusted"} <= set(seasonal.points.columns)
    assert any("STL" in note for note in seasonal.notes)
    plain = individuals_chart(series, baseline=56)
    assert not plain.violations.empty
    # Without the period, the weekend dip is what alerts (two of three beyond 2 sigma).
    rule5 = plain.violations[plain.violations["rule"] == 5]
    assert len(rule5) >= 10
    assert {ts.day_of_week for ts in rule5["index"]} <= {5, 6}  # 2024-01-01 is a Monday


def test_weekly_pattern_over_many_seeds():
    # Nelson's eight rules on in-control noise alarm now and then; the weekly pattern itself
    # must not: with STL, weekend points alert no more often than weekdays.
    weekend_with, weekend_without = 0, 0
    for seed in range(20):
        series = _weekly_series(seed)
        with_stl = individuals_chart(series, baseline=56, period=7, rules="western_electric")
        without = individuals_chart(series, baseline=56, rules="western_electric")
        weekend_with += sum(ts.day_of_week >= 5 for ts in with_stl.violations["index"])
        weekend_without += sum(ts.day_of_week >= 5 for ts in without.violations["index"])
        assert not without.violations.empty, seed
    assert weekend_without >= 20 * 8
    assert weekend_with <= 10


def test_seasonal_limits_follow_the_pattern_and_a_later_drop_alerts():
    series = _weekly_series(7)
    series.iloc[70:] -= 0.03
    result = individuals_chart(series, baseline=56, period=7)
    pts = result.points
    np.testing.assert_allclose(pts["centre"], result.centre + pts["seasonal"], rtol=1e-12)
    assert pts["seasonal"].iloc[5] == pytest.approx(pts["seasonal"].iloc[75])
    assert pts["seasonal"].iloc[5] < pts["seasonal"].iloc[2]
    fired = result.violations
    assert not fired.empty
    assert fired["position"].min() >= 70


def test_seasonal_sigma_from_adjusted_baseline_by_hand():
    series = _weekly_series(3)
    result = individuals_chart(series, baseline=56, period=7)
    adjusted = result.points["adjusted"].to_numpy()[:56]
    np.testing.assert_allclose(
        adjusted, series.to_numpy()[:56] - result.points["seasonal"].to_numpy()[:56]
    )
    seasonal = result.points["seasonal"].to_numpy()
    np.testing.assert_allclose(seasonal, np.tile(seasonal[:7], 12))  # one value per phase
    assert result.centre == pytest.approx(adjusted.mean(), rel=1e-12)
    mr_sigma = np.abs(np.diff(adjusted)).mean() / 1.128
    # 8 baseline cycles: widened by sqrt(9 / 7) for the seasonal component's estimation error.
    assert result.sigma == pytest.approx(mr_sigma * math.sqrt(9 / 7), rel=1e-12)
    # Given sigma is used as is.
    given = individuals_chart(series, baseline=56, period=7, sigma=0.01)
    assert given.sigma == 0.01


def test_seasonal_bad_input():
    series = _weekly_series(0, weeks=3)
    with pytest.raises(ValueError, match="at least two periods"):
        individuals_chart(series, baseline=13, period=7)
    with pytest.raises(ValueError, match="period must be an integer >= 2"):
        individuals_chart(series, period=1)
    mask = np.ones(21, dtype=bool)
    mask[3] = False
    with pytest.raises(ValueError, match="one contiguous block"):
        individuals_chart(series, baseline=mask, period=7)


def test_seasonal_interpolates_missing_baseline_points_for_the_fit():
    series = _weekly_series(7)
    series.iloc[10] = np.nan
    result = individuals_chart(series, baseline=56, period=7)
    assert result.skipped == (series.index[10],)
    assert any("interpolated for the STL fit only" in note for note in result.notes)
    assert result.baseline_size == 55


# --------------------------------------------------------------------------- thresholds


def test_relative_threshold_week_over_week():
    index = pd.date_range("2024-01-01", periods=14, freq="D")
    values = pd.Series([100.0] * 7 + [100, 96, 95, 94.9, 110, 100, 100], index=index)
    below = relative_threshold(values, lag=7, fraction=0.05, direction="below")
    assert list(below.breaches) == [index[10]]  # exactly 5% below is not more than 5%
    assert below.points["change"].iloc[10] == pytest.approx(-0.051)
    assert below.points["lower"].iloc[10] == pytest.approx(95.0)
    assert below.points["change"].iloc[:7].isna().all()
    above = relative_threshold(values, lag=7, fraction=0.05, direction="above")
    assert list(above.breaches) == [index[11]]
    both = relative_threshold(values, lag=7, fraction=0.05, direction="both")
    assert list(both.breaches) == [index[10], index[11]]
    assert both.parameters == {"lag": 7, "fraction": 0.05, "direction": "both"}


def test_relative_threshold_zero_negative_and_missing_references():
    result = relative_threshold([0.0, 5.0, -10.0, -11.0, np.nan, 3.0], lag=1, fraction=0.05)
    change = result.points["change"]
    assert np.isnan(change.iloc[1])  # reference 0: no relative change
    assert change.iloc[3] == pytest.approx(-0.1)  # -11 vs -10 is 10% below
    assert np.isnan(change.iloc[5])  # missing reference
    assert list(result.breaches) == [2, 3]
    assert result.skipped == (4,)
    assert any("reference of 0" in note for note in result.notes)


def test_absolute_threshold():
    result = absolute_threshold([0.91, 0.88, np.nan, 0.97, 0.9], lower=0.9, upper=0.95)
    assert list(result.breaches) == [1, 3]
    assert result.skipped == (2,)
    with pytest.raises(ValueError, match="pass lower, upper or both"):
        absolute_threshold([1.0])
    with pytest.raises(ValueError, match="must not exceed upper"):
        absolute_threshold([1.0], lower=2, upper=1)


def test_threshold_bad_input():
    with pytest.raises(ValueError, match="direction must be one of"):
        relative_threshold([1.0, 2.0], direction="down")
    with pytest.raises(ValueError, match="lag must be an integer >= 1"):
        relative_threshold([1.0, 2.0], lag=0)
    with pytest.raises(ValueError, match="fraction must be a finite number > 0"):
        relative_threshold([1.0, 2.0], fraction=0)


# --------------------------------------------------------------------------- edge cases


def test_sigma_zero_gives_a_defined_result_with_a_note():
    result = individuals_chart([5.0] * 20 + [5.5], baseline=20)
    assert result.sigma == 0.0
    assert (result.points["ucl"] == 5.0).all()
    assert any("sigma is 0" in note for note in result.notes)
    assert result.violations["rule"].tolist() == [1]  # no rule 7 on a flat line
    assert result.points["z"].iloc[-1] == np.inf
    assert result.points["z"].iloc[0] == 0.0


def test_sigma_zero_in_p_chart():
    result = p_chart([0, 0, 0, 0, 0, 1], [10] * 6, baseline=5)
    assert result.centre == 0.0
    assert any("sigma is 0" in note for note in result.notes)
    assert result.violations["position"].tolist() == [5]


def test_missing_points_are_skipped_and_reported():
    values = [1.0, 2.0, np.nan, 1.5, 2.5, 1.0, None, 2.0]
    result = individuals_chart(values)
    assert result.skipped == (2, 6)
    assert result.baseline_size == 6
    # MR-bar over consecutive observed points: 1, 0.5, 1, 1.5, 1.
    assert result.sigma == pytest.approx(5.0 / 5 / 1.128)
    assert result.points["missing"].tolist() == [False, False, True] + [False] * 3 + [True, False]
    assert any("2 missing point(s) skipped" in note for note in result.notes)


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        (["a", 1.0, 2.0], TypeError, "values must hold numbers"),
        (pd.Series(["1", "2"]), TypeError, "values must hold numbers"),
        ([True, False], TypeError, "values must hold numbers"),
        (pd.DataFrame({"a": [1.0]}), TypeError, "values must be one-dimensional"),
        ("12345", TypeError, "values must be a Series, list or 1-D array"),
        (3.0, TypeError, "values must be a Series, list or 1-D array"),
        (np.ones((3, 2)), ValueError, "values must be one-dimensional"),
        ([], ValueError, "values is empty"),
        ([1.0, np.inf, 2.0], ValueError, "values has infinite values"),
    ],
)
def test_non_numeric_and_malformed_values(values, error, message):
    with pytest.raises(error, match=message):
        individuals_chart(values)


def test_nullable_integer_input_is_accepted():
    values = pd.Series([1, 2, None, 3, 2, 1, 2], dtype="Int64")
    assert individuals_chart(values).skipped == (2,)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"baseline": 3}, ValueError, "baseline has 3 non-missing point"),
        ({"baseline": 0}, ValueError, "baseline must be between 1 and the number of points"),
        ({"baseline": 99}, ValueError, "baseline must be between 1 and the number of points"),
        ({"baseline": "first"}, TypeError, "baseline must be None, an int"),
        ({"baseline": True}, TypeError, "baseline must be None, an int"),
        ({"baseline": [1, 0, 1, 0, 1, 0, 1, 0]}, TypeError, "baseline must be an int or a boolean"),
        ({"baseline": [True] * 3}, ValueError, "one entry per point"),
        ({"sigma": 0}, ValueError, "sigma must be a finite number > 0"),
        ({"target": float("nan")}, ValueError, "target must be a finite number"),
        ({"rules": [0]}, ValueError, "rule numbers from 1 to 8"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        individuals_chart([1.0, 2.0, 1.0, 3.0, 2.0, 1.0, 2.0, 3.0], **kwargs)


def test_too_few_baseline_points_after_missing_values():
    with pytest.raises(ValueError, match="baseline has 4 non-missing"):
        individuals_chart([1.0, np.nan, 2.0, 1.0, 3.0, 9.0], baseline=5)


def test_baseline_mask_series_must_share_the_index():
    values = pd.Series([1.0, 2.0, 1.0, 3.0, 2.0], index=list("abcde"))
    with pytest.raises(ValueError, match="same index"):
        individuals_chart(values, baseline=pd.Series([True] * 5))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lam": 0}, "lam must be a finite number in \\(0, 1\\]"),
        ({"lam": 1.5}, "lam must be a finite number in \\(0, 1\\]"),
        ({"L": -1}, "L must be a finite number > 0"),
    ],
)
def test_ewma_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ewma_chart([1.0, 2.0, 3.0, 2.0, 1.0], **kwargs)


def test_cusum_bad_parameters():
    with pytest.raises(ValueError, match="h must be a finite number > 0"):
        cusum_chart([1.0, 2.0, 3.0, 2.0, 1.0], h=0)
    with pytest.raises(ValueError, match="k must be a finite number >= 0"):
        cusum_chart([1.0, 2.0, 3.0, 2.0, 1.0], k=-0.5)
    with pytest.raises(TypeError, match="k must be a number"):
        cusum_chart([1.0, 2.0, 3.0, 2.0, 1.0], k="0.5")


def test_xbar_bad_input():
    with pytest.raises(ValueError, match="subgroups must be two-dimensional"):
        xbar_chart([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="spread must be one of"):
        xbar_chart(SUBGROUPS, spread="iqr")
    with pytest.raises(TypeError, match="subgroups must hold numbers"):
        xbar_chart([["a", "b"]] * 5)
    with pytest.raises(ValueError, match="subgroups must have 2 to 25 columns"):
        xbar_chart([[1.0]] * 5)


def test_individuals_revised_limits_leave_out_a_spike_in_the_baseline():
    # Montgomery's Phase I: points beyond the trial limits are left out, limits recomputed.
    baseline = [10.0, 10.4, 9.8, 10.1, 10.3, 9.9, 30.0, 10.2, 10.0, 9.7, 10.1, 10.2]
    values = np.array([*baseline, 12.0])  # then a real shift of 2
    trial = individuals_chart(values, baseline=12)
    assert trial.sigma == pytest.approx(np.abs(np.diff(baseline)).mean() / 1.128)
    assert list(trial.out_of_control) == [6]  # the spike widened the limits: 12.0 passes
    revised = individuals_chart(values, baseline=12, revise=True)
    kept = np.delete(np.array(baseline), 6)
    assert revised.centre == pytest.approx(kept.mean(), rel=1e-12)
    assert revised.sigma == pytest.approx(np.abs(np.diff(kept)).mean() / 1.128, rel=1e-12)
    assert list(revised.out_of_control) == [6, 12]
    assert revised.parameters["revised_out"] == [6]
    assert revised.baseline_size == 11
    assert any(
        "1 baseline point(s) beyond the trial limits left out (6)" in n for n in revised.notes
    )
    calm = individuals_chart(kept, baseline=11, revise=True)
    assert calm.parameters["revised_out"] == [] and calm.sigma == pytest.approx(revised.sigma)
