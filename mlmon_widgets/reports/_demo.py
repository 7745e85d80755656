"""The demo's findings as text, and a batch and a config of the demo to try ``mlmon check``."""

from __future__ import annotations

import pathlib
import textwrap
from typing import Any

import pandas as pd

from ..config import MonitoringConfig
from ..datasets import load_demo
from ..engine import (
    ALERT_LEVELS,
    CRITICAL,
    DEFAULT_THRESHOLDS,
    FEATURE_KINDS,
    INSUFFICIENT_DATA,
    QUALITY_METRICS,
    VERSION,
    WARNING,
    Baseline,
    backtest,
    classify,
    data_quality,
    drift_over_time,
    reference_chunks,
    rules_from_suggestions,
    thresholds_from_chunks,
    version_events,
)
from ._text import fit_table, short

MISSING_RATE, INVALID_RATE, OUT_OF_RANGE, UNSEEN_SHARE = QUALITY_METRICS


def _summary(table: pd.DataFrame) -> list[list[Any]]:
    """Per feature: windows per severity, first alert, the worst window and its reason."""
    rows = []
    for feature, group in table.groupby("feature", sort=False, observed=True):
        severity = group["severity"].astype(str)
        alerts = group[severity.isin(ALERT_LEVELS)]
        first = worst = pd.NaT
        reason = ""
        if len(alerts):
            ranked = alerts.assign(rank=(alerts["severity"].astype(str) != CRITICAL).astype(int))
            top = ranked.sort_values(["rank", "p_adjusted"]).iloc[0]
            first, worst = alerts["window_start"].min(), top["window_start"]
            reason = str(top["reason"]).partition(" and ")[2]  # the effect sizes that matter
        rows.append(
            [
                feature,
                int((severity == CRITICAL).sum()),
                int((severity == WARNING).sum()),
                int((severity == INSUFFICIENT_DATA).sum()),
                first,
                worst,
                reason,
            ]
        )
    return sorted(rows, key=lambda r: (-r[1], -r[2]))


def _percent(value: float) -> str:
    return "" if pd.isna(value) else f"{100 * value:.2g}%"


def _learned(
    table: pd.DataFrame, suggestions: pd.DataFrame, chunks: pd.DataFrame, tuned: pd.DataFrame
) -> list[list[Any]]:
    """Per feature: the learned rule, the false alarms of each rule set, the alerts it keeps."""
    default = backtest(table, chunks=chunks).features
    learned = backtest(table, chunks=chunks, thresholds=rules_from_suggestions(suggestions))
    rows = []
    for feature, row in suggestions.iterrows():
        kept = tuned[tuned["feature"] == feature]["severity"].astype(str)
        rows.append(
            [
                feature,
                f"{row['metric']} {short(row[WARNING])} / {short(row[CRITICAL])}",
                _percent(default.loc[feature, "false_alarm"]),
                _percent(learned.features.loc[feature, "false_alarm"]),
                int((kept == CRITICAL).sum()),
                int((kept == WARNING).sum()),
            ]
        )
    return sorted(rows, key=lambda r: (-r[4], -r[5]))


def _quality(quality: pd.DataFrame) -> list[list[Any]]:
    """Columns that went missing, left the reference range or grew new categories."""
    found = quality[quality["role"] != VERSION]  # a new version is an event, listed apart
    found = found[
        (found[MISSING_RATE] >= 0.5)
        | (found[OUT_OF_RANGE] >= 0.05)
        | (found[UNSEEN_SHARE] >= 0.01)
        | (found[INVALID_RATE] > 0)
    ]
    rows = []
    for column, group in found.groupby("column", sort=False, observed=True):
        rows.append(
            [
                column,
                len(group),
                group["window_start"].min(),
                short(group[MISSING_RATE].max(), 3),
                short(group[OUT_OF_RANGE].max(), 3),
                short(group[UNSEEN_SHARE].max(), 3),
                group["unseen_examples"].iloc[-1],
            ]
        )
    return rows


def _paragraph(text: str, width: int) -> str:
    return textwrap.fill(text, width=width)


