"""The records that flow between storytrace's stages, each defined once.

``RawDocument`` is what a reader found (text or HTML with whatever metadata
the input carried); ``Failure`` is an input that could not be read;
``Article`` is a normalized article body with its metadata, the unit every
later stage works on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

__all__ = [
    "AlignedSentences",
    "Article",
    "ContentType",
    "Derivation",
    "Diff",
    "FactChange",
    "Failure",
    "RawDocument",
    "Story",
    "StoryMember",
    "article_id",
    "as_utc",
    "outlet_key",
    "story_id_for",
]

ContentType = Literal["text", "html"]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One document as a reader found it, before body extraction.

    Args:
        origin: where it came from, precise enough to find it again
            (``path``, ``path:LINE``, ``URL``, ``file.warc.gz#record-id``).
        content: the decoded text or HTML.
        content_type: ``"html"`` when ``content`` is markup to extract from.
        title, url, published, site, author: metadata the input itself gave
            (a JSONL field, a feed entry, a WARC header); ``published`` is the
            raw string, parsed during normalization.
        source_id: the id the input gave the document, if any.
    """

    origin: str
    content: str
    content_type: ContentType = "text"
    title: str | None = None
    url: str | None = None
    published: str | None = None
    site: str | None = None
    author: str | None = None
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read, and why (one line each)."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Article:
    """A news article: its cleaned body and what is known about it.

    Args:
        id: stable content hash (see :func:`article_id`); the same article
            read twice gets the same id.
        body: the normalized article body, paragraphs separated by a blank
            line; site boilerplate, datelines and end slugs removed.
        title: headline, when known.
        url: the address it was read from, when known.
        canonical_url: the page's own canonical address (``<link
            rel=canonical>``), when it names one.
        site: the publishing site or outlet (host name or source name).
        author: byline, when one names a person.
        published: publication time (timezone-aware when the input said so).
        claimed_source: the outlet the page says it comes from ("cnn.com"
            from "This post appeared first on cnn.com", "Reuters" from
            "(Reuters) -", the host of a canonical URL on another outlet).
        dateline: the dateline removed from the first paragraph
            ("Ukraine, Jan 12, (V7N)").
        end_slug: the wire end slug removed from the end ("END/WD/SMA/").
        sentences: the body split into sentences.
        boilerplate: the lines removed from the page as site boilerplate,
            kept so a reader can see what was dropped.
        origin: where the article was read (see :class:`RawDocument`).
        source_id: the id the input gave it, if any.
    """

    id: str
    body: str
    title: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    site: str | None = None
    author: str | None = None
    published: datetime | None = None
    claimed_source: str | None = None
    dateline: str | None = None
    end_slug: str | None = None
    sentences: tuple[str, ...] = ()
    boilerplate: tuple[str, ...] = field(default=(), repr=False)
    origin: str = ""
    source_id: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        """The body's paragraphs, in order."""
        return [p for p in self.body.split("\n\n") if p]


def article_id(body: str, address: str | None = None) -> str:
    """The stable id of an article: a hash of its normalized body and address.

    The address (its URL; else its canonical URL, the id its input gave it,
    or where it was read) is part of the id because a verbatim copy on
    another site is a different article (the copy is what a newsroom wants
    to find), while the same page read twice is the same article. 16 hex
    digits (64 bits) keep collisions negligible below billions of articles.
    """
    digest = hashlib.sha256()
    digest.update((address or "").encode("utf-8"))
    digest.update(b"\x00")
    digest.update(body.encode("utf-8"))
    return digest.hexdigest()[:16]


# Second-level labels under which a country's registry sells names
# ("bbc.co.uk", "abc.net.au"): the outlet's own label is the one before them.
_SECOND_LEVEL = frozenset(["ac", "co", "com", "edu", "gov", "ne", "net", "or", "org"])


def outlet_key(name: str) -> str:
    """A comparable outlet name, letters and digits only.

    A host name keeps its registered label ("www.CNN.com" and
    "edition.cnn.com" -> "cnn", "news.bbc.co.uk" -> "bbc"); a site name is
    folded whole ("Valley Herald" -> "valleyherald").
    """
    name = name.casefold().strip().removeprefix("www.")
    if "." in name and " " not in name:
        labels = [x for x in name.split(".") if x]
        if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
            labels = labels[:-1]
        name = labels[-2] if len(labels) >= 2 else labels[0]
    return "".join(ch for ch in name if ch.isalnum())


