"""Candidate retrieval: which pairs are worth verifying.

Verification is the expensive, precise step; this stage only has to make
sure no true pair is missed while leaving most of the n^2 pairs out. Three
cheap, complementary kinds of evidence, each catching what the others miss:

- **LSH buckets** of the MinHash signature: copies, near-copies, excerpts.
- **Nearest neighbours** of the document vector: rewrites that share no
  5-word sequence with their source.
- **Rare names and numbers**: two short reports of one event that phrase
  everything differently but name the same village and the same toll.

Every source emits pairs of row indices ``(i, j)`` with ``i < j``; the union
is what reaches :mod:`storytrace.verify`. Buckets larger than ``max_bucket``
are skipped: a term or band shared by hundreds of articles is boilerplate or
a common word, not evidence that any two of them are one story.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator, Mapping, Sequence

import numpy as np

from storytrace.fingerprint import Fingerprint, band_keys
from storytrace.verify import entity_terms

__all__ = [
    "candidate_pairs",
    "linking_terms",
    "lsh_pairs",
    "nearest_rows",
    "neighbour_pairs",
    "rare_linking_terms",
    "rare_term_pairs",
]

# Vector neighbours kept per article. Stories in a news corpus rarely have
# more versions than this inside one blocking window; verification is cheap
# enough that a generous k costs little.
NEIGHBOURS = 20
# Below this cosine two document vectors are not about the same thing, even
# loosely; kept low because verification, not retrieval, decides.
MIN_COSINE = 0.3
# A name or number shared by more articles than this says nothing.
MAX_BUCKET = 50
# Terms rarer than this (idf) link articles: a village's name, not "police".
MIN_RARE_IDF = 2.5


Pair = tuple[int, int]


def _bucket_pairs(buckets: Mapping[Hashable, list[int]], max_bucket: int) -> set[Pair]:
    pairs: set[Pair] = set()
    for members in buckets.values():
        if 1 < len(members) <= max_bucket:
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    i, j = members[x], members[y]
                    pairs.add((i, j) if i < j else (j, i))
    return pairs


def lsh_pairs(fingerprints: Sequence[Fingerprint], max_bucket: int = MAX_BUCKET) -> set[Pair]:
    """Pairs that share at least one MinHash LSH band (likely Jaccard >= ~0.3)."""
    buckets: dict[int, list[int]] = defaultdict(list)
    for i, fp in enumerate(fingerprints):
        if len(fp.shingles5) == 0:
            continue  # an empty signature would collide with every other empty one
        for key in set(band_keys(fp.minhash)):
            buckets[key].append(i)
    return _bucket_pairs(buckets, max_bucket)


def nearest_rows(
    matrix: np.ndarray,
    k: int = NEIGHBOURS,
    min_cosine: float = MIN_COSINE,
    queries: Sequence[int] | None = None,
) -> Iterator[tuple[int, int]]:
    """``(row, other)`` for each row's ``k`` nearest other rows of ``matrix`` above ``min_cosine``.

    Exact search over a matrix product, 1,024 rows at a time so the block of
    similarities stays small: at the sizes one batch holds in memory it is
    faster than building an approximate index. Rows are unit vectors.
    ``queries`` limits the rows searched for (all by default); every row
    can still be found.
    """
    if len(matrix) < 2:
        return
    asked = np.arange(len(matrix)) if queries is None else np.asarray(queries, dtype=np.int64)
    kk = min(k, len(matrix) - 1)
    for start in range(0, len(asked), 1024):
        rows = asked[start : start + 1024]
        block = matrix[rows] @ matrix.T
        for me, sims in zip(map(int, rows), block, strict=True):
            sims[me] = -1.0
            for other in map(int, np.argpartition(-sims, kk - 1)[:kk]):
                if sims[other] >= min_cosine:
                    yield me, other


def neighbour_pairs(
    fingerprints: Sequence[Fingerprint], k: int = NEIGHBOURS, min_cosine: float = MIN_COSINE
) -> set[Pair]:
    """Each article paired with its ``k`` nearest document vectors above ``min_cosine``."""
    rows = [i for i, fp in enumerate(fingerprints) if fp.embedding is not None]
    if len(rows) < 2:
        return set()
    vectors = np.stack([fingerprints[i].embedding for i in rows]).astype(np.float32)
    pairs: set[Pair] = set()
    for me, other in nearest_rows(vectors, k, min_cosine):
        i, j = rows[me], rows[other]
        pairs.add((i, j) if i < j else (j, i))
    return pairs


def rare_term_pairs(
    fingerprints: Sequence[Fingerprint],
    idf: Mapping[str, float],
    min_idf: float = MIN_RARE_IDF,
    max_bucket: int = MAX_BUCKET,
    min_shared: int = 2,
) -> set[Pair]:
    """Pairs that share at least ``min_shared`` rare entity words or specific numbers."""
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, fp in enumerate(fingerprints):
        for term in rare_linking_terms(fp, idf, min_idf):
            buckets[term].append(i)
    shared: dict[Pair, int] = defaultdict(int)
    for members in buckets.values():
        if 1 < len(members) <= max_bucket:
            for pair in _bucket_pairs({0: members}, max_bucket):
                shared[pair] += 1
    return {pair for pair, n in shared.items() if n >= min_shared}


def linking_terms(fp: Fingerprint) -> set[str]:
    """The terms that can link two reports of one event: name words (``e:``) and numbers (``n:``).

    Small numbers ("3 people") are everywhere and are left out; rarity of
    names is judged later, against the corpus (:func:`rare_linking_terms`).
    """
    terms = {f"e:{t}" for t in entity_terms(fp.facts)}
    terms.update(f"n:{q.value:g}" for q in fp.facts.quantities if q.value > 12)
    return terms


def rare_linking_terms(
    fp: Fingerprint, idf: Mapping[str, float], min_idf: float = MIN_RARE_IDF
) -> set[str]:
    """The linking terms of ``fp`` whose names are rare (idf >= ``min_idf``; numbers always)."""
    return {t for t in linking_terms(fp) if t[0] == "n" or idf.get(t[2:], min_idf) >= min_idf}


def candidate_pairs(
    fingerprints: Sequence[Fingerprint],
    idf: Mapping[str, float] | None = None,
    *,
    neighbours: int = NEIGHBOURS,
) -> set[Pair]:
    """The union of LSH, nearest-neighbour and rare-term pairs over one batch."""
    pairs = lsh_pairs(fingerprints) | neighbour_pairs(fingerprints, neighbours)
    if idf is not None:
        pairs |= rare_term_pairs(fingerprints, idf)
    return pairs
