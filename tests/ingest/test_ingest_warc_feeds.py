"""Web archives (written with warcio in the test) and RSS/Atom feeds."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from ingest_helpers import split
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storytrace.config import Settings
from storytrace.ingest import iter_documents


def read(*inputs: str | Path, **kwargs: object) -> tuple[list, list]:
    return split(list(iter_documents([str(item) for item in inputs], **kwargs)))  # type: ignore[arg-type]


def write_warc(path: Path, *, gzip: bool) -> None:
    """A small crawl: pages, a redirect, an image, a request and a 404."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)

        def response(uri: str, status: str, content_type: str, body: bytes) -> None:
            headers = StatusAndHeaders(
                status, [("Content-Type", content_type)], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-03-05T10:00:00Z"},
            )
            writer.write_record(record)

        response(
            "https://news.example/dam",
            "200 OK",
            "text/html; charset=iso-8859-1",
            "<html><body><p>The dam reopened, officials said. Café.</p></body></html>".encode(
                "latin-1"
            ),
        )
        request = writer.create_warc_record(
            "https://news.example/dam", "request", payload=io.BytesIO(b"GET /dam HTTP/1.1\r\n\r\n")
        )
        writer.write_record(request)
        response("https://news.example/old", "301 Moved Permanently", "text/html", b"moved")
        response("https://news.example/missing", "404 Not Found", "text/html", b"<p>nope</p>")
        response("https://news.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n")
        response("https://news.example/wire.txt", "200 OK", "text/plain", b"Wire copy: rain ahead.")
        response("https://news.example/big", "200 OK", "text/html", b"<p>" + b"x" * 5000 + b"</p>")


@pytest.mark.parametrize("gzip", [True, False])
def test_warc_reads_html_and_text_responses_only(tmp_path: Path, gzip: bool) -> None:
    path = tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc")
    write_warc(path, gzip=gzip)
    docs, failures = read(path, settings=Settings(max_input_bytes=2000))
    assert [(d.url, d.content_type) for d in docs] == [
        ("https://news.example/dam", "html"),
        ("https://news.example/wire.txt", "text"),
    ]
    assert "Café" in docs[0].content  # the declared charset was used
    assert docs[0].published == "2024-03-05T10:00:00Z"
    assert docs[0].origin.startswith(f"{path}#urn:uuid:")
    assert [f.reason for f in failures] == ["record larger than 2000 bytes"]


def test_not_a_warc(tmp_path: Path) -> None:
    (tmp_path / "fake.warc").write_text("just some text, not an archive\n")
    (tmp_path / "fake.warc.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    _, failures = read(tmp_path / "fake.warc", tmp_path / "fake.warc.gz")
    assert len(failures) == 2
    assert failures[0].reason.startswith("not a WARC file")
    assert failures[1].reason.startswith(("not a WARC file", "truncated or corrupt archive"))


def test_warc_with_nothing_usable(tmp_path: Path) -> None:
    path = tmp_path / "empty.warc.gz"
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warcinfo_record("empty.warc.gz", {"software": "test"}))
    docs, failures = read(path)
    assert docs == []
    assert [f.reason for f in failures] == ["no documents found"]


def test_rss_feed(fixtures: Path) -> None:
    path = fixtures / "feed_rss.xml"
    docs, failures = read(path)
    assert len(docs) == 2
    bridge, orchard = docs
    assert bridge.origin == f"{path}[0]"
    assert bridge.title == "Bridge repairs finished early"
    assert bridge.url == "https://news.example/bridge"
    assert bridge.published == "Tue, 04 Jun 2024 09:00:00 GMT"
    assert bridge.site == "Valley Courier"
    assert bridge.content_type == "html"
    assert "two weeks early" in bridge.content  # content:encoded beats the summary
    assert "harvest" in orchard.content
    assert [(f.origin, f.reason) for f in failures] == [
        (f"{path}[2]", "feed entry has no content or summary")
    ]


def test_atom_feed(fixtures: Path) -> None:
    docs, failures = read(fixtures / "feed_atom.xml")
    assert failures == []
    first, second = docs
    assert (first.title, first.url, first.author, first.site) == (
        "Observatory opens to the public",
        "https://gazette.example/observatory",
        "Arun Vell",
        "Hill Gazette",
    )
    assert first.published == "2024-07-01T08:30:00Z"
    assert first.source_id == "urn:example:hill-gazette:1"
    assert first.content_type == "html"
    assert (second.content_type, second.published) == ("text", "2024-07-02T09:00:00Z")


def test_xml_that_is_not_a_feed(fixtures: Path, tmp_path: Path) -> None:
    (tmp_path / "broken.rss").write_text("<rss><channel><title>x</title")
    (tmp_path / "empty.atom").write_bytes(b"")
    _, failures = read(
        fixtures / "not_a_feed.xml", tmp_path / "broken.rss", tmp_path / "empty.atom"
    )
    reasons = [f.reason for f in failures]
    assert reasons[0].startswith("not an RSS or Atom feed")
    assert reasons[1].startswith(("not an RSS or Atom feed", "feed has no entries"))
    assert reasons[2] == "empty file"


def test_feed_entities_are_not_fetched(tmp_path: Path) -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        '<rss version="2.0"><channel><title>T</title><item><title>a</title>'
        "<description>before &x; after</description></item></channel></rss>"
    )
    (tmp_path / "xxe.rss").write_text(xxe)
    docs, _ = read(tmp_path / "xxe.rss")
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    for doc in docs:
        assert not hostname or hostname not in doc.content


def test_gzipped_feed(tmp_path: Path, fixtures: Path) -> None:
    import gzip

    (tmp_path / "feed.xml.gz").write_bytes(gzip.compress((fixtures / "feed_atom.xml").read_bytes()))
    docs, failures = read(tmp_path / "feed.xml.gz")
    assert failures == []
    assert len(docs) == 2
