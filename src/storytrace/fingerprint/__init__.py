"""Fingerprints: what storytrace stores per article to find and verify its versions.

An exact hash of the body, a MinHash signature with LSH band keys (copies
and near-copies), embeddings of the document and of its sentences
(rewrites), and the facts that tell one event from another of the same kind.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

import numpy as np

from storytrace.fingerprint.embed import (
    DEFAULT_MODEL,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
)
from storytrace.fingerprint.facts import extract_facts
from storytrace.fingerprint.minhash import (
    SHINGLE_K,
    band_keys,
    estimate_jaccard,
    minhash,
    signature,
)
from storytrace.fingerprint.records import DateRef, Entity, Facts, Fingerprint, Quantity, Quote
from storytrace.fingerprint.shingles import (
    shingle_hashes_of,
    shingle_words_of,
    token_hashes,
    tokens,
    top32,
)
from storytrace.model import Article

__all__ = [
    "DEFAULT_MODEL",
    "DateRef",
    "Embedder",
    "Entity",
    "Facts",
    "Fingerprint",
    "HashingEmbedder",
    "Quantity",
    "Quote",
    "SentenceTransformerEmbedder",
    "band_keys",
    "document_vectors",
    "embeddable_sentences",
    "estimate_jaccard",
    "extract_facts",
    "fingerprint",
    "fingerprint_many",
    "signature",
    "with_sentence_vectors",
]

# Sentences shorter than this many words ("Read more.", "Photo: AP") carry
# no story and match anything similar; they are left out of alignment.
MIN_SENTENCE_WORDS = 4


def embeddable_sentences(article: Article) -> tuple[str, ...]:
    """The sentences worth aligning: long enough, and not listed as boilerplate."""
    boiler = {line.strip() for line in article.boilerplate}
    sentences = article.sentences or tuple(p for p in article.body.splitlines() if p.strip())
    return tuple(
        s for s in sentences if len(s.split()) >= MIN_SENTENCE_WORDS and s.strip() not in boiler
    )


def _document_text(article: Article) -> str:
    """Title and body: the headline is the densest summary of the story."""
    if article.title and not article.body.startswith(article.title):
        return f"{article.title}\n{article.body}"
    return article.body


def document_vectors(articles: Sequence[Article], embedder: Embedder) -> np.ndarray:
    """The document vectors of ``articles`` (title and body), in one batch: one row each."""
    return embedder.encode([_document_text(a) for a in articles])


def fingerprint_many(
    articles: Sequence[Article],
    embedder: Embedder | None = None,
    *,
    sentence_vectors: bool = True,
) -> list[Fingerprint]:
    """Fingerprints of many articles, embedding all documents and all sentences in two batches.

    Without an ``embedder`` the fingerprints carry no vectors (lexical and
    fact evidence only). With ``sentence_vectors=False`` only the document
    vectors are made: sentence vectors cost about four times as much and
    only pairs that reach verification with a chance of being one story
    need them (:func:`with_sentence_vectors` adds them then).
    """
    doc_vecs: np.ndarray | None = None
    sent_vecs: list[np.ndarray | None] = [None] * len(articles)
    sentences = [embeddable_sentences(a) for a in articles]
    if embedder is not None and articles:
        doc_vecs = document_vectors(articles, embedder)
        if sentence_vectors:
            sent_vecs = _encode_groups(sentences, embedder)
    out = []
    for i, art in enumerate(articles):
        words = token_hashes(tokens(art.body))
        sh5 = shingle_words_of(words, SHINGLE_K)
        out.append(
            Fingerprint(
                article_id=art.id,
                body_sha256=hashlib.sha256(art.body.encode("utf-8")).hexdigest(),
                minhash=minhash(sh5),
                shingles3=shingle_hashes_of(words, 3),
                shingles5=top32(sh5),
                facts=extract_facts(_document_text(art), art.published),
                embedding=None if doc_vecs is None else doc_vecs[i],
                sentence_embeddings=sent_vecs[i],
                sentences=sentences[i],
            )
        )
    return out


def fingerprint(article: Article, embedder: Embedder | None = None) -> Fingerprint:
    """The fingerprint of one article (see :func:`fingerprint_many`)."""
    return fingerprint_many([article], embedder)[0]


def _encode_groups(groups: Sequence[Sequence[str]], embedder: Embedder) -> list[np.ndarray | None]:
    """One matrix of sentence vectors per group, all encoded in one batch."""
    flat = [s for group in groups for s in group]
    encoded = embedder.encode(flat) if flat else np.zeros((0, embedder.dim), np.float32)
    out: list[np.ndarray | None] = []
    start = 0
    for group in groups:
        out.append(encoded[start : start + len(group)])
        start += len(group)
    return out


def with_sentence_vectors(
    fingerprints: Sequence[Fingerprint], embedder: Embedder
) -> list[Fingerprint]:
    """The fingerprints, each with its sentence vectors (those missing made in one batch).

    Only fingerprints that have a document vector and lack sentence vectors
    (:attr:`Fingerprint.lacks_sentence_vectors`) are encoded; the rest are
    returned as they are.
    """
    todo = [i for i, fp in enumerate(fingerprints) if fp.lacks_sentence_vectors]
    out = list(fingerprints)
    if not todo:
        return out
    made = _encode_groups([fingerprints[i].sentences for i in todo], embedder)
    for i, vectors in zip(todo, made, strict=True):
        out[i] = dataclasses.replace(fingerprints[i], sentence_embeddings=vectors)
    return out
