"""Time DriftHeatmap in JupyterLab with Debian's Chromium (used by widget_bench --browser).

Reuses the browser-test stack (tests/browser/lab.py): JupyterLab on 127.0.0.1, the
network guard, Playwright driving Debian's chromium.
"""

from __future__ import annotations

import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.lab import (  # noqa: E402
    PageGuard,
    launch_browser,
    new_context,
    require_browser_stack,
    start_lab,
)

SETUP = """
import sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {bench!r})
from widget_bench import make_data
from mlmon_widgets.widgets import DriftHeatmap
reference, production, later = make_data({features}, {days}, {rows})
heatmap = DriftHeatmap(reference, production, time="ts", window="1D")
"""


def time_in_browser(features: int, days: int, rows: int) -> tuple[float, float, float, float]:
    """(first paint s, front-end render ms, append-to-updated s, front-end patch ms)."""
    from playwright.sync_api import sync_playwright

    executable = require_browser_stack()
    with tempfile.TemporaryDirectory() as workdir, sync_playwright() as playwright:
        lab = start_lab(pathlib.Path(workdir), pathlib.Path(workdir) / "lab.log")
        try:
            browser = launch_browser(playwright, executable)
            page = new_context(browser, PageGuard()).new_page()
            setup = SETUP.format(
                bench=str(ROOT / "benchmarks"), features=features, days=days, rows=rows
            )
            lab.write_notebook("bench.ipynb", cells=["heatmap"])
            lab.open_notebook(page, "bench.ipynb")
            lab.run_probe(page, setup + "\nprint('built')", timeout=600_000)
            start = time.perf_counter()
            lab.run_all(page)
            widget = lab.wait_for(page, ".mlmon-heatmap[data-ready='1']", timeout=120_000)
            paint = time.perf_counter() - start
            render_ms = float(widget.get_attribute("data-render-ms"))
            start = time.perf_counter()
            lab.run_probe(page, f"heatmap.append(later.iloc[:{rows}]); print('appended')")
            page.wait_for_function(
                "el => el.dataset.patches === '1'", arg=widget.element_handle(), timeout=60_000
            )
            update = time.perf_counter() - start
            patch_ms = float(widget.get_attribute("data-patch-ms"))
            browser.close()
        finally:
            lab.stop()
    return paint, render_ms, update, patch_ms
