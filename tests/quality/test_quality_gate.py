"""The quality gate: matching figures on the labelled sets may not fall below their floors.

Floors live in bench/quality_floors.json, measured with bench/eval_shared.py;
raise them when quality improves, never lower one to let a change through.
Each run also measures the MinHash baseline on the same pairs. Story
clustering is gated too (B-cubed F1, bench/cluster_eval.py), both the
default path and the opt-in neighbourhood one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from cluster_eval import load_clusters, score_stories  # noqa: E402
from sets import SHARED, load_set  # noqa: E402

from storytrace.candidates import candidate_pairs  # noqa: E402
from storytrace.evaluate import articles_from_docs, evaluate_pairs  # noqa: E402
from storytrace.pipeline import fingerprints_for  # noqa: E402
from storytrace.store import SQLiteStore  # noqa: E402
from storytrace.verify import compute_idf  # noqa: E402

FLOORS = json.loads((BENCH / "quality_floors.json").read_text())
GATED = [
    name for name in FLOORS
    if not name.startswith("_") and name not in ("candidate_recall", "clustering")
]

# ECB+ alone embeds 772 documents and verifies 12,900 pairs: minutes on 2 cores.
pytestmark = [pytest.mark.slow, pytest.mark.shared_data, pytest.mark.timeout(1800)]


@pytest.mark.parametrize("name", GATED)
def test_matching_quality_holds_its_floor(name: str, real_embedder) -> None:
    labelled = load_set(name)
    if labelled is None:
        pytest.skip(f"the {name} set is not present")
    result = evaluate_pairs(
        name, labelled.docs, labelled.pairs, real_embedder,
        graded=labelled.graded, true_relation=labelled.true_relation,
    )
    print(f"{name}: {json.dumps(result.metrics)} baselines {json.dumps(result.baselines)}")
    for metric, floor in FLOORS[name].items():
        assert result.metrics[metric] >= floor, f"{name} {metric} fell below its floor {floor}"
    assert result.metrics["f1"] >= result.baselines["minhash_f1"]


@pytest.mark.parametrize("name", sorted(FLOORS["candidate_recall"]))
def test_candidate_recall_holds_its_floor(name: str, real_embedder) -> None:
    labelled = load_set(name)
    if labelled is None:
        pytest.skip(f"the {name} set is not present")
    articles = articles_from_docs(labelled.docs)
    fingerprints = fingerprints_for(articles, real_embedder)
    ids = [a.id for a in articles]
    found = {
        tuple(sorted((ids[i], ids[j])))
        for i, j in candidate_pairs(fingerprints, compute_idf(articles))
    }
    positives = {tuple(sorted((str(p["a"]), str(p["b"])))) for p in labelled.pairs if p["label"]}
    recall = len(positives & found) / len(positives)
    n = len(ids)
    print(f"{name}: candidate recall {recall:.4f}, {len(found)} of {n * (n - 1) // 2} pairs")
    assert recall >= FLOORS["candidate_recall"][name]


@pytest.mark.parametrize(
    "name", sorted({k.removesuffix("_neighbourhood") for k in FLOORS["clustering"]})
)
def test_story_clustering_holds_its_floor(name: str, real_embedder) -> None:
    folder = SHARED / "data" / name
    if not (folder / "clusters.jsonl").is_file():
        pytest.skip(f"the {name} set is not present")
    articles, truth = load_clusters(folder)
    with SQLiteStore(":memory:") as cache:  # the second run reuses the fingerprints
        cache.add_articles(articles)
        for key, neighbourhood in ((name, False), (f"{name}_neighbourhood", True)):
            if key not in FLOORS["clustering"]:
                continue
            p, r, f, n = score_stories(articles, truth, real_embedder, cache,
                                       neighbourhood=neighbourhood)
            print(f"{key}: B-cubed P {p:.4f} R {r:.4f} F1 {f:.4f}, {n} stories")
            assert f >= FLOORS["clustering"][key], f"{key} B-cubed F1 fell below its floor"
