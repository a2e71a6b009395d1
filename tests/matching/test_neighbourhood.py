"""Neighbourhood agreement: two articles amid one crowd agree, amid two crowds they do not."""

from __future__ import annotations

import numpy as np
import pytest

from storytrace.neighbourhood import K, Neighbourhoods, agreement
from storytrace.verify import CONTEXT_WEIGHTS, WEIGHTS, score_features


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def two_events_of_one_topic(per_event: int = 12, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Reports of two events that share a topic direction, each event with its own direction.

    Every report is close to every other report of the topic (cosine about
    0.7 across events), closer still within its event.
    """
    rng = np.random.default_rng(seed)
    dim = 64
    topic, ev1, ev2 = unit(rng.normal(size=(3, dim)))
    rows, ids = [], []
    for name, event in (("e1", ev1), ("e2", ev2)):
        for i in range(per_event):
            rows.append(topic * 1.6 + event * 1.0 + rng.normal(scale=0.25, size=dim))
            ids.append(f"{name}-{i}")
    return ids, unit(np.array(rows, dtype=np.float32))


def test_reports_of_one_event_agree_more_than_reports_of_two() -> None:
    # Fewer reports per event than K: each neighbourhood holds both events.
    # (With more, a neighbourhood is all one event and the agreement within
    # it falls toward 0: noise; verify's fitted bias makes 0 neutral.)
    ids, vectors = two_events_of_one_topic(per_event=8)
    hood = Neighbourhoods(ids, vectors)
    same = [hood.agreement(f"e1-{i}", f"e1-{i + 1}") for i in range(0, 8, 2)]
    other = [hood.agreement(f"e1-{i}", f"e2-{i}") for i in range(0, 8, 2)]
    assert all(s is not None for s in same + other)
    # Within an event the two rank the other reports alike; across events
    # each ranks its own event's reports first.
    assert min(same) > 0.25 and max(other) < -0.25
    # The cosine of the pair alone separates them far less.
    row = {x: i for i, x in enumerate(ids)}
    cos_same = vectors[row["e1-0"]] @ vectors[row["e1-1"]]
    cos_other = vectors[row["e1-0"]] @ vectors[row["e2-0"]]
    assert cos_same - cos_other < min(same) - max(other)


def test_the_pair_itself_is_never_its_own_neighbourhood() -> None:
    ids, vectors = two_events_of_one_topic()
    hood = Neighbourhoods(ids, vectors)
    i, j = 0, 1
    near = [n for n in hood.near[i] if n != j][:K] + [n for n in hood.near[j] if n != i][:K]
    assert i not in near and j not in near
    assert hood.agreement("e1-0", "e1-1") == hood.agreement("e1-1", "e1-0")


def test_too_small_a_corpus_or_an_unknown_article_has_no_neighbourhood() -> None:
    ids, vectors = two_events_of_one_topic(per_event=3)
    assert len(ids) < K + 2
    hood = Neighbourhoods(ids, vectors)
    assert hood.agreement("e1-0", "e1-1") is None
    big = Neighbourhoods(*two_events_of_one_topic())
    assert big.agreement("e1-0", "nowhere") is None


def test_agreement_is_a_correlation() -> None:
    rng = np.random.default_rng(1)
    around = unit(rng.normal(size=(20, 16)))
    a = unit(rng.normal(size=16))
    assert agreement(a, a, around) == pytest.approx(1.0)
    assert agreement(a, a, around[:2]) is None  # two points make no ranking


def test_a_neighbourhood_switches_to_the_context_model() -> None:
    features = dict.fromkeys((k for k in WEIGHTS if k != "bias"), 0.5)
    alone = score_features(features)
    within = score_features({**features, "neighbourhood": 0.9})
    apart = score_features({**features, "neighbourhood": -0.5})
    assert within > apart
    assert alone != within
    assert "cosine" not in CONTEXT_WEIGHTS  # see verify: its weight turned negative


def test_pairs_read_within_their_documents_only_when_asked() -> None:
    from storytrace.demo import eval_set
    from storytrace.evaluate import articles_from_docs, run_pairs
    from storytrace.fingerprint import HashingEmbedder

    docs, pairs = eval_set()
    ids = [(str(p["a"]), str(p["b"])) for p in pairs[:20]]
    articles = articles_from_docs(docs)
    plain, _, _ = run_pairs(articles, ids, HashingEmbedder())
    within, _, _ = run_pairs(articles, ids, HashingEmbedder(), neighbourhood=True)
    assert all(m.evidence.neighbourhood is None for m in plain)
    assert all("neighbourhood" not in m.evidence.features for m in plain)
    assert all(m.evidence.neighbourhood is not None for m in within)
    # The other evidence is the same; only the model that weighs it differs.
    assert [m.evidence.lexical for m in plain] == [m.evidence.lexical for m in within]
    assert any(p.score != w.score for p, w in zip(plain, within, strict=True))


def test_a_batch_is_clustered_within_its_neighbourhoods_only_when_asked(hashing) -> None:
    from storytrace.demo import corpus_path
    from storytrace.pipeline import find_stories, read_articles

    articles = [a for a in read_articles([str(corpus_path())]) if hasattr(a, "body")]
    assert len(articles) >= K + 2
    plain = find_stories(articles, hashing)
    within = find_stories(articles, hashing, neighbourhood=True)
    for stories in (plain, within):  # every article in exactly one story either way
        ids = [m.article_id for s in stories for m in s.members]
        assert len(ids) == len(set(ids)) and set(ids) == {a.id for a in articles}
    # Versions are scored against their original by the context model now.
    score = {m.article_id: m.score for s in plain for m in s.members if m.relation != "original"}
    rescored = {m.article_id: m.score for s in within for m in s.members}
    assert any(rescored.get(x) != v for x, v in score.items())
    # Without an embedder there are no vectors and so no neighbourhoods.
    assert [s.members for s in find_stories(articles, None, neighbourhood=True)] == [
        s.members for s in find_stories(articles, None)
    ]
