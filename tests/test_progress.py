"""The progress line: shown in a real notebook kernel while running, gone when done."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

CODE = """
import numpy as np, pandas as pd
import mlmon_widgets as mm
rng = np.random.default_rng(0)
ref = pd.DataFrame({f"f{i}": rng.normal(size=2000) for i in range(5)})
prod = pd.DataFrame({f"f{i}": rng.normal(size=20000) for i in range(5)})
table = mm.drift_over_time(ref, prod, rows=1000, progress=PROGRESS)
print(len(table))
"""


def run(progress: bool) -> list[dict]:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(CODE.replace("PROGRESS", str(progress))))
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb.cells[0].outputs


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_progress_is_removed_when_done_and_can_be_silenced():
    shown = run(True)
    displays = [o for o in shown if o["output_type"] == "display_data"]
    assert len(displays) == 1  # one display, updated in place, finally emptied
    assert displays[0]["data"]["text/plain"] == ""
    assert [o["text"] for o in shown if o["output_type"] == "stream"] == ["100\n"]
    silent = run(False)
    assert [o["output_type"] for o in silent] == ["stream"]
