"""The records that flow between storytrace's stages, each defined once.

``RawDocument`` is what a reader found (text or HTML with whatever metadata
the input carried); ``Failure`` is an input that could not be read;
``Article`` is a normalized article body with its metadata, the unit every
later stage works on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = ["Article", "ContentType", "Failure", "RawDocument", "article_id"]

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
        claimed_source: the outlet the text says it comes from ("cnn.com"
            from "This post appeared first on cnn.com", "Reuters" from
            "(Reuters) -").
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


def article_id(body: str, url: str | None = None) -> str:
    """The stable id of an article: a hash of its normalized body and address.

    The address is part of the id because a verbatim copy on another site is
    a different article (the copy is what a newsroom wants to find), while
    the same page read twice is the same article. 16 hex digits (64 bits)
    keep collisions negligible below billions of articles.
    """
    digest = hashlib.sha256()
    digest.update((url or "").encode("utf-8"))
    digest.update(b"\x00")
    digest.update(body.encode("utf-8"))
    return digest.hexdigest()[:16]
