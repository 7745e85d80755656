"""Five widgets in one notebook save with under 1.5 MB of widget state."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

LIMIT = 1.5 * 2**20

CELLS = [
    """
import mlmon_widgets as mm
from mlmon_widgets.datasets import load_demo
from mlmon_widgets.widgets import DriftHeatmap
demo = load_demo()
roles = {"application_id": "id"}
""",
    *[
        f"""
DriftHeatmap(demo.reference, demo.production, time=demo.time, window="{window}", roles=roles,
             metric="{metric}")
"""
        for window, metric in [
            ("1D", "severity"),
            ("1D", "psi"),
            ("7D", "wasserstein"),
            ("12h", "js"),
            ("1D", "neglog10p"),
        ]
    ],
]


def saved_state(cells: list[str], folder) -> tuple[nbformat.NotebookNode, dict]:
    """Run ``cells`` headless, storing widget state as a saved notebook does."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in cells]
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return nb, nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_five_widgets_save_under_the_limit(tmp_path):
    nb, state = saved_state(CELLS, tmp_path)
    heatmaps = [
        m for m in state.values() if m["state"].get("_anywidget_id", "").endswith("DriftHeatmap")
    ]
    assert len(heatmaps) == 5
    size = len(json.dumps(nb.metadata["widgets"]).encode())
    assert size < LIMIT, f"{size / 2**20:.2f} MB of widget state"


BREAKDOWN = """
from mlmon_widgets.datasets import load_demo
from mlmon_widgets.widgets import SegmentBreakdown
demo = load_demo()
SegmentBreakdown(demo.reference, demo.production, by=["channel", "region"], time=demo.time,
                 window="1D", roles=demo.roles, features=demo.features)
"""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_segment_breakdown_saves_light(tmp_path):
    """Nine segments x 90 days x one feature shown: the saved state stays small (no raw rows)."""
    nb, state = saved_state([BREAKDOWN], tmp_path)
    views = [
        m
        for m in state.values()
        if m["state"].get("_anywidget_id", "").endswith("SegmentBreakdown")
    ]
    assert len(views) == 1
    size = len(json.dumps(nb.metadata["widgets"]).encode())
    assert size < 150 * 2**10, f"{size / 2**10:.0f} KB of widget state"
