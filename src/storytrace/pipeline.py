"""The one place where the stages are put together.

ingest → normalize → store, in batches. Later stages (fingerprint, match,
cluster, provenance, diff) hang off the same batches. The faces (CLI, HTTP,
reports) call these functions and nothing below them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

import numpy as np

from storytrace.candidates import MIN_COSINE, NEIGHBOURS, candidate_pairs
from storytrace.cluster import average_linkage
from storytrace.config import Settings
from storytrace.errors import InputError
from storytrace.fingerprint import Embedder, Fingerprint, band_keys, fingerprint_many
from storytrace.ingest import iter_documents
from storytrace.model import Article, Failure, RawDocument, Story, as_utc
from storytrace.normalize import SiteBoilerplate, normalize_batch, page_lines
from storytrace.provenance import build_story
from storytrace.store import SQLiteStore
from storytrace.verify import Match, compare_fingerprints, compute_idf, content_terms

__all__ = [
    "IngestReport",
    "ScanResult",
    "find_stories",
    "fingerprints_for",
    "index_store",
    "ingest",
    "load_article",
    "match_article",
    "read_articles",
    "scan",
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
        yield from _normalize(batch, site_lines)


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
    report = IngestReport()
    site_lines = SiteBoilerplate.from_rows(store.site_line_counts())
    for batch in _batches(iter_documents(inputs, settings, pattern=pattern)):
        raws = [d for d in batch if isinstance(d, RawDocument)]
        lines_of = {id(raw): page_lines(raw) for raw in raws}
        articles: list[Article] = []
        page_lines_by_id: dict[str, tuple[str, list[bytes]]] = {}
        for raw, item in zip(raws, normalize_batch(raws, site_lines), strict=True):
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


@dataclass(slots=True)
class ScanResult:
    """What :func:`scan` found: the ingest counts, the stories and the verified pairs."""

    report: IngestReport
    stories: list[Story]
    matches: list[Match]
    articles: dict[str, Article]


def fingerprints_for(
    articles: Sequence[Article], embedder: Embedder | None, store: SQLiteStore | None = None
) -> list[Fingerprint]:
    """Fingerprints of ``articles``: from the store where cached, computed (and cached) otherwise.

    Fingerprints are cached per embedder name, so switching models never
    compares vectors of two models. Without a store nothing is cached.
    """
    model = embedder.name if embedder is not None else ""
    cached = store.get_fingerprints([a.id for a in articles], model) if store else {}
    missing = [a for a in articles if a.id not in cached]
    for start in range(0, len(missing), BATCH_SIZE):
        batch = missing[start : start + BATCH_SIZE]
        made = fingerprint_many(batch, embedder)
        if store is not None:
            store.put_fingerprints(made, model)
        cached.update((fp.article_id, fp) for fp in made)
    return [cached[a.id] for a in articles]


def find_stories(
    articles: Sequence[Article],
    embedder: Embedder | None,
    *,
    store: SQLiteStore | None = None,
) -> tuple[list[Story], list[Match]]:
    """Group articles into stories: fingerprint, retrieve candidates, verify, cluster.

    Articles are taken in publication order (undated last), so the stories
    and their members come out in the order they appeared.

    Args:
        articles: the articles to group (already normalized).
        embedder: the sentence embedder; ``None`` uses lexical and fact
            evidence only (rewrites are then often missed).
        store: where fingerprints are cached between runs (optional).

    Returns:
        the stories, largest first, and every verified candidate pair.
    """
    ordered = sorted(articles, key=_publication_order)
    fingerprints = fingerprints_for(ordered, embedder, store)
    idf = compute_idf(ordered)
    terms = [content_terms(a.body) for a in ordered]
    verified: dict[tuple[str, str], Match] = {}
    for i, j in sorted(candidate_pairs(fingerprints, idf)):
        m = compare_fingerprints(
            ordered[i], ordered[j], fingerprints[i], fingerprints[j],
            idf=idf, terms_a=terms[i], terms_b=terms[j],
        )
        verified[(m.a, m.b)] = m
    index = {a.id: k for k, a in enumerate(ordered)}

    def match_of(x: Article, y: Article) -> Match:
        found = verified.get((x.id, y.id)) or verified.get((y.id, x.id))
        if found is None or found.a != x.id:
            fx: Fingerprint = fingerprints[index[x.id]]
            fy: Fingerprint = fingerprints[index[y.id]]
            found = compare_fingerprints(x, y, fx, fy, idf=idf)
        return found

    by_id = {a.id: a for a in ordered}
    groups = average_linkage(
        [a.id for a in ordered],
        verified.values(),
        lambda x, y: match_of(by_id[x], by_id[y]).score,
    )
    stories = [build_story([by_id[x] for x in group], match_of) for group in groups]
    stories.sort(key=lambda s: -len(s.members))
    return stories, list(verified.values())


def index_store(store: SQLiteStore, embedder: Embedder | None) -> int:
    """Fingerprint every stored article that has no fingerprint for ``embedder`` yet.

    ``ingest`` stores text only (fast, no model); matching needs every
    article indexed. Returns how many were fingerprinted now.
    """
    model = embedder.name if embedder is not None else ""
    missing = store.unfingerprinted(model)
    for start in range(0, len(missing), BATCH_SIZE):
        batch = [a for a in (store.get(x) for x in missing[start : start + BATCH_SIZE]) if a]
        fingerprints_for(batch, embedder, store)
    return len(missing)


def match_article(
    article: Article,
    store: SQLiteStore,
    embedder: Embedder | None,
    *,
    neighbours: int = NEIGHBOURS,
) -> list[Match]:
    """The stored versions of ``article``'s story, best first.

    Candidates come from the store's LSH band index and the nearest stored
    document vectors; each is verified. The article need not be stored.

    Returns:
        every verified candidate with ``same_story``, highest score first
        (``a`` is always ``article``).
    """
    index_store(store, embedder)
    [fp] = fingerprints_for([article], embedder, store)
    ids = store.band_neighbours(band_keys(fp.minhash)) if len(fp.shingles5) else set()
    model = embedder.name if embedder is not None else ""
    vector_ids, vectors = store.document_vectors(model)
    if fp.embedding is not None and len(vector_ids):
        sims = vectors @ fp.embedding
        top = np.argsort(-sims)[: neighbours + 1]
        ids.update(vector_ids[i] for i in top if sims[i] >= MIN_COSINE)
    ids.discard(article.id)
    others = [a for a in (store.get(x) for x in sorted(ids)) if a is not None]
    if not others:
        return []
    other_fps = fingerprints_for(others, embedder, store)
    idf = compute_idf([article, *store.iter_articles()])
    matches = [
        compare_fingerprints(article, other, fp, ofp, idf=idf)
        for other, ofp in zip(others, other_fps, strict=True)
    ]
    return sorted((m for m in matches if m.same_story), key=lambda m: -m.score)


def scan(
    inputs: Iterable[str],
    store: SQLiteStore,
    settings: Settings | None = None,
    *,
    embedder: Embedder | None,
    pattern: str | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> ScanResult:
    """Ingest ``inputs`` into ``store``, then group everything stored into stories.

    The main job: what ``storytrace scan`` and ``make demo`` run.
    """
    report = ingest(inputs, store, settings, pattern=pattern, on_progress=on_progress)
    articles = list(store.iter_articles())
    stories, matches = find_stories(articles, embedder, store=store)
    return ScanResult(
        report=report, stories=stories, matches=matches, articles={a.id: a for a in articles}
    )


def load_article(ref: str, store: SQLiteStore | None, settings: Settings | None = None) -> Article:
    """One article named by ``ref``: a file or URL to read, or an id/URL in ``store``.

    A path that exists (or an http(s) URL) is read and normalized; its first
    article is returned. Otherwise ``ref`` is looked up in the store.

    Raises:
        InputError: nothing readable is named by ``ref``, or it is ambiguous.
    """
    from pathlib import Path

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


def _publication_order(a: Article) -> tuple[bool, datetime, str]:
    return (a.published is None, as_utc(a.published) if a.published else _EPOCH, a.id)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _normalize(
    batch: list[RawDocument | Failure], site_lines: SiteBoilerplate
) -> Iterator[Article | Failure]:
    raws = [d for d in batch if isinstance(d, RawDocument)]
    normalized = iter(normalize_batch(raws, site_lines))
    for item in batch:
        yield item if isinstance(item, Failure) else next(normalized)


def _batches(
    items: Iterator[RawDocument | Failure],
) -> Iterator[list[RawDocument | Failure]]:
    while batch := list(islice(items, BATCH_SIZE)):
        yield batch
