from __future__ import annotations

import dataclasses
import math

import pytest

from fixtures import (
    BAKERY,
    FLOOD,
    FLOOD_AGAIN,
    FLOOD_FOLLOWUP,
    FLOOD_REWRITE,
    article,
    templated,
)
from storytrace.evaluate import binary_metrics, pearson, roc_auc
from storytrace.verify import Evidence, _relation, compare


def test_copy_is_duplicate(hashing):
    a = article(FLOOD, url="https://one.example/flood")
    b = article(FLOOD, url="https://two.example/copy")
    m = compare(a, b, embedder=hashing)
    assert m.relation == "duplicate" and m.same_story and m.score > 0.95
    assert m.evidence.identical


def test_excerpt_is_asymmetric(hashing):
    lead = "\n".join(FLOOD.splitlines()[:3]) + "\n"
    m = compare(article(lead), article(FLOOD), embedder=hashing)
    assert m.relation == "excerpt" and m.same_story
    assert m.evidence.containment_ab > 0.8 > m.evidence.containment_ba


def test_different_stories_through_one_template_are_unrelated(hashing):
    a = templated(FLOOD, "https://farm.example/a")
    b = templated(BAKERY, "https://farm.example/b")
    m = compare(a, b, embedder=hashing)
    assert not m.same_story
    assert m.relation == "unrelated"
    assert m.score < 0.5


def test_rewrite_with_hashing_embedder_is_same_story(hashing):
    m = compare(article(FLOOD), article(FLOOD_REWRITE), embedder=hashing)
    # Word-hash vectors do not see paraphrase; names and numbers still link them.
    assert m.evidence.jaccard5 < 0.1
    assert "varnholt" in m.evidence.shared_entities
    assert any("340" in n for n in m.evidence.shared_numbers)


def test_rewrite_with_real_model(real_embedder):
    m = compare(article(FLOOD), article(FLOOD_REWRITE), embedder=real_embedder)
    assert m.same_story and m.relation == "rewrite", m.evidence.features
    unrelated = compare(article(FLOOD), article(BAKERY), embedder=real_embedder)
    assert unrelated.relation == "unrelated" and not unrelated.same_story


def test_metrics():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    m = binary_metrics([1, 1, 0, 0], [True, False, True, False])
    assert m["precision"] == m["recall"] == m["f1"] == 0.5
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)


def test_scored_features_are_bounded_and_named(hashing):
    from storytrace.verify import WEIGHTS

    m = compare(article(FLOOD), article(FLOOD_REWRITE), embedder=hashing)
    feats = m.evidence.features
    assert set(WEIGHTS) - {"bias"} <= set(feats)
    assert all(0.0 <= v <= 1.0 for v in feats.values()), feats
    # Names, places and numbers of one story: the rare words recur on both sides.
    assert feats["rare_coverage"] > 0.2
    unrelated = compare(article(FLOOD), article(BAKERY), embedder=hashing)
    assert unrelated.evidence.features["rare_coverage"] < feats["rare_coverage"]


def _evidence(coverage: float) -> Evidence:
    """Evidence of a reworded pair: little shared wording, ``coverage`` of sentences aligned."""
    return Evidence(
        identical=False, jaccard3=0.02, jaccard5=0.01, containment_ab=0.3, containment_ba=0.1,
        cosine=0.8, alignment_coverage=coverage, alignment_soft=coverage, alignment_order=1.0,
        aligned=(), lexical=0.4, entity_overlap=0.5, shared_entities=(), shared_numbers=(),
        number_conflicts=(), shared_dates=(), date_conflicts=(), shared_quotes=(),
        time_gap_days=None, features={},
    )


def test_reworded_brief_is_an_excerpt_and_a_short_independent_report_is_not():
    # a third of the length, most sentences retold: a brief cut from the fuller text
    assert _relation(_evidence(0.8), True, 100, 300) == "excerpt"
    # as short, but a third of its sentences have a counterpart: its own report
    assert _relation(_evidence(0.33), True, 100, 300) == "same_event"
    # the same alignment at about the same length: a rewrite
    assert _relation(_evidence(0.8), True, 280, 300) == "rewrite"


