"""Decompression and size bombs: bounded memory, bounded time, an error naming the input.

Memory is measured with tracemalloc (every bytes object a reader builds is
traced); each reader runs with a 1 MiB cap so that "bounded" means a few
times the cap, not a few times the bomb.
"""

from __future__ import annotations

import gzip
import io
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_helpers import scaled

from storytrace.config import Settings
from storytrace.ingest import iter_documents
from storytrace.model import Failure, RawDocument
from storytrace.normalize import normalize

CAP = 1024 * 1024
CAPPED = Settings(max_input_bytes=CAP, extract_timeout=10.0)
MiB = 1024 * 1024


def _measure(run: Callable[[], object]) -> tuple[object, float, int]:
    """Run ``run()``; its result, the seconds it took, and the peak of traced memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = run()
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, elapsed, peak


def _gzip_of_zeros(size: int, header: bytes = b"") -> bytes:
    """A gzip stream of ``header`` then ``size`` zero bytes, built without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(header)]
    block = b"\0" * MiB
    for _ in range(size // MiB):
        parts.append(packer.compress(block))
    parts.append(packer.flush())
    return b"".join(parts)


def _read(*inputs: str, stdin: io.BytesIO | None = None) -> list[RawDocument | Failure]:
    return list(iter_documents(list(inputs), CAPPED, stdin=stdin))


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GiB of zeros in about 1 MB of gzip (built once: it takes seconds)."""
    return _gzip_of_zeros(1024 * MiB)


@pytest.mark.parametrize("suffix", [".txt.gz", ".html.gz", ".jsonl.gz", ".csv.gz"])
def test_gzip_bomb_stops_at_the_cap(tmp_path: Path, gzip_bomb: bytes, suffix: str) -> None:
    path = tmp_path / f"bomb{suffix}"
    # A CSV needs a header line; gzip members may simply follow each other.
    head = gzip.compress(b"text\n") if suffix == ".csv.gz" else b""
    path.write_bytes(head + gzip_bomb)
    items, seconds, peak = _measure(lambda: _read(str(path)))
    assert [type(i) for i in items] == [Failure]
    [failure] = items
    assert failure.origin.startswith(str(path))
    assert f"larger than {CAP} bytes" in failure.reason or "binary" in failure.reason
    assert seconds < 10 and peak < 8 * CAP, (seconds, peak)


def _warc_record(payload_size: int, *, http_gzip: bool = False) -> bytes:
    """One gzipped WARC response record whose body inflates to ``payload_size`` bytes."""
    if http_gzip:
        body = _gzip_of_zeros(payload_size)
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n"
        content = http + body
        head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:bomb>\r\n"
                b"WARC-Target-URI: http://bomb.example/\r\n"
                b"Content-Type: application/http; msgtype=response\r\n"
                b"Content-Length: %d\r\n\r\n" % len(content))
        return gzip.compress(head + content + b"\r\n\r\n")
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:bomb>\r\n"
            b"WARC-Target-URI: http://bomb.example/\r\n"
            b"Content-Type: application/http; msgtype=response\r\n"
            b"Content-Length: %d\r\n\r\n" % (len(http) + payload_size))
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(head + http)]
    block = b"\0" * MiB
    for _ in range(payload_size // MiB):
        parts.append(packer.compress(block))
    parts.append(packer.compress(b"\r\n\r\n"))
    parts.append(packer.flush())
    return b"".join(parts)


_GOOD_RECORD = gzip.compress(
    b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:good>\r\n"
    b"WARC-Target-URI: http://good.example/\r\n"
    b"Content-Type: application/http; msgtype=response\r\nContent-Length: 72\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nThe council met on Tuesday.\r\n"
    b"\r\n\r\n"
)


@pytest.mark.parametrize("http_gzip", [False, True], ids=["warc-gzip", "http-gzip"])
def test_warc_bomb_is_skipped_and_the_next_record_read(tmp_path: Path, http_gzip: bool) -> None:
    """A record inflating to GiBs fails alone; the archive's next record is still read."""
    size = scaled(1) * 1024 * MiB
    path = tmp_path / "bomb.warc.gz"
    path.write_bytes(_warc_record(size, http_gzip=http_gzip) + _GOOD_RECORD)
    items, seconds, peak = _measure(lambda: _read(str(path)))
    failures = [i for i in items if isinstance(i, Failure)]
    documents = [i for i in items if isinstance(i, RawDocument)]
    assert [f.reason for f in failures] == [f"record larger than {CAP} bytes"]
    assert failures[0].origin == f"{path}#urn:uuid:bomb"
    assert [d.url for d in documents] == ["http://good.example/"]
    # warcio's buffers: about 62 MiB whatever the bomb's size (measured for
    # 128 MiB to 1 GiB), never the record itself.
    assert peak < 96 * MiB, peak
    assert seconds < 30 * scaled(1), seconds


def test_deeply_nested_html_is_bounded(tmp_path: Path) -> None:
    depth = 200_000
    page = ("<html><body>" + "<div>" * depth + "<p>The council met on Tuesday and voted "
            "to keep the library open, the mayor said.</p>" + "</div>" * depth + "</body></html>")
    path = tmp_path / "deep.html"
    path.write_text(page)
    settings = Settings(extract_timeout=10.0)
    [raw] = list(iter_documents([str(path)], settings))
    assert isinstance(raw, RawDocument)

    def run() -> str:
        try:
            return normalize(raw, time_limit=settings.extract_timeout).body
        except Exception as error:  # the type is what is checked
            return f"{type(error).__name__}: {error}"

    result, seconds, _ = _measure(run)
    # Either the text, or the project's own error naming the file: never a crash.
    assert isinstance(result, str)
    assert "council" in result or result.startswith(f"InputError: {path}"), result[:200]
    assert seconds < 15, seconds


def test_deeply_nested_json_and_xml(tmp_path: Path) -> None:
    deep_json = tmp_path / "deep.json"
    deep_json.write_text("[" * 200_000 + "]" * 200_000)
    laughs = tmp_path / "laughs.xml"
    entities = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    laughs.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{entities}]>'
        '<rss version="2.0"><channel><item><description>&l9;</description></item></channel></rss>'
    )
    items, seconds, peak = _measure(lambda: _read(str(deep_json), str(laughs)))
    assert all(isinstance(i, Failure | RawDocument) for i in items)
    assert [(f.origin, f.reason) for f in items if isinstance(f, Failure)] == [
        (str(deep_json), "invalid JSON (nested too deeply)"),
        (str(laughs), "refused: the feed declares XML entities"),
    ]
    assert seconds < 5 and peak < 16 * MiB, (seconds, peak)


