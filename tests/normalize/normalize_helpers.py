"""Paths shared by the normalization tests (a plain module: test files import it)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "normalize"
GAZETTE = FIXTURES / "gazette"
# The mission's seed articles live beside the repository, not in it.
from fixtures import SEEDS  # noqa: E402,F401  (tests/matching/fixtures.py; one definition)


def gazette(name: str) -> str:
    """The text of one of the made-up site's scraped pages."""
    return (GAZETTE / name).read_text(encoding="utf-8")
