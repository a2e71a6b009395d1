"""Datelines, end slugs and credit lines (table-driven)."""

from __future__ import annotations

import pytest

from storytrace.model import RawDocument
from storytrace.normalize import clean_text, normalize
from storytrace.normalize.wire import attribution, split_dateline, split_end_slugs

DATELINES = [
    # (first paragraph, dateline, agency, start of the rest)
    ("Valley, Feb 3, (V7N) - Farmers met on Monday.", "Valley, Feb 3, (V7N)", "V7N", "Farmers"),
    (
        "WASHINGTON (Reuters) - The Senate voted on Friday.",
        "WASHINGTON (Reuters)",
        "Reuters",
        "The",
    ),
    (
        "LONDON, March 3 (AP) — Britain's rail unions met.",
        "LONDON, March 3 (AP)",
        "AP",
        "Britain's",
    ),
    ("KYIV, Ukraine — Drones struck a depot overnight.", "KYIV, Ukraine", None, "Drones"),
    ("PARIS: French farmers blocked roads on Tuesday.", "PARIS", None, "French"),
    (
        "NEW YORK, Jan. 5 (Reuters) -- Stocks rose.",
        "NEW YORK, Jan. 5 (Reuters)",
        "Reuters",
        "Stocks",
    ),
    (
        "ST. PETERSBURG, Russia, 12 June 2024 - A fire broke out.",
        "ST. PETERSBURG, Russia, 12 June 2024",
        None,
        "A",
    ),
    ("(CNN) - A storm hit the coast.", "(CNN)", "CNN", "A"),
    ("Port Ellen, March 3 - The council met.", "Port Ellen, March 3", None, "The"),
    ('GENEVA (AFP) - "We are ready," the envoy said.', "GENEVA (AFP)", "AFP", '"We'),
]
NOT_DATELINES = [
    "Kyiv said on Friday it had shot down 40 drones.",
    "Ukraine, Russia and Belarus met on Friday - talks went nowhere.",
    "Paris is preparing for the marathon - and for rain.",
    "Zelensky: We will not give up an inch of land.",
    "BREAKING: The bridge has reopened.",
    "U.S. officials - speaking anonymously - said the talks stalled.",
    "The U.S. Army said it would send more trainers.",
    "Russia (which denies it) - said nothing more.",
    "In Kyiv, March 3 was quiet.",
]


@pytest.mark.parametrize(("text", "dateline", "agency", "rest"), DATELINES)
def test_datelines(text: str, dateline: str, agency: str | None, rest: str) -> None:
    found, remainder, found_agency = split_dateline(clean_text(text))
    assert found == dateline
    assert found_agency == agency
    assert remainder.startswith(rest)


@pytest.mark.parametrize("text", NOT_DATELINES)
def test_first_sentence_is_not_eaten(text: str) -> None:
    assert split_dateline(clean_text(text)) == (None, clean_text(text), None)


SLUGS = [
    (["Body ends here.", "END/WD/SMA/"], "END/WD/SMA/"),
    (["Body ends here.", "-- END --"], "-- END --"),
    (["Body ends here.", "-30-"], "-30-"),
    (["Body ends here.", "###"], "###"),
    (["Body ends here.", "/ends"], "/ends"),
    (["Body ends here.", "ENDS"], "ENDS"),
    (
        ["Body ends here.", "(Reporting by Ana Ruiz; Editing by Bo Lee)"],
        "(Reporting by Ana Ruiz; Editing by Bo Lee)",
    ),
    (
        ["Body ends here.", "Reporting by Ana Ruiz; Editing by Bo Lee"],
        "Reporting by Ana Ruiz; Editing by Bo Lee",
    ),
    (["Body ends here. (Reporting by Ana Ruiz)"], "(Reporting by Ana Ruiz)"),
    (
        ["Body ends here.", "(Writing by Ana Ruiz; Editing by Bo Lee)", "###"],
        "(Writing by Ana Ruiz; Editing by Bo Lee) ###",
    ),
    (["Body ends here. END/AB/"], "END/AB/"),
]
NOT_SLUGS = [
    ["The end of the war is near."],
    ["Reporting by the BBC showed the figures were wrong."],
    ["He wrote (reporting for the paper) that prices rose."],
    ["Ends meet, he said, only just."],
]


@pytest.mark.parametrize(("paragraphs", "slug"), SLUGS)
def test_end_slugs(paragraphs: list[str], slug: str) -> None:
    kept, found = split_end_slugs(paragraphs)
    assert found == slug
    assert kept == ["Body ends here."]


@pytest.mark.parametrize("paragraphs", NOT_SLUGS)
def test_not_end_slugs(paragraphs: list[str]) -> None:
    assert split_end_slugs(paragraphs) == (paragraphs, None)


CREDITS = [
    ("This post appeared first on cnn.com", "cnn.com"),
    ("This post appeared first on cnn.com.", "cnn.com"),
    ("This article originally appeared on The Conversation.", "The Conversation"),
    ("This story was first published by Harbor Wire.", "Harbor Wire"),
    (
        "The post Night trains return appeared first on Lantern Ridge Gazette.",
        "Lantern Ridge Gazette",
    ),
    ("Originally published at https://example.org/", "example.org"),
    ("Source: Reuters", "Reuters"),
    ("Read the original article on Valley Courier.", "Valley Courier"),
    ("Republished with permission from Harbor Wire", "Harbor Wire"),
]
NOT_CREDITS = [
    "The source said the talks failed.",
    "This post has been updated.",
    "This story appeared to confirm what officials had said in private for weeks, and it ran on.",
    "Sources say the talks failed.",
]


@pytest.mark.parametrize(("line", "source"), CREDITS)
def test_credit_lines(line: str, source: str) -> None:
    assert attribution(line) == source


@pytest.mark.parametrize("line", NOT_CREDITS)
def test_not_credit_lines(line: str) -> None:
    assert attribution(line) is None


def test_wire_story_end_to_end() -> None:
    text = (
        "WASHINGTON (Reuters) - The Senate passed the budget on Friday, "
        "ending a week of talks.\n\n"
        "The bill now goes to the House, where a vote is expected next week.\n\n"
        "(Reporting by Ana Ruiz; Editing by Bo Lee)\n"
    )
    article = normalize(RawDocument("wire.txt", text))
    assert article.dateline == "WASHINGTON (Reuters)"
    assert article.claimed_source == "Reuters"
    assert article.end_slug == "(Reporting by Ana Ruiz; Editing by Bo Lee)"
    assert article.body.startswith("The Senate passed")
    assert article.body.endswith("expected next week.")


def test_credit_line_beats_dateline_agency() -> None:
    text = (
        "LONDON (AP) - Rail workers walked out on Monday over pay and hours.\n"
        "This article originally appeared on Harbor Wire\n"
    )
    article = normalize(RawDocument("c.txt", text))
    assert article.claimed_source == "Harbor Wire"
    assert "Harbor Wire" not in article.body


def test_credit_sentence_at_the_end_of_the_last_paragraph() -> None:
    text = (
        "Rail workers walked out on Monday over pay.\n"
        "Unions said the strike would last a week. This post appeared first on harbor.example."
    )
    article = normalize(RawDocument("c.txt", text))
    assert article.claimed_source == "harbor.example"
    assert article.paragraphs[-1] == "Unions said the strike would last a week."