@pytest.fixture(scope="module")
def one_line_100mb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 100 MB file with no newline (written in blocks, never held in memory)."""
    path = tmp_path_factory.mktemp("oneline") / "one-line.txt"
    block = b"word " * (MiB // 5)
    with path.open("wb") as out:
        for _ in range(100):
            out.write(block)
    return path


@pytest.mark.parametrize("suffix", [".txt", ".jsonl", ".csv", ".html", ".bin", "stdin"])
def test_one_line_100mb_input(one_line_100mb: Path, suffix: str) -> None:
    if suffix == "stdin":
        path = one_line_100mb
        origin = "<stdin>"

        def run() -> list[RawDocument | Failure]:
            with path.open("rb") as stream:
                return list(iter_documents(["-"], CAPPED, stdin=stream))  # type: ignore[arg-type]
    else:
        path = one_line_100mb.with_suffix(suffix)
        if not path.exists():
            path.symlink_to(one_line_100mb)
        origin = str(path)

        def run() -> list[RawDocument | Failure]:
            return _read(str(path))

    items, seconds, peak = _measure(run)
    failures = [i for i in items if isinstance(i, Failure)]
    assert failures and not [i for i in items if isinstance(i, RawDocument)]
    assert failures[0].origin.startswith(origin)
    assert "larger than" in failures[0].reason, failures
    assert seconds < 20 and peak < 8 * CAP, (seconds, peak)


@pytest.mark.parametrize("in_thread", [False, True], ids=["main-thread", "worker-thread"])
def test_a_page_that_takes_too_long_fails_alone(in_thread: bool) -> None:
    """``Settings.extract_timeout`` holds in the main thread and in a web worker's."""
    import threading

    from storytrace.errors import InputError
    from storytrace.normalize import normalize_batch

    slow = RawDocument(f"slow-{in_thread}", "The council voted on the plan. " * 100_000)
    quick = RawDocument(f"quick-{in_thread}", "The council voted on the plan to keep the "
                        "library open on Tuesday, the mayor said. " * 3)
    results: list[object] = []

    def run() -> None:
        start = time.perf_counter()
        results.extend(normalize_batch([slow, quick], time_limit=0.3))
        results.append(time.perf_counter() - start)
        try:
            normalize(slow, time_limit=0.3)
        except InputError as error:
            results.append(error)

    if in_thread:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    else:
        run()
    failure, article, seconds, error = results
    assert isinstance(failure, Failure) and failure.origin == slow.origin
    assert failure.reason == "extracting the article took longer than 0.3 s"
    assert not isinstance(article, Failure)
    assert seconds < 5, seconds
    assert isinstance(error, InputError) and "took longer than 0.3 s" in str(error)
    time.sleep(0.5)  # a late timer must not go off here

