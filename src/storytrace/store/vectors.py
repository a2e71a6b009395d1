"""The vector index: nearest document vectors among a store's indexed articles.

A rewrite shares almost no word sequence with its source, so its candidates
come from its document vector's nearest neighbours. The index is a cache of
the vectors the SQLite file holds: the file stays the truth, and the index
is saved beside it and reconciled with it on open (see
:meth:`storytrace.store.sqlite.SQLiteStore.nearest_indexed`), so a crash
between a commit and a save loses nothing.

The default is usearch's HNSW graph over half-precision vectors: it grows one
vector at a time (no training, unlike IVF), searches a million vectors in
about a millisecond, and costs about 1 KB per article (768 bytes of vector
plus the graph; measured in ``bench/run.py``). Below :data:`EXACT_BELOW`
vectors it searches exhaustively, which is exact, deterministic and still
under a millisecond.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

__all__ = ["EXACT_BELOW", "UsearchIndex", "VectorIndex"]

# Exhaustive search up to this many vectors: exact results (evaluations and
# tests see no approximation) at a cost that stays under ~2 ms.
EXACT_BELOW = 20_000


class VectorIndex(Protocol):
    """Unit vectors under integer keys, searched by cosine similarity."""

    def __len__(self) -> int:
        """How many vectors the index holds."""
        ...

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows of ``vectors`` (float32, L2-normalized) under ``keys`` (uint64)."""
        ...

    def remove(self, keys: np.ndarray) -> None:
        """Remove the vectors under ``keys`` (absent keys are ignored)."""
        ...

    def keys(self) -> np.ndarray:
        """Every key held (uint64)."""
        ...

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest keys to ``vector`` and their cosine similarities, best first."""
        ...

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (atomically: a crash leaves the old file or the new)."""
        ...


class UsearchIndex:
    """The default :class:`VectorIndex`: a usearch HNSW graph of half-precision vectors.

    Args:
        dim: vector size.
        path: a file saved by :meth:`save` to load instead of starting empty;
            a file that cannot be read is ignored (the caller reconciles).
    """

    def __init__(self, dim: int, path: Path | None = None) -> None:
        from usearch.index import Index

        self.dim = dim
        self._index = Index(ndim=dim, metric="cos", dtype="f16")
        if path is not None and path.exists():
            try:
                self._index.load(str(path))
            except (RuntimeError, ValueError):
                self._index = Index(ndim=dim, metric="cos", dtype="f16")
            if self._index.ndim != dim:
                self._index = Index(ndim=dim, metric="cos", dtype="f16")

    def __len__(self) -> int:
        return len(self._index)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        if len(keys):
            self._index.add(
                np.asarray(keys, dtype=np.uint64), np.asarray(vectors, dtype=np.float32)
            )

    def remove(self, keys: np.ndarray) -> None:
        present = [int(k) for k in np.asarray(keys, dtype=np.uint64) if int(k) in self._index]
        if present:
            self._index.remove(np.asarray(present, dtype=np.uint64))

    def keys(self) -> np.ndarray:
        return np.asarray(self._index.keys, dtype=np.uint64)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self._index) == 0 or k <= 0:
            return np.zeros(0, np.uint64), np.zeros(0, np.float32)
        found = self._index.search(
            np.asarray(vector, dtype=np.float32),
            min(k, len(self._index)),
            exact=len(self._index) < EXACT_BELOW,
        )
        keys = np.asarray(found.keys, dtype=np.uint64)
        sims = 1.0 - np.asarray(found.distances, dtype=np.float32)
        # Equal similarities come back in no set order: break ties by key so
        # the same store always gives the same candidates.
        order = np.lexsort((keys, -np.round(sims, 6)))
        return keys[order], sims[order]

    def save(self, path: Path) -> None:
        # A name of its own per process and thread: two savers never share a file.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        self._index.save(str(tmp))
        os.replace(tmp, path)

    @property
    def memory_bytes(self) -> int:
        """Bytes the index holds in memory (vectors and graph)."""
        return int(self._index.memory_usage)
