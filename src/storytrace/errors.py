"""The exceptions storytrace raises.

One root, :class:`StorytraceError`, so callers can catch everything the
library means to raise with one ``except``::

    StorytraceError
    ├── InputError        an input (file, URL, line, record) could not be read;
    │   └── FetchError    the input is a URL that was refused or failed
    ├── StoreError        the embedded store is unusable (corrupt, newer schema)
    └── MissingExtraError an optional dependency is not installed

Anything else escaping the library is a bug.
"""

from __future__ import annotations

__all__ = [
    "FetchError",
    "InputError",
    "MissingExtraError",
    "StoreError",
    "StorytraceError",
]


class StorytraceError(Exception):
    """Root of every error storytrace raises on purpose."""


class InputError(StorytraceError):
    """An input could not be turned into an article.

    ``origin`` names the input (a path, ``path:line``, a URL or a WARC record)
    and ``reason`` says what was wrong, in one line. ``str(error)`` is
    ``"<origin>: <reason>"``, ready to print.
    """

    def __init__(self, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(f"{origin}: {reason}")


class FetchError(InputError):
    """A URL was refused (private address, bad scheme, too large) or failed."""


class StoreError(StorytraceError):
    """The store cannot be opened or written safely."""


class MissingExtraError(StorytraceError):
    """An optional part was asked for but its package is not installed."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"the '{package}' package is needed for this; "
            f"install it with: pip install 'storytrace[{extra}]'"
        )
