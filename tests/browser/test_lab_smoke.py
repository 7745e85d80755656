"""End-to-end proof of the browser-test stack: JupyterLab + chromium + guard + kernel probe."""

from __future__ import annotations

import pytest

from .lab import NOTEBOOK, expect

pytestmark = pytest.mark.browser

COUNTER_CELL = '''import anywidget
import traitlets


class Counter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.className = "smoke-counter";
      const draw = () => { button.textContent = `count: ${model.get("count")}`; };
      button.addEventListener("click", () => {
        model.set("count", model.get("count") + 1);
        model.save_changes();
      });
      model.on("change:count", draw);
      draw();
      el.appendChild(button);
      el.dataset.ready = "1";
    }
    export default { render };
    """
    count = traitlets.Int(0).tag(sync=True)


counter = Counter()
counter'''


def test_inline_anywidget_round_trips_clicks_to_the_kernel(lab, page):
    lab.write_notebook("smoke_counter.ipynb", cells=[COUNTER_CELL])
    lab.open_notebook(page, "smoke_counter.ipynb")
    lab.run_all(page)

    button = lab.wait_for(page, f'{NOTEBOOK} [data-ready="1"] button.smoke-counter')
    expect(button).to_have_text("count: 0")
    button.click()
    button.click()
    expect(button).to_have_text("count: 2")

    assert lab.run_probe(page, "print(counter.count)") == "2"
    # Two clicks in one task: ipywidgets sends the first update and buffers the second until
    # the kernel answers; run_probe must not overtake it.
    button.evaluate("b => { b.click(); b.click(); }")
    assert lab.run_probe(page, "print(counter.count)") == "4"


def test_network_guard_blocks_and_records_foreign_requests(lab, page, page_guard):
    # Any page of the context is guarded. (A second page: Chromium's error page for the aborted
    # navigation commits late and would interrupt the next navigation of the same page.)
    other = page.context.new_page()
    with pytest.raises(Exception, match="ERR_BLOCKED_BY_CLIENT"):
        other.goto("https://cdn.jsdelivr.net/npm/vega@6")
    other.close()

    # JupyterLab itself starts through the guard without any foreign request ...
    page.goto(lab.url("/lab", reset=True))
    lab.wait_for(page, ".jp-Launcher")
    assert page_guard.foreign_requests == ["GET https://cdn.jsdelivr.net/npm/vega@6"]
    # ... while a page's fetch and a CDN import (what an anywidget with imports does) are caught.
    outcome = page.evaluate(
        """async () => {
          const out = [];
          try { await fetch('https://example.com/x'); out.push('fetched'); }
          catch (e) { out.push('fetch failed'); }
          try { await import('https://esm.sh/vega-embed@6'); out.push('imported'); }
          catch (e) { out.push('import failed'); }
          return out;
        }"""
    )
    assert outcome == ["fetch failed", "import failed"]
    assert page_guard.foreign_requests == [
        "GET https://cdn.jsdelivr.net/npm/vega@6",
        "GET https://example.com/x",
        "GET https://esm.sh/vega-embed@6",
    ]
    assert len(page_guard.problems()) == 3
    page_guard.clear()


@pytest.mark.allow_console(r"known harmless")
def test_console_errors_are_collected_and_can_be_allowed(page, page_guard):
    page.set_content("<p>console</p>")
    page.evaluate("console.error('known harmless: allowed by the marker')")
    page.evaluate("console.error('boom')")
    page.evaluate("setTimeout(() => { throw new Error('uncaught kaboom'); }, 0)")
    page.wait_for_function("() => true")  # let the timer fire
    page.wait_for_timeout(200)
    assert any("boom" in m for m in page_guard.console_errors)
    assert [p for p in page_guard.problems() if "known harmless" in p] == []
    assert any("uncaught kaboom" in p for p in page_guard.problems())
    page_guard.allow_console(r"boom")
    assert page_guard.problems() == []


def test_run_all_reports_a_failing_cell_and_probes_see_kernel_state(lab, page):
    lab.write_notebook(
        "smoke_error.ipynb", cells=["x = 41 + 1", "raise ValueError('nope')", "y = 0"]
    )
    lab.open_notebook(page, "smoke_error.ipynb")
    with pytest.raises(AssertionError, match="ValueError: nope"):
        lab.run_all(page)
    assert lab.run_probe(page, "print(x, 'y' in globals())") == "42 False"
    with pytest.raises(AssertionError, match="NameError"):
        lab.run_probe(page, "print(undefined_name)")
