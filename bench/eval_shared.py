"""Evaluate matching on every labelled set in ../shared/data and on ../shared/seeds.

    python bench/eval_shared.py [--shared PATH] [--hashing] [--json OUT]

Prints one table: our F1 / AUC / Pearson next to the two baselines measured
in the same run (MinHash at Jaccard 0.5, embedding cosine at its best
threshold), with compute time per set.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from pathlib import Path

from storytrace.evaluate import EvalResult, evaluate_pairs, load_jsonl
from storytrace.fingerprint import HashingEmbedder, SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parents[1]


def _seed_doc(name: str, raw: str) -> dict:
    """A seed page as an evaluation document, through the project's normalizer."""
    from storytrace.model import RawDocument
    from storytrace.normalize import normalize

    art = normalize(RawDocument(origin=name, content=raw))
    return {
        "id": name,
        "text": art.body,
        "title": art.title,
        "date": art.published.isoformat() if art.published else None,
    }


def seeds_set(seeds: Path) -> tuple[list[dict], list[dict]]:
    files = sorted(seeds.glob("0*.txt"))
    docs = [_seed_doc(f.name[:3], f.read_text(encoding="utf-8")) for f in files]
    ids = [d["id"] for d in docs]
    pairs = [
        {"a": x, "b": y, "label": 1, "relation": "rewrite" if {x, y} == {"000", "001"} else None}
        for i, x in enumerate(ids)
        for y in ids[i + 1 :]
    ]
    return docs, pairs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--hashing", action="store_true", help="model-free embedder (smoke runs)")
    ap.add_argument("--only", default="", help="comma-separated set names")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--neighbourhood", action="store_true",
                    help="read each set's documents as a corpus (experimental; see run_pairs)")
    ap.add_argument("--no-stories", action="store_true",
                    help="judge each pair alone, not within its set's stories (see run_pairs)")
    args = ap.parse_args()
    embedder = HashingEmbedder() if args.hashing else SentenceTransformerEmbedder()
    data = args.shared / "data"
    results: list[EvalResult] = []
    only = set(filter(None, args.only.split(",")))
    t0 = time.perf_counter()

    run = partial(evaluate_pairs, neighbourhood=args.neighbourhood, stories=not args.no_stories)

    def want(name: str) -> bool:
        return not only or name in only

    if want("ecbplus") and (data / "ecbplus_stories").is_dir():
        d = data / "ecbplus_stories"
        results.append(
            run(
                "ecbplus", load_jsonl(d / "docs.jsonl"), load_jsonl(d / "pairs.jsonl"), embedder
            )
        )
    if want("semeval") and (data / "semeval22_t8_en").is_dir():
        d = data / "semeval22_t8_en"
        results.append(
            run(
                "semeval",
                load_jsonl(d / "docs.jsonl"),
                load_jsonl(d / "pairs.jsonl"),
                embedder,
                graded=lambda p: 5.0 - float(p["score"]),
            )
        )
    if want("clough") and (data / "clough_stevenson_reuse").is_dir():
        d = data / "clough_stevenson_reuse"
        results.append(
            run(
                "clough", load_jsonl(d / "docs.jsonl"), load_jsonl(d / "pairs.jsonl"), embedder
            )
        )
    if want("seeds") and (args.shared / "seeds").is_dir():
        docs, pairs = seeds_set(args.shared / "seeds")
        results.append(
            run(
                "seeds", docs, pairs, embedder, true_relation=lambda p: p.get("relation")
            )
        )

    print(
        f"{'set':10} {'pairs':>6} {'P':>6} {'R':>6} {'F1':>6} {'F1 alone':>8} {'AUC':>6} {'r':>6} | "
        f"{'MH F1':>6} {'MH r':>6} | {'cos F1':>6} {'cos t':>6} {'cos r':>6} | {'time s':>7}"
    )
    for r in results:
        m, b = r.metrics, r.baselines

        def f(x: float | None) -> str:
            return f"{x:6.3f}" if x is not None else "     -"

        print(
            f"{r.name:10} {r.n_pairs:6d} {f(m['precision'])} {f(m['recall'])} {f(m['f1'])} "
            f"  {f(m['pair_f1'])} {f(m['auc'])} {f(m.get('pearson'))} | {f(b['minhash_f1'])} "
            f"{f(b.get('minhash_pearson'))} | {f(b.get('cosine_f1'))} "
            f"{f(b.get('cosine_threshold'))} {f(b.get('cosine_pearson'))} | "
            f"{r.timings['total_s']:7.1f}"
        )
    for r in results:
        if r.name == "seeds":
            for m in r.matches:
                print(
                    f"  seeds {m.a}-{m.b}: same_story={m.same_story} relation={m.relation} "
                    f"score={m.score:.3f}"
                )
        if r.relations:
            print(f"  {r.name} relations (true -> predicted): {r.relations}")
    print(f"total {time.perf_counter() - t0:.1f}s")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "name": r.name,
                        "metrics": r.metrics,
                        "baselines": r.baselines,
                        "timings": r.timings,
                    }
                    for r in results
                ],
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
