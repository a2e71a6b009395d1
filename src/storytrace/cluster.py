"""Clustering: verified same-story pairs grouped into stories.

Single linkage (connected components of the ``same_story`` edges) chains
stories together: a follow-up links to the original, and a report of a
*different* fire at the same plant links to the follow-up. So groups are
built by **average linkage** over the verified edges, strongest first: two
groups merge only when their members, on average, are one story with each
other (mean pairwise score >= ``threshold``). Pairs that no candidate edge
covered are scored on demand by ``score_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from storytrace.verify import Match

__all__ = ["average_linkage", "connected_components"]

# At most this many members of each side are compared when two groups meet:
# enough for a stable mean, and merging stays cheap for stories with
# hundreds of copies.
LINK_SAMPLE = 12


class _DisjointSets:
    """Union-find with path halving; the smaller root joins the larger."""

    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {x: x for x in items}
        self.members = {x: [x] for x in self.parent}

    def find(self, x: str) -> str:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))

    def groups(self, order: Sequence[str]) -> list[list[str]]:
        out: dict[str, list[str]] = {}
        for x in order:
            out.setdefault(self.find(x), []).append(x)
        return list(out.values())


def connected_components(ids: Sequence[str], matches: Iterable[Match]) -> list[list[str]]:
    """Groups of ids joined by ``same_story`` matches, each in the order of ``ids``.

    Groups come in the order of their first member in ``ids``; every id is in
    exactly one group (a singleton when nothing matched it). Matches naming
    an id outside ``ids`` are ignored.
    """
    sets = _DisjointSets(ids)
    for m in matches:
        if m.same_story and m.a in sets.parent and m.b in sets.parent:
            sets.union(m.a, m.b)
    return sets.groups(ids)


def average_linkage(
    ids: Sequence[str],
    matches: Iterable[Match],
    score_of: Callable[[str, str], float],
    threshold: float = 0.5,
) -> list[list[str]]:
    """Groups built from ``same_story`` edges, strongest first, by average linkage.

    Args:
        ids: every item, in the order groups and members should come out.
        matches: the verified candidate pairs (only ``same_story`` ones link).
        score_of: the same-story probability of any two ids (verified on
            demand where no match was made).
        threshold: the mean pairwise score two groups need to merge.

    Returns:
        groups in the order of their first member in ``ids``.
    """
    sets = _DisjointSets(ids)
    known = {(m.a, m.b): m.score for m in matches}
    edges = sorted(
        ((m.score, m.a, m.b) for m in matches
         if m.same_story and m.a in sets.parent and m.b in sets.parent),
        key=lambda e: (-e[0], e[1], e[2]),
    )

    def score(x: str, y: str) -> float:
        found = known.get((x, y), known.get((y, x)))
        if found is None:
            found = known[(x, y)] = score_of(x, y)
        return found

    for _, a, b in edges:
        ra, rb = sets.find(a), sets.find(b)
        if ra == rb:
            continue
        side_a = sets.members[ra][:LINK_SAMPLE]
        side_b = sets.members[rb][:LINK_SAMPLE]
        scores = [score(x, y) for x in side_a for y in side_b]
        if sum(scores) / len(scores) >= threshold:
            sets.union(ra, rb)
    return sets.groups(ids)
