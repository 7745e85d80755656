"""ControlChart in JupyterLab with Debian's Chromium: drawn, hovered, dragged, appended."""

from __future__ import annotations

import json

import pytest

from ..performance_data import SOURCE
from .lab import NOTEBOOK, expect

pytestmark = pytest.mark.browser

CHART = f"{NOTEBOOK} .mlmon-control[data-ready='1']"
SETUP = (
    SOURCE
    + """
import json
from mlmon_widgets.widgets import ControlChart
data = predictions()
early = data[data.ts < "2024-04-25"]
chart = ControlChart(early, label="label", score="score", time="ts", window="1D",
                     latency="latency", metrics=["accuracy", "latency_p95"], segment="segment",
                     n_bootstrap=0)
chart
"""
)


def open_chart(lab, page, name: str):
    lab.write_notebook(name, cells=[SETUP])
    lab.open_notebook(page, name)
    lab.run_all(page)
    return lab.wait_for(page, CHART, timeout=60_000)


def panel(widget, metric: str):
    return widget.locator(f".mlmon-panel[data-metric='{metric}']")


def test_draws_points_limits_pending_windows_and_reasons_on_hover(lab, page):
    widget = open_chart(lab, page, "control_draw.ipynb")
    expect(widget).to_have_attribute("data-panels", "2")
    state = json.loads(
        lab.run_probe(
            page,
            "t = chart.points('accuracy'); print(json.dumps({'severity': t.severity.tolist(), "
            "'status': t.status.tolist(), 'drawn': int(t.value.notna().sum()), "
            "'changes': chart._changes['points']}))",
        )
    )
    accuracy = panel(widget, "accuracy")
    expect(accuracy.locator("circle.mlmon-point")).to_have_count(state["drawn"])
    pending = sum(s == "pending" for s in state["status"])
    assert pending >= 1
    expect(accuracy.locator("rect.mlmon-pending")).to_have_count(pending)
    for name in ("lower_warning", "lower_critical"):
        expect(accuracy.locator(f"path[data-limit='{name}']")).to_have_count(1)
    expect(accuracy.locator("path[data-limit='upper_critical']")).to_have_count(0)
    critical = [i for i, s in enumerate(state["severity"]) if s == "critical"]
    assert critical and max(critical) >= 42
    point = accuracy.locator(f"circle[data-window='{max(critical)}']")
    expect(point).to_have_attribute("data-severity", "critical")
    fill = point.evaluate("c => getComputedStyle(c).fill")
    assert fill == "rgb(187, 85, 102)"
    point.hover()
    tooltip = widget.locator(".mlmon-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("below the lower control limit")
    expect(tooltip).to_contain_text("label coverage")
    assert state["changes"], "ADWIN finds the degradation"
    change = accuracy.locator(f"line[data-change='{state['changes'][0]['window']}']")
    change.hover(position={"x": 1, "y": 4}, force=True)  # its top end, clear of the points
    expect(tooltip).to_contain_text("ADWIN(delta=0.002) detected a change")
    violation = accuracy.locator("path.mlmon-violation").first
    violation.hover(force=True)
    expect(tooltip).to_contain_text("Nelson rule")


def test_dragging_a_limit_sets_the_rule_in_python_and_recounts(lab, page):
    widget = open_chart(lab, page, "control_drag.ipynb")
    before = json.loads(lab.run_probe(page, "print(json.dumps(chart.rules['accuracy']))"))
    accuracy = panel(widget, "accuracy")
    count = accuracy.locator(".mlmon-backtest")
    critical_before = int(count.get_attribute("data-critical"))
    handle = accuracy.locator("path[data-handle='lower_critical']")
    handle.scroll_into_view_if_needed()
    box = accuracy.locator("svg").bounding_box()
    line = accuracy.locator("path[data-limit='lower_critical']").bounding_box()
    x, y = box["x"] + 120, line["y"] + line["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 60, steps=6)
    page.mouse.up()
    lab.wait_for_probe(
        page,
        f"print(chart.rules['accuracy']['critical'] > {before['critical']})",
        "True",
    )
    after = json.loads(lab.run_probe(page, "print(json.dumps(chart.rules['accuracy']))"))
    assert after["centre"] == before["centre"] and after["sigma"] == before["sigma"]
    expect(count).not_to_have_attribute("data-critical", str(critical_before), timeout=20_000)
    assert int(count.get_attribute("data-critical")) < critical_before
    exported = lab.run_probe(
        page, "print(chart.performance_section()['rules']['accuracy']['critical'])"
    )
    assert float(exported) == pytest.approx(after["critical"])
    # Typed in the rule editor: the warning limit in sigma.
    field = accuracy.locator("input[data-level='warning']")
    field.fill("1.5")
    field.press("Enter")
    lab.wait_for_probe(page, "print(chart.rules['accuracy']['warning'])", "1.5")
    # The relative check beside the limits: more than 4% below the value 7 windows ago.
    accuracy.locator("input[data-relative='on']").check()
    lab.wait_for_probe(
        page,
        "print(chart.rules['accuracy'].get('relative'))",
        "{'lag': 7, 'warning': 0.05, 'critical': 0.1}",
    )
    field = accuracy.locator("input[data-relative='warning']")
    field.fill("4")
    field.press("Enter")
    lab.wait_for_probe(page, "print(chart.rules['accuracy']['relative']['warning'])", "0.04")


def test_detector_segment_and_metric_controls_reach_the_kernel(lab, page):
    widget = open_chart(lab, page, "control_controls.ipynb")
    note = widget.locator(".mlmon-detector-note")
    expect(note).to_contain_text("change point")
    widget.locator("input.mlmon-param[data-param='delta']").fill("0.5")
    widget.locator("input.mlmon-param[data-param='delta']").press("Enter")
    lab.wait_for_probe(page, "print(chart.detector)", "{'kind': 'adwin', 'delta': 0.5}")
    widget.locator("select.mlmon-detector-kind").select_option("page_hinkley")
    lab.wait_for_probe(page, "print(chart.detector['kind'])", "page_hinkley")
    expect(widget.locator("input.mlmon-param[data-param='threshold']")).to_be_visible()
    segment = widget.locator("select.mlmon-segment")
    xss = "<img src=x onerror=alert(1)>"
    expect(segment.locator("option", has_text=xss)).to_have_count(1)
    assert widget.locator("img").count() == 0
    segment.select_option(xss)
    lab.wait_for_probe(page, "print(chart.segment)", xss)
    widget.locator("details.mlmon-more summary").click()
    widget.locator("input[data-metric='roc_auc']").check()
    lab.wait_for_probe(page, "print(chart.metrics)", "['accuracy', 'latency_p95', 'roc_auc']")
    expect(widget).to_have_attribute("data-panels", "3")


def test_append_patches_the_view_without_reloading(lab, page):
    widget = open_chart(lab, page, "control_append.ipynb")
    windows = int(widget.get_attribute("data-windows"))
    lab.run_probe(page, "chart.append(data[data.ts >= '2024-04-25']); print('ok')")
    expect(widget).to_have_attribute("data-patches", "1", timeout=20_000)
    expect(widget).to_have_attribute("data-windows", str(windows + 5))
    expect(widget).to_have_attribute("data-loads", "1")
    accuracy = panel(widget, "accuracy")
    probe = "print((chart.points('accuracy').status == 'pending').sum())"
    total = int(lab.run_probe(page, probe))
    assert total >= 6
    expect(accuracy.locator("rect.mlmon-pending")).to_have_count(total)


def test_after_an_append_a_segment_switch_keeps_the_new_windows(lab, page):
    widget = open_chart(lab, page, "control_append_segment.ipynb")
    lab.record_edits(page, "chart")
    lab.run_probe(page, "chart.append(data[data.ts >= '2024-04-25']); print('ok')")
    expect(widget).to_have_attribute("data-patches", "1", timeout=20_000)
    widget.locator("select.mlmon-segment").select_option("online")
    lab.wait_for_probe(page, "print(chart.segment)", "online")
    # The patched panels stay in the page's model, not sent back with the next edit.
    assert lab.recorded_edits(page, "chart") == [["segment"]]
    expect(widget).to_have_attribute("data-windows", "60", timeout=20_000)
    accuracy = panel(widget, "accuracy")
    last = int(
        lab.run_probe(
            page,
            "v = chart.points('accuracy').value.to_numpy(); "
            "print(max(i for i, x in enumerate(v) if x == x))",
        )
    )
    accuracy.locator(f"circle[data-window='{last}']").hover()
    tooltip = widget.locator(".mlmon-tooltip")
    label = lab.run_probe(page, f"print(chart.columns_of('windows')['label'][{last}])")
    expect(tooltip).to_contain_text(f"{label} · accuracy")
    expect(accuracy.locator("text.mlmon-tick", has_text="2024-04-29")).to_have_count(1)
