"""Shared fixtures: seeded frames used across the engine tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from .widget_comm import recording  # noqa: F401 (a fixture for the widget tests)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20241125)


def make_frame(rng: np.random.Generator, n: int, *, shift: float = 0.0) -> pd.DataFrame:
    """Numeric, categorical and boolean features with an optional mean shift in ``x``."""
    return pd.DataFrame(
        {
            "x": rng.normal(shift, 1.0, n),
            "y": rng.exponential(2.0, n),
            "color": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
            "flag": rng.random(n) < 0.3,
        }
    )


@pytest.fixture
def frames(rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_frame(rng, 4000), make_frame(rng, 3000)


@pytest.fixture(scope="session")
def dask_client():
    """One Dask cluster for the session: 2 worker processes, quiet.

    ``dashboard_address=None`` still serves the scheduler's HTTP routes on port 8787 (and
    warns, then leaks a socket, when another cluster holds that port); ``':0'`` takes a
    free port instead, so the suite's warnings-as-errors stays quiet whatever runs beside.
    """
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
