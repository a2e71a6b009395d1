"""Normalization: a raw document (:class:`~storytrace.model.RawDocument`) becomes an article.

HTML goes through trafilatura; a scraped plain-text page through our own
boilerplate stripper (the run of prose in the page, plus lines that recur
on other pages of the site). Then the text is cleaned (Unicode, quotes,
dashes, stray tags, whitespace), wire furniture moves into metadata
(dateline, end slug, the source a credit line names) and the body is split
into sentences.

>>> from storytrace.model import RawDocument
>>> text = "PARIS, May 2 (AP) - Rain fell on Tuesday, the weather office said."
>>> article = normalize(RawDocument("demo", text))
>>> article.dateline, article.claimed_source, article.body
('PARIS, May 2 (AP)', 'AP', 'Rain fell on Tuesday, the weather office said.')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from storytrace.errors import InputError
from storytrace.model import Article, Failure, RawDocument, article_id, outlet_key
from storytrace.normalize.boilerplate import (
    PROSE,
    Layout,
    SiteBoilerplate,
    classify,
    layout,
    story_keys,
    template_key,
)
from storytrace.normalize.clean import clean_line, clean_text, line_hash
from storytrace.normalize.dates import parse_published
from storytrace.normalize.html import HtmlExtract, extract_html
from storytrace.normalize.limits import ExtractionTimeout, within
from storytrace.normalize.sentences import split_sentences
from storytrace.normalize.wire import attribution, split_dateline, split_end_slugs

__all__ = [
    "SiteBoilerplate",
    "clean_text",
    "normalize",
    "normalize_batch",
    "page_lines",
    "split_sentences",
]

NO_TEXT = "no article text found"


@dataclass(frozen=True, slots=True)
class _Page:
    """A document read once: its clean lines and what cross-page evidence needs."""

    site: str | None
    lines: tuple[str, ...]
    hashes: tuple[bytes, ...]
    story: tuple[bytes, ...]
    plain: Layout
    extract: HtmlExtract | None
    problem: str | None = None  # why the page could not be read (too slow)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def _foreign_canonical(canonical: str | None, own: str | None) -> str | None:
    """The host of a canonical URL on another outlet than the page's own (``own``:
    its host or site name), or ``None``.

    Aggregators repost a story with the original's address as canonical, to
    credit it: such a page is another version, on another site, that says
    where its text comes from. A canonical address on the page's own outlet
    (another of its hosts: "amp.example.com", "example.com") names the page
    itself. Undecided (either name too short to compare, or no own outlet
    known) counts as the page's own.
    """
    host = _host(canonical)
    if not host or not own:
        return None
    theirs, ours = outlet_key(host), outlet_key(own)
    if len(theirs) < 3 or len(ours) < 3 or theirs in ours or ours in theirs:
        return None
    return host


def _site_key(raw: RawDocument, extract: HtmlExtract | None, lines: Sequence[str]) -> str | None:
    """Which site's evidence a page counts toward: named site, host, or template."""
    if raw.site and raw.site.strip():
        return raw.site.strip().casefold()
    host = _host(raw.url)
    if host:
        return host
    if extract is not None:
        return extract.sitename.casefold() if extract.sitename else None
    return template_key(lines)


