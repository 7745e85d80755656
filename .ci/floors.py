"""Print the requirements of the floors run: every runtime dependency at its declared floor.

`.ci/run` installs these into a fresh virtual environment and runs the test suite there, so
the lower bounds in pyproject.toml are tested, not guessed. Test tools come at their newest,
except river: it needs a newer scipy than ours, and the one test that uses it is skipped
without it.
"""

from __future__ import annotations

import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOT_WITH_FLOORS = {"river"}


def floors(project: dict) -> list[str]:
    """``name==floor`` for each runtime dependency; refuses one without a ``>=`` floor."""
    pins = []
    for requirement in project["dependencies"]:
        plain = requirement.replace(" ", "")
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9A-Za-z.]*)", plain)
        if match is None:
            raise SystemExit(f"floors: {requirement!r} has no plain '>=' floor to test")
        pins.append(f"{match[1]}=={match[2]}")
    return pins


def test_tools(project: dict) -> list[str]:
    """The test extra, less what cannot be installed beside the floors."""
    return [
        requirement
        for requirement in project["optional-dependencies"]["test"]
        if re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0] not in NOT_WITH_FLOORS
    ]


if __name__ == "__main__":
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    sys.stdout.write("\n".join([*floors(project), *test_tools(project)]) + "\n")
