"""Web archives (WARC and ARC, plain or gzipped) via warcio.

Only ``response`` records with status 200 and an HTML or text body become
documents; everything else a crawl holds (requests, metadata, images,
redirects, errors) is skipped without failing the file. Archives are
streamed record by record, and the size cap applies to each record.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storytrace.config import Settings
from storytrace.errors import InputError
from storytrace.ingest.decode import decode_bytes, parse_content_type
from storytrace.model import Failure, RawDocument

__all__ = ["iter_warc"]

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain"})


def iter_warc(stream: BinaryIO, origin: str, settings: Settings) -> Iterator[RawDocument | Failure]:
    """Read the HTML and text responses of a WARC or ARC archive.

    Args:
        stream: the archive, compressed or not (warcio detects gzip).
        origin: the file's name; a record's is ``origin#<WARC-Record-ID>``.
        settings: ``max_input_bytes`` caps each record's body.

    Yields:
        a document per usable response, a failure per unreadable one.

    Raises:
        InputError: the file is not a web archive, or is cut off or corrupt.
    """
    limit = settings.max_input_bytes
    _check_signature(stream, origin)
    try:
        for record in ArchiveIterator(stream, arc2warc=True):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            if record.http_headers.get_statuscode() != "200":
                continue
            media_type, charset = parse_content_type(
                record.http_headers.get_header("Content-Type") or ""
            )
            if media_type not in _HTML_TYPES and media_type not in _TEXT_TYPES:
                continue
            record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
            target = record.rec_headers.get_header("WARC-Target-URI") or None
            record_origin = f"{origin}#{record_id.strip('<>') or target or '?'}"
            body = record.content_stream().read(limit + 1)
            if len(body) > limit:
                yield Failure(record_origin, f"record larger than {limit} bytes")
                continue
            if not body.strip():
                continue  # an empty 200 is a crawl artifact, not an article
            try:
                content = decode_bytes(body, record_origin, declared=charset)
            except InputError as error:
                yield Failure(error.origin, error.reason)
                continue
            yield RawDocument(
                origin=record_origin,
                content=content,
                content_type="html" if media_type in _HTML_TYPES else "text",
                url=target,
                published=record.rec_headers.get_header("WARC-Date") or None,
            )
    except ArchiveLoadFailed as error:
        reason = str(error).splitlines()[0] if str(error) else "unknown format"
        raise InputError(origin, f"not a WARC file ({reason})") from None
    except (EOFError, zlib.error) as error:
        detail = str(error) or "unexpected end"
        raise InputError(origin, f"truncated or corrupt archive ({detail})") from None


def _check_signature(stream: BinaryIO, origin: str) -> None:
    """Refuse what does not start like a WARC or ARC file.

    warcio reads almost any text as a (broken) ARC file and yields nothing,
    which would hide the mistake; the first bytes say it plainly.
    """
    peek = getattr(stream, "peek", None)
    if peek is None:
        return  # an in-memory archive from a sniffer, already recognised
    head = bytes(peek(512)[:512])
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(31).decompress(head, 16)
        except zlib.error:
            raise InputError(origin, "not a WARC file (corrupt gzip header)") from None
    if not head.startswith((b"WARC/", b"filedesc://")):
        start = head[:20].decode("ascii", "replace").split("\n")[0]
        raise InputError(origin, f"not a WARC file (starts with {start!r})")
