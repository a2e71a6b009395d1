"""Vectorized MinHash signatures over word shingles, and LSH band keys.

Each of the ``n`` permutations is the universal hash ``h(x) = (a*x + b) mod p``
with ``p = 2**61 - 1`` (a Mersenne prime, so the reduction is shifts and
masks) applied to 32-bit shingle hashes. ``a*x`` can reach 2**93, so it is
computed in pieces that each fit in uint64 (see :func:`_mulmod`): no step
overflows, and the permutations are exactly the textbook ones.
"""

from __future__ import annotations

import numpy as np
import xxhash

from storytrace.fingerprint.shingles import shingle_hashes, tokens

__all__ = [
    "MERSENNE_61",
    "NUM_PERM",
    "SHINGLE_K",
    "band_keys",
    "estimate_jaccard",
    "minhash",
    "permutations",
    "signature",
]

MERSENNE_61 = np.uint64((1 << 61) - 1)
# 128 permutations: the standard error of the Jaccard estimate is
# sqrt(J(1-J)/128) <= 0.044, tight enough around the 0.5 near-duplicate line.
NUM_PERM = 128
# 5-word shingles: long enough that two independent reports of one event
# share almost none (the seeds share 0.2-2%), short enough to survive edits.
SHINGLE_K = 5
_SEED = 0x5EED  # fixed, so signatures stored today compare with those made later
_LOW29 = np.uint64((1 << 29) - 1)
_LOW32 = np.uint64((1 << 32) - 1)


def permutations(num_perm: int = NUM_PERM, seed: int = _SEED) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` coefficients of ``num_perm`` hash permutations (uint64, < p)."""
    rng = np.random.default_rng(seed)
    p = int(MERSENNE_61)
    a = rng.integers(1, p, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, p, size=num_perm, dtype=np.uint64)
    return a, b


def _mod61(v: np.ndarray) -> np.ndarray:
    """``v mod (2**61 - 1)`` for any uint64 ``v``."""
    v = (v & MERSENNE_61) + (v >> np.uint64(61))  # < 2**61 + 8
    return np.where(v >= MERSENNE_61, v - MERSENNE_61, v)


def _mulmod(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``(a * x) mod (2**61 - 1)`` for ``a < 2**61`` and ``x < 2**32``, broadcast.

    ``a = hi * 2**32 + lo`` with ``hi < 2**29`` and ``lo < 2**32``, so
    ``lo * x < 2**64`` and ``hi * x < 2**61`` both fit. Multiplying ``y < 2**61``
    by ``2**32`` mod p folds the bits above 2**61 back to the bottom
    (``2**61 ≡ 1``): ``y * 2**32 ≡ (y >> 29) + ((y & (2**29 - 1)) << 32)``.
    """
    hi = a >> np.uint64(32)
    lo = a & _LOW32
    y = _mod61(hi * x)
    shifted = (y >> np.uint64(29)) + ((y & _LOW29) << np.uint64(32))
    return _mod61(_mod61(shifted) + _mod61(lo * x))


_DEFAULT_PERMS = permutations()


def minhash(
    hashes: np.ndarray, perms: tuple[np.ndarray, np.ndarray] = _DEFAULT_PERMS
) -> np.ndarray:
    """The MinHash signature (uint64, one value per permutation) of 32-bit hashes.

    An empty set gets all ``p`` (a value no hash reaches), which
    :func:`estimate_jaccard` treats as "nothing to compare".
    """
    a, b = perms
    if hashes.size == 0:
        return np.full(a.shape, MERSENNE_61, dtype=np.uint64)
    x = hashes.astype(np.uint64)[:, None]
    values = _mod61(_mulmod(a[None, :], x) + b[None, :])
    return values.min(axis=0)


def signature(text: str, k: int = SHINGLE_K, num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signature of the word ``k``-shingles of ``text``."""
    perms = _DEFAULT_PERMS if num_perm == NUM_PERM else permutations(num_perm)
    return minhash(shingle_hashes(tokens(text), k), perms)


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the fraction of permutations whose minima agree."""
    valid = (sig_a != MERSENNE_61) | (sig_b != MERSENNE_61)
    if not valid.any():
        return 0.0
    return float(np.mean((sig_a == sig_b) & valid))


def band_keys(sig: np.ndarray, bands: int = 32) -> list[int]:
    """LSH bucket keys: one 64-bit key per band of ``len(sig) // bands`` rows.

    Two signatures share a key when all rows of some band agree. With 128
    permutations, 32 bands of 4 rows put the S-curve's midpoint near
    ``(1/32) ** (1/4) ≈ 0.42`` Jaccard, so pairs at the 0.5 near-duplicate line
    are found with probability ~0.88 and pairs at 0.2 with ~0.05. The band
    index is hashed in, so equal rows in different bands do not collide.
    """
    if len(sig) % bands:
        raise ValueError(f"{len(sig)} permutations do not split into {bands} bands")
    rows = sig.reshape(bands, -1)
    return [xxhash.xxh64_intdigest(row.tobytes(), seed=i) for i, row in enumerate(rows)]
