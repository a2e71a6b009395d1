"""JSON, JSON lines, CSV and TSV records, and the field map."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_helpers import split

from storytrace.config import FieldMap, Settings
from storytrace.errors import InputError
from storytrace.ingest import iter_documents
from storytrace.ingest.records import iter_jsonl
from storytrace.model import Failure, RawDocument


def read(*inputs: str | Path, **kwargs: object) -> tuple[list, list]:
    return split(list(iter_documents([str(item) for item in inputs], **kwargs)))  # type: ignore[arg-type]


def test_jsonl_records_and_bad_lines(fixtures: Path) -> None:
    path = fixtures / "articles.jsonl"
    docs, failures = read(path)
    first = docs[0]
    assert first == RawDocument(
        origin=f"{path}:1",
        content=(
            "The river festival drew a record crowd of 12,000 people on Sunday, organizers said."
        ),
        content_type="text",
        title="River festival breaks record",
        url="https://news.example/river",
        published="2024-05-02",
        site="Valley Courier",
        author="Ines Park",
        source_id="a1",
    )
    assert (docs[1].content_type, docs[1].origin) == ("html", f"{path}:2")
    assert (docs[2].source_id, docs[2].origin) == ("5", f"{path}:7")
    assert [(f.origin, f.reason) for f in failures] == [
        (f"{path}:4", "invalid JSON (Unterminated string starting at, column 22)"),
        (f"{path}:5", "record has no 'text' or 'html' field"),
        (f"{path}:6", "not a JSON object (got array)"),
    ]


def test_json_array(fixtures: Path) -> None:
    path = fixtures / "articles.json"
    docs, failures = read(path)
    assert [(d.origin, d.content_type) for d in docs] == [
        (f"{path}[0]", "text"),
        (f"{path}[1]", "html"),
    ]
    assert docs[0].title == "Longer lunch"
    assert [(f.origin, f.reason) for f in failures] == [
        (f"{path}[2]", "not a JSON object (got string)"),
        (f"{path}[3]", "record has no 'text' or 'html' field"),
    ]


def test_json_single_object_and_lines_in_dot_json(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text('{"text": "A single story.", "title": "One"}')
    (tmp_path / "lines.json").write_text('{"text": "first"}\n{"text": "second"}\n')
    docs, failures = read(tmp_path / "one.json", tmp_path / "lines.json")
    assert failures == []
    assert [(d.origin, d.content) for d in docs] == [
        (str(tmp_path / "one.json"), "A single story."),
        (f"{tmp_path / 'lines.json'}:1", "first"),
        (f"{tmp_path / 'lines.json'}:2", "second"),
    ]


def test_json_that_is_not_objects(tmp_path: Path) -> None:
    (tmp_path / "num.json").write_text("42")
    (tmp_path / "bad.json").write_text('{"text": ')
    (tmp_path / "empty.json").write_text("[]")
    (tmp_path / "digits.json").write_text('{"text": "x", "n": ' + "9" * 5000 + "}")
    _, failures = read(
        *(tmp_path / n for n in ("num.json", "bad.json", "empty.json", "digits.json"))
    )
    reasons = [f.reason for f in failures]
    assert reasons[0] == "JSON is not an object or an array of objects (got number)"
    assert reasons[1].startswith("invalid JSON (Expecting value, line 1")
    assert reasons[2] == "empty JSON array"
    assert reasons[3].startswith("invalid JSON (Exceeds the limit")


def test_jsonl_line_above_the_cap_fails_alone(tmp_path: Path) -> None:
    long_line = json.dumps({"text": "x" * 5000})
    (tmp_path / "a.jsonl").write_text(
        f'{{"text": "short one"}}\n{long_line}\n{{"text": "after"}}\n'
    )
    docs, failures = read(tmp_path / "a.jsonl", settings=Settings(max_input_bytes=1000))
    assert [d.content for d in docs] == ["short one", "after"]
    assert [(f.origin, f.reason) for f in failures] == [
        (f"{tmp_path / 'a.jsonl'}:2", "line larger than 1000 bytes")
    ]


def test_jsonl_is_streamed_not_read_whole() -> None:
    class Endless(io.RawIOBase):
        """An unbounded stream of records: reading it whole would never end."""

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
            chunk = b'{"text": "again"}\n' * (len(buffer) // 18)
            buffer[: len(chunk)] = chunk
            return len(chunk)

    records = iter_jsonl(io.BufferedReader(Endless()), "endless", Settings())
    first = [next(records) for _ in range(3)]
    assert [item.origin for item in first] == ["endless:1", "endless:2", "endless:3"]


def test_jsonl_blank_file_and_binary(tmp_path: Path) -> None:
    (tmp_path / "blank.jsonl").write_text("\n\n   \n")
    (tmp_path / "bin.jsonl").write_bytes(b"\x00\x01\x02" * 50)
    _, failures = read(tmp_path / "blank.jsonl", tmp_path / "bin.jsonl")
    assert [f.reason for f in failures] == [
        "no records (only blank lines)",
        "binary file (looks like binary data)",
    ]


def test_jsonl_in_legacy_and_mixed_encodings(tmp_path: Path) -> None:
    utf8 = '{"text": "Café ouvert"}\n'.encode()
    cp1252 = '{"text": "Crème brûlée"}\n'.encode("cp1252")
    (tmp_path / "mixed.jsonl").write_bytes(utf8 + cp1252)
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + utf8)
    (tmp_path / "utf16.jsonl").write_bytes('{"text": "Zweite Ausgabe"}\n'.encode("utf-16"))
    docs, failures = read(
        tmp_path / "mixed.jsonl", tmp_path / "bom.jsonl", tmp_path / "utf16.jsonl"
    )
    assert failures == []
    assert [d.content for d in docs] == [
        "Café ouvert",
        "Crème brûlée",
        "Café ouvert",
        "Zweite Ausgabe",
    ]


def test_field_map(fixtures: Path) -> None:
    fields = FieldMap(
        id="doc_no",
        text="body",
        title="headline",
        url="link",
        date="pubdate",
        source="outlet",
        author="byline",
    )
    docs, failures = read(fixtures / "custom_fields.jsonl", settings=Settings(fields=fields))
    assert failures == []
    doc = docs[0]
    assert (doc.source_id, doc.title, doc.url, doc.published, doc.site, doc.author) == (
        "k1",
        "Canal gets trees",
        "https://news.example/trees",
        "2024-04-20",
        "Canal Weekly",
        "Sam Ode",
    )
    assert doc.content.startswith("Volunteers planted")
    # With the default map the same file has no body.
    _, failures = read(fixtures / "custom_fields.jsonl")
    assert [f.reason for f in failures] == ["record has no 'text' or 'html' field"]


def test_non_string_body_and_nested_metadata(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"text": ["a", "b"]}\n{"text": "ok", "title": {"nested": 1}, "id": 7}\n'
    )
    docs, failures = read(tmp_path / "a.jsonl")
    assert [f.reason for f in failures] == ["field 'text' is not a string (got array)"]
    assert (docs[0].title, docs[0].source_id) == (None, "7")


def test_csv(fixtures: Path) -> None:
    path = fixtures / "articles.csv"
    docs, failures = read(path)
    assert [(d.origin, d.source_id) for d in docs] == [(f"{path}:2", "c1"), (f"{path}:3", "c2")]
    assert docs[0].url == "https://news.example/market"
    assert docs[1].content == (
        'The mayor said "we are ready" and cut the ribbon.\n'
        "A second paragraph follows on a new line."
    )
    assert [(f.origin, f.reason) for f in failures] == [
        (f"{path}:5", "record has no 'text' or 'html' field"),
        (f"{path}:6", "row has 6 fields, the header has 5"),
    ]


def test_tsv_and_semicolon_csv(fixtures: Path, tmp_path: Path) -> None:
    (tmp_path / "semi.csv").write_text("Title;Text\nHarbor;Boats returned to the harbor.\n")
    docs, failures = read(fixtures / "articles.tsv", tmp_path / "semi.csv")
    assert failures == []
    assert [d.title for d in docs] == ["Tram line extended", "Harbor"]
    assert docs[1].content == "Boats returned to the harbor."  # headers match ignoring case


def test_csv_without_a_text_column(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,headline\n1,Nothing to read\n")
    (tmp_path / "b.csv").write_text("id,text\n")
    _, failures = read(tmp_path / "a.csv", tmp_path / "b.csv")
    assert [f.reason for f in failures] == [
        "CSV has no 'text' or 'html' column (columns: id, headline)",
        "no records after the header row",
    ]


def test_csv_with_an_html_column_and_long_fields(tmp_path: Path) -> None:
    body = "<p>" + "word " * 40_000 + "</p>"  # above the csv module's 128 KiB default
    (tmp_path / "a.csv").write_text(f'id,html\n1,"{body}"\n')
    docs, failures = read(tmp_path / "a.csv")
    assert failures == []
    assert docs[0].content_type == "html"
    assert docs[0].content == body


def test_csv_row_above_the_cap(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("text\n" + "y" * 3000 + "\nshort\n")
    docs, failures = read(tmp_path / "a.csv", settings=Settings(max_input_bytes=1000))
    assert [d.content for d in docs] == ["short"]
    assert [f.reason for f in failures] == ["line larger than 1000 bytes"]


lines = st.lists(
    st.one_of(
        st.text(max_size=80),
        st.dictionaries(
            st.sampled_from(["text", "html", "title", "id", "url", "x"]),
            st.one_of(st.text(max_size=20), st.integers(), st.none(), st.lists(st.integers())),
        ).map(json.dumps),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(lines)
def test_jsonl_reader_never_raises_anything_else(text_lines: list[str]) -> None:
    data = "\n".join(text_lines).encode("utf-8", errors="surrogatepass")
    stream = io.BufferedReader(io.BytesIO(data))
    try:
        for item in iter_jsonl(stream, "fuzz.jsonl", Settings(max_input_bytes=200)):
            assert isinstance(item, RawDocument | Failure)
    except InputError as error:
        assert error.origin.startswith("fuzz.jsonl")
