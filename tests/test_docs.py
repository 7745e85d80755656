"""Published documents stay in line with the code."""

from __future__ import annotations

import json
import pathlib
import re
import shlex
import shutil
import subprocess
import warnings

from mlmon_widgets.config import MonitoringConfig

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_published_json_schema_is_current():
    published = json.loads((ROOT / "docs" / "monitoring-config.schema.json").read_text("utf-8"))
    assert published == MonitoringConfig.json_schema(), (
        "regenerate docs/monitoring-config.schema.json from MonitoringConfig.json_schema()"
    )


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks in ``language``, in order."""
    text = (ROOT / "README.md").read_text("utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def test_readme_python_runs_top_to_bottom_without_a_warning(tmp_path, monkeypatch):
    """Every Python snippet of the README, in order, in one namespace, warnings as errors."""
    snippets = blocks("python")
    assert len(snippets) >= 5
    monkeypatch.chdir(tmp_path)  # the snippets write monitoring.yaml and finding.html here
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for number, snippet in enumerate(snippets):
            try:
                exec(compile(snippet, f"README.md python block {number}", "exec"), namespace)
            except Exception as error:  # pragma: no cover - the message names the block
                raise AssertionError(f"README python block {number} fails: {error!r}") from error
    assert (tmp_path / "monitoring.yaml").is_file() and (tmp_path / "finding.html").is_file()
    assert namespace["new_rows"].timestamp.min() > namespace["seen"].timestamp.max()


def test_readme_production_commands_work_as_written(tmp_path):
    """`mlmon demo --config ... --batch ...` then `mlmon check ...`, as the README gives them."""
    mlmon = shutil.which("mlmon")
    assert mlmon, "the mlmon command is installed by pip install -e '.[test]'"
    (commands,) = [block for block in blocks("bash") if "mlmon demo --config" in block]
    lines = [line.split("#")[0].strip() for line in commands.strip().splitlines()]
    codes = []
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "mlmon"
        done = subprocess.run([mlmon, *words[1:]], cwd=tmp_path, capture_output=True, text=True)
        assert done.stderr == "", done.stderr
        codes.append(done.returncode)
    assert codes == [0, 1]  # the demo's last week has alerts: exit 1 says so
    assert "alert" in done.stdout
