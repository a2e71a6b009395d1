"""Site boilerplate: finding the article in a scraped page, within and across pages.

A content farm's page, saved as text, is the copied story wrapped in the
site: menus, a byline with no author, share buttons, lists of unrelated
headlines with dates, a newsletter pitch, a disclaimer. Two kinds of
evidence separate them, neither tied to one site's wording:

* **In the page** (:func:`layout`): the article is the longest run of prose
  (sentence-like lines with punctuation), found as a maximum-sum run over
  per-line scores: prose scores its word count, menus, dates, link lists
  and cue lines ("You may also like", "Disclaimer:") score below zero, so a
  lone subheading inside the story is bridged but a list of headlines is
  not. Cue headings that begin a trailing zone ("Related", "Latest",
  "previous post") are hard walls.
* **Across pages** (:class:`SiteBoilerplate`): a line that recurs on several
  pages of one site carrying different stories is the site's, not the
  story's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import blake2b

from storytrace.normalize.clean import clean_text, line_hash
from storytrace.normalize.dates import is_date_line
from storytrace.normalize.wire import attribution, is_end_slug

__all__ = ["Layout", "SiteBoilerplate", "layout", "story_keys", "template_key"]

# -- one line ----------------------------------------------------------------

PROSE = "prose"  # a sentence-like paragraph: the stuff of articles
SHORT = "short"  # a short line without sentence punctuation: headline, subheading
JUNK = "junk"  # menu item, date, counter, share buttons, byline: never body
CUE = "cue"  # a line that is boilerplate by its first words ("Disclaimer: …")
ZONE = "zone"  # a heading that starts a boilerplate zone ("You may also like")
SLUG = "slug"  # a wire end slug ("END/WD/SMA/")
CREDIT = "credit"  # names a source ("This post appeared first on cnn.com")

# Headings that open a zone of links or furniture: a wall no article crosses.
_ZONE = re.compile(
    r"""^(?:
        you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy)|you\s+may\s+have\s+missed
      | related(?:\s+(?:articles?|stories|posts?|news|content|coverage|reading|topics|links))?
      | more\s+(?:stories|news|articles|from\b.{1,40}|in\b.{1,30})
      | latest(?:\s+(?:news|posts?|stories|articles|headlines|updates))?
      | categories|tags|topics|archives?
      | (?:most\s+)?popular(?:\s+(?:posts?|stories|now|articles))?
      | most\s+(?:read|viewed|shared|commented)
      | trending(?:\s+now)?|recommended(?:\s+for\s+you)?|editor'?s\s+picks?|top\s+stories
      | read\s+next|up\s+next|what\s+to\s+read\s+next
      | \d*\s*comments?|leave\s+a\s+(?:comment|reply)|post\s+a\s+comment|join\s+the\s+conversation
      | (?:previous|next|prev|older|newer)\s+(?:post|article|story|entry)
      | about\s+the\s+author|share(?:\s+this(?:\s+(?:article|story|post|page))?)?|share\s+on
    )\s*:?$""",
    re.IGNORECASE | re.VERBOSE,
)
# First words that make a line the site's, however long it is.
_CUE = re.compile(
    r"""^(?:
        disclaimer\b|copyright\b|©|\(c\)\s*\d{4}|all\s+rights\s+reserved
      | by\s+(?:opting|subscribing|signing|clicking|continuing)\b
      | subscribe\b|sign\s+up\b|newsletter\b|get\s+our\s+newsletter
      | join\s+our\s+(?:mailing|newsletter)
      | click\s+here\b|tap\s+here\b|read\s+(?:more|also|next)\b|also\s+read\b|see\s+also\b
      | follow\s+us\b|like\s+us\s+on\b|share\s+(?:this|on)\b|advertisement\b|sponsored\b|ad\s*:
      | (?:this\s+site|we)\s+uses?\s+cookies|privacy\s+policy|terms\s+(?:of\s+(?:use|service)|&|and)
      | contact\s+us\b|about\s+us\b|related\s*:|watch\s*:|listen\s*:|(?:photo|image|video)\s+credit
      | skip\s+to\s+(?:main\s+)?content|toggle\s+navigation|search\s+for\b|log\s*in\b|sign\s+in\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_RIGHTS = re.compile(r"all\s+rights\s+reserved|©", re.IGNORECASE)
_SOCIAL = re.compile(
    r"facebook|twitter|google\s*\+?|pinterest|linkedin|whatsapp|reddit|e-?mail|telegram|tumblr"
    r"|messenger|flipboard|pocket|threads|bluesky|tweet|print|copy\s+link|share|x",
    re.IGNORECASE,
)
# Nothing but share-button labels and what separates them: the matcher stops
# at the first ordinary word, where removing the labels and looking at what
# is left would scan the whole line.
_SHARE_LINE = re.compile(rf"(?:[\W\d_]*(?:{_SOCIAL.pattern}))+[\W\d_]*", re.IGNORECASE)
_COUNTER = re.compile(r"^[\d\s.,:;/%+|()#-]*$")
_BULLET = re.compile(r"^(?:[•·▪◦‣►▸»*>+-]|\d{1,2}[.)])\s+")
_BYLINE = re.compile(r"^by\s+(?P<rest>.+)$", re.IGNORECASE)
# Sentence punctuation at the end, perhaps inside quotes or brackets; not a
# headline cut short with "...".
_TERMINAL = re.compile(r"(?<!\.\.)[.!?][\"')\]]*$")
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)[\"')\]]*$")


