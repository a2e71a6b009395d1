"""Helpers for the reader tests (a module of its own so tests can import them)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from storytrace.model import Failure, RawDocument


def split(items: list[RawDocument | Failure]) -> tuple[list[RawDocument], list[Failure]]:
    """Documents and failures, checking that no failure hides a bug."""
    documents = [item for item in items if isinstance(item, RawDocument)]
    failures = [item for item in items if isinstance(item, Failure)]
    for failure in failures:
        assert "internal error" not in failure.reason, failure
    return documents, failures


Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class LocalServer:
    """A tiny HTTP server on 127.0.0.1; routes map a path to a handler."""

    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def reply(
    handler: BaseHTTPRequestHandler,
    body: bytes,
    content_type: str | None = "text/html; charset=utf-8",
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    length: bool = True,
) -> None:
    """Send a whole response from a route."""
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    if length:
        handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def slow(seconds: float) -> Route:
    """A route that answers only after ``seconds``."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        with contextlib.suppress(OSError):  # the client gave up, as it should
            reply(handler, b"<p>late</p>")

    return route
