"""Sentence vectors are made only for pairs that could be one story, with the same stories."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from fixtures import BAKERY, FLOOD, FLOOD_REWRITE, article
from storytrace.assign import StoryAssigner, match_stored
from storytrace.demo import corpus_path
from storytrace.fingerprint import fingerprint_many, with_sentence_vectors
from storytrace.pipeline import (
    fingerprints_for,
    index_store,
    ingest,
    match_article,
    update_stories,
)
from storytrace.store import SQLiteStore
from storytrace.verify import compare_fingerprints, score_ceiling


def _stories(store: SQLiteStore) -> dict[frozenset[str], tuple[str, tuple]]:
    return {
        frozenset(m.article_id for m in s.members): (
            s.original,
            tuple(sorted((m.article_id, m.relation, round(m.score, 3)) for m in s.members)),
        )
        for s in store.iter_stories()
    }


@contextmanager
def _demo_stores(folder: Path, *names: str) -> Iterator[list[SQLiteStore]]:
    """One store per name in ``folder``, each holding the ingested demo corpus."""
    with ExitStack() as stack:
        stores = [stack.enter_context(SQLiteStore(folder / f"{n}.sqlite")) for n in names]
        for store in stores:
            ingest([str(corpus_path())], store)
        yield stores


def test_lazy_sentence_vectors_give_the_stories_of_eager_ones(tmp_path: Path, hashing) -> None:
    with _demo_stores(tmp_path, "eager", "lazy") as (eager, lazy):
        # every sentence vector made up front, as before they were made on demand
        fingerprints_for(list(eager.iter_articles()), hashing, eager, sentence_vectors=True)
        update_stories(eager, hashing)
        update_stories(lazy, hashing)
        assert _stories(lazy) == _stories(eager)

        ids = [a.id for a in lazy.iter_articles()]
        stored = lazy.get_fingerprints(ids, hashing.name)
        lacking = {x for x, fp in stored.items() if fp.lacks_sentence_vectors}
        in_versions = {m.article_id for s in lazy.iter_stories() if len(s.members) > 1
                       for m in s.members}
        assert lacking, "every article got sentence vectors: nothing was saved"
        assert not lacking & in_versions  # every version of a story was verified with them
        assert all(not fp.lacks_sentence_vectors
                   for fp in eager.get_fingerprints(ids, hashing.name).values())

        # matching a stored version finds the same versions either way
        probe = lazy.get(sorted(in_versions)[0])
        assert probe is not None
        found = [(m.b, round(m.score, 3)) for m in match_article(probe, lazy, hashing)]
        assert found == [(m.b, round(m.score, 3)) for m in match_article(probe, eager, hashing)]
        assert found


def test_score_ceiling_bounds_what_sentence_vectors_can_add(hashing) -> None:
    texts = {"flood": FLOOD, "rewrite": FLOOD_REWRITE, "bakery": BAKERY}
    arts = {k: article(v, url=f"https://{k}.example/a") for k, v in texts.items()}
    full = dict(zip(arts, fingerprint_many(list(arts.values()), hashing), strict=True))
    bare = dict(zip(arts, fingerprint_many(list(arts.values()), hashing, sentence_vectors=False),
                    strict=True))
    assert all(fp.lacks_sentence_vectors for fp in bare.values())
    assert not any(fp.lacks_sentence_vectors for fp in full.values())
    for x, y in (("flood", "rewrite"), ("flood", "bakery"), ("rewrite", "bakery")):
        exact = compare_fingerprints(arts[x], arts[y], full[x], full[y])
        rough = compare_fingerprints(arts[x], arts[y], bare[x], bare[y])
        assert exact.evidence.sentences_compared and not rough.evidence.sentences_compared
        assert rough.score <= exact.score + 1e-9 <= score_ceiling(rough) + 2e-9
        assert score_ceiling(exact) == exact.score
    # made afterwards, the vectors are those made up front
    added = with_sentence_vectors([bare["flood"]], hashing)[0]
    assert dataclasses.replace(added, sentence_embeddings=None).sentences == full["flood"].sentences
    assert added.sentence_embeddings is not None and full["flood"].sentence_embeddings is not None
    assert (added.sentence_embeddings == full["flood"].sentence_embeddings).all()


def test_a_match_scores_as_the_store_will_once_it_keeps_the_vectors(
    tmp_path: Path, hashing
) -> None:
    # match_stored makes missing sentence vectors in memory; the assigner
    # stores them as float16. Rounded alike, both score a pair to the bit.
    flood = article(FLOOD, url="https://flood.example/a")
    probe = article(FLOOD_REWRITE, url="https://probe.example/a")
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.add_articles([flood])
        fingerprints_for([flood], hashing, store, sentence_vectors=False)
        update_stories(store, hashing)
        [query] = fingerprint_many([probe], hashing, sentence_vectors=False)
        stored = store.get_fingerprints([flood.id], hashing.name)[flood.id]
        assert stored.lacks_sentence_vectors
        before = {m.b: m for m in match_stored(store, hashing, probe, query)}
        # what the assigner does once a pair needs them: made, then stored
        store.put_sentence_vectors(with_sentence_vectors([stored], hashing), hashing.name)
        assert not store.get_fingerprints([flood.id], hashing.name)[flood.id] \
            .lacks_sentence_vectors
        after = {m.b: m for m in match_stored(store, hashing, probe, query)}
    assert before[flood.id].evidence.sentences_compared
    assert after[flood.id].score == before[flood.id].score
    assert after[flood.id].evidence == before[flood.id].evidence


def test_a_small_article_cache_changes_memory_not_stories(tmp_path: Path, hashing) -> None:
    with _demo_stores(tmp_path, "big", "small") as (big, small):
        update_stories(big, hashing)
        index_store(small, hashing)
        assigner = StoryAssigner(small, hashing, cache_articles=5)
        most = 0

        def watch(done: int, total: int) -> None:
            nonlocal most
            most = max(most, len(assigner._cache.articles))

        assigner.assign_all(watch)
        assert _stories(small) == _stories(big)
        # Past the cap the cache keeps only what one assignment asked for.
        assert most < len(list(small.iter_articles())) // 2
    with pytest.raises(ValueError, match="at least one"):
        StoryAssigner(small, hashing, cache_articles=0)
