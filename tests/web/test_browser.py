"""End to end in headless Chromium (Debian's, driven by Playwright): the pages a person uses.

Loads the demo corpus into a store, serves it on loopback, opens the story
list, a story and a diff, and saves screenshots under out/screenshots/.
Needs /usr/bin/chromium (`.ci/run` installs it); skipped without it
outside CI, failed without it in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

from storytrace.demo import corpus_path  # noqa: E402
from storytrace.model import Article, article_id  # noqa: E402
from storytrace.pipeline import scan, update_stories  # noqa: E402
from storytrace.store import SQLiteStore  # noqa: E402
from storytrace.web import create_app  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
# Flags for a closed network: without them Chromium keeps calling home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason="Debian's chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[str]:
    store = tmp_path_factory.mktemp("web") / "demo.sqlite"
    hostile = ('The jury wrote <img src=x onerror="window.__pwned=1"> and '
               '<script>window.__pwned=1</script> on the card of the Pellinor bakery prize.')
    with SQLiteStore(store) as db:
        scan([str(corpus_path())], db, embedder=real_embedder)
        # Hostile text straight into the store (the normalizer would drop the tags).
        db.add_articles([Article(id=article_id(hostile, u), body=hostile, url=u,
                                 title="Bakery prize <script>window.__pwned=1</script>",
                                 site="hostile.example", sentences=(hostile,))
                         for u in ("https://hostile.example/1", "https://hostile.example/2")])
        update_stories(db, real_embedder)
    port = _free_port()
    app = create_app(store, embedder=real_embedder, token=None)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web app did not start within 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(site: str):
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.set_default_timeout(60_000)
        yield tab
        browser.close()


def test_story_list_story_page_and_diff(site: str, page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(site + "/")
    rows = page.locator("#stories tr")
    assert rows.count() >= 8  # header + the demo's stories with several versions
    page.screenshot(path=str(SHOTS / "stories.png"), full_page=True)

    page.fill("input[name=q]", "Ristow")
    page.click("button[type=submit]")
    page.locator("#stories a").first.click()
    page.wait_for_selector("#timeline")
    # one original, marked in the "made as" and "relation to the original" columns
    assert page.locator("#timeline tr.original").count() == 1
    assert page.locator("#timeline tr.original .rel-original").count() == 2
    assert "made as" in page.locator("#timeline tr").first.inner_text().lower()
    assert page.locator("#derivations .rel-original").count() == 1
    assert page.locator("#changes li").count() >= 2
    page.screenshot(path=str(SHOTS / "story.png"), full_page=True)

    page.locator("#timeline a.difflink").first.click()
    page.wait_for_selector("table.sbs")
    assert "Side by side" in page.content()
    page.screenshot(path=str(SHOTS / "diff.png"), full_page=True)


def test_compare_page(site: str, page) -> None:
    page.goto(site + "/compare")
    page.fill("#a", "Heavy rain flooded the river town of Marrowby on Tuesday, forcing 340 "
                    "residents from their homes, Mayor Elsa Varnholt said.")
    page.fill("#b", "Torrential rain submerged Marrowby on Tuesday and drove 430 people out of "
                    "their houses, according to Mayor Elsa Varnholt.")
    page.click("button[type=submit]")
    page.wait_for_selector("#verdict")
    assert "same story" in page.inner_text("#verdict").lower()
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)


def test_article_text_never_runs(site: str, page) -> None:
    page.goto(site + "/?q=bakery+prize")
    page.locator("#stories a").first.click()
    page.wait_for_selector("#timeline")
    assert page.evaluate("window.__pwned") is None
    assert "<script>" in page.inner_text("body")  # shown as text
