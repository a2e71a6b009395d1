"""Sentence splitting on news text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storytrace.normalize import clean_text, split_sentences

CASES = [
    (
        "Incoming Vice President J.D. Vance has proposed it. He said so.",
        ["Incoming Vice President J.D. Vance has proposed it.", "He said so."],
    ),
    (
        "The U.S. has provided $30 billion. The Kremlin said no.",
        ["The U.S. has provided $30 billion.", "The Kremlin said no."],
    ),
    ("He lives in the U.S. He is happy.", ["He lives in the U.S.", "He is happy."]),
    (
        "Gen. Mark Milley spoke on Jan. 5 in Washington. Mr. Smith agreed.",
        ["Gen. Mark Milley spoke on Jan. 5 in Washington.", "Mr. Smith agreed."],
    ),
    (
        "He spoke. Mrs. Jones agreed. Dr. Who left. Gen. Syrskyi said no.",
        ["He spoke.", "Mrs. Jones agreed.", "Dr. Who left.", "Gen. Syrskyi said no."],
    ),
    (
        "Ms. Harris said. Sen. Graham said. Prof. Li said.",
        ["Ms. Harris said.", "Sen. Graham said.", "Prof. Li said."],
    ),
    (
        "He met Lt. Col. Jones at 3 p.m. on Friday. They talked.",
        ["He met Lt. Col. Jones at 3 p.m. on Friday.", "They talked."],
    ),
    (
        'The U.S. Army said it. "We need to end this war," he said. "It is a mess."',
        ["The U.S. Army said it.", '"We need to end this war," he said.', '"It is a mess."'],
    ),
    (
        "It was George W. Bush who said it. No. 10 Downing St. agreed.",
        ["It was George W. Bush who said it.", "No. 10 Downing St. agreed."],
    ),
    (
        "The St. Louis Fed said so. Shares of Acme Inc. fell 3.5% on Friday.",
        ["The St. Louis Fed said so.", "Shares of Acme Inc. fell 3.5% on Friday."],
    ),
    ("He said no. Gen. Smith said yes.", ["He said no.", "Gen. Smith said yes."]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_news_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentences_never_cross_paragraphs() -> None:
    text = "First paragraph has no stop\n\nSecond one does. And more."
    assert split_sentences(text) == ["First paragraph has no stop", "Second one does.", "And more."]


def test_empty() -> None:
    assert split_sentences("") == []
    assert split_sentences("\n \n") == []


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_split_keeps_every_word(raw: str) -> None:
    # Sentences are split from clean text (no control characters).
    text = clean_text(raw)
    sentences = split_sentences(text)
    assert all(s == s.strip() and s for s in sentences)
    assert "".join("".join(sentences).split()) == "".join(text.split())


# The helpers read the end of a sentence by hand rather than with a regex
# search (which tries every start); they must agree with the patterns.
_NEWS_END = st.text(alphabet="aAbJzX.5 \"')](\n", max_size=24) | st.text(max_size=24)


@given(_NEWS_END)
@settings(max_examples=500, deadline=None)
def test_last_word_and_initial_agree_with_their_patterns(text: str) -> None:
    import re

    from storytrace.normalize.sentences import _INITIAL, _is_initial, _last_word

    match = re.search(r"([A-Za-z][A-Za-z.]*)\.[\"')\]]*$", text)
    assert _last_word(text) == (match.group(1) if match else "")
    assert _is_initial(text) == (_INITIAL.search(text) is not None)
