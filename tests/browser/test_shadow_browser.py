"""ShadowComparison in JupyterLab (Debian's Chromium): drawn, margins dragged, region selected."""

from __future__ import annotations

import json

import pytest

from .lab import NOTEBOOK, expect
from .test_heatmap_browser import XSS

pytestmark = pytest.mark.browser

SHADOW = f"{NOTEBOOK} .mlmon-shadow[data-ready='1']"

SETUP = f"""
import numpy as np, pandas as pd, json
from mlmon_widgets.widgets import ShadowComparison
rng = np.random.default_rng(5)
n = 20000
y = rng.random(n) < 0.3
signal = np.where(y, 1.0, -1.0)
common = rng.normal(0, 1, n)
segment = rng.choice(["branch", {XSS!r}], n, p=[0.6, 0.4])
frame = pd.DataFrame({{
    "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 28 * 86400, n)), "s"),
    "y": y,
    "segment": segment,
    "live": 1 / (1 + np.exp(-(signal + 1.5 * (0.6 * common + 0.8 * rng.normal(0, 1, n))))),
    "shadow": 1 / (1 + np.exp(-(signal + 1.56 * (0.6 * common + 0.8 * rng.normal(0, 1, n))))),
    "lat": np.exp(np.log(45) + 0.3 * rng.normal(0, 1, n)),
}})
frame["slat"] = frame["lat"] * 1.05
gate = {{"metrics": {{"roc_auc": {{"margin": 0.001}}}}, "cycle": None, "min_rows": 1000}}
shadow = ShadowComparison(frame, live="live", shadow="shadow", label="y", time="ts", window="7D",
                          by="segment", latency={{"live": "lat", "shadow": "slat"}}, gate=gate,
                          n_bootstrap=50)
shadow
"""


def open_view(lab, page, name):
    lab.write_notebook(name, cells=[SETUP])
    lab.open_notebook(page, name)
    lab.run_all(page)
    return lab.wait_for(page, SHADOW, timeout=90_000)


def test_draws_the_verdict_forest_and_panels_with_data_as_text(lab, page):
    widget = open_view(lab, page, "shadow_draw.ipynb")
    decision = lab.run_probe(page, "print(shadow.decision)")
    expect(widget.locator(".mlmon-verdict")).to_have_attribute("data-decision", decision)
    reasons = json.loads(lab.run_probe(page, "print(json.dumps(shadow.verdict.reasons))"))
    expect(widget.locator(".mlmon-verdict-reason")).to_have_count(len(reasons))
    assert widget.locator(".mlmon-verdict-reason").first.text_content() == reasons[0]
    block = widget.locator(".mlmon-forest-block[data-metric='roc_auc']")
    rows = block.locator("g.mlmon-forest-row")
    expect(rows).to_have_count(3)  # overall and the two segments
    labels = [rows.nth(i).get_attribute("data-segment") for i in range(3)]
    shown = [rows.nth(i).locator("text.mlmon-forest-label").text_content() for i in range(3)]
    assert labels[0] == "overall" and f"segment = {XSS}" in labels
    assert shown[labels.index(f"segment = {XSS}")].startswith("segment = <img src=x")
    assert widget.locator("img").count() == 0  # the segment named like markup stays text
    findings = json.loads(
        lab.run_probe(
            page,
            "f = shadow.verdict.findings\n"
            "print(json.dumps(f[f.metric == 'roc_auc'].finding.tolist()))",
        )
    )
    assert [rows.nth(i).get_attribute("data-finding") for i in range(3)] == findings
    expect(widget.locator(".mlmon-over-time-plot g.mlmon-window")).to_have_count(
        int(lab.run_probe(page, "print(len(shadow.columns_of('windows')['window']))"))
    )
    expect(widget.locator(".mlmon-latency-plot rect.mlmon-ref").first).to_be_attached()
    assert widget.locator(".mlmon-score-hist rect.mlmon-hist-cell").count() > 50
    rows.nth(0).locator("circle.mlmon-point").hover()
    expect(widget.locator(".mlmon-tooltip")).to_contain_text("difference")