def _is_share(text: str) -> bool:
    """Share-button labels only: "FacebookTwitterGoogle +Pinterest", "Share Tweet Email"."""
    return len(text) <= 80 and _SHARE_LINE.fullmatch(text) is not None


# Called for every line by the layout, the story keys and the title and
# template checks; a page's lines are classified several times over.
@lru_cache(maxsize=8192)
def classify(text: str) -> str:
    """The kind of one clean, non-empty line (see the constants above)."""
    words = len(text.split())
    if attribution(text):
        return CREDIT
    if is_end_slug(text):
        return SLUG
    if words <= 8 and _ZONE.match(text):
        return ZONE
    rights = "©" in text or "reserved" in text.lower()  # cheap test before the regex
    if _CUE.match(text) or (words <= 30 and rights and _RIGHTS.search(text)):
        return CUE
    if _COUNTER.match(text) or is_date_line(text) or _is_share(text):
        return JUNK
    if words <= 10 and _BYLINE.match(text):
        return JUNK
    bullet = _BULLET.match(text) is not None
    # Both patterns end at "$" but a search tries every start: look at the end only.
    end = text[-16:]
    terminal = _TERMINAL.search(end) is not None and not _ELLIPSIS.search(end)
    if (words >= 5 and terminal) or words >= 20:
        return PROSE
    return JUNK if bullet else SHORT


def _score(kind: str, words: int) -> float:
    # Prose earns its length; everything else costs, furniture more than a
    # short line, so a subheading between paragraphs is crossed and a link
    # list is not.
    if kind == PROSE:
        return float(words)
    if kind == SHORT:
        return -(1.0 + words / 2)
    if kind == CUE:
        return -(10.0 + words)
    return -(3.0 + words)


# -- one page ----------------------------------------------------------------


@dataclass(slots=True)
class Layout:
    """A page divided into its article and the rest.

    Args:
        body: the article's paragraphs, in order.
        removed: the lines dropped as boilerplate.
        title: the headline the page shows above the article, if found.
        author: the name in a byline above the article, if any.
        date: a date shown above the article (a date line or "by <date>").
        slugs: end-slug lines right after the article.
        credit: the source a credit line names ("cnn.com").
    """

    body: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    date: str | None = None
    slugs: list[str] = field(default_factory=list)
    credit: str | None = None


def _best_run(scores: Sequence[float], walls: Sequence[bool]) -> tuple[int, int] | None:
    """The maximum-sum run of ``scores`` that crosses no wall (inclusive bounds)."""
    best_sum = 0.0
    best: tuple[int, int] | None = None
    current = 0.0
    start = 0
    for i, score in enumerate(scores):
        if walls[i]:
            current = 0.0
            continue
        if current <= 0:
            current = score
            start = i
        else:
            current += score
        if current > best_sum:
            best_sum = current
            best = (start, i)
    return best


_NAME_WORD = re.compile(r"^[A-Z][\w'.-]*$")


def _byline(text: str) -> tuple[str | None, str | None]:
    """(author, date) from a byline such as "By Jane Roe | January 11, 2025"."""
    match = _BYLINE.match(text)
    if match is None:
        return None, None
    parts = [p.strip() for p in re.split(r"\s*[|,•·]\s*|\s+-\s+", match.group("rest")) if p]
    author = date = None
    rest: list[str] = []
    for part in parts:
        if is_date_line(part):
            date = date or part
        else:
            rest.append(part)
    if is_date_line(match.group("rest")):
        return None, match.group("rest")
    if rest:
        name = rest[0]
        words = name.split()
        if 1 <= len(words) <= 5 and all(
            _NAME_WORD.match(w) or w in ("de", "van", "von", "and") for w in words
        ):
            author = name
    return author, date


