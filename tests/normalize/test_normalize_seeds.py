"""The seed articles: the example storytrace was designed from.

The seeds belong to their publishers, so no seed text is written here: the
expected paragraphs and boilerplate lines are found in the seed files at
test time, from the few phrases the mission statement names.
"""

from __future__ import annotations

import re

import pytest
from normalize_helpers import SEEDS

from storytrace.model import Article, RawDocument
from storytrace.normalize import clean_text, normalize
from storytrace.normalize.dates import is_date_line

pytestmark = [
    pytest.mark.seeds,
    pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present"),
]

COPY = "003_e77c3309438bd7ab.txt"
REWRITE = "000_ea8a34ecb2694d23.txt"
WIRE = "001_ce11d9fc343f4ddf.txt"

# Counted by reading 003: the report runs from its first paragraph to "This
# story has been updated.", 19 paragraphs plus one subheading.
REPORT_PARAGRAPHS = 19
SUBHEADINGS = 1


def _read(name: str) -> tuple[str, Article]:
    text = (SEEDS / name).read_text(encoding="utf-8")
    return text, normalize(RawDocument(origin=name, content=text))


def _raw_lines(text: str) -> list[str]:
    return [clean_text(line) for line in text.splitlines() if clean_text(line)]


def _report_bounds(lines: list[str]) -> tuple[int, int]:
    first = next(i for i, t in enumerate(lines) if t.startswith("Ukrainian President Volodymyr"))
    last = next(i for i, t in enumerate(lines) if t == "This story has been updated.")
    return first, last


def test_copy_keeps_every_report_paragraph() -> None:
    text, article = _read(COPY)
    lines = _raw_lines(text)
    first, last = _report_bounds(lines)
    report = lines[first : last + 1]
    assert article.paragraphs[0] == report[0]
    assert article.paragraphs[-1] == "This story has been updated."
    assert article.paragraphs == report
    assert len(report) == REPORT_PARAGRAPHS + SUBHEADINGS
    assert len([p for p in article.paragraphs if p.endswith((".", '"'))]) >= REPORT_PARAGRAPHS - 1


def test_copy_drops_all_site_boilerplate() -> None:
    text, article = _read(COPY)
    lines = _raw_lines(text)
    first, last = _report_bounds(lines)
    around = set(lines[:first] + lines[last + 1 :])
    assert around, "the seed should have site boilerplate around the report"
    for paragraph in article.paragraphs:
        assert paragraph not in around
        assert not is_date_line(paragraph)
    for needle in (
        "You may also like",
        "Latest",
        "Disclaimer",
        "Copyright",
        "FacebookTwitter",
        "appeared first",
        "Categories",
        "previous post",
        "next post",
        "Whale Large Capital",
        "•",
    ):
        assert needle not in article.body
    assert not any(re.fullmatch(r"\d+", p) for p in article.paragraphs)
    # Everything dropped is kept aside, for a reader to inspect.
    assert set(article.boilerplate) == around


def test_copy_names_its_source_and_headline() -> None:
    text, article = _read(COPY)
    assert article.claimed_source == "cnn.com"
    lines = _raw_lines(text)
    first, _ = _report_bounds(lines)
    repeated = [t for t in lines[:first] if lines[:first].count(t) == 2 and len(t.split()) > 5]
    assert article.title == repeated[-1]
    assert article.published is not None
    assert article.published.year == 2025
    assert article.sentences[-1] == "This story has been updated."


def test_wire_rewrite_dateline_and_slug() -> None:
    text, article = _read(WIRE)
    assert article.dateline == "Ukraine, Jan 12, (V7N)"
    assert article.claimed_source == "V7N"
    assert not article.body.startswith("Ukraine, Jan 12")
    assert article.body.startswith("Ukrainian forces")
    assert article.end_slug == "END/WD/SMA/"
    assert "END/" not in article.body
    assert len(article.paragraphs) == len(_raw_lines(text)) - 1


def test_rewrite_stray_tag_is_cleaned() -> None:
    text, article = _read(REWRITE)
    assert "<p" in text
    assert "<p" not in article.body
    fused = next(line for line in text.splitlines() if line.startswith("<p"))
    cleaned = clean_text(fused)
    assert cleaned.startswith("Zelensky")
    assert cleaned in article.paragraphs
    # The headline on the first line is the title, not a paragraph.
    assert article.title == clean_text(text.splitlines()[0])
    assert article.paragraphs[0] != article.title
    assert "J.D. Vance" in " ".join(s for s in article.sentences if "Vance" in s)
    assert not any(s.endswith(("J.D.", "U.S")) for s in article.sentences[:-1])