def test_a_copy_cut_down_and_touched_up_is_an_excerpt_and_a_touched_up_copy_a_rewrite():
    # Three quarters of the shorter text's 3-shingles are in the longer, every
    # sentence aligned in order, yet under the excerpt line (0.8) and the
    # near-copy line (5-shingle Jaccard 0.5): copied, cut to 60%, touched up.
    cut = dataclasses.replace(
        _evidence(1.0), containment_ab=0.45, containment_ba=0.76, jaccard5=0.28
    )
    assert _relation(cut, True, 305, 180) == "excerpt"
    # Half its wording kept at the source's length: reworded, not cut.
    touched = dataclasses.replace(
        _evidence(0.85), containment_ab=0.5, containment_ba=0.45, jaccard5=0.19
    )
    assert _relation(touched, True, 305, 342) == "rewrite"
    # Out of order, it is not retold from the other: its own report.
    shuffled = dataclasses.replace(cut, alignment_order=0.5)
    assert _relation(shuffled, True, 305, 180) == "same_event"


def test_a_text_with_voices_of_its_own_is_not_derived_from_the_other():
    # A short report that follows the fuller one sentence by sentence but
    # quotes two people the fuller one never names did its own reporting.
    brief = _evidence(0.8)
    own = dataclasses.replace(brief, own_names_a=("Pieter Aalders", "Hanna Lund"))
    assert _relation(brief, True, 100, 300) == "excerpt"
    assert _relation(own, True, 100, 300) == "same_event"
    # One name of its own (an analyst, the wire's sign-off) is not reporting.
    assert _relation(dataclasses.replace(brief, own_names_a=("Norrland Capital",)),
                     True, 100, 300) == "excerpt"
    # At about the same length either may be the rewrite: only when both
    # bring their own voices is neither derived from the other.
    assert _relation(dataclasses.replace(brief, own_names_a=("Pieter Aalders", "Hanna Lund")),
                     True, 280, 300) == "rewrite"
    both = dataclasses.replace(brief, own_names_a=("Pieter Aalders", "Hanna Lund"),
                               own_names_b=("Oskar Vosberg", "Ruta Osei"))
    assert _relation(both, True, 280, 300) == "same_event"
    # Copied wording is derivation whatever names are added.
    cut = dataclasses.replace(both, containment_ab=0.76, containment_ba=0.45, jaccard5=0.28)
    assert _relation(cut, True, 180, 305) == "excerpt"


def test_own_names_are_the_people_only_one_side_mentions(hashing):
    report = (
        "Heavy rain flooded Marrowby on Tuesday, forcing 340 residents from their homes.\n"
        '"The water reached my kitchen," said Pieter Aalders, a baker on the square.\n'
        "Varnholt said the levee near the mill gave way overnight.\n"
        "Nurse Hanna Lund helped carry residents of the care home to the boats.\n"
    )
    m = compare(article(report), article(FLOOD), embedder=hashing)
    own = m.evidence.own_names_a
    assert len(own) == 2 and "Pieter Aalders" in own and any("Hanna Lund" in n for n in own)
    # Varnholt is the mayor both name; the rewrite names no one the report does not.
    assert "Elsa Varnholt" not in m.evidence.own_names_b
    rewrite = compare(article(FLOOD_REWRITE), article(FLOOD), embedder=hashing)
    assert rewrite.evidence.own_names_a == ()
    # A brief that credits the wire it was cut from names an outlet its
    # source never names: a credit, not a voice of its own.
    credited = (
        "Heavy rain flooded Marrowby on Tuesday and 340 residents left their homes, "
        "the Calvera Press Agency reported.\n"
        "Mayor Elsa Varnholt said the Brisk River breached the old levee.\n"
    )
    brief = compare(article(credited), article(FLOOD), embedder=hashing)
    assert brief.evidence.own_names_a == ()


