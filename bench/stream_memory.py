"""Memory of a long stream: one assigner putting article after article into stories.

The assigner keeps the articles, fingerprints and term counts it reads in
a cache capped at ``assign.CACHE_ARTICLES`` articles, so its memory should
level off however long the stream. This run stores ``--articles``
generated articles (normalized and fingerprinted by the real code, with
the model's hashing stand-in), then assigns them all with one assigner,
printing the process's resident memory as it goes.

    python bench/stream_memory.py --articles 30000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import generate
from run import RESULTS, BenchEmbedder, raw, table

from storytrace.assign import CACHE_ARTICLES, StoryAssigner
from storytrace.fingerprint import fingerprint_many
from storytrace.normalize import normalize
from storytrace.store import SQLiteStore


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=30_000)
    parser.add_argument("--every", type=int, default=2_500, help="articles between samples")
    parser.add_argument("--cache-limit", type=int, default=CACHE_ARTICLES,
                        help="the assigner's cache cap (default: the library's)")
    parser.add_argument("--out", type=Path, default=RESULTS / "stream_memory.json")
    args = parser.parse_args(argv)
    embedder = BenchEmbedder()
    rows, samples = [], []
    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "s.sqlite") as store:
        batch = []
        for g in generate(args.articles, seed=4):
            batch.append(normalize(raw(g)))
            if len(batch) == 500:
                store.add_articles(batch)
                store.put_fingerprints(
                    fingerprint_many(batch, embedder, sentence_vectors=False), embedder.name)
                batch = []
        if batch:
            store.add_articles(batch)
            store.put_fingerprints(
                fingerprint_many(batch, embedder, sentence_vectors=False), embedder.name)
        assigner = StoryAssigner(store, embedder, cache_articles=args.cache_limit)
        limit = args.cache_limit
        start = time.perf_counter()
        base = rss_mb()

        def sample(done: int, total: int) -> None:
            if done % args.every and done != total:
                return
            cached = len(assigner._cache.articles)
            rate = done / (time.perf_counter() - start)
            samples.append({"assigned": done, "rss_mb": rss_mb(), "cached_articles": cached,
                            "articles_per_s": rate, "seconds": time.perf_counter() - start})
            rows.append((f"{done:,}", rss_mb(), rss_mb() - base, f"{cached:,}", rate))
            print(f"{done:,} assigned, RSS {rss_mb():,.0f} MB, {cached:,} cached", flush=True)

        report = assigner.assign_all(sample)
        # assign_all ends by re-checking the stories it touched (settle).
        total_s = time.perf_counter() - start
        recheck_s = total_s - samples[-1]["seconds"]
        cached = len(assigner._cache.articles)
        rows.append(("after the re-check", rss_mb(), rss_mb() - base, f"{cached:,}",
                     args.articles / total_s))
        print(f"re-check of the stories: {recheck_s:.1f} s ({report.moved} versions moved, "
              f"{report.merged} merges in all)", flush=True)
    table(f"Memory of one assigner over a stream of {args.articles:,} articles "
          f"(cache cap {limit:,} articles)",
                ["assigned", "RSS MB", "growth since start MB", "articles in cache",
                 "articles / s"], rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"articles": args.articles, "cache_limit": limit,
                                    "start_rss_mb": base, "samples": samples,
                                    "recheck_s": recheck_s, "moved": report.moved,
                                    "merged": report.merged}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
