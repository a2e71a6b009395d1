"""Provenance: which version of a story is the likely original.

The evidence, strongest first:

1. **Attribution.** A version that names its source ("This post appeared
   first on …", "(Reuters) -") is derived; if every version names the same
   outlet and that outlet is not in the corpus, the story's original lies
   outside it and the story says so (``Story.claimed_original``).
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

from storytrace.model import Article, Story, StoryMember, as_utc
from storytrace.verify import Match

__all__ = ["build_story", "likely_original", "same_outlet"]

_FAR_FUTURE = as_utc(datetime.max.replace(year=9999))


def _name_key(name: str) -> str:
    """A comparable outlet name: "www.CNN.com" -> "cnn", "Valley Herald" -> "valleyherald"."""
    name = name.casefold().strip().removeprefix("www.")
    if "." in name and " " not in name:  # a host name: keep the registered name
        name = name.split(".")[-2]
    return "".join(ch for ch in name if ch.isalnum())


def same_outlet(claimed: str, article: Article) -> bool:
    """Whether a claimed source ("cnn.com", "Reuters", "NWX") names the article's own outlet.

    Compared with the article's site name and the hosts of its URL and
    canonical URL, letters and digits only: "cnn.com" names
    "edition.cnn.com", "NWX" names "nwx-wire.example".
    """
    want = _name_key(claimed)
    if len(want) < 2:
        return False
    names = [article.site, _host(article.url), _host(article.canonical_url)]
    for name in filter(None, names):
        have = _name_key(name)
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
    """The version most likely to be the one the others derive from (see module doc)."""
    def rank(a: Article) -> tuple[bool, datetime, int, str]:
        published = as_utc(a.published) if a.published else _FAR_FUTURE
        return (_claims_other(a), published, -len(a.body), a.id)

    return min(articles, key=rank)


def _claimed_outside(articles: Sequence[Article]) -> str | None:
    """The outlet most versions name as their source, when no version is from it."""
    claims = Counter(a.claimed_source for a in articles if a.claimed_source)
    for claimed, _ in claims.most_common():
        if claimed and not any(same_outlet(claimed, a) for a in articles):
            return claimed
    return None


def build_story(
    articles: Sequence[Article], match_of: Callable[[Article, Article], Match]
) -> Story:
    """A :class:`Story` of ``articles``: the original first, then by publication time.

    ``match_of(original, version)`` gives the verified relation of a version
    to the original (taken from the matches already made, or computed).
    """
    original = likely_original(articles)
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
        id=f"s{original.id[:12]}",
        headline=headline,
        original=original.id,
        members=tuple(members),
        claimed_original=_claimed_outside(articles),
    )
