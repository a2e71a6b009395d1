"""Rule-based fact extraction: entities, quantities, dates and quotes.

Fast and dependency-free on purpose (no model can be downloaded where this
runs, and it runs on every article). The rules aim at what verifies a match
between two news reports: the people, places and organisations named, the
numbers with their units, the dates, and the quotations.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from datetime import date, datetime, timedelta

from storytrace.fingerprint.records import DateRef, Entity, EntityKind, Facts, Quantity, Quote

__all__ = [
    "extract_dates",
    "extract_entities",
    "extract_facts",
    "extract_quantities",
    "extract_quotes",
]

# ---------------------------------------------------------------- entities


def _words(text: str) -> frozenset[str]:
    """A word set written as one string (long vocabularies stay readable)."""
    return frozenset(text.split())


# Capitalized words that start sentences or name calendar/generic things, never an entity alone.
_NOT_NAMES = _words(
    """
    a an the this that these those there here it its he she they we i you his her their
    our my your in on at by for from to of with without after before during when while
    as if but and or so yet not no some many most more much all both each every any
    other another such what which who whom whose why how where also however meanwhile
    though although because since until unless than then thus still even just only
    already last next first new former late mr mrs ms dr sir madam said says according
    earlier later today yesterday tomorrow tonight monday tuesday wednesday thursday
    friday saturday sunday january february march april may june july august september
    october november december jan feb mar apr jun jul aug sep sept oct nov dec one two
    three four five six seven eight nine ten photo image video read click share
    advertisement update updated breaking exclusive watch listen subscribe sign follow
    early i'm i’m am pm gmt bst est edt pst pdt cst cdt utc cet
    """
)
_WEEKDAY_NAMES = _words("monday tuesday wednesday thursday friday saturday sunday")
# Function words that open a multi-word name rather than precede it ("New York").
_NAME_OPENERS = _words("new")
# Titles before a name: evidence of a person, and not part of the name.
_PERSON_TITLES = _words(
    """
    president vice prime minister secretary senator sen rep representative governor gov
    mayor judge justice mr mrs ms dr prof professor general gen col colonel lt captain
    capt sgt officer chief director spokesman spokeswoman spokesperson ceo chairman
    chairwoman chair king queen prince princess pope actor actress singer star rapper
    coach player lawyer attorney prosecutor detective sheriff deputy adviser advisor
    ambassador leader minister chancellor commissioner inspector rev father sister
    brother mother wife husband son daughter
    """
)
_ORG_SUFFIXES = _words(
    """
    inc corp corporation co company ltd llc plc group bank agency service services party
    ministry department university college school council committee commission
    association union institute foundation hospital court police army navy force forces
    office board authority organization organisation administration federation league
    network news times post journal press club team fund trust center centre church
    airlines airways
    """
)
_PLACE_PREPS = _words(
    """
    in at from near into across outside inside around toward towards
    """
)
_CONNECT = r"(?:of|de|del|da|di|du|van|von|der|den|la|le|al|bin|ibn|the)"
# Apostrophes and hyphens stay inside a name (O'Neil, Al-Assad); dotted initials (J.D., U.S.).
_CAP_WORD = r"(?:[A-Z]\.(?:[A-Z]\.)+|[A-Z][\w'’\-]*[\w]|[A-Z])"
_NAME = re.compile(rf"{_CAP_WORD}(?:\s+(?:{_CONNECT}\s+)?{_CAP_WORD})*")
# Sentence ends: punctuation after a lower-case letter, digit or closing quote, so
# initials and abbreviations ("J.D. Vance", "U.S. officials") do not split a name.
_SENT_SPLIT = re.compile(
    r"(?:(?<=[a-z0-9)][.!?])|(?<=[.!?][\"”’)]))(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bMrs\.)\s+|\n+"
)
_POSSESSIVE = re.compile(r"['’]s\b")


def _name_tokens(name: str) -> list[str]:
    return name.replace("’s", "").replace("'s", "").split()


def _is_title_case_line(line: str) -> bool:
    """Headlines capitalize most words; names in them are unreliable.

    A line ending in a full stop is prose, however many names it holds.
    """
    if line.rstrip().endswith((".", '."', ".”")):
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", line) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _strip_edges(words: list[str], sentence_start: bool) -> tuple[list[str], str | None]:
    """Drop leading titles / function words (remembering a title) and trailing connectors."""
    title = None
    while words and (
        (
            words[0].lower().rstrip(".") in _NOT_NAMES
            and not (len(words) > 1 and words[0].lower() in _NAME_OPENERS)
        )
        or words[0].lower().rstrip(".").split("-")[0] in _PERSON_TITLES
    ):
        low = words[0].lower().rstrip(".").split("-")[0]
        if low in _PERSON_TITLES:
            title = low
        words = words[1:]
    # "Russian President Vladimir Putin" -> "Vladimir Putin": drop up to the last title.
    titled = [
        i for i, w in enumerate(words) if w.lower().rstrip(".").split("-")[0] in _PERSON_TITLES
    ]
    if titled and titled[-1] < len(words) - 1:
        title = words[titled[-1]].lower().rstrip(".").split("-")[0]
        words = words[titled[-1] + 1 :]
    # "Microsoft Wednesday": a weekday after a name is not part of it.
    while words and (re.fullmatch(_CONNECT, words[-1]) or words[-1].lower() in _WEEKDAY_NAMES):
        words = words[:-1]
    while words and re.fullmatch(_CONNECT, words[0]):
        words = words[1:]
    return words, title


def extract_entities(text: str) -> tuple[Entity, ...]:
    """Named entities of ``text``: capitalized name sequences, short forms joined.

    A single capitalized word at the start of a sentence is kept only when the
    text also capitalizes it elsewhere (so "Unfortunately" is not a name but
    "Zelensky" is). A one- or two-word form that is the last or first part of
    exactly one longer name ("Kirby", "Reid") counts as that name.
    """
    found: list[tuple[str, str | None, str]] = []  # (name, title, preceding word)
    headline_names: list[str] = []
    non_initial: set[str] = set()
    for line in text.splitlines():
        headline = _is_title_case_line(line)
        # A possessive ends a name: "Ukraine's NATO bid" names Ukraine and NATO.
        for sentence in _SENT_SPLIT.split(_POSSESSIVE.sub(" ,", line)):
            for m in _NAME.finditer(sentence):
                at_start = not sentence[: m.start()].strip(" \"“‘'(-—–")
                words, title = _strip_edges(_name_tokens(m.group(0)), at_start)
                if not words:
                    continue
                before = sentence[: m.start()].split()
                prev = before[-1].lower().strip(",") if before else ""
                if title is None and prev.rstrip(".") in _PERSON_TITLES:
                    title = prev.rstrip(".")
                name = " ".join(words)
                if headline:
                    headline_names.append(name)
                    continue
                if not (at_start and len(words) == 1 and words == _name_tokens(m.group(0))):
                    non_initial.update(words)
                found.append((name, title, prev))
    # A lone sentence-initial word must be capitalized somewhere else too.
    kept = [
        f for f in found if " " in f[0] or f[0] in non_initial or (f[0].isupper() and len(f[0]) > 1)
    ]
    names = {f[0] for f in kept}
    kept += [(n, None, "") for n in headline_names if n in names]

    long_names = sorted({n for n, _, _ in kept if " " in n}, key=len, reverse=True)

    def canonical(name: str) -> str:
        toks = name.split()
        if len(toks) > 2:
            return name
        hits = [
            full
            for full in long_names
            if full != name
            and len(full.split()) > len(toks)
            and (full.split()[-len(toks) :] == toks or full.split()[: len(toks)] == toks)
        ]
        return hits[0] if len({h.split()[-1] for h in hits}) == 1 and hits else name

    counts: Counter[str] = Counter()
    kinds: dict[str, Counter[EntityKind]] = {}
    for name, title, prev in kept:
        full = canonical(name)
        counts[full] += 1
        votes = kinds.setdefault(full, Counter())
        last = full.split()[-1].lower().strip(".")
        if title is not None:
            votes["person"] += 2
        elif last in _ORG_SUFFIXES or (full.replace(".", "").isupper() and len(full) > 1):
            votes["org"] += 1
        elif prev in _PLACE_PREPS:
            votes["place"] += 1
        if name != full and len(name.split()) == 1 and name == full.split()[-1]:
            votes["person"] += 1  # referred to by surname alone: a person
    out = []
    for name, n in counts.most_common():
        votes = kinds[name]
        kind: EntityKind = votes.most_common(1)[0][0] if votes else "other"
        out.append(Entity(name=name, kind=kind, mentions=n))
    return tuple(out)


# ---------------------------------------------------------------- quantities

_SMALL = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_SCALES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "mln": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "dozen": 12.0,
    "dozens": 12.0,
    "hundreds": 1e2,
    "thousands": 1e3,
    "millions": 1e6,
}
# Hedges and the comparison they state; "nearly three years" is a bit under three.
_HEDGES = {
    "more than": ">",
    "over": ">",
    "at least": ">",
    "upwards of": ">",
    "in excess of": ">",
    "above": ">",
    "as many as": "<",
    "up to": "<",
    "less than": "<",
    "fewer than": "<",
    "under": "<",
    "at most": "<",
    "below": "<",
    "nearly": "<",
    "almost": "<",
    "just under": "<",
    "about": "~",
    "around": "~",
    "some": "~",
    "roughly": "~",
    "approximately": "~",
    "an estimated": "~",
    "estimated": "~",
    "close to": "<",
}
_CURRENCY_SIGNS = {"$": "usd", "us$": "usd", "€": "eur", "£": "gbp", "¥": "jpy"}
_CURRENCY_WORDS = {
    "dollar": "usd",
    "euro": "eur",
    "pound": "gbp",
    "yuan": "cny",
    "yen": "jpy",
    "rupee": "inr",
    "ruble": "rub",
    "rouble": "rub",
    "hryvnia": "uah",
}
_UNIT_SKIP = frozenset(["of", "the", "a", "an", "more", "other", "new", "additional"])
_NUMWORD = "|".join(sorted([*_SMALL, *_TENS], key=len, reverse=True))
_QTY = re.compile(
    r"(?P<hedge>\b(?:" + "|".join(sorted(_HEDGES, key=len, reverse=True)) + r")\s+)?"
    r"(?P<cur>US\$|[$€£¥])?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\b(?:" + _NUMWORD + r"|an?)\b)"
    r"(?:[\s-]?(?P<scale>hundred|thousands|thousand|millions|million|billion|trillion|dozens|"
    r"dozen|mln|mn|bn|tn|k|m|b)\b)?"
    r"(?:[\s-]+(?P<unit>(?:[A-Z][\w-]*\s+){0,2}[a-z%][\w%-]*(?:\s+[a-z][\w-]*){0,2}))?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
# Units a number joined to it by a hyphen measures ("48-hour", "5-metre").
_MEASURES = frozenset([
    "second", "minute", "hour", "day", "week", "month", "year", "decade", "century",
    "metre", "meter", "kilometre", "kilometer", "km", "mile", "foot", "feet", "inch",
    "centimetre", "centimeter", "tonne", "ton", "kilogram", "kg", "storey", "story",
])


def _singular(word: str) -> str:
    word = word.lower().strip("-")
    if word in {"percent", "per", "pct"}:
        return "%"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


_UNIT_STOP = _words(
    """
    a an the of in on at to for from by with within into over under after before since
    ago and or but than that which who is are was were be been being has have had will
    would could should may might can do does did not per each every this these those
    their its his her just only about across along during
    """
)


def _unit(words: list[str]) -> str:
    """The counted noun: the last of up to three lower-case content words after the number.

    "180 oil tankers on Friday" → "tanker"; "two soldiers alive" → "soldier";
    "some 11,000 North Korean troops are" → "troop" (names before the noun are
    skipped); "$500 million aid package featuring" → "package" (a verb form
    ends the run).
    """
    run: list[str] = []
    for w in words:
        low = w.lower()
        if w[0].isupper():
            if run:
                break
            continue
        if low in _UNIT_STOP or (run and (low.endswith("ing") or low.endswith("ed"))):
            break
        run.append(low)
        if len(run) == 3:
            break
    if not run:
        return ""
    # Counted things are plural nouns: "two soldiers alive" counts soldiers.
    plural = [w for w in run if w.endswith("s") and not w.endswith("ss")]
    sing = _singular(plural[0] if plural else run[-1])
    return _CURRENCY_WORDS.get(sing, sing)


def extract_quantities(text: str) -> tuple[Quantity, ...]:
    """Numbers with hedge and unit: ``"over a thousand troops"`` → ``(1000, ">", "troop")``.

    Years (1900–2099 written without a separator) are dates, not quantities;
    clock times and bare "a"/"an" without a scale are skipped.
    """
    out: list[Quantity] = []
    for m in _QTY.finditer(text):
        num, scale = m.group("num").lower(), (m.group("scale") or "").lower()
        if num in {"a", "an"} and not scale:
            continue
        start = m.start("num")
        if start > 0 and text[start - 1] in ":/.":
            continue  # 5:03, 1/9, .5 — times, dates, fragments
        if start > 1 and text[start - 1] == "-" and text[start - 2].isalpha():
            continue  # F-16, COVID-19: part of a name
        before = text[max(0, start - 12) : start].split()
        if before and before[-1].lower().rstrip(".") in _MONTHS:
            continue  # "January 20" is a date
        if (m.group("unit") or "").split()[:1] and m.group("unit").split()[0].lower().rstrip(
            ".,"
        ) in _MONTHS:
            continue  # "9 January"
        if m.end("num") < len(text) and text[m.end("num")] == ":":
            continue
        if num in _SMALL:
            value = float(_SMALL[num])
        elif num in _TENS:
            value = float(_TENS[num])
        elif num in {"a", "an"}:
            value = 1.0
        else:
            value = float(num.replace(",", ""))
            if _YEAR.match(num) and not scale and not m.group("cur"):
                continue
        if scale in {"m", "b", "k"} and not m.group("cur"):
            scale = ""  # "5 m" is metres more often than millions without a currency
        value *= _SCALES.get(scale, 1.0)
        unit_words = (m.group("unit") or "").split()
        unit = ""
        cur = (m.group("cur") or "").lower()
        if cur:
            unit = _CURRENCY_SIGNS.get(cur, "usd")
        if not unit and unit_words and text[m.end() - len(m.group("unit")) - 1] == "-":
            # "a 48-hour strike", "a 30-year concession": the hyphened word is
            # the measure; the noun after it is what lasts that long.
            # ("27-year-old" stays an age: the measure must stand alone)
            measure = _singular(unit_words[0])
            unit = measure if measure in _MEASURES else ""
        if not unit:
            unit = _unit(unit_words)
        if not unit and text[m.end("num") : m.end("num") + 1] == "%":
            unit = "%"
        hedge = (m.group("hedge") or "").strip().lower()
        op = _HEDGES.get(hedge, "=")
        out.append(Quantity(value=value, op=op, unit=unit, text=m.group(0).strip()))
    return tuple(out)


# ---------------------------------------------------------------- dates

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_WEEKDAYS = {
    d: i
    for i, d in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}
_MON = (
    r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
    re.compile(
        _MON.replace("(?P<mon>", r"\b(?P<mon>")
        + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?"
    ),
    re.compile(
        r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
        + _MON
        + r"(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?"
    ),
    re.compile(
        r"\b(?:in|of|since|until|by|from|to|through|during|early|late|mid-?)\s+"
        + _MON
        + r"(?:,?\s+(?P<y>(?:19|20)\d\d))?\b"
    ),
    re.compile(r"\b(?P<y>(?:19|20)\d\d)\b(?![,.]?\d)"),
]
_RELATIVE = re.compile(
    r"\b(?:(?P<mod>last|this|next|on|early|late)\s+)?"
    r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?P<rel>yesterday|today|tonight)\b",
    re.IGNORECASE,
)


# A future auxiliary a few words before a weekday, in the same clause: "will
# vote on Thursday", "is due to report on Monday", "it will cut 500 jobs by
# Friday". Past forms ("was due", "were expected to") and the causal "due
# to" are not. "said on Tuesday it will ..." is past: the weekday comes first.
_FUTURE = re.compile(
    r"(?:\bwill|\bshall|'ll|\b(?:is|are) (?:due|set to|scheduled|expected to)|"
    r"\bplans? to|\bplanning to)\b",
    re.IGNORECASE,
)
_AHEAD_WORDS = 6


def _looks_ahead(text: str, start: int) -> bool:
    """Whether the weekday at ``start`` is announced for the future (see :data:`_FUTURE`)."""
    clause = re.split(r"[.!?;:,\n]", text[max(0, start - 80) : start])[-1]
    return bool(_FUTURE.search(" ".join(clause.split()[-_AHEAD_WORDS:])))


def _as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def _nearest_year(pub: date, month: int, day: int | None) -> int:
    """The year that puts month/day nearest ``pub``, allowing at most ~2 months ahead.

    News mostly reports the past, but names near-future dates too ("power
    passes on January 20" in a January 11 report).
    """
    target = date(pub.year, month, min(day or 15, 28))
    delta = (target - pub).days
    if delta > 62:
        return pub.year - 1
    if delta < -300:
        return pub.year + 1
    return pub.year


def extract_dates(text: str, published: date | datetime | None = None) -> tuple[DateRef, ...]:
    """Absolute and relative dates of ``text``.

    Relative ones ("on Saturday", "yesterday") resolve against ``published``
    when known: a weekday is the latest such day on or before it (news reports
    the past), unless the text says "next" (the one after) or announces it
    ("will vote on Thursday", "is due to report on Monday": this one or
    the coming one). A month and day without a year
    take the year that puts them nearest before ``published``.
    """
    pub = _as_date(published)
    out: list[DateRef] = []
    # Spans already read as dates, kept sorted by start. They never overlap,
    # so only the span starting last before ``b`` can overlap [a, b): a
    # bisection keeps a page with thousands of dates linear, not quadratic.
    starts: list[int] = []
    ends: list[int] = []

    def free(a: int, b: int) -> bool:
        i = bisect.bisect_left(starts, b)
        return i == 0 or ends[i - 1] <= a

    def take(a: int, b: int) -> None:
        i = bisect.bisect_left(starts, a)
        starts.insert(i, a)
        ends.insert(i, b)

    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            groups = m.groupdict()
            year = int(groups["y"]) if groups.get("y") else None
            mon_text = groups.get("mon")
            month = (
                int(groups["m"])
                if groups.get("m")
                else _MONTHS.get(mon_text.lower().rstrip(".")[:4].rstrip("e") if mon_text else "")
                if mon_text
                else None
            )
            if mon_text and month is None:
                month = _MONTHS.get(mon_text.lower().rstrip(".")[:3])
            day = int(groups["d"]) if groups.get("d") else None
            if day is not None and not 1 <= day <= 31:
                continue
            if mon_text and mon_text.lower() == "may" and day is None and year is None:
                continue  # "may" the verb
            if year is None and month is not None and pub is not None:
                year = _nearest_year(pub, month, day)
            take(m.start(), m.end())
            out.append(DateRef(year, month, day, m.group(0).strip()))
    for m in _RELATIVE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        if m.group("rel"):
            offset = -1 if m.group("rel").lower() == "yesterday" else 0
            if pub is not None:
                d = pub + timedelta(days=offset)
                out.append(DateRef(d.year, d.month, d.day, m.group(0), relative=True))
            continue
        wd = _WEEKDAYS[m.group("wd").lower()]
        if pub is None:
            out.append(DateRef(None, None, None, m.group(0), weekday=wd, relative=True))
            continue
        back = (pub.weekday() - wd) % 7
        if (m.group("mod") or "").lower() == "next":
            d = pub + timedelta(days=(7 - back) % 7 or 7)
        elif _looks_ahead(text, m.start()):
            d = pub + timedelta(days=(7 - back) % 7)  # this one, or the coming one
        else:
            d = pub - timedelta(days=back)
        out.append(DateRef(d.year, d.month, d.day, m.group(0), weekday=wd, relative=True))
    return tuple(out)


# ---------------------------------------------------------------- quotes

_QUOTE = re.compile(r"[“\"]\s*([^“”\"]{12,}?)\s*[”\"]")
_SAID = r"(?:said|says|told|added|wrote|stated|explained|remarked|declared|insisted|noted)"
# The attribution after a quote, in the same sentence: ', said X', '" X said',
# 'said Ostenfeld head coach Luuk Verhaar' (a title of up to four words before
# the name: the name is the last capitalized run before the sentence goes on).
_AFTER = re.compile(
    rf"^[^\S\n]*[,—–-]?[^\S\n]*(?:{_SAID}\s+(?:(?:the|a|an|[\w'’-]+)\s+){{0,4}}?"
    rf"({_NAME.pattern})(?=\s*(?:[.,;:!?]|$))|{_SAID}\s+({_NAME.pattern})|"
    rf"({_NAME.pattern})\s+{_SAID}|"
    rf"according to\s+(?:[\w\s]{{0,40}}?\s)?({_NAME.pattern}))"
)
# Between two quotes, only the first one's attribution (' said X. ').
_ATTRIBUTION_ONLY = re.compile(r"[^.!?\n“\"]{0,80}[.!?]?[^\S\n]*")
_BEFORE = re.compile(rf"({_NAME.pattern})\s+(?:{_SAID}|has said|had said)[^.“\"]*[:,]?\s*$")


def extract_quotes(
    text: str, aliases: dict[str, str] | None = None, min_words: int = 4
) -> tuple[Quote, ...]:
    """Quoted passages of ``min_words`` or more words, with a speaker when the
    sentence names one.

    ``aliases`` maps short names to full ones (``{"Kirby": "John Kirby"}``).
    """
    aliases = aliases or {}
    out = []
    last_end, last_speaker = 0, None  # the previous quote's end and speaker
    for m in _QUOTE.finditer(text):
        passage = " ".join(m.group(1).split())
        if len(passage.split()) < min_words:
            continue
        speaker = None
        # A quote closed by a full stop has ended its sentence: what follows
        # is a new sentence, not its attribution.
        after = None if passage.endswith(".") else _AFTER.match(text[m.end() : m.end() + 120])
        if after:
            speaker = next(g for g in after.groups() if g)
        else:
            before = _BEFORE.search(text[max(0, m.start() - 120) : m.start()])
            if before:
                speaker = before.group(1)
        between = text[last_end : m.start()]
        if speaker is None and last_speaker and _ATTRIBUTION_ONLY.fullmatch(between):
            # '"...," said X. "..."': the quote goes on in the speaker's next sentence
            speaker = last_speaker
        last_end = m.end()
        if speaker:
            words, _ = _strip_edges(_name_tokens(speaker), False)
            speaker = " ".join(words) or None
            speaker = aliases.get(speaker, speaker) if speaker else None
        last_speaker = speaker
        out.append(Quote(text=passage, speaker=speaker))
    return tuple(out)


# ---------------------------------------------------------------- all


def extract_facts(text: str, published: date | datetime | None = None) -> Facts:
    """All facts of an article body (``published`` resolves relative dates)."""
    entities = extract_entities(text)
    aliases: dict[str, str] = {}
    for e in entities:
        toks = e.name.split()
        if len(toks) > 1:
            aliases.setdefault(toks[-1], e.name)
        aliases[e.name] = e.name
    return Facts(
        entities=entities,
        quantities=extract_quantities(text),
        dates=extract_dates(text, published),
        quotes=extract_quotes(text, aliases),
    )