def _title(before: list[tuple[int, str, str]], counts: dict[str, int]) -> str | None:
    """The headline among the lines above the article.

    A headline shown twice (page title and article heading) is the surest
    sign; else a short line directly above the article.
    """
    near = before[-8:]
    candidates = [(i, t) for i, t, kind in near if kind == SHORT and len(t.split()) >= 3]
    repeated = [t for _, t in candidates if counts.get(t.casefold(), 0) >= 2]
    if repeated:
        return repeated[-1]
    tail = [t for _, t, kind in before[-3:] if kind == SHORT and len(t.split()) >= 3]
    return tail[-1] if tail else None


def layout(
    lines: Sequence[str],
    *,
    structured: bool = True,
    site_line: Callable[[int], bool] | None = None,
) -> Layout:
    """Divide a page's clean, non-empty lines into article and boilerplate.

    Args:
        lines: the page's lines (paragraphs), already cleaned.
        structured: ``True`` for a scraped text page, searched for the run of
            prose; ``False`` for text an extractor already chose (HTML through
            trafilatura), from which only furniture lines and a trailing zone
            are dropped.
        site_line: tells, by line index, whether cross-page evidence marks
            the line as the site's.
    """
    kinds = [classify(t) for t in lines]
    # The headline is looked for among the lines as the page alone shows
    # them: it also stands in other pages' link lists, so the site's
    # evidence calls it boilerplate (rightly: it is not body text).
    page_kinds = kinds
    if site_line is not None:
        kinds = [JUNK if kind != CREDIT and site_line(i) else kind for i, kind in enumerate(kinds)]
    counts: dict[str, int] = {}
    for text, kind in zip(lines, kinds, strict=True):
        if kind in (SHORT, JUNK):
            counts[text.casefold()] = counts.get(text.casefold(), 0) + 1
    # A short line shown twice on one page is furniture (menu, site name,
    # repeated headline), not a subheading.
    kinds = [
        JUNK if kind == SHORT and counts[t.casefold()] >= 2 else kind
        for t, kind in zip(lines, kinds, strict=True)
    ]
    result = Layout()
    credit_lines = {i for i, kind in enumerate(kinds) if kind == CREDIT}
    for i in sorted(credit_lines):
        result.credit = result.credit or attribution(lines[i])
        result.removed.append(lines[i])

    run = _select(lines, kinds, structured)
    if run is None:
        result.removed = [t for i, t in enumerate(lines) if i not in credit_lines] + [
            lines[i] for i in sorted(credit_lines)
        ]
        return result
    start, end = run
    keep = _keep_in_run(kinds, start, end)

    before = [(i, lines[i], page_kinds[i]) for i in range(start) if i not in credit_lines]
    result.title = _title(before, counts)
    for _, text, _kind in before:
        author, date = _byline(text)
        result.author = result.author or author
        result.date = result.date or date or (text if is_date_line(text) else None)

    after = [i for i in range(end + 1, len(lines)) if i not in credit_lines]
    for i in after[:3]:
        if kinds[i] != SLUG:
            break
        result.slugs.append(lines[i])
    slug_set = set(result.slugs)
    result.body = [lines[i] for i in range(start, end + 1) if keep[i - start]]
    removed_idx = [
        i
        for i in range(len(lines))
        if i not in credit_lines and not (start <= i <= end and keep[i - start])
    ]
    result.removed = [lines[i] for i in removed_idx if lines[i] not in slug_set] + result.removed
    return result


def _select(lines: Sequence[str], kinds: Sequence[str], structured: bool) -> tuple[int, int] | None:
    """The index range of the article: best prose run, or all before a trailing zone."""
    if not lines:
        return None
    if structured:
        scores = [
            0.0 if kind == CREDIT else _score(kind, len(t.split()))
            for t, kind in zip(lines, kinds, strict=True)
        ]
        walls = [kind == ZONE for kind in kinds]
        return _best_run(scores, walls)
    # Extracted text: keep it whole, but a zone heading after the first
    # paragraph of prose ends it ("Related Articles" and its list).
    indices = [i for i, kind in enumerate(kinds) if kind not in (CREDIT,)]
    if not indices:
        return None
    end = indices[-1]
    seen_prose = False
    for i, kind in enumerate(kinds):
        if kind == PROSE:
            seen_prose = True
        elif kind == ZONE and seen_prose:
            end = i - 1
            break
    first = next((i for i, kind in enumerate(kinds) if kind not in (ZONE, CREDIT)), None)
    if first is None or first > end:
        return None
    return first, end


