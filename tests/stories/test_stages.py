"""Candidates, clustering and provenance, each alone, on the project's own fixtures."""

from __future__ import annotations

from datetime import UTC, datetime

from fixtures import BAKERY, FLOOD, FLOOD_REWRITE, article
from storytrace.candidates import candidate_pairs, lsh_pairs, neighbour_pairs, rare_term_pairs
from storytrace.cluster import connected_components
from storytrace.fingerprint import fingerprint_many
from storytrace.model import Article, Story
from storytrace.provenance import build_story, likely_original, same_outlet
from storytrace.verify import compare, compute_idf


def _dated(a: Article, day: int, **changes: object) -> Article:
    from dataclasses import replace

    return replace(a, published=datetime(2026, 3, day, 9, tzinfo=UTC), **changes)


def test_lsh_finds_copies_not_rewrites(hashing):
    arts = [article(FLOOD, url="https://a.example/1"), article(FLOOD, url="https://b.example/2"),
            article(FLOOD_REWRITE), article(BAKERY)]
    fps = fingerprint_many(arts, hashing)
    assert lsh_pairs(fps) == {(0, 1)}


def test_neighbours_and_rare_terms_reach_the_rewrite(hashing):
    arts = [article(FLOOD), article(FLOOD_REWRITE), article(BAKERY)]
    fps = fingerprint_many(arts, hashing)
    idf = compute_idf(arts)
    assert (0, 1) in rare_term_pairs(fps, idf)  # Marrowby, Varnholt, 340, ...
    assert (0, 2) not in rare_term_pairs(fps, idf)
    near = neighbour_pairs(fps, k=1)
    assert (0, 1) in near
    assert (0, 1) in candidate_pairs(fps, idf)


def test_neighbour_pairs_respects_the_cosine_floor(hashing):
    fps = fingerprint_many([article(FLOOD), article(BAKERY)], hashing)
    assert neighbour_pairs(fps, min_cosine=0.99) == set()


def test_components_follow_same_story_edges_only(hashing):
    a, b, c = article(FLOOD), article(FLOOD_REWRITE), article(BAKERY)
    matches = [compare(a, b, embedder=hashing), compare(a, c, embedder=hashing)]
    assert matches[0].same_story and not matches[1].same_story
    groups = connected_components([a.id, b.id, c.id], matches)
    assert groups == [[a.id, b.id], [c.id]]


def test_original_is_the_earliest_version_that_claims_no_source():
    first = _dated(article(FLOOD, url="https://herald.example/flood"), 2, site="herald.example")
    # a copy dated earlier, but saying where it comes from
    copy = _dated(article(FLOOD, url="https://farm.example/x"), 1, site="farm.example",
                  claimed_source="herald.example")
    later = _dated(article(FLOOD_REWRITE), 5, site="spin.example")
    assert likely_original([later, copy, first]).id == first.id


def test_undated_versions_fall_back_to_the_fullest():
    brief = article("\n".join(FLOOD.splitlines()[:2]) + "\n")
    full = article(FLOOD)
    assert likely_original([brief, full]).id == full.id


def test_a_source_outside_the_corpus_is_named(hashing):
    copy = article(FLOOD, url="https://farm.example/x")
    from dataclasses import replace

    copy = replace(copy, site="farm.example", claimed_source="cnn.com")
    rewrite = article(FLOOD_REWRITE)
    story = build_story([copy, rewrite], lambda x, y: compare(x, y, embedder=hashing))
    assert isinstance(story, Story)
    assert story.claimed_original == "cnn.com"
    # the original lies outside; the copy that names it stands in for it
    assert story.original == copy.id
    assert story.members[0].relation == "original"


def test_same_outlet_reads_names_and_hosts():
    a = Article(id="x", body="b", site="Valley Herald", url="https://www.valleyherald.example/p")
    assert same_outlet("valleyherald.example", a)
    assert same_outlet("Valley Herald", a)
    assert not same_outlet("cnn.com", a)
    wire = Article(id="y", body="b", site="nwx-wire.example")
    assert same_outlet("NWX", wire)
    assert not same_outlet("N", wire)


