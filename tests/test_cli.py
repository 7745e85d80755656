"""The ``mlmon`` command and the README's set-up commands."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

from mlmon_widgets import cli

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_demo_prints_the_drift_and_quality_findings(capsys):
    assert cli.main(["demo", "--text"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100  # fits a 100-column terminal
    assert "Drift per feature with the default thresholds" in out
    default, learned = out.split("With per-feature thresholds learned")
    income = next(line for line in default.splitlines() if line.startswith("income "))
    assert income.split()[1:3] == ["1", "0"]  # one critical day, no warning
    assert "2024-04-16" in income
    # The learned table says why it differs: the false alarms each rule set implies.
    header = next(line for line in learned.splitlines() if line.startswith("feature "))
    assert "false alarms: default" in header and "learned rule" in header
    seasonal = next(line for line in learned.splitlines() if line.startswith("card_spend_7d "))
    rule, default_rate, learned_rate, critical = re.match(
        r"card_spend_7d\s+(psi [\d.]+ / [\d.]+)\s+([\d.]+%)\s+([\d.]+%)\s+(\d+)", seasonal
    ).groups()
    assert critical == "0"  # no critical day once thresholds come from history
    assert float(default_rate[:-1]) > 50 > float(learned_rate[:-1])  # the reference's own days
    assert all(len(number) <= 4 for number in rule[4:].split(" / "))  # meaningful digits
    assert re.search(r"employment_years\s+1\s+2024-04-08\s+1\b", out)
    assert "overseas" in out
    assert "model_version 1.4.1 first seen" in out  # a retraining event, not a drift finding


def test_demo_writes_a_config_and_a_batch_that_mlmon_check_reads(tmp_path, capsys):
    config, batch = tmp_path / "monitoring.yaml", tmp_path / "batch.parquet"
    assert cli.main(["demo", "--config", str(config), "--batch", str(batch)]) == 0
    assert config.is_file() and batch.is_file()
    capsys.readouterr()
    code = cli.main(["check", str(config), str(batch)])
    out = capsys.readouterr().out
    assert code in (0, 1) and out.startswith("mlmon check: credit-risk 1.4.0, ")
    assert "retraining events" in out  # the week holds the new model version


def test_help_explains_exit_codes_options_and_defaults(capsys):
    for argv in (["check", "--help"], ["demo", "--help"]):
        with pytest.raises(SystemExit):
            cli.main(argv)
    out = capsys.readouterr().out
    check_help, demo_help = out.split("usage: mlmon demo")
    for text in ("exit status", "0  no unsuppressed alert", "1  at least one", "2  bad usage"):
        assert text in check_help
    for option in ("--time", "--format", "--fail-on"):
        line = check_help[check_help.index(option + " ") :].split("\n\n")[0]
        assert len(line.split()) > 3, option  # every option has its help
    assert "(default: critical)" in check_help
    assert "(default: 1D)" in demo_help and "(default: mlmon-demo)" in demo_help


def test_check_into_a_closed_pipe_exits_with_its_verdict_quietly(tmp_path):
    from mlmon_widgets.datasets import load_demo

    config, batch = tmp_path / "monitoring.yaml", tmp_path / "batch.parquet"
    cli.main(["demo", "--config", str(config)])
    load_demo().production.to_parquet(batch)  # 90 days: about 100 KB of JSON, beyond a pipe
    check = f"{sys.executable} -m mlmon_widgets.cli check {config} {batch} --format json"
    command = f"{check} | head -1"
    out = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in out.stderr and "BrokenPipeError" not in out.stderr, out.stderr
    assert out.stdout.startswith("[{")
    assert out.returncode == 1  # the verdict (alerts), never a crash


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
