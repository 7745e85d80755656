"""DriftHeatmap in JupyterLab with Debian's Chromium: drawn, clicked, appended, safe."""

from __future__ import annotations

import json
import pathlib

import nbformat
import pytest

from .lab import NOTEBOOK, expect

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEATMAP = f"{NOTEBOOK} .mlmon-heatmap[data-ready='1']"
SEVERITY_RGB = {
    "ok": (0x88, 0xCC, 0xEE),
    "warning": (0xDD, 0xAA, 0x33),
    "critical": (0xBB, 0x55, 0x66),
}
XSS = "<img src=x onerror=alert(1)>"
ROWS = "print(json.dumps(heatmap.columns_of('features')['name']))"

SETUP = f"""
import numpy as np, pandas as pd, json
from mlmon_widgets.widgets import DriftHeatmap
rng = np.random.default_rng(7)
n = 4000
def frame(rows):
    numbers = {{name: rng.normal(size=rows) for name in ("steady", "jumps", "drifts")}}
    return pd.DataFrame({{**numbers, {XSS!r}: rng.choice(list("abc"), rows)}})
ref = frame(n)
ts = pd.date_range("2024-01-01", periods=12 * 600, freq="144s")
prod = frame(len(ts))
prod.insert(0, "ts", ts)
day = (prod["ts"] - prod["ts"][0]).dt.days
prod.loc[day == 5, "jumps"] += 3.0
prod["drifts"] += 0.05 * day
heatmap = DriftHeatmap(ref, prod[day < 10], time="ts", window="1D")
heatmap
"""


def cell_rgb(page, widget, row: int, col: int) -> tuple[int, int, int]:
    """Colour at the centre of a cell of the heatmap canvas (row in display order)."""
    return tuple(
        widget.evaluate(
            """(root, [row, col]) => {
              const canvas = root.querySelector("canvas.mlmon-cells");
              const cw = Number(root.dataset.cellWidth);
              const ratio = canvas.width / canvas.clientWidth;
              const x = Math.floor((col * cw + cw / 2) * ratio);
              const y = Math.floor((row * 16 + 8) * ratio);
              return Array.from(canvas.getContext("2d").getImageData(x, y, 1, 1).data.slice(0, 3));
            }""",
            [row, col],
        )
    )


def open_heatmap(lab, page, name: str):
    lab.write_notebook(name, cells=[SETUP])
    lab.open_notebook(page, name)
    lab.run_all(page)
    return lab.wait_for(page, HEATMAP, timeout=60_000)


def test_draws_every_cell_in_its_severity_colour(lab, page):
    widget = open_heatmap(lab, page, "heatmap_colours.ipynb")
    expect(widget).to_have_attribute("data-rows", "4")
    expect(widget).to_have_attribute("data-cols", "10")
    state = json.loads(
        lab.run_probe(
            page,
            "t = heatmap.table; rows = heatmap.columns_of('features')['name']; "
            "print(json.dumps({'rows': rows, 'cells': "
            "[[str(s) for s in t[t.feature == f].sort_values('window').severity] "
            "for f in rows]}))",
        )
    )
    assert state["rows"][0] in ("jumps", "drifts")
    severities = {s for row in state["cells"] for s in row}
    assert {"ok", "critical"} <= severities
    for r, row in enumerate(state["cells"]):
        for c, severity in enumerate(row):
            if severity in SEVERITY_RGB:
                assert cell_rgb(page, widget, r, c) == SEVERITY_RGB[severity], (r, c, severity)
    legend = widget.locator(".mlmon-legend-item")
    expect(legend).to_have_count(5)


def test_click_opens_the_detail_and_the_selection_reaches_the_kernel(lab, page):
    widget = open_heatmap(lab, page, "heatmap_click.ipynb")
    rows = json.loads(lab.run_probe(page, ROWS))
    row = rows.index("jumps")
    cw = float(widget.get_attribute("data-cell-width"))
    overlay = widget.locator("canvas.mlmon-overlay")
    overlay.click(position={"x": 5 * cw + cw / 2, "y": row * 16 + 8})
    detail = widget.locator(".mlmon-detail[data-feature='jumps']")
    expect(detail).to_be_visible(timeout=20_000)
    expect(detail.locator(".mlmon-badge")).to_have_text("critical")
    expect(detail.locator("svg.mlmon-chart")).to_have_count(3)
    expect(detail.locator("line.mlmon-gap")).to_have_count(1)
    selected = lab.run_probe(page, "print(heatmap.selected['feature'], heatmap.selected['window'])")
    assert selected == "jumps 5"
    # Keyboard: focus the grid, move right, Enter selects the next window.
    widget.locator(".mlmon-scroll").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(widget.locator(".mlmon-detail[data-window='6']")).to_be_visible(timeout=20_000)
    assert lab.run_probe(page, "print(heatmap.selected['window'])") == "6"


