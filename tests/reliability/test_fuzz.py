"""Property-based fuzzing of every reader, the normalizer, the fact extractor and the API models.

The property is the same everywhere: whatever the bytes, a reader yields
documents and failures (never an "internal error", which is how the batch
boundary reports an unexpected exception), a function raises nothing but
storytrace's own errors, and nothing takes long. Inputs are drawn from
pieces of each format (tags, JSON, WARC headers, feed elements, BOMs,
control bytes) glued together, which reaches much deeper than random bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_helpers import scaled

from storytrace.config import Settings
from storytrace.errors import StorytraceError
from storytrace.fingerprint.facts import extract_dates, extract_facts
from storytrace.ingest import iter_documents
from storytrace.ingest.decode import decode_bytes
from storytrace.ingest.feeds import iter_feed
from storytrace.ingest.records import iter_csv, iter_json, iter_jsonl
from storytrace.ingest.sniff import sniff_format
from storytrace.ingest.warc import iter_warc
from storytrace.model import Article, Failure, RawDocument
from storytrace.normalize import normalize, normalize_batch

FUZZ = settings(settings.get_profile("reliability"))
# Small caps keep each example cheap and reach the "too large" paths too.
SMALL = Settings(max_input_bytes=64 * 1024, extract_timeout=5.0)
# Generous: an example normally takes milliseconds on a loaded CI machine.
SECONDS_PER_INPUT = 10.0

_FRAGMENTS = [
    "<html>", "</html>", "<head>", "<title>", "</title>", "<body>", "<p>", "</p>", "<div>",
    "</div>", "<script>alert(1)</script>", "<!--", "-->", "<![CDATA[", "]]>", "<meta charset=",
    '"utf-16"', "<link rel=canonical href=", "&amp;", "&#0;", "&#x110000;", "&nbsp;",
    '{"text": "', '{"html": "', '"title": ', '"url": ', "[", "]", "{", "}", ",", ":", "null",
    "1e999", "-0", "99999999999999999999999", '"', "\\u0000", "\\ud800", "\n", "\r\n", "\t",
    "WARC/1.0\r\n", "WARC-Type: response\r\n", "Content-Length: 10\r\n", "Content-Length: -1\r\n",
    "Content-Type: application/http; msgtype=response\r\n", "HTTP/1.1 200 OK\r\n",
    "Content-Type: text/html\r\n", "Content-Encoding: gzip\r\n", "\r\n\r\n",
    '<?xml version="1.0" encoding="utf-8"?>', "<rss version=\"2.0\">", "<channel>", "<item>",
    "<description>", "</description>", "</item>", "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    "<entry>", "<content type=\"html\">", '<!DOCTYPE x [<!ENTITY e "ee">]>', "&e;",
    "text,title\n", "a;b;c\n", "\ufeff", "\u202e", "\u200b", "é", "中文", "🙂",
    "PARIS, May 2 (AP) - ", "The minister said 340 people left on Tuesday. ",
    "“Quoted words here,” she said. ", "This story appeared first on Example News.",
]
_BYTES = [b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x1f\x8b\x08", b"%PDF-",
          b"\x80\x81\x82", b"\xc3\x28", b"\xed\xa0\x80"]

pieces = st.one_of(
    st.sampled_from(_FRAGMENTS).map(str.encode),
    st.sampled_from(_BYTES),
    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
)
hostile_bytes = st.lists(pieces, max_size=60).map(b"".join)
hostile_text = st.lists(
    st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=60)), max_size=60
).map("".join)

_SUFFIXES = [".txt", ".md", ".html", ".json", ".jsonl", ".csv", ".tsv", ".warc", ".xml",
             ".rss", ".atom", ".txt.gz", ".jsonl.gz", ".html.gz", ".warc.gz", ".bin", ""]


def _drain(items: object) -> list[RawDocument | Failure]:
    start = time.perf_counter()
    out = list(items)  # type: ignore[call-overload]
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS_PER_INPUT, f"took {elapsed:.1f} s"
    for item in out:
        assert isinstance(item, RawDocument | Failure), item
        if isinstance(item, Failure):
            assert "internal error" not in item.reason, item
            assert item.origin and item.reason and "\n" not in item.reason, item
    return out


def _only_own_errors(run: object) -> None:
    start = time.perf_counter()
    with contextlib.suppress(StorytraceError):
        _drain(run() if callable(run) else run)
    assert time.perf_counter() - start < SECONDS_PER_INPUT


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=hostile_bytes, suffix=st.sampled_from(_SUFFIXES), gzipped=st.booleans())
def test_every_file_reader_yields_documents_or_failures(
    scratch: Path, data: bytes, suffix: str, gzipped: bool
) -> None:
    if suffix.endswith(".gz") and gzipped:
        data = gzip.compress(data)
    path = scratch / f"input{suffix}"
    path.write_bytes(data)
    _drain(iter_documents([str(path)], SMALL))


@FUZZ
@given(data=hostile_bytes)
def test_stdin_yields_documents_or_failures(data: bytes) -> None:
    _drain(iter_documents(["-"], SMALL, stdin=io.BytesIO(data)))


@FUZZ
@given(data=hostile_bytes)
def test_readers_raise_only_input_errors(data: bytes) -> None:
    """Each reader called directly: documents, failures, or an InputError."""
    _only_own_errors(lambda: iter_json(data, "x.json", SMALL))
    _only_own_errors(lambda: iter_jsonl(io.BufferedReader(io.BytesIO(data)), "x.jsonl", SMALL))
    _only_own_errors(lambda: iter_csv(io.BufferedReader(io.BytesIO(data)), "x.csv", SMALL))
    _only_own_errors(lambda: iter_feed(data, "x.xml"))
    _only_own_errors(lambda: iter_warc(io.BufferedReader(io.BytesIO(data)), "x.warc", SMALL))
    _only_own_errors(lambda: iter_warc(io.BytesIO(data), "x.warc", SMALL))
    for call in (lambda: decode_bytes(data, "x"), lambda: sniff_format(data, "x")):
        with contextlib.suppress(StorytraceError):
            call()


@st.composite
def warc_archives(draw: st.DrawFn) -> bytes:
    """Well-framed WARC records around hostile HTTP heads and bodies (gzipped or not)."""
    records = []
    for index in range(draw(st.integers(1, 4))):
        body = draw(hostile_bytes)
        if draw(st.booleans()):
            body = gzip.compress(body)
            encoding = b"Content-Encoding: gzip\r\n"
        else:
            encoding = draw(st.sampled_from([b"", b"Content-Encoding: br\r\n"]))
        status = draw(st.sampled_from([b"200 OK", b"404 Not Found", b"200", b"abc"]))
        ctype = draw(st.sampled_from([b"text/html", b"text/plain; charset=bogus", b"image/png",
                                      b"text/html; charset=utf-16", b""]))
        http = (b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\n" + encoding
                + b"\r\n" + body)
        declared = len(http) + draw(st.sampled_from([0, 0, 0, -3, 5]))
        kind = draw(st.sampled_from([b"response", b"request", b"metadata", b"resource"]))
        head = (b"WARC/1.0\r\nWARC-Type: " + kind + b"\r\nWARC-Record-ID: <urn:uuid:%d>\r\n"
                b"WARC-Target-URI: " + draw(st.sampled_from([b"http://a.example/", b"", b"\xff"]))
                + b"\r\nContent-Type: application/http; msgtype=response\r\n"
                b"Content-Length: " + str(declared).encode() + b"\r\n\r\n") % index
        record = head + http + b"\r\n\r\n"
        records.append(gzip.compress(record) if draw(st.booleans()) else record)
    return b"".join(records)


@FUZZ
@given(archive=warc_archives())
def test_warc_reader_on_hostile_records(scratch: Path, archive: bytes) -> None:
    path = scratch / "fuzz.warc"
    path.write_bytes(archive)
    _drain(iter_documents([str(path)], SMALL))


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    entries = "".join(
        f"<item><title>{draw(hostile_text)}</title><link>{draw(hostile_text)}</link>"
        f"<description><![CDATA[{draw(hostile_text)}]]></description></item>"
        for _ in range(draw(st.integers(0, 3)))
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{entries}</channel></rss>'.encode(
        "utf-8", "surrogatepass"
    )


@FUZZ
@given(feed=feeds())
def test_feed_reader_on_hostile_entries(feed: bytes) -> None:
    _only_own_errors(lambda: iter_feed(feed, "fuzz.rss"))


@FUZZ
@given(records=st.lists(st.dictionaries(
    st.sampled_from(["text", "html", "title", "url", "date", "source", "id", "author", "Text"]),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                     st.text(max_size=5), inner, max_size=3), max_leaves=8),
), max_size=8))
def test_json_lines_with_hostile_fields(records: list[dict[str, object]]) -> None:
    lines = "\n".join(json.dumps(r) for r in records).encode()
    _only_own_errors(lambda: iter_jsonl(io.BufferedReader(io.BytesIO(lines)), "x.jsonl", SMALL))
    _only_own_errors(lambda: iter_json(json.dumps(records).encode(), "x.json", SMALL))


raw_documents = st.builds(
    RawDocument,
    origin=st.just("fuzz"),
    content=hostile_text,
    content_type=st.sampled_from(["text", "html"]),
    title=st.none() | hostile_text,
    url=st.none() | st.sampled_from(["https://a.example/x", "http://[::1", "javascript:x", ""])
    | hostile_text,
    published=st.none() | st.sampled_from(["2026-05-02", "Tue, 02 May 2026 10:00:00 GMT",
                                           "99999-99-99", "0", ""]) | hostile_text,
    site=st.none() | hostile_text,
    author=st.none() | hostile_text,
    source_id=st.none() | hostile_text,
)


@FUZZ
@given(raw=raw_documents)
def test_normalize_returns_an_article_or_an_input_error(raw: RawDocument) -> None:
    start = time.perf_counter()
    try:
        article = normalize(raw, time_limit=SMALL.extract_timeout)
    except StorytraceError:
        pass
    else:
        assert isinstance(article, Article)
        assert article.body.strip() and article.id
    assert time.perf_counter() - start < SECONDS_PER_INPUT


@FUZZ
@given(raws=st.lists(raw_documents, max_size=6))
def test_normalize_batch_gives_one_result_per_page(raws: list[RawDocument]) -> None:
    raws = [RawDocument(f"fuzz{i}", r.content, r.content_type, title=r.title, url=r.url,
                        site=r.site) for i, r in enumerate(raws)]
    results = normalize_batch(raws, time_limit=SMALL.extract_timeout)
    assert len(results) == len(raws)
    assert all(isinstance(r, Article | Failure) for r in results)


@FUZZ
@given(text=hostile_text, published=st.none() | st.datetimes(timezones=st.just(UTC)))
def test_fact_extractor_never_fails(text: str, published: datetime | None) -> None:
    start = time.perf_counter()
    facts = extract_facts(text, published)
    for d in facts.dates:
        assert d.month is None or 1 <= d.month <= 12
        assert d.day is None or 1 <= d.day <= 31
    assert time.perf_counter() - start < SECONDS_PER_INPUT


def test_many_dates_are_extracted_in_linear_time() -> None:
    """A page full of dates was quadratic (10 s for 1 MB); now about a second."""
    sentence = "Officials met on May 2, 2024 and again on 3 June 2024. "
    text = sentence * (1_000_000 // len(sentence))
    start = time.perf_counter()
    dates = extract_dates(text)
    elapsed = time.perf_counter() - start
    assert len(dates) == 2 * (1_000_000 // len(sentence))
    assert elapsed < 5.0, f"{elapsed:.1f} s for 1 MB of dates"


# -- the HTTP API's input models ----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | hostile_text
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["a", "b", "text", "html", "title", "url", "date", "source",
                         "articles", "urls", "x"]), inner, max_size=5),
    max_leaves=12,
)


@FUZZ
@given(value=json_values)
def test_api_models_accept_or_reject_cleanly(value: object) -> None:
    pydantic = pytest.importorskip("pydantic")
    from storytrace.web.app import IngestIn, PairIn, TextIn

    for model in (TextIn, IngestIn, PairIn):
        with contextlib.suppress(pydantic.ValidationError):
            model.model_validate(value)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from storytrace.fingerprint import HashingEmbedder
    from storytrace.web import create_app

    store = tmp_path_factory.mktemp("api") / "s.sqlite"
    app = create_app(store, embedder=HashingEmbedder(), token="fuzz-token",
                     settings=SMALL, max_request_bytes=256 * 1024)
    return TestClient(app, raise_server_exceptions=False)


@settings(FUZZ, max_examples=scaled(25))
@given(value=json_values, path=st.sampled_from(["/api/compare", "/api/diff", "/api/ingest"]))
def test_api_answers_any_json_without_a_server_error(api, value: object, path: str) -> None:
    response = api.post(path, json=value, headers={"Authorization": "Bearer fuzz-token"})
    assert response.status_code in (200, 400, 404, 413, 422), response.text[:300]


@settings(FUZZ, max_examples=scaled(25))
@given(body=hostile_bytes, path=st.sampled_from(["/api/compare", "/compare", "/api/ingest"]))
def test_api_answers_any_bytes_without_a_server_error(api, body: bytes, path: str) -> None:
    content_type = "application/x-www-form-urlencoded" if path == "/compare" else "application/json"
    response = api.post(path, content=body, headers={"Content-Type": content_type,
                                                      "Authorization": "Bearer fuzz-token"})
    assert response.status_code in (200, 400, 404, 413, 422), response.text[:300]


@settings(FUZZ, max_examples=scaled(25))
@given(params=st.dictionaries(
    st.sampled_from(["q", "site", "since", "until", "multi", "offset", "limit", "sort"]),
    hostile_text, max_size=5),
    path=st.sampled_from(["/api/stories", "/", "/api/articles/x", "/stories/x", "/diff"]))
def test_api_answers_any_query_without_a_server_error(api, params: dict, path: str) -> None:
    response = api.get(path, params=params)
    assert response.status_code in (200, 400, 404, 422), response.text[:300]


# -- inputs fuzzing found, kept (tests/fixtures/reliability) --------------------------------

FOUND = sorted((Path(__file__).parent.parent / "fixtures" / "reliability").iterdir())


@pytest.mark.parametrize("path", FOUND, ids=[p.name for p in FOUND])
def test_found_cases_stay_fixed(path: Path) -> None:
    """Each file once crashed a reader or the normalizer (see RELIABILITY.md)."""
    for item in _drain(iter_documents([str(path)])):
        if isinstance(item, RawDocument):
            with contextlib.suppress(StorytraceError):
                normalize(item, time_limit=SMALL.extract_timeout)
