"""Story clustering quality: B-cubed precision, recall and F1 against labelled clusters.

    python bench/cluster_eval.py [--shared PATH] [--cache DIR] [--set ecbplus_stories]
                                 [--neighbourhood] [--shuffles N]

Groups every document of the set with the same code path as ``storytrace
cluster`` (fingerprints cached in a store under --cache), and scores the
groups against ``clusters.jsonl``.

Articles join stories one at a time, and an undated set (ECB+) is taken in
the file's order, so the figure depends on that order: ``--shuffles N``
also groups N shuffled orders (seeds 1..N) and prints their mean and range.
On ECB+ one order moved B-cubed F1 by up to 0.028 before stories were
re-checked (file order 0.871, shuffles 0.880-0.899) and by 0.010 since
(0.904-0.914), so a change to clustering should be judged over several
orders, not the file's alone.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from storytrace.evaluate import articles_from_docs, load_jsonl
from storytrace.fingerprint import Embedder, SentenceTransformerEmbedder
from storytrace.model import Article
from storytrace.pipeline import find_stories
from storytrace.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]


def bcubed(found: Mapping[str, str], truth: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering (item -> cluster) against the truth."""
    by_found: dict[str, set[str]] = {}
    by_truth: dict[str, set[str]] = {}
    for item, c in found.items():
        by_found.setdefault(c, set()).add(item)
    for item, c in truth.items():
        by_truth.setdefault(c, set()).add(item)
    items = [x for x in truth if x in found]
    p = r = 0.0
    for x in items:
        same_found = by_found[found[x]]
        same_truth = by_truth[truth[x]]
        both = len(same_found & same_truth)
        p += both / len(same_found)
        r += both / len(same_truth)
    p, r = p / len(items), r / len(items)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def load_clusters(folder: Path) -> tuple[list[Article], dict[str, str]]:
    """A labelled set's articles and its gold clusters (article id -> cluster)."""
    articles = articles_from_docs(load_jsonl(folder / "docs.jsonl"))
    truth = {str(r["id"]): str(r["cluster"]) for r in load_jsonl(folder / "clusters.jsonl")}
    return articles, truth


def score_stories(
    articles: Sequence[Article],
    truth: Mapping[str, str],
    embedder: Embedder,
    cache: SQLiteStore,
    *,
    neighbourhood: bool = False,
) -> tuple[float, float, float, int]:
    """B-cubed precision, recall and F1 of ``find_stories`` on ``articles`` (in that
    order), and the number of stories it found."""
    stories = find_stories(articles, embedder, cache=cache, neighbourhood=neighbourhood)
    found = {m.article_id: s.id for s in stories for m in s.members}
    return (*bcubed(found, truth), len(stories))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/storytrace-bench"))
    ap.add_argument("--set", default="ecbplus_stories")
    ap.add_argument("--neighbourhood", action="store_true",
                    help="score pairs within the whole set's neighbourhoods (experimental)")
    ap.add_argument("--shuffles", type=int, default=0,
                    help="also group this many shuffled orders and print the spread")
    args = ap.parse_args()
    articles, truth = load_clusters(args.shared / "data" / args.set)
    args.cache.mkdir(parents=True, exist_ok=True)
    label = f"{args.set} (neighbourhood)" if args.neighbourhood else args.set
    print(f"{label}: {len(articles)} docs, {len(set(truth.values()))} true stories")
    embedder = SentenceTransformerEmbedder()
    scores = []
    with SQLiteStore(args.cache / f"{args.set}.sqlite") as cache:
        cache.add_articles(articles)
        for seed in range(args.shuffles + 1):
            order = list(articles)
            if seed:
                random.Random(seed).shuffle(order)
            t0 = time.perf_counter()
            p, r, f, n = score_stories(order, truth, embedder, cache,
                                       neighbourhood=args.neighbourhood)
            scores.append(f)
            name = f"shuffle {seed}" if seed else "file order"
            print(f"{name}: {n} stories, B-cubed precision {p:.4f} recall {r:.4f} "
                  f"F1 {f:.4f}  ({time.perf_counter() - t0:.1f}s)", flush=True)
    if args.shuffles:
        print(f"B-cubed F1 over {len(scores)} orders: mean {statistics.mean(scores):.4f}, "
              f"min {min(scores):.4f}, max {max(scores):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