def story_id_for(founder: str, attempt: int = 0) -> str:
    """The id of a story named after an article that founded it.

    A hash of the article's *whole* id, not a prefix of it: ids a user
    gives (a docs file's ``"id"``, a URL) often share a long prefix
    (``article-000001``, ``article-000002``), and stories named by a prefix
    overwrote each other. ``attempt`` > 0 gives the next id for the same
    founder, for when that one is taken (an article that founded a story
    and moved on can head another after a split).
    """
    key = founder if attempt == 0 else f"{founder}\x00{attempt}"
    return "s" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class StoryMember:
    """One version of a story and how it relates to the story's original.

    Args:
        article_id: the :class:`Article` id.
        relation: its relation to the original (``"original"`` for the
            original itself; otherwise one of :data:`storytrace.verify.Relation`).
        score: the probability that it tells the original's story.
        site, title, published: copied from the article, for listing.
    """

    article_id: str
    relation: str
    score: float
    site: str | None = None
    title: str | None = None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class Derivation:
    """A directed edge of a story's derivation graph: ``child`` was made from ``parent``.

    Args:
        parent, child: article ids.
        relation: how (``duplicate``, ``near_duplicate``, ``excerpt``, ``rewrite``).
        confidence: how sure, in [0, 1] (the verified score, lowered when
            the dates cannot order the two).
        reasons: the evidence, one short sentence each.
        ordered: whether anything says which of the two came first (dates,
            an attribution, a brief cut from a fuller text). When nothing
            does, ``parent`` is only the fuller of two copies or rewrites of
            one text: one was made from the other, or both from a text
            outside the corpus, and both are shown as made that way.
    """

    parent: str
    child: str
    relation: str
    confidence: float
    reasons: tuple[str, ...] = ()
    ordered: bool = True


@dataclass(frozen=True, slots=True)
class Story:
    """Every version of one news story, the likely original first.

    Args:
        id: stable while the original stays the same (``s`` + its id).
        headline: the original's title (or the first words of its body).
        original: the id of the likely original version.
        claimed_original: an outlet the versions name as their source but
            that is not in the corpus ("cnn.com"), when there is one.
        members: every version, the original first, then by publication time.
    """

    id: str
    headline: str
    original: str
    members: tuple[StoryMember, ...]
    claimed_original: str | None = None

    @property
    def sites(self) -> tuple[str, ...]:
        """The distinct sites that ran a version, in order of first appearance."""
        return tuple(dict.fromkeys(m.site for m in self.members if m.site))

    @property
    def first_seen(self) -> datetime | None:
        """The earliest publication time of any version."""
        return min((m.published for m in self.members if m.published), key=as_utc, default=None)

    @property
    def last_seen(self) -> datetime | None:
        """The latest publication time of any version."""
        return max((m.published for m in self.members if m.published), key=as_utc, default=None)


def as_utc(moment: datetime) -> datetime:
    """``moment`` made comparable with any other: a naive time is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class AlignedSentences:
    """Sentences of A and of B that say the same thing.

    Args:
        a, b: sentence indices (more than one on a side: a sentence split
            in two, or two merged into one).
        kind: ``verbatim`` (the same words), ``paraphrase`` (reworded),
            ``partial`` (part of the same content).
        similarity: the best sentence cosine in the group.
    """

    a: tuple[int, ...]
    b: tuple[int, ...]
    kind: str
    similarity: float


@dataclass(frozen=True, slots=True)
class FactChange:
    """A fact of two versions: in both, only in one, or in conflict.

    Args:
        status: ``both``, ``only_a``, ``only_b`` or ``conflict``.
        kind: ``number``, ``date``, ``quote`` or ``speaker`` (the same claim
            given to two different people).
        a, b: how each version states it (``None`` where it does not).
        sentence_a, sentence_b: the sentences that carry it.
        note: for a conflict, what differs, in words.
    """

    status: str
    kind: str
    a: str | None
    b: str | None
    sentence_a: str | None
    sentence_b: str | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between two versions (see :func:`storytrace.diff`).

    Args:
        a, b: the article ids.
        sentences_a, sentences_b: the sentences compared.
        aligned: groups of sentences that say the same thing, in A's order.
        only_a, only_b: indices of sentences with no counterpart.
        facts: conflicts first, then facts only in A, only in B, in both.
        names_only_a, names_only_b: people, places and organisations
            named by one version only (short forms joined to full names).
    """

    a: str
    b: str
    sentences_a: tuple[str, ...]
    sentences_b: tuple[str, ...]
    aligned: tuple[AlignedSentences, ...]
    only_a: tuple[int, ...]
    only_b: tuple[int, ...]
    facts: tuple[FactChange, ...]
    names_only_a: tuple[str, ...] = ()
    names_only_b: tuple[str, ...] = ()

    def changes(self, status: str) -> list[FactChange]:
        """The facts with this status (``conflict``, ``only_a``, ``only_b``, ``both``)."""
        return [f for f in self.facts if f.status == status]
