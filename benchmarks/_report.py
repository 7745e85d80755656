"""What every benchmark prints: a dated heading, the machine, and an append to the docs."""

from __future__ import annotations

import datetime as dt
import os
import platform

import numpy as np
import pandas as pd


def heading(name: str, command: str) -> list[str]:
    """Markdown lines naming the benchmark, the date, the machine and the command."""
    return [
        f"### {name}, {dt.date.today().isoformat()}",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}",
        f"- command: `{command}`",
    ]


def publish(lines: list[str], path: str | None) -> None:
    """Print the report and append it to ``path`` (a markdown file) when given."""
    text = "\n".join(lines) + "\n"
    print(text)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("\n" + text)