def _keep_in_run(kinds: Sequence[str], start: int, end: int) -> list[bool]:
    """Which lines of the chosen run are article text.

    Furniture is dropped wherever it stands (end slugs after the last
    paragraph excepted). Short lines stay as subheadings
    when alone, but three or more non-prose lines in a row are a list of
    links, not a heading.
    """
    keep = [kinds[i] in (PROSE, SHORT) for i in range(start, end + 1)]
    # End slugs after the last paragraph stay, for the wire step to lift out.
    last_prose = max((i for i in range(start, end + 1) if kinds[i] == PROSE), default=end)
    for i in range(last_prose + 1, end + 1):
        keep[i - start] = keep[i - start] or kinds[i] == SLUG
    i = start
    while i <= end:
        if kinds[i] == PROSE:
            i += 1
            continue
        j = i
        while j <= end and kinds[j] != PROSE:
            j += 1
        if j - i >= 3:
            for k in range(i, j):
                keep[k - start] = False
        i = j
    return keep


def story_keys(
    lines: Sequence[str], hashes: Sequence[bytes] | None = None, found: Layout | None = None
) -> tuple[bytes, ...]:
    """Keys that copies of one story share, from the page alone.

    Two keys: the hash of the article's first prose paragraph (the lede) and
    of its longest one, each tagged so they cannot be mistaken for a line.
    Verbatim copies share both, and so do copies that differ elsewhere (an
    added update line, another "Latest" list). Pages of different stories
    share neither, unless a site prints the same prose paragraph first
    *and* longest on every page; one shared key is not enough, because
    :meth:`SiteBoilerplate.is_boilerplate` takes the smaller count. ``()``
    when the page has no prose. ``found`` is the page's :func:`layout`
    without cross-page evidence, when already computed.
    """
    hashes = hashes if hashes is not None else [line_hash(t, cleaned=True) for t in lines]
    found = found if found is not None else layout(lines)
    body = set(found.body)
    prose = [
        (t, h) for t, h in zip(lines, hashes, strict=True) if t in body and classify(t) == PROSE
    ]
    if not prose:
        return ()
    lede = prose[0][1]
    # Longest by words; ties go to the smaller hash, so the choice is stable.
    longest = min(prose, key=lambda th: (-len(th[0].split()), th[1]))[1]
    return (
        blake2b(b"story-lede\x00" + lede, digest_size=8).digest(),
        blake2b(b"story-long\x00" + longest, digest_size=8).digest(),
    )


_TEMPLATE_LINES = 3


def template_key(lines: Sequence[str]) -> str | None:
    """A site key for a page without a site or address, from its template.

    Pages saved from one site start with the same header (site name, menu);
    when the first lines are such furniture, their hash names the site.
    ``None`` when the page starts with its article (no template to key on).
    """
    head = lines[:_TEMPLATE_LINES]
    if len(head) < _TEMPLATE_LINES or any(classify(t) in (PROSE, CREDIT) for t in head):
        return None
    digest = blake2b("\n".join(t.casefold() for t in head).encode("utf-8"), digest_size=8)
    return "template:" + digest.hexdigest()


# -- across pages ------------------------------------------------------------


