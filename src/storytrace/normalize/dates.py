"""Publication dates: parse what inputs give, recognise date-only lines."""

from __future__ import annotations

import re
from datetime import datetime

from dateutil import parser as date_parser
from dateutil import tz

__all__ = ["is_date_line", "parse_published"]

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?"
_TIME = r"(?:\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?)"
_ZONE = r"(?:[A-Z]{2,5}|UTC|GMT|[+-]\d{2}:?\d{2})"
# A line that is nothing but a date (and perhaps a time): the dates under
# each headline of a link list, "Updated 3:05 PM EST, Sat January 11, 2025".
_DATE_LINE = re.compile(
    rf"""^(?:(?:published|updated|posted|last\s+updated)(?:\s+on)?:?\s*)?
    (?:{_WEEKDAY}\s*)?
    (?:{_TIME}\s*(?:{_ZONE})?,?\s*(?:{_WEEKDAY}\s*)?)?
    (?:
        {_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?      # January 11, 2025
      | \d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?(?:\s+\d{{4}})?  # 11 January 2025
      | \d{{4}}-\d{{2}}-\d{{2}}                                      # 2025-01-11T10:00:00Z
        (?:[t\s]\d{{2}}:\d{{2}}(?::\d{{2}})?(?:\.\d+)?(?:z|[+-]\d{{2}}:?\d{{2}})?)?
      | \d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}                           # 11/01/2025
      | \d+\s+(?:minute|hour|day|week|month)s?\s+ago                   # 3 hours ago
    )
    (?:,?\s*(?:at\s+)?{_TIME}\s*(?:{_ZONE})?)?
    \s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_date_line(line: str) -> bool:
    """True when the whole line is a date or timestamp, with nothing else."""
    return len(line) <= 60 and _DATE_LINE.match(line.strip()) is not None


# A date with nothing to fill in from: dateutil takes missing parts from
# ``default``, and "today" would make the same input parse differently
# tomorrow.
_DEFAULT = datetime(2000, 1, 1)
_HAS_DIGIT = re.compile(r"\d")


def parse_published(value: str | None) -> datetime | None:
    """Parse a publication date string; ``None`` when it is not a date.

    ISO 8601 first (feeds and metadata), then dateutil for the rest ("Sat,
    11 Jan 2025 14:03:00 GMT", "January 11, 2025"). The result is
    timezone-aware when the string names a zone or offset, naive otherwise.
    Years outside 1900-2199 are rejected as misparses.
    """
    if not value:
        return None
    text = value.strip()
    if not text or len(text) > 100 or not _HAS_DIGIT.search(text):
        return None
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        # Strip "Published:" / "Updated on" the way page bylines write them.
        text = re.sub(r"^(?:published|updated|posted)(?:\s+on)?:?\s*", "", text, flags=re.I)
        try:
            parsed = date_parser.parse(text, default=_DEFAULT, tzinfos=_tzinfos)
        except (ValueError, OverflowError, TypeError, date_parser.ParserError):
            return None
    if not 1900 <= parsed.year < 2200:
        return None
    return parsed


# Zone abbreviations news sites print; dateutil knows only UTC/GMT by itself
# and otherwise returns a naive time, which is safer than a wrong offset.
_ZONES = {
    "UTC": tz.UTC,
    "GMT": tz.UTC,
    "Z": tz.UTC,
    "EST": tz.tzoffset("EST", -5 * 3600),
    "EDT": tz.tzoffset("EDT", -4 * 3600),
    "CST": tz.tzoffset("CST", -6 * 3600),
    "CDT": tz.tzoffset("CDT", -5 * 3600),
    "MST": tz.tzoffset("MST", -7 * 3600),
    "MDT": tz.tzoffset("MDT", -6 * 3600),
    "PST": tz.tzoffset("PST", -8 * 3600),
    "PDT": tz.tzoffset("PDT", -7 * 3600),
    "BST": tz.tzoffset("BST", 1 * 3600),
    "CET": tz.tzoffset("CET", 1 * 3600),
    "CEST": tz.tzoffset("CEST", 2 * 3600),
    "EET": tz.tzoffset("EET", 2 * 3600),
    "EEST": tz.tzoffset("EEST", 3 * 3600),
    "MSK": tz.tzoffset("MSK", 3 * 3600),
    "IST": tz.tzoffset("IST", 5 * 3600 + 1800),
    "JST": tz.tzoffset("JST", 9 * 3600),
    "KST": tz.tzoffset("KST", 9 * 3600),
}


def _tzinfos(name: str | None, offset: int | None) -> object:
    known = _ZONES.get(name.upper()) if name else None
    if known is None and offset is not None:
        return tz.UTC if offset == 0 else tz.tzoffset(name, offset)
    return known
