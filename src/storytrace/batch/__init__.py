"""Batch runs: a whole corpus in, Parquet of articles with their stories and of verified pairs out.

The same stage functions (:mod:`storytrace.batch.stages`) run under either
engine: :class:`LocalEngine` (the default: one process, plain Python and
numpy) or :class:`RayEngine` (Ray Data, ``pip install 'storytrace[ray]'``),
so a laptop and a cluster give the same stories. Unlike
:func:`storytrace.pipeline.find_stories`, which replays articles one at a
time through the incremental assigner, a batch run links whole batches:
LSH stars, nearest vectors and shared rare terms within date buckets,
verification of every candidate, connected components, then average
linkage inside each component. docs/SCALING.md says how far that goes.

Outputs, in ``out``:

- ``articles.parquet``: ``id, title, site, url, published, story, is_original``;
- ``pairs.parquet``: ``a, b, same_story, relation, score`` (every verified candidate);
- ``stats.json``: counts, capped buckets, candidate pairs, seconds per stage.

The local engine writes single files; the Ray engine writes a folder of
part files under the same names. ``pyarrow.parquet.read_table`` reads either.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from storytrace.batch.stages import (
    BUCKET_DAYS,
    Row,
    band_rows,
    chunk_count,
    components,
    fingerprint_chunks,
    first_of_each,
    idf_from_counts,
    neighbour_edges,
    read_part,
    shared_term_edges,
    split_component,
    star_edges,
    term_counts,
    term_pairs,
    term_rows,
    vector_rows,
    verify_rows,
)
from storytrace.candidates import MAX_BUCKET
from storytrace.config import Settings
from storytrace.errors import StorytraceError
from storytrace.fingerprint import Embedder

__all__ = [
    "BatchJob",
    "Engine",
    "LocalEngine",
    "RayEngine",
    "StageClock",
    "payload_bytes",
    "read_outputs",
    "run_batch",
]

# What a run writes into its output folder.
OUTPUTS = ("articles.parquet", "pairs.parquet", "stats.json")


@dataclass(frozen=True)
class BatchJob:
    """What a batch run does, whichever engine runs it.

    Args:
        settings: reader settings (size caps, field names, URL policy).
        embedder: the sentence embedder (``None``: words and facts only). A
            :class:`~storytrace.fingerprint.SentenceTransformerEmbedder`
            loads its model where it runs (a Ray actor loads its own).
        bucket_cap: LSH buckets larger than this are skipped (and counted).
        bucket_days: width of the date buckets candidates are keyed by.
    """

    settings: Settings = field(default_factory=Settings)
    embedder: Embedder | None = None
    bucket_cap: int = MAX_BUCKET
    bucket_days: int = BUCKET_DAYS


class Engine(Protocol):
    """Runs a batch job over inputs and writes its outputs into a folder."""

    def run(self, inputs: Sequence[str], out: Path, job: BatchJob) -> dict[str, Any]:
        """Run ``job`` over ``inputs``; write ``out``'s files; return what ``stats.json`` holds."""
        ...


