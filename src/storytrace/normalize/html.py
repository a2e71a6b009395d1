"""Article extraction from HTML, through trafilatura."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import trafilatura
from lxml import etree
from lxml import html as lxml_html

__all__ = ["HtmlExtract", "extract_html"]


@dataclass(frozen=True, slots=True)
class HtmlExtract:
    """What trafilatura found on a page: the text's paragraphs and metadata."""

    paragraphs: tuple[str, ...]
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    canonical_url: str | None = None


# trafilatura guesses dates from URLs and page furniture when asked to search
# hard; a wrong date is worse than none, so it looks at metadata only.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}

# Characters lxml refuses in a tree's text (C0 controls, lone surrogates,
# non-characters): it raises ValueError when it has to move such text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "dc.date.issued",
    "date",
)


def _attributes(tag: str) -> dict[str, str]:
    return {
        m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR.finditer(tag)
    }


def _head(markup: str) -> str:
    # Canonical links and metadata live in <head>; do not scan a huge body.
    end = markup.lower().find("</head>")
    return markup[: end if end >= 0 else 200_000]


def canonical_url(markup: str) -> str | None:
    """The page's own address: ``<link rel=canonical>``, else ``og:url``."""
    head = _head(markup)
    for tag in _LINK_TAG.findall(head):
        attrs = _attributes(tag)
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            return attrs["href"].strip()
    for tag in _META_TAG.findall(head):
        attrs = _attributes(tag)
        if attrs.get("property", attrs.get("name", "")).lower() == "og:url" and attrs.get(
            "content"
        ):
            return attrs["content"].strip()
    return None


def published_meta(markup: str) -> str | None:
    """The publication time a page states in its metadata, time zone included.

    trafilatura reduces dates to days; ``article:published_time`` keeps the
    hour and offset, so it is read first.
    """
    found: dict[str, str] = {}
    for tag in _META_TAG.findall(_head(markup)):
        attrs = _attributes(tag)
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in _PUBLISHED_KEYS and attrs.get("content"):
            found.setdefault(key, attrs["content"].strip())
    return next((found[key] for key in _PUBLISHED_KEYS if key in found), None)


def _fallback_paragraphs(markup: str) -> list[str]:
    """Paragraph texts of an HTML fragment trafilatura declines.

    trafilatura wants a page; a feed entry or a JSON record often carries a
    bare ``<p>…</p>`` fragment, too small for its heuristics. Only fragments
    (no ``<body>``) are read this way: a whole page it finds nothing in has
    nothing.
    """
    if re.search(r"<body\b", markup, re.IGNORECASE):
        return []
    markup = _NOT_XML.sub("", markup)
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError, AssertionError):
        # lxml asserts on some shells ("<html></html>"): nothing to read.
        return []
    for bad in root.xpath(".//script|.//style|.//nav|.//header|.//footer|.//aside|.//form"):
        bad.drop_tree()
    blocks = root.xpath(".//p|.//h1|.//h2|.//h3|.//h4|.//li|.//blockquote")
    texts = [block.text_content() for block in blocks] if blocks else [root.text_content()]
    return [t.strip() for t in texts if t.strip()]


@lru_cache(maxsize=512)
def extract_html(markup: str) -> HtmlExtract | None:
    """Extract the article text and metadata of an HTML page; ``None`` if none.

    Comments and tables are left out; paragraphs (and list items and
    subheadings) come back one per entry. Cached, because a batch reads each
    page twice: once for cross-page evidence, once to normalize it.
    """
    try:
        document = trafilatura.bare_extraction(
            markup,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception:  # trafilatura/lxml raise many types on hostile markup
        document = None
    canonical = canonical_url(markup)
    published = published_meta(markup)
    if document is None or not (document.text or "").strip():
        paragraphs = _fallback_paragraphs(markup)
        if not paragraphs:
            return None
        return HtmlExtract(tuple(paragraphs), canonical_url=canonical, date=published)
    paragraphs = [line.strip() for line in document.text.split("\n") if line.strip()]
    title = (document.title or "").strip() or None
    # trafilatura repeats the <h1> as the first line of the text.
    if title and paragraphs and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    return HtmlExtract(
        paragraphs=tuple(paragraphs),
        title=title,
        author=(document.author or "").strip() or None,
        date=published or document.date,
        sitename=(document.sitename or "").strip() or None,
        canonical_url=canonical or document.url,
    )
