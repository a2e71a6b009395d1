"""Shared fixtures for the reader tests: fixture paths, a network guard, a local server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ingest_helpers import LocalServer, reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"


@pytest.fixture
def fixtures() -> Path:
    """The folder of hand-written fixture files."""
    return FIXTURES


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """Run a local HTTP server in a thread for one test."""
    state = LocalServer(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            state.seen.append((path, self.headers.get("Host", "")))
            route = state.routes.get(path)
            if route is None:
                reply(self, b"not found", "text/plain", status=404)
            else:
                route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False  # a deliberately slow handler must not hold up teardown
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
