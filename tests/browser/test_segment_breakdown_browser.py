"""SegmentBreakdown in JupyterLab with Debian's Chromium: drawn, hovered, clicked, drilled, safe."""

from __future__ import annotations

import json
import re

import pytest

from .lab import NOTEBOOK, expect
from .test_heatmap_browser import HEATMAP, SEVERITY_RGB, XSS

pytestmark = pytest.mark.browser

BREAKDOWN = f"{NOTEBOOK} .mlmon-segments[data-ready='1']"

SETUP = f"""
import numpy as np, pandas as pd, json
from mlmon_widgets.widgets import SegmentBreakdown
rng = np.random.default_rng(4)
def frame(n, start, shift):
    channel = rng.choice(["branch", "online", {XSS!r}], n, p=[0.4, 0.4, 0.2])
    ts = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 12 * 86400, n)), "s")
    day = (ts - pd.Timestamp(start)).days.to_numpy()
    dti = rng.normal(0.3, 0.1, n) + np.where((channel == {XSS!r}) & (day >= 6), shift, 0.0)
    return pd.DataFrame({{"ts": ts, "channel": channel, "dti": dti, "age": rng.normal(40, 10, n)}})
reference, production = frame(15000, "2024-01-01", 0.0), frame(15000, "2024-03-01", 0.08)
breakdown = SegmentBreakdown(reference, production, by="channel", time="ts", window="1D",
                             roles={{"ts": "datetime"}})
breakdown
"""

DRILL = f"""
breakdown.selected = {{"segment_column": "channel", "segment_value": {XSS!r}}}
drilled = breakdown.drill()
drilled
"""


def fill_rgb(locator) -> tuple[int, int, int]:
    colour = locator.evaluate("node => getComputedStyle(node).fill")
    return tuple(int(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])


