"""stdin ("-"): content sniffed as JSON lines, HTML, feed or text."""

from __future__ import annotations

import io
from pathlib import Path

from ingest_helpers import split

from storytrace.config import Settings
from storytrace.ingest import iter_documents
from storytrace.ingest.sniff import sniff_format


def from_stdin(data: bytes, **kwargs: object) -> tuple[list, list]:
    items = iter_documents(["-"], stdin=io.BytesIO(data), **kwargs)  # type: ignore[arg-type]
    return split(list(items))


def test_stdin_jsonl() -> None:
    docs, failures = from_stdin(b'{"text": "first"}\n{"html": "<p>second</p>"}\n{oops}\n')
    assert [(d.origin, d.content_type) for d in docs] == [
        ("<stdin>:1", "text"),
        ("<stdin>:2", "html"),
    ]
    assert [f.origin for f in failures] == ["<stdin>:3"]


def test_stdin_html_and_text() -> None:
    docs, _ = from_stdin(b"<!DOCTYPE html><html><body><p>Page.</p></body></html>")
    assert (docs[0].origin, docs[0].content_type) == ("<stdin>", "html")
    docs, _ = from_stdin(b"Plain words about a late train.\nSecond line.\n")
    assert docs[0].content_type == "text"
    assert docs[0].content == "Plain words about a late train.\nSecond line.\n"


def test_stdin_feed(fixtures: Path) -> None:
    docs, _ = from_stdin((fixtures / "feed_rss.xml").read_bytes())
    assert len(docs) == 2
    assert docs[0].origin == "<stdin>[0]"


def test_stdin_bad_input() -> None:
    assert [f.reason for f in from_stdin(b"")[1]] == ["empty input"]
    assert [f.reason for f in from_stdin(b"%PDF-1.5 ...")[1]] == ["binary file (looks like PDF)"]
    big = from_stdin(b"words " * 1000, settings=Settings(max_input_bytes=100))[1]
    assert [f.reason for f in big] == ["larger than 100 bytes"]


def test_stdin_jsonl_longer_than_the_sniff_window() -> None:
    data = b"".join(b'{"text": "record %d"}\n' % i for i in range(10_000))
    docs, failures = from_stdin(data)
    assert failures == []
    assert len(docs) == 10_000
    assert docs[-1].origin == "<stdin>:10000"


def test_sniff_format() -> None:
    assert sniff_format(b'<?xml version="1.0"?>\n<!-- c -->\n<rss version="2.0">', "s") == "feed"
    assert sniff_format(b'<feed xmlns="http://www.w3.org/2005/Atom">', "s") == "feed"
    assert sniff_format(b"  <div><p>hi</p></div>", "s") == "html"
    assert sniff_format(b'<?xml version="1.0"?><html><body/></html>', "s") == "html"
    assert sniff_format(b'{"text": "a"}\n{"text": "b"}\n', "s") == "jsonl"
    assert sniff_format(b'[{"text": "a"}]', "s") == "json"
    assert sniff_format(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", "s") == "warc"
    assert sniff_format("Überschrift\nText".encode(), "s") == "text"
