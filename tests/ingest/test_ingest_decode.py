"""The shared decoder: BOMs, declared charsets, detection, binary refusal."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storytrace.errors import InputError
from storytrace.ingest.decode import (
    binary_kind,
    declared_charset,
    decode_bytes,
    decode_line,
    parse_content_type,
)

STORY = "Le café du port a rouvert ses portes, a déclaré la mairie — « enfin », dit-on."


def test_plain_utf8() -> None:
    assert decode_bytes(STORY.encode(), "a.txt") == STORY


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_bom_decides_and_is_removed(bom: bytes, codec: str) -> None:
    assert decode_bytes(bom + STORY.encode(codec), "a.txt") == STORY


def test_http_declared_charset() -> None:
    data = "Über den Fluss".encode("cp1252")
    assert decode_bytes(data, "u", declared="iso-8859-1") == "Über den Fluss"


def test_html_meta_charset() -> None:
    html = '<html><head><meta charset="windows-1251"></head><body>Новости</body></html>'
    assert "Новости" in decode_bytes(html.encode("cp1251"), "a.html")


def test_http_equiv_and_xml_prolog() -> None:
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    assert declared_charset(meta) == "cp1252"  # latin-1 labels mean windows-1252
    assert declared_charset(b'<?xml version="1.0" encoding="koi8-r"?><rss/>') == "koi8-r"
    assert declared_charset(b"<meta charset=bogus-charset>") is None


def test_latin1_label_reads_curly_quotes() -> None:
    data = b"\x93Quoted\x94 \x96 dash"
    assert decode_bytes(data, "a", declared="iso-8859-1") == "\u201cQuoted\u201d \u2013 dash"


def test_valid_utf8_beats_a_stale_label() -> None:
    html = '<meta charset="iso-8859-1"><p>naïve café</p>'.encode()
    assert "naïve café" in decode_bytes(html, "a.html")


def test_wrong_label_falls_back_to_detection() -> None:
    assert decode_bytes(STORY.encode(), "a", declared="ascii") == STORY


def test_undeclared_legacy_text_is_detected() -> None:
    text = "Городской совет утвердил бюджет на следующий год, сообщил мэр.\n" * 5
    assert decode_bytes(text.encode("cp1251"), "a.txt") == text


def test_utf8_with_a_few_bad_bytes_is_read_with_replacement() -> None:
    data = STORY.encode() + b" \xff\xfe broken " + STORY.encode()
    text = decode_bytes(data, "a.txt")
    assert text.startswith(STORY)
    assert text.endswith(STORY)


def test_mixed_utf8_and_cp1252_lines_stay_readable() -> None:
    data = "Première ligne en UTF-8.\n".encode() + "Deuxième ligne en cp1252.\n".encode("cp1252")
    assert decode_bytes(data, "a.txt") == "Première ligne en UTF-8.\nDeuxième ligne en cp1252.\n"
    assert decode_line("Café".encode("cp1252")) == "Café"
    assert decode_line("Café".encode()) == "Café"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"PK\x03\x04\x14\x00\x00\x00", "ZIP"),
        (b"\x7fELF\x02\x01\x01\x00", "ELF"),
        (b"\x1f\x8b\x08\x00\x00\x00", "gzip"),
        (b"plain words\x00\x00\x00 and nulls", "binary data"),
        (bytes(range(1, 9)) * 50, "binary data"),
    ],
)
def test_binary_is_refused(data: bytes, kind: str) -> None:
    assert binary_kind(data) == kind
    with pytest.raises(InputError, match=rf"binary file \(looks like {kind}\)"):
        decode_bytes(data, "x.bin")


def test_text_starting_like_a_short_magic_is_not_binary() -> None:
    assert binary_kind(b"BZh is a word in no language, but this is text.") is None
    assert binary_kind(b"ID3 tags are discussed in this article.") is None


def test_empty_is_refused() -> None:
    with pytest.raises(InputError, match="empty file"):
        decode_bytes(b"", "e.txt")


def test_undecodable_noise_is_refused() -> None:
    noise = bytes((i * 97 + 131) % 128 + 128 for i in range(3000))
    with pytest.raises(InputError, match="undecodable"):
        decode_bytes(noise, "n.txt")


def test_parse_content_type() -> None:
    assert parse_content_type('Text/HTML; Charset="ISO-8859-1"') == ("text/html", "ISO-8859-1")
    assert parse_content_type("") == ("", None)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "utf-8", "latin-1", "bogus", "utf-16"]))
def test_decoder_raises_only_input_errors(data: bytes, declared: str | None) -> None:
    try:
        text = decode_bytes(data, "fuzz", declared=declared)
    except InputError as error:
        assert error.origin == "fuzz"
    else:
        assert isinstance(text, str)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_decode_line_never_raises(data: bytes) -> None:
    assert isinstance(decode_line(data), str)
