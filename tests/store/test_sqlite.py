"""The SQLite store: idempotent, transactional, migrating, refusing bad files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storytrace.errors import StoreError
from storytrace.model import Article, article_id
from storytrace.store import SCHEMA_VERSION, SQLiteStore


def make_article(body: str, url: str | None = None, **kw: object) -> Article:
    return Article(id=article_id(body, url), body=body, url=url, sentences=(body,), **kw)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    article = Article(
        id=article_id("Body text.", "https://a.example/x"),
        body="Body text.\n\nSecond paragraph.",
        title="A title",
        url="https://a.example/x",
        canonical_url="https://a.example/canonical",
        site="a.example",
        author="Mira Okafor",
        published=datetime(2026, 3, 4, 9, 12, tzinfo=UTC),
        claimed_source="wire.example",
        dateline="HARROWGATE, Mar 4 (NWX)",
        end_slug="END/KT/RB/",
        sentences=("Body text.", "Second paragraph."),
        boilerplate=("Share this",),
        origin="x.html",
        source_id="doc-1",
    )
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.add_articles([article])
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        assert store.get(article.id) == article


def test_same_article_twice_is_stored_once() -> None:
    store = SQLiteStore(":memory:")
    a = make_article("One story.")
    first = store.add_articles([a, a])
    second = store.add_articles([a])
    assert first.stored == (a.id,) and first.duplicates == (a.id,)
    assert second.stored == () and second.duplicates == (a.id,)
    assert store.count() == 1


def test_same_body_on_another_site_is_another_article() -> None:
    store = SQLiteStore(":memory:")
    store.add_articles([make_article("Copied.", "https://a.example/1"),
                        make_article("Copied.", "https://b.example/9")])
    assert store.count() == 2


def test_failed_batch_leaves_store_as_it_was(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite")
    kept = make_article("Kept.")
    store.add_articles([kept])

    class Boom(Article):
        @property
        def id(self) -> str:  # type: ignore[override]
            raise RuntimeError("disk on fire")

    bad = Boom.__new__(Boom)
    with pytest.raises(RuntimeError):
        store.add_articles([make_article("New one."), bad])
    assert [a.id for a in store.iter_articles()] == [kept.id]
    assert store.integrity_check() == "ok"


def test_page_lines_count_each_page_once_and_go_with_it() -> None:
    store = SQLiteStore(":memory:")
    a, b = make_article("A."), make_article("B.")
    lines = {a.id: ("site.example", [b"\x01" * 8, b"\x02" * 8]),
             b.id: ("site.example", [b"\x01" * 8])}
    store.add_articles([a, b], lines)
    store.add_articles([a], lines)  # read again: must not count twice
    assert list(store.site_line_counts(2)) == [("site.example", b"\x01" * 8, 2)]
    assert store.delete(b.id)
    assert list(store.site_line_counts(2)) == []


def test_find_by_prefix_source_id_and_url() -> None:
    store = SQLiteStore(":memory:")
    a = make_article("Findable.", "https://a.example/f", source_id="ext-7")
    store.add_articles([a])
    assert store.find(a.id[:6]) == [a]
    assert store.find("ext-7") == [a]
    assert store.find("https://a.example/f") == [a]
    assert store.find("nothing") == []


def test_iterates_oldest_first_undated_last() -> None:
    store = SQLiteStore(":memory:")
    late = make_article("Late.", published=datetime(2026, 3, 5, tzinfo=UTC))
    early = make_article("Early.", published=datetime(2026, 3, 1, tzinfo=UTC))
    undated = make_article("Undated.")
    store.add_articles([undated, late, early])
    assert [a.body for a in store.iter_articles()] == ["Early.", "Late.", "Undated."]


def test_new_store_is_at_current_schema_in_wal(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite")
    assert store.schema_version == SCHEMA_VERSION
    mode = sqlite3.connect(tmp_path / "s.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    SQLiteStore(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"these are my notes, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"notes\.sqlite"):
        SQLiteStore(path)
    assert path.read_bytes() == before


def test_vector_index_keys_are_read_from_indexes_alone(tmp_path: Path) -> None:
    # Opening a store lists the keys its vector index should hold. That list
    # must come from index pages only: reading article and fingerprint rows
    # (bodies, vectors) took 41 s for 100k articles with a cold page cache.
    from storytrace.store.sqlite import _INDEXED_VECTORS

    with SQLiteStore(tmp_path / "s.sqlite") as store:
        query = _INDEXED_VECTORS.format(cols="a.seq")
        plan = " | ".join(r[3] for r in store._db.execute(f"EXPLAIN QUERY PLAN {query}", ("m",)))
        program = list(store._db.execute(f"EXPLAIN {query}", ("m",)))
        [(root,)] = store._db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'fingerprints'")
    assert "fingerprints_model_vector" in plan
    assert "COVERING INDEX articles_id_seq" in plan
    assert "COVERING INDEX sqlite_autoindex_story_members_1" in plan
    # The fingerprints table is opened but never read: the vector test is
    # the partial index's own condition.
    [table_cursor] = [r[2] for r in program if r[1] == "OpenRead" and r[3] == root]
    assert not [r for r in program if r[1] == "Column" and r[2] == table_cursor], plan


def test_indexed_count_follows_writes_of_this_and_other_connections(tmp_path: Path) -> None:
    # doc_freqs keeps the count of indexed articles between calls; a write
    # here, or a commit by another process, must be seen at once.
    from storytrace.model import Story, StoryMember

    def story_of(article: Article) -> Story:
        return Story(id=f"s-{article.id}", headline="", original=article.id,
                     members=(StoryMember(article.id, "original", 1.0),))

    a, b, c = (make_article(f"Body number {i}.", f"https://x.example/{i}") for i in range(3))
    path = tmp_path / "s.sqlite"
    with SQLiteStore(path) as here, SQLiteStore(path) as there:
        here.add_articles([a, b, c])
        assert here.doc_freqs([])[0] == 0
        here.save_stories([story_of(a)], indexed=[(a.id, ["body"], [])])
        assert here.doc_freqs(["body"]) == (1, {"body": 1})
        assert here.doc_freqs([])[0] == 1  # read again from the cache
        there.save_stories([story_of(b)], indexed=[(b.id, ["body"], [])])
        assert here.doc_freqs(["body"]) == (2, {"body": 2})
        here.save_stories([story_of(c)], indexed=[(c.id, [], [])])
        assert there.doc_freqs([])[0] == here.doc_freqs([])[0] == 3


def test_vectors_are_fetched_by_seq_not_by_scanning_the_stories(tmp_path: Path) -> None:
    # Adding vectors to the index looks each article up by seq; a scan of
    # every story member per chunk made building a 100k index take minutes.
    from storytrace.store.sqlite import _VECTORS_BY_SEQ

    with SQLiteStore(tmp_path / "s.sqlite") as store:
        query = _VECTORS_BY_SEQ.format(marks="?,?")
        plan = [r[3] for r in store._db.execute(f"EXPLAIN QUERY PLAN {query}", ("m", 1, 2))]
    # The outer loop runs over the seqs asked for, not over every vector of
    # the model (what the plan of _INDEXED_VECTORS plus a seq filter does).
    assert plan[0] == "SEARCH a USING INDEX articles_seq (seq=?)", plan
    assert not [step for step in plan if step.startswith("SCAN")], plan
