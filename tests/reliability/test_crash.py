"""Crash safety: SIGKILL ``storytrace ingest`` and ``scan`` at random points, then check the store.

After each kill the store must pass SQLite's integrity check; every batch
that committed must be whole (the articles of a batch are all there, with
nothing of a later batch); every article in a story must have its
fingerprint; and running the command again must finish the job: every
article once, every article in exactly one story, and the same stories as a
run that was never interrupted.

``STORYTRACE_RELIABILITY_SCALE`` multiplies the number of kills, and
``STORYTRACE_CRASH_LOG`` (a file) collects one JSON line per kill for
RELIABILITY.md.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import news_corpus, scaled

from storytrace.pipeline import BATCH_SIZE

SRC = Path(__file__).resolve().parents[2] / "src"


def _command(verb: str, corpus: Path, store: Path) -> list[str]:
    extra = ["--model", "none"] if verb == "scan" else ["--json"]
    return [sys.executable, "-m", "storytrace", verb, str(corpus), "--store", str(store), *extra]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env["HF_HUB_OFFLINE"] = "1"
    return env


def _run(verb: str, corpus: Path, store: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(_command(verb, corpus, store), env=_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return time.perf_counter() - start


def _state(store: Path) -> dict[str, object]:
    db = sqlite3.connect(store)
    try:
        state = {
            "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
            "sources": [r[0] for r in db.execute("SELECT source_id FROM articles ORDER BY seq")],
            "fingerprinted": {r[0] for r in db.execute("SELECT article_id FROM fingerprints")},
            "members": db.execute("SELECT article_id, story_id FROM story_members").fetchall(),
            "ids": {r[0]: r[1] for r in db.execute("SELECT id, source_id FROM articles")},
            "orphans": db.execute(
                "SELECT COUNT(*) FROM story_members m LEFT JOIN articles a ON a.id = m.article_id"
                " WHERE a.id IS NULL").fetchone()[0],
            "empty_stories": db.execute(
                "SELECT COUNT(*) FROM stories s WHERE NOT EXISTS"
                " (SELECT 1 FROM story_members m WHERE m.story_id = s.id)").fetchone()[0],
        }
    finally:
        db.close()
    return state


def _partition(state: dict[str, object]) -> set[frozenset[str]]:
    """The stories as sets of source ids (story ids may differ between runs)."""
    ids: dict[str, str] = state["ids"]  # type: ignore[assignment]
    groups: dict[str, set[str]] = {}
    for article, story in state["members"]:  # type: ignore[attr-defined]
        groups.setdefault(story, set()).add(ids[article])
    return {frozenset(g) for g in groups.values()}


def _log(entry: dict[str, object]) -> None:
    path = os.environ.get("STORYTRACE_CRASH_LOG")
    if path:
        with open(path, "a") as out:
            out.write(json.dumps(entry) + "\n")


@pytest.mark.parametrize(
    ("verb", "articles", "kills"),
    [("ingest", 2000, scaled(3)), ("scan", 300, scaled(2))],
)
def test_sigkill_loses_nothing_and_rerun_finishes(
    tmp_path: Path, verb: str, articles: int, kills: int
) -> None:
    records = news_corpus(articles)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
    order = [r["id"] for r in records]

    reference = tmp_path / "reference.sqlite"
    seconds = _run(verb, corpus, reference)
    expected = _state(reference)
    assert expected["sources"] == order
    rng = random.Random(int(os.environ.get("STORYTRACE_CRASH_SEED", "8")))

    for kill in range(kills):
        store = tmp_path / f"killed-{kill}.sqlite"
        process = subprocess.Popen(_command(verb, corpus, store), env=_env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.perf_counter()
        # Python's start-up writes nothing; kill at a random point once the
        # store exists, anywhere in the rest of an uninterrupted run's time.
        while not store.exists() and process.poll() is None:
            time.sleep(0.01)
        ready = time.perf_counter() - started
        time.sleep(rng.uniform(0, max(seconds - ready, 0.1)))
        at = time.perf_counter() - started
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        killed = process.returncode == -signal.SIGKILL
        if not store.exists():
            _log({"verb": verb, "kill": kill, "at_s": round(at, 2), "store": "not created"})
            continue
        after = _state(store)
        assert after["integrity"] == "ok"
        sources: list[str] = after["sources"]  # type: ignore[assignment]
        # Batches commit whole and in order: a prefix of the input, whole batches.
        assert sources == order[: len(sources)]
        assert len(sources) % BATCH_SIZE == 0 or len(sources) == len(order)
        assert after["orphans"] == 0 and after["empty_stories"] == 0
        in_stories = {a for a, _ in after["members"]}  # type: ignore[attr-defined]
        assert in_stories <= after["fingerprinted"]  # type: ignore[operator]

        _run(verb, corpus, store)
        final = _state(store)
        assert final["integrity"] == "ok"
        assert sorted(final["sources"]) == sorted(order)  # none lost, none doubled
        if verb == "scan":
            assert len(final["members"]) == len(order)  # type: ignore[arg-type]
            assert final["fingerprinted"] == set(final["ids"])  # type: ignore[arg-type]
            assert _partition(final) == _partition(expected)
        _log({"verb": verb, "kill": kill, "at_s": round(at, 2), "killed_mid_run": killed,
              "committed_articles": len(sources), "in_stories": len(in_stories),
              "lost": 0, "duplicates": len(final["sources"]) - len(set(final["sources"]))})
