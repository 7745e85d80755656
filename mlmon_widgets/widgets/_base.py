"""The base of every mlmon widget: bundled front end, strict keywords, error area, deltas."""

from __future__ import annotations

import contextlib
import functools
import pathlib
import traceback
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

import anywidget
import traitlets

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"

F = TypeVar("F", bound=Callable[..., Any])


def bundle_path(name: str) -> pathlib.Path:
    """Path of a built front end in ``mlmon_widgets/static``; a clear error if it is missing."""
    path = STATIC / name
    if not path.is_file():
        raise FileNotFoundError(
            f"the front end {name!r} is not built ({path} is missing); reinstall the package "
            "(pip install -e .) or run `npm install && npm run build` in the project root"
        )
    return path


class MlmonWidget(anywidget.AnyWidget):
    """Base class: set ``_bundle`` to the file name of the widget's built ES module.

    - An unknown keyword argument raises TypeError (traitlets would only warn).
    - ``_error`` is shown in the widget: a Python-side failure in a callback becomes a
      message in the output instead of a blank widget or a line in the kernel log.
    - :meth:`_send_patch` sends a delta to the front end, and :meth:`_set_quietly` updates
      a synced trait without sending it (the front end applied the same delta).
    """

    _bundle: ClassVar[str] = ""
    _error = traitlets.Unicode("").tag(sync=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only where a class names its own bundle (traitlets' add_traits subclasses again).
        if cls.__dict__.get("_bundle"):
            cls._esm = bundle_path(cls._bundle).read_text(encoding="utf-8")

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(self.class_trait_names()))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) {unknown}")
        super().__init__(**kwargs)

    def save_html(self, path: str | pathlib.Path, *, title: str | None = None) -> pathlib.Path:
        """Write the widget as one HTML file that renders offline, without Jupyter.

        For sharing a finding with people who have no Jupyter: the file carries the front
        end and the data (no network access when opened). Details that Python computes on
        demand are included for the cell selected when the file is written.

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write the file (``.html``).
        title : str, optional
            The page title (default: the widget's class name).

        Returns
        -------
        pathlib.Path
            The written file.
        """
        from ._html import save_html

        return save_html(self, path, title or type(self).__name__)

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a change from the front end; a value Python refuses is reported, not lost.

        The refusal shows in the widget's error area and the view is put back in line with
        Python's state (a traceback in the kernel log would leave the two disagreeing).
        """
        try:
            super().set_state(sync_data)
        except traitlets.TraitError as err:
            self._error = f"not applied: {err}"
            self.send_state(list(sync_data))

    def _send_patch(self, content: dict[str, Any], buffers: list[memoryview]) -> None:
        self.send(content, buffers)

    def _set_quietly(self, **values: Any) -> None:
        """Set synced traits in Python without sending them to the front end."""
        locked = {}
        for name, value in values.items():
            to_json = self.trait_metadata(name, "to_json", self._trait_to_json)
            locked[name] = to_json(value, self)
        with self._lock_property(**locked):
            for name, value in values.items():
                setattr(self, name, value)

    @contextlib.contextmanager
    def _reporting(self, action: str) -> Iterator[None]:
        """Show an exception raised in the block in the widget's error area."""
        try:
            yield
        except Exception as err:
            last = traceback.extract_tb(err.__traceback__)[-1]
            self._error = (
                f"{action} failed: {type(err).__name__}: {err} ({last.name}, line {last.lineno})"
            )
        else:
            if self._error:
                self._error = ""


def reports_errors(action: str) -> Callable[[F], F]:
    """Decorator for observers: exceptions go to the widget's error area."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: MlmonWidget, *args: Any, **kwargs: Any) -> Any:
            with self._reporting(action):
                return method(self, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return wrap
