"""Provenance: which version of a story is the likely original.

The evidence, strongest first:

1. **Attribution.** A version that names its source ("This post appeared
   first on …", "(Reuters) -") is derived; if the versions name an outlet
   that is not in the corpus, the story's original lies outside it: the
   story says so (``Story.claimed_original``) and the copy that names it
   stands in for the original.
2. **Time.** Of the versions that do not say they are copies, the earliest
   published is the original.
3. **Fullness.** With no dates to go by, the longest version: briefs and
   excerpts are cut from fuller texts, rarely the reverse.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from storytrace.model import (
    Article,
    Derivation,
    Story,
    StoryMember,
    as_utc,
    outlet_key,
    story_id_for,
)
from storytrace.verify import Match, document_terms

__all__ = ["build_story", "derivations", "likely_original", "same_outlet", "version_roles"]

# Relations that mean one text was made from the other; same_event and
# followup are independent reports and get no derivation edge.
DERIVED = ("duplicate", "near_duplicate", "excerpt", "rewrite")

_FAR_FUTURE = as_utc(datetime.max.replace(year=9999))

# Copies: a version made from one of two copies of a text scores alike with
# both, so what it shares with each alone (see :func:`derivations`) decides.
COPIES = ("duplicate", "near_duplicate")
VARIANTS_SHOWN = 3


def same_outlet(claimed: str, article: Article) -> bool:
    """Whether a claimed source ("cnn.com", "Reuters", "NWX") names the article's own outlet.

    Compared with the article's site name and the host of its URL, letters
    and digits only (:func:`~storytrace.model.outlet_key`): "cnn.com" names
    "edition.cnn.com", "NWX" names "nwx-wire.example". The host of its
    canonical URL stands in only for a page that names neither: a canonical
    address on another outlet is a claim of where the text comes from, not
    where it ran (normalization makes it the page's ``claimed_source``).
    """
    want = outlet_key(claimed)
    if len(want) < 2:
        return False
    names = [article.site, _host(article.url)]
    if not any(names):
        names = [_host(article.canonical_url)]
    for name in filter(None, names):
        have = outlet_key(name)
        if have == want or (len(want) >= 3 and have.startswith(want)):
            return True
    return False


def _host(url: str | None) -> str | None:
    return urlsplit(url).hostname if url else None


def _claims_other(article: Article) -> bool:
    """Whether the article says it comes from another outlet."""
    claimed = article.claimed_source
    return bool(claimed) and not same_outlet(claimed or "", article)


def likely_original(articles: Sequence[Article]) -> Article:
    """The version most likely to be the one the others derive from (see module doc).

    When the versions name an outlet that is not in the corpus as their
    source, the original lies outside; its closest stand-in is the earliest,
    fullest version that names it (a copy of the original, like a scraper's
    repost that says where it comes from).
    """
    outside = _claimed_outside(articles)
    if outside is not None:
        copies = [a for a in articles if a.claimed_source == outside]
        return min(copies, key=lambda a: _order(a)[1:])
    return min(articles, key=_order)


def _claimed_outside(articles: Sequence[Article]) -> str | None:
    """The outlet most versions name as their source, when no version is from it."""
    claims = Counter(a.claimed_source for a in articles if a.claimed_source)
    for claimed, _ in claims.most_common():
        if claimed and not any(same_outlet(claimed, a) for a in articles):
            return claimed
    return None


def build_story(
    articles: Sequence[Article],
    match_of: Callable[[Article, Article], Match],
    *,
    previous: Story | None = None,
) -> Story:
    """A :class:`Story` of ``articles``: the original first, then by publication time.

    ``match_of(original, version)`` gives the verified relation of a version
    to the original (taken from the matches already made, or computed).
    When ``previous`` (the story before a version joined) has the same
    original, its members' relations are kept instead of verified again.
    """
    original = likely_original(articles)
    known = {}
    if previous is not None and previous.original == original.id:
        known = {m.article_id: m for m in previous.members}
    members = [
        StoryMember(
            article_id=original.id,
            relation="original",
            score=1.0,
            site=original.site,
            title=original.title,
            published=original.published,
        )
    ]
    others = sorted(
        (a for a in articles if a.id != original.id),
        key=lambda a: (as_utc(a.published) if a.published else _FAR_FUTURE, a.id),
    )
    for a in others:
        if a.id in known:
            members.append(known[a.id])
            continue
        m = match_of(original, a)
        members.append(
            StoryMember(
                article_id=a.id,
                relation=m.relation,
                score=round(m.score, 4),
                site=a.site,
                title=a.title,
                published=a.published,
            )
        )
    headline = original.title or " ".join(original.body.split()[:12])
    return Story(
        id=story_id_for(original.id),
        headline=headline,
        original=original.id,
        members=tuple(members),
        claimed_original=_claimed_outside(articles),
    )


def _order(a: Article) -> tuple[bool, datetime, int, str]:
    """Likely-earlier first: not claiming a source, then time, then length."""
    published = as_utc(a.published) if a.published else _FAR_FUTURE
    return (_claims_other(a), published, -len(a.body), a.id)


def derivations(
    articles: Sequence[Article], match_of: Callable[[Article, Article], Match]
) -> list[Derivation]:
    """The derivation graph of one story: for each derived version, the version it came from.

    Versions are taken in likely-earlier order (:func:`likely_original`'s
    ranking); each later version's parent is the earlier version it matches
    best with a derived relation (copy, excerpt, rewrite). When that version
    has copies among the earlier ones (the original and a scraper's copy of
    it), the parent is the copy with which it shares the most **variants**,
    words no other version of the story has (a copy of a copy keeps the slip
    or the change its source made), and with none, the earliest. Independent
    reports (``same_event``, ``followup``) get no edge.
    """
    first = likely_original(articles)
    ordered = [first, *sorted((a for a in articles if a.id != first.id), key=_order)]
    words = {a.id: document_terms(a) for a in articles}
    versions_with = Counter(w for ws in words.values() for w in ws)
    rank = {a.id: i for i, a in enumerate(ordered)}

    def variants(a: Article, b: Article) -> list[str]:
        """The words ``a`` and ``b`` share that no other version has."""
        return sorted(w for w in words[a.id] & words[b.id] if versions_with[w] == 2)

    edges: list[Derivation] = []
    for k, child in enumerate(ordered[1:], 1):
        found = [(parent, m) for parent in ordered[:k]
                 if (m := match_of(parent, child)).relation in DERIVED]
        if not found:
            continue
        best = max(found, key=lambda c: c[1].score)  # of equals, the earliest
        # (the earlier of two first: the order in which the pair was compared)
        copies = [c for c in found if c is best or match_of(
            *sorted((best[0], c[0]), key=lambda a: rank[a.id])).relation in COPIES]
        parent, m = best
        shared: list[str] = []
        if len(copies) > 1:  # of equals, the earliest
            parent, m, shared = max(
                ((p, pm, variants(child, p)) for p, pm in copies), key=lambda c: len(c[2])
            )
        reasons, confidence, known_order = _reasons(parent, child, m)
        if shared:
            shown = ", ".join(repr(w) for w in shared[:VARIANTS_SHOWN])
            reasons = (*reasons, f"it shares words no other version has: {shown}")
        edges.append(Derivation(parent.id, child.id, m.relation, round(m.score * confidence, 4),
                                reasons, known_order))
    return edges


def version_roles(story: Story, edges: Sequence[Derivation]) -> dict[str, str]:
    """How each version of ``story`` was made, by article id.

    ``"original"`` for the original; for a derived version, the relation of
    the edge it came by (``rewrite``, ``excerpt``, ``duplicate``,
    ``near_duplicate``). Two versions joined by an edge that nothing orders
    (no dates, no attribution) are both shown as made that way: one reworded
    the other, or both reworded one report outside the corpus, and which is
    unknown (the seeds' AI-spun rewrite and wire rewrite are such a pair).
    Any other version is an independent report: its relation to the
    original (``same_event``, ``followup``).
    """
    roles = {m.article_id: m.relation for m in story.members}
    for edge in edges:
        roles[edge.child] = edge.relation
    for edge in edges:
        # A parent with its own source keeps the role it came by.
        if not edge.ordered and roles.get(edge.parent) in ("same_event", "followup"):
            roles[edge.parent] = edge.relation
    return roles


def _reasons(parent: Article, child: Article, m: Match) -> tuple[tuple[str, ...], float, bool]:
    """Why ``child`` derives from ``parent``, how much the direction is to be trusted,
    and whether anything orders the two (see :attr:`Derivation.ordered`)."""
    reasons: list[str] = []
    confidence = 1.0
    # A brief is cut from the fuller text, rarely the reverse; copies and
    # rewrites need a date or an attribution to say which came first.
    ordered = m.relation == "excerpt"
    attributed = bool(child.claimed_source and same_outlet(child.claimed_source, parent))
    if attributed:
        reasons.append(f"it names {child.claimed_source} as its source")
        ordered = True
    elif child.claimed_source and not same_outlet(child.claimed_source, child):
        # (a wire's own name in its dateline, "(NWX) -", is no claim of a source)
        reasons.append(f"it says it comes from {child.claimed_source}")
    if parent.published and child.published:
        gap = (as_utc(child.published) - as_utc(parent.published)).total_seconds() / 3600
        if gap > 0:
            reasons.append(f"published {gap:.1f} h later")
            ordered = True
        elif gap == 0:
            reasons.append("published at the same time")
            confidence *= 0.8
    elif attributed:
        # The child's own words say where it came from: as good as a date.
        reasons.append("no dates; its attribution orders them")
    elif ordered:
        reasons.append("no dates to order them; the fuller text is taken as the source")
        confidence *= 0.7
    else:
        made = "reworded" if m.relation == "rewrite" else "copied"
        dates = "one is undated" if parent.published or child.published else "no dates"
        reasons.append(f"nothing orders them ({dates}): one {made} the other, or both "
                       "a text outside the corpus; the fuller is drawn above")
        confidence *= 0.7
    ev = m.evidence
    if ev is not None:
        contained = ev.containment_ba if m.a == parent.id else ev.containment_ab
        if m.relation == "excerpt" and contained >= 0.5:
            reasons.append(f"{contained:.0%} of it lies inside the other")
        elif m.relation == "excerpt":  # a brief in its own words (see verify.BRIEF_RATIO)
            reasons.append(
                f"a brief: {ev.alignment_coverage:.0%} of its sentences align with the fuller text"
            )
        elif m.relation in ("duplicate", "near_duplicate"):
            reasons.append(f"word 5-gram overlap {ev.jaccard5:.0%}")
        elif m.relation == "rewrite":
            reasons.append(f"{ev.alignment_coverage:.0%} of sentences align, in order")
    if parent.canonical_url and child.canonical_url == parent.canonical_url:
        reasons.append("it points to the other's canonical address")
    return tuple(reasons), confidence, ordered
