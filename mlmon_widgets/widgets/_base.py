"""The base of every mlmon widget: bundled front end, one live protocol, errors shown inside.

A widget is a view: it holds traits, turns what the user does into engine calls and shows
the results. What crosses to the browser is fixed here for every widget:

- ``_vocabulary``: the engine's vocabulary (severities, colours, metric catalogues), so no
  front end hard-codes any of it;
- ``_tables``: the widget's per-window data as columnar tables (:class:`~._wire.Tables`),
  whose state is always the current tables (also for a page reload or a saved file);
- one custom message, ``{'type': 'patch', 'ops': [...]}``, for live changes (rows spliced
  from a position, cells scattered), with its arrays as binary buffers;
- ``_action``: what the front end asks Python to do (a dragged limit, "suggest from
  history"), a synced trait validated and acted on in Python;
- ``_error``: a Python-side failure shown in the widget instead of a blank output.
"""

from __future__ import annotations

import contextlib
import functools
import pathlib
import traceback
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

import anywidget
import traitlets

from ..engine import vocabulary
from ._wire import Tables, plain, with_buffers

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


def _tables_json(_revision: int, widget: MlmonWidget) -> dict[str, Any]:
    """The ``_tables`` state: whatever the tables hold now (the trait is only a revision)."""
    return {"revision": widget._revision, "tables": widget._store.state()}


def _tables_from_json(_value: Any, widget: MlmonWidget) -> int:
    """The front end never sets ``_tables``; whatever it sends is ignored."""
    return widget._revision


class MlmonWidget(anywidget.AnyWidget):
    """Base class: set ``_bundle`` to the file name of the widget's built ES module.

    - An unknown keyword argument raises TypeError (traitlets would only warn).
    - :meth:`_publish` replaces every table (the front end redraws); :meth:`_patch` sends a
      live change (the front end updates in place).
    - :meth:`_on_action` receives what the front end asks for (subclasses override it).
    """

    _bundle: ClassVar[str] = ""
    _error = traitlets.Unicode("").tag(sync=True)
    _vocabulary = traitlets.Dict().tag(sync=True)
    _tables = traitlets.Int(0).tag(sync=True, to_json=_tables_json, from_json=_tables_from_json)
    _action = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only where a class names its own bundle (traitlets' add_traits subclasses again).
        if cls.__dict__.get("_bundle"):
            cls._esm = bundle_path(cls._bundle).read_text(encoding="utf-8")

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(self.class_trait_names()))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) {unknown}")
        self._store = Tables()
        self._revision = 0
        super().__init__(**kwargs)
        self._vocabulary = plain({**vocabulary(), **self._vocabulary_extra()})

    def _vocabulary_extra(self) -> dict[str, Any]:
        """Words of this widget's own (e.g. detector defaults), added to the vocabulary."""
        return {}

    # ------------------------------------------------------------------ tables
    def _publish(self, tables: dict[str, dict[str, Any]]) -> None:
        """Replace every table by ``tables`` and send them whole (a first render, a reset)."""
        self._store = Tables()
        for name, columns in tables.items():
            self._store.put(name, columns)
        self._revision += 1
        self._tables = self._revision

    def _patch(self, ops: list[dict[str, Any]]) -> None:
        """Send live changes (from :meth:`Tables.splice` / :meth:`Tables.scatter`) as one patch."""
        if not ops:
            return
        self._revision += 1
        content, buffers = with_buffers({"type": "patch", "revision": self._revision, "ops": ops})
        self.send(content, buffers)

    def _update(self, tables: dict[str, dict[str, Any]]) -> None:
        """Bring the front end to ``tables``: a patch of what changed, or a full publish."""
        ops = self._store.update(tables)
        if ops is None:
            self._publish(tables)
        else:
            self._patch(ops)

    def columns_of(self, name: str) -> dict[str, Any]:
        """The columns of table ``name`` as the front end has them (for tests and exports)."""
        return self._store.data[name]

    # ------------------------------------------------------------------ actions
    @traitlets.observe("_action")
    def _dispatch(self, change: Any) -> None:
        action = change["new"]
        if not action:
            return
        with self._reporting(str(action.get("kind", "the request"))):
            self._on_action(dict(action))

    def _on_action(self, action: dict[str, Any]) -> None:
        """Do what the front end asked (``action['kind']``); subclasses override this."""
        raise ValueError(f"unknown action {action.get('kind')!r}")

    # ------------------------------------------------------------------ export
    def save_html(self, path: str | pathlib.Path, *, title: str | None = None) -> pathlib.Path:
        """Write the widget as one HTML file that renders offline, without Jupyter.

        For sharing a finding with people who have no Jupyter: the file carries the front
        end and the data (no network access when opened), with ``title`` as its heading.
        Details that Python computes on demand are included for the cell selected when the
        file is written.

        Parameters
        ----------
        path : str or pathlib.Path
            Where to write the file (``.html``).
        title : str, optional
            The page's title and heading (default: the widget's class name).

        Returns
        -------
        pathlib.Path
            The written file.
        """
        from ._html import save_html

        return save_html(self, path, title or type(self).__name__)

    # ------------------------------------------------------------------ errors
    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a change from the front end; a value Python refuses is reported, not lost.

        The refusal shows in the widget's error area and the view is put back in line with
        Python's state (a traceback in the kernel log would leave the two disagreeing).
        """
        try:
            super().set_state(sync_data)
        except traitlets.TraitError as err:
            self._error = f"not applied: {err}"
            self.send_state([k for k in sync_data if k != "_action"])

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
