"""Shared pieces of the reliability tests: how much to run, and a tmp store.

CI runs a small, fixed amount of each check so the whole folder stays within
a few minutes on two cores. ``STORYTRACE_RELIABILITY_SCALE=N`` multiplies
every count (fuzzed inputs, kills, load duration) for a longer local run;
RELIABILITY.md gives the figures of such runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder carries the ``reliability`` marker."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)