def test_a_story_verdict_renames_the_relation_and_leaves_copies_and_scores_alone(hashing):
    from storytrace.fingerprint import fingerprint
    from storytrace.verify import with_story_verdict

    flood, bakery = article(FLOOD), article(BAKERY)
    fa, fb = fingerprint(flood, hashing), fingerprint(bakery, hashing)
    apart = compare(flood, bakery, fa=fa, fb=fb)
    assert not apart.same_story
    assert with_story_verdict(apart, False, fa, fb) is apart
    linked = with_story_verdict(apart, True, fa, fb)
    assert linked.same_story and linked.score == apart.score
    assert linked.relation in ("same_event", "followup", "rewrite", "excerpt")

    copy = article(FLOOD, url="https://two.example/copy")
    fc = fingerprint(copy, hashing)
    dup = compare(flood, copy, fa=fa, fb=fc)
    assert with_story_verdict(dup, False, fa, fc) is dup  # a copy is one story regardless

    # A pair its own evidence calls one story, which the stories keep apart.
    alike = dataclasses.replace(apart, same_story=True, relation="same_event")
    kept_apart = with_story_verdict(alike, False, fa, fb)
    assert not kept_apart.same_story and kept_apart.relation == "related"


def test_an_undated_wire_copy_is_dated_by_its_dateline(hashing):
    from datetime import UTC, datetime

    dated = dataclasses.replace(article(FLOOD), published=datetime(2026, 4, 7, 16, 0, tzinfo=UTC))
    wire = dataclasses.replace(article(FLOOD_REWRITE), dateline="Marrowby, Feb 2, (NWX)")
    assert compare(dated, wire, embedder=hashing).evidence.time_gap_days == 64
    # Across the turn of the year, in the year nearest the dated version.
    january = dataclasses.replace(dated, published=datetime(2027, 1, 3, tzinfo=UTC))
    late = dataclasses.replace(wire, dateline="MARROWBY, Dec 30 (Reuters)")
    assert compare(january, late, embedder=hashing).evidence.time_gap_days == 4
    # Two datelines, no years; and a dateline with no day says nothing.
    other = dataclasses.replace(article(BAKERY), dateline="Tamsford, Feb 5, (NWX)")
    assert compare(wire, other, embedder=hashing).evidence.time_gap_days == 3
    bare = dataclasses.replace(wire, dateline="MARROWBY (Meridian Wire)")
    assert compare(dated, bare, embedder=hashing).evidence.time_gap_days is None
    # A version's own publication time wins over its dateline.
    both = dataclasses.replace(wire, published=datetime(2026, 4, 6, 16, 0, tzinfo=UTC))
    assert compare(dated, both, embedder=hashing).evidence.time_gap_days == 1


def test_a_pair_without_a_time_gap_is_untimed_unless_a_copy(hashing):
    from datetime import UTC, datetime

    from storytrace.verify import score_at_gap, untimed

    # Leads that name no day: the gap alone prices the pair (see the next test).
    flood, rewrite = (article(text.replace(" on Tuesday", "")) for text in (FLOOD, FLOOD_REWRITE))
    assert untimed(compare(flood, rewrite, embedder=hashing))
    dated = [dataclasses.replace(a, published=datetime(2026, 3, d, tzinfo=UTC))
             for a, d in ((flood, 2), (rewrite, 20))]
    timed = compare(*dated, embedder=hashing)
    assert not untimed(timed)
    # what the 18 days cost the dated pair is what score_at_gap charges the undated one
    alone = compare(flood, rewrite, embedder=hashing)
    assert timed.score == pytest.approx(score_at_gap(alone.score, 18.0))
    copy = dataclasses.replace(flood, id="copy", url="https://farm.example/x")
    assert not untimed(compare(flood, copy, embedder=hashing))
    assert score_at_gap(0.9, 1.5) == 0.9  # within two days: no cost
    assert score_at_gap(0.9, 4.0) < 0.9


