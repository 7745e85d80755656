"""The architecture holds: layers import one way, through each layer's door, one vocabulary.

docs/architecture.md draws the layers; these tests fail on any import against the arrows,
any import of another layer's private module (``mlmon_widgets.engine._*``), and any severity
or metric name written out in code (Python or JavaScript) instead of read from the engine's
vocabulary.
"""

from __future__ import annotations

import ast
import pathlib
import re
import subprocess
import sys
import tomllib

import mlmon_widgets
from mlmon_widgets import engine

WIDGET_LIBS = {"anywidget", "ipywidgets", "traitlets", "altair", "comm", "vega"}
# IPython is no widget library (the progress line uses its display when already inside a
# kernel), but importing the engine must not load it either.
LOADED_AT_IMPORT = WIDGET_LIBS | {"IPython"}
PACKAGE = pathlib.Path(mlmon_widgets.__file__).parent
ROOT = PACKAGE.parent

#: Layer -> the layers it may import (DESIGN.md and docs/architecture.md).
ARROWS = {
    "engine": set(),
    "datasets": set(),
    "detectors": {"engine"},
    "config": {"engine"},
    "stats": {"engine"},
    "charts": {"engine"},
    "store": {"engine", "config"},
    "reports": {"engine", "config", "datasets", "charts", "store"},
    "widgets": {"engine", "config", "detectors", "charts", "store"},
    "cli": {"config", "store", "reports"},
    "__init__": {"engine", "config"},
}
#: Layers that are packages with a door (their __init__) and private modules.
PACKAGES = ("engine", "config", "detectors", "widgets", "reports")


def layer_of(path: pathlib.Path) -> str:
    part = path.relative_to(PACKAGE).parts[0]
    return part[:-3] if part.endswith(".py") else part


def module_of(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: pathlib.Path) -> list[tuple[str, int]]:
    """Absolute names of every ``mlmon_widgets`` module ``path`` imports, with the line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_of(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1] if path.name != "__init__.py" else here
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here[: len(here) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base != "mlmon_widgets":  # `from mlmon_widgets import engine`: the name counts
                found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name.split(".")[0] == "mlmon_widgets"]


def sources() -> list[pathlib.Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "static" not in p.parts)


def test_engine_import_loads_no_widget_library():
    code = (
        "import sys, mlmon_widgets, mlmon_widgets.engine, mlmon_widgets.stats\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(LOADED_AT_IMPORT)!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_only_the_widgets_import_widget_libraries():
    for path in sources():
        if layer_of(path) == "widgets":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in WIDGET_LIBS, f"{path}: imports {name}"


def test_every_layer_imports_only_down_the_arrows():
    wrong = []
    for path in sources():
        layer = layer_of(path)
        assert layer in ARROWS, f"{path}: a layer docs/architecture.md does not draw"
        for name, line in imports(path):
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if target in (layer, "__version__") or target not in ARROWS:
                continue  # its own layer, or a name of the top-level door
            if target not in ARROWS[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {layer} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_other_layers_go_through_each_layers_door():
    wrong = []
    for path in sources():
        layer = layer_of(path)
        for name, line in imports(path):
            parts = name.split(".")
            if len(parts) < 3 or parts[1] not in PACKAGES or parts[1] == layer:
                continue
            if parts[2].startswith("_"):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports the private {name}")
    assert not wrong, "\n".join(wrong)


def test_ruff_bans_every_private_module_outside_its_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = config["tool"]["ruff"]["lint"]
    banned = set(lint["flake8-tidy-imports"]["banned-api"])
    private = {
        f"mlmon_widgets.{layer}.{path.stem if path.suffix else path.name}"
        for layer in PACKAGES
        for path in (PACKAGE / layer).iterdir()
        if path.name.startswith("_") and path.name != "__init__.py" and path.name != "__pycache__"
    }
    assert private <= banned, f"add to banned-api: {sorted(private - banned)}"
    assert "TID251" in lint["select"] or "TID" in lint["select"]
    ignores = lint["per-file-ignores"]
    for layer in PACKAGES:  # each layer may use its own private modules
        assert "TID251" in ignores.get(f"mlmon_widgets/{layer}/**", []), layer


def test_public_api_is_declared():
    for name in mlmon_widgets.__all__:
        assert hasattr(mlmon_widgets, name), name
    for name in engine.__all__:
        assert hasattr(engine, name), name


# ---------------------------------------------------------------- one vocabulary
#: Words defined once, in the engine's vocabulary: severities and metric names. ("rows" is
#: also the argument of row-count windows, so the metric is written ROW_COUNT in code and
#: the word itself is not checked.)
WORDS = (
    set(engine.SEVERITIES)
    | set(engine.DRIFT_METRICS)
    | (set(engine.PERFORMANCE_METRICS) - {engine.ROW_COUNT})
)
VOCABULARY = PACKAGE / "engine" / "_vocabulary.py"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the strings that are no words: docstrings, and the names listed in __all__."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
        targets = node.targets if isinstance(node, ast.Assign) else []
        targets = [node.target] if isinstance(node, ast.AnnAssign) else targets
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            out.update(id(n) for n in ast.walk(node.value) if isinstance(n, ast.Constant))
    return out


def _shown(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def python_words(path: pathlib.Path) -> list[str]:
    """Severity and metric names written as strings in a Python file (docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        f"{_shown(path)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and node.value in WORDS
    ]


_JS_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_JS_STRING = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'((?:[^'\\\n]|\\.)*)'|`([^`$]*)`")


def js_words(path: pathlib.Path) -> list[str]:
    """Severity and metric names written as string literals in a JavaScript file."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in _JS_STRING.finditer(_JS_COMMENT.sub("", text)):
        value = next(g for g in match.groups() if g is not None)
        if value in WORDS:
            found.append(f"{_shown(path)}: {value!r}")
    return found


def test_no_severity_or_metric_name_is_written_outside_the_vocabulary():
    found = [w for p in sources() if p != VOCABULARY for w in python_words(p)]
    found += [w for p in sorted((ROOT / "js").rglob("*.js")) for w in js_words(p)]
    assert not found, "use the engine's vocabulary instead:\n" + "\n".join(found)


def test_the_vocabulary_check_finds_a_word(tmp_path):
    """The check above can fail: it sees a word in code, not in a docstring or comment."""
    source = tmp_path / "m.py"
    source.write_text('"""About critical alerts."""\nLEVEL = "critical"\n')
    assert [w.split(": ")[-1] for w in python_words(source)] == ["'critical'"]
    script = tmp_path / "v.js"
    script.write_text('// "warning"\nconst a = "warning"; const b = `psi`; const c = "psi-ish";\n')
    assert [w.split(": ")[-1] for w in js_words(script)] == ["'warning'", "'psi'"]
