"""The one place where the stages are put together.

ingest → normalize → store, in batches. Later stages (fingerprint, match,
cluster, provenance, diff) hang off the same batches. The faces (CLI, HTTP,
reports) call these functions and nothing below them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from storytrace.assign import CACHE_ARTICLES, AssignReport, StoryAssigner, match_stored
from storytrace.config import Settings
from storytrace.diff import diff_fingerprints
from storytrace.errors import InputError
from storytrace.fingerprint import (
    Embedder,
    Fingerprint,
    fingerprint_many,
    with_sentence_vectors,
)
from storytrace.ingest import iter_documents
from storytrace.model import Article, Derivation, Diff, Failure, RawDocument, Story
from storytrace.neighbourhood import Neighbourhoods
from storytrace.normalize import SiteBoilerplate, normalize_batch, page_lines
from storytrace.provenance import version_roles
from storytrace.store import SQLiteStore
from storytrace.verify import Match

__all__ = [
    "GRAPH_VERSIONS",
    "AssignReport",
    "IngestReport",
    "ScanResult",
    "StoryView",
    "derivation_graphs",
    "find_stories",
    "fingerprints_for",
    "index_store",
    "ingest",
    "ingest_documents",
    "load_article",
    "match_article",
    "read_articles",
    "recluster",
    "remove_article",
    "scan",
    "story_view",
    "update_stories",
]

# Articles normalized and committed together. Large enough that SQLite's
# per-transaction cost vanishes, small enough that a crash loses little and
# cross-page boilerplate evidence from one batch helps the next.
BATCH_SIZE = 256


@dataclass(slots=True)
class IngestReport:
    """What an ingest run did: counts, and each failure with its reason."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    failures: list[Failure] = field(default_factory=list)
    stored_ids: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """How many inputs (files, records, URLs) could not be read."""
        return len(self.failures)


def read_articles(
    inputs: Iterable[str],
    settings: Settings | None = None,
    *,
    pattern: str | None = None,
) -> Iterator[Article | Failure]:
    """Read and normalize inputs without storing them.

    Cross-page boilerplate evidence is gathered over each batch of the
    stream, so pages of one site read together clean each other.

    Args:
        inputs: paths, directories, http(s) URLs, or ``"-"`` for stdin.
        settings: size caps, URL policy, field names.
        pattern: glob applied to files found inside directories.

    Yields:
        an :class:`Article` per document, or a :class:`Failure` naming an
        input that could not be read and why.
    """
    settings = settings or Settings()
    site_lines = SiteBoilerplate()
    for batch in _batches(iter_documents(inputs, settings, pattern=pattern)):
        yield from _normalize(batch, site_lines, settings.extract_timeout)


