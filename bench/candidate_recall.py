"""Candidate recall: how many true same-story pairs reach verification.

    python bench/candidate_recall.py [--shared PATH] [--cache DIR] [--hashing]

For each labelled set in ../shared/data, fingerprints every document (cached
in a store under --cache, so a second run skips the model), runs the
candidate stage over the whole set as one batch, and prints, per source and
for their union: the share of positive pairs found (recall) and how many
candidate pairs that cost, against all n(n-1)/2 pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from storytrace.candidates import lsh_pairs, neighbour_pairs, rare_term_pairs
from storytrace.evaluate import articles_from_docs, load_jsonl
from storytrace.fingerprint import HashingEmbedder, SentenceTransformerEmbedder
from storytrace.pipeline import fingerprints_for
from storytrace.store import SQLiteStore
from storytrace.verify import compute_idf

ROOT = Path(__file__).resolve().parents[1]
SETS = ("ecbplus_stories", "semeval22_t8_en", "clough_stevenson_reuse")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/storytrace-bench"))
    ap.add_argument("--hashing", action="store_true", help="model-free embedder (smoke runs)")
    args = ap.parse_args()
    embedder = HashingEmbedder() if args.hashing else SentenceTransformerEmbedder()
    print(f"{'set':24} {'source':10} {'recall':>7} {'found':>7} {'positives':>9} "
          f"{'candidates':>10} {'all pairs':>10} {'share':>7}")
    for name in SETS:
        folder = args.shared / "data" / name
        if not folder.is_dir():
            continue
        articles = articles_from_docs(load_jsonl(folder / "docs.jsonl"))
        positives = {
            tuple(sorted((str(p["a"]), str(p["b"]))))
            for p in load_jsonl(folder / "pairs.jsonl")
            if int(p["label"]) == 1
        }
        args.cache.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        with SQLiteStore(args.cache / f"{name}.sqlite") as store:
            store.add_articles(articles)
            fps = fingerprints_for(articles, embedder, store)
        t_fp = time.perf_counter() - t0
        idf = compute_idf(articles)
        ids = [a.id for a in articles]
        t0 = time.perf_counter()
        sources = {
            "lsh": lsh_pairs(fps),
            "vectors": neighbour_pairs(fps),
            "rare": rare_term_pairs(fps, idf),
        }
        sources["union"] = set().union(*sources.values())
        t_cand = time.perf_counter() - t0
        n = len(ids)
        for source, pairs in sources.items():
            named = {tuple(sorted((ids[i], ids[j]))) for i, j in pairs}
            found = len(positives & named)
            print(f"{name:24} {source:10} {found / len(positives):7.4f} {found:7d} "
                  f"{len(positives):9d} {len(pairs):10d} {n * (n - 1) // 2:10d} "
                  f"{len(pairs) / (n * (n - 1) / 2):7.3f}")
        print(f"{'':24} fingerprint {t_fp:.1f}s, candidates {t_cand:.2f}s for {n} docs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
