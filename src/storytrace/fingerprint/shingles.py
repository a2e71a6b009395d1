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

__all__ = [
    "containment",
    "jaccard",
    "shingle_hashes",
    "shingle_hashes_of",
    "shingle_words_of",
    "shingles",
    "token_hashes",
    "tokens",
    "top32",
]

# Word characters; underscores are turned into spaces first, which is the
# same as excluding them from the class and measured 12% faster.
_WORD = re.compile(r"\w+", re.UNICODE)
# For ASCII text, what ``\w`` means there (letters and digits; the
# underscore is a separator, as above) as a byte table: every other byte
# becomes a space and ``bytes.split`` does the rest. Same tokens as the
# regex, measured 3.2x faster on news-sized articles (62 -> 19 us), and most
# English news is ASCII after clean-up folds its quotes and dashes.
_ASCII_SEPARATORS = bytes(
    c if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else 32 for c in range(256)
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (letters and digits only)."""
    low = text.lower()
    if low.isascii():
        return low.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()
    return _WORD.findall(low.replace("_", " "))


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


# Token hashes are looked up, not recomputed: news vocabulary is Zipfian, so
# after the first few hundred articles almost every token is a dict hit
# (measured: 3x faster than hashing each token). Bounded: cleared when full.
_TOKEN_HASHES: dict[str, int] = {}
_TOKEN_CACHE_LIMIT = 1 << 20
# Odd 64-bit multipliers, one per position in a shingle, so "a b c" and
# "c b a" hash apart; the final steps are the splitmix64 finalizer.
_POSITION = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)


def token_hashes(words: list[str]) -> np.ndarray:
    """64-bit hashes (xxh3) of ``words``, in order, as uint64."""
    cache = _TOKEN_HASHES
    try:
        return np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))
    except KeyError:
        if len(cache) > _TOKEN_CACHE_LIMIT:
            cache.clear()
        for word in words:
            if word not in cache:
                cache[word] = xxhash.xxh3_64_intdigest(word.encode("utf-8"))
        return np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))


def shingle_words_of(hashes: np.ndarray, k: int) -> np.ndarray:
    """Sorted 64-bit hashes of the ``k``-shingles of a text's token hashes (repeats kept).

    Each shingle's hash is the sum of its ``k`` token hashes times
    position-dependent odd multipliers (so "a b c" and "c b a" differ),
    computed for all windows at once, one shifted slice per position, and
    finalized by one xor-shift-multiply round. MinHash reads these words
    whole; the stored shingle sets keep their top 32 bits
    (:func:`shingle_hashes_of`). A text shorter than ``k`` tokens yields one
    shingle (all of it), so very short texts still compare with something.
    """
    if k > len(_POSITION):
        raise ValueError(f"shingles of more than {len(_POSITION)} tokens are not supported")
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.uint64)
    width = min(k, len(hashes))
    count = len(hashes) - width + 1
    with np.errstate(over="ignore"):  # wrapping arithmetic is the point
        # k in-place multiply-adds of shifted slices: the same sums as a
        # (count, k) window product summed by row, without the temporary
        # (measured 2.3x faster on news-sized articles).
        words = hashes[:count] * _POSITION[0]
        for j in range(1, width):
            words += hashes[j : j + count] * _POSITION[j]
        words ^= words >> np.uint64(29)
        words *= _MIX1
    words.sort()
    return words


def top32(words: np.ndarray) -> np.ndarray:
    """Sorted unique 32-bit hashes from sorted 64-bit shingle words (their top bits).

    32 bits is enough for documents of up to ~100k shingles: collisions are
    rare and only ever raise a similarity a little.
    """
    top = (words >> np.uint64(32)).astype(np.uint32)
    if len(top) < 2:
        return top
    keep = np.empty(len(top), dtype=bool)
    keep[0] = True
    np.not_equal(top[1:], top[:-1], out=keep[1:])
    return top[keep]


def shingle_hashes_of(hashes: np.ndarray, k: int) -> np.ndarray:
    """Sorted unique 32-bit hashes (uint32) of the ``k``-shingles of token hashes."""
    return top32(shingle_words_of(hashes, k))


def shingle_hashes(words: list[str], k: int) -> np.ndarray:
    """Sorted unique 32-bit hashes (uint32) of the ``k``-shingles of ``words``."""
    return shingle_hashes_of(token_hashes(words), k)


def jaccard(a: Iterable, b: Iterable) -> float:
    """Exact Jaccard similarity of two sets (0 when both are empty)."""
    sa, sb = set(a), set(b)
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def containment(a: Iterable, b: Iterable) -> float:
    """How much of ``a`` lies in ``b``: ``|a ∩ b| / |a|`` (0 when ``a`` is empty)."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa) if sa else 0.0
