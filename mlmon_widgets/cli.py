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

import pandas as pd

from . import __version__
from .config import ConfigError, MonitoringConfig, evaluate, read_data
from .datasets import load_demo
from .engine import data_quality, drift_over_time, rules_from_suggestions, suggest_thresholds

ALERTS = ("warning", "critical")


def _summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per feature: alert days per severity, first alert and the worst window's reason."""
    rows = []
    for feature, group in table.groupby("feature", sort=False, observed=True):
        alerts = group[group["severity"].isin(ALERTS)]
        worst = group.loc[group["wasserstein"].fillna(group["js"]).fillna(0).idxmax()]
        if len(alerts):
            ranked = alerts.assign(rank=alerts["severity"].map({"critical": 0, "warning": 1}))
            worst = ranked.sort_values(["rank", "p_adjusted"]).iloc[0]
        rows.append(
            {
                "feature": feature,
                "critical": int((group["severity"] == "critical").sum()),
                "warning": int((group["severity"] == "warning").sum()),
                "insufficient": int((group["severity"] == "insufficient_data").sum()),
                "first_alert": alerts["window_start"].min() if len(alerts) else pd.NaT,
                "worst_day": worst["window_start"] if len(alerts) else pd.NaT,
                "reason": worst["reason"] if len(alerts) else "",
            }
        )
    out = pd.DataFrame(rows).set_index("feature")
    return out.sort_values(["critical", "warning"], ascending=False)


def _quality_findings(quality: pd.DataFrame) -> pd.DataFrame:
    """Windows where a column went missing, left the reference range or grew new categories."""
    found = quality[
        (quality["missing_rate"] >= 0.5)
        | (quality["out_of_range"] >= 0.05)
        | (quality["unseen_share"] >= 0.01)
        | (quality["invalid_rate"] > 0)
    ]
    rows = []
    for column, group in found.groupby("column", sort=False, observed=True):
        last = group.iloc[-1]
        rows.append(
            {
                "column": column,
                "windows": len(group),
                "first": group["window_start"].min(),
                "max_missing": group["missing_rate"].max(),
                "max_out_of_range": group["out_of_range"].max(),
                "max_unseen_share": group["unseen_share"].max(),
                "unseen_examples": last["unseen_examples"],
            }
        )
    return pd.DataFrame(rows).set_index("column") if rows else pd.DataFrame()


def _print_table(frame: pd.DataFrame, width: int) -> None:
    text = frame.to_string(
        formatters={
            "first_alert": lambda t: "" if pd.isna(t) else f"{t:%Y-%m-%d}",
            "worst_day": lambda t: "" if pd.isna(t) else f"{t:%Y-%m-%d}",
            "reason": lambda r: r if len(r) <= width else r[: width - 3] + "...",
        },
        justify="left",
    )
    print(text)


