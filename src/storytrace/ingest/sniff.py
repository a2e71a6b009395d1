"""Guessing what an input is from its first bytes (stdin, unknown suffixes, URLs)."""

from __future__ import annotations

import re
import zlib
from typing import Literal

from storytrace.errors import InputError
from storytrace.ingest.decode import binary_kind, strip_bom
from storytrace.ingest.records import looks_like_jsonl

__all__ = ["Format", "sniff_format"]

Format = Literal["feed", "html", "json", "jsonl", "text", "warc"]

_FEED_ROOT = re.compile(r"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_MARK = re.compile(
    r"<(!doctype\s+html|html|head|body|article|div|p|meta|title|h[1-6]|section|main)[\s>/]",
    re.IGNORECASE,
)
_LEADING_NOISE = re.compile(r"^(\s|<!--.*?-->|<\?xml[^>]*\?>)*", re.DOTALL)


def sniff_format(sample: bytes, origin: str) -> Format:
    """Say what a document is from its first bytes.

    Args:
        sample: the first few kilobytes (or all) of the input.
        origin: the input's name, for errors.

    Returns:
        ``"feed"`` for RSS/Atom/RDF XML, ``"html"`` for markup, ``"json"``
        for a JSON document, ``"jsonl"`` for JSON lines, ``"warc"`` for a
        web archive, else ``"text"``.

    Raises:
        InputError: the sample is empty or binary (gzip included: a
            compressed input should carry a ``.gz`` suffix).
    """
    if sample.startswith((b"WARC/", b"\x1f\x8b\x08")) and b"WARC/" in _maybe_gunzip_head(sample):
        return "warc"
    kind = binary_kind(sample)
    if kind is not None:
        raise InputError(origin, f"binary file (looks like {kind})")
    body, bom = strip_bom(sample)
    head = body[:4096].decode(bom or "utf-8", errors="replace")
    stripped = _LEADING_NOISE.sub("", head, count=1)
    if not stripped.strip():
        raise InputError(origin, "empty file")
    if _FEED_ROOT.match(stripped):
        return "feed"
    if stripped.startswith("<") and (_HTML_MARK.search(head) or head.lstrip().startswith("<?xml")):
        # XML that is not a feed is read as a feed so it fails clearly.
        return "html" if _HTML_MARK.search(head) else "feed"
    if stripped[0] in "{[":
        if stripped[0] == "{" and looks_like_jsonl(body) and body.count(b"\n") > 1:
            return "jsonl"
        return "json"
    return "text"


def _maybe_gunzip_head(sample: bytes) -> bytes:
    if not sample.startswith(b"\x1f\x8b"):
        return sample[:8]
    try:
        return zlib.decompressobj(wbits=31).decompress(sample, 16)
    except zlib.error:
        return b""