def test_a_canonical_address_on_another_outlet_is_a_claim_not_the_pages_site():
    original = Article(id="o", body="b", site="pitchside.example",
                       canonical_url="https://pitchside.example/2026/transfer")
    # an aggregator's repost that credits the original by its canonical address
    repost = Article(id="r", body="b", site="newsfold.example",
                     canonical_url="https://pitchside.example/2026/transfer",
                     claimed_source="pitchside.example")
    assert same_outlet("pitchside.example", original)
    assert not same_outlet("pitchside.example", repost)
    # a page that names no site or URL of its own is known by its canonical host
    bare = Article(id="b", body="b", canonical_url="https://www.pitchside.example/x")
    assert same_outlet("pitchside.example", bare)


def test_derivation_reasons_name_claims_of_another_outlet_only(hashing):
    from dataclasses import replace

    from storytrace.provenance import derivations

    canonical = "https://herald.example/flood"
    first = _dated(article(FLOOD, url=canonical), 2, site="herald.example",
                   canonical_url=canonical)
    repost = _dated(article(FLOOD, url="https://fold.example/1"), 3, site="fold.example",
                    canonical_url=canonical, claimed_source="herald.example")
    # a wire's brief names its own agency in its dateline: no claim of a source
    brief = replace(article("\n".join(FLOOD.splitlines()[:3]) + "\n"), id="brief",
                    site="nwx-wire.example", claimed_source="NWX")
    edges = derivations([brief, repost, first], lambda x, y: compare(x, y, embedder=hashing))
    why = {e.child: e.reasons for e in edges}
    assert {e.parent for e in edges} == {first.id}
    assert "it names herald.example as its source" in why[repost.id]
    assert "it points to the other's canonical address" in why[repost.id]
    assert not any("comes from" in r for r in why["brief"])


def test_average_linkage_does_not_chain_through_one_member():
    from storytrace.cluster import average_linkage
    from storytrace.verify import Match

    def m(a: str, b: str, score: float) -> Match:
        return Match(a=a, b=b, same_story=score >= 0.5, relation="same_event", score=score,
                     evidence=None)  # type: ignore[arg-type]

    # x-y and y-z are strong, but x and z are two different events.
    scores = {("x", "y"): 0.95, ("y", "z"): 0.9, ("x", "z"): 0.05}
    matches = [m(a, b, s) for (a, b), s in scores.items()]

    def score_of(a: str, b: str) -> float:
        return scores.get((a, b), scores.get((b, a), 0.0))

    assert connected_components(["x", "y", "z"], matches) == [["x", "y", "z"]]
    assert average_linkage(["x", "y", "z"], matches, score_of) == [["x", "y"], ["z"]]
    # a third member that agrees with both joins
    scores[("x", "z")] = 0.8
    matches = [m(a, b, s) for (a, b), s in scores.items()]
    assert average_linkage(["x", "y", "z"], matches, score_of) == [["x", "y", "z"]]


def _relations(pairs: dict[frozenset[str], str]):
    """A ``match_of`` that gives each pair of ids the relation named (score 0.9)."""
    from storytrace.verify import Match

    def match_of(a: Article, b: Article) -> Match:
        return Match(a=a.id, b=b.id, same_story=True, relation=pairs[frozenset((a.id, b.id))],
                     score=0.9, evidence=None)  # type: ignore[arg-type]

    return match_of


