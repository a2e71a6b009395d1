"""Refit the frozen logistic weights of storytrace.verify (offline, by hand).

    python bench/fit_weights.py [--shared PATH] [--cache FEATURES.npz]

Computes the verify features on ECB+ dev pairs (subsampled, balanced by
kind), all Clough dev pairs and the seed pairs, fits an L2-regularized
logistic regression (IRLS, numpy), and prints the weights to paste into
``WEIGHTS``, with each set's F1/AUC (SemEval is held out as the check).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from eval_shared import seeds_set

from storytrace.evaluate import (
    articles_from_docs,
    binary_metrics,
    load_jsonl,
    pearson,
    roc_auc,
    run_pairs,
)
from storytrace.fingerprint import SentenceTransformerEmbedder
from storytrace.verify import WEIGHTS

FEATURES = [k for k in WEIGHTS if k != "bias"]


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """Weighted L2 logistic regression by Newton's method; returns [bias, *coef]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(xb.shape[1])
    reg = np.eye(xb.shape[1]) * l2
    reg[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-xb @ beta))
        grad = xb.T @ (w * (p - y)) + reg @ beta
        hess = (xb * (w * p * (1 - p))[:, None]).T @ xb + reg
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def features_of(name, docs, pairs, embedder):
    arts = articles_from_docs(docs)
    ids = [(str(p["a"]), str(p["b"])) for p in pairs]
    matches, _, _ = run_pairs(arts, ids, embedder)
    x = np.array([[m.evidence.features[k] for k in FEATURES] for m in matches])
    return x


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/storytrace_features.npz"))
    args = ap.parse_args()
    data = args.shared / "data"
    sets = {}
    if args.cache.exists():
        z = np.load(args.cache, allow_pickle=True)
        sets = z["sets"].item()
    else:
        emb = SentenceTransformerEmbedder()
        for name, d in [
            ("ecbplus", "ecbplus_stories"),
            ("clough", "clough_stevenson_reuse"),
            ("semeval", "semeval22_t8_en"),
        ]:
            docs = load_jsonl(data / d / "docs.jsonl")
            pairs = load_jsonl(data / d / "pairs.jsonl")
            y = np.array([p["label"] for p in pairs])
            kind = [p.get("kind") or p.get("level") or "" for p in pairs]
            g = np.array([5 - float(p.get("score", 0)) for p in pairs])
            sets[name] = (features_of(name, docs, pairs, emb), y, kind, g)
        docs, pairs = seeds_set(args.shared / "seeds")
        sets["seeds"] = (features_of("seeds", docs, pairs, emb), np.ones(3), [""] * 3, np.ones(3))
        np.savez(args.cache, sets=np.array(sets, dtype=object))
    for name, (x, y, _, _) in sets.items():
        aucs = {k: round(roc_auc(y, x[:, i]), 3) for i, k in enumerate(FEATURES)}
        print(name, "feature AUCs", aucs)
    rng = np.random.default_rng(0)
    xe, ye, ke, _ = sets["ecbplus"]
    ke = np.array(ke)
    pick = np.concatenate(
        [
            rng.choice(np.flatnonzero(ke == k), 1000, replace=False)
            for k in ("same_event", "same_topic_diff_event", "diff_topic")
        ]
    )
    xc, yc, _, _ = sets["clough"]
    xs, ys, _, _ = sets["seeds"]
    x = np.vstack([xe[pick], xc, xs])
    y = np.concatenate([ye[pick], yc, ys])
    w = np.concatenate([np.ones(len(pick)), np.full(len(yc), 10.0), np.full(len(ys), 20.0)])
    beta = fit_logistic(x, y, w)
    print(
        "fitted:",
        {
            "bias": round(beta[0], 2),
            **{k: round(b, 2) for k, b in zip(FEATURES, beta[1:], strict=False)},
        },
    )
    for name, (xx, yy, _, g) in sets.items():
        p = 1 / (1 + np.exp(-(beta[0] + xx @ beta[1:])))
        m = binary_metrics(yy, p >= 0.5)
        print(
            f"{name}: F1 {m['f1']:.3f} P {m['precision']:.3f} R {m['recall']:.3f} "
            f"AUC {roc_auc(yy, p):.3f} r {pearson(p, g):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