def test_append_adds_a_column_without_redrawing_the_widget(lab, page):
    widget = open_heatmap(lab, page, "heatmap_append.ipynb")
    widget.evaluate("root => { root.__token = 'first-render'; }")
    expect(widget).to_have_attribute("data-renders", "1")
    lab.run_probe(page, "heatmap.append(prod[(day >= 10) & (day < 11)]); print('ok')")
    expect(widget).to_have_attribute("data-patches", "1", timeout=20_000)
    expect(widget).to_have_attribute("data-cols", "11")
    assert widget.evaluate("root => root.__token") == "first-render"
    expect(widget).to_have_attribute("data-renders", "1")
    rows = json.loads(lab.run_probe(page, ROWS))
    newest = lab.run_probe(
        page,
        "t = heatmap.table; print(t[(t.window == 10) & (t.feature == 'steady')].severity.iloc[0])",
    )
    assert cell_rgb(page, widget, rows.index("steady"), 10) == SEVERITY_RGB[newest]


def test_after_an_append_a_click_sends_only_the_selection(lab, page):
    # The patched cells are kept in the page's model; they must not travel back to the
    # kernel (1.3 MB at 200 features x 365 days) with the next edit.
    widget = open_heatmap(lab, page, "heatmap_echo.ipynb")
    lab.record_edits(page, "heatmap")
    lab.run_probe(page, "heatmap.append(prod[(day >= 10) & (day < 11)]); print('ok')")
    expect(widget).to_have_attribute("data-patches", "1", timeout=20_000)
    widget.locator(".mlmon-rowlabel").first.click()
    lab.wait_for_probe(page, "print(heatmap.selected is not None)", "True")
    assert lab.recorded_edits(page, "heatmap") == [["selected"]]


def test_feature_names_are_text_not_html(lab, page, page_guard):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    widget = open_heatmap(lab, page, "heatmap_xss.ipynb")
    labels = widget.locator(".mlmon-rowlabel")
    expect(labels.filter(has_text=XSS)).to_have_count(1)
    assert widget.locator("img").count() == 0
    lab.run_probe(page, f"heatmap.selected = {{'feature': {XSS!r}, 'window': 0}}; print('ok')")
    expect(widget.locator(".mlmon-detail-title strong")).to_have_text(XSS, timeout=20_000)
    assert widget.locator("img").count() == 0
    assert dialogs == []


def test_quickstart_notebook_runs_in_jupyterlab(lab, page):
    source = nbformat.read(ROOT / "notebooks" / "01_quickstart.ipynb", as_version=4)
    cells = [c.source for c in source.cells if c.cell_type == "code"]
    lab.write_notebook("quickstart.ipynb", cells=cells)
    lab.open_notebook(page, "quickstart.ipynb")
    lab.run_all(page)
    heatmaps = page.locator(HEATMAP)
    expect(heatmaps).to_have_count(3, timeout=90_000)
    from mlmon_widgets.datasets import load_demo

    features = len(load_demo().production.columns) - 3  # the id, time and version columns are not
    expect(heatmaps.first).to_have_attribute("data-rows", str(features))
    expect(heatmaps.first).to_have_attribute("data-cols", "90")
    expect(heatmaps.first.locator(".mlmon-detail[data-feature='income']")).to_be_visible()
    # The weekly feature is offered a comparison by weekday; the second view has taken it.
    offers = heatmaps.first.locator(".mlmon-season-offers")
    expect(offers).to_contain_text("card_spend_7d looks weekly: compare by weekday?")
    expect(heatmaps.nth(1).locator(".mlmon-season-offers")).to_have_attribute("data-offers", "0")
    expect(heatmaps.nth(2)).to_have_attribute("data-patches", "1", timeout=30_000)
    chart = page.locator(f"{NOTEBOOK} .mlmon-control[data-ready='1']")
    expect(chart).to_have_attribute("data-panels", "3", timeout=30_000)
    expect(chart).to_have_attribute("data-windows", "90")
    assert chart.locator("rect.mlmon-pending").count() > 0  # the latest labels are pending


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_follows_the_jupyterlab_dark_theme(lab, page):
    widget = open_heatmap(lab, page, "heatmap_theme.ipynb")
    colours = "root => [getComputedStyle(root).backgroundColor, getComputedStyle(root).color]"
    light_bg, light_fg = widget.evaluate(colours)
    assert _luminance(light_bg) > 0.8 and _luminance(light_fg) < 0.4
    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: 'JupyterLab Dark'})"
    )
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    page.wait_for_timeout(500)
    dark_bg, dark_fg = widget.evaluate(colours)
    assert _luminance(dark_bg) < 0.3 and _luminance(dark_fg) > 0.6, (dark_bg, dark_fg)
    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: 'JupyterLab Light'})"
    )
