from __future__ import annotations

import numpy as np

from storytrace.fingerprint.minhash import (
    MERSENNE_61,
    _mulmod,
    band_keys,
    estimate_jaccard,
    signature,
)
from storytrace.fingerprint.shingles import jaccard, shingles, tokens


def test_mulmod_is_exact():
    rng = np.random.default_rng(7)
    a = rng.integers(1, int(MERSENNE_61), size=500, dtype=np.uint64)
    x = rng.integers(0, 1 << 32, size=500, dtype=np.uint64)
    got = _mulmod(a, x)
    p = int(MERSENNE_61)
    assert all(int(g) == (int(ai) * int(xi)) % p for g, ai, xi in zip(got, a, x, strict=True))


def test_estimate_close_to_exact_jaccard():
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(400)]
    base = list(rng.choice(vocab, 400))
    for keep in (1.0, 0.8, 0.5, 0.2):
        other = [w if rng.random() < keep else "x" + w for w in base]
        a, b = " ".join(base), " ".join(other)
        exact = jaccard(shingles(tokens(a), 5), shingles(tokens(b), 5))
        est = estimate_jaccard(signature(a), signature(b))
        # 128 permutations: standard error <= 0.045; allow ~3 sigma.
        assert abs(est - exact) < 0.14, (keep, exact, est)


def test_signature_shape_and_empty():
    sig = signature("one two three four five six")
    assert sig.shape == (128,) and sig.dtype == np.uint64
    assert estimate_jaccard(signature(""), signature("")) == 0.0


def test_band_keys_collide_for_copies_only():
    text = " ".join(f"word{i}" for i in range(200))
    other = " ".join(f"other{i}" for i in range(200))
    ka, kb, kc = band_keys(signature(text)), band_keys(signature(text)), band_keys(signature(other))
    assert ka == kb and len(ka) == 32
    assert not set(ka) & set(kc)
