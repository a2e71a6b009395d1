"""The batch stages: plain functions over whole batches of rows, shared by every engine.

A row is a ``dict`` of plain values (strings, numbers, bytes, lists), so
an engine can hold batches as Python lists (:class:`LocalEngine`) or ship
them between processes as Arrow tables (:class:`RayEngine`) without either
engine owning any logic. The stages, in order:

1. :func:`read_part`: one input (a file, a folder, a URL) read and
   normalized exactly as :func:`storytrace.pipeline.read_articles` does;
   cross-page boilerplate evidence spans the input, so an input is the unit
   of parallelism.
2. :func:`first_of_each`: one row per article id (the first read).
3. :func:`fingerprint_chunks`: :func:`fingerprint_many` over chunks of
   articles dealt by id (so every engine embeds in the same batches), the
   fingerprint carried in the store's codec (:mod:`storytrace.store.codec`),
   so sentence vectors are float16 as in a store and both engines compare the
   same numbers.
4. :func:`term_counts` and :func:`idf_from_counts`: the corpus idf, counted
   once and handed to every verifier.
5. :func:`band_rows` and :func:`star_edges`: MinHash LSH keyed by (band key,
   date bucket); each bucket links its members to its first member only
   (a star, linear in the bucket's size), and a bucket over the cap is
   skipped and counted.
6. :func:`vector_rows` and :func:`neighbour_edges`: the nearest document
   vectors within each date bucket; :func:`term_rows`, :func:`term_pairs`
   and :func:`shared_term_edges`: pairs sharing two rare names or numbers
   within a date bucket, as the incremental path's term index finds them.
7. :func:`verify_rows`: :func:`compare_fingerprints` on every candidate.
8. :func:`components` and :func:`split_component`: connected components of
   the same-story verdicts, then the project's average linkage inside each,
   so a chain of weak links does not glue two stories together.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import numpy as np

from storytrace.assign import LINK_THRESHOLD, document_terms, smoothed_idf
from storytrace.candidates import (
    MAX_BUCKET,
    MIN_COSINE,
    NEIGHBOURS,
    nearest_rows,
    rare_linking_terms,
)
from storytrace.cluster import average_linkage, connected_components
from storytrace.config import Settings
from storytrace.fingerprint import Embedder, Fingerprint, band_keys, fingerprint_many
from storytrace.model import Article, Failure, as_utc, story_id_for
from storytrace.pipeline import read_articles
from storytrace.provenance import likely_original
from storytrace.store.codec import fingerprint_row, row_fingerprint
from storytrace.verify import compare_fingerprints

__all__ = [
    "BUCKET_DAYS",
    "Edge",
    "Row",
    "article_of",
    "article_row",
    "band_rows",
    "chunk_count",
    "chunk_of",
    "components",
    "date_buckets",
    "fingerprint_chunks",
    "fingerprint_of",
    "fingerprint_rows",
    "first_of_each",
    "idf_from_counts",
    "neighbour_edges",
    "rank_of",
    "read_part",
    "shared_term_edges",
    "split_component",
    "star_edges",
    "term_counts",
    "term_pairs",
    "term_rows",
    "vector_rows",
    "verdict_row",
    "verify_rows",
]

Row = dict[str, Any]

# Width of a date bucket. Each dated article is keyed under its own bucket
# and the next one, so two versions up to BUCKET_DAYS apart always share a
# key (and up to twice that, sometimes); stories are rarely copied later.
# Undated articles share one pool (bucket -1).
BUCKET_DAYS = 30
UNDATED = -1

# The fingerprint columns the codec writes, less the model name (one per run).
_FP_COLUMNS = (
    "body_sha256", "minhash", "shingles3", "shingles5", "embedding",
    "sentence_embeddings", "sentences_json", "facts_json",
)
_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


@dataclass(frozen=True, slots=True)
class Edge:
    """A verified pair as the clustering needs it (what :class:`Match` carries, minus evidence)."""

    a: str
    b: str
    same_story: bool
    score: float


# -- articles as rows ---------------------------------------------------------


def article_row(article: Article) -> Row:
    """An article as plain values: times as ISO text, tuples as lists."""
    row: Row = {}
    for name in _ARTICLE_FIELDS:
        value = getattr(article, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        row[name] = value
    return row


def article_of(row: Mapping[str, Any]) -> Article:
    """The :class:`Article` back from :func:`article_row` (extra keys are ignored)."""
    values = {name: row.get(name) for name in _ARTICLE_FIELDS}
    if values["published"] is not None:
        values["published"] = datetime.fromisoformat(values["published"])
    values["sentences"] = tuple(values["sentences"] or ())
    values["boilerplate"] = tuple(values["boilerplate"] or ())
    values["origin"] = values["origin"] or ""
    return Article(**values)


def rank_of(row: Mapping[str, Any]) -> str:
    """The order articles are taken in everywhere: publication time (UTC), undated last, then id.

    A string, so it sorts the same in Python, Arrow and pandas. The first
    member of an LSH bucket, and the ``a`` side of every pair, is the earlier.
    """
    published = row.get("published")
    if published is None:
        return f"~|{row['id']}"
    moment = as_utc(datetime.fromisoformat(published))
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S.%f')}|{row['id']}"


def date_buckets(published: str | None, days: int = BUCKET_DAYS) -> list[int]:
    """The date buckets an article is keyed under: its own and the next, and the undated pool.

    An undated article may be from any time, so the undated pool holds
    every article: without the dated ones, an undated copy never met the
    dated report it copies (on ECB+ read as files, 107 of 768 dated,
    candidates reached 80% of the same-event pairs).
    """
    if published is None:
        return [UNDATED]
    moment = as_utc(datetime.fromisoformat(published))
    bucket = math.floor(moment.timestamp() / 86400) // days
    return [bucket, bucket + 1, UNDATED]


# -- 1-2: read, one row per article ---------------------------------------------


def read_part(source: str, part: int, settings: Settings | None = None) -> list[Row]:
    """Read and normalize one input: a row per article, and a row per failure.

    Article rows carry ``part`` and ``seq`` (the read order, for
    :func:`first_of_each`) and ``rank``; failure rows carry only ``failure``
    ("origin: reason") and ``part``/``seq``.
    """
    rows: list[Row] = []
    for seq, item in enumerate(read_articles([source], settings)):
        if isinstance(item, Failure):
            rows.append({"failure": f"{item.origin}: {item.reason}", "part": part, "seq": seq})
        else:
            row = article_row(item)
            row.update(part=part, seq=seq, rank=rank_of(row), failure=None)
            rows.append(row)
    return rows


def first_of_each(rows: Iterable[Row]) -> list[Row]:
    """One row per article id: the one read first (lowest ``part``, then ``seq``).

    The same page read twice has one id (a content hash), so this drops
    nothing but repeats; any batch holding every row of an id gives the
    same answer.
    """
    best: dict[str, Row] = {}
    for row in rows:
        kept = best.get(row["id"])
        if kept is None or (row["part"], row["seq"]) < (kept["part"], kept["seq"]):
            best[row["id"]] = row
    return sorted(best.values(), key=lambda r: r["rank"])


# -- 3: fingerprints --------------------------------------------------------------

# Articles per fingerprint call, on average (see fingerprint_chunks).
CHUNK = 256


def chunk_count(n_rows: int, chunk: int = CHUNK) -> int:
    """How many fingerprint chunks ``n_rows`` article rows are dealt into."""
    return max(1, math.ceil(n_rows / chunk))


def chunk_of(article_id: str, n_chunks: int) -> int:
    """The chunk an article is fingerprinted in: from its id (a hex hash), so any engine agrees."""
    return int(article_id[:8], 16) % n_chunks


def fingerprint_chunks(rows: Iterable[Row], embedder: Embedder | None, n_chunks: int) -> list[Row]:
    """Fingerprint rows chunk by chunk (each chunk's rows in rank order), results in rank order.

    A sentence model's output moves in the last bits with the company a text
    is batched in (padding, kernel choice), and float16 sentence vectors
    round that up now and then; dealing articles into chunks by id makes
    every engine embed each article in the same company, so both give the
    same numbers. Any batch holding whole chunks gives the same answer.
    """
    chunks: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        chunks[chunk_of(row["id"], n_chunks)].append(row)
    out: list[Row] = []
    for key in sorted(chunks):
        out += fingerprint_rows(sorted(chunks[key], key=lambda r: r["rank"]), embedder)
    return sorted(out, key=lambda r: r["rank"])


def fingerprint_rows(rows: Sequence[Row], embedder: Embedder | None) -> list[Row]:
    """Each article row with its fingerprint's columns added (one :func:`fingerprint_many` call)."""
    made = fingerprint_many([article_of(r) for r in rows], embedder)
    out = []
    for row, fp in zip(rows, made, strict=True):
        encoded = fingerprint_row(fp, "")
        out.append({**row, **dict(zip(_FP_COLUMNS, encoded[2:], strict=True))})
    return out


def fingerprint_of(row: Mapping[str, Any]) -> Fingerprint:
    """The :class:`Fingerprint` back from a row of :func:`fingerprint_rows`."""
    return row_fingerprint((row["id"], "", *(row[c] for c in _FP_COLUMNS)))


# -- 4: corpus idf ------------------------------------------------------------------


def term_counts(rows: Iterable[Row]) -> Counter[str]:
    """Document frequencies of a batch's words (title and body, as verification weighs them)."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(document_terms(article_of(row)))
    return counts


def idf_from_counts(n_docs: int, counts: Mapping[str, int]) -> dict[str, float]:
    """The smoothed idf of :func:`storytrace.verify.compute_idf`, from summed counts."""
    return {t: smoothed_idf(n_docs, c) for t, c in counts.items()}


# -- 5: LSH stars ---------------------------------------------------------------------


def band_rows(rows: Iterable[Row], bucket_days: int = BUCKET_DAYS) -> list[Row]:
    """``{"key", "rank", "id"}`` per (band key, date bucket) of each article with a signature.

    An article with no 5-word shingles has a constant signature that would
    collide with every other empty one: it gets no keys.
    """
    out: list[Row] = []
    for row in rows:
        if not row["shingles5"]:
            continue
        signature = np.frombuffer(row["minhash"], dtype="<u8")
        for band in sorted(set(band_keys(signature))):
            for bucket in date_buckets(row["published"], bucket_days):
                out.append({"key": f"{band:016x}:{bucket}", "rank": row["rank"], "id": row["id"]})
    return out


def _buckets(
    rows: Iterable[Row], columns: tuple[str, ...], cap: int
) -> tuple[list[tuple[str, list[tuple[Any, ...]]]], int]:
    """Rows grouped by ``key`` into sorted, distinct member tuples of ``columns``; in key order.

    Buckets over ``cap`` members are left out and counted (the second value).
    """
    grouped: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for row in rows:
        grouped[row["key"]].add(tuple(row[c] for c in columns))
    kept, capped = [], 0
    for key in sorted(grouped):
        if len(grouped[key]) > cap:
            capped += 1
        else:
            kept.append((key, sorted(grouped[key])))
    return kept, capped


def star_edges(rows: Iterable[Row], cap: int = MAX_BUCKET) -> tuple[list[Row], int]:
    """Star edges of every bucket whose rows are all in ``rows``, and how many were over ``cap``.

    Each member is linked to the bucket's first member (by rank) only: n-1
    edges instead of n(n-1)/2. The clustering still sees the whole bucket,
    because verified members of one star are one component. A bucket larger
    than ``cap`` is boilerplate or a common phrase, not a story: skipped.

    Returns:
        ``{"a", "b"}`` rows (``a`` the earlier), and the count of capped buckets.
    """
    kept, capped = _buckets(rows, ("rank", "id"), cap)
    edges: list[Row] = []
    for _, members in kept:
        first = members[0][1]
        edges.extend({"a": first, "b": other} for _, other in members[1:])
    return edges, capped


# -- 6: nearest vectors -----------------------------------------------------------------


def vector_rows(rows: Iterable[Row], bucket_days: int = BUCKET_DAYS) -> list[Row]:
    """``{"bucket", "rank", "id", "embedding", "query"}`` per date bucket of each article
    with a vector.

    ``query`` is false for a dated article in the undated pool: it is there
    to be found by the undated articles, not to search the whole corpus
    (which would make the pool's exact search quadratic in the corpus).
    """
    return [
        {"bucket": bucket, "rank": row["rank"], "id": row["id"], "embedding": row["embedding"],
         "query": bucket != UNDATED or row["published"] is None}
        for row in rows
        if row["embedding"] is not None
        for bucket in date_buckets(row["published"], bucket_days)
    ]


def neighbour_edges(
    rows: Iterable[Row], k: int = NEIGHBOURS, min_cosine: float = MIN_COSINE
) -> list[Row]:
    """Each article paired with its ``k`` nearest document vectors in each of its buckets
    (searched for from the rows whose ``query`` is true).

    Exact search within a bucket (:func:`storytrace.candidates.nearest_rows`,
    as :func:`storytrace.candidates.neighbour_pairs` does over a whole scan).
    Rows of a bucket are taken in rank order, so the answer does not depend
    on how an engine batched them.
    """
    by_bucket: dict[int, list[tuple[str, str, bytes, bool]]] = defaultdict(list)
    for row in rows:
        by_bucket[row["bucket"]].append(
            (row["rank"], row["id"], row["embedding"], bool(row.get("query", True)))
        )
    edges: set[tuple[str, str]] = set()
    for bucket in sorted(by_bucket):
        members = sorted(set(by_bucket[bucket]))
        if len(members) < 2:
            continue
        ranks = [m[0] for m in members]
        ids = [m[1] for m in members]
        queries = [i for i, m in enumerate(members) if m[3]]
        matrix = np.stack([np.frombuffer(m[2], dtype="<f4") for m in members]).astype(np.float32)
        for me, other in nearest_rows(matrix, k, min_cosine, queries):
            x, y = (me, other) if ranks[me] < ranks[other] else (other, me)
            edges.add((ids[x], ids[y]))
    return [{"a": a, "b": b} for a, b in sorted(edges)]


# -- 6b: shared rare names and numbers ----------------------------------------------------


def term_rows(
    rows: Iterable[Row], idf: Mapping[str, float], bucket_days: int = BUCKET_DAYS
) -> list[Row]:
    """``{"key", "rank", "id", "own"}`` per (rare linking term, date bucket) of each article.

    The terms are :func:`storytrace.candidates.rare_linking_terms` against the
    corpus idf; ``own`` is the article's own date bucket (see :func:`term_pairs`).
    """
    out: list[Row] = []
    for row in rows:
        buckets = date_buckets(row["published"], bucket_days)
        for term in sorted(rare_linking_terms(fingerprint_of(row), idf)):
            out.extend({"key": f"{term}|{bucket}", "rank": row["rank"], "id": row["id"],
                        "own": buckets[0]} for bucket in buckets)
    return out


def term_pairs(rows: Iterable[Row], cap: int = MAX_BUCKET) -> tuple[list[Row], int]:
    """``{"a", "b"}`` once per rare term two articles share, and how many buckets were over ``cap``.

    All pairs of a bucket, not a star: a pair needs two shared terms to count
    (:func:`storytrace.candidates.rare_term_pairs`), so each shared term must be
    seen on the pair itself; the cap bounds the square. Two articles meet in
    one or two date buckets of a term; the pair is emitted only in the later
    of their own buckets, so each shared term counts once.
    """
    kept, capped = _buckets(rows, ("rank", "id", "own"), cap)
    edges: list[Row] = []
    for key, members in kept:
        bucket = int(key.rsplit("|", 1)[1])
        for x, (_, a, own_a) in enumerate(members):
            for _, b, own_b in members[x + 1 :]:
                if max(own_a, own_b) == bucket:
                    edges.append({"a": a, "b": b})
    return edges, capped


def shared_term_edges(counted: Iterable[tuple[str, str, int]], min_shared: int = 2) -> list[Row]:
    """The pairs that share at least ``min_shared`` rare terms, from ``(a, b, count)``."""
    return [{"a": a, "b": b} for a, b, n in counted if n >= min_shared]


# -- 7: verify ------------------------------------------------------------------------------


def verdict_row(
    a: Row, b: Row, idf: Mapping[str, float], cache: dict[str, tuple[Article, Fingerprint]]
) -> Row:
    """The verdict on two fingerprinted rows: ``{"a", "b", "same_story", "relation", "score"}``."""
    sides = []
    for row in (a, b):
        if row["id"] not in cache:
            cache[row["id"]] = (article_of(row), fingerprint_of(row))
        sides.append(cache[row["id"]])
    (art_a, fp_a), (art_b, fp_b) = sides
    m = compare_fingerprints(art_a, art_b, fp_a, fp_b, idf=idf)
    return {"a": m.a, "b": m.b, "same_story": m.same_story, "relation": m.relation,
            "score": m.score}


def verify_rows(
    pairs: Iterable[tuple[Row, Row]], idf: Mapping[str, float]
) -> list[Row]:
    """Verdicts on pairs of fingerprinted rows (``a`` the earlier of each pair)."""
    cache: dict[str, tuple[Article, Fingerprint]] = {}
    return [verdict_row(a, b, idf, cache) for a, b in pairs]


# -- 8: stories ----------------------------------------------------------------------------


def components(ranked_ids: Sequence[str], verdicts: Iterable[Row]) -> list[list[str]]:
    """Connected components of the same-story verdicts, each in rank order (singletons too)."""
    edges = (Edge(v["a"], v["b"], bool(v["same_story"]), float(v["score"])) for v in verdicts)
    # connected_components reads only a, b and same_story of each match.
    return connected_components(ranked_ids, edges)  # type: ignore[arg-type]


def split_component(
    members: Sequence[Row], verdicts: Iterable[Row], idf: Mapping[str, float]
) -> list[Row]:
    """Stories of one component: average linkage over its verdicts, as the assigner links.

    Pairs no candidate covered are verified on demand (earlier article
    first, as every verdict is). Each story is named after its likely
    original (:func:`storytrace.model.story_id_for`).

    Returns:
        ``{"id", "story", "is_original"}`` per member.
    """
    rows = sorted(members, key=lambda r: r["rank"])
    ids = [r["id"] for r in rows]
    by_id = {r["id"]: r for r in rows}
    cache: dict[str, tuple[Article, Fingerprint]] = {}
    if len(rows) == 1:
        groups = [ids]
    else:
        edges = [Edge(v["a"], v["b"], bool(v["same_story"]), float(v["score"]))
                 for v in verdicts if v["a"] in by_id and v["b"] in by_id]

        def score_of(x: str, y: str) -> float:
            if by_id[x]["rank"] > by_id[y]["rank"]:
                x, y = y, x
            return float(verdict_row(by_id[x], by_id[y], idf, cache)["score"])

        # average_linkage reads only a, b, same_story and score of each match.
        groups = average_linkage(ids, edges, score_of, LINK_THRESHOLD)  # type: ignore[arg-type]
    out: list[Row] = []
    for group in groups:
        articles = [cache[x][0] if x in cache else article_of(by_id[x]) for x in group]
        original = likely_original(articles).id
        story = story_id_for(original)
        out.extend({"id": x, "story": story, "is_original": x == original} for x in group)
    return out


def dumps_stats(stats: Mapping[str, Any]) -> str:
    """``stats.json``'s text: sorted keys, two-space indent."""
    return json.dumps(stats, indent=2, sort_keys=True)