_WRAPPED_MIN_LINES = 8


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines (text wrapped at a fixed width) into paragraphs.

    Scraped pages put a paragraph on a line; text from mail or old wire
    feeds wraps at about 70 columns, where a line ending mid-sentence is the
    tell. Such text is rejoined at its blank lines.
    """
    filled = [line.strip() for line in lines if line.strip()]
    if len(filled) < _WRAPPED_MIN_LINES:
        return lines
    widths = [len(line) for line in filled]
    mid_width = sum(1 for w in widths if 40 <= w <= 100)
    open_ended = sum(1 for line in filled if not re.search(r"[.!?:\"')]$", line))
    if max(widths) > 110 or mid_width < 0.7 * len(filled) or open_ended < 0.4 * len(filled):
        return lines
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


@lru_cache(maxsize=1024)
def _read(raw: RawDocument, seconds: float | None = None) -> _Page:
    # Cached: a batch reads each document for its evidence (page_lines, the
    # pipeline's and normalize_batch's) and again to normalize it. A page
    # that ran out of time is cached as such, so it is not tried again.
    try:
        with within(seconds):
            return _read_page(raw)
    except ExtractionTimeout:
        return _Page(None, (), (), (), layout((), structured=True), None, _too_slow(seconds))


def _read_page(raw: RawDocument) -> _Page:
    extract: HtmlExtract | None = None
    if raw.content_type == "html":
        extract = extract_html(raw.content)
        source = list(extract.paragraphs) if extract else []
    else:
        source = _unwrap(raw.content.split("\n"))
    # One clean-up for the whole page: each line comes back as a paragraph.
    cleaned = clean_text("\n".join(source))
    lines = tuple(cleaned.split("\n\n")) if cleaned else ()
    hashes = tuple(line_hash(t, cleaned=True) for t in lines)
    plain = layout(lines, structured=extract is None)
    return _Page(
        site=_site_key(raw, extract, lines),
        lines=lines,
        hashes=hashes,
        story=story_keys(lines, hashes, plain),
        plain=plain,
        extract=extract,
    )


def page_lines(raw: RawDocument, time_limit: float | None = None) -> tuple[str, list[bytes]]:
    """The cross-page evidence of one page: ``(site key, line hashes)``.

    The hashes are those of the page's distinct lines plus its story keys;
    :meth:`SiteBoilerplate.observe_hashes` counts them, and a store may keep
    them to rebuild the counts later (``""`` is the pool of pages whose site
    is unknown). Never raises: a page with no text (or that took longer
    than ``time_limit`` seconds to read) gives no hashes.
    """
    page = _read(raw, time_limit)
    return page.site or "", [*sorted(set(page.hashes)), *page.story]


def _strip_title(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop the headline where a page repeats it at the top of the text."""
    if not title:
        return paragraphs
    folded = clean_line(title).casefold()
    while paragraphs and paragraphs[0].casefold() == folded:
        paragraphs = paragraphs[1:]
    return paragraphs


# Words one of which every credit line that wire.attribution reads contains:
# most last paragraphs have none, and are then not split into sentences a
# second time. Substring tests of the lower-cased tail (a credit is at most
# 400 characters) cost about 1 us where a case-blind regex took 30.
_CREDIT_WORDS = (
    "appeared", "published", "posted", "ran", "original", "reprinted", "reproduced",
    "source", "via", "courtesy", "credit",
)


def _may_end_with_credit(paragraph: str) -> bool:
    tail = paragraph[-400:].lower()
    return any(word in tail for word in _CREDIT_WORDS)


