"""The Ray engine gives the local engine's stories and verdicts (a 2-CPU Ray, as in CI).

Each test also prints how the batch stories agree with the incremental path
(:func:`storytrace.pipeline.find_stories`) and, on ECB+, with the gold
clusters: B-cubed F1 of one against the other. Reported, not asserted: the
two paths link differently by design (docs/SCALING.md).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
from pathlib import Path

import pytest

from storytrace.batch import BatchJob, LocalEngine, read_outputs, run_batch
from storytrace.model import Article
from storytrace.pipeline import find_stories, read_articles

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")
pytest.importorskip("polars")

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from cluster_eval import bcubed  # noqa: E402
from sets import SHARED  # noqa: E402

ECBPLUS = SHARED / "data" / "ecbplus_stories"
# Topics of ECB+ dev in the test (of 33, both events of each): the real
# embedder fingerprints every document once per engine, and the whole dev
# set takes minutes per pass on 2 cores. bench/batch_agreement.py reports
# the whole set.
ECB_TOPICS = 6
START_TIMEOUT_S = 120

pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def ray_cluster():
    """A local 2-CPU Ray with a small object store, no dashboard and no usage stats."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"

    def too_slow(signum: int, frame: object) -> None:
        raise TimeoutError(f"Ray did not start within {START_TIMEOUT_S}s")

    # ray.init must run on the main thread (it sets signal handlers), so the
    # start is bounded by an alarm rather than a worker thread.
    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(START_TIMEOUT_S)
    try:
        ray.init(num_cpus=2, object_store_memory=100 * 1024 * 1024,
                 include_dashboard=False, configure_logging=False, log_to_driver=False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    yield
    ray.shutdown()


def _both(inputs: list[str], tmp_path: Path, job: BatchJob) -> tuple[dict, dict]:
    from storytrace.batch.ray_engine import RayEngine

    local = run_batch(inputs, tmp_path / "local", job, LocalEngine())
    on_ray = run_batch(inputs, tmp_path / "ray", job, RayEngine())
    return local, on_ray


def _assert_same(tmp_path: Path) -> tuple[list[dict], list[dict]]:
    local_articles, local_pairs = read_outputs(tmp_path / "local")
    ray_articles, ray_pairs = read_outputs(tmp_path / "ray")
    by_id = {a["id"]: a for a in ray_articles}
    assert len(by_id) == len(ray_articles) == len(local_articles)
    for a in local_articles:
        assert by_id[a["id"]] == a
    got = {(p["a"], p["b"]): p for p in ray_pairs}
    assert len(got) == len(ray_pairs) == len(local_pairs)
    for p in local_pairs:
        q = got[(p["a"], p["b"])]
        assert (q["same_story"], q["relation"]) == (p["same_story"], p["relation"])
        # Equal but for the last bits: Python's string hashing differs per
        # process, so sums over sets of words run in another order.
        assert q["score"] == pytest.approx(p["score"], abs=1e-9)
    return local_articles, local_pairs


def _agreement(name: str, inputs: list[str], articles: list[dict], embedder) -> None:
    """Print B-cubed of the batch stories against find_stories' on the same articles."""
    batch = {a["id"]: a["story"] for a in articles}
    unique = {a.id: a for a in read_articles(inputs) if isinstance(a, Article)}
    stories = find_stories(list(unique.values()), embedder)
    incremental = {m.article_id: s.id for s in stories for m in s.members}
    p, r, f = bcubed(batch, incremental)
    print(f"{name}, batch vs incremental: B-cubed P {p:.4f} R {r:.4f} F1 {f:.4f}")


def test_ray_and_local_agree_on_the_demo(ray_cluster, tmp_path: Path, real_embedder) -> None:
    from storytrace.demo import corpus_path

    inputs = [str(corpus_path())]
    local, on_ray = _both(inputs, tmp_path, BatchJob(embedder=real_embedder))
    for key in ("articles", "candidate_pairs", "same_story_pairs", "capped_buckets",
                "components", "stories", "stories_with_versions"):
        assert on_ray[key] == local[key], key
    articles, _ = _assert_same(tmp_path)
    print(f"demo local stats: {json.dumps(local)}")
    print(f"demo ray stats: {json.dumps(on_ray)}")
    _agreement("demo", inputs, articles, real_embedder)


@pytest.mark.shared_data
def test_ray_and_local_agree_on_ecbplus(ray_cluster, tmp_path: Path, real_embedder) -> None:
    if not ECBPLUS.is_dir():
        pytest.skip("../shared/data/ecbplus_stories is not present")
    clusters = [json.loads(x) for x in (ECBPLUS / "clusters.jsonl").read_text().splitlines()]
    topics = sorted({str(c["topic"]) for c in clusters})
    # A fixed sample of topics (both events of each, so the hard negatives stay).
    chosen = set(random.Random(7).sample(topics, ECB_TOPICS))
    keep = {c["id"] for c in clusters if str(c["topic"]) in chosen}
    sample = tmp_path / "ecbplus_sample.jsonl"
    with sample.open("w") as fh:
        for line in (ECBPLUS / "docs.jsonl").read_text().splitlines():
            if json.loads(line)["id"] in keep:
                fh.write(line + "\n")
    inputs = [str(sample)]
    local, on_ray = _both(inputs, tmp_path, BatchJob(embedder=real_embedder))
    # A few ECB+ texts normalize to nothing (failures named in the stats).
    assert on_ray["articles"] == local["articles"] > 0.9 * len(keep)
    for key in ("candidate_pairs", "same_story_pairs", "components", "stories"):
        assert on_ray[key] == local[key], key
    articles, _ = _assert_same(tmp_path)
    print(f"ecbplus sample: {len(keep)} docs in topics {sorted(chosen)}")
    print(f"ecbplus local stats: {json.dumps(local)}")
    print(f"ecbplus ray stats: {json.dumps(on_ray)}")
    gold = {c["id"]: c["cluster"] for c in clusters if c["id"] in keep}
    batch = {a["source_id"]: a["story"] for a in articles}
    p, r, f = bcubed(batch, gold)
    print(f"ecbplus sample, batch vs gold: B-cubed P {p:.4f} R {r:.4f} F1 {f:.4f}")


@pytest.mark.shared_data
def test_ray_and_local_agree_on_all_of_ecbplus(ray_cluster, tmp_path: Path, hashing) -> None:
    """Every ECB+ dev document through both engines: the same stories and verdicts.

    With the model-free embedder, so the whole set fits in CI's time: which
    vectors the engines are given does not change whether they agree (the
    real model is used on the sample above).
    """
    if not ECBPLUS.is_dir():
        pytest.skip("../shared/data/ecbplus_stories is not present")
    inputs = [str(ECBPLUS / "docs.jsonl")]
    local, on_ray = _both(inputs, tmp_path, BatchJob(embedder=hashing))
    assert on_ray["articles"] == local["articles"] > 700
    for key in ("candidate_pairs", "same_story_pairs", "capped_buckets", "components",
                "stories", "stories_with_versions"):
        assert on_ray[key] == local[key], key
    _assert_same(tmp_path)
    print(f"ecbplus, all dev documents, local stats: {json.dumps(local)}")


def test_ray_handles_a_corpus_with_nothing_to_verify(ray_cluster, tmp_path: Path) -> None:
    from storytrace.batch.ray_engine import RayEngine

    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        json.dumps({"id": "1", "text": "Storm Imogen closed the Carrow coast road on Tuesday."})
        + "\n" + json.dumps({"id": "2", "text": "The Kessel council approved a new budget."})
        + "\n"
    )
    stats = run_batch([str(docs)], tmp_path / "out", BatchJob(), RayEngine())
    articles, pairs = read_outputs(tmp_path / "out")
    assert stats["candidate_pairs"] == len(pairs) == 0
    assert len({a["story"] for a in articles}) == len(articles) == 2