def test_two_undated_rewrites_of_one_text_are_both_shown_as_rewrites():
    from dataclasses import replace

    from storytrace.provenance import derivations, version_roles

    # the original (dated) and two undated versions that reword one text,
    # as an independent report of the original's event (the seeds' 000 and 001)
    original = _dated(Article(id="orig", body="o " * 300, site="herald.example"), 2)
    spun = Article(id="spun", body="s " * 250)
    wire = Article(id="wire", body="w " * 150)
    # and a scraper's copy of the original that names it
    copy = Article(id="copy", body="o " * 300, claimed_source="herald.example")
    match_of = _relations({frozenset(("orig", "spun")): "same_event",
                           frozenset(("orig", "wire")): "same_event",
                           frozenset(("spun", "wire")): "rewrite",
                           frozenset(("orig", "copy")): "duplicate",
                           frozenset(("copy", "spun")): "same_event",
                           frozenset(("copy", "wire")): "same_event"})
    arts = [wire, copy, original, spun]
    edges = derivations(arts, match_of)
    edges.sort(key=lambda e: e.child)
    assert [(e.parent, e.child, e.relation, e.ordered) for e in edges] == [
        ("orig", "copy", "duplicate", True),  # it names the original's outlet
        ("spun", "wire", "rewrite", False),  # nothing says which of the two came first
    ]
    assert any("nothing orders them (no dates)" in r for r in edges[1].reasons)
    # the copy is undated, but its attribution says which came first
    assert "no dates; its attribution orders them" in edges[0].reasons
    assert not any("fuller text" in r for r in edges[0].reasons)
    story = build_story(arts, match_of)
    assert [m.relation for m in story.members] == ["original", "duplicate", "same_event",
                                                   "same_event"]
    assert version_roles(story, edges) == {"orig": "original", "spun": "rewrite",
                                           "wire": "rewrite", "copy": "duplicate"}

    # dated, the earlier is the source: an independent report, reworded by the later
    spun, wire = _dated(spun, 3), _dated(wire, 4)
    [edge] = derivations([wire, original, spun], match_of)
    assert edge.ordered and "published 24.0 h later" in edge.reasons
    story = build_story([wire, original, spun], match_of)
    assert version_roles(story, [edge])["spun"] == "same_event"
    assert version_roles(story, [edge])["wire"] == "rewrite"

    # a brief is cut from the fuller text, dates or not
    match_of = _relations({frozenset(("orig", "spun")): "same_event",
                           frozenset(("orig", "wire")): "same_event",
                           frozenset(("spun", "wire")): "excerpt"})
    undated = [replace(a, published=None) for a in (spun, wire)]
    [edge] = derivations([original, *undated], match_of)
    assert edge.ordered and edge.relation == "excerpt"
    story = build_story([original, *undated], match_of)
    assert version_roles(story, [edge]) == {"orig": "original", "spun": "same_event",
                                            "wire": "excerpt"}


def test_a_version_hangs_under_the_copy_whose_changes_it_keeps():
    from storytrace.provenance import derivations

    text = ("Researchers at Tamsford University reported on {day} that a soil enzyme "
            "breaks down plastic bottles in four days at room temperature. ")
    original = _dated(Article(id="orig", body=text.format(day="Wednesday") * 3), 8)
    # a scraper's copy a day later, which moved the day
    copy = _dated(Article(id="copy", body=text.format(day="Tuesday") * 3), 9)
    match_of = _relations({frozenset(("orig", "copy")): "near_duplicate",
                           frozenset(("orig", "brief")): "excerpt",
                           frozenset(("copy", "brief")): "excerpt"})

    def parent_of(day: str) -> tuple[str, tuple[str, ...]]:
        brief = _dated(Article(id="brief", body=text.format(day=day)), 10)
        edge = next(e for e in derivations([original, copy, brief], match_of)
                    if e.child == "brief")
        return edge.parent, edge.reasons

    # both score alike; the brief keeps the original's day, or the copy's
    parent, why = parent_of("Wednesday")
    assert parent == "orig" and "it shares words no other version has: 'wednesday'" in why
    parent, why = parent_of("Tuesday")
    assert parent == "copy" and "it shares words no other version has: 'tuesday'" in why
    # and sharing nothing with either alone, the earlier
    assert parent_of("Thursday")[0] == "orig"
