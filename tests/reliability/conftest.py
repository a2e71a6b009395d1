"""Shared pieces of the reliability tests: the marker, and how much to run.

CI runs a small, fixed amount of each check so the whole folder stays within
a few minutes on two cores. ``STORYTRACE_RELIABILITY_SCALE=N`` multiplies
every count (fuzzed inputs, kills, load duration) for a longer local run;
RELIABILITY.md gives the figures of such runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import reliability_helpers  # noqa: F401 - registers the hypothesis profile


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder carries the ``reliability`` marker."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)