def ingest(
    inputs: Iterable[str],
    store: SQLiteStore,
    settings: Settings | None = None,
    *,
    pattern: str | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Read, normalize and store articles; one transaction per batch.

    The same article read twice is stored once (its id is a content hash).
    A failing input is reported and skipped; nothing already stored is
    touched by it.

    Args:
        inputs: paths, directories, http(s) URLs, or ``"-"`` for stdin.
        store: where articles go.
        settings: size caps, URL policy, field names.
        pattern: glob applied to files found inside directories.
        on_progress: called with the running report after every batch.

    Returns:
        the counts of read, stored, duplicate and failed inputs.
    """
    settings = settings or Settings()
    items = iter_documents(inputs, settings, pattern=pattern)
    return _store_items(items, store, on_progress, settings.extract_timeout)


def ingest_documents(
    documents: Iterable[RawDocument],
    urls: Iterable[str],
    store: SQLiteStore,
    settings: Settings | None = None,
) -> IngestReport:
    """Store documents already in memory (an HTTP request's), and fetch and store URLs."""
    settings = settings or Settings()
    items = itertools.chain(documents, iter_documents(list(urls), settings))
    return _store_items(items, store, None, settings.extract_timeout)


def _store_items(
    items: Iterable[RawDocument | Failure],
    store: SQLiteStore,
    on_progress: Callable[[IngestReport], None] | None,
    time_limit: float | None,
) -> IngestReport:
    report = IngestReport()
    site_lines = SiteBoilerplate.from_rows(store.site_line_counts())
    for batch in _batches(iter(items)):
        raws = [d for d in batch if isinstance(d, RawDocument)]
        lines_of = {id(raw): page_lines(raw, time_limit) for raw in raws}
        unread = _unread_pages(raws, lines_of, store, site_lines)
        report.duplicates += len(raws) - len(unread)  # read before, from the same place
        raws = unread
        articles: list[Article] = []
        page_lines_by_id: dict[str, tuple[str, list[bytes]]] = {}
        normalized = normalize_batch(raws, site_lines, time_limit=time_limit)
        for raw, item in zip(raws, normalized, strict=True):
            if isinstance(item, Failure):
                report.failures.append(item)
            else:
                articles.append(item)
                page_lines_by_id[item.id] = lines_of[id(raw)]
        report.failures.extend(d for d in batch if isinstance(d, Failure))
        report.read += len(batch)
        if articles:
            result = store.add_articles(articles, page_lines_by_id)
            report.stored += len(result.stored)
            report.duplicates += len(result.duplicates)
            report.stored_ids.extend(result.stored)
        if on_progress is not None:
            on_progress(report)
    store.record_failures([(f.origin, f.reason) for f in report.failures])
    return report


def _unread_pages(
    raws: list[RawDocument],
    lines_of: dict[int, tuple[str, list[bytes]]],
    store: SQLiteStore,
    site_lines: SiteBoilerplate,
) -> list[RawDocument]:
    """The pages of ``raws`` not stored before from the same place; ``site_lines``
    made ready for them.

    A page read again from where it was read before (the same URL, or the
    same file and record) is the article stored then, whatever the site's
    boilerplate has become since: normalized again, a footer that turned
    boilerplate on a third page would give it a new body and a new id, and
    the same page would be stored twice. The counts of the lines of every
    page at hand are made exact (the store keeps lines of one page out of
    the counts it rebuilds), and a page stored before is not counted again.
    """
    unread = []
    for raw in raws:
        site, hashes = lines_of[id(raw)]
        if not hashes:  # nothing to read: normalizing names the fault
            unread.append(raw)
            continue
        # Lines missing from the counts are on one stored page at most: cheap
        # to count exactly (a count reads an index entry per page).
        missing = [h for h in hashes if not site_lines.pages_with(site, h)]
        site_lines.know(site, store.page_line_counts(site, missing))
        rarest = min(hashes, key=lambda h: site_lines.pages_with(site, h))
        holders: tuple[str, ...] = ()
        if site_lines.pages_with(site, rarest):  # else no stored page has it: a new page
            holders = store.stored_pages(site, hashes, rarest)
        if holders:
            site_lines.counted(site, hashes)
        if not any(_same_place(raw, store.get(x)) for x in holders):
            unread.append(raw)
    return unread


def _same_place(raw: RawDocument, article: Article | None) -> bool:
    """Whether ``article`` was read from where ``raw`` comes from."""
    if article is None:
        return False
    if raw.url and raw.url == article.url:
        return True
    return raw.origin == article.origin and raw.source_id == article.source_id


@dataclass(slots=True)
class ScanResult:
    """What :func:`scan` found: the ingest counts, what joined stories, and every story."""

    report: IngestReport
    assigned: AssignReport
    stories: list[Story]
    articles: dict[str, Article]


def fingerprints_for(
    articles: Sequence[Article],
    embedder: Embedder | None,
    store: SQLiteStore | None = None,
    *,
    sentence_vectors: bool = True,
) -> list[Fingerprint]:
    """Fingerprints of ``articles``: from the store where cached, computed (and cached) otherwise.

    Fingerprints are cached per embedder name, so switching models never
    compares vectors of two models. Without a store nothing is cached.
    With ``sentence_vectors`` every fingerprint returned has its sentence
    vectors (those cached without them get them now); without, new
    fingerprints get only the document vector, and the assigner makes the
    sentence vectors of the pairs that need them.
    """
    model = embedder.name if embedder is not None else ""
    cached = store.get_fingerprints([a.id for a in articles], model) if store else {}
    missing = [a for a in articles if a.id not in cached]
    for start in range(0, len(missing), BATCH_SIZE):
        batch = missing[start : start + BATCH_SIZE]
        made = fingerprint_many(batch, embedder, sentence_vectors=sentence_vectors)
        if store is not None:
            store.put_fingerprints(made, model)
        cached.update((fp.article_id, fp) for fp in made)
    lacking = [cached[a.id] for a in articles if cached[a.id].lacks_sentence_vectors]
    if sentence_vectors and embedder is not None and lacking:
        made = with_sentence_vectors(lacking, embedder)
        if store is not None:
            store.put_sentence_vectors(made, model)
        cached.update((fp.article_id, fp) for fp in made)
    return [cached[a.id] for a in articles]


def find_stories(
    articles: Sequence[Article],
    embedder: Embedder | None,
    *,
    cache: SQLiteStore | None = None,
    neighbourhood: bool = False,
    fingerprints: Sequence[Fingerprint] | None = None,
) -> list[Story]:
    """Group a batch of articles into stories, touching no store.

    The batch is replayed, in publication order, through the same
    incremental assignment as :func:`update_stories`, into an in-memory
    store: a batch run and a stream of the same articles give the same
    stories (unless ``neighbourhood`` is set).

    Args:
        articles: the articles to group (already normalized; ids unique).
        embedder: the sentence embedder; ``None`` uses lexical and fact
            evidence only (rewrites are then often missed).
        cache: a store whose cached fingerprints are used and extended
            (its articles and stories are not touched otherwise).
        neighbourhood: experimental, needs an embedder: score every pair
            within the whole batch's neighbourhoods
            (:class:`~storytrace.neighbourhood.Neighbourhoods`), as
            ``run_pairs`` does with the same flag. ECB+ B-cubed F1 0.914 ->
            0.924; the stories then depend on the whole batch, so a stream
            of the same articles no longer gives the same ones.
        fingerprints: the articles' fingerprints, when already made (in
            the same order; ``cache`` is then not read).

    Returns:
        the stories, most versions first.
    """
    if fingerprints is None:
        fingerprints = fingerprints_for(articles, embedder, cache, sentence_vectors=False)
    hoods = None
    if neighbourhood and embedder is not None and fingerprints:
        hoods = Neighbourhoods(
            [f.article_id for f in fingerprints], np.stack([f.embedding for f in fingerprints])
        )
    with SQLiteStore(":memory:") as memory:
        memory.add_articles(articles)
        memory.put_fingerprints(fingerprints, embedder.name if embedder is not None else "")
        update_stories(memory, embedder, neighbourhoods=hoods)
        return list(memory.iter_stories())


def update_stories(
    store: SQLiteStore,
    embedder: Embedder | None,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    cache_articles: int = CACHE_ARTICLES,
    neighbourhoods: Neighbourhoods | None = None,
) -> AssignReport:
    """Put every stored article that is in no story yet into its story (incremental).

    Fingerprints missing for ``embedder`` are made first; articles are then
    assigned one at a time, oldest first, and the stories they touched are
    then re-checked (:meth:`~storytrace.assign.StoryAssigner.settle`).
    Stories, merges and the index persist in the store, so a later call
    continues where this one ended.
    ``cache_articles`` caps the articles held in memory meanwhile (about
    100 KB each); ``neighbourhoods`` are a batch's, for
    :func:`find_stories` (see :class:`~storytrace.assign.StoryAssigner`).
    """
    index_store(store, embedder)
    assigner = StoryAssigner(
        store, embedder, cache_articles=cache_articles, neighbourhoods=neighbourhoods
    )
    report = assigner.assign_all(on_progress)
    store.save_indexes()
    return report


def recluster(store: SQLiteStore, embedder: Embedder | None) -> AssignReport:
    """Drop every story and build them again from the stored articles (batch re-clustering)."""
    store.clear_stories()
    return update_stories(store, embedder)


def remove_article(store: SQLiteStore, article_id: str, embedder: Embedder | None) -> list[Story]:
    """Delete an article and update its story (see :meth:`StoryAssigner.remove`)."""
    return StoryAssigner(store, embedder).remove(article_id)


def index_store(store: SQLiteStore, embedder: Embedder | None) -> int:
    """Fingerprint every stored article that has no fingerprint for ``embedder`` yet.

    ``ingest`` stores text only (fast, no model); matching needs every
    article indexed. Only document vectors are made here; the assigner
    makes the sentence vectors of the pairs that need them. Returns how many were fingerprinted now.
    """
    model = embedder.name if embedder is not None else ""
    missing = store.unfingerprinted(model)
    for start in range(0, len(missing), BATCH_SIZE):
        batch = [a for a in (store.get(x) for x in missing[start : start + BATCH_SIZE]) if a]
        fingerprints_for(batch, embedder, store, sentence_vectors=False)
    return len(missing)


def match_article(
    article: Article,
    store: SQLiteStore,
    embedder: Embedder | None,
    *,
    update: bool = True,
) -> list[Match]:
    """The stored versions of ``article``'s story, best first.

    With ``update`` the store is brought up to date first (stored articles
    not yet in a story are put into theirs); a reader that must not write
    stories (the web API's GET) passes ``False`` and matches against the
    articles already in stories. Candidates are found and verified as when
    an article joins its story (:func:`storytrace.assign.match_stored`).
    The article need not be stored.

    Returns:
        every verified candidate with ``same_story``, highest score first
        (``a`` is always ``article``).
    """
    if update:
        update_stories(store, embedder)
    [fp] = fingerprints_for([article], embedder, store, sentence_vectors=False)
    return [m for m in match_stored(store, embedder, article, fp) if m.same_story]


def scan(
    inputs: Iterable[str],
    store: SQLiteStore,
    settings: Settings | None = None,
    *,
    embedder: Embedder | None,
    pattern: str | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> ScanResult:
    """Ingest ``inputs`` into ``store``, put new articles into their stories, list every story.

    The main job: what ``storytrace scan`` and ``make demo`` run. Articles
    stored before keep their stories; new ones join or start stories.
    """
    report = ingest(inputs, store, settings, pattern=pattern, on_progress=on_progress)
    assigned = update_stories(store, embedder)
    stories = list(store.iter_stories())
    articles = {a.id: a for a in store.iter_articles()}
    return ScanResult(report=report, assigned=assigned, stories=stories, articles=articles)


#: The largest story :func:`derivation_graphs` draws a graph for. A graph
#: compares every pair of a story's versions; a story of thousands (one wire
#: report on every aggregator) is drawn on request by :func:`story_view`.
GRAPH_VERSIONS = 200


def derivation_graphs(
    store: SQLiteStore, stories: Sequence[Story], embedder: Embedder | None
) -> dict[str, list[Derivation]]:
    """Who copied, cut or rewrote whom, for each story of 2 to :data:`GRAPH_VERSIONS` versions.

    What ``storytrace scan`` shows under its table and in its report. Each
    graph compares every pair of its story's versions with their sentence
    vectors (made now for versions that have none yet).
    """
    assigner = StoryAssigner(store, embedder)
    return {
        s.id: assigner.derivation_graph(s)
        for s in stories
        if 1 < len(s.members) <= GRAPH_VERSIONS
    }


@dataclass(slots=True)
class StoryView:
    """One story with everything a reader asks next: the derivation graph and its history."""

    story: Story
    derivations: list[Derivation]
    events: list[tuple[str, str, str | None, str | None, str]]
    articles: dict[str, Article]
    changes: dict[str, Diff]  # each version against the original

    @property
    def roles(self) -> dict[str, str]:
        """How each version was made, by article id (:func:`~.provenance.version_roles`)."""
        return version_roles(self.story, self.derivations)


def story_view(store: SQLiteStore, story_id: str, embedder: Embedder | None) -> StoryView | None:
    """The story ``story_id`` (or a unique prefix of it) with its derivations, or ``None``."""
    found = store.find_stories(story_id)
    exact = story_id if story_id in found else (found[0] if len(found) == 1 else None)
    story = store.get_story(exact) if exact else None
    if story is None:
        return None
    articles = {m.article_id: a for m in story.members if (a := store.get(m.article_id))}
    # Only this story's versions need fingerprints. Indexing the whole store
    # here made a page view wait for every article an ingest had just added.
    fingerprints_for(list(articles.values()), embedder, store)
    assigner = StoryAssigner(store, embedder)
    model = embedder.name if embedder is not None else ""
    fps = store.get_fingerprints(list(articles), model)
    original = story.original
    changes = {
        x: diff_fingerprints(articles[original], articles[x], fps[original], fps[x])
        for x in articles
        if x != original and original in fps and x in fps
    }
    return StoryView(
        story=story,
        derivations=assigner.derivation_graph(story),
        events=store.story_events(story.id),
        articles=articles,
        changes=changes,
    )


def load_article(ref: str, store: SQLiteStore | None, settings: Settings | None = None) -> Article:
    """One article named by ``ref``: a file or URL to read, or an id/URL in ``store``.

    A path that exists (or an http(s) URL) is read and normalized; its first
    article is returned. Otherwise ``ref`` is looked up in the store.

    Raises:
        InputError: nothing readable is named by ``ref``, or it is ambiguous.
    """
    if Path(ref).exists() or ref.startswith(("http://", "https://")):
        for item in read_articles([ref], settings):
            if isinstance(item, Failure):
                raise InputError(item.origin, item.reason)
            return item
        raise InputError(ref, "no article in it")
    found = store.find(ref) if store is not None else []
    if not found:
        raise InputError(ref, "no such file, and no stored article with this id or URL")
    if len(found) > 1:
        raise InputError(ref, f"matches {len(found)} stored articles; give more of the id")
    return found[0]


def _normalize(
    batch: list[RawDocument | Failure], site_lines: SiteBoilerplate, time_limit: float | None
) -> Iterator[Article | Failure]:
    raws = [d for d in batch if isinstance(d, RawDocument)]
    normalized = iter(normalize_batch(raws, site_lines, time_limit=time_limit))
    for item in batch:
        yield item if isinstance(item, Failure) else next(normalized)


def _batches(
    items: Iterator[RawDocument | Failure],
) -> Iterator[list[RawDocument | Failure]]:
    while batch := list(islice(items, BATCH_SIZE)):
        yield batch
