"""SQLite store: one file, WAL journal, versioned schema with migrations.

Why SQLite: it is embedded (no server on a laptop), crash-safe with WAL, and
lets several readers and one writer share a file, which is what ``ingest``
next to ``serve`` needs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from storytrace.errors import StoreError
from storytrace.fingerprint import Fingerprint, band_keys
from storytrace.model import Article, Story, StoryMember
from storytrace.store.base import AddResult
from storytrace.store.codec import (
    FINGERPRINT_COLUMNS,
    fingerprint_row,
    json_texts,
    row_fingerprint,
    sentence_vectors_blob,
    texts_json,
)
from storytrace.store.vectors import UsearchIndex, VectorIndex

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore", "open_store"]

# How long opening a store waits for other processes' locks, in seconds.
OPEN_TIMEOUT_S = 30.0

# Each entry moves the schema from version i to i + 1. Never edit a released
# entry: add a new one, so every existing store can be brought forward.
MIGRATIONS: tuple[str, ...] = (
    # 1: articles and the per-page line hashes that cross-page boilerplate
    # detection counts (a row per page, so a page ingested twice counts once
    # and deleting a page takes its lines with it). page_lines is a rowid
    # table on purpose: SQLite 3.40's integrity_check wrongly reports the
    # empty site key ("" = unknown site) as NULL in a WITHOUT ROWID table.
    """
    CREATE TABLE articles (
        id              TEXT PRIMARY KEY,
        source_id       TEXT,
        origin          TEXT NOT NULL,
        url             TEXT,
        canonical_url   TEXT,
        site            TEXT,
        title           TEXT,
        author          TEXT,
        published       TEXT,
        claimed_source  TEXT,
        dateline        TEXT,
        end_slug        TEXT,
        body            TEXT NOT NULL,
        sentences       TEXT NOT NULL,
        boilerplate     TEXT NOT NULL,
        ingested_at     TEXT NOT NULL,
        seq             INTEGER NOT NULL
    );
    CREATE INDEX articles_source_id ON articles(source_id);
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_published ON articles(published);
    CREATE UNIQUE INDEX articles_seq ON articles(seq);
    CREATE TABLE page_lines (
        article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        site        TEXT NOT NULL,
        line_hash   BLOB NOT NULL,
        PRIMARY KEY (article_id, line_hash)
    );
    CREATE INDEX page_lines_site ON page_lines(site, line_hash);
    CREATE TABLE failures (
        origin      TEXT NOT NULL,
        reason      TEXT NOT NULL,
        at          TEXT NOT NULL
    );
    """,
    # 2: fingerprints (one row per article and embedder) and the MinHash LSH
    # band index. Band keys are unsigned 64-bit; they are stored as the
    # signed integer with the same bits (SQLite integers are signed).
    """
    CREATE TABLE fingerprints (
        article_id          TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        model               TEXT NOT NULL,
        body_sha256         TEXT NOT NULL,
        minhash             BLOB NOT NULL,
        shingles3           BLOB NOT NULL,
        shingles5           BLOB NOT NULL,
        embedding           BLOB,
        sentence_embeddings BLOB,
        sentences           TEXT NOT NULL,
        facts               TEXT NOT NULL
    );
    CREATE INDEX fingerprints_sha ON fingerprints(body_sha256);
    CREATE TABLE lsh_bands (
        band_key    INTEGER NOT NULL,
        article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
    );
    CREATE INDEX lsh_bands_key ON lsh_bands(band_key);
    CREATE INDEX lsh_bands_article ON lsh_bands(article_id);
    """,
    # 3: stories. An article is "indexed" once its terms are counted into
    # term_df and its linking terms (names, numbers) are in article_terms;
    # that happens in the same transaction that puts it into a story, so a
    # crash never counts an article twice. story_events says why stories
    # were made, joined and merged.
    """
    CREATE TABLE term_df (
        term    TEXT PRIMARY KEY,
        df      INTEGER NOT NULL
    );
    CREATE TABLE article_terms (
        term        TEXT NOT NULL,
        article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
    );
    CREATE INDEX article_terms_term ON article_terms(term);
    CREATE INDEX article_terms_article ON article_terms(article_id);
    CREATE TABLE stories (
        id                  TEXT PRIMARY KEY,
        headline            TEXT NOT NULL,
        original            TEXT NOT NULL,
        claimed_original    TEXT,
        updated_at          TEXT NOT NULL
    );
    CREATE TABLE story_members (
        article_id  TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id    TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        relation    TEXT NOT NULL,
        score       REAL NOT NULL
    );
    CREATE INDEX story_members_story ON story_members(story_id, position);
    CREATE TABLE story_events (
        at          TEXT NOT NULL,
        story_id    TEXT NOT NULL,
        kind        TEXT NOT NULL,
        article_id  TEXT,
        other_story TEXT,
        reason      TEXT NOT NULL
    );
    CREATE INDEX story_events_story ON story_events(story_id);
    """,
    # 4: signatures became one-permutation MinHash and shingle hashes 32-bit
    # arrays. Fingerprints are derived data: dropped here, they are made
    # again from the stored articles on the next update (index_store).
    """
    DELETE FROM lsh_bands;
    DELETE FROM fingerprints;
    """,
    # 5: opening the vector index lists the keys it should hold (the seq of
    # every article in a story with a vector). Without these indexes that
    # read a fingerprint row and an article row per article, bodies and
    # vectors and all: 41 s for 100k articles with a cold page cache. With
    # them it reads index pages only.
    """
    CREATE INDEX fingerprints_model_vector ON fingerprints(model, article_id)
        WHERE embedding IS NOT NULL;
    CREATE INDEX articles_id_seq ON articles(id, seq);
    """,
    # 6: lists of sentences may hold [start, end] spans of the body instead
    # of text (store.codec.texts_json), a third of a stored article. Older
    # rows are read as they are, so nothing is rewritten; the version only
    # keeps older storytrace, which would read spans as text, out.
    "",
)
SCHEMA_VERSION = len(MIGRATIONS)

# The articles the vector index holds: those in stories, with a vector for the model.
_INDEXED_VECTORS = (
    # INDEXED BY: the planner would pick the unique index on id and then read
    # each article's row for its seq; (id, seq) answers from the index alone.
    "SELECT {cols} FROM story_members m "
    "JOIN articles a INDEXED BY articles_id_seq ON a.id = m.article_id "
    "JOIN fingerprints f ON f.article_id = m.article_id "
    "WHERE f.model = ? AND f.embedding IS NOT NULL"
)

# The fingerprint columns read beside the article's body (both tables have "sentences").
_FINGERPRINT_COLUMNS_F = ", ".join(f"f.{c.strip()}" for c in FINGERPRINT_COLUMNS.split(","))

# The vectors of given articles in stories, found by seq. Not _INDEXED_VECTORS
# with a seq filter: its plan loops over every vector of the model for each
# chunk of 500 seqs, so building an index was quadratic (14.95 s for 10k
# articles; 1.97 s this way).
_VECTORS_BY_SEQ = (
    "SELECT a.seq, f.embedding FROM articles a INDEXED BY articles_seq "
    "JOIN fingerprints f ON f.article_id = a.id "
    "WHERE f.model = ? AND f.embedding IS NOT NULL AND a.seq IN ({marks}) "
    "AND EXISTS (SELECT 1 FROM story_members m WHERE m.article_id = a.id)"
)

_ARTICLE_COLUMNS = (
    "id, source_id, origin, url, canonical_url, site, title, author, published, "
    "claimed_source, dateline, end_slug, body, sentences, boilerplate"
)


def _chunks(values: Sequence[str], size: int = 500) -> Iterator[tuple[list[str], str]]:
    """``values`` in slices small enough for one ``IN (?, ...)`` query, with their marks."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield chunk, ",".join("?" * len(chunk))


