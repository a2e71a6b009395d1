from __future__ import annotations

import pytest

from fixtures import BAKERY, FLOOD, FLOOD_REWRITE, article, templated
from storytrace.evaluate import binary_metrics, pearson, roc_auc
from storytrace.verify import compare


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
