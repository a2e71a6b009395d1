"""Wire furniture: datelines, end slugs and lines that name a source.

A wire story and its copies carry furniture around the text: a dateline
("WASHINGTON (Reuters) -"), an end slug ("END/WD/SMA/", "###"), a credit
("This post appeared first on cnn.com"). It is not part of the story's
words, so it moves out of the body into the article's metadata, where it is
evidence of where the text came from.

All functions take text already through :func:`~storytrace.normalize.clean.clean_text`
(dashes are "-", quotes straight).
"""

from __future__ import annotations

import re

__all__ = ["attribution", "is_end_slug", "split_dateline", "split_end_slugs"]

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?)"
)
# "WASHINGTON", "NEW YORK", "ST. PETERSBURG", "RIO DE JANEIRO".
_CAPS_PLACE = r"[A-Z][A-Z.'-]+(?:\s+[A-Z][A-Z.'-]*){0,3}"
# "Ukraine", "Kyiv", "New Delhi" (only trusted with a date or an agency).
_TITLE_PLACE = r"[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){0,2}"
# ", Ukraine" after the city: "KYIV, Ukraine".
_REGION = r",\s*[A-Z][A-Za-z.'-]+(?:\s+[A-Z][A-Za-z.'-]+){0,2}"
# "(Reuters)", "(AP)", "(V7N)", "(IANS)": short, starting with a capital.
_AGENCY = r"\((?P<agency>[A-Z0-9][A-Za-z0-9.&' -]{0,24})\)"
# What ends a dateline: a dash or a colon, then the story's first word.
_SEPARATOR = r"\s*(?:-{1,2}|:)\s*(?=[\"'A-Z0-9])"

_DATELINE = re.compile(
    rf"""^(?P<line>
        (?:
            (?P<caps>{_CAPS_PLACE})(?:{_REGION})?(?:,?\s*(?P<cdate>{_DATE}))?,?\s*(?:{_AGENCY})?
          | (?P<title>{_TITLE_PLACE})(?:{_REGION})?
            (?:,?\s*(?P<tdate>{_DATE}),?\s*(?:\((?P<tagency>[A-Z0-9][A-Za-z0-9.&' -]{{0,24}})\))?
              | ,?\s*\((?P<tagency2>[A-Z0-9][A-Za-z0-9.&' -]{{0,24}})\))
          | \((?P<only>[A-Z][A-Za-z0-9.&' -]{{0,24}})\)
        )
    ){_SEPARATOR}""",
    re.VERBOSE,
)
# A whole line of capitals that is a sentence, not a place ("BREAKING NEWS:").
_NOT_PLACES = frozenset({"BREAKING", "BREAKING NEWS", "UPDATE", "WATCH", "EXCLUSIVE", "NOTE"})


def split_dateline(paragraph: str) -> tuple[str | None, str, str | None]:
    """Split a leading dateline off the first paragraph.

    Returns ``(dateline, rest, agency)``: ``("Ukraine, Jan 12, (V7N)", "Ukrainian
    forces…", "V7N")`` for "Ukraine, Jan 12, (V7N) - Ukrainian forces…". A
    place in capitals may stand alone ("PARIS:", "KYIV, Ukraine -"); a place
    in ordinary case must come with a date or an agency, so a first sentence
    that merely starts with a place name ("Kyiv - the capital…" aside) keeps it.
    """
    match = _DATELINE.match(paragraph)
    if match is None:
        return None, paragraph, None
    caps = match.group("caps")
    if caps is not None and caps.strip(" .,") in _NOT_PLACES:
        return None, paragraph, None
    dateline = match.group("line").strip().rstrip(",").strip()
    rest = paragraph[match.end() :].strip()
    if len(dateline) > 80 or not rest:
        return None, paragraph, None
    agency = next(
        (
            match.group(name).strip()
            for name in ("agency", "tagency", "tagency2", "only")
            if match.group(name)
        ),
        None,
    )
    return dateline, rest, agency