class StageClock:
    """Seconds spent per stage, and bytes per article of each intermediate."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.bytes: dict[str, int] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(
                self.seconds.get(name, 0.0) + time.perf_counter() - start, 4
            )


def payload_bytes(rows: Sequence[Row]) -> int:
    """The bytes a list of rows carries: strings and bytes by length, other values 8 each."""
    total = 0
    for row in rows:
        for value in row.values():
            if isinstance(value, str | bytes):
                total += len(value)
            elif isinstance(value, list):
                total += sum(len(v) if isinstance(v, str | bytes) else 8 for v in value)
            else:
                total += 8
    return total


def run_batch(
    inputs: Sequence[str], out: Path, job: BatchJob | None = None, engine: Engine | None = None
) -> dict[str, Any]:
    """Run a batch job with ``engine`` (default :class:`LocalEngine`); return its stats.

    Raises:
        StorytraceError: no input was given, or ``out`` exists and is not a folder.
    """
    if not inputs:
        raise StorytraceError("batch: no inputs given")
    if out.exists() and not out.is_dir():
        raise StorytraceError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    # A Ray run writes folders of parts and adds to what is there: clear
    # what an earlier run (of either engine) left, so no stale rows remain.
    for name in OUTPUTS:
        stale = out / name
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    return (engine or LocalEngine()).run(list(inputs), out, job or BatchJob())


def finish_stats(
    stats: dict[str, Any], clock: StageClock, articles: int, out: Path
) -> dict[str, Any]:
    """Add timings and rates to ``stats`` and write ``stats.json``."""
    stats["seconds"] = clock.seconds
    stats["articles_per_second"] = {
        name: round(articles / s, 1) for name, s in clock.seconds.items() if s > 0
    }
    stats["bytes_per_article"] = {
        name: round(b / articles, 1) for name, b in clock.bytes.items() if articles
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
    return stats


class LocalEngine:
    """The batch in one process: each stage over the whole corpus in memory, in batches."""

    def run(self, inputs: Sequence[str], out: Path, job: BatchJob) -> dict[str, Any]:
        """Run ``job`` over ``inputs`` into ``out`` (see :class:`Engine`)."""
        from storytrace.batch.output import write_articles, write_pairs

        clock = StageClock()
        with clock.stage("read"):
            read = [row for i, source in enumerate(inputs)
                    for row in read_part(source, i, job.settings)]
            failures = [r["failure"] for r in read if r.get("failure")]
            articles = first_of_each(r for r in read if not r.get("failure"))
        clock.bytes["articles"] = payload_bytes(articles)
        with clock.stage("fingerprint"):
            n_chunks = chunk_count(len(read) - len(failures))
            prints = fingerprint_chunks(articles, job.embedder, n_chunks)
        clock.bytes["fingerprints"] = payload_bytes(prints)
        with clock.stage("idf"):
            idf = idf_from_counts(len(prints), term_counts(prints))
        with clock.stage("lsh"):
            keys = band_rows(prints, job.bucket_days)
            lsh, capped = star_edges(keys, job.bucket_cap)
        clock.bytes["lsh_keys"] = payload_bytes(keys)
        with clock.stage("neighbours"):
            vectors = vector_rows(prints, job.bucket_days)
            near = neighbour_edges(vectors)
        clock.bytes["vectors"] = payload_bytes(vectors)
        with clock.stage("terms"):
            terms = term_rows(prints, idf, job.bucket_days)
            shared, capped_terms = term_pairs(terms, job.bucket_cap)
            rare = shared_term_edges(
                (a, b, n) for (a, b), n in Counter((e["a"], e["b"]) for e in shared).items())
        clock.bytes["term_keys"] = payload_bytes(terms)
        with clock.stage("verify"):
            pairs = sorted({(e["a"], e["b"]) for e in (*lsh, *near, *rare)})
            by_id = {r["id"]: r for r in prints}
            verdicts = verify_rows(((by_id[a], by_id[b]) for a, b in pairs), idf)
        clock.bytes["candidate_pairs"] = payload_bytes([{"a": a, "b": b} for a, b in pairs])
        clock.bytes["verdicts"] = payload_bytes(verdicts)
        with clock.stage("components"):
            groups = components([r["id"] for r in prints], verdicts)
        with clock.stage("stories"):
            stories = _stories(groups, by_id, verdicts, idf)
        with clock.stage("write"):
            write_articles(out / "articles.parquet", prints, stories)
            write_pairs(out / "pairs.parquet", verdicts)
        stats = {
            "engine": "local",
            "inputs": len(inputs),
            "records": len(read),
            "failures": len(failures),
            "failure_reasons": failures[:100],
            "articles": len(articles),
            "repeats_dropped": len(read) - len(failures) - len(articles),
            "idf_terms": len(idf),
            "lsh_keys": len(keys),
            "lsh_edges": len(lsh),
            "capped_buckets": capped,
            "neighbour_edges": len(near),
            "term_keys": len(terms),
            "capped_term_buckets": capped_terms,
            "term_edges": len(rare),
            "candidate_pairs": len(pairs),
            "same_story_pairs": sum(bool(v["same_story"]) for v in verdicts),
            "components": len(groups),
            "largest_component": max((len(g) for g in groups), default=0),
            "stories": len({s["story"] for s in stories}),
            "stories_with_versions": _multi(stories),
        }
        return finish_stats(stats, clock, len(articles), out)


def _stories(
    groups: Sequence[Sequence[str]],
    by_id: Mapping[str, Row],
    verdicts: Sequence[Row],
    idf: Mapping[str, float],
) -> list[Row]:
    component_of = {x: i for i, g in enumerate(groups) for x in g}
    inside: dict[int, list[Row]] = defaultdict(list)
    for v in verdicts:
        if component_of[v["a"]] == component_of[v["b"]]:
            inside[component_of[v["a"]]].append(v)
    out: list[Row] = []
    for i, group in enumerate(groups):
        out += split_component([by_id[x] for x in group], inside[i], idf)
    return out


def _multi(stories: Sequence[Row]) -> int:
    sizes: dict[str, int] = defaultdict(int)
    for s in stories:
        sizes[s["story"]] += 1
    return sum(n > 1 for n in sizes.values())


def read_outputs(out: Path) -> tuple[list[Row], list[Row]]:
    """The article rows and pair rows a batch run wrote (either engine's layout)."""
    import pyarrow.parquet as pq

    return (pq.read_table(out / "articles.parquet").to_pylist(),
            pq.read_table(out / "pairs.parquet").to_pylist())


def __getattr__(name: str) -> Any:
    # RayEngine lives apart so that importing this package never imports Ray.
    if name == "RayEngine":
        from storytrace.batch.ray_engine import RayEngine

        return RayEngine
    raise AttributeError(name)
