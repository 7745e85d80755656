"""Helpers for browser tests: a JupyterLab server, Debian's Chromium and a network guard.

Used through the fixtures in ``conftest.py`` (``lab``, ``browser``, ``page``, ``page_guard``)::

    def test_counter(lab, page):
        lab.write_notebook("counter.ipynb", cells=["import mlmon_widgets as mm", "w = ...; w"])
        lab.open_notebook(page, "counter.ipynb")
        lab.run_all(page)
        lab.wait_for(page, '[data-ready="1"]').click()
        assert lab.run_probe(page, "print(w.value)") == "1"

All timeouts are in milliseconds, as in Playwright. Nothing here imports Playwright at module
level, so a missing install shows up as a clear fixture failure (see ``require_browser_stack``),
not as an import error.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Locator,
        Page,
        Playwright,
        Route,
        WebSocketRoute,
    )

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "artifacts"

INSTALL_HINT = (
    'Browser tests need JupyterLab and Playwright for Python (`pip install -e ".[test]"`) and '
    "Debian's chromium on the PATH (`apt-get install -y chromium`, or run "
    "`.ci/browser-setup.sh`). Never `playwright install`: the tests use Debian's chromium."
)

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

# User settings that keep the UI quiet and deterministic (see shared/BROWSER_TESTING.md).
QUIET_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

# The notebook panel in front; scope selectors with it (``f"{NOTEBOOK} .jp-Cell"``).
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CELL = f"{NOTEBOOK} .jp-Cell"
OUTPUT = f"{NOTEBOOK} .jp-OutputArea-output"

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def require_browser_stack() -> str:
    """Return the chromium executable; fail the test with what to install if anything is missing."""
    import importlib.util

    import pytest

    missing = [
        name
        for name, module in (("jupyterlab", "jupyterlab"), ("playwright", "playwright.sync_api"))
        if importlib.util.find_spec(module.split(".")[0]) is None
    ]
    chromium = shutil.which("chromium")
    if chromium is None:
        missing.append("chromium (Debian package, on the PATH)")
    if missing:
        pytest.fail(
            f"missing for browser tests: {', '.join(missing)}. {INSTALL_HINT}", pytrace=False
        )
    return chromium


def expect(actual: Any, message: str | None = None) -> Any:
    """Playwright's ``expect``, imported lazily (see the module docstring)."""
    from playwright.sync_api import expect as _expect

    return _expect(actual, message)


# --------------------------------------------------------------------------------------------
# Network guard
# --------------------------------------------------------------------------------------------

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_BLOCKED = "Failed to load resource: net::ERR_BLOCKED_BY_CLIENT"


def is_allowed_url(url: str) -> bool:
    """True for loopback http(s)/ws(s), ``blob:``, ``data:`` and local ``file:`` URLs.

    Everything else is foreign. (``file:`` is the static HTML export opened from disk.)
    """
    parts = urlsplit(url)
    if parts.scheme in ("blob", "data") or (parts.scheme == "file" and not parts.hostname):
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOOPBACK_HOSTS


