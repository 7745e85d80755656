"""The ``mlmon`` command and the README's set-up commands."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

from mlmon_widgets import cli

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_demo_prints_the_drift_and_quality_findings(capsys):
    assert cli.main(["demo", "--text"]) == 0
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
    assert cli.main(["demo", "--text", "--window", "1 day"]) == 2
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
        'pip install -e ".[lab]" && mlmon demo',
        'pip install -e ".[test]" && python -m pytest',
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in ci
    assert blocks[1] in ci.splitlines()


def test_demo_writes_the_notebook_and_starts_lab_on_loopback(tmp_path, capsys):
    assert cli.main(["demo", "--dir", str(tmp_path), "--dry-run", "--no-browser"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (tmp_path / "01_quickstart.ipynb").is_file()
    command = out[1]
    assert "-m jupyterlab 01_quickstart.ipynb" in command
    assert "--ServerApp.ip=127.0.0.1" in command and "--no-browser" in command
    (tmp_path / "01_quickstart.ipynb").write_text("edited")  # a second run keeps user edits
    cli.main(["demo", "--dir", str(tmp_path), "--dry-run"])
    assert (tmp_path / "01_quickstart.ipynb").read_text() == "edited"


def test_quickstart_ships_in_the_wheel():
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert (
        '"notebooks/01_quickstart.ipynb" = "mlmon_widgets/_notebooks/01_quickstart.ipynb"' in config
    )


def test_demo_really_starts_jupyterlab_on_loopback(tmp_path):
    """`mlmon demo` as a user runs it (no browser): the server answers on 127.0.0.1."""
    import json as _json
    import os
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "JUPYTER_TOKEN": "demo-test-token",
    }
    command = [
        sys.executable,
        "-m",
        "mlmon_widgets.cli",
        "demo",
        "--no-browser",
        "--port",
        str(port),
        "--dir",
        str(tmp_path / "demo"),
    ]
    log = open(tmp_path / "lab.log", "wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        status = None
        for _ in range(120):
            try:
                url = f"http://127.0.0.1:{port}/api/contents/01_quickstart.ipynb?token=demo-test-token"
                with urllib.request.urlopen(url, timeout=2) as response:
                    status = _json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        assert status is not None, "JupyterLab did not answer on 127.0.0.1"
        assert status["name"] == "01_quickstart.ipynb" and status["type"] == "notebook"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
