"""Fingerprints to and from SQLite columns.

Arrays are stored as raw little-endian bytes (no pickle: a store file must
never run code when read); facts as JSON. Sentence vectors are stored as
float16: half the bytes, and alignment cosines move by under 0.001.

Lists of sentences are stored as JSON lists whose items are either the
text itself or the ``[start, end]`` span of that text in the article's
body (:func:`texts_json`). Sentences are cut from the body, so spans are
the rule: an article's sentences and its embeddable ones were two more
copies of its body, 7 of 24 KB per article on disk. Rows written before
schema 6 hold texts only and read back unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from storytrace.fingerprint import DateRef, Entity, Facts, Fingerprint, Quantity, Quote

__all__ = [
    "FINGERPRINT_COLUMNS",
    "as_stored",
    "fingerprint_row",
    "json_texts",
    "row_fingerprint",
    "sentence_vectors_blob",
    "texts_json",
]

FINGERPRINT_COLUMNS = (
    "article_id, model, body_sha256, minhash, shingles3, shingles5, embedding, "
    "sentence_embeddings, sentences, facts"
)


def _facts_json(facts: Facts) -> str:
    return json.dumps(
        {
            "entities": [[e.name, e.kind, e.mentions] for e in facts.entities],
            "quantities": [[q.value, q.op, q.unit, q.text] for q in facts.quantities],
            "dates": [[d.year, d.month, d.day, d.text, d.weekday, d.relative] for d in facts.dates],
            "quotes": [[q.text, q.speaker] for q in facts.quotes],
        },
        ensure_ascii=False,
    )


def _json_facts(text: str) -> Facts:
    data: dict[str, list[list[Any]]] = json.loads(text)
    return Facts(
        entities=tuple(Entity(n, k, m) for n, k, m in data["entities"]),
        quantities=tuple(Quantity(v, o, u, t) for v, o, u, t in data["quantities"]),
        dates=tuple(DateRef(y, m, d, t, w, r) for y, m, d, t, w, r in data["dates"]),
        quotes=tuple(Quote(t, s) for t, s in data["quotes"]),
    )


def texts_json(texts: Sequence[str], body: str | None) -> str:
    """``texts`` as JSON, each found in ``body`` (in order) as its ``[start, end]`` span.

    A text that is not a slice of ``body`` (or every text, when ``body`` is
    ``None``) is kept as the text. :func:`json_texts` reverses it.
    """
    if not body:
        return json.dumps(list(texts), ensure_ascii=False)
    items: list[str | list[int]] = []
    cursor = 0
    for text in texts:
        at = body.find(text, cursor) if text else -1
        if at < 0 and text:
            at = body.find(text)  # out of order: still a slice
        if at < 0:
            items.append(text)
            continue
        cursor = at + len(text)
        items.append([at, cursor])
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def json_texts(value: str, body: str | None) -> tuple[str, ...]:
    """The texts of a :func:`texts_json` list, spans cut from ``body``.

    Raises:
        ValueError: a span that ``body`` does not hold (or no body to cut it from).
    """
    out: list[str] = []
    for item in json.loads(value):
        if isinstance(item, str):
            out.append(item)
            continue
        start, end = item
        if body is None or not 0 <= start <= end <= len(body):
            raise ValueError(f"sentence span {item!r} lies outside the article body")
        out.append(body[start:end])
    return tuple(out)


def sentence_vectors_blob(fp: Fingerprint) -> bytes | None:
    """The sentence vectors as float16 bytes (``None``: not made)."""
    vectors = fp.sentence_embeddings
    return None if vectors is None else np.asarray(vectors, dtype="<f2").tobytes()


def as_stored(fp: Fingerprint) -> Fingerprint:
    """``fp`` as it reads back from a store: sentence vectors rounded to float16.

    What is scored in memory then equals what is scored after a round trip
    through the store, to the last bit.
    """
    vectors = fp.sentence_embeddings
    if vectors is None:
        return fp
    rounded = np.asarray(vectors, dtype="<f2").astype(np.float32)
    return replace(fp, sentence_embeddings=rounded)


def fingerprint_row(fp: Fingerprint, model: str, body: str | None = None) -> tuple[object, ...]:
    """The values of :data:`FINGERPRINT_COLUMNS` for one fingerprint.

    With ``body`` (the article's), sentences are stored as spans of it, and
    :func:`row_fingerprint` needs the same body to read them back.
    """
    return (
        fp.article_id,
        model,
        fp.body_sha256,
        np.ascontiguousarray(fp.minhash, dtype="<u4").tobytes(),
        np.ascontiguousarray(fp.shingles3, dtype="<u4").tobytes(),
        np.ascontiguousarray(fp.shingles5, dtype="<u4").tobytes(),
        None if fp.embedding is None else np.asarray(fp.embedding, dtype="<f4").tobytes(),
        sentence_vectors_blob(fp),
        texts_json(fp.sentences, body),
        _facts_json(fp.facts),
    )


def row_fingerprint(row: tuple[Any, ...], body: str | None = None) -> Fingerprint:
    """A fingerprint back from a row of :data:`FINGERPRINT_COLUMNS`.

    ``body`` is the article's, needed when the row stores sentence spans
    (see :func:`fingerprint_row`).
    """
    (article_id, _model, sha, minhash, sh3, sh5, emb, sent_emb, sentences, facts) = row
    embedding = None if emb is None else np.frombuffer(emb, dtype="<f4").astype(np.float32)
    sentence_list = json_texts(sentences, body)
    sentence_vectors = None
    if sent_emb is not None:
        flat = np.frombuffer(sent_emb, dtype="<f2").astype(np.float32)
        dim = len(embedding) if embedding is not None else (len(flat) // max(len(sentence_list), 1))
        sentence_vectors = flat.reshape(-1, dim) if dim else flat.reshape(0, 0)
    return Fingerprint(
        article_id=article_id,
        body_sha256=sha,
        minhash=np.frombuffer(minhash, dtype="<u4").astype(np.uint32),
        shingles3=np.frombuffer(sh3, dtype="<u4").astype(np.uint32),
        shingles5=np.frombuffer(sh5, dtype="<u4").astype(np.uint32),
        facts=_json_facts(facts),
        embedding=embedding,
        sentence_embeddings=sentence_vectors,
        sentences=sentence_list,
    )
