"""RSS, Atom and RDF feeds via feedparser: one document per entry."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from typing import Any

import feedparser

from storytrace.errors import InputError
from storytrace.ingest.decode import binary_kind
from storytrace.model import Failure, RawDocument

__all__ = ["iter_feed"]

# An entity declared in the document's own DTD. No real feed needs one, and
# nested ones ("billion laughs") keep feedparser busy for many seconds even
# where expat stops the expansion itself.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


def iter_feed(
    data: bytes, origin: str, *, declared: str | None = None
) -> Iterator[RawDocument | Failure]:
    """Read the entries of a feed.

    feedparser does its own charset handling (XML prolog, BOM), which is
    what XML needs; ``declared`` passes an HTTP header's charset on to it.

    Args:
        data: the feed's bytes (already size-checked).
        origin: the input's name; an entry's is ``origin[INDEX]``.
        declared: the charset an HTTP response declared, if any.

    Yields:
        a document per entry (content or summary as HTML; source is the
        feed's title), a failure per entry with no content.

    Raises:
        InputError: empty, binary, or XML that is not a feed.
    """
    if not data.strip():
        raise InputError(origin, "empty file")
    kind = binary_kind(data)
    if kind is not None:
        raise InputError(origin, f"binary file (looks like {kind})")
    if _ENTITY_DECLARATION.search(data, 0, 64 * 1024):
        raise InputError(origin, "refused: the feed declares XML entities")
    headers = {"content-type": f"application/xml; charset={declared}"} if declared else None
    # A stream, never bytes or str: feedparser treats a string as a URL or
    # a path to open, which must not happen with untrusted input.
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    except Exception as error:  # feedparser's loose parser trips on some broken markup
        raise InputError(origin, f"not a readable feed ({type(error).__name__}: {error})") from None
    entries = parsed.get("entries") or []
    # feedparser finds "entries" in any XML with <item> elements; only a
    # recognised root (rss, feed, rdf:RDF) gives a version.
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        detail = f" ({str(problem).splitlines()[0]})" if problem and str(problem) else ""
        raise InputError(origin, f"not an RSS or Atom feed{detail}")
    site = _text(parsed.get("feed", {}).get("title"))
    if not entries:
        raise InputError(origin, "feed has no entries")
    for index, entry in enumerate(entries):
        entry_origin = f"{origin}[{index}]"
        content, content_type = _entry_body(entry)
        if content is None:
            yield Failure(entry_origin, "feed entry has no content or summary")
            continue
        yield RawDocument(
            origin=entry_origin,
            content=content,
            content_type=content_type,
            title=_text(entry.get("title")),
            url=_text(entry.get("link")),
            published=_text(entry.get("published") or entry.get("updated")),
            site=site,
            author=_text(entry.get("author")),
            source_id=_text(entry.get("id")),
        )


def _entry_body(entry: Mapping[str, Any]) -> tuple[str | None, str]:
    """The fullest body an entry has: ``content`` first, then ``summary``."""
    candidates: list[Mapping[str, Any]] = list(entry.get("content") or [])
    detail = entry.get("summary_detail")
    if detail:
        candidates.append(detail)
    elif entry.get("summary"):
        candidates.append({"value": entry["summary"], "type": "text/html"})
    for candidate in candidates:
        value = candidate.get("value")
        if isinstance(value, str) and value.strip():
            kind = str(candidate.get("type") or "text/html").lower()
            # feedparser reports plain text as text/plain; everything else
            # may hold markup and goes to HTML extraction.
            return value, "text" if kind == "text/plain" else "html"
    return None, "html"


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None
