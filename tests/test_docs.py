"""Published documents stay in line with the code."""

from __future__ import annotations

import json
import pathlib

from mlmon_widgets.config import MonitoringConfig

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_published_json_schema_is_current():
    published = json.loads((ROOT / "docs" / "monitoring-config.schema.json").read_text("utf-8"))
    assert published == MonitoringConfig.json_schema(), (
        "regenerate docs/monitoring-config.schema.json from MonitoringConfig.json_schema()"
    )