# End slugs, as whole paragraphs: "END/WD/SMA/", "-- END --", "-30-", "###",
# "/ends", "(Reporting by …; Editing by …)".
_SLUG_LINE = re.compile(
    r"""^(?:
        END(?:\s*/\s*[A-Za-z0-9]+)*\s*/?
      | -+\s*(?:END|ENDS|30)\s*-+
      | /\s*ends?\s*/?
      | ENDS
      | \#\s*\#\s*\#
      | \((?:additional\s+)?(?:reporting|writing|editing|compiled|research)\b[^()]*\bby\b[^()]*\)
      | (?:additional\s+)?(?:reporting|writing)\s+by\s+[^.;]{3,80}
        (?:;\s*(?:additional\s+reporting|reporting|writing|editing)\s+by\s+[^.;]{3,80})+\.?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# The same, trailing the last paragraph: "…the war. (Reporting by X)".
_SLUG_TAIL = re.compile(
    r"""(?<=[.!?"'])\s+(?P<slug>
        \((?:additional\s+)?(?:reporting|writing|editing)\b[^()]*\bby\b[^()]*\)
      | END(?:/[A-Z0-9]+)+/?
      | \#\#\#
      | -+\s*END\s*-+
      | /ends?/?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_end_slug(line: str) -> bool:
    """True when the whole line is a wire end slug."""
    return len(line) <= 300 and _SLUG_LINE.match(line.strip()) is not None


def split_end_slugs(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """Remove end slugs from the end of a body.

    Returns the remaining paragraphs and the slugs found, joined by a space
    in reading order ("(Reporting by A; Editing by B) ###"), or ``None``.
    """
    kept = list(paragraphs)
    slugs: list[str] = []
    while kept:
        last = kept[-1]
        if is_end_slug(last):
            slugs.append(last.strip())
            kept.pop()
            continue
        tail = _SLUG_TAIL.search(last)
        if tail is None:
            break
        slugs.append(tail.group("slug").strip())
        kept[-1] = last[: tail.start()].rstrip()
    if not slugs:
        return paragraphs, None
    return kept, " ".join(reversed(slugs))


_SOURCE = r"(?P<src>[^\s].{0,79}?)"
_ATTRIBUTIONS = [
    # "This post appeared first on cnn.com", "The post <title> appeared first
    # on Site.", "This article was originally published on The Conversation."
    re.compile(
        rf"^(?:this|the)\s+(?:post|article|story|report|piece|content)\b.{{0,300}}?"
        rf"\b(?:appeared|was\s+(?:first\s+|originally\s+)?(?:published|posted)|ran)"
        rf"\s+(?:first\s+|originally\s+)?(?:on|in|at|by)\s+{_SOURCE}[.!]?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?:originally|first)\s+(?:published|appeared|posted)\s+(?:on|in|at|by)\s+{_SOURCE}[.!]?$",
        re.IGNORECASE,
    ),
    re.compile(rf"^read\s+the\s+original\s+(?:article|story)\s+(?:on|at)\s+{_SOURCE}[.!]?$", re.I),
    re.compile(
        rf"^(?:republished|reprinted|reproduced)\s+(?:with\s+permission\s+)?from\s+{_SOURCE}[.!]?$",
        re.IGNORECASE,
    ),
    re.compile(rf"^(?:source|via|courtesy\s+of|credit)\s*:\s*{_SOURCE}[.!]?$", re.IGNORECASE),
]


def attribution(line: str) -> str | None:
    """The source a whole line credits, or ``None``.

    "This post appeared first on cnn.com" → "cnn.com"; "This article
    originally appeared on The Conversation" → "The Conversation";
    "Source: Reuters" → "Reuters".
    """
    line = line.strip()
    if len(line) > 400:
        return None
    for pattern in _ATTRIBUTIONS:
        match = pattern.match(line)
        if match:
            source = _tidy_source(match.group("src"))
            if source and len(source.split()) <= 8:
                return source
    return None


def _tidy_source(source: str) -> str:
    source = source.strip().strip("\"'").strip()
    source = re.sub(r"^https?://", "", source, flags=re.IGNORECASE)
    return source.rstrip("/.,;:").strip()
