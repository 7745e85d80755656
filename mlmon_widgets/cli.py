"""The ``mlmon`` command.

``mlmon demo`` opens JupyterLab on the quickstart notebook (the demo data in a drift
heatmap); ``mlmon demo --text`` prints the same findings in the terminal. ``mlmon check
CONFIG DATA`` evaluates a monitoring config on a batch of production data (headless, for
production jobs): exit 0 when no unsuppressed alert reaches ``--fail-on``, 1 when one does,
2 on bad usage or unreadable input, with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import pathlib
import shutil
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import __version__
from .config import (
    ALERT_LEVELS,
    DECISIONS,
    ENGINES,
    REJECT,
    ConfigError,
    MonitoringConfig,
    as_source,
    evaluate,
    evaluate_promotion,
    newer_gate_note,
    open_data,
    read_data,
)
from .config import retraining_events as _retraining_events
from .reports import demo_findings, write_demo_batch, write_demo_config


def demo(window: str = "1D", width: int = 100) -> int:
    """Print the demo data's drift: default thresholds, then thresholds learned from history."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        print(demo_findings(window=window, width=width))
    return 0


QUICKSTART = "01_quickstart.ipynb"


def quickstart_notebook() -> pathlib.Path:
    """The quickstart notebook shipped with the package (or in the source tree)."""
    package = pathlib.Path(__file__).resolve().parent
    for candidate in (
        package / "_notebooks" / QUICKSTART,
        package.parent / "notebooks" / QUICKSTART,
    ):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{QUICKSTART} is not installed with mlmon_widgets")


def lab_command(notebook: pathlib.Path, *, port: int | None, browser: bool) -> list[str]:
    """The command that starts JupyterLab on 127.0.0.1 with ``notebook`` open."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        str(notebook.name),
        f"--ServerApp.root_dir={notebook.parent}",
        "--ServerApp.ip=127.0.0.1",
    ]
    if port:
        command.append(f"--ServerApp.port={port}")
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def demo_lab(directory: str, *, port: int | None, browser: bool, dry_run: bool) -> int:
    """Copy the quickstart notebook into ``directory`` and open it in JupyterLab."""
    target = pathlib.Path(directory).resolve()
    target.mkdir(parents=True, exist_ok=True)
    notebook = target / QUICKSTART
    if not notebook.exists():
        shutil.copyfile(quickstart_notebook(), notebook)
    command = lab_command(notebook, port=port, browser=browser)
    print(f"mlmon demo: {notebook}")
    if dry_run:
        print(" ".join(command))
        return 0
    if importlib.util.find_spec("jupyterlab") is None:
        print(
            "mlmon: JupyterLab is not installed: pip install 'mlmon_widgets[lab]' "
            "(or see the findings in the terminal with `mlmon demo --text`)",
            file=sys.stderr,
        )
        return 2
    sys.stdout.flush()
    os.chdir(target)
    # Become JupyterLab (no parent process left behind): Ctrl+C and signals reach it directly.
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return


LEVELS = {level: i + 1 for i, level in enumerate(ALERT_LEVELS)}


def _plain(value: object) -> object:
    """A JSON value: timestamps in ISO-8601, NaN/NaT as null, numpy scalars as Python."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def _print_alerts(alerts: pd.DataFrame, fmt: str, header: str) -> None:
    if fmt == "json":
        lines = [
            json.dumps({k: _plain(v) for k, v in row.items()}, allow_nan=False)
            for row in alerts.to_dict(orient="records")
        ]
        print("[" + ",\n ".join(lines) + "]")
        return
    print(header)
    if not len(alerts):
        return
    columns = ["window_start", "feature", "domain", "severity", "route", "suppressed", "message"]
    if "segment" in alerts.columns and (alerts["segment"] != "").any():
        columns.insert(2, "segment")
    cells = [columns] + [
        [
            ""
            if pd.isna(row[c])
            else "yes"
            if row[c] is True
            else ""
            if row[c] is False
            else str(row[c])
            for c in columns
        ]
        for row in alerts.to_dict(orient="records")
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns) - 1)]
    for line in cells:
        print("  ".join([*(v.ljust(w) for v, w in zip(line, widths, strict=False)), line[-1]]))


def _one_line(err: Exception, where: str, *, named: bool = False) -> str:
    """``err`` on one line after ``where``; an unexpected one is named by its type.

    ValueError (ConfigError) and TypeError are the refusals; with ``named`` their message
    already names the file (read_data's do) and ``where`` is left out.
    """
    if not isinstance(err, (TypeError, ValueError)):
        text = f"{where}{type(err).__name__}: {err}"
    elif named and not isinstance(err, ConfigError):
        text = str(err)
    else:
        text = f"{where}{err}"
    return " ".join(text.split())


