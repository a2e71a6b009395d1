"""Word tokens and word shingles of a text, and exact set measures over them.

Tokens are lower-cased runs of letters and digits, so punctuation, quote
styles and spacing differences (``14 - year - old`` vs ``14-year-old``) do not
change them. A shingle is ``k`` consecutive tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import xxhash

__all__ = ["containment", "jaccard", "shingle_hashes", "shingles", "tokens"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (letters and digits only)."""
    return _WORD.findall(text.lower())


def shingles(words: list[str], k: int) -> set[tuple[str, ...]]:
    """The set of ``k``-token shingles of ``words``.

    A text shorter than ``k`` tokens yields one shingle (all of it), so very
    short texts still compare with something rather than nothing.
    """
    if not words:
        return set()
    if len(words) < k:
        return {tuple(words)}
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def shingle_hashes(words: list[str], k: int) -> np.ndarray:
    """Unique 32-bit hashes (xxh32) of the ``k``-shingles of ``words``, as uint64.

    32 bits is enough for documents of up to ~100k shingles (collisions are
    rare and only ever raise a similarity a little); uint64 leaves room for
    the MinHash arithmetic.
    """
    hashes = {xxhash.xxh32_intdigest(" ".join(s).encode("utf-8")) for s in shingles(words, k)}
    return np.fromiter(hashes, dtype=np.uint64, count=len(hashes))


def jaccard(a: Iterable, b: Iterable) -> float:
    """Exact Jaccard similarity of two sets (0 when both are empty)."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def containment(a: Iterable, b: Iterable) -> float:
    """How much of ``a`` lies in ``b``: ``|a ∩ b| / |a|`` (0 when ``a`` is empty)."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa) if sa else 0.0
