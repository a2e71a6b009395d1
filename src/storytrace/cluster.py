"""Clustering: verified same-story pairs grouped into stories.

A story is a connected component of the graph whose edges are the verified
``same_story`` matches. Components, not cliques: a brief may match the
original but not a rewrite of it, and it is still the same story. The
verifier's precision is what keeps components from chaining across stories;
``related`` and ``unrelated`` verdicts are never edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from storytrace.verify import Match

__all__ = ["connected_components"]


class _DisjointSets:
    """Union-find with path halving; the smaller root joins the larger."""

    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {x: x for x in items}
        self.size = dict.fromkeys(self.parent, 1)

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
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


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
    groups: dict[str, list[str]] = {}
    for x in ids:
        groups.setdefault(sets.find(x), []).append(x)
    return list(groups.values())