def demo_findings(window: str = "1D", width: int = 100) -> str:
    """What the demo data shows, as text at most ``width`` characters wide.

    Drift per feature with the default rules; thresholds learned from the reference's own
    variation, with the false-alarm rate each rule set implies on reference chunks (why
    the learned ones alert less); data-quality findings; retraining events; the scenarios
    built into the demo.

    Examples
    --------
    >>> text = demo_findings(width=100)
    >>> max(len(line) for line in text.splitlines()) <= 100
    True
    """
    demo = load_demo()
    roles, time = demo.roles, demo.time
    baseline = Baseline.fit(demo.reference, roles=roles)
    table = drift_over_time(baseline, demo.production, time=time, window=window)
    chunks = reference_chunks(baseline, demo.reference, time=time, window=window)
    if chunks is None:
        raise ValueError(f"window={window!r} leaves fewer than two reference chunks")
    suggestions = thresholds_from_chunks(chunks)
    tuned = classify(table, thresholds=rules_from_suggestions(suggestions))
    quality = data_quality(baseline, demo.production, time=time, window=window)
    events = version_events(baseline, demo.production, time=time, window=window)
    ref_t, prod_t = demo.reference[time], demo.production[time]
    levels = {m: lv for kind in FEATURE_KINDS[:2] for m, lv in DEFAULT_THRESHOLDS[kind].items()}
    defaults = ", ".join(f"{m} {w:g}/{c:g}" for m, (w, c) in levels.items())
    parts = [
        _paragraph(
            f"mlmon demo: credit-risk model, reference {ref_t.min():%Y-%m-%d}.."
            f"{ref_t.max():%Y-%m-%d} ({len(demo.reference):,} rows), production "
            f"{prod_t.min():%Y-%m-%d}..{prod_t.max():%Y-%m-%d} ({len(demo.production):,} rows), "
            f"windows of {window}.",
            width,
        ),
        "",
        _paragraph(
            "Drift per feature with the default thresholds (an alert needs a corrected p below "
            f"0.01 and an effect size at its threshold: {defaults}):",
            width,
        ),
        "",
        fit_table(
            _summary(table),
            ["feature", CRITICAL, WARNING, "too few", "first alert", "worst", "its effect"],
            width=width,
        ),
        "",
        _paragraph(
            "With per-feature thresholds learned from the reference's own day-to-day variation "
            "(mean + 2/3 sigma of PSI over reference chunks of one window). The false-alarm "
            "rate is the share of those chunks (no drift by construction) that each rule set "
            "flags: the learned rules are tighter where a feature is steady (they catch smaller "
            "real changes) and looser where it varies on its own, such as card_spend_7d's weekly "
            "pattern, which the default rules flag on most reference days:",
            width,
        ),
        "",
        fit_table(
            _learned(table, suggestions, chunks, tuned),
            ["feature", "learned rule", "false alarms: default", "learned", CRITICAL, WARNING],
            width=width,
            wrap=1,
        ),
        "",
        _paragraph(
            "Data quality findings (a window with >= 50% missing, >= 5% outside the reference "
            "range, >= 1% unseen categories or unreadable values):",
            width,
        ),
        "",
    ]
    findings = _quality(quality)
    parts.append(
        fit_table(
            findings,
            ["column", "windows", "first", "max missing", "out of range", "unseen", "examples"],
            width=width,
        )
        if findings
        else "  none"
    )
    if len(events):
        parts += ["", "Retraining events (a new model version: recorded, never tested for drift):"]
        parts += [
            textwrap.fill(e, width, initial_indent="  ", subsequent_indent="    ")
            for e in events["event"]
        ]
    parts += ["", "Scenarios built into the demo data:"]
    for column, text in demo.scenarios.items():
        parts.append(
            textwrap.fill(f"{column}: {text}", width, initial_indent="  ", subsequent_indent="    ")
        )
    return "\n".join(parts)


def write_demo_batch(path: str | pathlib.Path, *, days: int = 7) -> pathlib.Path:
    """Write the demo's last ``days`` days of production (Parquet, or CSV by extension).

    A batch to try ``mlmon check`` on, as a production job would receive it.
    """
    demo = load_demo()
    stamps = demo.production[demo.time]
    batch = demo.production[stamps >= stamps.max().normalize() - pd.Timedelta(days=days - 1)]
    path = pathlib.Path(path)
    if path.suffix.lower() == ".csv":
        batch.to_csv(path, index=False)
    else:
        batch.to_parquet(path, index=False)
    return path


def write_demo_config(path: str | pathlib.Path, *, window: str = "1D") -> pathlib.Path:
    """Write a monitoring config of the demo model (YAML, or JSON by extension).

    The reference as baseline, daily windows on the notebook's grid and the default rules:
    what a notebook exports before any threshold is tuned.
    """
    demo = load_demo()
    baseline = Baseline.fit(demo.reference, roles=demo.roles)
    start = demo.production[demo.time].min().normalize()
    config = MonitoringConfig.from_baseline(
        baseline,
        model="credit-risk",
        version="1.4.0",
        note="the demo's default rules (mlmon demo --config)",
        time=demo.time,
        window=window,
        origin=start.isoformat(),
    )
    path = pathlib.Path(path)
    if path.suffix.lower() == ".json":
        config.to_json(path)
    else:
        config.to_yaml(path)
    return path
