"""The ``mlmon`` command and the README's set-up commands."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

from mlmon_widgets import cli

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_demo_prints_the_drift_and_quality_findings(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Drift per feature with the default thresholds" in out
    default, learned = out.split("With per-feature thresholds learned")
    income = next(line for line in default.splitlines() if line.startswith("income "))
    assert income.split()[1:3] == ["1", "0"]  # one critical day, no warning
    assert "2024-04-16" in income
    seasonal = next(line for line in learned.splitlines() if line.startswith("card_spend_7d "))
    assert seasonal.split()[1] == "0"  # no critical day once thresholds come from history
    assert re.search(r"employment_years\s+1\s+2024-04-08\s+1\.00", out)
    assert "overseas" in out


def test_bad_window_is_a_one_line_error(capsys):
    assert cli.main(["demo", "--window", "1 day"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlmon: window='1 day' is not a pandas offset")
    assert err.count("\n") == 1


def test_console_script_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "mlmon_widgets.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("mlmon_widgets ")


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    assert blocks[:2] == [
        "pip install -e . && mlmon demo",
        'pip install -e ".[test]" && python -m pytest',
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in ci
    assert blocks[1] in ci.splitlines()
