"""Bytes to text: BOMs, declared charsets, detection, and refusing binary data.

One decoder serves every reader, so a file, a JSONL line and a download are
read the same way. The order is the one browsers use (BOM, then what the
transport or the document declares), with two departures that keep real
corpora readable: UTF-8 that is valid wins over a declared single-byte
charset (templates copied with a stale ``iso-8859-1`` meta are common), and a
UTF-8 file with some legacy lines is decoded line by line instead of failing.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from storytrace.errors import InputError

__all__ = [
    "binary_kind",
    "codec_name",
    "declared_charset",
    "decode_bytes",
    "decode_line",
    "has_utf8_multibyte",
    "parse_content_type",
    "strip_bom",
]

# Magic numbers of formats people drop into a news folder by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"\x7fELF", "ELF"),
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office"),
    (b"SQLite format 3\x00", "SQLite"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"OggS", "Ogg"),
    (b"\xca\xfe\xba\xbe", "Java class"),
    (b"\x00asm", "WebAssembly"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control bytes that never occur in text (tab, newlines, form feed and
# escape are left out: they do).
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13, 27}
_SAMPLE = 8192
_MAX_CONTROL_RATIO = 0.05
# More replacement characters than this and the "text" is noise.
_MAX_REPLACED_RATIO = 0.1

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)""")

# A well-formed UTF-8 multi-byte sequence; legacy 8-bit text almost never
# contains one by accident.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)

# Labels that mean windows-1252 on the web (WHATWG Encoding Standard): pages
# labelled latin-1 use the 0x80-0x9F range for curly quotes and dashes.
_WINDOWS_1252_ALIASES = frozenset({"latin_1", "iso8859_1", "ascii", "cp1252"})


def strip_bom(data: bytes) -> tuple[bytes, str | None]:
    """Remove a byte-order mark.

    Args:
        data: raw bytes.

    Returns:
        the bytes without the BOM, and the encoding it names (``None`` when
        there is no BOM).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :], encoding
    return data, None


def binary_kind(data: bytes) -> str | None:
    """Say whether ``data`` is clearly binary, and what it looks like.

    Args:
        data: raw bytes (only the first few kilobytes are looked at).

    Returns:
        a short name (``"PDF"``, ``"PNG"``, ``"binary data"``) when the bytes
        are not text, else ``None``.
    """
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    # Short magics that could start a line of text need their second part.
    if data.startswith(b"BZh") and data[4:10] == b"1AY&SY":
        return "bzip2"
    if data.startswith(b"ID3") and data[3:4] in (b"\x02", b"\x03", b"\x04"):
        return "MP3"
    if data[4:8] == b"ftyp":
        return "MP4"
    if data.startswith(b"RIFF") and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return data[8:12].decode("ascii").strip()
    sample = data[:_SAMPLE]
    if not sample:
        return None
    _, bom_encoding = strip_bom(sample)
    if bom_encoding and bom_encoding != "utf-8":
        # UTF-16/32 text is full of NUL bytes; the BOM says it is text.
        return None
    if b"\x00" in sample:
        return "binary data"
    controls = sum(1 for byte in sample if byte in _CONTROL)
    if controls / len(sample) > _MAX_CONTROL_RATIO:
        return "binary data"
    return None


def declared_charset(data: bytes) -> str | None:
    """The charset a document declares about itself (XML prolog or HTML meta).

    Args:
        data: raw bytes; only the first 4 KiB are searched, as browsers do.

    Returns:
        a Python codec name, or ``None`` when nothing usable is declared.
    """
    head = data[:4096]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    return codec_name(match.group(1).decode("ascii", "replace"))


def codec_name(label: str | None) -> str | None:
    """Normalize a charset label to a Python codec name (``None`` if unknown)."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    # A declared UTF-16 without a BOM in an ASCII-looking document is almost
    # always a copied template; the BOM check already covers real UTF-16.
    if name.startswith(("utf-16", "utf-32")):
        return None
    return "cp1252" if name.replace("-", "_") in _WINDOWS_1252_ALIASES else name


def decode_bytes(data: bytes, origin: str, *, declared: str | None = None) -> str:
    """Decode the bytes of one document to text.

    Args:
        data: raw bytes, already decompressed.
        origin: the input's name, used in errors.
        declared: a charset declared by the transport (an HTTP header);
            documents' own declarations are found here too.

    Returns:
        the text, with a leading BOM removed.

    Raises:
        InputError: "empty file", "binary file (looks like PDF)" or
            "undecodable text (unknown character encoding)".
    """
    if not data:
        raise InputError(origin, "empty file")
    kind = binary_kind(data)
    if kind is not None:
        raise InputError(origin, f"binary file (looks like {kind})")
    body, bom_encoding = strip_bom(data)
    if bom_encoding is not None:
        return body.decode(bom_encoding, errors="replace")
    charset = codec_name(declared) or declared_charset(body)
    # Valid non-ASCII UTF-8 beats a declared label: it cannot be valid by
    # accident, while stale labels are common.
    utf8_for_sure = _is_utf8(body) and _UTF8_MULTIBYTE.search(body) is not None
    if charset is not None and charset != "utf-8" and not utf8_for_sure:
        try:
            return body.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass  # the label is wrong; detect instead
    if _is_utf8(body):
        return body.decode("utf-8")
    return _checked(_decode_undeclared(body), origin)


def decode_line(data: bytes, encoding: str | None = None) -> str:
    """Decode one line of a line-oriented file (JSONL, CSV).

    Args:
        data: the line's bytes.
        encoding: the file's encoding when it is not UTF-8; ``None`` means
            UTF-8, with a windows-1252 fallback for lines that are not.

    Returns:
        the decoded line; undecodable bytes become U+FFFD, never an error.
    """
    if encoding is not None:
        return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_mixed_line(data)


def parse_content_type(header: str) -> tuple[str, str | None]:
    """Split a ``Content-Type`` header value.

    Args:
        header: e.g. ``'text/html; charset="ISO-8859-1"'``.

    Returns:
        the lower-cased media type (``""`` when absent) and the charset
        parameter, if any.
    """
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return media_type.strip().lower(), charset


def has_utf8_multibyte(data: bytes) -> bool:
    """Whether ``data`` holds at least one well-formed UTF-8 multi-byte character."""
    return _UTF8_MULTIBYTE.search(data) is not None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_undeclared(body: bytes) -> str:
    """Text that is not valid UTF-8 and declares nothing that works."""
    if _UTF8_MULTIBYTE.search(body):
        # Mostly UTF-8 with a few bad bytes or some legacy lines pasted in:
        # decoding line by line keeps both readable.
        return "".join(_decode_mixed_line(line) for line in body.splitlines(keepends=True))
    best = charset_normalizer.from_bytes(body).best()
    if best is not None:
        return str(best)
    # Detection gives up on short or odd samples; mostly-ASCII text with a
    # few stray bytes is still worth reading.
    return body.decode("utf-8", errors="replace")


def _decode_mixed_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(line):
        return line.decode("utf-8", errors="replace")
    return line.decode("cp1252", errors="replace")


def _checked(text: str, origin: str) -> str:
    replaced = text.count("\ufffd")
    if text and replaced / len(text) > _MAX_REPLACED_RATIO:
        raise InputError(origin, "undecodable text (unknown character encoding)")
    return text
