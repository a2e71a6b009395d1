"""What storytrace stores per article to find and verify its other versions.

These records live here until they move into :mod:`storytrace.model` with the
other record types; import them from :mod:`storytrace.fingerprint`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = ["DateRef", "Entity", "EntityKind", "Facts", "Fingerprint", "Quantity", "Quote"]

EntityKind = Literal["person", "org", "place", "other"]


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity, under its longest name in the article.

    Args:
        name: the full form ("John Kirby" also for a later "Kirby").
        kind: a cheap guess from titles, suffixes and prepositions.
        mentions: how often the article names it (any form).
    """

    name: str
    kind: EntityKind = "other"
    mentions: int = 1


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit and hedge, normalized.

    ``"over a thousand troops"`` and ``"more than 1,000 troops"`` are both
    ``Quantity(1000.0, ">", "troop")``; ``"$30 billion"`` and ``"30bn dollars"``
    are both ``Quantity(3e10, "=", "usd")``.

    Args:
        value: the number, scales (thousand, bn, m) applied.
        op: ``"="`` exact, ``">"`` more than / over / at least, ``"<"`` less
            than / up to / nearly, ``"~"`` about / some / around.
        unit: the singular noun counted (``"troop"``), a currency code
            (``"usd"``), ``"%"``, or ``""`` when none follows.
        text: the words it was read from.
    """

    value: float
    op: str
    unit: str
    text: str


@dataclass(frozen=True, slots=True)
class DateRef:
    """A date the article mentions, as precise as the text allows.

    Missing parts are ``None``: ``"January 9"`` with no publication date known
    is ``DateRef(None, 1, 9)``; ``"on Saturday"`` resolves to a day only when
    the article's publication date is known, else keeps ``weekday=5``.
    """

    year: int | None
    month: int | None
    day: int | None
    text: str
    weekday: int | None = None
    relative: bool = False

    @property
    def key(self) -> str:
        """A comparable form: ``2025-01-09``, ``????-01-09``, ``2025-01``, ``2025``, ``wd5``."""
        if self.year is None and self.month is None:
            return f"wd{self.weekday}" if self.weekday is not None else ""
        y = f"{self.year:04d}" if self.year is not None else "????"
        if self.month is None:
            return y
        if self.day is None:
            return f"{y}-{self.month:02d}"
        return f"{y}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted passage and who said it, when the sentence says."""

    text: str
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """The checkable facts of an article: who, how many, when, and what was said."""

    entities: tuple[Entity, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    dates: tuple[DateRef, ...] = ()
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """Everything stored per article for matching (arrays, so compared by identity).

    Args:
        article_id: the :class:`~storytrace.model.Article` id.
        body_sha256: hex SHA-256 of the normalized body (exact copies).
        minhash: MinHash signature of the body's word 5-shingles (uint32, 128).
        shingles3, shingles5: sorted unique 32-bit hashes of the word 3- and
            5-shingles (exact Jaccard and containment).
        embedding: the document vector (float32, unit length), or ``None``.
        sentence_embeddings: one unit row per entry of ``sentences``;
            ``None`` when no embedder was given or when they are not made
            yet (see :attr:`lacks_sentence_vectors`).
        sentences: the sentences that were embedded (short fragments dropped).
        facts: see :class:`Facts`.
    """

    article_id: str
    body_sha256: str
    minhash: np.ndarray
    shingles3: np.ndarray
    shingles5: np.ndarray
    facts: Facts
    embedding: np.ndarray | None = None
    sentence_embeddings: np.ndarray | None = None
    sentences: tuple[str, ...] = field(default=())

    @property
    def lacks_sentence_vectors(self) -> bool:
        """Made with an embedder, but its sentence vectors are not made yet."""
        return self.embedding is not None and self.sentence_embeddings is None