def test_a_later_report_of_another_day_weighs_the_gap_more(hashing):
    from datetime import UTC, datetime

    from storytrace.verify import UNANCHORED_GAP_FACTOR, score_at_gap, score_features

    def on(text, day):  # Tuesday 3 March 2026, and so on
        return dataclasses.replace(article(text), published=datetime(2026, 3, day, 12, tzinfo=UTC))

    first = on(FLOOD, 3)
    # The later report's lead names only its own Tuesday (24 March), and
    # nowhere the first flood's: it tells of a later happening.
    again = compare(first, on(FLOOD_AGAIN, 24), embedder=hashing)
    assert again.evidence.looks_back is False
    features, gap = again.evidence.features, again.evidence.time_gap_days
    assert gap == 21
    plain = score_features(features, gap)  # what the gap alone would cost
    assert again.score == pytest.approx(score_features(features, gap, looks_back=False))
    assert again.score < plain
    # The factor multiplies the gap's log-odds: 4 halvings for every one.
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    untimed = score_features(features)
    assert logit(untimed) - logit(again.score) == pytest.approx(
        UNANCHORED_GAP_FACTOR * (logit(untimed) - logit(plain))
    )
    # A follow-up names the first flood's Tuesday: the gap costs what it always did.
    followup = compare(first, on(FLOOD_FOLLOWUP, 6), embedder=hashing)
    assert followup.evidence.looks_back is True
    assert followup.score == pytest.approx(
        score_at_gap(score_features(followup.evidence.features), 3.0)
    )
    # Within two days, or undated, the days are not asked.
    assert compare(first, on(FLOOD_AGAIN, 4), embedder=hashing).evidence.looks_back is None
    undated = compare(article(FLOOD), article(FLOOD_AGAIN), embedder=hashing)
    assert undated.evidence.looks_back is None


def test_a_rewrite_posted_days_later_keeps_its_sources_day(real_embedder):
    from datetime import UTC, datetime

    # A spun copy posted eight days later still says "on Tuesday": its
    # source's Tuesday, read as a week later. It retells its source sentence
    # by sentence, so its days are not held against it.
    source = dataclasses.replace(article(FLOOD), published=datetime(2026, 3, 3, 9, tzinfo=UTC))
    late = dataclasses.replace(
        article(FLOOD_REWRITE), published=datetime(2026, 3, 11, 9, tzinfo=UTC)
    )
    m = compare(source, late, embedder=real_embedder)
    assert m.evidence.alignment_coverage >= 0.5 and m.evidence.looks_back is None
    assert m.same_story and m.relation == "rewrite"


def test_a_result_looks_back_at_the_day_its_preview_announced(hashing):
    from datetime import UTC, datetime

    def on(text, day):  # Monday 2 March 2026, and so on
        return dataclasses.replace(article(text), published=datetime(2026, 3, day, 12, tzinfo=UTC))

    preview = on(
        "Marrowby council will vote on Thursday on a 40 million euro flood defence plan.\n"
        "Opposition members argue the cost should be shared with the regional government.\n"
        "Residents of the lower town have petitioned for the old levee to be raised.\n"
        "Insurers say premiums there have tripled since last year's flood.\n",
        2,
    )
    result = on(
        "Marrowby council approved a 40 million euro flood defence plan on Thursday.\n"
        "Councillors voted 31 to 18 after a debate that ran past midnight.\n"
        "Construction crews could begin work in May, a spokesman for the works department said.\n"
        "The first phase covers a pumping station beside the market square.\n",
        9,
    )
    # The preview's Thursday is the coming one (5 March), the day the result tells of.
    assert compare(preview, result, embedder=hashing).evidence.looks_back is True
