"""What changed between two versions of a story: aligned sentences and a fact diff.

Two steps:

1. **Sentence alignment.** Sentence vectors (the fingerprints') give a
   similarity matrix; pairs are taken greedily, best first, one-to-one above
   :data:`ALIGN_MIN`. A sentence left over next to an aligned one, and
   close to that one's partner, joins the pair: that is how a sentence split
   in two (one-to-many) or two merged into one (many-to-one) shows. Each
   pair is labelled ``verbatim`` (same words), ``paraphrase`` or ``partial``
   (it says part of the same thing); the rest is only in A or only in B.
2. **Facts.** Numbers with units and hedges, dates resolved against each
   version's own publication date, quotations and who is said to have said
   what are read per sentence, with short names joined to full ones
   (Kirby = John Kirby). Facts in both versions, only in one, and
   conflicts (the same claim with another value, date or speaker) are each
   reported with the sentences that carry them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from storytrace.fingerprint import Embedder, Fingerprint, fingerprint_many
from storytrace.fingerprint.facts import (
    extract_dates,
    extract_entities,
    extract_quantities,
    extract_quotes,
)
from storytrace.fingerprint.records import DateRef, Quantity
from storytrace.fingerprint.shingles import tokens
from storytrace.model import AlignedSentences, Article, Diff, FactChange

__all__ = [
    "ALIGN_MIN",
    "align_sentences",
    "diff",
    "diff_fingerprints",
    "sentence_similarity",
    "side_by_side",
]

# Cosine (all-MiniLM-L6-v2) above which two sentences say the same thing;
# the same line verification uses (paraphrases 0.7-0.9, same-topic
# different-claim sentences 0.3-0.55).
ALIGN_MIN = 0.6
# At and above this cosine a pair is a paraphrase, below it a partial match.
PARAPHRASE_MIN = 0.75
# Word-set overlap at which a pair is the same sentence (verbatim).
VERBATIM_MIN = 0.9
# A left-over sentence joins its aligned neighbour's pair above this cosine
# with the partner (split or merged sentences). Tried and not kept: aligning
# a left-over sentence with two left-over neighbours of the other side whose
# summed vectors reach ALIGN_MIN (each half >= JOIN_MIN). On the 40 labelled
# demo pairs it joined 8 groups, of which 3 were sentences of different
# events (a follow-up, a later rate decision, another fire) and 1 a denial
# against a resignation; the good and the bad overlapped (sum 0.61-0.72).
JOIN_MIN = 0.45

# A quoted phrase this long is someone's words ("fair and affordable"), one
# or two words are as often a scare quote or a title. (Matching keeps four:
# a shared phrase of three words is weak evidence of one story.)
QUOTE_MIN_WORDS = 3

_SPEAKER_VERBS = (
    r"(?:said|says|told|added|stated|claimed|estimated|reported|announced|warned|wrote|"
    r"called|described|insisted|argued|noted|explained|admitted|vowed|urged)"
)


@dataclass(frozen=True, slots=True)
class _Side:
    """One version, prepared: its sentences, their vectors, and what it names."""

    article: Article
    sentences: tuple[str, ...]
    vectors: np.ndarray | None
    aliases: dict[str, str]
    kinds: dict[str, str]


# Office words the name finder can leave in front of a person's name
# ("Secretary of State Antony Blinken" -> "State Antony Blinken").
_OFFICE_WORDS = frozenset(
    [
        "state", "secretary", "minister", "president", "adviser", "advisor", "spokesman",
        "spokeswoman", "spokesperson", "chief", "director", "general", "governor",
        "senator", "mayor", "commissioner",
    ]
)


def _clean_name(name: str) -> str:
    parts = name.split()
    while len(parts) > 2 and parts[0].casefold() in _OFFICE_WORDS:
        parts = parts[1:]
    return " ".join(parts)


def _prepare(article: Article, fp: Fingerprint) -> _Side:
    entities = extract_entities(article.body)
    aliases: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for e in sorted(entities, key=lambda e: -len(e.name)):
        name = _clean_name(e.name)
        parts = name.split()
        kinds[name] = e.kind
        aliases.setdefault(e.name, name)
        aliases.setdefault(name, name)
        if len(parts) > 1:
            aliases.setdefault(parts[-1], name)
    return _Side(article, fp.sentences, fp.sentence_embeddings, aliases, kinds)


# ---------------------------------------------------------------- alignment


def _words(text: str) -> set[str]:
    return set(tokens(text))


def _overlap(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / max(len(wa | wb), 1)


def sentence_similarity(
    sa: Sequence[str], sb: Sequence[str], va: np.ndarray | None, vb: np.ndarray | None
) -> np.ndarray:
    """How alike each sentence of A is to each of B: vector cosine or word overlap, the larger."""
    lexical = np.array([[_overlap(x, y) for y in sb] for x in sa]).reshape(len(sa), len(sb))
    if va is not None and vb is not None and len(va) == len(sa) and len(vb) == len(sb):
        return np.maximum(np.clip(va @ vb.T, -1.0, 1.0), lexical)
    return lexical  # no vectors: word overlap stands in for meaning (verbatim and near only)


def align_sentences(
    sa: Sequence[str], sb: Sequence[str], va: np.ndarray | None, vb: np.ndarray | None
) -> tuple[list[AlignedSentences], list[int], list[int]]:
    """Align two lists of sentences: the aligned groups, and what is only in A, only in B.

    Args:
        sa, sb: the sentences of A and B.
        va, vb: their unit vectors, one row per sentence (``None``: words only).

    Returns:
        aligned groups in A's order, then the indices only in A and only in B.
    """
    n, m = len(sa), len(sb)
    if n == 0 or m == 0:
        return [], list(range(n)), list(range(m))
    score = sentence_similarity(sa, sb, va, vb)
    pairs: dict[int, int] = {}
    used_b: set[int] = set()
    for flat in np.argsort(-score, axis=None, kind="stable"):
        i, j = divmod(int(flat), m)
        if score[i, j] < ALIGN_MIN:
            break
        if i in pairs or j in used_b:
            continue
        pairs[i] = j
        used_b.add(j)
    groups = {i: ([i], [j]) for i, j in pairs.items()}
    anchor = {i: i for i in pairs}  # which group a sentence of A belongs to
    # Split and merged sentences: a neighbour of an aligned sentence that is
    # close to the same partner belongs to the pair.
    for i in range(n):
        if i in pairs:
            continue
        for k in (i - 1, i + 1):
            if k in pairs and score[i, pairs[k]] >= JOIN_MIN:
                anchor[i] = anchor[k]
                groups[anchor[k]][0].append(i)
                pairs[i] = pairs[k]
                break
    for j in range(m):
        if j in used_b:
            continue
        for i, (_, gb) in groups.items():
            if any(abs(j - x) == 1 for x in gb) and score[i, j] >= JOIN_MIN:
                gb.append(j)
                used_b.add(j)
                break
    aligned = []
    for i in sorted(groups):
        ga, gb = sorted(groups[i][0]), sorted(groups[i][1])
        best = float(max(score[x, y] for x in ga for y in gb))
        words = _overlap(" ".join(sa[x] for x in ga), " ".join(sb[y] for y in gb))
        if words >= VERBATIM_MIN:
            kind = "verbatim"
        elif best >= PARAPHRASE_MIN and len(ga) == len(gb) == 1:
            kind = "paraphrase"
        else:
            kind = "partial" if len(ga) == len(gb) == 1 else "paraphrase"
        aligned.append(AlignedSentences(tuple(ga), tuple(gb), kind, round(best, 3)))
    only_a = [i for i in range(n) if i not in pairs]
    only_b = [j for j in range(m) if j not in used_b]
    return aligned, only_a, only_b


# ---------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class _Claim:
    """A fact read from one sentence: what kind, a key to match on, how it reads."""

    kind: str  # "number", "date", "quote"
    key: str
    text: str
    sentence: int
    speaker: str | None
    quantity: Quantity | None = None
    date: DateRef | None = None


def _speaker(sentence: str, side: _Side) -> str | None:
    """Who the sentence says is speaking, under their full name, if it says.

    The person named nearest a speech verb: before it ("Kirby said",
    "Olufsen, the mayor, said"), else after it ("said forecaster Annika
    Loewe"); after "according to" first of all.
    """
    mentions = []  # (start, end, full name) of the people the sentence names
    spans = []  # where it names anything
    for short, full in side.aliases.items():
        kind = side.kinds.get(full, "other")
        speaks = kind == "person" or (kind == "other" and " " in full)
        for m in re.finditer(rf"\b{re.escape(short)}\b", sentence):
            spans.append((m.start(), m.end()))
            if speaks:  # places and organisations do not speak here ("Ukrainian" is neither)
                mentions.append((m.start(), m.end(), full))
    # "Harrowgate" inside "Harrowgate Port Authority" is part of that name
    mentions = [x for x in mentions
                if not any(s <= x[0] and x[1] <= e and e - s > x[1] - x[0] for s, e in spans)]
    if not mentions:
        return None
    according = re.search(r"(?i)\baccording to\b", sentence)
    if according:
        after = [x for x in mentions if x[0] >= according.end()]
        # "according to White House adviser John Kirby": the person, not the office
        if after:
            first = min(after)
            people = [x for x in after
                      if side.kinds.get(x[2]) == "person" and x[0] - first[0] <= 60]
            return min(people or [first])[2]
    for verb in re.finditer(rf"\b{_SPEAKER_VERBS}\b", sentence):
        before = [x for x in mentions if x[1] <= verb.start() and verb.start() - x[1] <= 80]
        # "Adaeze Kollmann, chief executive of the Harrowgate Port Authority,
        # called": a person named there speaks, not the body they lead
        people = [x for x in before if side.kinds.get(x[2]) == "person"]
        if people or before:
            return max(people or before, key=lambda x: x[1])[2]
        if _PRONOUN_BEFORE.search(sentence, 0, verb.start()):
            continue  # "he said that North Korea's...": the speaker is the pronoun's
        after = [x for x in mentions if x[0] >= verb.end() and x[0] - verb.end() <= 60
                 and not _CLAUSE.search(sentence, verb.end(), x[0])]
        if after:
            return min(after)[2]
    return None


# A pronoun just before a speech verb ("he also said"): who speaks is not named here.
_PRONOUN_BEFORE = re.compile(r"(?i)\b(?:he|she|they|it|we|i)\s+(?:\w+\s+)?$")
# A name after "said that" is what was said about, not who said it.
_CLAUSE = re.compile(r"(?i)\b(?:that|how|what|whether|if)\b")


_PRONOUN_SAID = re.compile(
    rf"\b(?:he|she|they)\s+{_SPEAKER_VERBS}\b|\b{_SPEAKER_VERBS}\s+(?:he|she|they)\b", re.I
)


def _speakers(side: _Side) -> list[str | None]:
    """The speaker of each sentence; "he said" is the last person named as speaking."""
    out: list[str | None] = []
    for idx, sentence in enumerate(side.sentences):
        speaker = _speaker(sentence, side)
        if speaker is None and _PRONOUN_SAID.search(sentence):
            # the person named in one of the two sentences before
            speaker = next((s for s in reversed(out[max(0, idx - 2) :]) if s), None)
            if speaker is None and idx > 0:
                speaker = _named_person(side.sentences[idx - 1], side)
        out.append(speaker)
    return out


def _named_person(sentence: str, side: _Side) -> str | None:
    """The last person a sentence names (the antecedent of a "he said")."""
    found = None
    position = -1
    for short, full in side.aliases.items():
        if side.kinds.get(full) != "person":
            continue
        for m in re.finditer(rf"\b{re.escape(short)}\b", sentence):
            if m.start() > position:
                position, found = m.start(), full
    return found


def _sentence_of(quote: str, sentences: Sequence[str]) -> int | None:
    """The sentence a quotation starts in (quotes can span sentences)."""
    head = " ".join(quote.split()[:5]).casefold()
    for idx, sentence in enumerate(sentences):
        if head in " ".join(sentence.split()).casefold():
            return idx
    return None


def _claims(side: _Side) -> list[_Claim]:
    out: list[_Claim] = []
    published = side.article.published
    speakers = _speakers(side)
    for idx, sentence in enumerate(side.sentences):
        speaker = speakers[idx]
        for q in extract_quantities(sentence):
            if q.unit == "year" and q.value >= 1000:
                continue  # a year, read as a date instead
            if q.value == 1 and not q.unit:
                continue  # "one of them", "one has": a pronoun more than a count
            if _CLOCK.match(sentence, _position(sentence, q.text)):
                continue  # "6 a.m.", "7pm": a time of day, not a quantity
            out.append(_Claim("number", q.unit, q.text, idx, speaker, quantity=q))
        for d in extract_dates(sentence, published):
            if d.key:
                out.append(_Claim("date", d.key, d.text, idx, speaker, date=d))
    # Quotations from the whole text: a quote often runs over two sentences.
    for quote in extract_quotes(side.article.body, side.aliases, min_words=QUOTE_MIN_WORDS):
        idx = _sentence_of(quote.text, side.sentences)
        if idx is None:
            continue
        following = speakers[idx + 1] if idx + 1 < len(speakers) else None
        speaker = quote.speaker or speakers[idx] or following
        out.append(_Claim("quote", quote.text, quote.text, idx, speaker))
    return out


def _same_person(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return True  # one side does not say: no conflict
    ta, tb = a.split(), b.split()
    return a == b or ta[-1] == tb[-1]


def _quote_match(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def _same_date(x: DateRef, y: DateRef) -> bool:
    """The same day; a bare weekday ("on Saturday") agrees with a date on that weekday."""
    if x.key == y.key:
        return True
    if x.weekday is not None and x.month is None and y.day is not None and y.year is not None:
        return _weekday(y) == x.weekday
    if y.weekday is not None and y.month is None and x.day is not None and x.year is not None:
        return _weekday(x) == y.weekday
    return x.key[5:] == y.key[5:] and "????" in (x.key + y.key) and len(x.key) == len(y.key)


def _weekday(d: DateRef) -> int | None:
    from datetime import date

    try:
        return date(d.year or 1, d.month or 1, d.day or 1).weekday()
    except ValueError:
        return None


# Durations in hours, so "three days" and "72 hours" are one claim.
_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0, "week": 168.0, "month": 730.0,
          "year": 8766.0}
_CLOCK = re.compile(r"\d{1,2}(?::\d\d)?\s*(?:a\.?m\b\.?|p\.?m\b\.?|a\.\s|p\.\s|o'clock)", re.I)


def _position(sentence: str, text: str) -> int:
    """Where a fact's words start in its sentence (0 when not found)."""
    return max(sentence.find(text), 0)


def _comparable_value(q: Quantity) -> tuple[float, str]:
    if q.unit in _HOURS:
        return q.value * _HOURS[q.unit], "hour"
    return q.value, q.unit


def _same_value(x: _Claim, y: _Claim) -> bool:
    if x.kind == "number" and x.quantity and y.quantity:
        (vx, ux), (vy, uy) = _comparable_value(x.quantity), _comparable_value(y.quantity)
        if "hour" in (ux, uy) and ux != uy:
            return False  # a duration is not a count
        return abs(vx - vy) <= 0.01 * max(abs(vx), abs(vy), 1e-9)
    if x.kind == "date" and x.date and y.date:
        return _same_date(x.date, y.date)
    return _quote_match(x.key, y.key)


def _same_thing(x: _Claim, y: _Claim, similarity: float, aligned: bool) -> bool:
    """Whether two claims speak of the same thing (so equal values agree, unequal conflict)."""
    if x.kind == "number" and x.quantity and y.quantity:
        if _dimension(x.quantity) != _dimension(y.quantity):
            return False  # days and metres are two things, not two values of one
        if bool(x.quantity.unit) != bool(y.quantity.unit):
            return False  # a bare number counts nothing named: not the same thing
        if not aligned and x.quantity.unit != y.quantity.unit:
            return False  # in sentences that do not align, only a count of the same thing
    if x.kind == "date" and x.date and y.date:
        if _grain(x.date) != _grain(y.date):
            return False  # "2013" and "on Wednesday" do not contradict each other
        # A story's background is full of dates ("arrived in October", "the
        # incursion in August"): two dates of one thing need sentences that
        # say the same thing, not two that share a topic.
        return aligned or similarity >= ALIGN_MIN
    return aligned or similarity >= JOIN_MIN


_LENGTHS = frozenset(["metre", "meter", "centimetre", "centimeter", "kilometre", "kilometer",
                      "km", "cm", "mm", "mile", "foot", "feet", "inch"])
_WEIGHTS = frozenset(["tonne", "ton", "kilogram", "kg", "gram", "pound"])
_CURRENCIES = frozenset(["usd", "eur", "gbp", "jpy", "crown", "euro", "dollar", "pound"])


def _dimension(q: Quantity) -> str:
    """What a number measures, coarsely: "1,200 dockworkers" and "1,500 employees" are
    both counts (one claim, two values); "three days" and "5 metres" are not."""
    unit = _comparable_value(q)[1]
    if unit == "hour":
        return "duration"
    if unit in _CURRENCIES:
        return "money"
    if unit in ("%", "percent", "per cent"):
        return "share"
    if unit in _LENGTHS:
        return "length"
    if unit in _WEIGHTS:
        return "weight"
    return "count"


def _grain(d: DateRef) -> str:
    """How precise a date is: a day (a bare weekday is one too), a month or a year."""
    if d.day is not None or (d.weekday is not None and d.month is None):
        return "day"
    return "month" if d.month is not None else "year"


def _greedy(
    scored: list[tuple[float, int, int]], used_a: set[int], used_b: set[int]
) -> Iterator[tuple[int, int]]:
    """Pairs ``(i, j)``, best score first, each side used once (marks them used)."""
    for _, i, j in sorted(scored, reverse=True):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            yield i, j


def _fact_diff(
    a: _Side, b: _Side, aligned: list[AlignedSentences], sim: np.ndarray
) -> list[FactChange]:
    ca, cb = _claims(a), _claims(b)
    partner: set[tuple[int, int]] = {(i, j) for p in aligned for i in p.a for j in p.b}
    changes: list[FactChange] = []
    used_a: set[int] = set()
    used_b: set[int] = set()

    def similarity(x: _Claim, y: _Claim) -> float:
        return float(sim[x.sentence, y.sentence]) if sim.size else 0.0

    def rival(x: _Claim, y: _Claim) -> bool:
        """Whether ``x`` and ``y`` could be two values of one claim: a count of
        the same noun, or dates of the same grain."""
        if x.kind != y.kind or not _same_thing(x, y, similarity(x, y), True):
            return False
        if x.quantity and y.quantity:
            return _comparable_value(x.quantity)[1] == _comparable_value(y.quantity)[1]
        return True

    # Whether the sentence aligned with a claim's own holds a rival of it:
    # that is the claim it restates, whatever value it shares elsewhere.
    rivalled_a = [x.kind in ("number", "date") and any(
        (x.sentence, z.sentence) in partner and rival(x, z) for z in cb) for x in ca]
    rivalled_b = [y.kind in ("number", "date") and any(
        (z.sentence, y.sentence) in partner and rival(z, y) for z in ca) for y in cb]

    # 1. Equal values, most alike sentences first: the same claim in both.
    # A value one version states in the sentence the other rewrote, and the
    # other states elsewhere ("struck on Friday night" against "swept in on
    # Saturday night ... the strongest gust, on Friday"), is a changed claim
    # and a coincidence, not one claim.
    agree = []
    for i, x in enumerate(ca):
        for j, y in enumerate(cb):
            if x.kind != y.kind:
                continue
            here = (x.sentence, y.sentence) in partner
            if not here and (rivalled_a[i] or rivalled_b[j]):
                continue
            # a quote reworded in an aligned sentence is the same quote
            reworded = x.kind == "quote" and (here or similarity(x, y) >= ALIGN_MIN)
            if not (_same_value(x, y) or reworded):
                continue
            # The same counted noun marks one claim ("2 soldiers"); a duration
            # does not ("one week" of training, a week of losses).
            same_unit = bool(
                x.quantity and y.quantity
                and _comparable_value(x.quantity)[1] == _comparable_value(y.quantity)[1]
                and _dimension(x.quantity) != "duration"
            )
            if x.kind == "number" and not (same_unit or similarity(x, y) >= JOIN_MIN or here):
                continue  # "2 soldiers" and "2 companies" are not one claim
            exact_date = x.date is not None and y.date is not None and x.key == y.key
            if x.kind == "date" and not (exact_date or similarity(x, y) >= JOIN_MIN or here):
                continue  # "on Thursday" is January 9 only if the sentences agree
            agree.append((similarity(x, y) + 0.5 * here + 0.3 * same_unit, i, j))
    for i, j in _greedy(agree, used_a, used_b):
        x, y = ca[i], cb[j]
        # Another speaker for the same claim needs the same claim: sentences
        # that say one thing, not two that share a figure ("one week").
        # The same quoted words are one claim wherever they stand.
        one_claim = (
            (x.sentence, y.sentence) in partner
            or similarity(x, y) >= JOIN_MIN
            or (x.kind == "quote" and _quote_match(x.key, y.key))
        )
        if one_claim and not _same_person(x.speaker, y.speaker):
            what = "quote" if x.kind == "quote" else "claim"
            changes.append(FactChange(
                "conflict", "speaker", x.text, y.text, a.sentences[x.sentence],
                b.sentences[y.sentence],
                f"the same {what} is given to {x.speaker} in A and to {y.speaker} in B",
            ))
        else:
            changes.append(FactChange("both", x.kind, x.text, y.text, a.sentences[x.sentence],
                                      b.sentences[y.sentence], ""))
    # 2. Unequal values of the same thing: a conflict.
    rivals = []
    for i, x in enumerate(ca):
        for j, y in enumerate(cb):
            if i in used_a or j in used_b or x.kind != y.kind or x.kind == "quote":
                continue
            here = (x.sentence, y.sentence) in partner
            if _same_thing(x, y, similarity(x, y), here):
                rivals.append((similarity(x, y) + 0.5 * here, i, j))
    for i, j in _greedy(rivals, used_a, used_b):
        x, y = ca[i], cb[j]
        changes.append(FactChange(
            "conflict", x.kind, x.text, y.text, a.sentences[x.sentence], b.sentences[y.sentence],
            f"A says {x.text!r} where B says {y.text!r}",
        ))
    # 3. The rest is in one version only.
    changes += [FactChange("only_a", x.kind, x.text, None, a.sentences[x.sentence], None)
                for i, x in enumerate(ca) if i not in used_a]
    changes += [FactChange("only_b", y.kind, None, y.text, None, b.sentences[y.sentence])
                for j, y in enumerate(cb) if j not in used_b]
    return _dedupe(changes)


def _dedupe(changes: list[FactChange]) -> list[FactChange]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for c in changes:
        key = (c.status, c.kind, c.a, c.b, c.note)
        if key not in seen:
            seen.add(key)
            out.append(c)
    order = {"conflict": 0, "only_a": 1, "only_b": 2, "both": 3}
    return sorted(out, key=lambda c: order[c.status])


# ---------------------------------------------------------------- entry points


def diff_fingerprints(a: Article, b: Article, fa: Fingerprint, fb: Fingerprint) -> Diff:
    """The diff of two articles whose fingerprints are already made (no model calls)."""
    side_a, side_b = _prepare(a, fa), _prepare(b, fb)
    aligned, only_a, only_b = align_sentences(
        side_a.sentences, side_b.sentences, side_a.vectors, side_b.vectors
    )
    sim = sentence_similarity(side_a.sentences, side_b.sentences, side_a.vectors, side_b.vectors)
    names_a, names_b = set(side_a.kinds), set(side_b.kinds)
    short_b = {n.split()[-1] for n in names_b}
    short_a = {n.split()[-1] for n in names_a}
    return Diff(
        a=a.id,
        b=b.id,
        sentences_a=side_a.sentences,
        sentences_b=side_b.sentences,
        aligned=tuple(aligned),
        only_a=tuple(only_a),
        only_b=tuple(only_b),
        facts=tuple(_fact_diff(side_a, side_b, aligned, sim)),
        names_only_a=tuple(sorted(n for n in names_a if n.split()[-1] not in short_b)),
        names_only_b=tuple(sorted(n for n in names_b if n.split()[-1] not in short_a)),
    )


def diff(a: Article, b: Article, *, embedder: Embedder | None = None) -> Diff:
    """What changed from ``a`` to ``b``: aligned sentences; facts kept, dropped, added, changed.

    Args:
        a, b: two versions (bodies normalized).
        embedder: for sentence vectors (default: all-MiniLM-L6-v2, loaded
            once); without vectors only verbatim and near-verbatim
            sentences align.
    """
    if embedder is None:
        from storytrace.verify import default_embedder

        embedder = default_embedder()
    fa, fb = fingerprint_many([a, b], embedder)
    return diff_fingerprints(a, b, fa, fb)


def side_by_side(d: Diff) -> list[tuple[tuple[int, ...], tuple[int, ...], str]]:
    """Rows for showing two versions side by side: ``(A sentences, B sentences, kind)``.

    ``kind`` is the alignment kind, ``only_a`` or ``only_b``. Rows follow A's
    order; a sentence only in B comes after the row holding the B sentence
    before it.
    """
    rows: list[tuple[tuple[int, ...], tuple[int, ...], str]] = []
    by_first_a = {p.a[0]: p for p in d.aligned}
    only_a = set(d.only_a)
    for i in range(len(d.sentences_a)):
        if i in by_first_a:
            p = by_first_a[i]
            rows.append((p.a, p.b, p.kind))
        elif i in only_a:
            rows.append(((i,), (), "only_a"))
    for j in sorted(d.only_b):
        after = max(
            (k for k, (_, b, _) in enumerate(rows) if b and max(b) < j), default=-1,
            key=lambda k: max(rows[k][1]),
        )
        rows.insert(after + 1, ((), (j,), "only_b"))
    return rows
