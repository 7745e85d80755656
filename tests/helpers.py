"""Assertions shared by the statistics tests."""

from __future__ import annotations

import numpy as np

TINY = 1e-300  # p-values below this count as "underflowed to zero"


def assert_p_close(actual: float, expected: float) -> None:
    """p-values agree to 1e-9 relative; both may underflow to (nearly) zero."""
    assert 0.0 <= actual <= 1.0
    if expected < TINY or actual < TINY:
        assert expected < TINY and actual < TINY, (actual, expected)
        return
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=0)
