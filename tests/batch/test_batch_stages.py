"""The batch stages and the local engine: no Ray needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from storytrace.batch import BatchJob, LocalEngine, read_outputs, run_batch
from storytrace.batch.stages import (
    article_of,
    article_row,
    date_buckets,
    idf_from_counts,
    rank_of,
    split_component,
    star_edges,
    term_counts,
)
from storytrace.cli import app
from storytrace.model import Article
from storytrace.verify import compute_idf

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _key_rows(key: str, ids: list[str]) -> list[dict[str, str]]:
    return [{"key": key, "rank": f"2026-01-0{i + 1}|{x}", "id": x} for i, x in enumerate(ids)]


def test_a_bucket_links_its_members_to_its_first_member_only() -> None:
    edges, capped = star_edges(_key_rows("k", ["c", "a", "b", "d"]), cap=10)
    assert capped == 0
    # "c" is the earliest (rank 2026-01-01): every other member links to it, no other pair.
    assert sorted((e["a"], e["b"]) for e in edges) == [("c", "a"), ("c", "b"), ("c", "d")]


def test_a_bucket_over_the_cap_is_skipped_and_counted() -> None:
    rows = _key_rows("big", [f"x{i}" for i in range(6)]) + _key_rows("small", ["p", "q"])
    edges, capped = star_edges(rows, cap=5)
    assert capped == 1
    assert [(e["a"], e["b"]) for e in edges] == [("p", "q")]


def test_idf_from_summed_counts_equals_compute_idf() -> None:
    articles = [
        Article(id="1", body="Floods hit Ristow harbour.", title="Ristow floods"),
        Article(id="2", body="The harbour reopened in Ristow."),
        Article(id="3", body="A strike closes the port."),
    ]
    rows = [article_row(a) for a in articles]
    # Counted in two batches and summed, as an engine does.
    counts = term_counts(rows[:2]) + term_counts(rows[2:])
    assert idf_from_counts(3, counts) == compute_idf(articles)


def test_an_article_survives_the_row_round_trip() -> None:
    article = Article(
        id="a1", body="One.\n\nTwo.", title="T", published=datetime(2026, 3, 1, 9, tzinfo=UTC),
        sentences=("One.", "Two."), boilerplate=("Menu",), origin="x.jsonl:3", source_id="7",
    )
    assert article_of(json.loads(json.dumps(article_row(article)))) == article


def test_dated_articles_meet_across_a_bucket_edge_and_undated_ones_pool() -> None:
    early, late = date_buckets("2026-01-29T23:00:00+00:00"), date_buckets("2026-01-31T01:00:00")
    assert set(early) & set(late)
    assert date_buckets(None) == [-1]
    # A dated article is in the undated pool too: an undated copy may be from any time.
    assert -1 in early and -1 in late
    assert rank_of({"id": "z", "published": None}) > rank_of(
        {"id": "a", "published": "2026-01-01T00:00:00+02:00"})


def test_a_weak_chain_inside_a_component_is_split(hashing) -> None:
    from storytrace.batch.stages import fingerprint_rows

    texts = [
        "The Harrow mill fire burned for six hours on Monday and destroyed the east wing.",
        "Fire at the Harrow mill on Monday destroyed the east wing after six hours.",
        "Voters in Kessel elect a new mayor as turnout reaches a record high this year.",
    ]
    rows = fingerprint_rows(
        [{**article_row(Article(id=f"a{i}", body=t)), "rank": f"{i}|a{i}"}
         for i, t in enumerate(texts)],
        hashing,
    )
    # A (made-up) same-story verdict links the election to the second fire report;
    # average linkage must not keep it, since it is unlike the first one.
    verdicts = [
        {"a": "a0", "b": "a1", "same_story": True, "score": 0.95},
        {"a": "a1", "b": "a2", "same_story": True, "score": 0.51},
    ]
    stories = {r["id"]: r["story"] for r in split_component(rows, verdicts, {})}
    assert stories["a0"] == stories["a1"] != stories["a2"]


def test_the_local_engine_writes_articles_pairs_and_stats(tmp_path: Path, hashing) -> None:
    from storytrace.demo import corpus_path

    stats = run_batch([str(corpus_path())], tmp_path, BatchJob(embedder=hashing), LocalEngine())
    articles, pairs = read_outputs(tmp_path)
    assert set(articles[0]) == {"id", "source_id", "title", "site", "url", "published",
                                "story", "is_original"}
    assert set(pairs[0]) == {"a", "b", "same_story", "relation", "score"}
    assert len(articles) == stats["articles"] == 55
    assert len(pairs) == stats["candidate_pairs"]
    # One original per story.
    originals = {}
    for a in articles:
        originals[a["story"]] = originals.get(a["story"], 0) + a["is_original"]
    assert set(originals.values()) == {1}
    assert stats["stories_with_versions"] >= 5
    written = json.loads((tmp_path / "stats.json").read_text())
    assert written["seconds"]["verify"] > 0


def test_parquet_inputs_are_read_and_bad_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "news.parquet"
    pq.write_table(pa.table({
        "id": ["1", "2"],
        "text": ["Storm Imogen closed the Carrow coast road on Tuesday night.", None],
        "title": ["Storm", "Empty"],
    }), path)
    stats = run_batch([str(path)], tmp_path / "out", BatchJob())
    assert stats["articles"] == 1
    assert stats["failure_reasons"] == [f"{path}[1]: record has no 'text' or 'html' field"]


def test_the_batch_command_names_a_missing_input(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    missing = tmp_path / "nope.jsonl"
    result = CliRunner().invoke(
        app, ["batch", str(missing), "--out", str(tmp_path / "out"), "--no-embed"]
    )
    assert result.exit_code == 1
    assert str(missing) in result.output


def test_the_batch_command_runs_the_local_engine(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    docs = tmp_path / "docs.jsonl"
    body = "The Velmar dock strike entered its third day as crane operators walked out."
    docs.write_text("\n".join(json.dumps({"id": str(i), "text": body + f" Update {i}.",
                                          "url": f"https://e{i}.example/s"})
                              for i in range(3)) + "\n")
    result = CliRunner().invoke(app, ["batch", str(docs), "--out", str(tmp_path / "o"),
                                      "--no-embed"])
    assert result.exit_code == 0, result.output
    articles, _ = read_outputs(tmp_path / "o")
    assert len({a["story"] for a in articles}) == 1


def test_a_second_run_into_the_same_folder_replaces_the_first(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "1", "text": "The Kessel council approved a budget."}) + "\n")
    # What a Ray run leaves: folders of parts.
    (tmp_path / "out" / "articles.parquet").mkdir(parents=True)
    (tmp_path / "out" / "articles.parquet" / "old.parquet").write_bytes(b"stale")
    run_batch([str(docs)], tmp_path / "out", BatchJob())
    articles, _ = read_outputs(tmp_path / "out")
    assert [a["source_id"] for a in articles] == ["1"]


def test_two_shared_rare_terms_make_a_candidate_and_one_does_not() -> None:
    from storytrace.batch.stages import shared_term_edges, term_pairs

    def row(term: str, x: str) -> dict:
        return {"key": f"{term}|-1", "rank": f"~|{x}", "id": x, "own": -1}

    rows = [row("e:ristow", "a"), row("e:ristow", "b"), row("n:340", "a"), row("n:340", "b"),
            row("e:ristow", "c")]
    edges, capped = term_pairs(rows, cap=10)
    assert capped == 0
    counted = {}
    for e in edges:
        counted[(e["a"], e["b"])] = counted.get((e["a"], e["b"]), 0) + 1
    found = shared_term_edges((a, b, n) for (a, b), n in counted.items())
    assert [(e["a"], e["b"]) for e in found] == [("a", "b")]


def test_a_shared_term_counts_once_across_two_date_buckets() -> None:
    from storytrace.batch.stages import term_pairs

    # Both in bucket 5, so both keyed under 5 and 6: the pair meets twice.
    rows = [{"key": f"e:ristow|{b}", "rank": f"r{x}", "id": x, "own": 5}
            for x in ("a", "b") for b in (5, 6)]
    edges, _ = term_pairs(rows)
    assert len(edges) == 1


def test_an_undated_article_finds_dated_ones_but_dated_ones_search_only_their_time() -> None:
    from storytrace.batch.stages import neighbour_edges, vector_rows

    def vector(*xs: float) -> bytes:
        v = np.array(xs, dtype="<f4")
        return (v / np.linalg.norm(v)).astype("<f4").tobytes()

    rows = [  # two dated reports a year apart and an undated copy, all alike
        {"id": "jan", "rank": "1", "published": "2025-01-10T00:00:00+00:00",
         "embedding": vector(1, 0.1)},
        {"id": "next-jan", "rank": "2", "published": "2026-01-10T00:00:00+00:00",
         "embedding": vector(1, 0.12)},
        {"id": "copy", "rank": "~", "published": None, "embedding": vector(1, 0.11)},
    ]
    edges = {(e["a"], e["b"]) for e in neighbour_edges(vector_rows(rows))}
    assert ("jan", "copy") in edges and ("next-jan", "copy") in edges
    assert ("jan", "next-jan") not in edges  # a year apart: never in one search
