"""Local files and folders: text, HTML, gzip, sniffing, and every bad input."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest
from ingest_helpers import split

from storytrace.config import Settings
from storytrace.ingest import iter_documents, sources
from storytrace.ingest.sources import format_of


def read(*inputs: str | Path, **kwargs: object) -> tuple[list, list]:
    return split(list(iter_documents([str(item) for item in inputs], **kwargs)))  # type: ignore[arg-type]


def test_a_file_is_known_by_its_absolute_path_however_it_was_named(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storytrace.pipeline import read_articles

    (tmp_path / "pages").mkdir()
    shutil.copy(fixtures / "plain.txt", tmp_path / "pages" / "plain.txt")
    monkeypatch.chdir(tmp_path)
    named = ["pages/plain.txt", "./pages/plain.txt", "pages", str(tmp_path / "pages/plain.txt")]
    origins = {read(name)[0][0].origin for name in named}
    assert origins == {str(tmp_path / "pages" / "plain.txt")}
    # a text file has no address of its own: its id comes from where it lies
    assert len({next(iter(read_articles([name]))).id for name in named}) == 1


def test_text_markdown_and_html(fixtures: Path) -> None:
    docs, failures = read(fixtures / "plain.txt", fixtures / "notes.md", fixtures / "page.html")
    assert failures == []
    assert [d.content_type for d in docs] == ["text", "text", "html"]
    assert docs[0].origin == str(fixtures / "plain.txt")
    assert "ferry terminal" in docs[0].content
    assert "grandmother’s recipe" in docs[2].content


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.TXT", ("text", False)),
        ("a.Htm", ("html", False)),
        ("a.xhtml", ("html", False)),
        ("a.jsonl.gz", ("jsonl", True)),
        ("a.html.GZ", ("html", True)),
        ("a.warc.gz", ("warc", False)),
        ("a.arc.gz", ("warc", False)),
        ("a.ndjson", ("jsonl", False)),
        ("a.atom", ("feed", False)),
        ("a.dat", (None, False)),
    ],
)
def test_format_of(name: str, expected: tuple[str | None, bool]) -> None:
    assert format_of(name) == expected


def test_gzip_files_are_decompressed(tmp_path: Path) -> None:
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(b"<p>Gzipped page about a fair.</p>"))
    lines = b'{"text": "one"}\n{"text": "two"}\n'
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(lines))
    docs, failures = read(tmp_path / "a.html.gz", tmp_path / "b.jsonl.gz")
    assert failures == []
    assert [(d.content, d.content_type) for d in docs] == [
        ("<p>Gzipped page about a fair.</p>", "html"),
        ("one", "text"),
        ("two", "text"),
    ]
    assert docs[2].origin == f"{tmp_path / 'b.jsonl.gz'}:2"


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(b"The council met on Monday. " * 200)
    (tmp_path / "cut.txt.gz").write_bytes(data[: len(data) // 2])
    _, failures = read(tmp_path / "cut.txt.gz")
    assert [f.reason for f in failures] == ["truncated gzip stream"]


def test_truncated_gzip_jsonl_keeps_the_records_before(tmp_path: Path) -> None:
    lines = b"".join(b'{"text": "record %d with some words"}\n' % i for i in range(20000))
    data = gzip.compress(lines)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) * 3 // 4])
    docs, failures = read(tmp_path / "cut.jsonl.gz")
    assert docs, "records before the cut are kept"
    assert failures[-1].reason == "truncated gzip stream"


def test_not_gzip_at_all(tmp_path: Path) -> None:
    (tmp_path / "fake.txt.gz").write_bytes(b"this was never compressed")
    _, failures = read(tmp_path / "fake.txt.gz")
    assert len(failures) == 1
    assert "not a valid gzip file" in failures[0].reason


def test_gzip_bomb_stops_at_the_cap(tmp_path: Path) -> None:
    bomb = gzip.compress(b"A" * 5_000_000, compresslevel=9)
    assert len(bomb) < 20_000
    (tmp_path / "bomb.html.gz").write_bytes(bomb)
    _, failures = read(tmp_path / "bomb.html.gz", settings=Settings(max_input_bytes=100_000))
    assert [f.reason for f in failures] == ["larger than 100000 bytes after decompression"]


def test_file_above_the_cap_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)
    opened: list[object] = []
    real_open = open

    def spy(file: object, *args: object, **kwargs: object) -> object:
        opened.append(file)
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", spy)
    _, failures = read(big, settings=Settings(max_input_bytes=1000))
    assert [f.reason for f in failures] == ["larger than 1000 bytes (5000 bytes)"]
    assert big not in opened and str(big) not in opened


def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.html").write_bytes(b"  \n\n ")
    (tmp_path / "empty.txt.gz").write_bytes(gzip.compress(b""))
    _, failures = read(tmp_path / "empty.txt", tmp_path / "blank.html", tmp_path / "empty.txt.gz")
    assert [f.reason for f in failures] == [
        "empty file",
        "empty file (only whitespace)",
        "empty file",
    ]


def test_binary_file_with_a_text_suffix(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_bytes(b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n5 0 obj")
    _, failures = read(tmp_path / "report.txt")
    assert [str(f) for f in failures] == [
        f"{tmp_path / 'report.txt'}: binary file (looks like PDF)"
    ]


def test_undecodable_file(tmp_path: Path) -> None:
    (tmp_path / "noise.txt").write_bytes(bytes((i * 97 + 131) % 128 + 128 for i in range(3000)))
    _, failures = read(tmp_path / "noise.txt")
    assert failures[0].reason == "undecodable text (unknown character encoding)"


def test_missing_path(tmp_path: Path) -> None:
    _, failures = read(tmp_path / "nope.txt")
    assert [f.reason for f in failures] == ["no such file or directory"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_permission_denied(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    try:
        _, failures = read(locked)
    finally:
        locked.chmod(0o644)
    assert [f.reason for f in failures] == ["permission denied"]


def test_permission_denied_when_opening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Works as root too: the error is raised where the file is opened.
    target = tmp_path / "locked.txt"
    target.write_text("secret")
    real_open = open

    def deny(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(target):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", deny)
    _, failures = read(target)
    assert [f.reason for f in failures] == ["permission denied"]


def test_folder_recursion_skips_hidden(fixtures: Path, tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(fixtures / "corpus", root)
    (root / ".hidden.txt").write_text("Hidden file that must never be read.")
    (root / "2024" / ".drafts").mkdir()
    (root / "2024" / ".drafts" / "secret.txt").write_text("Draft that must never be read.")
    (root / "README.md").write_text("# This corpus\n\nWhat the folder holds, for people.")
    (root / "LICENSE").write_text("Licensed under terms that are not news.")
    docs, failures = read(root)
    assert failures == []
    names = [Path(d.origin).name for d in docs]
    assert names == ["fire.html", "weather.txt", "index.HTM", "mystery.dat"]
    assert docs[3].content_type == "html"  # sniffed
    # named directly, a README is read like any text file
    assert [Path(d.origin).name for d in read(root / "README.md")[0]] == ["README.md"]


def test_folder_glob_is_case_insensitive(fixtures: Path) -> None:
    docs, failures = read(fixtures / "corpus", pattern="*.htm*")
    assert failures == []
    assert sorted(Path(d.origin).name for d in docs) == ["fire.html", "index.HTM"]


def test_folder_with_nothing_matching(fixtures: Path) -> None:
    docs, failures = read(fixtures / "corpus", pattern="*.pdf")
    assert docs == []
    assert [f.reason for f in failures] == ["no readable files matching '*.pdf' in folder"]


def test_folder_with_no_readable_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (bad / "b.txt").write_bytes(b"")
    _, failures = read(tmp_path / "empty", bad)
    reasons = [f.reason for f in failures]
    assert reasons[0] == "no readable files in folder"
    assert "binary file (looks like PNG)" in reasons
    assert reasons[-1] == "no readable files in folder (2 failed)"
    assert failures[-1].origin == str(bad)


def test_unknown_suffix_is_sniffed(tmp_path: Path) -> None:
    (tmp_path / "a.dat").write_text("Just words about a parade downtown.")
    (tmp_path / "b.dat").write_text('[{"text": "json inside"}]')
    (tmp_path / "c").write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64)
    docs, failures = read(tmp_path / "a.dat", tmp_path / "b.dat", tmp_path / "c")
    assert [(d.content_type, d.content) for d in docs] == [
        ("text", "Just words about a parade downtown."),
        ("text", "json inside"),
    ]
    assert docs[1].origin == f"{tmp_path / 'b.dat'}[0]"
    assert [f.reason for f in failures] == ["binary file (looks like ELF)"]


def test_one_bad_input_does_not_stop_the_batch(fixtures: Path, tmp_path: Path) -> None:
    (tmp_path / "bin.html").write_bytes(b"\x00\x01\x02\x03" * 100)
    docs, failures = read(tmp_path / "missing.txt", tmp_path / "bin.html", fixtures / "plain.txt")
    assert len(failures) == 2
    assert len(docs) == 1


def test_unexpected_errors_become_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("words")

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(sources, "decode_bytes", broken)
    items = list(iter_documents([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]))
    assert [str(item) for item in items] == [
        f"{tmp_path / 'a.txt'}: internal error while reading (RuntimeError: boom)",
        f"{tmp_path / 'b.txt'}: no such file or directory",
    ]
