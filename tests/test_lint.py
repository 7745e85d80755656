"""ruff (lint and format) is part of the test suite, configured in pyproject.toml."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args):
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a test dependency: pip install -e '.[test]'"
    out = subprocess.run([ruff, *args], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_demo_folder_breaks_neither_lint_nor_the_checkout(tmp_path):
    """`mlmon demo` (the README's first command) works in ./mlmon-demo/ inside the checkout.

    What it leaves there (the notebook, the batch, the config and pages the notebooks write)
    is ignored by git and by ruff, so the README's second command still passes after it.
    """
    ruff = shutil.which("ruff")
    git = shutil.which("git")
    assert ruff and git
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(ROOT / ".gitignore", tmp_path / ".gitignore")
    demo = tmp_path / "mlmon-demo"
    demo.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", demo / "01_quickstart.ipynb")
    (demo / "scratch.py").write_text("import os,sys\nx=1 ;\n")  # a user's untidy scratch file
    lint = subprocess.run([ruff, "check", "."], cwd=tmp_path, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    control = subprocess.run(  # the same file outside the demo folder does fail
        [ruff, "check", "--no-cache", str(demo / "scratch.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert control.returncode != 0
    subprocess.run([git, "init", "-q"], cwd=tmp_path, check=True)
    written = [
        "mlmon-demo/01_quickstart.ipynb",
        "mlmon-demo/batch.parquet",
        "mlmon-demo/monitoring.yaml",
        "mlmon-demo/income_break.html",
        "notebooks/batch.parquet",
        "notebooks/monitoring.yaml",
        "notebooks/income_break.html",
    ]
    ignored = subprocess.run(
        [git, "check-ignore", "--no-index", *written], cwd=tmp_path, capture_output=True, text=True
    )
    assert sorted(ignored.stdout.split()) == sorted(written)
    kept = subprocess.run(
        [git, "check-ignore", "--no-index", "notebooks/01_quickstart.ipynb"], cwd=tmp_path
    )
    assert kept.returncode == 1  # the shipped notebooks themselves stay tracked