def _signed(key: int) -> int:
    """The signed 64-bit integer with the bits of an unsigned band key."""
    return key - (1 << 64) if key >= 1 << 63 else key


def open_store(path: str | Path) -> SQLiteStore:
    """Open (creating or migrating as needed) the store at ``path``."""
    return SQLiteStore(path)


class SQLiteStore:
    """The default :class:`~storytrace.store.Store`.

    Args:
        path: the database file (created with its folder if missing), or
            ``":memory:"`` for a store that lives only as long as the object.

    Raises:
        StoreError: the file is not a storytrace store, is corrupt, or was
            written by a newer storytrace.

    Example:
        >>> store = SQLiteStore(":memory:")
        >>> store.count()
        0
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._vectors: dict[str, UsearchIndex] = {}
        self._changed: set[str] = set()  # models whose index differs from its file
        # (data_version, total_changes) when the indexed-article count was read.
        self._indexed_count: tuple[tuple[int, int], int] | None = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves so a
            # batch is exactly one transaction.
            # check_same_thread=False: the web app opens a store for a request
            # and FastAPI may run the opening, the route and the closing in
            # different worker threads, one after another. A store is still
            # never used by two threads at once.
            self._db = sqlite3.connect(
                self.path, isolation_level=None, timeout=OPEN_TIMEOUT_S, check_same_thread=False
            )
            deadline = time.monotonic() + OPEN_TIMEOUT_S
            while True:
                try:
                    self._prepare()
                    break
                except sqlite3.OperationalError as exc:
                    # Switching a new file to WAL while another process does
                    # the same fails at once with "locked": SQLite does not
                    # wait on its busy timeout for that step. Try again.
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable storytrace store ({exc})") from exc

    # -- schema ---------------------------------------------------------------

    def _prepare(self) -> None:
        """Connection settings and migrations; safe to repeat."""
        self._db.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode never corrupts the file and loses no
            # committed transaction when the process dies; only a power
            # cut can drop the last commits.
            self._db.execute("PRAGMA synchronous = NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema version {version} is newer than this "
                f"storytrace understands ({SCHEMA_VERSION}); upgrade storytrace"
            )
        while version < SCHEMA_VERSION:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Read again under the write lock: another process opening the
                # same new store may have migrated it while this one waited.
                version = self._db.execute("PRAGMA user_version").fetchone()[0]
                if version < SCHEMA_VERSION:
                    for statement in _split_sql(MIGRATIONS[version]):
                        self._db.execute(statement)
                    version += 1
                    self._db.execute(f"PRAGMA user_version = {version}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- writing --------------------------------------------------------------

    def add_articles(
        self,
        articles: Sequence[Article],
        page_lines: Mapping[str, tuple[str, Sequence[bytes]]] | None = None,
    ) -> AddResult:
        """Store a batch in one transaction (see :meth:`Store.add_articles`).

        ``page_lines`` maps an article id to ``(site, line hashes)`` of the
        page it came from; rows are written only for articles stored now.
        """
        stored: list[str] = []
        duplicates: list[str] = []
        now = datetime.now(UTC).isoformat(timespec="seconds")
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
            for article in articles:
                seq += 1
                cursor = db.execute(
                    f"INSERT OR IGNORE INTO articles ({_ARTICLE_COLUMNS}, ingested_at, seq) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*_article_row(article), now, seq),
                )
                if cursor.rowcount == 0:
                    seq -= 1
                    duplicates.append(article.id)
                    continue
                stored.append(article.id)
                if page_lines and article.id in page_lines:
                    site, hashes = page_lines[article.id]
                    db.executemany(
                        "INSERT OR IGNORE INTO page_lines (article_id, site, line_hash) "
                        "VALUES (?, ?, ?)",
                        [(article.id, site, h) for h in hashes],
                    )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return AddResult(stored=tuple(stored), duplicates=tuple(duplicates))

    def put_fingerprints(self, fingerprints: Sequence[Fingerprint], model: str) -> None:
        """Store fingerprints (replacing older ones) and their LSH bands, in one transaction.

        ``model`` names the embedder that made the vectors, so vectors of two
        models are never compared. Fingerprints of articles not in the store
        are skipped.
        """
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for fp in fingerprints:
                found = db.execute(
                    "SELECT body FROM articles WHERE id = ?", (fp.article_id,)
                ).fetchone()
                if found:
                    db.execute(
                        f"INSERT OR REPLACE INTO fingerprints ({FINGERPRINT_COLUMNS}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        fingerprint_row(fp, model, found[0]),
                    )
                    db.execute("DELETE FROM lsh_bands WHERE article_id = ?", (fp.article_id,))
                    if len(fp.shingles5):
                        db.executemany(
                            "INSERT INTO lsh_bands (band_key, article_id) VALUES (?, ?)",
                            [(_signed(k), fp.article_id) for k in set(band_keys(fp.minhash))],
                        )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def put_sentence_vectors(self, fingerprints: Sequence[Fingerprint], model: str) -> None:
        """Store the sentence vectors of fingerprints already stored (made later, on demand).

        Only the sentence vectors column changes; fingerprints that are not
        stored for ``model``, or that carry no sentence vectors, are skipped.
        """
        rows = [(blob, fp.article_id, model) for fp in fingerprints
                if (blob := sentence_vectors_blob(fp)) is not None]
        if not rows:
            return
        with self._transaction() as db:
            db.executemany(
                "UPDATE fingerprints SET sentence_embeddings = ? "
                "WHERE article_id = ? AND model = ?",
                rows,
            )

    def get_fingerprints(self, ids: Sequence[str], model: str) -> dict[str, Fingerprint]:
        """The stored fingerprints of ``ids`` made with ``model`` (others are absent)."""
        out: dict[str, Fingerprint] = {}
        for chunk, marks in _chunks(ids):
            rows = self._db.execute(
                f"SELECT {_FINGERPRINT_COLUMNS_F}, a.body FROM fingerprints f "
                "JOIN articles a ON a.id = f.article_id "
                f"WHERE f.model = ? AND f.article_id IN ({marks})",
                (model, *chunk),
            )
            for *row, body in rows:
                try:
                    out[row[0]] = row_fingerprint(tuple(row), body)
                except ValueError as exc:
                    raise StoreError(f"{self.path}: fingerprint of {row[0]}: {exc}") from exc
        return out

    def unfingerprinted(self, model: str) -> list[str]:
        """Ids of stored articles with no fingerprint made with ``model``, in ingest order."""
        return [
            row[0]
            for row in self._db.execute(
                "SELECT id FROM articles WHERE id NOT IN "
                "(SELECT article_id FROM fingerprints WHERE model = ?) ORDER BY seq",
                (model,),
            )
        ]

    # -- the vector index -------------------------------------------------------

    def _vector_file(self, model: str) -> Path | None:
        if self.path == ":memory:":
            return None
        slug = hashlib.sha256(model.encode("utf-8")).hexdigest()[:12]
        return Path(f"{self.path}.vectors-{slug}.usearch")

    def vector_index(self, model: str) -> VectorIndex | None:
        """The index of the document vectors of the articles in stories, for ``model``.

        Opened on first use: loaded from the file beside the database when
        there is one, then reconciled with the database (vectors of articles
        indexed since the last save are added, those of deleted articles
        removed), so the file is only ever a cache. ``None`` while no
        article has a vector for ``model``. Keys are the articles' ``seq``.
        """
        if model in self._vectors:
            return self._vectors[model]
        row = self._db.execute(
            "SELECT embedding FROM fingerprints WHERE model = ? AND embedding IS NOT NULL LIMIT 1",
            (model,),
        ).fetchone()
        if row is None:
            return None
        index = UsearchIndex(len(row[0]) // 4, self._vector_file(model))
        wanted = np.fromiter(
            (seq for (seq,) in self._db.execute(_INDEXED_VECTORS.format(cols="a.seq"), (model,))),
            dtype=np.uint64,
        )
        held = index.keys()
        stale, missing = np.setdiff1d(held, wanted), np.setdiff1d(wanted, held)
        index.remove(stale)
        self._add_vectors(index, model, missing)
        if len(stale) or len(missing):
            self._changed.add(model)
        self._vectors[model] = index
        return index

    def _add_vectors(self, index: VectorIndex, model: str, seqs: np.ndarray) -> None:
        for start in range(0, len(seqs), 500):
            chunk = [int(x) for x in seqs[start : start + 500]]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(_VECTORS_BY_SEQ.format(marks=marks), (model, *chunk)).fetchall()
            if rows:
                index.add(
                    np.array([r[0] for r in rows], dtype=np.uint64),
                    np.vstack([np.frombuffer(r[1], dtype="<f4") for r in rows]),
                )

    def _index_articles(self, article_ids: Sequence[str]) -> None:
        """Add the vectors of articles that just joined stories to every open index."""
        if not self._vectors or not article_ids:
            return
        seqs: list[int] = []
        for chunk, marks in _chunks(list(article_ids)):
            seqs += [r[0] for r in self._db.execute(
                f"SELECT seq FROM articles WHERE id IN ({marks})", chunk)]
        for model, index in self._vectors.items():
            self._add_vectors(index, model, np.array(seqs, dtype=np.uint64))
            self._changed.add(model)

    def nearest_indexed(
        self, model: str, vector: np.ndarray | None, k: int, floor: float
    ) -> set[str]:
        """Ids of the ``k`` articles in stories whose ``model`` vectors are nearest ``vector``.

        Only neighbours with cosine >= ``floor`` are returned.
        """
        index = self.vector_index(model) if vector is not None else None
        if index is None or vector is None:
            return set()
        keys, sims = index.search(vector, k)
        seqs = [int(x) for x in keys[sims >= floor]]
        if not seqs:
            return set()
        marks = ",".join("?" * len(seqs))
        return {r[0] for r in self._db.execute(
            f"SELECT id FROM articles WHERE seq IN ({marks})", seqs)}

    def save_indexes(self) -> None:
        """Write the open vector indexes beside the database (a cache; see :meth:`vector_index`)."""
        for model in sorted(self._changed):
            path = self._vector_file(model)
            if path is not None:
                self._vectors[model].save(path)
        self._changed.clear()

    def _reset_indexes(self) -> None:
        for model, index in list(self._vectors.items()):
            self._vectors[model] = UsearchIndex(index.dim)
            self._changed.add(model)

    def band_neighbours(self, keys: Sequence[int], max_bucket: int = 50) -> set[str]:
        """Articles sharing at least one LSH band key; buckets over ``max_bucket`` skipped."""
        found: set[str] = set()
        for key in set(keys):
            members = self._db.execute(
                "SELECT article_id FROM lsh_bands WHERE band_key = ? LIMIT ?",
                (_signed(key), max_bucket + 1),
            ).fetchall()
            if len(members) <= max_bucket:
                found.update(m[0] for m in members)
        return found

    # -- stories --------------------------------------------------------------

    def doc_freqs(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """How many articles are indexed, and in how many of them each term occurs."""
        n = self._count_indexed()
        wanted = list(set(terms))
        found: dict[str, int] = {}
        for chunk, marks in _chunks(wanted):
            found.update(
                self._db.execute(f"SELECT term, df FROM term_df WHERE term IN ({marks})", chunk)
            )
        return n, found

    def _count_indexed(self) -> int:
        """How many articles are in stories, counted again only when the store changed.

        COUNT(*) walks an index of every member: 11 ms at 1M articles, twice
        per match. ``PRAGMA data_version`` moves when another connection
        commits and ``total_changes`` when this one writes, so an unchanged
        pair means the count read before still holds.
        """
        state = (
            int(self._db.execute("PRAGMA data_version").fetchone()[0]),
            self._db.total_changes,
        )
        if self._indexed_count is None or self._indexed_count[0] != state:
            n = int(self._db.execute("SELECT COUNT(*) FROM story_members").fetchone()[0])
            self._indexed_count = (state, n)
        return self._indexed_count[1]

    def term_neighbours(self, terms: Iterable[str], max_bucket: int = 50) -> dict[str, int]:
        """Indexed articles sharing linking terms: id -> how many (oversized buckets skipped)."""
        shared: dict[str, int] = {}
        for term in set(terms):
            rows = self._db.execute(
                "SELECT article_id FROM article_terms WHERE term = ? LIMIT ?",
                (term, max_bucket + 1),
            ).fetchall()
            if len(rows) <= max_bucket:
                for (article_id,) in rows:
                    shared[article_id] = shared.get(article_id, 0) + 1
        return shared

    def unassigned(self) -> list[str]:
        """Stored articles in no story yet, oldest publication first (undated last)."""
        return [
            row[0]
            for row in self._db.execute(
                "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM story_members) "
                "ORDER BY published IS NULL, published, seq"
            )
        ]

    def story_ids_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """The story of each given article that is in one."""
        wanted = list(set(article_ids))
        out: dict[str, str] = {}
        for chunk, marks in _chunks(wanted):
            out.update(
                self._db.execute(
                    "SELECT article_id, story_id FROM story_members "
                    f"WHERE article_id IN ({marks})",
                    chunk,
                )
            )
        return out

    def get_story(self, story_id: str) -> Story | None:
        """One story with its members (the original first), or ``None``."""
        row = self._db.execute(
            "SELECT id, headline, original, claimed_original FROM stories WHERE id = ?",
            (story_id,),
        ).fetchone()
        if row is None:
            return None
        members = tuple(
            StoryMember(
                article_id=aid, relation=rel, score=score, site=_opt(site), title=_opt(title),
                published=datetime.fromisoformat(published) if published else None,
            )
            for aid, rel, score, site, title, published in self._db.execute(
                "SELECT m.article_id, m.relation, m.score, a.site, a.title, a.published "
                "FROM story_members m JOIN articles a ON a.id = m.article_id "
                "WHERE m.story_id = ? ORDER BY m.position",
                (story_id,),
            )
        )
        return Story(id=row[0], headline=row[1], original=row[2], members=members,
                     claimed_original=row[3])

    def find_stories(self, ref: str) -> list[str]:
        """Ids of the stories named by ``ref``: a story id, or a prefix of one."""
        return [
            row[0]
            for row in self._db.execute(
                "SELECT id FROM stories WHERE id = ? OR id LIKE ? ORDER BY id LIMIT 10",
                (ref, ref.replace("%", "").replace("_", "") + "%"),
            )
        ]

    def iter_stories(self) -> Iterator[Story]:
        """Every story, most versions first, then newest first."""
        ids = [
            row[0]
            for row in self._db.execute(
                "SELECT s.id FROM stories s JOIN story_members m ON m.story_id = s.id "
                "GROUP BY s.id ORDER BY COUNT(*) DESC, MAX(m.position) DESC, s.id"
            )
        ]
        for story_id in ids:
            story = self.get_story(story_id)
            if story is not None:
                yield story

    def story_events(self, story_id: str) -> list[tuple[str, str, str | None, str | None, str]]:
        """Why the story is as it is: (at, kind, article, other story, reason), oldest first."""
        return list(
            self._db.execute(
                "SELECT at, kind, article_id, other_story, reason FROM story_events "
                "WHERE story_id = ? ORDER BY rowid",
                (story_id,),
            )
        )

    def save_stories(
        self,
        stories: Sequence[Story],
        *,
        removed: Sequence[str] = (),
        events: Sequence[tuple[str, str, str | None, str | None, str]] = (),
        indexed: Sequence[tuple[str, Iterable[str], Iterable[str]]] = (),
    ) -> None:
        """Write stories, drop ``removed`` ones, log ``events``, index articles: one transaction.

        Args:
            stories: stories to write whole (members replaced).
            removed: ids of stories that no longer exist (merged away, emptied).
            events: ``(story, kind, article, other story, reason)`` rows.
            indexed: ``(article id, its terms, its linking terms)`` of articles
                joining a story now: their terms are counted into the
                document frequencies and their linking terms indexed.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction() as db:
            for story_id in removed:
                db.execute("DELETE FROM story_members WHERE story_id = ?", (story_id,))
                db.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            for story in stories:
                db.execute("DELETE FROM story_members WHERE story_id = ?", (story.id,))
                db.execute(
                    "INSERT OR REPLACE INTO stories "
                    "(id, headline, original, claimed_original, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (story.id, story.headline, story.original, story.claimed_original, now),
                )
                db.executemany(
                    "INSERT OR REPLACE INTO story_members "
                    "(article_id, story_id, position, relation, score) VALUES (?, ?, ?, ?, ?)",
                    [
                        (m.article_id, story.id, i, m.relation, m.score)
                        for i, m in enumerate(story.members)
                    ],
                )
            # One upsert per distinct term of the batch, not per article and term.
            df = Counter(t for _, terms, _ in indexed for t in set(terms))
            db.executemany(
                "INSERT INTO term_df (term, df) VALUES (?, ?) "
                "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                df.items(),
            )
            for article_id, _, link_terms in indexed:
                db.executemany(
                    "INSERT INTO article_terms (term, article_id) VALUES (?, ?)",
                    [(t, article_id) for t in set(link_terms)],
                )
            db.executemany(
                "INSERT INTO story_events (at, story_id, kind, article_id, other_story, reason) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(now, *event) for event in events],
            )
        self._index_articles([article_id for article_id, _, _ in indexed])

    def forget_terms(self, terms: Iterable[str]) -> None:
        """Take one article's terms back out of the document frequencies (before deleting it)."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE term_df SET df = df - 1 WHERE term = ?", [(t,) for t in set(terms)]
            )
            db.execute("DELETE FROM term_df WHERE df <= 0")

    def clear_fingerprints(self) -> None:
        """Drop every fingerprint and LSH band (``reindex`` recomputes them)."""
        with self._transaction() as db:
            db.execute("DELETE FROM lsh_bands")
            db.execute("DELETE FROM fingerprints")
        self._reset_indexes()

    def clear_stories(self) -> None:
        """Drop every story, event and term count (``recluster`` rebuilds them)."""
        with self._transaction() as db:
            for table in ("story_members", "stories", "story_events", "term_df", "article_terms"):
                db.execute(f"DELETE FROM {table}")
        self._reset_indexes()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def record_failures(self, failures: Sequence[tuple[str, str]]) -> None:
        """Keep a log of inputs that failed, so ``storytrace failures`` can list them."""
        if not failures:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT INTO failures (origin, reason, at) VALUES (?, ?, ?)",
                [(origin, reason, now) for origin, reason in failures],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def delete(self, article_id: str) -> bool:
        """Remove one article and its page lines; ``True`` if it was there."""
        db = self._db
        row = db.execute("SELECT seq FROM articles WHERE id = ?", (article_id,)).fetchone()
        db.execute("BEGIN IMMEDIATE")
        try:
            cursor = db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if row is not None:
            for model, index in self._vectors.items():
                index.remove(np.array([row[0]], dtype=np.uint64))
                self._changed.add(model)
        return cursor.rowcount > 0

    # -- reading --------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or ``None``."""
        row = self._db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return _row_article(row) if row else None

    def find(self, ref: str) -> list[Article]:
        """Articles named by ``ref``: id, unique id prefix (>= 4 hex), source id or URL."""
        article = self.get(ref)
        if article is not None:
            return [article]
        rows = self._db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE source_id = ? OR url = ? "
            "OR canonical_url = ? ORDER BY seq",
            (ref, ref, ref),
        ).fetchall()
        if not rows and len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref):
            rows = self._db.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id LIKE ? ORDER BY seq",
                (ref + "%",),
            ).fetchall()
        return [_row_article(row) for row in rows]

    def iter_articles(self) -> Iterator[Article]:
        """Every article, oldest publication first, undated ones last in ingest order."""
        cursor = self._db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles "
            "ORDER BY published IS NULL, published, seq"
        )
        for row in cursor:
            yield _row_article(row)

    def count(self) -> int:
        """How many articles are stored."""
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def stored_pages(self, site: str, hashes: Sequence[bytes], probe: bytes) -> tuple[str, ...]:
        """The ids of the stored articles read from a page of ``site`` with exactly the
        lines ``hashes`` (as :func:`~storytrace.normalize.page_lines` gives them).

        ``probe``, one of ``hashes``, finds the candidates: the rarer it is
        on the site (a story key: only copies of the page's story share it),
        the fewer pages are compared whole.
        """
        distinct = set(hashes)
        same = []
        for (holder,) in self._db.execute(
            "SELECT article_id FROM page_lines WHERE site = ? AND line_hash = ?", (site, probe)
        ).fetchall():
            theirs = self._db.execute(
                "SELECT line_hash FROM page_lines WHERE article_id = ?", (holder,)
            )
            if {bytes(h) for (h,) in theirs} == distinct:
                same.append(holder)
        return tuple(same)

    def page_line_counts(self, site: str, hashes: Sequence[bytes]) -> dict[bytes, int]:
        """On how many stored pages of ``site`` each of ``hashes`` occurs (absent: none).

        Each count reads one index entry per page: ask for lines known to be
        rare (a site's menu line is on every page of the site).
        """
        counts: dict[bytes, int] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for digest, pages in self._db.execute(
                f"SELECT line_hash, COUNT(*) FROM page_lines WHERE site = ? "
                f"AND line_hash IN ({marks}) GROUP BY line_hash",
                (site, *chunk),
            ):
                counts[bytes(digest)] = int(pages)
        return counts

    def site_line_counts(self, min_pages: int = 2) -> Iterator[tuple[str, bytes, int]]:
        """(site, line hash, pages) for lines seen on at least ``min_pages`` pages of a site."""
        yield from self._db.execute(
            "SELECT site, line_hash, COUNT(*) FROM page_lines "
            "GROUP BY site, line_hash HAVING COUNT(*) >= ?",
            (min_pages,),
        )

    def failures(self) -> list[tuple[str, str, str]]:
        """Logged failures: (origin, reason, when)."""
        return list(self._db.execute("SELECT origin, reason, at FROM failures ORDER BY rowid"))

    def integrity_check(self) -> str:
        """SQLite's own integrity check: ``"ok"`` when the file is sound."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Save the open vector indexes, checkpoint and close the file."""
        try:
            self.save_indexes()
        finally:
            self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _split_sql(script: str) -> list[str]:
    # Migrations hold no string literals with ';', so a plain split is safe
    # and lets each statement run inside our own transaction (executescript
    # would commit implicitly).
    return [s.strip() for s in script.split(";") if s.strip()]