def test_draws_segments_hovers_clicks_and_drills(lab, page):
    lab.write_notebook("segments.ipynb", cells=[SETUP, DRILL])
    lab.open_notebook(page, "segments.ipynb")
    lab.run_all(page)
    widget = lab.wait_for(page, BREAKDOWN, timeout=90_000)
    rows = widget.locator(".mlmon-segment-row")
    expect(rows).to_have_count(3)
    # segment values are text: the label reads the markup, no element is made of it
    labels = [rows.nth(i).locator("text.mlmon-segment-label").text_content() for i in range(3)]
    assert labels == json.loads(
        lab.run_probe(page, "print(json.dumps(breakdown.columns_of('segments')['value']))")
    )
    assert XSS in labels and widget.locator("img").count() == 0
    # every cell in its engine severity's colour
    state = json.loads(
        lab.run_probe(
            page,
            "t = breakdown.table; t = t[t.feature == breakdown.feature]; print(json.dumps("
            "[[str(s) for s in t[t.segment_value == v].sort_values('window').severity] "
            "for v in breakdown.columns_of('segments')['value']]))",
        )
    )
    xss = labels.index(XSS)
    cells = rows.nth(xss).locator("rect.mlmon-cell")
    expect(cells).to_have_count(len(state[xss]))
    for w in (0, len(state[xss]) - 1):
        assert fill_rgb(cells.nth(w)) == SEVERITY_RGB[state[xss][w]]
    assert state[xss][-1] == "critical" and state[xss][0] == "ok"
    # the waterfall: one part per segment and the total, each explained on hover
    parts = widget.locator(".mlmon-waterfall rect.mlmon-part")
    expect(parts).to_have_count(4)
    parts.nth(xss).hover()
    expect(widget.locator(".mlmon-tooltip")).to_contain_text("rate ")
    expect(widget.locator(".mlmon-tooltip")).to_contain_text(f"channel = {XSS}")
    # hover: the reason in the tooltip, as text
    cells.nth(len(state[xss]) - 1).hover()
    tip = widget.locator(".mlmon-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(f"channel = {XSS}")
    expect(tip).to_contain_text("2024-03-12: critical")
    # click a segment, then a slice: the kernel's selection follows
    rows.nth(xss).locator("text.mlmon-segment-label").click()
    expected = json.dumps({"segment_column": "channel", "segment_value": XSS})
    lab.wait_for_probe(page, "print(json.dumps(breakdown.selected))", expected)
    expect(rows.nth(xss)).to_have_class("mlmon-segment-row mlmon-selected")
    # "monitor this segment" reaches the kernel and the exported config
    widget.locator("button.mlmon-monitor").click()
    lab.wait_for_probe(
        page, "print(json.dumps(breakdown.monitored))", json.dumps([f"channel == {XSS!r}"])
    )
    expect(widget.locator(".mlmon-monitored")).to_have_attribute("data-count", "1")
    names = lab.run_probe(page, "print([s.name for s in breakdown.to_config(model='m').segments])")
    assert names == str([f"channel == {XSS!r}"])
    slices = widget.locator(".mlmon-slice")
    expect(slices.first).to_contain_text("dti PSI")
    expect(slices.first).to_contain_text("from 2024-03-07")
    slices.first.click()
    lab.wait_for_probe(page, "print(json.dumps(breakdown.selected))", '{"slice": 0}')
    # choosing another feature redraws from Python's tables
    renders = int(widget.get_attribute("data-renders"))
    widget.locator("select.mlmon-feature").select_option("age")
    lab.wait_for_probe(page, "print(breakdown.feature)", "age")
    expect(widget).not_to_have_attribute("data-renders", str(renders), timeout=20_000)
    # the bars can show another drift statistic, named in the axis label
    widget.locator("select.mlmon-statistic").select_option("js")
    lab.wait_for_probe(page, "print(breakdown.statistic)", "js")
    expect(widget.locator(".mlmon-axis-label").first).to_contain_text("Jensen-Shannon")
    # the drill-down cell shows the segment's own heatmap
    heatmap = lab.wait_for(page, HEATMAP, timeout=60_000)
    assert lab.run_probe(page, "print(drilled.where)") == f"channel == {XSS!r}"
    expect(heatmap).to_have_attribute("data-rows", "2")  # dti and age; channel is the filter
    # a click elsewhere moves the drilled heatmap to that segment, in place
    widget.locator(".mlmon-segment-row[data-segment='online'] text.mlmon-segment-label").click()
    lab.wait_for_probe(page, "print(drilled.where)", "channel == 'online'")
    # a live append arrives as a patch: the strips grow by the new days, the view redraws
    cells = widget.locator("rect.mlmon-cell").count()
    lab.run_probe(
        page,
        "later = frame(3000, '2024-03-13', 0.08)\n"
        "later = later.assign(ts=later.ts.clip(upper=pd.Timestamp('2024-03-14')))\n"
        "breakdown.append(later); print('appended')",
    )
    expect(widget).to_have_attribute("data-patches", "1", timeout=30_000)
    expect(widget.locator("rect.mlmon-cell")).to_have_count(cells + 2 * 3, timeout=20_000)


PERFORMANCE = f"""
import numpy as np, pandas as pd, json
from mlmon_widgets.widgets import SegmentBreakdown
rng = np.random.default_rng(5)
n = 12000
channel = rng.choice(["branch", "online", {XSS!r}], n, p=[0.4, 0.4, 0.2])
ts = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.sort(rng.integers(0, 10 * 86400, n)), "s")
s = rng.uniform(0.05, 0.6, n)
y = rng.random(n) < s
late = ts >= pd.Timestamp("2024-03-04")
y = np.where((channel == {XSS!r}) & late & (rng.random(n) < 0.5), ~y, y)
frame = pd.DataFrame({{"ts": ts, "channel": channel, "x": rng.normal(size=n), "s": s, "y": y}})
scored = SegmentBreakdown(frame, frame, by="channel", time="ts", window="1D",
                          roles={{"ts": "datetime"}}, label="y", score="s", n_bootstrap=50,
                          since="2024-03-04")
scored
"""


def test_the_performance_view_draws_values_with_intervals(lab, page):
    lab.write_notebook("segments_performance.ipynb", cells=[PERFORMANCE])
    lab.open_notebook(page, "segments_performance.ipynb")
    lab.run_all(page)
    widget = lab.wait_for(page, BREAKDOWN, timeout=90_000)
    widget.locator("select.mlmon-view").select_option("performance")
    lab.wait_for_probe(page, "print(scored.view)", "performance")
    points = widget.locator("circle.mlmon-value")
    expect(points).to_have_count(3, timeout=20_000)
    expect(widget.locator(".mlmon-legend")).to_contain_text("worse than the rest (corrected)")
    values = json.loads(
        lab.run_probe(page, "print(json.dumps(scored.columns_of('segments')['value']))")
    )
    xss = values.index(XSS)
    assert fill_rgb(points.nth(xss)) == SEVERITY_RGB["critical"]  # the engine's "worse"
    assert fill_rgb(points.nth(1 - xss if xss < 2 else 0)) == SEVERITY_RGB["ok"]
    widget.locator(".mlmon-segment-row").nth(xss).locator("circle").hover()
    tip = widget.locator(".mlmon-tooltip")
    expect(tip).to_contain_text("log loss")
    expect(tip).to_contain_text("(worse than the rest) over the period")
    widget.locator("select.mlmon-feature").select_option("accuracy")
    lab.wait_for_probe(page, "print(scored.metric)", "accuracy")
    # accuracy has an interval (Wilson): drawn as a line through each point
    expect(widget.locator("line.mlmon-interval")).to_have_count(3, timeout=20_000)
    widget.locator(".mlmon-segment-row").nth(xss).locator("circle").hover()
    interval = re.compile(r"accuracy 0\.\d+ \[0\.\d+, 0\.\d+\] \(worse than the rest\)")
    expect(widget.locator(".mlmon-tooltip")).to_contain_text(interval)


def test_the_performance_view_splits_the_change_and_lists_where_it_got_worse(lab, page):
    lab.write_notebook("segments_change.ipynb", cells=[PERFORMANCE])
    lab.open_notebook(page, "segments_change.ipynb")
    lab.run_all(page)
    widget = lab.wait_for(page, BREAKDOWN, timeout=90_000)
    widget.locator("select.mlmon-view").select_option("performance")
    lab.wait_for_probe(page, "print(scored.view)", "performance")
    waterfall = widget.locator(".mlmon-waterfall")
    expect(waterfall).to_contain_text("log loss, before 2024-03-04 → from 2024-03-04")
    expect(waterfall).to_contain_text("each segment's part (mix + rate)")
    expect(waterfall.locator("rect.mlmon-part")).to_have_count(4)  # 3 segments + all rows
    totals = json.loads(
        lab.run_probe(page, "print(json.dumps(list(scored.waterfall()['total_effect'])))")
    )
    xss = json.loads(
        lab.run_probe(page, "print(json.dumps(list(scored.waterfall()['segment'])))")
    ).index(XSS)
    waterfall.locator("rect.mlmon-part").nth(xss).hover()
    tip = widget.locator(".mlmon-tooltip")
    expect(tip).to_contain_text(f"channel = {XSS}")
    expect(tip).to_contain_text(f"part {totals[xss]:.3g} of")
    # the slices where log loss got worse since the date, the segment value as text
    first = widget.locator(".mlmon-slice").first
    expect(first).to_contain_text(f"channel == '{XSS}'")
    assert widget.locator(".mlmon-slices img").count() == 0
    first.click()
    lab.wait_for_probe(page, "print(scored.selected)", "{'slice': 0}")
    widget.locator("select.mlmon-feature").select_option("roc_auc")
    lab.wait_for_probe(page, "print(scored.metric)", "roc_auc")
    expect(widget.locator(".mlmon-not-additive")).to_contain_text("not additive")
    expect(widget.locator(".mlmon-slices")).to_contain_text(
        "no slices: slices are searched on accuracy or log_loss"
    )
    widget.locator("select.mlmon-feature").select_option("precision")
    lab.wait_for_probe(page, "print(scored.metric)", "precision")
    expect(widget.locator(".mlmon-waterfall-note").first).to_contain_text(
        "no waterfall: precision is not split by segment"
    )
