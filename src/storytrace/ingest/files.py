"""Opening local inputs safely: size caps, gzip, and errors that name the file.

Every reader gets its bytes through :func:`open_input` (or
:func:`capped_stream` for stdin), so the size cap, the gzip-bomb guard and the
"empty file" / "permission denied" messages are the same everywhere.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import sys
import zlib
from pathlib import Path
from typing import BinaryIO

from storytrace.config import Settings
from storytrace.errors import InputError

__all__ = ["capped_stream", "is_hidden", "open_input", "prefetch", "read_capped", "walk_files"]

_CHUNK = 64 * 1024


class _CappedReader(io.RawIOBase):
    """A raw stream that stops with an :class:`InputError` past ``limit`` bytes.

    It also turns the gzip module's exceptions into one-line reasons, since
    they surface only when the stream is read (often halfway through a file).
    """

    def __init__(self, inner: BinaryIO, origin: str, limit: int, what: str) -> None:
        super().__init__()
        self._inner = inner
        self._origin = origin
        self._limit = limit
        self._what = what
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except EOFError:
            raise InputError(self._origin, "truncated gzip stream") from None
        except gzip.BadGzipFile as error:
            raise InputError(self._origin, f"not a valid gzip file ({error})") from None
        except zlib.error as error:
            raise InputError(self._origin, f"corrupt gzip stream ({error})") from None
        except PermissionError:
            raise InputError(self._origin, "permission denied") from None
        except OSError as error:
            raise InputError(self._origin, f"read error ({error.strerror or error})") from None
        self._seen += len(data)
        if self._seen > self._limit:
            raise InputError(self._origin, f"larger than {self._limit} bytes{self._what}")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def capped_stream(
    inner: BinaryIO, origin: str, limit: int, *, decompressed: bool = False
) -> io.BufferedReader:
    """Wrap a binary stream so reading more than ``limit`` bytes fails.

    Args:
        inner: the stream to read (a file, stdin, a :class:`gzip.GzipFile`).
        origin: the input's name, for errors.
        limit: the most bytes that may be read.
        decompressed: say "after decompression" in the error.

    Returns:
        a buffered reader (``readline`` and ``peek`` work).
    """
    what = " after decompression" if decompressed else ""
    return io.BufferedReader(_CappedReader(inner, origin, limit, what), buffer_size=_CHUNK)


def open_input(
    path: Path, settings: Settings, *, gunzip: bool = False, whole: bool = True
) -> io.BufferedReader:
    """Open a local file for reading, after checking it may be read.

    The size is checked before anything is read, so a huge file costs
    nothing; a gzip file is decompressed while it is read, and stops at the
    same cap, so a small bomb cannot fill memory.

    Args:
        path: the file.
        settings: ``max_input_bytes`` is the cap (on disk and decompressed).
        gunzip: decompress the file as gzip while reading it.
        whole: the file is read whole, so the cap applies to the file; a
            reader that streams records (JSONL, CSV, WARC) passes ``False``
            and caps each record instead.

    Returns:
        a buffered binary stream; close it when done.

    Raises:
        InputError: missing file, permission denied, not a regular file,
            empty file, larger than the cap.
    """
    origin = str(path)
    limit = settings.max_input_bytes if whole else sys.maxsize
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(origin, "no such file or directory") from None
    except PermissionError:
        raise InputError(origin, "permission denied") from None
    except OSError as error:
        raise InputError(origin, f"cannot read ({error.strerror or error})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(origin, "not a regular file")
    if info.st_size == 0:
        raise InputError(origin, "empty file")
    if info.st_size > limit:
        raise InputError(origin, f"larger than {limit} bytes ({info.st_size} bytes)")
    try:
        raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by the returned stream
    except PermissionError:
        raise InputError(origin, "permission denied") from None
    except OSError as error:
        raise InputError(origin, f"cannot open ({error.strerror or error})") from None
    if gunzip:
        # GzipFile.read(n) inflates at most about n bytes at a time, so the
        # cap below is enforced before a bomb grows large.
        return capped_stream(gzip.GzipFile(fileobj=raw), origin, limit, decompressed=True)
    # Capped again while reading: the file may have grown since stat().
    return capped_stream(raw, origin, limit)


def read_capped(path: Path, settings: Settings, *, gunzip: bool = False) -> bytes:
    """Read a whole local file (see :func:`open_input` for the checks).

    Returns:
        the file's bytes, decompressed when ``gunzip``.

    Raises:
        InputError: as :func:`open_input`, plus "truncated gzip stream",
            "larger than N bytes after decompression" and "empty file" when
            a gzip file holds nothing.
    """
    with open_input(path, settings, gunzip=gunzip) as stream:
        data = stream.read()
    if not data:
        raise InputError(str(path), "empty file")
    return data


def is_hidden(name: str) -> bool:
    """Whether a file or folder name is hidden (dot files, editor droppings)."""
    return name.startswith(".") or name.endswith("~")


# A folder of news (a crawl, a dataset) often carries its own documentation;
# those files describe the data and are never articles in it.
_FOLDER_DOCS = re.compile(r"(?i)(readme|license|licence|changelog|copying|notice)(\.[a-z]+)?")


def walk_files(root: Path) -> tuple[list[Path], list[InputError]]:
    """The visible regular files under ``root``, sorted, and the folders that failed.

    Symbolic links to folders are not followed (they can loop). A folder's
    own documentation (README, LICENSE, CHANGELOG, NOTICE) is skipped; name
    such a file directly to read it.

    Returns:
        the files, and one error for each folder that could not be listed.
    """
    files: list[Path] = []
    errors: list[InputError] = []

    def on_error(error: OSError) -> None:
        name = error.filename or str(root)
        reason = "permission denied" if isinstance(error, PermissionError) else str(error)
        errors.append(InputError(str(name), reason))

    for folder, dirs, names in os.walk(root, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not is_hidden(d))
        for name in sorted(names):
            if not is_hidden(name) and not _FOLDER_DOCS.fullmatch(name):
                files.append(Path(folder) / name)
    files.sort()
    return files, errors


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream (to sniff without seeking)."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def prefetch(stream: BinaryIO, size: int) -> tuple[bytes, io.BufferedReader]:
    """Read the first ``size`` bytes of a stream that cannot seek (stdin).

    Args:
        stream: the stream.
        size: how much to read ahead.

    Returns:
        the bytes read ahead (fewer at end of stream), and a stream that
        yields them again followed by the rest.
    """
    parts: list[bytes] = []
    got = 0
    while got < size:
        data = stream.read(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    sample = b"".join(parts)
    return sample, io.BufferedReader(_Prefixed(sample, stream), buffer_size=_CHUNK)
