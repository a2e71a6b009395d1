"""Sentence lists in the store: spans of the body where they can be, texts where not."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from storytrace.store.codec import json_texts, texts_json


@st.composite
def _body_and_texts(draw: st.DrawFn) -> tuple[str, list[str]]:
    body = draw(st.text(max_size=200))
    texts = []
    for _ in range(draw(st.integers(0, 8))):
        if body and draw(st.booleans()):
            start = draw(st.integers(0, len(body)))
            end = draw(st.integers(start, min(len(body), start + 40)))
            texts.append(body[start:end])  # a slice (perhaps empty, out of order)
        else:
            texts.append(draw(st.text(max_size=20)))  # perhaps not a slice
    return body, texts


@given(_body_and_texts())
def test_texts_come_back_as_they_went_in(case: tuple[str, list[str]]) -> None:
    body, texts = case
    assert json_texts(texts_json(texts, body), body) == tuple(texts)
    assert json_texts(texts_json(texts, None), None) == tuple(texts)


def test_slices_become_spans_and_the_rest_stays_text() -> None:
    body = "Flood waters rose. Residents fled. The mayor spoke."
    stored = texts_json(["Flood waters rose.", "The mayor spoke.", "Not in it."], body)
    assert json.loads(stored) == [[0, 18], [35, 51], "Not in it."]
