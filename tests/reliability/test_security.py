"""Security gaps the reader and web tests left open.

tests/ingest/test_ingest_web.py covers the address checks, pinning, size
caps and timeouts of a fetch; tests/web/test_api.py the token and escaping
on the main pages. Here: a DNS answer that turns private on a redirect's
second lookup, credentials kept out of errors and the store, the request
body cap, an empty token, escaping in every page and in the HTML report for
every article field, and the token absent from the server's output.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storytrace.config import Settings
from storytrace.errors import FetchError
from storytrace.ingest import iter_documents, web
from storytrace.model import Article, Failure, article_id
from storytrace.store import SQLiteStore

SRC = Path(__file__).resolve().parents[2] / "src"
PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_a_name_that_turns_private_on_a_later_lookup_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rebinding: public for the check of hop one, loopback when the redirect names it again."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[web.IPAddress]:
        asked.append(host)
        return [ipaddress.ip_address(a) for a in next(answers)]

    class Redirect:
        status_code = 302

        def __init__(self) -> None:
            self.headers = {"Location": "http://rebind.example/again"}

        def close(self) -> None:
            pass

    sent: list[str] = []

    def send(client: object, request: object, **kwargs: object) -> Redirect:
        sent.append(str(request.url))  # type: ignore[attr-defined]
        return Redirect()

    monkeypatch.setattr(web, "_resolve", resolve)
    monkeypatch.setattr("httpx.Client.send", send)
    with pytest.raises(FetchError) as caught:
        web.fetch("http://rebind.example/", Settings())
    assert "127.0.0.1 is a loopback address" in caught.value.reason
    assert asked == ["rebind.example", "rebind.example"]
    # The one request made went to the address that was checked, never to a name.
    assert sent == ["http://93.184.216.34/"]


def test_credentials_never_reach_errors_or_the_store(tmp_path: Path) -> None:
    from storytrace.pipeline import ingest

    url = "http://editor:hunter2@news.example/a"
    [failure] = list(iter_documents([url]))
    assert isinstance(failure, Failure)
    assert "hunter2" not in failure.origin + failure.reason
    assert failure.origin == "http://***@news.example/a"
    with SQLiteStore(tmp_path / "s.sqlite") as db:
        ingest([url], db)
        assert not any("hunter2" in " ".join(row) for row in db.failures())


@pytest.fixture
def hostile_store(tmp_path: Path, hashing) -> Path:
    """A store whose articles carry the payload in every text field."""
    from storytrace.pipeline import update_stories

    body = ("The council met on Tuesday and voted to keep the library open " + PAYLOAD
            + ", the mayor said. Residents cheered the decision on Tuesday evening.")
    articles = [
        Article(id=article_id(body, url), body=body, url=url, title=f"Library {PAYLOAD}",
                site=f"site{k}.example{PAYLOAD}", author=PAYLOAD, claimed_source=PAYLOAD,
                dateline=PAYLOAD, end_slug=PAYLOAD, sentences=(body,), origin=PAYLOAD)
        for k, url in enumerate(["https://a.example/1", "javascript:alert(3)"])
    ]
    store = tmp_path / "hostile.sqlite"
    with SQLiteStore(store) as db:
        db.add_articles(articles)
        update_stories(db, hashing)
    return store


def _assert_inert(html: str, where: str) -> None:
    """No markup of the payload survived: it shows as text, never as elements."""
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE), where


def test_every_page_and_the_report_escape_every_field(hostile_store: Path, hashing) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from storytrace.report import render_report
    from storytrace.web import create_app

    client = TestClient(create_app(hostile_store, embedder=hashing, token="t0ken"))
    [story] = client.get("/api/stories").json()["stories"]
    ids = [m["id"] for m in story["members"]]
    pages = {
        "/": client.get("/"),
        "/?q=library": client.get("/", params={"q": f"library {PAYLOAD}"[:200]}),
        "story": client.get(f"/stories/{story['id']}"),
        "diff": client.get("/diff", params={"a": ids[0], "b": ids[1]}),
        "compare": client.post("/compare", data={"a": PAYLOAD * 3, "b": PAYLOAD}),
        "404": client.get(f"/stories/{PAYLOAD}"),
    }
    for where, response in pages.items():
        assert response.status_code in (200, 404), where
        _assert_inert(response.text, where)
    assert "&lt;script&gt;" in pages["story"].text

    with SQLiteStore(hostile_store) as db:
        stories = list(db.iter_stories())
        articles = {a.id: a for a in db.iter_articles()}
    html = render_report(stories, articles, title=PAYLOAD, failures=[PAYLOAD])
    _assert_inert(html, "report")
    assert "&lt;script&gt;" in html


def test_empty_token_and_oversized_bodies_are_refused(tmp_path: Path, hashing) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from storytrace.web import create_app

    open_app = TestClient(create_app(tmp_path / "a.sqlite", embedder=hashing, token=""))
    answer = open_app.post("/api/ingest", json={"articles": []}, headers={"Authorization": ""})
    assert answer.status_code == 401
    small = TestClient(create_app(tmp_path / "b.sqlite", embedder=hashing, token="t",
                                  max_request_bytes=10_000))
    big = small.post("/api/compare", content=b"{" + b" " * 20_000 + b"}",
                     headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "larger than 10000 bytes" in big.json()["detail"]

    def chunks():
        for _ in range(40):
            yield b" " * 1000

    streamed = small.post("/api/compare", content=chunks(),
                          headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


def test_the_token_never_appears_in_the_server_output(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    token = "s3cret-token-do-not-log-0123456789"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, STORYTRACE_TOKEN=token, HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    server = subprocess.Popen(
        [sys.executable, "-m", "storytrace", "serve", "--store", str(tmp_path / "s.sqlite"),
         "--port", str(port), "--model", "none"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    import httpx

    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{base}/api/stories", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        body = {"articles": [{"text": "The council met on Tuesday and voted to keep the "
                              "library open, the mayor said on Tuesday evening."}]}
        good = httpx.post(f"{base}/api/ingest", json=body,
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
        bad = httpx.post(f"{base}/api/ingest", json=body,
                         headers={"Authorization": f"Bearer {token}x"}, timeout=60)
        query = httpx.get(f"{base}/api/stories", params={"q": token[:20]}, timeout=60)
        assert good.status_code == 200 and bad.status_code == 401 and query.status_code == 200
        for response in (good, bad):
            assert token not in response.text
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "storytrace on http://127.0.0.1" in output
    assert token not in output
