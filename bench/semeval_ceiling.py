"""How far a same-story probability can follow SemEval-2022's graded similarity.

    python bench/semeval_ceiling.py [--shared PATH] [--cache FEATURES.npz]

Issue 3 asks for a Pearson of at least 0.88 between the score and SemEval's
human rating. The score is a calibrated probability that two articles tell
one story, and SemEval's rating is about the same narrative, graded 1-4.
This prints what bounds the one by the other, from the labels and from the
verify features (``bench/fit_weights.py`` makes and caches them):

1. the Pearson of *perfect* binary verdicts: of SemEval's own binary label
   (rating <= 2), and of "the same narrative" by its narrative dimension,
   the nearest thing it rates to one story (a perfect story verdict scores
   about that, however well it is made);
2. the frozen model's score softened by a temperature (a monotone change,
   so no verdict moves), with each set's calibration (log-loss);
3. the model refitted with SemEval in the training mix at growing weight,
   with ECB+'s and Clough's F1 at 0.5: what the score must give up elsewhere
   to follow the rating.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import fit_weights
import numpy as np
from fit_weights import FEATURES, columns, fit, load_sets

from storytrace.evaluate import binary_metrics, load_jsonl, pearson
from storytrace.verify import WEIGHTS


def _logits(x: np.ndarray) -> np.ndarray:
    w = np.array([WEIGHTS[k] for k in FEATURES])
    return WEIGHTS["bias"] + columns(x, FEATURES) @ w


def _scores(z: np.ndarray, overrides: np.ndarray) -> np.ndarray:
    """Probabilities, raised to 0.99 for copies as compare_fingerprints does."""
    p = 1 / (1 + np.exp(-z))
    copy = (overrides[:, 0] >= 0.5) | (overrides[:, 1] >= 0.8)
    return np.where(copy, np.maximum(p, 0.99), p)


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/storytrace_features.npz"))
    args = ap.parse_args()
    pairs = load_jsonl(args.shared / "data" / "semeval22_t8_en" / "pairs.jsonl")
    rating = np.array([float(p["score"]) for p in pairs])  # 1 = very similar ... 4
    similarity = 5 - rating
    narrative = np.array([float(p["dims"]["narrative"]) for p in pairs])

    print("1. Pearson with the rating of perfect binary verdicts (SemEval dev, 163 pairs):")
    print(f"   its own label (rating <= 2, {int((rating <= 2).sum())} pairs): "
          f"r {pearson((rating <= 2).astype(float), similarity):.3f}")
    for cut in (1.67, 2.0, 2.34):
        same = narrative <= cut
        print(f"   the same narrative (narrative rating <= {cut:g}, {int(same.sum())} pairs): "
              f"r {pearson(same.astype(float), similarity):.3f}")

    sets = load_sets(args.shared, args.cache)
    print("2. the frozen score at temperature T (same verdicts): SemEval r; log-loss per set")
    for t in (1.0, 1.5, 2.0, 3.0, 5.0):
        cells = []
        for name in ("ecbplus", "clough", "semeval"):
            x, o, y, _, _ = sets[name]
            p = _scores(_logits(x) / t, o)
            cells.append(f"{name} {_log_loss(y, p):.3f}")
        x, o, _, _, g = sets["semeval"]
        r = pearson(_scores(_logits(x) / t, o), g)
        print(f"   T {t:3.1f}: r {r:.3f} | log-loss " + ", ".join(cells))

    print("3. refitted with SemEval in the mix at weight w (pair F1 at 0.5; in-sample):")
    held_out = fit_weights.SET_WEIGHTS["semeval"]
    for w in (0.0, 1.0, 5.0, 20.0, 50.0):
        fit_weights.SET_WEIGHTS["semeval"] = w  # fit_weights reads its set weights from here
        base, _ = fit(sets, [n for n, v in fit_weights.SET_WEIGHTS.items() if v > 0])
        cells = []
        for name in ("ecbplus", "clough", "semeval"):
            x, o, y, _, g = sets[name]
            z = base[0] + columns(x, FEATURES) @ base[1:]
            p = _scores(z, o)
            cell = f"{name} F1 {binary_metrics(y, p >= 0.5)['f1']:.3f}"
            if name == "semeval":
                cell += f" r {pearson(p, g):.3f}"
            cells.append(cell)
        print(f"   w {w:4.0f}: " + ", ".join(cells))
    fit_weights.SET_WEIGHTS["semeval"] = held_out
    return 0


if __name__ == "__main__":
    sys.exit(main())
