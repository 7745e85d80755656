"""The build hook (hatch_build.py): runs npm, skips current bundles, one line without npm."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
hatch_build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hatch_build)


def front_end_tree(root: pathlib.Path, *, bundled: bool) -> pathlib.Path:
    (root / "js" / "lib").mkdir(parents=True)
    (root / "js" / "heatmap.js").write_text("export default {};\n")
    (root / "js" / "lib" / "format.js").write_text("export const x = 1;\n")
    (root / "package.json").write_text("{}\n")
    if bundled:
        time.sleep(0.01)
        (root / "mlmon_widgets" / "static").mkdir(parents=True)
        for name in hatch_build.BUNDLES:
            (root / "mlmon_widgets" / "static" / name).write_text("bundle\n")
    return root


class Recorder:
    def __init__(self, root: pathlib.Path, returncode: int = 0, writes: bool = True):
        self.root, self.returncode, self.writes, self.calls = root, returncode, writes, []

    def __call__(self, command, cwd):
        self.calls.append(command[1:])
        if command[1:] == ["run", "build"] and self.writes:
            (self.root / "mlmon_widgets" / "static").mkdir(parents=True, exist_ok=True)
            for name in hatch_build.BUNDLES:
                (self.root / "mlmon_widgets" / "static" / name).write_text("bundle\n")
        return subprocess.CompletedProcess(command, self.returncode)


def test_current_bundles_are_not_rebuilt(tmp_path):
    root = front_end_tree(tmp_path, bundled=True)
    run = Recorder(root)
    assert hatch_build.bundles_current(root)
    assert hatch_build.build_front_ends(root, which=lambda _: None, run=run) is False
    assert run.calls == []  # not even npm is needed when nothing changed


def test_a_changed_source_rebuilds(tmp_path):
    root = front_end_tree(tmp_path, bundled=True)
    later = time.time() + 5
    os.utime(root / "js" / "lib" / "format.js", (later, later))
    assert not hatch_build.bundles_current(root)
    run = Recorder(root)
    assert hatch_build.build_front_ends(root, which=lambda _: "/usr/bin/npm", run=run)
    assert run.calls == [["install", "--no-audit", "--no-fund"], ["run", "build"]]


def test_without_npm_the_reason_is_one_line(tmp_path):
    root = front_end_tree(tmp_path, bundled=False)
    with pytest.raises(hatch_build.FrontEndBuildError) as caught:
        hatch_build.build_front_ends(root, which=lambda _: None, run=Recorder(root))
    message = str(caught.value)
    assert "\n" not in message and "Node.js and npm" in message and "PATH" in message


@pytest.mark.parametrize(
    ("returncode", "writes", "reason"),
    [
        (1, True, "`npm install --no-audit --no-fund` failed with exit code 1"),
        (0, False, "did not write"),
    ],
)
def test_a_failed_build_says_which_step(tmp_path, returncode, writes, reason):
    root = front_end_tree(tmp_path, bundled=False)
    run = Recorder(root, returncode=returncode, writes=writes)
    with pytest.raises(hatch_build.FrontEndBuildError, match=reason):
        hatch_build.build_front_ends(root, which=lambda _: "/usr/bin/npm", run=run)


def test_by_hand_without_npm_prints_one_line_and_exits_1(tmp_path):
    """`python hatch_build.py` in a tree without bundles and without npm on PATH."""
    root = front_end_tree(tmp_path, bundled=False)
    shutil.copy(ROOT / "hatch_build.py", root / "hatch_build.py")
    done = subprocess.run(
        [sys.executable, "hatch_build.py"],
        cwd=root,
        env={**os.environ, "PATH": str(tmp_path / "empty")},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("mlmon_widgets: building the front ends needs Node.js and npm")


def test_the_hook_is_what_pyproject_declares():
    text = (ROOT / "pyproject.toml").read_text()
    assert '[tool.hatch.build.hooks.custom]\npath = "hatch_build.py"' in text
    assert "hatch-jupyter-builder" not in text
    assert sorted(p.name for p in (ROOT / "js").glob("*.js")) == sorted(hatch_build.BUNDLES)
