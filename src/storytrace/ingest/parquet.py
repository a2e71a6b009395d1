"""Parquet: one record per row, fields named as for JSON (see :class:`~storytrace.config.FieldMap`).

Read a row group at a time, so a file larger than memory streams. pyarrow
is an optional dependency (the ``batch`` and ``ray`` extras); without it a
Parquet input is a one-line failure naming the file, like any other
unreadable input.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from storytrace.config import Settings
from storytrace.errors import InputError
from storytrace.ingest.records import record_to_document
from storytrace.model import Failure, RawDocument

__all__ = ["iter_parquet"]


def iter_parquet(path: Path, origin: str, settings: Settings) -> Iterator[RawDocument | Failure]:
    """Read a Parquet file, one document per row (``origin[ROW]``, rows counted from 0).

    Raises:
        InputError: pyarrow is missing, or the file is not Parquet.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            origin, "reading Parquet needs pyarrow (pip install 'storytrace[batch]')"
        ) from None
    try:
        table = pq.ParquetFile(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(origin, f"not a Parquet file ({str(error).splitlines()[0]})") from None
    row = 0
    limit = settings.max_input_bytes
    for batch in table.iter_batches(batch_size=1024):
        for record in batch.to_pylist():
            row_origin = f"{origin}[{row}]"
            row += 1
            size = sum(len(v) for v in record.values() if isinstance(v, str))
            if size > limit:
                yield Failure(row_origin, f"record larger than {limit} bytes")
                continue
            try:
                yield record_to_document(record, row_origin, settings.fields)
            except InputError as error:
                yield Failure(error.origin, error.reason)