def _strip_credit_tail(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """A credit that ends the last paragraph ("… updated. This post appeared first on X")."""
    if not paragraphs or not _may_end_with_credit(paragraphs[-1]):
        return paragraphs, None
    sentences = split_sentences(paragraphs[-1])
    if len(sentences) < 2:
        return paragraphs, None
    source = attribution(sentences[-1])
    if source is None:
        return paragraphs, None
    last = paragraphs[-1]
    cut = last.rfind(sentences[-1])
    return [*paragraphs[:-1], last[:cut].rstrip()], source


def normalize(
    raw: RawDocument,
    site_lines: SiteBoilerplate | None = None,
    *,
    time_limit: float | None = None,
) -> Article:
    """Turn one document into an article: body extracted, cleaned, annotated.

    Args:
        raw: the document as a reader found it.
        site_lines: cross-page evidence; lines it marks as the site's are
            dropped. Normalizing does not add this page to it (see
            :func:`normalize_batch`).
        time_limit: seconds reading the page may take, and again building
            the article from it (``None``: no limit); see
            :attr:`storytrace.config.Settings.extract_timeout`.

    Raises:
        InputError: no article body remains ("no article text found"), or
            extraction took longer than ``time_limit``.
    """
    page = _read(raw, time_limit)
    if page.problem is not None:
        raise InputError(raw.origin, page.problem)
    try:
        with within(time_limit):
            return _article(raw, page, site_lines)
    except ExtractionTimeout:
        raise InputError(raw.origin, _too_slow(time_limit)) from None


def _too_slow(seconds: float | None) -> str:
    return f"extracting the article took longer than {seconds or 0:g} s"


def _article(raw: RawDocument, page: _Page, site_lines: SiteBoilerplate | None) -> Article:
    """The article of a page already read (the work :func:`normalize` times)."""
    if site_lines is not None and page.lines:
        found = layout(
            page.lines,
            structured=page.extract is None,
            site_line=lambda i: site_lines.is_boilerplate_hash(
                page.site, page.hashes[i], page.story
            ),
        )
    else:
        found = page.plain
    extract = page.extract
    title = raw.title or (extract.title if extract else None) or found.title
    paragraphs = _strip_title(list(found.body), title)
    if (
        not any(classify(p) == PROSE for p in paragraphs)
        and sum(len(p.split()) for p in paragraphs) < 25
    ):
        raise InputError(raw.origin, NO_TEXT)

    paragraphs, end_slug = split_end_slugs(paragraphs + found.slugs)
    paragraphs, tail_credit = _strip_credit_tail(paragraphs)
    dateline = agency = None
    if paragraphs:
        dateline, first, agency = split_dateline(paragraphs[0])
        paragraphs[0] = first
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise InputError(raw.origin, NO_TEXT)
    body = "\n\n".join(paragraphs)

    host = _host(raw.url)
    canonical = extract.canonical_url if extract else None
    site = raw.site or (extract.sitename if extract else None) or host
    foreign = _foreign_canonical(canonical, host or site)
    published = parse_published(raw.published)
    if published is None and extract is not None:
        published = parse_published(extract.date)
    if published is None:
        published = parse_published(found.date)
    return Article(
        # The address keeps verbatim copies on two sites apart; without one,
        # the page's own canonical address, the record's own id or where it
        # was read stands in for it (a canonical on another outlet is not
        # this page's address: a repost that credits its original there is
        # a version of its own).
        id=article_id(
            body, raw.url or (None if foreign else canonical) or raw.source_id or raw.origin
        ),
        body=body,
        title=clean_line(title) if title else None,
        url=raw.url,
        canonical_url=canonical,
        site=site,
        author=raw.author or (extract.author if extract else None) or found.author,
        published=published,
        claimed_source=found.credit or tail_credit or agency or foreign,
        dateline=dateline,
        end_slug=end_slug,
        sentences=tuple(split_sentences("\n".join(paragraphs))),
        boilerplate=tuple(found.removed),
        origin=raw.origin,
        source_id=raw.source_id,
    )


def normalize_batch(
    raws: Sequence[RawDocument],
    site_lines: SiteBoilerplate | None = None,
    *,
    time_limit: float | None = None,
) -> list[Article | Failure]:
    """Normalize a batch, letting its pages serve as evidence for each other.

    Every page is first counted into ``site_lines`` (a fresh
    :class:`SiteBoilerplate` when none is given), so pages of one site in
    the batch strip each other's recurring lines; then each is normalized.
    A page counted before (the same site and lines) is not counted again.
    ``time_limit`` bounds the seconds one page's extraction may take.

    Returns:
        one item per input, in order: the :class:`Article`, or a
        :class:`Failure` naming the input and why it has no article.
    """
    evidence = site_lines if site_lines is not None else SiteBoilerplate()
    for raw in raws:
        site, hashes = page_lines(raw, time_limit)
        if hashes:
            evidence.observe_hashes(site, hashes)
    results: list[Article | Failure] = []
    for raw in raws:
        try:
            results.append(normalize(raw, evidence, time_limit=time_limit))
        except InputError as error:
            results.append(Failure(error.origin, error.reason))
    return results
