"""A heatmap saved with save_html renders from a file, offline, without Jupyter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlmon_widgets.widgets import DriftHeatmap

from .lab import expect

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def test_saved_html_renders_from_a_file(page, page_guard, tmp_path):
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(size=3000), XSS: rng.choice(list("ab"), 3000)})
    ts = pd.date_range("2024-01-01", periods=3000, freq="h")
    prod = pd.DataFrame({"ts": ts, "x": rng.normal(size=3000), XSS: rng.choice(list("ab"), 3000)})
    prod.loc[prod["ts"] >= "2024-03-01", "x"] += 1
    heatmap = DriftHeatmap(ref, prod, time="ts", window="7D")
    heatmap.selected = {"feature": "x", "window": 10}
    path = heatmap.save_html(tmp_path / "finding.html", title="x shifted in March")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    widget = page.locator(".mlmon-heatmap[data-ready='1']")
    expect(widget).to_have_attribute("data-rows", "2", timeout=30_000)
    expect(widget).to_have_attribute("data-cols", str(len(heatmap.columns_of("windows")["label"])))
    expect(page).to_have_title("x shifted in March")
    expect(page.locator("h1#mlmon-title")).to_have_text(
        "x shifted in March"
    )  # shown, not only in the tab
    detail = widget.locator(".mlmon-detail[data-feature='x']")
    expect(detail.locator("svg.mlmon-chart")).to_have_count(3)
    expect(widget.locator(".mlmon-rowlabel").filter(has_text=XSS)).to_have_count(1)
    # The page is interactive: another metric recolours, a filter hides rows.
    widget.locator("select.mlmon-metric").select_option("psi")
    expect(widget.locator(".mlmon-gradient")).to_have_count(1)
    widget.locator("input.mlmon-filter").fill("onerror")
    expect(widget).to_have_attribute("data-rows", "1")
    assert widget.locator("img").count() == 0 and dialogs == []
    assert page_guard.foreign_requests == []


def test_saved_control_chart_renders_from_a_file_with_its_reasons(page, page_guard, tmp_path):
    from mlmon_widgets.widgets import ControlChart

    from ..performance_data import predictions

    data = predictions()
    chart = ControlChart(
        data,
        label="label",
        score="score",
        time="ts",
        window="1D",
        metrics=["accuracy"],
        segment="segment",
        n_bootstrap=0,
    )
    title = "accuracy <b>dropped</b> on day 42"  # a title is text, never markup
    path = chart.save_html(tmp_path / "accuracy.html", title=title)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    widget = page.locator(".mlmon-control[data-ready='1']")
    expect(widget).to_have_attribute("data-panels", "1", timeout=30_000)
    expect(page).to_have_title(title)
    expect(page.locator("h1#mlmon-title")).to_have_text(title)
    assert page.locator("h1#mlmon-title b").count() == 0
    critical = [i for i, s in enumerate(chart.points("accuracy")["severity"]) if s == "critical"]
    point = widget.locator(f"circle[data-window='{critical[-1]}']")
    expect(point).to_have_attribute("data-severity", "critical")
    point.hover()
    expect(widget.locator(".mlmon-tooltip")).to_contain_text("below the lower control limit")
    expect(widget.locator("select.mlmon-segment option").filter(has_text=XSS)).to_have_count(1)
    assert widget.locator("img").count() == 0 and dialogs == []
    assert page_guard.foreign_requests == []
