"""Records: JSON arrays and objects, JSON lines, CSV and TSV.

Field names come from :class:`~storytrace.config.FieldMap`. JSON lines and
CSV are streamed line by line, with the size cap applied to each record, so a
corpus far larger than memory can be read; a bad line becomes a
:class:`Failure` naming ``path:LINE`` and the rest of the file goes on.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO

import charset_normalizer

from storytrace.config import FieldMap, Settings
from storytrace.errors import InputError
from storytrace.ingest.decode import (
    binary_kind,
    decode_bytes,
    decode_line,
    has_utf8_multibyte,
    strip_bom,
)
from storytrace.model import Failure, RawDocument

__all__ = [
    "iter_csv",
    "iter_json",
    "iter_jsonl",
    "iter_text_lines",
    "looks_like_jsonl",
    "record_to_document",
]

_SAMPLE = 64 * 1024
_CSV_DELIMITERS = (",", ";", "\t", "|")


def record_to_document(record: Mapping[str, object], origin: str, fields: FieldMap) -> RawDocument:
    """Turn one JSON object or CSV row into a document.

    Field names are matched exactly first, then ignoring case (CSV headers
    are often capitalized). ``text`` is tried before ``html``.

    Args:
        record: the parsed record.
        origin: where it is (``path:LINE`` or ``path[INDEX]``).
        fields: which field holds what.

    Returns:
        the document; ``content_type`` is ``"html"`` when the body came from
        the ``html`` field.

    Raises:
        InputError: the record has no non-empty text or html field, or the
            body is not a string.
    """
    lowered = {str(key).strip().lower(): value for key, value in record.items()}

    def get(name: str) -> object:
        if name in record:
            return record[name]
        return lowered.get(name.lower())

    content_type = "text"
    body = get(fields.text)
    if _is_blank(body):
        body = get(fields.html)
        content_type = "html"
    if _is_blank(body):
        raise InputError(origin, f"record has no '{fields.text}' or '{fields.html}' field")
    if not isinstance(body, str):
        name = fields.text if content_type == "text" else fields.html
        raise InputError(origin, f"field '{name}' is not a string (got {_type_name(body)})")
    return RawDocument(
        origin=origin,
        content=body,
        content_type="html" if content_type == "html" else "text",
        title=_scalar(get(fields.title)),
        url=_scalar(get(fields.url)),
        published=_scalar(get(fields.date)),
        site=_scalar(get(fields.source)),
        author=_scalar(get(fields.author)),
        source_id=_scalar(get(fields.id)),
    )


def iter_json(data: bytes, origin: str, settings: Settings) -> Iterator[RawDocument | Failure]:
    """Read a ``.json`` file: an array of objects, one object, or JSON lines.

    Args:
        data: the whole file (already size-checked).
        origin: the file's name; array items are ``origin[INDEX]``.
        settings: field names and the record cap.

    Yields:
        a document or a failure per record.

    Raises:
        InputError: the file is not JSON, or its top level is not objects.
    """
    text = decode_bytes(data, origin)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":
            # Several values one after another: JSON lines saved as .json.
            yield from _jsonl_from_lines(_split_lines(text), origin, settings)
            return
        raise InputError(origin, f"invalid JSON ({_json_reason(error)})") from None
    except (ValueError, RecursionError) as error:
        # ValueError: an integer too long to convert (CPython's digit limit).
        raise InputError(origin, f"invalid JSON ({_other_reason(error)})") from None
    if isinstance(value, dict):
        yield _record(value, origin, settings.fields)
    elif isinstance(value, list):
        if not value:
            raise InputError(origin, "empty JSON array")
        for index, item in enumerate(value):
            item_origin = f"{origin}[{index}]"
            if isinstance(item, dict):
                yield _record(item, item_origin, settings.fields)
            else:
                yield Failure(item_origin, f"not a JSON object (got {_type_name(item)})")
    else:
        raise InputError(
            origin, f"JSON is not an object or an array of objects (got {_type_name(value)})"
        )


def iter_jsonl(
    stream: BinaryIO, origin: str, settings: Settings
) -> Iterator[RawDocument | Failure]:
    """Read JSON lines from a stream, one line at a time.

    Args:
        stream: the binary stream (its ``peek`` is used to guess the encoding).
        origin: the input's name; records are ``origin:LINE``.
        settings: field names; ``max_input_bytes`` caps each line.

    Yields:
        a document or a failure per non-blank line.

    Raises:
        InputError: the stream is binary.
    """
    yield from _jsonl_from_lines(
        iter_text_lines(stream, origin, settings.max_input_bytes), origin, settings
    )


def iter_csv(
    stream: BinaryIO, origin: str, settings: Settings, *, delimiter: str | None = None
) -> Iterator[RawDocument | Failure]:
    """Read CSV or TSV with a header row, one record at a time.

    Args:
        stream: the binary stream.
        origin: the input's name; records are ``origin:LINE`` (the line the
            record starts on).
        settings: field names; ``max_input_bytes`` caps each record.
        delimiter: ``"\\t"`` for TSV; ``None`` guesses from the header line
            (comma, semicolon, tab or bar).

    Yields:
        a document or a failure per record.

    Raises:
        InputError: empty, binary, or no text/html column.
    """
    limit = settings.max_input_bytes
    _raise_csv_field_limit(limit)
    too_long: list[InputError] = []

    def physical_lines() -> Iterator[str]:
        for _, line in iter_text_lines(stream, origin, limit, keepends=True):
            if isinstance(line, InputError):
                # The csv module cannot be told about a skipped line; an
                # empty line keeps the count right and is ignored by it.
                too_long.append(line)
                yield "\n"
            else:
                yield line

    lines = physical_lines()
    header_line = next(lines, None)
    if too_long:
        raise InputError(origin, too_long[0].reason.replace("line", "header row"))
    if header_line is None or not header_line.strip():
        raise InputError(origin, "empty file" if header_line is None else "no header row")
    if delimiter is None:
        delimiter = max(_CSV_DELIMITERS, key=header_line.count)
    reader = csv.reader(_chain([header_line], lines), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as error:
        # A stray carriage return or quote in the first line: no usable header.
        raise InputError(origin, f"malformed CSV header row ({error})") from None
    except StopIteration:
        raise InputError(origin, "no header row") from None
    fields = settings.fields
    lowered = {name.lower() for name in header}
    if fields.text.lower() not in lowered and fields.html.lower() not in lowered:
        columns = ", ".join(header[:10])
        raise InputError(
            origin, f"CSV has no '{fields.text}' or '{fields.html}' column (columns: {columns})"
        )
    seen = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            yield Failure(f"{origin}:{start}", f"malformed CSV ({error})")
            continue
        for error in too_long:
            yield Failure(error.origin, error.reason)
        too_long.clear()
        if not row or all(not cell.strip() for cell in row):
            continue
        seen += 1
        row_origin = f"{origin}:{start}"
        if len(row) > len(header):
            yield Failure(row_origin, f"row has {len(row)} fields, the header has {len(header)}")
            continue
        if sum(len(cell) for cell in row) > limit:
            yield Failure(row_origin, f"record larger than {limit} bytes")
            continue
        yield _record(dict(zip(header, row, strict=False)), row_origin, fields)
    for error in too_long:
        yield Failure(error.origin, error.reason)
    if not seen:
        raise InputError(origin, "no records after the header row")


def iter_text_lines(
    stream: BinaryIO, origin: str, limit: int, *, keepends: bool = False
) -> Iterator[tuple[int, str | InputError]]:
    """Decode a stream line by line, without reading it whole.

    The encoding is guessed once from the first 64 KiB: a BOM, else UTF-8
    (lines that are not UTF-8 fall back to windows-1252, so a mixed file
    stays readable), else what charset detection says.

    Args:
        stream: a buffered binary stream.
        origin: the input's name; a line's is ``origin:LINE``.
        limit: the most bytes one line may have.
        keepends: keep the line endings.

    Yields:
        ``(line number, text)``, or ``(line number, InputError)`` for a line
        longer than ``limit`` (skipped without being held in memory).

    Raises:
        InputError: the stream is binary or empty.
    """
    sample = _peek(stream)
    if not sample:
        raise InputError(origin, "empty file")
    kind = binary_kind(sample)
    if kind is not None:
        raise InputError(origin, f"binary file (looks like {kind})")
    _, bom = strip_bom(sample)
    if bom is not None and bom != "utf-8":
        # UTF-16/32 cannot be split on b"\n"; such files are rare and read whole.
        text = decode_bytes(stream.read(), origin)
        for number, line in enumerate(text.splitlines(keepends=keepends), 1):
            yield number, line
        return
    if bom == "utf-8":
        stream.read(3)
    encoding = _guess_stream_encoding(sample)
    number = 0
    while True:
        raw = stream.readline(limit + 2)
        if not raw:
            return
        number += 1
        content = raw.rstrip(b"\r\n")
        if len(content) > limit:
            if not raw.endswith(b"\n"):
                _skip_rest_of_line(stream)
            yield number, InputError(f"{origin}:{number}", f"line larger than {limit} bytes")
            continue
        text = decode_line(raw if keepends else content, encoding)
        yield number, text


def looks_like_jsonl(sample: bytes) -> bool:
    """Whether the start of a stream looks like JSON lines.

    Args:
        sample: the first bytes of the stream.

    Returns:
        ``True`` when the first few complete non-blank lines are JSON objects.
    """
    lines = [line for line in strip_bom(sample)[0].split(b"\n")[:-1] or [sample] if line.strip()]
    if not lines:
        return False
    for line in lines[:5]:
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            return False
        if not isinstance(value, dict):
            return False
    return True


def _jsonl_from_lines(
    lines: Iterable[tuple[int, str | InputError]], origin: str, settings: Settings
) -> Iterator[RawDocument | Failure]:
    seen = 0
    for number, line in lines:
        if isinstance(line, InputError):
            seen += 1
            yield Failure(line.origin, line.reason)
            continue
        if not line.strip():
            continue
        seen += 1
        line_origin = f"{origin}:{number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield Failure(line_origin, f"invalid JSON ({error.msg}, column {error.colno})")
            continue
        except (ValueError, RecursionError) as error:
            yield Failure(line_origin, f"invalid JSON ({_other_reason(error)})")
            continue
        if not isinstance(value, dict):
            yield Failure(line_origin, f"not a JSON object (got {_type_name(value)})")
            continue
        yield _record(value, line_origin, settings.fields)
    if not seen:
        raise InputError(origin, "no records (only blank lines)")


def _record(record: Mapping[str, object], origin: str, fields: FieldMap) -> RawDocument | Failure:
    try:
        return record_to_document(record, origin, fields)
    except InputError as error:
        return Failure(error.origin, error.reason)


def _split_lines(text: str) -> Iterator[tuple[int, str | InputError]]:
    yield from enumerate(text.splitlines(), 1)


def _guess_stream_encoding(sample: bytes) -> str | None:
    """``None`` for UTF-8 (with per-line fallback), else a codec name."""
    body, _ = strip_bom(sample)
    try:
        # The sample may end inside a character; a few bytes short is enough.
        body[: max(len(body) - 4, 0)].decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return None
    if has_utf8_multibyte(body):
        # UTF-8 with some bad bytes or legacy lines: decode_line copes per line.
        return None
    best = charset_normalizer.from_bytes(body).best()
    return best.encoding if best is not None and best.encoding != "utf_8" else None


def _peek(stream: BinaryIO) -> bytes:
    peek = getattr(stream, "peek", None)
    if peek is None:
        raise TypeError("iter_text_lines needs a buffered stream (with peek)")
    return bytes(peek(_SAMPLE)[:_SAMPLE])


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while True:
        chunk = stream.readline(_SAMPLE)
        if not chunk or chunk.endswith(b"\n"):
            return


def _chain(first: Iterable[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _raise_csv_field_limit(limit: int) -> None:
    # The csv module refuses fields over 128 KiB by default, far below a
    # long article's HTML; the limit is process-wide, so it is only raised.
    wanted = min(limit, sys.maxsize)
    if csv.field_size_limit() < wanted:
        csv.field_size_limit(wanted)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _scalar(value: object) -> str | None:
    """Metadata fields as strings; nested values are not metadata."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _type_name(value: object) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        int: "number",
        float: "number",
        bool: "boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _json_reason(error: json.JSONDecodeError) -> str:
    return f"{error.msg}, line {error.lineno} column {error.colno}"


def _other_reason(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error).splitlines()[0] if str(error) else type(error).__name__