def demo(window: str = "1D", width: int = 70) -> int:
    """Print the demo data's drift: default thresholds, then thresholds learned from history."""
    data = load_demo()
    roles = {"application_id": "id"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        table = drift_over_time(
            data.reference, data.production, time=data.time, window=window, roles=roles
        )
        learned = suggest_thresholds(data.reference, window=window, time=data.time, roles=roles)
        quality = data_quality(
            data.reference, data.production, time=data.time, window=window, roles=roles
        )
        tuned = drift_over_time(
            data.reference,
            data.production,
            time=data.time,
            window=window,
            roles=roles,
            thresholds=rules_from_suggestions(learned),
        )
    ref_t, prod_t = data.reference[data.time], data.production[data.time]
    print(
        f"mlmon demo: credit-risk model, reference {ref_t.min():%Y-%m-%d}..{ref_t.max():%Y-%m-%d} "
        f"({len(data.reference):,} rows), production {prod_t.min():%Y-%m-%d}.."
        f"{prod_t.max():%Y-%m-%d} ({len(data.production):,} rows), windows of {window}\n"
    )
    print("Drift per feature with the default thresholds (alert = corrected p < 0.01 and an")
    print("effect size at its threshold: PSI 0.1/0.25, normed Wasserstein 0.1/0.25, JS 0.1/0.2):\n")
    _print_table(_summary(table), width)
    print("\nWith per-feature thresholds learned from the reference's own day-to-day variation")
    print("(suggest_thresholds: mean + 2/3 sigma of PSI over daily reference chunks):\n")
    _print_table(_summary(tuned), width)
    print("\nData quality findings (a window with >= 50% missing, >= 5% outside the reference")
    print("range, >= 1% unseen categories or unreadable values):\n")
    findings = _quality_findings(quality)
    print(
        findings.to_string(
            float_format=lambda v: f"{v:.2f}", formatters={"first": lambda t: f"{t:%Y-%m-%d}"}
        )
        if len(findings)
        else "  none"
    )
    print("\nScenarios built into the demo data:")
    for column, text in data.scenarios.items():
        print(f"  {column}: {text}")
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


LEVELS = {"warning": 1, "critical": 2}


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
    fail_on: str = "critical",
) -> int:
    """Evaluate a config on a data file; 1 if an unsuppressed alert reaches ``fail_on``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        # Exit 1 means alerts: any failure to read or judge the input is exit 2 instead,
        # with a one-line reason (an unexpected exception named by its type).
        try:
            config = MonitoringConfig.load(config_path)
        except Exception as err:
            raise ValueError(_one_line(err, f"{config_path}: ")) from None
        try:
            data = read_data(data_path, config, time=time)
        except Exception as err:
            raise ValueError(_one_line(err, f"{data_path}: ", named=True)) from None
        try:
            alerts = evaluate(config, data, time=time)
        except Exception as err:
            where = "cannot evaluate the config on the data: "
            raise ValueError(_one_line(err, where, named=True)) from None
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
        print(f"mlmon: warning: {message}", file=sys.stderr)
    live = alerts[~alerts["suppressed"]]
    failing = live[live["severity"].map(LEVELS) >= LEVELS[fail_on]]
    counts = alerts["severity"].value_counts()
    model = f"{config.model.name} {config.model.version}".strip()
    header = (
        f"mlmon check: {model}, {len(data):,} rows: {len(alerts)} alert(s) "
        f"({counts.get('critical', 0)} critical, {counts.get('warning', 0)} warning, "
        f"{int(alerts['suppressed'].sum())} suppressed); {len(failing)} at or above "
        f"{fail_on} -> exit {int(len(failing) > 0)}"
    )
    _print_alerts(alerts, fmt, header)
    return 1 if len(failing) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mlmon`` command."""
    parser = argparse.ArgumentParser(prog="mlmon", description="Monitor ML models from a notebook.")
    parser.add_argument("--version", action="version", version=f"mlmon_widgets {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser(
        "demo", help="open JupyterLab on the quickstart notebook with the demo data"
    )
    run_demo.add_argument("--text", action="store_true", help="print the findings instead")
    run_demo.add_argument("--window", default="1D", help="window of --text, a pandas offset")
    run_demo.add_argument("--width", type=int, default=70, help="characters of each reason shown")
    run_demo.add_argument("--dir", default="mlmon-demo", help="where the notebook is written")
    run_demo.add_argument("--port", type=int, default=None, help="JupyterLab's port")
    run_demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    run_demo.add_argument("--dry-run", action="store_true", help="print the command only")
    run_check = commands.add_parser(
        "check", help="evaluate a monitoring config on production data (exit 1 on alerts)"
    )
    run_check.add_argument("config", metavar="CONFIG", help="the config, .yaml/.yml or .json")
    run_check.add_argument("data", metavar="DATA", help="production data, .parquet or .csv")
    run_check.add_argument("--time", default=None, help="timestamp column (default: config's)")
    run_check.add_argument("--format", choices=("text", "json"), default="text", dest="fmt")
    run_check.add_argument(
        "--fail-on",
        choices=tuple(LEVELS),
        default="critical",
        help="lowest severity of an unsuppressed alert that makes the exit status 1",
    )
    # One line on stderr for bad usage, like every other refusal of `mlmon check`.
    run_check.error = lambda message: run_check.exit(  # type: ignore[method-assign]
        2, f"mlmon check: {message} (see mlmon check --help)\n"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return check(args.config, args.data, time=args.time, fmt=args.fmt, fail_on=args.fail_on)
        if args.text:
            return demo(window=args.window, width=args.width)
        return demo_lab(args.dir, port=args.port, browser=not args.no_browser, dry_run=args.dry_run)
    except (TypeError, ValueError) as err:
        print(f"mlmon: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
