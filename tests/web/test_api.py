"""The HTTP API and the web pages, through FastAPI's test client (httpx)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures import BAKERY, FLOOD, FLOOD_REWRITE

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from storytrace.pipeline import scan
from storytrace.store import SQLiteStore
from storytrace.web import create_app

TOKEN = "test-token-0123456789"
HOSTILE = 'The judges wrote <script>alert("x")</script> and left.'


@pytest.fixture
def client(tmp_path: Path, hashing) -> TestClient:
    pages = tmp_path / "pages"
    (pages / "herald.example").mkdir(parents=True)
    (pages / "farm.example").mkdir()
    (pages / "herald.example" / "flood.txt").write_text(FLOOD)
    (pages / "farm.example" / "flood.txt").write_text(FLOOD)
    (pages / "farm.example" / "bakery.txt").write_text(BAKERY)
    store = tmp_path / "s.sqlite"
    with SQLiteStore(store) as db:
        scan([str(pages)], db, embedder=hashing)
    return TestClient(create_app(store, embedder=hashing, token=TOKEN))


def test_story_list_detail_and_paging(client: TestClient) -> None:
    listed = client.get("/api/stories").json()
    assert listed["total"] == 1
    [story] = listed["stories"]
    assert [m["relation"] for m in story["members"]] == ["original", "duplicate"]
    assert client.get("/api/stories", params={"multi": False}).json()["total"] == 2
    assert client.get("/api/stories", params={"q": "bakery", "multi": False}).json()["total"] == 1
    assert client.get("/api/stories", params={"site": "nowhere.example"}).json()["total"] == 0
    assert client.get("/api/stories", params={"offset": 1}).json()["stories"] == []
    detail = client.get(f"/api/stories/{story['id']}").json()
    assert [d["relation"] for d in detail["derivations"]] == ["duplicate"]
    assert client.get("/api/stories/nope").status_code == 404


def test_inputs_are_validated_with_clear_errors(client: TestClient) -> None:
    bad = client.get("/api/stories", params={"limit": 0})
    assert bad.status_code == 422 and "limit" in bad.text
    assert client.post("/api/compare", json={"a": {"text": ""}, "b": "x"}).status_code == 422
    nothing = client.post("/api/compare", json={"a": {"text": "!!"}, "b": {"text": "??"}})
    assert nothing.status_code == 400 and "request" in nothing.json()["detail"]
    assert client.post("/api/compare", json={"a": "nope", "b": "nope"}).status_code == 404


def test_writes_need_the_token(client: TestClient) -> None:
    body = {"articles": [{"text": FLOOD_REWRITE, "source": "spin.example"}]}
    assert client.post("/api/ingest", json=body).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert client.post("/api/ingest", json=body, headers=wrong).status_code == 401
    ok = client.post("/api/ingest", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["stored"] == 1
    again = client.post("/api/ingest", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert again.json()["duplicates"] == 1  # the same text posted twice is one article


def test_file_upload_names_bad_files(client: TestClient) -> None:
    files = [("files", ("story.txt", FLOOD_REWRITE.encode(), "text/plain")),
             ("files", ("photo.txt", b"\xff\xd8\xff\xe0" * 50, "text/plain"))]
    reply = client.post("/api/ingest/files", files=files,
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["stored"] == 1
    assert [f["input"] for f in reply.json()["failed"]] == ["photo.txt"]


def test_compare_and_diff(client: TestClient) -> None:
    pair = {"a": {"text": FLOOD}, "b": {"text": BAKERY}}
    verdict = client.post("/api/compare", json=pair).json()
    assert verdict["same_story"] is False
    # The same JSON as `storytrace compare --json`, evidence and all.
    assert {"a", "b", "relation", "score", "evidence"} <= set(verdict)
    assert {"aligned", "shared_entities", "own_names_a", "looks_back", "features"} <= set(
        verdict["evidence"])
    changed = FLOOD.replace("340 residents", "430 residents")
    d = client.post("/api/diff", json={"a": {"text": FLOOD}, "b": {"text": changed}}).json()
    assert any(f["status"] == "conflict" and "340" in f["a"] for f in d["facts"])


def test_pages_render_and_escape_article_text(client: TestClient, hashing) -> None:
    # The normalizer drops tags, so put hostile text into the store directly,
    # as a store written by another tool could hold it.
    from storytrace.model import Article, article_id
    from storytrace.pipeline import update_stories

    hostile_body = BAKERY + HOSTILE
    copies = [Article(id=article_id(hostile_body, u), body=hostile_body, url=u,
                      title=f"Prize {HOSTILE}", site="farm.example", sentences=(hostile_body,))
              for u in ("https://farm.example/1", "javascript:alert(1)")]
    with SQLiteStore(client.app.state.store_path) as db:
        db.add_articles(copies)
        update_stories(db, hashing)
    home = client.get("/", params={"q": "prize"})
    assert home.status_code == 200 and "&lt;script&gt;" in home.text
    assert "<script>alert" not in home.text
    [story] = client.get("/api/stories", params={"q": "prize"}).json()["stories"]
    page = client.get(f"/stories/{story['id']}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert 'href="javascript:' not in page.text
    ids = [m["id"] for m in story["members"]]
    diff_page = client.get("/diff", params={"a": ids[0], "b": ids[1]})
    assert diff_page.status_code == 200 and "Side by side" in diff_page.text
    assert "<script>alert" not in diff_page.text
    form = client.post("/compare", data={"a": FLOOD, "b": FLOOD_REWRITE})
    assert form.status_code == 200 and 'id="verdict"' in form.text
    # The rewrite names no one the report does not: nothing of its own.
    assert "only B: none" in form.text
    with_witness = FLOOD + 'Baker Pieter Aalders said: "The water reached my kitchen."\n'
    form = client.post("/compare", data={"a": with_witness, "b": FLOOD_REWRITE})
    assert "Pieter Aalders · only B: none" in form.text
    assert client.get("/compare").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "storytrace"
