"""A generator of news-sized synthetic articles for the benchmarks.

The benchmarks need corpora from 1k to 1M articles with the shape of real
news: 300-900 words, 15-40 sentences, names, places, numbers, dates and
quotes, and stories that reach the web in several versions (the original,
verbatim copies inside scraper boilerplate, reworded versions, short briefs)
next to other events on the same topics. Text is built from templates and
word lists written for this file, so it is fast to make (tens of thousands of
articles a second) and the same for the same seed.

Speed figures depend on article length and vocabulary size, not on whether
the sentences are true, so this is enough for timing; quality is measured on
the labelled sets in ../shared/data, never on this.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate

__all__ = ["GeneratedArticle", "generate"]

_FIRST = (
    "Maria Lena Tomas Aiko Samuel Priya Jonas Fatima Oleg Grace Mateo Ingrid Kwame Yusuf Clara "
    "Dmitri Nadia Pablo Hana Victor Leila Arjun Sofia Emeka Rosa Henrik Amara Luca Mei Omar"
).split()
_LAST = (
    "Okafor Lindqvist Moreau Tanaka Kowalski Haddad Ferreira Novak Brennan Castillo Petrov "
    "Mensah Varga Sato Adeyemi Rossi Dubois Schmidt Olsen Kaya Nguyen Murphy Costa Ivanova "
    "Bauer Silva Jensen Hoffman Alvarez Kapoor"
).split()
_PLACES = (
    "Port Elmsworth|Valdora|North Kessing|Marrowbay|Ostrava Plains|Lake Tamsin|Brenholt|"
    "Carridge Valley|San Ebro|Kilnmoor|Dunmere|Havel Ridge|Westmarch|Corrin Island|Aldport|"
    "Fenwick County|Saltreach|Upper Marlow|Torvik|Greyhaven"
).split("|")
_ORGS = (
    "the transport ministry|the regional council|the national weather service|the port "
    "authority|the health department|the electoral commission|the central bank|the fire "
    "service|the coast guard|the education board|the energy regulator|the police"
).split("|")
_EVENTS = (
    ("flood", "floods", "flooding"),
    ("fire", "fires", "wildfire"),
    ("strike", "strikes", "walkout"),
    ("earthquake", "earthquakes", "tremor"),
    ("election", "elections", "vote"),
    ("merger", "mergers", "takeover"),
    ("outbreak", "outbreaks", "infection"),
    ("protest", "protests", "demonstration"),
    ("collapse", "collapses", "failure"),
    ("storm", "storms", "gale"),
)
_VERBS = (
    ("said", "stated"),
    ("announced", "declared"),
    ("reported", "described"),
    ("confirmed", "acknowledged"),
    ("warned", "cautioned"),
    ("estimated", "reckoned"),
)
# Pairs of wordings: a rewrite swaps one for the other, as a spinner does.
_SYNONYMS = {
    "residents": "locals",
    "officials": "authorities",
    "damage": "destruction",
    "began": "started",
    "people": "individuals",
    "roads": "streets",
    "homes": "houses",
    "quickly": "rapidly",
    "large": "major",
    "area": "region",
    "help": "assistance",
    "expected": "anticipated",
    "week": "seven days",
    "continue": "carry on",
    "several": "a number of",
}
_FILLER = (
    "{org} {verb} that {n} {people} had been affected by the {event} in {place}.",
    "Emergency crews worked through the night as {residents} waited for news from {place}.",
    "The {event} {began} on {day}, according to {org}.",
    '"We have never seen anything like this," {person} {verb}, adding that {help} was on the way.',
    "Around {n} {homes} were left without power and several {roads} remained closed.",
    "{person}, a spokesperson for {org}, {verb} the cost of the {damage} at ${money} million.",
    "{officials} {expected} the situation to {continue} for at least another {week}.",
    "Local businesses in {place} {began} to reopen on {day}, though many remained shut.",
    "The {large} {area} around {place} has seen {several} similar incidents in recent years.",
    "{person} told reporters the response had been {quickly} organised but stretched thin.",
    '"Our first priority is the safety of every family," {person} {verb}.',
    "Schools in {place} will stay closed until at least {day}, {org} {verb}.",
    "Volunteers from neighbouring towns arrived {quickly} with food, water and blankets.",
    "Critics said {org} had ignored warnings about the risk of a {event} for years.",
    "The government pledged ${money} million in {help} for the {area}.",
    "More than {n} {people} were moved to temporary shelters, {officials} {verb}.",
)
_BOILERPLATE = (
    "Subscribe to our newsletter for the latest headlines.",
    "Share this article on social media.",
    "Advertisement",
    "Related stories: more news from around the world.",
    "Copyright all rights reserved. Contact us | Privacy policy | Terms of use",
    "Click here to read more trending stories.",
)
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


@dataclass(frozen=True, slots=True)
class GeneratedArticle:
    """One generated article; ``story`` and ``kind`` say how it was made."""

    id: str
    title: str
    text: str
    url: str
    published: datetime
    story: str
    kind: str  # original, copy, rewrite, brief

    def as_record(self) -> dict[str, str]:
        """The article as a DOCS.jsonl line (``storytrace pairs`` / ``cluster``)."""
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "url": self.url,
            "date": self.published.isoformat(),
        }


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _fill(template: str, rng: random.Random, story: dict[str, str]) -> str:
    return template.format(
        org=story["org"],
        verb=rng.choice(_VERBS)[0],
        n=rng.choice((12, 40, 75, 120, 300, 1500, 2400, 18000)),
        event=story["event"],
        place=story["place"],
        day=story["day"],
        person=story["person"] if rng.random() < 0.6 else _person(rng),
        money=rng.choice((2, 15, 40, 120, 900)),
        detail=_detail(rng),
        **{word: word for word in _SYNONYMS},
    )


_SYLLABLES = "ba ce di fo gu ka le mi no pu ra se ti vo zu an el in or ul ast end ich ong urt".split()
_FUNCTION = "the of and to in a for that on with as by at from its after while over".split()


def _vocabulary(size: int, seed: int) -> list[str]:
    """Made-up content words, so that sentences are as varied as real ones."""
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(2, 5))))
    ranked = sorted(words)
    rng.shuffle(ranked)
    return ranked


_WORDS = _vocabulary(30_000, seed=7)
# Zipf's law: the word of rank r is drawn with weight 1/r, as in real text.
_CUMULATIVE = list(accumulate(1.0 / rank for rank in range(1, len(_WORDS) + 1)))


def _detail(rng: random.Random) -> str:
    """A clause of 6-14 words from the Zipfian vocabulary: no two sentences alike."""
    n = rng.randrange(6, 15)
    content = rng.choices(_WORDS, cum_weights=_CUMULATIVE, k=n)
    return " ".join(w if i % 3 else f"{rng.choice(_FUNCTION)} {w}" for i, w in enumerate(content))


def _original(rng: random.Random, story: dict[str, str], sentences: int) -> list[str]:
    templates = rng.sample(_FILLER, k=min(sentences, len(_FILLER)))
    while len(templates) < sentences:
        templates.append(rng.choice(_FILLER))
    templates = [t[:-1] + ", {detail}." if t.endswith(".") else t for t in templates]
    lead = (
        f"{story['event'].capitalize()} hits {story['place']} as {story['org']} "
        f"counts {story['toll']} affected on {story['day']}."
    )
    return [lead, *(_fill(t, rng, story) for t in templates)]


def _spin(sentence: str, rng: random.Random) -> str:
    """A rewrite of one sentence: synonyms swapped, clauses moved, as a spinner would."""
    out = sentence
    for plain, fancy in _SYNONYMS.items():
        out = out.replace(plain, fancy)
    for plain, fancy in _VERBS:
        out = out.replace(f" {plain}", f" {fancy}")
    if ", " in out and rng.random() < 0.5:
        head, _, tail = out.rstrip(".").partition(", ")
        out = f"{tail[:1].upper()}{tail[1:]}, {head[:1].lower()}{head[1:]}."
    return out


def _paragraphs(sentences: list[str], rng: random.Random) -> str:
    """Sentences grouped into paragraphs of one to three, blank lines between."""
    out, i = [], 0
    while i < len(sentences):
        size = rng.randrange(1, 4)
        out.append(" ".join(sentences[i : i + size]))
        i += size
    return "\n\n".join(out)


def generate(n: int, seed: int = 0, start: datetime | None = None) -> Iterator[GeneratedArticle]:
    """``n`` articles in publication order, about a third of them versions of another.

    Each story has an original and, with some chance each, verbatim copies
    on other sites with their boilerplate around the text, a reworded
    version, and a short brief; unrelated events share the same topics.
    """
    rng = random.Random(seed)
    clock = start or datetime(2026, 1, 1, tzinfo=UTC)
    made = 0
    story_no = 0
    while made < n:
        story_no += 1
        event = rng.choice(_EVENTS)
        story = {
            "event": rng.choice(event),
            "place": rng.choice(_PLACES),
            "org": rng.choice(_ORGS),
            "person": _person(rng),
            "day": rng.choice(_DAYS),
            "toll": str(rng.randrange(20, 5000)),
        }
        sid = f"s{story_no:07d}"
        body = _original(rng, story, rng.randrange(12, 30))
        title = f"{story['event'].capitalize()} in {story['place']}: {story['toll']} affected"
        versions = [("original", title, body)]
        if rng.random() < 0.25:
            boiler = rng.sample(_BOILERPLATE, k=3)
            versions.append(("copy", title, [boiler[0], *body, *boiler[1:]]))
        if rng.random() < 0.2:
            versions.append(("rewrite", f"{title} (update)", [_spin(s, rng) for s in body]))
        if rng.random() < 0.15:
            versions.append(("brief", title, [_spin(s, rng) for s in body[:4]]))
        for kind, head, sentences in versions:
            if made >= n:
                return
            clock += timedelta(seconds=rng.randrange(20, 900))
            site = f"site{rng.randrange(400)}.example"
            yield GeneratedArticle(
                id=f"g{made:08d}",
                title=head,
                text=_paragraphs(sentences, rng),
                url=f"https://{site}/news/{sid}-{kind}",
                published=clock,
                story=sid,
                kind=kind,
            )
            made += 1