class SiteBoilerplate:
    """Lines that recur across pages of one site: that site's boilerplate.

    Counts, per site key, on how many distinct pages each line occurs, as
    8-byte line hashes (no text is kept). A line on ``min_pages`` or more
    pages is the site's, but only counting pages that carry *other*
    stories: each page also counts its story keys (:func:`story_keys`), and
    the pages sharing this page's story are subtracted. So a story
    posted three times on one site keeps its body, while the menu around
    it, also on the site's other stories, goes.

    Cheap: one dict entry per distinct (site, line), a set lookup per page.
    Site ``None`` (or ``""``) is a global pool for pages of unknown site.
    """

    def __init__(self, min_pages: int = 3) -> None:
        self.min_pages = min_pages
        self._counts: dict[str, dict[bytes, int]] = {}
        self._pages: set[bytes] = set()

    @staticmethod
    def _site(site: str | None) -> str:
        return site or ""

    def observe(self, site: str | None, lines: Iterable[str]) -> bool:
        """Count one page's lines; ``False`` if this very page was counted before.

        ``lines`` are the page's lines (paragraphs), as read or cleaned.
        """
        cleaned = clean_text("\n".join(lines))
        clean = cleaned.split("\n\n") if cleaned else []
        hashes = [line_hash(t, cleaned=True) for t in clean]
        return self.observe_hashes(site, [*hashes, *story_keys(clean, hashes)])

    def observe_hashes(self, site: str | None, hashes: Iterable[bytes]) -> bool:
        """Count one page given its line hashes (and story key), as :func:`page_lines` gives."""
        distinct = sorted(set(hashes))
        fingerprint = self._page(site, distinct)
        if fingerprint in self._pages:
            return False
        self._pages.add(fingerprint)
        counts = self._counts.setdefault(self._site(site), {})
        for digest in distinct:
            counts[digest] = counts.get(digest, 0) + 1
        return True

    def know(self, site: str | None, pages_of: Mapping[bytes, int]) -> None:
        """Raise the counts of lines to what a store knows (``{line hash: pages}``).

        :meth:`from_rows` keeps only lines on two pages or more; the counts
        of the lines of a page at hand, its story keys among them, must be
        exact, or a page read again loses the subtraction of its own story
        and its text turns into boilerplate. Taking the larger count keeps
        pages counted in this run and not stored.
        """
        counts = self._counts.setdefault(self._site(site), {})
        for digest, pages in pages_of.items():
            counts[digest] = max(counts.get(digest, 0), pages)

    def counted(self, site: str | None, hashes: Iterable[bytes]) -> None:
        """Mark a page as counted without counting it: its lines are in the counts
        already (a page a store holds, when the counts were rebuilt from that
        store with :meth:`from_rows`), so reading it again must not count it twice."""
        self._pages.add(self._page(site, sorted(set(hashes))))

    def _page(self, site: str | None, distinct: Sequence[bytes]) -> bytes:
        key = self._site(site).encode("utf-8")
        return blake2b(key + b"\x00" + b"".join(distinct), digest_size=16).digest()

    def pages_with(self, site: str | None, digest: bytes) -> int:
        """On how many counted pages of ``site`` the line (or story key) ``digest`` occurs."""
        counts = self._counts.get(self._site(site))
        return counts.get(digest, 0) if counts else 0

    def is_boilerplate_hash(
        self, site: str | None, digest: bytes, story: bytes | Sequence[bytes] | None = None
    ) -> bool:
        """:meth:`is_boilerplate` for a line already hashed with :func:`line_hash`."""
        counts = self._counts.get(self._site(site))
        if not counts:
            return False
        pages = counts.get(digest, 0)
        keys = [story] if isinstance(story, bytes) else list(story or ())
        if not keys:
            return pages >= self.min_pages
        # Pages carrying this page's own story are no evidence: subtract them
        # (those sharing all its story keys), then this page plus
        # min_pages - 1 others must show the line. The difference is the
        # same whether or not this page itself was observed.
        same_story = min(counts.get(key, 0) for key in keys)
        return pages - same_story >= self.min_pages - 1

    def is_boilerplate(
        self, site: str | None, line: str, story: bytes | Sequence[bytes] | None = None
    ) -> bool:
        """True when ``line`` is boilerplate on ``site``.

        Without ``story`` the rule is plain: the line is on ``min_pages``
        pages of the site. With the page's :func:`story_keys`, pages that
        carry the same story are not counted, so copies of one story cannot
        make their own text boilerplate.
        """
        return self.is_boilerplate_hash(site, line_hash(line), story)

    def to_rows(self) -> Iterator[tuple[str, bytes, int]]:
        """Every count as ``(site, line hash, pages)``, for a store to persist."""
        for site, counts in self._counts.items():
            for digest, pages in counts.items():
                yield site, digest, pages

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[str, bytes, int]], min_pages: int = 3
    ) -> SiteBoilerplate:
        """Rebuild from ``(site, line hash, pages)`` rows (see :meth:`to_rows`).

        Counts of rows naming the same site and hash are added.
        """
        evidence = cls(min_pages=min_pages)
        for site, digest, pages in rows:
            counts = evidence._counts.setdefault(cls._site(site), {})
            counts[bytes(digest)] = counts.get(bytes(digest), 0) + int(pages)
        return evidence

    def __len__(self) -> int:
        """How many (site, line) counts are held."""
        return sum(len(counts) for counts in self._counts.values())