@dataclass
class PageGuard:
    """Records foreign requests (aborted) and console errors of a browser context.

    A test fails if, at its end, ``problems()`` is not empty. Opt out of known-harmless console
    messages with ``allow_console(regex)`` or ``@pytest.mark.allow_console(regex, ...)``.
    """

    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    console_log: list[str] = field(default_factory=list)
    allowed_console: list[re.Pattern[str]] = field(default_factory=list)
    _taken: tuple[int, int] = (0, 0)

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._on_route)
        context.route_web_socket(lambda url: not is_allowed_url(url), self._on_websocket)
        context.on("console", self._on_console)
        context.on("weberror", self._on_weberror)

    def allow_console(self, pattern: str | re.Pattern[str]) -> None:
        """Ignore console errors matching ``pattern`` (``re.search``) in this test."""
        self.allowed_console.append(re.compile(pattern) if isinstance(pattern, str) else pattern)

    def clear(self) -> None:
        """Forget everything recorded so far (after a test provoked it on purpose)."""
        self.foreign_requests.clear()
        self.console_errors.clear()
        self._taken = (0, 0)

    def problems(self) -> list[str]:
        """Foreign requests and console errors that are not allowed."""
        return self._problems(self.foreign_requests, self.console_errors)

    def take_new_problems(self) -> list[str]:
        """Problems recorded since the last call (so none is reported twice)."""
        foreign, console = self._taken
        self._taken = (len(self.foreign_requests), len(self.console_errors))
        return self._problems(self.foreign_requests[foreign:], self.console_errors[console:])

    def _problems(self, foreign: Sequence[str], console: Sequence[str]) -> list[str]:
        allowed = [m for m in console if any(p.search(m) for p in self.allowed_console)]
        return [f"foreign request (blocked): {r}" for r in foreign] + [
            f"console error: {m}" for m in console if m not in allowed
        ]

    def _on_route(self, route: Route) -> None:
        request = route.request
        if is_allowed_url(request.url):
            route.continue_()
        else:
            self.foreign_requests.append(f"{request.method} {request.url}")
            route.abort("blockedbyclient")

    def _on_websocket(self, ws: WebSocketRoute) -> None:
        self.foreign_requests.append(f"WEBSOCKET {ws.url}")
        ws.close(code=1008, reason="blocked by the test network guard")

    def _on_console(self, message: Any) -> None:
        location = message.location or {}
        url = location.get("url")
        where = f" ({url}:{location.get('lineNumber')})" if url else ""
        line = f"{message.text}{where}"
        self.console_log.append(f"[{message.type}] {line}")
        blocked_here = message.text.startswith(_BLOCKED) and not is_allowed_url(url or "")
        # A request this guard aborted is already recorded (and fails the test) as foreign;
        # Chromium's echo of it may arrive after ``clear()``, so it is not counted twice.
        if message.type == "error" and not blocked_here:
            self.console_errors.append(line)

    def _on_weberror(self, error: Any) -> None:
        line = f"uncaught: {error.error}"
        self.console_log.append(f"[pageerror] {line}")
        self.console_errors.append(line)


# --------------------------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------------------------


def launch_browser(playwright: Playwright, executable: str) -> Browser:
    """Debian's chromium, headless, with the flags measured to keep it quiet and offline."""
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
    )


def new_context(browser: Browser, guard: PageGuard) -> BrowserContext:
    """A fresh, guarded context (its own empty profile), no service workers."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, service_workers="block", locale="en-US"
    )
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(60_000)
    guard.attach(context)
    return context


# --------------------------------------------------------------------------------------------
# JupyterLab
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_js(page: Page, script: str, arg: Any = None, *, timeout: float, what: str) -> Any:
    """``page.wait_for_function`` with a readable error on timeout."""
    try:
        return page.wait_for_function(script, arg=arg, timeout=timeout, polling=100).json_value()
    except Exception as exc:
        if type(exc).__name__ != "TimeoutError":
            raise
        raise AssertionError(f"timed out after {timeout / 1000:.0f} s waiting for {what}") from exc


_CURRENT_NOTEBOOK_JS = """
const app = window.jupyterapp;
const panel = app && app.shell && app.shell.currentWidget;
const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
"""

_RUN_ALL_DONE_JS = (
    "() => {"
    + _CURRENT_NOTEBOOK_JS
    + """
  if (window.__labRunAll === undefined || !kernel || kernel.status !== 'idle') return false;
  const prompts = document.querySelectorAll(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt');
  for (const p of prompts) if (p.textContent.includes('[*]')) return false;
  return true;
}"""
)

_CELL_ERRORS_JS = (
    "() => {"
    + _CURRENT_NOTEBOOK_JS
    + """
  const errors = [];
  for (const cell of panel.content.widgets) {
    if (cell.model.type !== 'code') continue;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error') {
        errors.push(`${out.ename}: ${out.evalue}\\n${(out.traceback || []).join('\\n')}`);
      }
    }
  }
  return errors;
}"""
)

# ipywidgets keeps at most one sync message per model in flight and buffers later changes
# (``_msg_buffer``) until the kernel answers the first. A probe sent meanwhile would overtake
# them, so the probe first waits until no model of the notebook's widget managers (found on
# the widget-view renderers) holds a buffered update; once sent, they precede the probe.
_FLUSH_WIDGETS_JS = """
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const managers = new Set();
  const stack = [panel];
  while (stack.length) {
    const w = stack.pop();
    if (w.mimeType === 'application/vnd.jupyter.widget-view+json' && w._manager
        && w._manager.promise) {
      managers.add(w._manager.promise);
    }
    for (const child of w.children()) stack.push(child);
  }
  const deadline = Date.now() + timeout;
  for (const pending of managers) {
    const manager = await Promise.race([pending, sleep(1000)]);
    if (!manager || !manager._models) continue;
    for (;;) {
      const models = await Promise.race([
        Promise.all(Object.values(manager._models).map((p) => p.catch(() => null))),
        sleep(1000).then(() => []),
      ]);
      // Buffered updates not yet sent, or sent and not yet answered by the kernel (idle).
      if (!models.some((m) => m && (m._msg_buffer || m._pending_msgs > 0))) break;
      if (Date.now() > deadline) {
        return {error: `widget updates unanswered by the kernel after ${timeout} ms`, out: ''};
      }
      await sleep(20);
    }
  }
