"""The interface every store implements."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from storytrace.fingerprint import Fingerprint
from storytrace.model import Article

__all__ = ["AddResult", "Store"]


@dataclass(frozen=True, slots=True)
class AddResult:
    """What one :meth:`Store.add_articles` call did.

    ``stored`` are the ids written now; ``duplicates`` the ids that were
    already in the store (or twice in the batch) and so were not written again.
    """

    stored: tuple[str, ...]
    duplicates: tuple[str, ...]


class Store(Protocol):
    """Where articles and their derived data live between runs."""

    def add_articles(
        self,
        articles: Sequence[Article],
        page_lines: Mapping[str, tuple[str, Sequence[bytes]]] | None = None,
    ) -> AddResult:
        """Store a batch in one transaction: all of it or none of it.

        ``page_lines`` maps an article id to the site and the line hashes of
        the page it came from: the evidence cross-page boilerplate detection
        counts. They are written in the same transaction, and only for
        articles stored now, so a page read twice counts once.
        """
        ...

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or ``None``."""
        ...

    def find(self, ref: str) -> list[Article]:
        """Articles named by ``ref``: an id, a unique id prefix, a source id or a URL."""
        ...

    def iter_articles(self) -> Iterator[Article]:
        """Every stored article, oldest publication first (undated last)."""
        ...

    def count(self) -> int:
        """How many articles are stored."""
        ...

    def delete(self, article_id: str) -> bool:
        """Remove one article; ``True`` if it was there."""
        ...

    def put_fingerprints(self, fingerprints: Sequence[Fingerprint], model: str) -> None:
        """Store fingerprints made with embedder ``model`` and index their LSH bands."""
        ...

    def put_sentence_vectors(self, fingerprints: Sequence[Fingerprint], model: str) -> None:
        """Add sentence vectors made after the fingerprints were stored."""
        ...

    def get_fingerprints(self, ids: Sequence[str], model: str) -> dict[str, Fingerprint]:
        """The stored fingerprints of ``ids`` made with ``model``."""
        ...

    def unfingerprinted(self, model: str) -> list[str]:
        """Ids of stored articles with no fingerprint made with ``model``."""
        ...

    def nearest_indexed(
        self, model: str, vector: np.ndarray | None, k: int, floor: float
    ) -> set[str]:
        """Ids of the ``k`` articles in stories whose ``model`` vectors are nearest ``vector``."""
        ...

    def band_neighbours(self, keys: Sequence[int], max_bucket: int = 50) -> set[str]:
        """Ids of articles that share an LSH band key (oversized buckets skipped)."""
        ...

    def site_line_counts(self, min_pages: int = 2) -> Iterator[tuple[str, bytes, int]]:
        """(site, line hash, pages) for lines seen on at least ``min_pages`` pages."""
        ...

    def page_line_counts(self, site: str, hashes: Sequence[bytes]) -> dict[bytes, int]:
        """On how many stored pages of ``site`` each line hash occurs."""
        ...

    def stored_pages(self, site: str, hashes: Sequence[bytes], probe: bytes) -> tuple[str, ...]:
        """The stored articles read from a page of ``site`` with exactly these lines."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...
