"""A widget as one self-contained HTML file that renders offline, without Jupyter.

The file holds the widget's bundled front end and its synced state (binary arrays as
base64) and a small stand-in for the Jupyter widget model; nothing is loaded from the
network. The view is interactive (metric, filter, hover, selection); details that Python
computes on demand are included for the cell selected when the file was written.
"""

from __future__ import annotations

import base64
import html
import json
import pathlib
from typing import Any

from ._wire import plain

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="mlmon_widgets">
<title>{title}</title>
<style>body {{ margin: 16px; background: #fff; font-family: system-ui, sans-serif; }}
h1 {{ font-size: 18px; font-weight: 600; margin: 0 0 8px; }}</style>
</head>
<body>
<h1 id="mlmon-title">{title}</h1>
<div id="mlmon-root"></div>
<script type="application/json" id="mlmon-state">{state}</script>
<script type="application/json" id="mlmon-esm">{esm}</script>
<script type="module">
function revive(value) {{
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === "object") {{
    if (typeof value.__mlmon_b64__ === "string") {{
      const bytes = Uint8Array.from(atob(value.__mlmon_b64__), (c) => c.charCodeAt(0));
      return new DataView(bytes.buffer);
    }}
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }}
  return value;
}}
const state = revive(JSON.parse(document.getElementById("mlmon-state").textContent));
const listeners = {{}};
const model = {{
  get: (name) => state[name],
  set(name, value) {{
    state[name] = value;
    for (const cb of listeners["change:" + name] ?? []) cb();
  }},
  on(event, cb) {{ (listeners[event] ??= []).push(cb); }},
  off(event, cb) {{ listeners[event] = (listeners[event] ?? []).filter((f) => f !== cb); }},
  save_changes() {{}},
  send() {{}},
}};
const source = JSON.parse(document.getElementById("mlmon-esm").textContent);
const url = URL.createObjectURL(new Blob([source], {{ type: "text/javascript" }}));
const widget = (await import(url)).default;
await widget.initialize?.({{ model }});
widget.render({{ model, el: document.getElementById("mlmon-root") }});
</script>
</body>
</html>
"""


def _encode(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"__mlmon_b64__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element (no closing tag, no comment opener)."""
    text = json.dumps(plain(value), allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def widget_html(widget: Any, title: str) -> str:
    """The HTML page of ``widget`` (an anywidget with ``_esm``), titled ``title``."""
    import ipywidgets

    state = {
        name: value
        for name, value in widget.get_state().items()
        if not name.startswith(("_view", "_model", "_dom"))
        and name not in ("_esm", "_css", "layout", "tooltip", "tabbable")
        and not isinstance(getattr(widget, name), ipywidgets.Widget)
    }
    return _PAGE.format(
        title=html.escape(title),
        state=_script_json(_encode(state)),
        esm=_script_json(widget._esm),
    )


def save_html(widget: Any, path: str | pathlib.Path, title: str) -> pathlib.Path:
    """Write :func:`widget_html` to ``path``; returns the path."""
    path = pathlib.Path(path)
    path.write_text(widget_html(widget, title), encoding="utf-8")
    return path
