"""Build hook: bundle the front ends in js/ into mlmon_widgets/static/ when the package is built.

``pip install`` (editable or not) and wheel or sdist builds run ``npm install`` and
``npm run build`` (esbuild, see package.json), unless the bundles are already newer than
every front-end source. Without npm the build stops with one line saying what to install,
not a traceback. ``python hatch_build.py`` runs the same step by hand.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
from collections.abc import Callable

ROOT = pathlib.Path(__file__).resolve().parent
BUNDLES = ("heatmap.js", "control_chart.js", "segment_breakdown.js", "shadow_comparison.js")
NEEDS_NPM = (
    "mlmon_widgets: building the front ends needs Node.js and npm (https://nodejs.org, "
    "or `apt-get install nodejs npm`), which were not found on PATH; "
    "install them, or install a released wheel, which carries the bundles"
)


class FrontEndBuildError(RuntimeError):
    """The front ends could not be bundled; the message is one line saying why."""


def sources(root: pathlib.Path) -> list[pathlib.Path]:
    """Every file whose change calls for a new bundle: js/ and the npm manifests."""
    files = [path for path in (root / "js").rglob("*") if path.is_file()]
    files += [root / name for name in ("package.json", "package-lock.json")]
    return [path for path in files if path.is_file()]


def bundles_current(root: pathlib.Path) -> bool:
    """True when every bundle exists and is newer than every front-end source."""
    bundles = [root / "mlmon_widgets" / "static" / name for name in BUNDLES]
    if not all(path.is_file() for path in bundles):
        return False
    oldest = min(path.stat().st_mtime for path in bundles)
    return all(path.stat().st_mtime <= oldest for path in sources(root))


def build_front_ends(
    root: pathlib.Path = ROOT,
    *,
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
) -> bool:
    """Bundle the front ends unless they are current; return whether npm ran.

    Raises
    ------
    FrontEndBuildError
        npm is missing, or ``npm install`` / ``npm run build`` failed (their own output
        is shown above the one-line reason).
    """
    if bundles_current(root):
        return False
    npm = which("npm")
    if npm is None:
        raise FrontEndBuildError(NEEDS_NPM)
    for step in (["install", "--no-audit", "--no-fund"], ["run", "build"]):
        done = run([npm, *step], cwd=root)
        if done.returncode != 0:
            raise FrontEndBuildError(
                f"mlmon_widgets: `npm {' '.join(step)}` failed with exit code "
                f"{done.returncode} (its output is above)"
            )
    missing = [name for name in BUNDLES if not (root / "mlmon_widgets" / "static" / name).is_file()]
    if missing:
        raise FrontEndBuildError(f"mlmon_widgets: `npm run build` did not write {missing}")
    return True


def main(root: pathlib.Path = ROOT) -> int:
    """Build the front ends; on failure print the one-line reason and return 1."""
    try:
        build_front_ends(root)
    except FrontEndBuildError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


try:  # present in the isolated build environment, not needed to run the step by hand
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # pragma: no cover - hatchling is a build requirement only
    BuildHookInterface = None

if BuildHookInterface is not None:

    class FrontEndHook(BuildHookInterface):
        """Runs ``build_front_ends`` before hatchling collects the package files."""

        PLUGIN_NAME = "custom"

        def initialize(self, version: str, build_data: dict) -> None:
            """Bundle the front ends; stop the build with one line if that fails."""
            if main(pathlib.Path(self.root)) != 0:
                raise SystemExit(1)


if __name__ == "__main__":
    raise SystemExit(main())