def check(
    config_path: str,
    data_path: str,
    *,
    time: str | None = None,
    fmt: str = "text",
    fail_on: str = ALERT_LEVELS[-1],
    fail_on_verdict: str = REJECT,
    engine: str = ENGINES[0],
) -> int:
    """Evaluate a config on a data file; 1 if an unsuppressed alert reaches ``fail_on``.

    With a ``promotion`` section the gate's verdict is evaluated too, and a verdict at or
    beyond ``fail_on_verdict`` (``'hold'`` or ``'reject'``) also makes the status 1. With
    ``engine`` ``'arrow'`` or ``'dask'`` the data (Parquet: a file, folder or glob) is
    streamed or run on Dask instead of read whole.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        # Exit 1 means alerts: any failure to read or judge the input is exit 2 instead,
        # with a one-line reason (an unexpected exception named by its type).
        try:
            config = MonitoringConfig.load(config_path)
        except Exception as err:
            raise ValueError(_one_line(err, f"{config_path}: ")) from None
        try:
            if engine == ENGINES[0]:
                data = read_data(data_path, config, time=time)
            else:
                data = open_data(data_path, engine)
                if config.promotion is not None:
                    raise ValueError(
                        "the config's promotion section compares models on rows in memory: "
                        "check it without --engine"
                    )
        except Exception as err:
            raise ValueError(_one_line(err, f"{data_path}: ", named=True)) from None
        client = _connect_dask() if engine == ENGINES[2] else None
        try:
            alerts = evaluate(config, data, time=time)
            events = _retraining_events(config, data, time=time)
            verdict = None
            if config.promotion is not None:
                verdict = evaluate_promotion(config, data, time=time)
            n_rows = len(data) if engine == ENGINES[0] else as_source(data).count_rows()
        except Exception as err:
            where = "cannot evaluate the config on the data: "
            raise ValueError(_one_line(err, where, named=True)) from None
        finally:
            if client is not None:
                client.close()
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
        print(f"mlmon: warning: {message}", file=sys.stderr)
    note = newer_gate_note(config.schema_version, config.gate)
    if note is not None:
        print(f"mlmon: {note}", file=sys.stderr)
    live = alerts[~alerts["suppressed"]]
    failing = live[live["severity"].map(LEVELS) >= LEVELS[fail_on]]
    counts = alerts["severity"].value_counts()
    model = f"{config.model.name} {config.model.version}".strip()
    per_level = ", ".join(f"{counts.get(level, 0)} {level}" for level in reversed(ALERT_LEVELS))
    header = (
        f"mlmon check: {model}, {n_rows:,} rows: {len(alerts)} alert(s) "
        f"({per_level}, {int(alerts['suppressed'].sum())} suppressed); {len(failing)} at or "
        f"above {fail_on} -> exit {int(len(failing) > 0)}"
    )
    code = 1 if len(failing) else 0
    if verdict is not None and DECISIONS.index(verdict.decision) >= DECISIONS.index(
        fail_on_verdict
    ):
        code = 1
    try:
        _print_alerts(alerts, fmt, header)
        if verdict is not None:
            _print_verdict(verdict, fmt, fail_on_verdict)
        if fmt == "text" and len(events):
            print("retraining events (a new model version: recorded, not tested for drift):")
            for event in events["event"]:
                print(f"  {event}")
        sys.stdout.flush()
    except BrokenPipeError:  # `mlmon check ... | head`: the reader left; the verdict stands
        _quiet_stdout()
    return code


def _connect_dask() -> Any:
    """The client of the Dask cluster at ``DASK_SCHEDULER_ADDRESS``, when set.

    While it is open every compute runs there; None (no address): Dask's local scheduler.
    """
    address = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not address:
        return None
    from distributed import Client

    return Client(address)


def _print_verdict(verdict, fmt: str, fail_on_verdict: str) -> None:
    """The promotion verdict: a line and its reasons (text), or one JSON object on stderr."""
    failing = DECISIONS.index(verdict.decision) >= DECISIONS.index(fail_on_verdict)
    if fmt == "json":  # stdout stays the list of alerts
        print(json.dumps({"promotion": verdict.to_dict()}), file=sys.stderr)
        return
    print(
        f"promotion verdict: {verdict.decision} (--fail-on-verdict {fail_on_verdict}"
        f"{': exit 1' if failing else ''})"
    )
    for reason in verdict.reasons:
        print(f"  - {reason}")


def _quiet_stdout() -> None:
    """After a closed pipe: send what is still to print to /dev/null (no error at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


CHECK_HELP = """\
Evaluate a monitoring config on a batch of production data, exactly as the notebook judges
it, and list the alerts (window, feature, domain, severity, route, suppressed, message).

exit status:
  0  no unsuppressed alert at or above --fail-on (and a promotion verdict below
     --fail-on-verdict, when the config has a promotion section)
  1  at least one unsuppressed alert at or above --fail-on, or a promotion verdict at or
     beyond --fail-on-verdict (hold < reject)
  2  bad usage, or a config or data file that cannot be read or judged (one line on stderr)

A batch with no rows is an alert (quality.empty_batch), never "all clear". Give whole
windows: a window the batch covers in part is judged on the rows it has.
"""

DEMO_HELP = """\
Open JupyterLab on the quickstart notebook with the demo data (a credit-risk model: 60
days of reference, 90 days of production with incidents built in), or, with --text, print
the same findings. --config and --batch write a monitoring config and a batch of the demo
to try `mlmon check` on:

  mlmon demo --config monitoring.yaml --batch batch.parquet
  mlmon check monitoring.yaml batch.parquet
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlmon", description="Monitor ML models from a notebook.")
    parser.add_argument("--version", action="version", version=f"mlmon_widgets {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    formatter = argparse.RawDescriptionHelpFormatter
    run_demo = commands.add_parser(
        "demo",
        help="open JupyterLab on the quickstart notebook with the demo data",
        description=DEMO_HELP,
        formatter_class=type("Help", (formatter, argparse.ArgumentDefaultsHelpFormatter), {}),
    )
    run_demo.add_argument("--text", action="store_true", help="print the findings instead")
    run_demo.add_argument("--window", default="1D", help="window of --text, a pandas offset")
    run_demo.add_argument("--width", type=int, default=100, help="characters per line of --text")
    run_demo.add_argument("--dir", default="mlmon-demo", help="where the notebook is written")
    run_demo.add_argument("--port", type=int, default=None, help="JupyterLab's port")
    run_demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    run_demo.add_argument("--dry-run", action="store_true", help="print the command only")
    run_demo.add_argument(
        "--batch",
        metavar="PATH",
        help="write the last week of the demo's production (.parquet, .csv)",
    )
    run_demo.add_argument(
        "--config", metavar="PATH", help="write a monitoring config of the demo (.yaml, .json)"
    )
    run_check = commands.add_parser(
        "check",
        help="evaluate a monitoring config on production data (exit 1 on alerts)",
        description=CHECK_HELP,
        formatter_class=type("Help", (formatter, argparse.ArgumentDefaultsHelpFormatter), {}),
    )
    run_check.add_argument("config", metavar="CONFIG", help="the config, .yaml/.yml or .json")
    run_check.add_argument(
        "data",
        metavar="DATA",
        help="production data: .parquet/.pq or .csv, or a folder or glob of Parquet files",
    )
    run_check.add_argument(
        "--time", default=None, help="timestamp column, replacing the config's window.time"
    )
    run_check.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        dest="fmt",
        help="text: a header line and a table; json: a list of alerts, one object per line",
    )
    run_check.add_argument(
        "--fail-on",
        choices=tuple(LEVELS),
        default=ALERT_LEVELS[-1],
        help="lowest severity of an unsuppressed alert that makes the exit status 1",
    )
    run_check.add_argument(
        "--fail-on-verdict",
        choices=DECISIONS[1:],
        default=REJECT,
        help="promotion verdict (of a config's promotion section) that makes the exit status 1",
    )
    run_check.add_argument(
        "--engine",
        choices=ENGINES,
        default=ENGINES[0],
        help="pandas: read DATA whole; arrow: stream it (Parquet file, folder or glob) in "
        "bounded memory; dask: run on Dask (the cluster of DASK_SCHEDULER_ADDRESS, or local)",
    )
    # One line on stderr for bad usage, like every other refusal of `mlmon check`.
    run_check.error = lambda message: run_check.exit(  # type: ignore[method-assign]
        2, f"mlmon check: {message} (see mlmon check --help)\n"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mlmon`` command."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return check(
                args.config,
                args.data,
                time=args.time,
                fmt=args.fmt,
                fail_on=args.fail_on,
                fail_on_verdict=args.fail_on_verdict,
                engine=args.engine,
            )
        if args.batch or args.config:
            for path, write in ((args.config, write_demo_config), (args.batch, write_demo_batch)):
                if path:
                    print(f"mlmon demo: wrote {write(path)}")
            return 0
        if args.text:
            return demo(window=args.window, width=args.width)
        return demo_lab(args.dir, port=args.port, browser=not args.no_browser, dry_run=args.dry_run)
    except (TypeError, ValueError) as err:
        print(f"mlmon: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _quiet_stdout()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
