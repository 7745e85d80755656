"""What a person sees: tooltips inside the output, round ticks, a one-line toolbar, readable
labels and notes, saved state that follows live updates, callbacks that print in the notebook.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from .lab import NOTEBOOK, expect
from .test_control_chart_browser import open_chart, panel
from .test_heatmap_browser import ROOT, open_heatmap

pytestmark = pytest.mark.browser

_INSIDE_JS = """(tip) => {
  const area = tip.closest('.jp-OutputArea-output') || tip.parentElement;
  const a = area.getBoundingClientRect();
  const t = tip.getBoundingClientRect();
  return {inside: t.left >= a.left - 0.5 && t.right <= a.right + 0.5 && t.width > 0,
          tip: [t.left, t.right], area: [a.left, a.right]};
}"""


def _round(value: float) -> bool:
    """A multiple of 1, 2, 2.5 or 5 times a power of ten (0.75 yes, 0.766 no)."""
    if value == 0:
        return True
    for k in range(-6, 7):
        for step in (1, 2, 2.5, 5):
            ratio = value / (step * 10.0**k)
            if abs(ratio - round(ratio)) < 1e-6 and abs(round(ratio)) <= 20:
                return True
    return False


def test_tooltips_stay_inside_the_output_area_at_the_edges(lab, page):
    page.set_viewport_size({"width": 1000, "height": 900})
    widget = open_heatmap(lab, page, "polish_tooltip.ipynb")
    overlay = widget.locator("canvas.mlmon-overlay")
    box = overlay.bounding_box()
    cols = int(widget.get_attribute("data-cols"))
    cw = float(widget.get_attribute("data-cell-width"))
    overlay.hover(position={"x": cols * cw - cw / 2, "y": 8})  # the last window, far right
    tip = widget.locator(".mlmon-tooltip")
    expect(tip).to_be_visible()
    where = tip.evaluate(_INSIDE_JS)
    assert where["inside"], where
    assert box["x"] + cols * cw - cw / 2 > where["tip"][1] - 1  # flipped to the pointer's left


def test_control_chart_tooltip_toolbar_ticks_and_notes(lab, page):
    page.set_viewport_size({"width": 1000, "height": 900})
    widget = open_chart(lab, page, "polish_chart.ipynb")
    accuracy = panel(widget, "accuracy")
    points = accuracy.locator("circle.mlmon-point")
    points.last.hover()
    tip = widget.locator(".mlmon-tooltip")
    expect(tip).to_be_visible()
    assert tip.evaluate(_INSIDE_JS)["inside"]
    # The toolbar is one line at 1,000 px: every control sits on the same row.
    tops = widget.locator(".mlmon-toolbar > *").evaluate_all(
        "nodes => nodes.map(n => Math.round(n.getBoundingClientRect().top))"
    )
    heights = widget.locator(".mlmon-toolbar").evaluate("n => n.getBoundingClientRect().height")
    assert max(tops) - min(tops) <= 6 and heights < 40, (tops, heights)
    # Axis ticks at round values.
    ticks = [
        float(v)
        for v in accuracy.locator("text.mlmon-tick[data-tick]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.tick)"
        )
    ]
    assert len(ticks) >= 3 and all(_round(t) for t in ticks), ticks
    labels = accuracy.locator("text.mlmon-tick[data-tick]").all_text_contents()
    assert all(len(label) <= 6 for label in labels), labels
    # Notes read as text: dates, not a Python list.
    notes = " ".join(widget.locator(".mlmon-note").all_inner_texts())
    assert "['" not in notes and "Timestamp(" not in notes


BINS = """
import numpy as np, pandas as pd
from mlmon_widgets.widgets import DriftHeatmap
rng = np.random.default_rng(1)
big = DriftHeatmap(pd.DataFrame({"income": rng.lognormal(10, 1, 4000)}),
                   pd.DataFrame({"income": rng.lognormal(10.2, 1, 500)}), rows=500)
big.selected = {"feature": "income", "window": 0}
big
"""


def test_bin_labels_are_short_readable_numbers(lab, page):
    lab.write_notebook("polish_bins.ipynb", cells=[BINS])
    lab.open_notebook(page, "polish_bins.ipynb")
    lab.run_all(page)
    widget = lab.wait_for(page, f"{NOTEBOOK} .mlmon-heatmap[data-ready='1']")
    bins = widget.locator(".mlmon-detail text.mlmon-bin")
    expect(bins).to_have_count(10, timeout=20_000)
    shown = bins.evaluate_all("nodes => nodes.map(n => n.firstChild.textContent)")
    for label in shown:
        assert "e+" not in label and "…" not in label, label  # whole, no scientific notation
        assert re.fullmatch(r"(< |≥ )?-?[\d.]+[kMG]?(–-?[\d.]+[kMG]?)?", label), label
    assert any("k" in label for label in shown)  # incomes in thousands


def test_saved_widget_state_follows_a_live_append(lab, page):
    widget = open_heatmap(lab, page, "polish_saved.ipynb")
    lab.run_probe(page, "heatmap.append(prod[(day >= 10) & (day < 11)]); print('ok')")
    expect(widget).to_have_attribute("data-patches", "1", timeout=20_000)
    shapes = page.evaluate(
        """async () => {
          const panel = window.jupyterapp.shell.currentWidget;
          const stack = [panel];
          let manager = null;
          while (stack.length && !manager) {
            const w = stack.pop();
            if (w._manager && w._manager.promise) manager = await w._manager.promise;
            for (const child of w.children()) stack.push(child);
          }
          const saved = await manager.get_state({ drop_defaults: false });
          return Object.values(saved.state)
            .filter((m) => m.state._tables?.tables?.cells)
            .map((m) => m.state._tables.tables.cells.columns.severity.shape);
        }"""
    )
    assert shapes == [[11, 4]]  # what JupyterLab saves has the appended window


def test_the_quickstart_callback_prints_in_the_notebook(lab, page):
    source = nbformat.read(ROOT / "notebooks" / "01_quickstart.ipynb", as_version=4)
    cells = [c.source for c in source.cells if c.cell_type == "code"]
    lab.write_notebook("quickstart_print.ipynb", cells=cells)
    lab.open_notebook(page, "quickstart_print.ipynb")
    lab.run_all(page)
    first = page.locator(f"{NOTEBOOK} .mlmon-heatmap[data-ready='1']").first
    expect(first).to_be_visible(timeout=90_000)
    label = first.locator(".mlmon-rowlabel").nth(2)
    feature = label.text_content()
    label.click()
    lab.wait_for_probe(page, "print(heatmap.selected['feature'])", feature)
    printed = page.locator(f"{NOTEBOOK} .widget-output")
    expect(printed).to_contain_text(re.compile(rf"selected {re.escape(feature)} \d{{4}}-"))
