"""Synthetic predictions whose accuracy drops, with late labels: shared by the ControlChart tests.

``SOURCE`` is Python source (so a browser test can run the same code in a notebook kernel);
:func:`predictions` runs it here.
"""

from __future__ import annotations

from typing import Any

SOURCE = '''
import numpy as np
import pandas as pd

XSS = "<img src=x onerror=alert(1)>"


def predictions(seed=3, days=60, per_day=400, worse_from=42, pending_days=6, start="2024-03-01"):
    """Daily predictions; from day ``worse_from`` the segment XSS gets its labels flipped
    for 60% of rows (the model's quality drops there); the last ``pending_days`` days have
    no label yet. Latency doubles on the last full day of labels."""
    rng = np.random.default_rng(seed)
    n = days * per_day
    ts = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.uniform(0, days * 86400, n)), unit="s")
    day = ((ts - pd.Timestamp(start)) // pd.Timedelta("1D")).to_numpy()
    segment = rng.choice(["online", XSS], n, p=[0.6, 0.4])
    y = rng.random(n) < 0.3
    score = np.clip(np.where(y, 0.7, 0.25) + rng.normal(0, 0.15, n), 0.001, 0.999)
    flip = (day >= worse_from) & (segment == XSS) & (rng.random(n) < 0.6)
    y = np.where(flip, ~y, y)
    label = pd.array(np.where(day >= days - pending_days, pd.NA, y), dtype="boolean")
    latency = rng.gamma(4.0, 10.0, n) * np.where(day == days - pending_days - 1, 2.0, 1.0)
    return pd.DataFrame(
        {"ts": ts, "segment": segment, "score": score, "label": label, "latency": latency}
    )
'''


def predictions(**kwargs: Any) -> Any:
    """Run :data:`SOURCE` and call its ``predictions``."""
    namespace: dict[str, Any] = {}
    exec(SOURCE, namespace)  # our own constant
    return namespace["predictions"](**kwargs)


def assert_segment_alerts_are_the_charts(alerts: Any, segment: str, shown: Any) -> Any:
    """The performance alerts ``evaluate`` gives a segment are those its ControlChart shows.

    Returns the segment's performance alerts.
    """
    mine = alerts[(alerts["segment"] == segment) & (alerts["domain"] == "performance")]
    key = ["window_start", "metric", "severity"]
    expected = shown.rename(columns={"window": "window_start"}) if "window" in shown else shown
    assert sorted(map(tuple, mine[key].to_numpy())) == sorted(map(tuple, expected[key].to_numpy()))
    return mine
