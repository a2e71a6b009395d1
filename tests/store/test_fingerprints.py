"""Fingerprints persist with the store: round trip, bands, models kept apart, cascade."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from fixtures import BAKERY, FLOOD, FLOOD_REWRITE, article
from storytrace.errors import StoreError
from storytrace.fingerprint import band_keys, fingerprint_many
from storytrace.pipeline import fingerprints_for, index_store, match_article
from storytrace.store import SCHEMA_VERSION, SQLiteStore


def _stored(tmp_path: Path, *bodies: str) -> tuple[SQLiteStore, list]:
    store = SQLiteStore(tmp_path / "s.sqlite")
    arts = [article(b, url=f"https://site{i}.example/a") for i, b in enumerate(bodies)]
    store.add_articles(arts)
    return store, arts


def test_round_trip_keeps_every_field(tmp_path: Path, hashing) -> None:
    store, arts = _stored(tmp_path, FLOOD)
    [fp] = fingerprint_many(arts, hashing)
    store.put_fingerprints([fp], hashing.name)
    store.close()
    reopened = SQLiteStore(tmp_path / "s.sqlite")
    [back] = reopened.get_fingerprints([fp.article_id], hashing.name).values()
    assert back.body_sha256 == fp.body_sha256
    assert np.array_equal(back.minhash, fp.minhash)
    assert np.array_equal(back.shingles3, fp.shingles3)
    assert np.array_equal(back.shingles5, fp.shingles5)
    assert np.allclose(back.embedding, fp.embedding)
    assert np.allclose(back.sentence_embeddings, fp.sentence_embeddings, atol=2e-3)  # float16
    assert back.sentences == fp.sentences
    assert back.facts == fp.facts


def test_vectors_of_another_model_are_not_returned(tmp_path: Path, hashing) -> None:
    store, arts = _stored(tmp_path, FLOOD)
    store.put_fingerprints(fingerprint_many(arts, hashing), hashing.name)
    assert store.get_fingerprints([arts[0].id], "another-model") == {}
    assert store.unfingerprinted("another-model") == [arts[0].id]
    assert store.unfingerprinted(hashing.name) == []


def test_band_index_finds_copies_and_follows_deletes(tmp_path: Path, hashing) -> None:
    store, arts = _stored(tmp_path, FLOOD, FLOOD, BAKERY)
    fps = fingerprints_for(arts, hashing, store)
    assert store.band_neighbours(band_keys(fps[0].minhash)) == {arts[0].id, arts[1].id}
    store.delete(arts[1].id)
    assert store.band_neighbours(band_keys(fps[0].minhash)) == {arts[0].id}
    assert store.get_fingerprints([arts[1].id], hashing.name) == {}
    assert store.integrity_check() == "ok"


def test_cached_fingerprints_are_not_recomputed(tmp_path: Path, hashing) -> None:
    store, _ = _stored(tmp_path, FLOOD, BAKERY)
    assert index_store(store, hashing) == 2
    assert index_store(store, hashing) == 0


def test_match_finds_the_stored_versions(tmp_path: Path, hashing) -> None:
    store, arts = _stored(tmp_path, FLOOD, FLOOD_REWRITE, BAKERY)
    query = article(FLOOD, url="https://copycat.example/x")  # not stored
    matches = match_article(query, store, hashing)
    assert matches[0].b == arts[0].id
    assert matches[0].relation == "duplicate"
    assert arts[2].id not in {m.b for m in matches}
    assert store.count() == 3  # matching stores nothing new


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as db:  # roll the file back to schema 1
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in set(tables) - {"articles", "page_lines", "failures"}:
            db.execute(f"DROP TABLE {table}")
        db.execute("DROP INDEX articles_id_seq")  # schema 5's index on a schema 1 table
        db.execute("PRAGMA user_version = 1")
    store = SQLiteStore(path)
    assert store.schema_version == SCHEMA_VERSION >= 3
    assert store.integrity_check() == "ok"


def test_sentences_are_stored_as_spans_of_the_body(tmp_path: Path, hashing) -> None:
    store, arts = _stored(tmp_path, FLOOD)
    [fp] = fingerprint_many(arts, hashing)
    store.put_fingerprints([fp], hashing.name)
    db = sqlite3.connect(tmp_path / "s.sqlite")
    body, in_article = db.execute("SELECT body, sentences FROM articles").fetchone()
    [in_fingerprint] = db.execute("SELECT sentences FROM fingerprints").fetchone()
    # A list of [start, end] pairs, not a third copy of the text.
    for stored in (in_article, in_fingerprint):
        spans = json.loads(stored)
        assert spans and all(isinstance(s, list) for s in spans)
        assert len(stored) < len(body) / 4
    assert store.get(arts[0].id).sentences == arts[0].sentences
    [back] = store.get_fingerprints([fp.article_id], hashing.name).values()
    assert back.sentences == fp.sentences


def test_rows_written_with_sentence_texts_still_read(tmp_path: Path, hashing) -> None:
    # Stores from before schema 6 hold the texts themselves; they are not rewritten.
    store, arts = _stored(tmp_path, FLOOD)
    [fp] = fingerprint_many(arts, hashing)
    store.put_fingerprints([fp], hashing.name)
    store.close()
    db = sqlite3.connect(tmp_path / "s.sqlite")
    db.execute("UPDATE articles SET sentences = ?", (json.dumps(list(arts[0].sentences)),))
    db.execute("UPDATE fingerprints SET sentences = ?", (json.dumps(list(fp.sentences)),))
    db.commit()
    db.close()
    reopened = SQLiteStore(tmp_path / "s.sqlite")
    assert reopened.get(arts[0].id).sentences == arts[0].sentences
    [back] = reopened.get_fingerprints([fp.article_id], hashing.name).values()
    assert back.sentences == fp.sentences


def test_a_span_outside_the_body_is_a_store_error_naming_the_article(
    tmp_path: Path, hashing
) -> None:
    store, arts = _stored(tmp_path, FLOOD)
    store.put_fingerprints(fingerprint_many(arts, hashing), hashing.name)
    store.close()
    db = sqlite3.connect(tmp_path / "s.sqlite")
    db.execute("UPDATE fingerprints SET sentences = '[[0,5],[7,99999]]'")
    db.execute("UPDATE articles SET sentences = '[[-1,3]]'")
    db.commit()
    db.close()
    reopened = SQLiteStore(tmp_path / "s.sqlite")
    with pytest.raises(StoreError, match=arts[0].id):
        reopened.get_fingerprints([arts[0].id], hashing.name)
    with pytest.raises(StoreError, match=arts[0].id):
        reopened.get(arts[0].id)
