"""Settings, passed explicitly to the stages that need them (never global)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FieldMap", "Settings"]


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Which JSON/CSV fields hold which part of a document.

    Each attribute names the field to read; ``text`` and ``html`` are tried in
    that order, so a record may carry either.
    """

    id: str = "id"
    text: str = "text"
    html: str = "html"
    title: str = "title"
    url: str = "url"
    date: str = "date"
    source: str = "source"
    author: str = "author"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run can be configured with.

    Args:
        max_input_bytes: the largest file, record or download read; larger
            inputs fail with a clear error instead of exhausting memory.
        fetch_timeout: seconds for one URL fetch (connect, read, whole).
        max_redirects: redirects followed per URL, each one checked again.
        allow_private_urls: fetch loopback, private and link-local addresses
            (off by default: a hostile URL must not reach the local network).
        extract_timeout: seconds normalizing one page may take (reading its
            text, then building the article); a page that takes longer fails
            with a clear error instead of stalling the batch. ``0``: no limit.
        fields: JSON/CSV field names.
        user_agent: sent with URL fetches.
    """

    max_input_bytes: int = 20 * 1024 * 1024
    fetch_timeout: float = 20.0
    max_redirects: int = 5
    allow_private_urls: bool = False
    extract_timeout: float = 30.0
    fields: FieldMap = field(default_factory=FieldMap)
    user_agent: str = "storytrace/0.1 (+https://pypi.org/project/storytrace/)"
