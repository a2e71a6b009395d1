"""Turning one input (file, folder, URL, stdin) into documents.

Each reader raises :class:`InputError` for what is wrong with its input; the
conversion to a :class:`Failure` happens once, in :func:`read_input`, so that
one bad input never stops a batch.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import BinaryIO, Literal

from storytrace.config import Settings
from storytrace.errors import InputError
from storytrace.ingest.decode import decode_bytes
from storytrace.ingest.feeds import iter_feed
from storytrace.ingest.files import open_input, prefetch, read_capped, walk_files
from storytrace.ingest.parquet import iter_parquet
from storytrace.ingest.records import iter_csv, iter_json, iter_jsonl, looks_like_jsonl
from storytrace.ingest.sniff import sniff_format
from storytrace.ingest.warc import iter_warc
from storytrace.ingest.web import iter_url, redact_url
from storytrace.model import Failure, RawDocument

__all__ = ["STDIN", "format_of", "read_input"]

STDIN = "-"
STDIN_ORIGIN = "<stdin>"

Reader = Literal["text", "html", "json", "jsonl", "csv", "tsv", "warc", "feed", "parquet"]
Item = RawDocument | Failure

_SUFFIXES: dict[str, Reader] = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".warc": "warc",
    ".arc": "warc",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".feed": "feed",
    ".parquet": "parquet",
}
# Any "scheme://" is a URL, so "file:///etc/passwd" is refused as one rather
# than looked for as a relative path.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SNIFF_BYTES = 64 * 1024


def format_of(name: str) -> tuple[Reader | None, bool]:
    """Which reader a file name calls for.

    Args:
        name: a file name or path.

    Returns:
        the reader (``None``: unknown, sniff the content) and whether the
        file must be gunzipped first. Web archives decompress themselves.
    """
    lower = name.lower()
    if lower.endswith((".warc.gz", ".arc.gz")):
        return "warc", False
    gzipped = lower.endswith(".gz")
    if gzipped:
        lower = lower[:-3]
    return _SUFFIXES.get(Path(lower).suffix), gzipped


def read_input(
    item: str, settings: Settings, *, pattern: str | None = None, stdin: BinaryIO | None = None
) -> Iterator[Item]:
    """Read one input, turning every error about it into a :class:`Failure`.

    Args:
        item: a path, a folder, an http(s) URL or ``"-"`` for stdin.
        settings: caps, field names, fetch rules.
        pattern: a glob filtering the files found inside folders.
        stdin: the stream read for ``"-"`` (default: ``sys.stdin.buffer``).

    Yields:
        documents and failures; never raises for a bad input.
    """
    if item == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        yield from _guarded(STDIN_ORIGIN, lambda: _read_stdin(stream, settings))
    elif _URL.match(item):
        yield from _guarded(redact_url(item), lambda: iter_url(item, settings))
    else:
        # Absolute, so a page's origin finds it again from anywhere, and a
        # file without an address gets the same article id whichever way
        # its path was written ("pages/a.txt", "./pages/a.txt", "/x/pages/a.txt").
        path = Path(item).absolute()
        if path.is_dir():
            yield from _read_folder(path, settings, pattern)
        else:
            yield from _guarded(str(path), lambda: read_file(path, settings))


def read_file(path: Path, settings: Settings) -> Iterator[Item]:
    """Read one local file with the reader its name calls for.

    Args:
        path: the file.
        settings: caps and field names.

    Yields:
        documents and per-record failures.

    Raises:
        InputError: the file cannot be read as a whole.
    """
    reader, gunzip = format_of(path.name)
    origin = str(path)
    if reader == "parquet":
        # Columnar and compressed as a whole: pyarrow reads it by row groups.
        yield from iter_parquet(path, origin, settings)
        return
    if reader in ("jsonl", "csv", "tsv", "warc"):
        # Streamed formats: the cap applies to each record, not the file.
        with open_input(path, settings, gunzip=gunzip, whole=False) as stream:
            if reader == "jsonl":
                yield from iter_jsonl(stream, origin, settings)
            elif reader == "warc":
                yield from iter_warc(stream, origin, settings)
            else:
                delimiter = "\t" if reader == "tsv" else None
                yield from iter_csv(stream, origin, settings, delimiter=delimiter)
        return
    data = read_capped(path, settings, gunzip=gunzip)
    if reader is None:
        sniffed = sniff_format(data[:_SNIFF_BYTES], origin)
        reader = "json" if sniffed == "jsonl" else sniffed
    yield from _read_bytes(data, origin, reader, settings, site=mirror_host(path))


# A folder named like a host name: how `wget --mirror` and most crawlers lay
# pages out on disk (host/path/page.html).
_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}")


def mirror_host(path: Path) -> str | None:
    """The host of a page saved in a mirror layout (``…/example.com/2026/page.html``).

    The nearest parent folder whose name is a host name, or ``None``. Single
    pages carry no address of their own; this gives their site back.
    """
    for parent in path.resolve().parents:
        name = parent.name.casefold()
        if _HOST_NAME.fullmatch(name):
            return name.removeprefix("www.")
    return None


def _read_bytes(
    data: bytes, origin: str, reader: Reader, settings: Settings, site: str | None = None
) -> Iterator[Item]:
    if reader == "feed":
        yield from iter_feed(data, origin)
    elif reader == "json":
        yield from iter_json(data, origin, settings)
    elif reader == "jsonl":
        yield from iter_jsonl(io.BufferedReader(io.BytesIO(data)), origin, settings)
    elif reader == "warc":
        yield from iter_warc(io.BytesIO(data), origin, settings)
    elif reader == "csv" or reader == "tsv":
        delimiter = "\t" if reader == "tsv" else None
        stream = io.BufferedReader(io.BytesIO(data))
        yield from iter_csv(stream, origin, settings, delimiter=delimiter)
    else:
        content = decode_bytes(data, origin)
        if not content.strip():
            raise InputError(origin, "empty file (only whitespace)")
        yield RawDocument(origin=origin, content=content, content_type=reader, site=site)


def _read_stdin(stream: BinaryIO, settings: Settings) -> Iterator[Item]:
    """stdin: JSON lines are streamed; anything else is read whole and sniffed."""
    limit = settings.max_input_bytes
    sample, rest = prefetch(stream, _SNIFF_BYTES)
    if not sample.strip():
        raise InputError(STDIN_ORIGIN, "empty input")
    if looks_like_jsonl(sample) and sample.count(b"\n") >= 1:
        yield from iter_jsonl(rest, STDIN_ORIGIN, settings)
        return
    data = rest.read(limit + 1)
    if len(data) > limit:
        raise InputError(STDIN_ORIGIN, f"larger than {limit} bytes")
    reader = sniff_format(sample, STDIN_ORIGIN)
    yield from _read_bytes(data, STDIN_ORIGIN, "json" if reader == "jsonl" else reader, settings)


def _read_folder(root: Path, settings: Settings, pattern: str | None) -> Iterator[Item]:
    files, errors = walk_files(root)
    for error in errors:
        yield Failure(error.origin, error.reason)
    if pattern:
        wanted = pattern.lower()
        files = [
            path
            for path in files
            if fnmatchcase(path.name.lower(), wanted)
            or fnmatchcase(path.relative_to(root).as_posix().lower(), wanted)
        ]
    if not files:
        matching = f" matching {pattern!r}" if pattern else ""
        yield Failure(str(root), f"no readable files{matching} in folder")
        return
    documents = 0
    for path in files:
        for item in _guarded(str(path), lambda path=path: read_file(path, settings)):
            documents += isinstance(item, RawDocument)
            yield item
    if not documents:
        yield Failure(str(root), f"no readable files in folder ({len(files)} failed)")


def _guarded(origin: str, produce: Callable[[], Iterator[Item]]) -> Iterator[Item]:
    """Run one input's reader; its errors become failures, the batch goes on."""
    produced = 0
    try:
        for item in produce():
            produced += 1
            yield item
    except InputError as error:
        yield Failure(error.origin, error.reason)
        return
    except Exception as error:  # the per-input boundary: one bad input must not stop a batch
        yield Failure(origin, f"internal error while reading ({type(error).__name__}: {error})")
        return
    if not produced:
        yield Failure(origin, "no documents found")
