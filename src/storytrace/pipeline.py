"""The one place where the stages are put together.

ingest → normalize → store, in batches. Later stages (fingerprint, match,
cluster, provenance, diff) hang off the same batches. The faces (CLI, HTTP,
reports) call these functions and nothing below them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from storytrace.config import Settings
from storytrace.ingest import iter_documents
from storytrace.model import Article, Failure, RawDocument
from storytrace.normalize import SiteBoilerplate, normalize_batch, page_lines
from storytrace.store import SQLiteStore

__all__ = ["IngestReport", "ingest", "read_articles"]

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
