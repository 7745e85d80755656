"""A progress line for long runs: in a notebook an updating output, in a terminal one line.

It appears only after ``delay`` seconds, disappears when the run ends and never imports a
widget library (the engine must not); ``progress=False`` silences it.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _notebook_display() -> Any | None:
    """IPython's display function when running in a Jupyter kernel, else None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    from IPython.display import display

    return display


class Progress:
    """Report ``done`` out of ``total`` steps; use as a context manager.

    Parameters
    ----------
    total : int
        Number of steps.
    label : str
        What is being done.
    enabled : bool or None
        True always shows, False never, None shows when interactive and slower than ``delay``.
    delay : float
        Seconds before anything is shown (in auto mode).
    """

    def __init__(self, total: int, label: str, enabled: bool | None = None, delay: float = 1.0):
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.delay = 0.0 if enabled else delay
        self.started = time.perf_counter()
        self._handle: Any = None
        self._terminal = False
        self._shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _text(self, done: int) -> str:
        width = 30
        filled = int(width * done / self.total)
        return f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}"

    def _start(self) -> bool:
        if self.enabled is False:
            return False
        display = _notebook_display()
        if display is not None:
            self._handle = display({"text/plain": ""}, raw=True, display_id=True)
            return True
        if self.enabled or sys.stderr.isatty():
            self._terminal = True
            return True
        return False

    def update(self, done: int) -> None:
        """Record that ``done`` steps are finished."""
        if not self._shown:
            if time.perf_counter() - self.started < self.delay or not self._start():
                return
            self._shown = True
        text = self._text(done)
        if self._handle is not None:
            self._handle.update({"text/plain": text}, raw=True)
        elif self._terminal:
            sys.stderr.write("\r" + text)
            sys.stderr.flush()

    def close(self) -> None:
        """Remove the progress line."""
        if not self._shown:
            return
        if self._handle is not None:
            self._handle.update({"text/plain": ""}, raw=True)
        elif self._terminal:
            sys.stderr.write("\r" + " " * len(self._text(self.total)) + "\r")
            sys.stderr.flush()
        self._shown = False
