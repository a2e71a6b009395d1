"""The vector index persists beside the store, and the store stays its truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fixtures import BAKERY, FLOOD, FLOOD_REWRITE, article
from storytrace.fingerprint import fingerprint
from storytrace.pipeline import update_stories
from storytrace.store import SQLiteStore
from storytrace.store.vectors import UsearchIndex


def _filled(path: Path, hashing) -> list:
    arts = [
        article(body, url=f"https://site{i}.example/a")
        for i, body in enumerate((FLOOD, FLOOD_REWRITE, BAKERY))
    ]
    with SQLiteStore(path) as store:
        store.add_articles(arts)
        update_stories(store, hashing)
    return arts


def _nearest(store: SQLiteStore, hashing, body: str) -> set[str]:
    query = fingerprint(article(body, url="https://query.example/q"), hashing)
    return store.nearest_indexed(hashing.name, query.embedding, 2, 0.0)


def test_index_is_saved_and_reopened(tmp_path: Path, hashing) -> None:
    path = tmp_path / "s.sqlite"
    arts = _filled(path, hashing)
    files = list(tmp_path.glob("s.sqlite.vectors-*.usearch"))
    assert len(files) == 1 and files[0].stat().st_size > 0
    with SQLiteStore(path) as store:
        assert _nearest(store, hashing, FLOOD) == {arts[0].id, arts[1].id}
        assert len(store.vector_index(hashing.name)) == 3


def test_a_lost_or_broken_index_file_is_rebuilt_from_the_database(
    tmp_path: Path, hashing
) -> None:
    path = tmp_path / "s.sqlite"
    arts = _filled(path, hashing)
    [file] = tmp_path.glob("s.sqlite.vectors-*.usearch")
    file.write_bytes(b"not an index")
    with SQLiteStore(path) as store:
        assert _nearest(store, hashing, FLOOD) == {arts[0].id, arts[1].id}
    file.unlink()
    with SQLiteStore(path) as store:
        assert len(store.vector_index(hashing.name)) == 3


def test_an_index_saved_before_a_delete_is_reconciled(tmp_path: Path, hashing) -> None:
    path = tmp_path / "s.sqlite"
    arts = _filled(path, hashing)
    stale = next(tmp_path.glob("s.sqlite.vectors-*.usearch")).read_bytes()
    with SQLiteStore(path) as store:
        store.delete(arts[0].id)
    # As if the process died before saving: the file still holds the deleted vector.
    next(tmp_path.glob("s.sqlite.vectors-*.usearch")).write_bytes(stale)
    with SQLiteStore(path) as store:
        assert _nearest(store, hashing, FLOOD) == {arts[1].id, arts[2].id}
        assert len(store.vector_index(hashing.name)) == 2


def test_search_is_exact_and_ties_break_by_key() -> None:
    index = UsearchIndex(4)
    vectors = np.eye(4, dtype=np.float32)
    index.add(np.arange(4, dtype=np.uint64), np.vstack([vectors[:2], vectors[:2]]))
    keys, sims = index.search(vectors[0], 4)
    assert list(keys) == [0, 2, 1, 3]
    assert np.allclose(sims, [1, 1, 0, 0], atol=1e-3)
    index.remove(np.array([0, 9], dtype=np.uint64))
    assert len(index) == 3