def _article_row(a: Article) -> tuple[object, ...]:
    return (
        a.id,
        a.source_id,
        a.origin,
        a.url,
        a.canonical_url,
        a.site,
        a.title,
        a.author,
        a.published.isoformat() if a.published else None,
        a.claimed_source,
        a.dateline,
        a.end_slug,
        a.body,
        texts_json(a.sentences, a.body),
        json.dumps(list(a.boilerplate), ensure_ascii=False),
    )


def _row_article(row: Sequence[object]) -> Article:
    (id_, source_id, origin, url, canonical_url, site, title, author, published,
     claimed_source, dateline, end_slug, body, sentences, boilerplate) = row
    try:
        sentence_list = json_texts(str(sentences), str(body))
    except ValueError as exc:
        raise StoreError(f"article {id_}: {exc}") from exc
    return Article(
        id=str(id_),
        body=str(body),
        title=_opt(title),
        url=_opt(url),
        canonical_url=_opt(canonical_url),
        site=_opt(site),
        author=_opt(author),
        published=datetime.fromisoformat(str(published)) if published else None,
        claimed_source=_opt(claimed_source),
        dateline=_opt(dateline),
        end_slug=_opt(end_slug),
        sentences=sentence_list,
        boilerplate=tuple(json.loads(str(boilerplate))),
        origin=str(origin),
        source_id=_opt(source_id),
    )


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
