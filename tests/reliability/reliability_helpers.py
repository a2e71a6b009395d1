"""Counts for the reliability tests (a module of its own so tests can import it)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("STORYTRACE_RELIABILITY_SCALE", "1")))


def scaled(ci_count: int) -> int:
    """``ci_count`` in CI, times ``STORYTRACE_RELIABILITY_SCALE`` locally."""
    return ci_count * SCALE


# deadline=None: hypothesis's per-example deadline would fail slow-but-bounded
# examples at random; the tests check their own time bounds instead.
settings.register_profile(
    "reliability",
    max_examples=scaled(40),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
