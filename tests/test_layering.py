"""The engine is pure computation: importing it loads no widget or chart library."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import mlmon_widgets

WIDGET_LIBS = {"anywidget", "ipywidgets", "traitlets", "altair", "comm", "vega"}
# IPython is no widget library (the progress line uses its display when already inside a
# kernel), but importing the engine must not load it either.
LOADED_AT_IMPORT = WIDGET_LIBS | {"IPython"}
PACKAGE = pathlib.Path(mlmon_widgets.__file__).parent


def test_engine_import_loads_no_widget_library():
    code = (
        "import sys, mlmon_widgets, mlmon_widgets.engine, mlmon_widgets.stats\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(LOADED_AT_IMPORT)!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level
            names.add(prefix + (node.module or ""))
    return names


def test_engine_sources_import_only_down_the_layers():
    for path in sorted((PACKAGE / "engine").glob("*.py")):
        for name in _imports(path):
            top = name.lstrip(".").split(".")[0]
            assert top not in WIDGET_LIBS, f"{path.name} imports {name}"
            if name.startswith(".."):
                raise AssertionError(f"{path.name} reaches out of the engine with {name}")
            assert not name.startswith(
                ("mlmon_widgets.widgets", "mlmon_widgets.charts", "mlmon_widgets.config")
            ), f"{path.name} imports {name}"


def test_public_api_is_declared():
    for name in mlmon_widgets.__all__:
        assert hasattr(mlmon_widgets, name), name