def test_dragging_the_margin_sets_the_gate_and_the_verdict_follows(lab, page):
    widget = open_view(lab, page, "shadow_drag.ipynb")
    # Slightly worse overall: beyond a margin of 0.001, so rejected.
    assert lab.run_probe(page, "print(shadow.decision)") == "reject"
    expect(widget.locator(".mlmon-verdict")).to_have_attribute("data-decision", "reject")
    handle = widget.locator(".mlmon-forest-block[data-metric='roc_auc'] line.mlmon-margin-hit")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    plot = widget.locator(".mlmon-forest-block[data-metric='roc_auc'] svg").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(plot["x"] + 192, y, steps=8)  # to the left edge of the plot: a wide margin
    page.mouse.up()
    lab.wait_for_probe(page, "print(shadow.gate['metrics']['roc_auc']['margin'] > 0.005)", "True")
    lab.wait_for_probe(page, "print(shadow.decision)", "promote")
    expect(widget.locator(".mlmon-verdict")).to_have_attribute("data-decision", "promote")
    margin = float(lab.run_probe(page, "print(shadow.gate['metrics']['roc_auc']['margin'])"))
    shown = widget.locator(".mlmon-forest-block[data-metric='roc_auc'] input.mlmon-margin-input")
    assert float(shown.input_value()) == pytest.approx(margin)
    # Typed: a margin back to 0.001 rejects again; the verdict follows in the page.
    shown.fill("0.001")
    shown.press("Enter")
    lab.wait_for_probe(page, "print(shadow.decision)", "reject")
    expect(widget.locator(".mlmon-verdict")).to_have_attribute("data-decision", "reject")
    # A critical segment ticked in the plot lands in the gate.
    block = widget.locator(".mlmon-forest-block[data-metric='roc_auc']")
    first = block.locator("g.mlmon-forest-row").nth(1).get_attribute("data-segment")
    block.locator("rect.mlmon-critical-box").first.click()
    value = first.removeprefix("segment = ")
    probe = "print(json.dumps(shadow.gate['critical_segments'].get('segment', [])))"
    lab.wait_for_probe(page, probe, json.dumps([value]))
    critical = block.locator("rect.mlmon-critical-box").first
    expect(critical).to_have_attribute("data-critical", "1")


def test_selecting_the_disagreement_region_returns_the_rows(lab, page):
    widget = open_view(lab, page, "shadow_region.ipynb")
    hist = widget.locator(".mlmon-score-hist")
    hist.scroll_into_view_if_needed()
    box = hist.bounding_box()
    scale = box["width"] / 280  # the plot's viewBox is 280 wide (30 of axis, 240 of cells)
    x0, y0 = box["x"] + (30 + 150) * scale, box["y"] + 20 * scale
    x1, y1 = box["x"] + (30 + 235) * scale, box["y"] + 120 * scale
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=6)
    page.mouse.up()
    lab.wait_for_probe(
        page, "print(shadow.region is not None and shadow.selected_count > 0)", "True"
    )
    state = json.loads(
        lab.run_probe(
            page,
            "from mlmon_widgets.engine import rows_in_region\n"
            "r = shadow.region\n"
            "mine = rows_in_region(frame, live='live', shadow='shadow',\n"
            "                      live_range=r['live'], shadow_range=r['shadow'])\n"
            "print(json.dumps([len(shadow.selected_rows), len(mine), r['live'], r['shadow']]))",
        )
    )
    assert state[0] == state[1] > 0
    assert 0.5 < state[2][0] < state[2][1] and 0.4 < state[3][0] < state[3][1] <= 1.0
    expect(widget.locator(".mlmon-selected-count")).to_contain_text(f"{state[0]} rows selected")