"""

_PROBE_JS = (
    "async ([code, timeout]) => {"
    + _CURRENT_NOTEBOOK_JS
    + """
  if (!kernel) return {error: 'no kernel on the current notebook', out: ''};
"""
    + _FLUSH_WIDGETS_JS
    + """
  const future = kernel.requestExecute(
      {code, silent: false, store_history: false, allow_stdin: false, stop_on_error: false});
  const out = [];
  let error = null;
  future.onIOPub = (msg) => {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case 'stream': out.push(c.text); break;
      case 'error': error = `${c.ename}: ${c.evalue}\\n${(c.traceback || []).join('\\n')}`; break;
    }
  };
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeout);
  });
  const reply = await Promise.race([future.done, timedOut]);
  clearTimeout(timer);
  if (reply === 'timeout') {
    future.dispose();
    return {error: `probe timed out after ${timeout} ms`, out: out.join('')};
  }
  return {error, out: out.join('')};
}"""
)


@dataclass
class Lab:
    """A running JupyterLab server (see the ``lab`` fixture) and helpers to drive it."""

    base_url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    # ---- server ------------------------------------------------------------------------

    def url(self, path: str = "/lab", *, reset: bool = False) -> str:
        """Absolute URL of ``path`` on the server, with the token (and ``&reset``)."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}" + ("&reset" if reset else "")

    def api(self, method: str, path: str, *, timeout: float = 30.0) -> Any:
        """Call the server's REST API (``path`` like ``/api/sessions``); JSON or None."""
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method in ("POST", "PATCH", "PUT") else None,
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_sessions(self) -> None:
        """Stop every notebook's kernel (between tests, so kernels don't pile up)."""
        with contextlib.suppress(OSError):
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self, timeout: float = 30.0) -> None:
        """``POST /api/shutdown`` (also stops kernels); kill the process group if it hangs."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.api("POST", "/api/shutdown", timeout=10)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(10)

    # ---- notebooks ---------------------------------------------------------------------

    def write_notebook(self, name: str, cells: Iterable[str | Any]) -> Path:
        """Write ``name`` (relative to the server root) with one code cell per string.

        Items that are not strings are taken as ready-made nbformat cells (e.g. markdown).
        """
        import nbformat

        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        nb.metadata["language_info"] = {"name": "python"}
        nb.cells = [nbformat.v4.new_code_cell(c) if isinstance(c, str) else c for c in cells]
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    def open_notebook(self, page: Page, name: str, *, timeout: float = 90_000) -> None:
        """Open ``/lab/tree/NAME?token=...&reset``; return once its kernel is idle."""
        page.goto(self.url(f"/lab/tree/{quote(name)}", reset=True), wait_until="domcontentloaded")
        _wait_js(
            page,
            "(name) => {"
            + _CURRENT_NOTEBOOK_JS
            + """
              return !!panel && !!panel.context && panel.context.path === name
                  && panel.context.isReady && !!kernel && kernel.status === 'idle'
                  && kernel.connectionStatus === 'connected';
            }""",
            name,
            timeout=timeout,
            what=f"{name} to open with an idle kernel",
        )

    def run_all(self, page: Page, *, timeout: float = 120_000) -> None:
        """Run all cells; return when done (kernel idle, no ``[*]``); raise on a cell error."""
        page.evaluate(
            """() => {
              window.__labRunAll = undefined;
              window.jupyterapp.commands.execute('notebook:run-all-cells').then(
                (ok) => { window.__labRunAll = {ok: ok !== false, error: null}; },
                (err) => { window.__labRunAll = {ok: false, error: String(err)}; });
            }"""
        )
        _wait_js(page, _RUN_ALL_DONE_JS, timeout=timeout, what="run-all to finish")
        result = page.evaluate("() => window.__labRunAll")
        errors = [_ANSI.sub("", e) for e in page.evaluate(_CELL_ERRORS_JS)]
        if errors or not result["ok"]:
            details = "\n\n".join(errors) or result["error"] or "run-all reported failure"
            raise AssertionError(f"a cell failed during run-all:\n{details}")

    def run_probe(self, page: Page, code: str, *, timeout: float = 60_000) -> str:
        """Run ``code`` in the current notebook's kernel (no cell); return what it printed.

        Widget updates made in the page before (clicks, keys) reach the kernel first, also
        those ipywidgets had buffered, so a probe right after an interaction sees its effect.
        Raises ``AssertionError`` on a Python error. Output is stripped of outer whitespace.
        """
        result = page.evaluate(_PROBE_JS, [code, timeout])
        if result["error"]:
            raise AssertionError(
                f"probe failed: {_ANSI.sub('', result['error'])}\noutput: {result['out']}"
            )
        return result["out"].strip()

    def record_edits(self, page: Page, widget: str) -> None:
        """From now on, note which traits each front-end edit of ``widget`` (a name) carries."""
        self.run_probe(
            page,
            f"__edits_{widget} = []\n"
            f"def __spy(sync_data, _w={widget}, _set=type({widget}).set_state):\n"
            f"    __edits_{widget}.append(sorted(sync_data))\n"
            "    return _set(_w, sync_data)\n"
            f"{widget}.set_state = __spy\n"
            "print('ok')",
        )

    def recorded_edits(self, page: Page, widget: str) -> list[list[str]]:
        """The trait names of every front-end edit since :meth:`record_edits`."""
        return json.loads(self.run_probe(page, f"import json; print(json.dumps(__edits_{widget}))"))

    def wait_for_probe(
        self,
        page: Page,
        code: str,
        expected: str | Callable[[str], bool],
        *,
        timeout: float = 30_000,
    ) -> str:
        """Re-run the probe until its output equals ``expected`` (or the predicate holds).

        For effects that reach the kernel later (a debounce in the front end, a thread).
        """
        deadline = time.monotonic() + timeout / 1000
        while True:
            out = self.run_probe(page, code, timeout=timeout)
            if expected(out) if callable(expected) else out == expected:
                return out
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"probe {code!r} printed {out!r}, expected {expected!r} (after {timeout} ms)"
                )
            page.wait_for_timeout(100)

    @staticmethod
    def wait_for(
        page: Page, selector: str, timeout: float = 60_000, *, state: str = "visible"
    ) -> Locator:
        """Wait for the first element matching ``selector`` to reach ``state``; return it."""
        locator = page.locator(selector).first
        locator.wait_for(state=state, timeout=timeout)  # type: ignore[arg-type]
        return locator


def write_quiet_settings(settings_dir: Path) -> None:
    for plugin, values in QUIET_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


def start_lab(workdir: Path, log_path: Path, *, timeout: float = 90.0, attempts: int = 3) -> Lab:
    """Start JupyterLab on 127.0.0.1 with its own dirs under ``workdir``; wait for /api/status."""
    dirs = {
        name: workdir / name
        for name in ("config", "runtime", "settings", "workspaces", "ipython", "root")
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    write_quiet_settings(dirs["settings"])
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTER_TOKEN", None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for _ in range(attempts):
        port, token = _free_port(), secrets.token_hex(24)
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={dirs['root']}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.extension_manager=readonly",
        ]
        with log_path.open("ab") as log:
            log.write(f"\n==== {' '.join(command[:3])} on port {port}\n".encode())
            log.flush()
            process = subprocess.Popen(
                command,
                cwd=dirs["root"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        lab = Lab(f"http://127.0.0.1:{port}", token, dirs["root"], process, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                lab.api("GET", "/api/status", timeout=5)
                return lab
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        if process.poll() is None:
            failures.append(f"no /api/status on port {port} after {timeout:.0f} s")
            lab.stop(timeout=10)
        else:
            failures.append(f"exited with {process.returncode} (port {port})")
    tail = log_path.read_text(errors="replace")[-4000:]
    raise RuntimeError(
        f"JupyterLab did not start: {'; '.join(failures)}.\nLog {log_path} ends with:\n{tail}"
    )
