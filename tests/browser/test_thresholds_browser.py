"""Thresholds set by hand in the heatmap: the view recolours and the kernel gets the rule."""

from __future__ import annotations

import json

import pytest

from .lab import expect
from .test_heatmap_browser import SEVERITY_RGB, cell_rgb, open_heatmap

pytestmark = pytest.mark.browser


def test_editing_a_threshold_recolours_and_updates_the_backtest(lab, page):
    widget = open_heatmap(lab, page, "thresholds_edit.ipynb")
    rows = json.loads(
        lab.run_probe(page, "print(json.dumps(heatmap.columns_of('features')['name']))")
    )
    row = rows.index("jumps")
    assert cell_rgb(page, widget, row, 5) == SEVERITY_RGB["critical"]
    before = int(widget.locator(".mlmon-backtest").get_attribute("data-critical"))
    lab.run_probe(page, "heatmap.selected = {'feature': 'jumps', 'window': 5}; print('ok')")
    editor = widget.locator(".mlmon-detail[data-feature='jumps'] .mlmon-rule")
    expect(editor).to_be_visible(timeout=20_000)
    editor.locator("select.mlmon-rule-metric").select_option("psi")
    lab.wait_for_probe(page, "print(heatmap.thresholds['jumps']['metric'])", "psi")
    editor = widget.locator(".mlmon-detail[data-feature='jumps'] .mlmon-rule")  # redrawn
    editor.locator("input.mlmon-rule-critical").fill("100")
    editor.locator("input.mlmon-rule-critical").press("Enter")
    lab.wait_for_probe(page, "print(heatmap.thresholds['jumps']['critical'])", "100.0")
    editor = widget.locator(".mlmon-detail[data-feature='jumps'] .mlmon-rule")
    editor.locator("input.mlmon-rule-warning").fill("50")
    editor.locator("input.mlmon-rule-warning").press("Enter")
    expect(widget.locator(".mlmon-backtest")).not_to_have_attribute(
        "data-critical", str(before), timeout=20_000
    )
    page.wait_for_function(
        "el => el.dataset.patches && Number(el.dataset.patches) >= 1",
        arg=widget.element_handle(),
    )
    rule = lab.run_probe(page, "print(json.dumps(heatmap.thresholds['jumps']))")
    assert json.loads(rule) == {"metric": "psi", "warning": 50.0, "critical": 100.0}
    assert cell_rgb(page, widget, row, 5) == SEVERITY_RGB["ok"]
    assert int(widget.locator(".mlmon-backtest").get_attribute("data-critical")) < before
    exported = lab.run_probe(
        page, "print(heatmap.to_config(model='m').to_dict()['rules']['jumps'])"
    )
    assert exported == "{'metric': 'psi', 'warning': 50.0, 'critical': 100.0}"


def test_dragging_a_threshold_line_sets_the_rule(lab, page):
    widget = open_heatmap(lab, page, "thresholds_drag.ipynb")
    lab.run_probe(page, "heatmap.selected = {'feature': 'steady', 'window': 3}; print('ok')")
    chart = widget.locator(".mlmon-detail[data-feature='steady'] svg.mlmon-metric-chart")
    expect(chart).to_be_visible(timeout=20_000)
    assert chart.get_attribute("data-metric") == "wasserstein"
    handle = chart.locator("[data-handle='critical']")
    chart.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 20, steps=5)
    page.mouse.up()
    lab.wait_for_probe(
        page,
        "r = heatmap.thresholds.get('steady'); print(r and r['metric'])",
        "wasserstein",
    )
    rule = json.loads(lab.run_probe(page, "print(json.dumps(heatmap.thresholds['steady']))"))
    assert rule["critical"] > 0.25 and rule["warning"] == pytest.approx(0.1, rel=1e-3)


def test_global_controls_and_suggestions(lab, page):
    widget = open_heatmap(lab, page, "thresholds_global.ipynb")
    widget.locator("select.mlmon-correction").select_option("bonferroni")
    lab.wait_for_probe(page, "print(heatmap.correction)", "bonferroni")
    widget.locator("input.mlmon-alpha").fill("0.001")
    widget.locator("input.mlmon-alpha").press("Enter")
    lab.wait_for_probe(page, "print(heatmap.alpha)", "0.001")
    widget.locator("button.mlmon-suggest-all").click()
    lab.wait_for_probe(
        page,
        "print(sorted(heatmap.thresholds))",
        str(sorted(["steady", "jumps", "drifts", "<img src=x onerror=alert(1)>"])),
    )
