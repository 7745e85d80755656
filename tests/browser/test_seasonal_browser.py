"""The heatmap offers a seasonal comparison; accepting it reaches the kernel and the export."""

from __future__ import annotations

import pytest

from .lab import expect
from .test_heatmap_browser import HEATMAP

pytestmark = pytest.mark.browser

SETUP = """
import numpy as np, pandas as pd, json
from mlmon_widgets.widgets import DriftHeatmap
rng = np.random.default_rng(3)
def frame(start, days):
    ts = pd.date_range(start, periods=days * 96, freq="15min")
    weekend = np.asarray(ts.day_of_week >= 5)
    spend = rng.lognormal(3, 0.4, len(ts)) * np.where(weekend, 1.5, 1.0)
    return pd.DataFrame({"ts": ts, "age": rng.normal(40, 10, len(ts)), "spend <b>7d</b>": spend})
heatmap = DriftHeatmap(frame("2024-01-01", 84), frame("2024-04-01", 21), time="ts", window="1D")
alerts = lambda: int((heatmap.table.severity.isin(["warning", "critical"])
                      & (heatmap.table.feature == "spend <b>7d</b>")).sum())
heatmap
"""


def test_the_weekly_feature_is_offered_and_accepting_compares_it_by_weekday(lab, page):
    lab.write_notebook("seasonal_offer.ipynb", cells=[SETUP])
    lab.open_notebook(page, "seasonal_offer.ipynb")
    lab.run_all(page)
    widget = lab.wait_for(page, HEATMAP, timeout=60_000)
    offers = widget.locator(".mlmon-season-offers")
    expect(offers).to_have_attribute("data-offers", "1")
    expect(offers).to_contain_text("spend <b>7d</b> looks weekly: compare by weekday?")
    assert widget.locator(".mlmon-season-offers b").count() == 0  # the name is text
    before = int(lab.run_probe(page, "print(alerts())"))
    assert before >= 5
    offers.locator("button.mlmon-season-accept").click()
    lab.wait_for_probe(page, "print(heatmap.seasonal)", "['spend <b>7d</b>']")
    expect(offers).to_have_attribute("data-offers", "0", timeout=20_000)
    assert lab.run_probe(page, "print(alerts())") == "0"
    exported = lab.run_probe(
        page, "print(heatmap.to_config(model='m').baseline['seasonal']['features'])"
    )
    assert exported == "['spend <b>7d</b>']"
    # The detail pane's switch turns it back off.
    lab.run_probe(page, "heatmap.selected = {'feature': 'spend <b>7d</b>', 'window': 5}; print(1)")
    switch = widget.locator(".mlmon-detail .mlmon-season-switch input")
    expect(switch).to_be_checked(timeout=20_000)
    switch.uncheck()
    lab.wait_for_probe(page, "print(heatmap.seasonal)", "[]")
    assert int(lab.run_probe(page, "print(alerts())")) == before
