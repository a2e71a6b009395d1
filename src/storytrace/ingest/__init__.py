"""Readers: files, folders, URLs and stdin turned into :class:`RawDocument` records.

``iter_documents`` is the one way in. It reads text, HTML, JSON, JSON lines,
CSV/TSV, WARC/ARC and RSS/Atom feeds (gzipped or not) and Parquet, fetches
http(s) URLs safely, and yields a :class:`Failure` for every input or record
that cannot be read, so one bad file never stops a batch. Body extraction is not done
here; see :mod:`storytrace.normalize`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from storytrace.config import Settings
from storytrace.ingest.sources import read_input
from storytrace.model import Failure, RawDocument

__all__ = ["iter_documents"]


def iter_documents(
    inputs: Iterable[str],
    settings: Settings = Settings(),  # noqa: B008 - frozen, so sharing one default is safe
    *,
    pattern: str | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[RawDocument | Failure]:
    """Read documents from files, folders, URLs and stdin, in the order given.

    Args:
        inputs: paths (folders are read recursively, hidden files and
            folders skipped), http(s) URLs, and ``"-"`` for stdin. A file's
            reader is chosen by its suffix (``.txt .md .html .json .jsonl
            .csv .tsv .warc .warc.gz .xml .rss .atom``, any of them
            ``.gz``; and ``.parquet``); an unknown suffix is sniffed.
        settings: size cap, fetch rules and JSON/CSV field names.
        pattern: a glob (``"*.html"``) choosing which files inside folders
            are read; files named directly are always read.
        stdin: the stream ``"-"`` reads (default: the process's stdin).
            Its content is sniffed: JSON lines, HTML, a feed, or text.

    Yields:
        a :class:`RawDocument` per document found, and a :class:`Failure`
        (origin and a one-line reason) per input or record that could not
        be read.

    Raises:
        Nothing for bad inputs: every such problem is yielded as a Failure.
    """
    for item in inputs:
        yield from read_input(item, settings, pattern=pattern, stdin=stdin)
