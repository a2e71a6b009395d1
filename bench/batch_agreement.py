"""How the batch run's stories agree with the incremental path's and with gold clusters.

    python bench/batch_agreement.py BATCH_OUT INPUT... [--gold clusters.jsonl] [--no-embed]
                                    [--incremental FILE]

Reads the ``articles.parquet`` a ``storytrace batch`` run wrote into
BATCH_OUT, groups the same inputs with :func:`storytrace.pipeline.find_stories`
(incremental average linkage), and prints B-cubed precision, recall and F1
of each against the other and, with ``--gold`` (``{"id","cluster"}`` lines,
ids as the input gave them), against the gold clusters. ``--incremental
FILE`` keeps the incremental stories (``{article id: story}``) in FILE and
reads them from there next time: they take minutes, and do not depend on
the batch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from cluster_eval import bcubed

from storytrace.batch import read_outputs
from storytrace.evaluate import load_jsonl
from storytrace.fingerprint import SentenceTransformerEmbedder
from storytrace.model import Article
from storytrace.pipeline import find_stories, read_articles


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("batch_out", type=Path)
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--gold", type=Path)
    ap.add_argument("--no-embed", action="store_true")
    ap.add_argument("--incremental", type=Path)
    args = ap.parse_args()
    seconds = 0.0
    if args.incremental and args.incremental.exists():
        incremental = json.loads(args.incremental.read_text())
    else:
        articles = {a.id: a for a in read_articles(args.inputs) if isinstance(a, Article)}
        embedder = None if args.no_embed else SentenceTransformerEmbedder()
        t0 = time.perf_counter()
        stories = find_stories(list(articles.values()), embedder)
        seconds = time.perf_counter() - t0
        incremental = {m.article_id: s.id for s in stories for m in s.members}
        if args.incremental:
            args.incremental.write_text(json.dumps(incremental))
    rows, _ = read_outputs(args.batch_out)
    batch = {r["id"]: r["story"] for r in rows}
    source = {r["id"]: r["source_id"] for r in rows}
    result: dict[str, object] = {
        "articles": len(batch),
        "batch_stories": len(set(batch.values())),
        "incremental_stories": len(set(incremental.values())),
        "incremental_seconds": round(seconds, 1),
        "batch_vs_incremental": [round(x, 4) for x in bcubed(batch, incremental)],
    }
    if args.gold:
        gold = {str(r["id"]): str(r["cluster"]) for r in load_jsonl(args.gold)}
        for name, found in (("batch", batch), ("incremental", incremental)):
            by_source = {source[x]: s for x, s in found.items() if source[x] in gold}
            result[f"{name}_vs_gold"] = [round(x, 4) for x in bcubed(by_source, gold)]
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
