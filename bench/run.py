"""storytrace benchmarks: throughput per stage, MinHash against datasketch and rensa,
and match latency, memory and disk as the store grows.

    python bench/run.py                      # the default run (``make bench``)
    python bench/run.py --quick              # the small version CI runs
    python bench/run.py --sizes 1000,10000,100000,1000000 --no-model

Every figure is printed as a table and written to ``bench/results/latest.json``
(with the machine it ran on). Throughput is measured in one process, so
"per core" figures are per process; the model uses the torch threads it is
given (all cores). Articles come from ``bench/corpus.py`` (news-sized, made
up); the real news of ../shared/data is timed through the model when present.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import GeneratedArticle, generate

from storytrace.assign import document_terms, match_stored
from storytrace.candidates import linking_terms
from storytrace.fingerprint import Fingerprint, band_keys, extract_facts, fingerprint_many
from storytrace.fingerprint.minhash import minhash
from storytrace.fingerprint.shingles import (
    jaccard,
    shingle_hashes_of,
    shingle_words_of,
    shingles,
    token_hashes,
    tokens,
)
from storytrace.model import Article, RawDocument, Story, StoryMember
from storytrace.normalize import normalize
from storytrace.store import SQLiteStore

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = Path(os.environ.get("STORYTRACE_BENCH_CACHE", "/tmp/storytrace-bench"))
BANDS = 32


# -- helpers -------------------------------------------------------------------


class BenchEmbedder:
    """A fast stand-in for the model when filling large stores: hashed bag of words.

    Store size, memory and latency do not depend on what the vectors mean, only
    on their number and size (384, as all-MiniLM-L6-v2); the model's own cost
    is measured apart.
    """

    dim = 384
    name = "bench-hashing-384"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            h = token_hashes(tokens(text))
            if len(h):
                signs = np.where((h >> np.uint64(63)) == 1, 1.0, -1.0)
                out[row] = np.bincount((h % np.uint64(self.dim)).astype(np.intp), signs, self.dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def timed(fn: Callable[[Any], Any], items: Sequence[Any], repeat: int = 1) -> tuple[float, list]:
    """Best seconds per item over ``repeat`` runs, and the outputs."""
    best, out = float("inf"), []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        out = [fn(x) for x in items]
        best = min(best, (time.perf_counter() - start) / max(len(items), 1))
    return best, out


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (printed, and pasted into BENCHMARKS.md)."""
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"
        return str(v)

    lines = [f"\n### {title}\n", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def raw(g: GeneratedArticle) -> RawDocument:
    return RawDocument(origin=g.id, content=g.text, title=g.title, url=g.url,
                       published=g.published.isoformat())


def html_page(g: GeneratedArticle) -> RawDocument:
    """The article inside a news site's page: menu, byline, share bar, related links."""
    paragraphs = "".join(f"<p>{p}</p>" for p in g.text.split("\n\n"))
    related = "".join(f'<li><a href="/n/{i}">Other headline number {i}</a></li>' for i in range(8))
    page = (
        f"<html><head><title>{g.title}</title></head><body>"
        "<nav><a href='/'>Home</a><a href='/world'>World</a><a href='/sport'>Sport</a></nav>"
        f"<article><h1>{g.title}</h1><p class='byline'>By Staff Reporter</p>{paragraphs}"
        "</article><aside><h2>Related</h2><ul>" + related + "</ul></aside>"
        "<footer>Copyright 2026 Example News. All rights reserved.</footer></body></html>"
    )
    return RawDocument(origin=g.id, content=page, content_type="html", url=g.url)


# -- 1. stages -------------------------------------------------------------------


def bench_stages(n: int, model: bool) -> dict[str, Any]:
    gen = list(generate(n, seed=1))
    raws = [raw(g) for g in gen]
    rows, out = [], {}

    def add(stage: str, seconds: float, note: str = "") -> None:
        out[stage] = {"us_per_article": seconds * 1e6, "articles_per_s": 1 / seconds}
        rows.append((stage, seconds * 1e6, 1 / seconds, note))

    html = [html_page(g) for g in gen[: max(n // 4, 20)]]
    add("HTML extraction + normalization", timed(normalize, html)[0], "trafilatura, per page")
    sec, arts = timed(normalize, raws)
    add("normalization (plain text)", sec, "clean-up, boilerplate, sentences")
    lsh: dict[int, list[str]] = defaultdict(list)

    def minhash_insert(a: Article) -> None:
        for key in band_keys(minhash(shingle_words_of(token_hashes(tokens(a.body)), 5)), BANDS):
            lsh[key].append(a.id)

    add("MinHash + LSH insert", timed(minhash_insert, arts, repeat=2)[0], "tokens to buckets")
    add("verification shingles (3-word)",
        timed(lambda a: shingle_hashes_of(token_hashes(tokens(a.body)), 3), arts)[0])
    add("facts", timed(lambda a: extract_facts(a.body, a.published), arts)[0],
        "names, numbers, dates, quotes")
    norm = out["normalization (plain text)"]["us_per_article"]
    mh = out["MinHash + LSH insert"]["us_per_article"]
    rows.append(("normalization + MinHash + LSH insert", norm + mh, 1e6 / (norm + mh),
                 "target >= 2,000/s per core"))
    out["normalization + MinHash + LSH insert"] = {"articles_per_s": 1e6 / (norm + mh)}
    if model:
        out.update(_bench_model(arts[:64], rows))
    out["table"] = table(f"Fingerprint stages ({len(arts)} generated articles, "
                         f"{statistics.mean(len(a.body.split()) for a in arts):.0f} words each)",
                         ["stage", "µs / article", "articles / s", "note"], rows)
    return out


def _bench_model(arts: Sequence[Article], rows: list) -> dict[str, Any]:
    from storytrace.fingerprint import SentenceTransformerEmbedder, embeddable_sentences

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up the model"])
    out: dict[str, Any] = {}
    docs = [f"{a.title}\n{a.body}" for a in arts]
    start = time.perf_counter()
    embedder.encode(docs)
    doc_s = (time.perf_counter() - start) / len(docs)
    sentences = [s for a in arts for s in embeddable_sentences(a)]
    start = time.perf_counter()
    embedder.encode(sentences)
    sent_s = (time.perf_counter() - start) / len(sentences)
    start = time.perf_counter()
    fingerprint_many(list(arts), embedder)
    whole_s = (time.perf_counter() - start) / len(arts)
    per_article = len(sentences) / len(arts)
    threads = _torch_threads()
    rows.append(
        ("document vector (256 tokens)", doc_s * 1e6, 1 / doc_s, f"model, {threads} threads")
    )
    rows.append(("sentence vectors", sent_s * per_article * 1e6, 1 / (sent_s * per_article),
                 f"{1 / sent_s:.0f} sentences/s, {per_article:.0f} per article"))
    rows.append(("whole fingerprint with model", whole_s * 1e6, 1 / whole_s,
                 "target >= 40/s on 2 cores"))
    out["model"] = {"doc_vectors_per_s": 1 / doc_s, "sentences_per_s": 1 / sent_s,
                    "fingerprints_per_s": 1 / whole_s, "threads": threads}
    # What a store does at indexing: the document vector only; sentence
    # vectors are made later for the pairs that need them.
    fast = SentenceTransformerEmbedder(backend="onnx-int8")
    fast.encode(["warm up the model"])
    for label, model in (("torch", embedder), ("onnx-int8", fast)):
        start = time.perf_counter()
        fingerprint_many(list(arts), model, sentence_vectors=False)
        index_s = (time.perf_counter() - start) / len(arts)
        rows.append((f"fingerprint at indexing, {label}", index_s * 1e6, 1 / index_s,
                     "document vector; sentence vectors on demand"))
        out["model"][f"indexing_per_s_{label}"] = 1 / index_s
    start = time.perf_counter()
    fingerprint_many(list(arts), fast)
    fast_s = (time.perf_counter() - start) / len(arts)
    rows.append(("whole fingerprint, onnx-int8", fast_s * 1e6, 1 / fast_s,
                 "with every sentence vector"))
    out["model"]["fingerprints_per_s_onnx_int8"] = 1 / fast_s
    return out


def _torch_threads() -> int:
    try:
        import torch

        return int(torch.get_num_threads())
    except ImportError:  # pragma: no cover - torch comes with sentence-transformers
        return 0


# -- 2. MinHash against the tools a user would pick ------------------------------


def bench_minhash(n: int) -> dict[str, Any]:
    gen = list(generate(n, seed=2))
    texts = [g.text for g in gen]
    rows, out = [], {}

    def ours(text: str, lsh: dict) -> np.ndarray:
        sig = minhash(shingle_words_of(token_hashes(tokens(text)), 5))
        for key in band_keys(sig, BANDS):
            lsh[key].append(text)
        return sig

    ours_lsh: dict[int, list[str]] = defaultdict(list)
    ours_s, ours_sigs = timed(lambda t: ours(t, ours_lsh), texts, repeat=2)
    out["storytrace"] = 1 / ours_s
    rows.append(("storytrace (numpy, one-permutation)", 1 / ours_s, 1.0))

    def five_grams(text: str) -> list[str]:
        words = tokens(text)
        return [" ".join(words[i : i + 5]) for i in range(max(len(words) - 4, 1))]

    try:
        import datasketch

        ds_lsh = datasketch.MinHashLSH(num_perm=128, params=(BANDS, 128 // BANDS))
        counter = iter(range(10**9))

        def ds(text: str) -> Any:
            m = datasketch.MinHash(num_perm=128)
            m.update_batch([g.encode("utf-8") for g in five_grams(text)])
            ds_lsh.insert(next(counter), m)
            return m

        subset = texts[: max(n // 4, 50)]
        ds_s, ds_sigs = timed(ds, subset)
        out["datasketch"] = 1 / ds_s
        rows.append(("datasketch MinHash + MinHashLSH", 1 / ds_s, ours_s / ds_s))
    except ImportError:
        ds_sigs = []
    try:
        import rensa

        rs_lsh = rensa.RMinHashLSH(threshold=0.5, num_perm=128, num_bands=BANDS)
        keys = iter(range(10**9))

        def rs(text: str) -> Any:
            m = rensa.RMinHash(num_perm=128, seed=42)
            m.update(five_grams(text))
            rs_lsh.insert(next(keys), m)
            return m

        rs_s, rs_sigs = timed(rs, texts)
        out["rensa"] = 1 / rs_s
        rows.append(("rensa RMinHash + RMinHashLSH", 1 / rs_s, ours_s / rs_s))
    except ImportError:
        rs_sigs = []
    out["accuracy"] = _accuracy(gen, ours_sigs, ds_sigs, rs_sigs)
    out["table"] = table(
        f"MinHash, text to LSH bucket, 128 values, {BANDS} bands ({len(texts)} articles, one core)",
        ["implementation", "articles / s", "speed relative to storytrace"], rows)
    acc_rows = [(name, err) for name, err in out["accuracy"].items()]
    out["accuracy_table"] = table(
        "Jaccard estimate: mean absolute error against exact 5-shingle Jaccard "
        "(versions of one story and neighbours)", ["implementation", "mean abs error"], acc_rows)
    return out


def _accuracy(gen: list[GeneratedArticle], ours: list, ds: list, rs: list) -> dict[str, float]:
    """Mean absolute estimation error over pairs with a spread of similarities."""
    from storytrace.fingerprint.minhash import estimate_jaccard

    by_story: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(gen):
        by_story[g.story].append(i)
    pairs = [(v[0], x) for v in by_story.values() for x in v[1:]]
    pairs += [(i, i + 1) for i in range(0, min(len(gen) - 1, 400), 2)]
    words = [tokens(g.text) for g in gen]
    exact = [jaccard(shingles(words[a], 5), shingles(words[b], 5)) for a, b in pairs]
    errors: dict[str, float] = {}
    est = [estimate_jaccard(ours[a], ours[b]) for a, b in pairs]
    errors["storytrace"] = float(np.mean(np.abs(np.subtract(est, exact))))
    within = [(k, (a, b)) for k, (a, b) in enumerate(pairs) if b < len(ds)]
    if within:
        errors["datasketch"] = float(np.mean(
            [abs(ds[a].jaccard(ds[b]) - exact[k]) for k, (a, b) in within]))
    if rs:
        errors["rensa"] = float(np.mean(
            [abs(rs[a].jaccard(rs[b]) - exact[k]) for k, (a, b) in enumerate(pairs)]))
    return errors


# -- 3. the store as it grows -------------------------------------------------------


def _fingerprint_chunk(chunk: list[GeneratedArticle]) -> tuple[list[Article], list[Fingerprint]]:
    arts = [normalize(raw(g)) for g in chunk]
    # As the store path indexes them: document vectors now, sentence vectors on demand.
    return arts, fingerprint_many(arts, BenchEmbedder(), sentence_vectors=False)


def fill_store(path: Path, n: int, workers: int, resume: bool = False) -> dict[str, float]:
    """A store of ``n`` generated articles, each indexed as a story of its own.

    Normalization and fingerprints are the real code; joining stories is
    skipped (every article is indexed as its own story) because the
    verification it would run is what the latency figures measure.

    ``resume`` goes on with a fill that was stopped: the generator is
    deterministic, so the articles already indexed (those with a story; a
    stopped batch may have its articles but not its stories) are skipped and
    the rest added. The fill rate is then that of the articles added now.
    """
    from itertools import islice
    from multiprocessing import Pool

    path.parent.mkdir(parents=True, exist_ok=True)
    done = 0
    if resume and path.exists():
        with SQLiteStore(path) as store:
            done = store._db.execute("SELECT COUNT(*) FROM story_members").fetchone()[0]
        print(f"resuming after {done:,} indexed articles", flush=True)
    else:
        for old in path.parent.glob(path.name + "*"):
            old.unlink()
    gen = islice(generate(n, seed=3), done, None)
    start = time.perf_counter()
    write_s = 0.0
    with SQLiteStore(path) as store, Pool(workers) as pool:
        def batches():
            batch: list[GeneratedArticle] = []
            for g in gen:
                batch.append(g)
                if len(batch) == 500:
                    yield batch
                    batch = []
            if batch:
                yield batch

        for arts, fps in pool.imap(_fingerprint_chunk, batches()):
            t = time.perf_counter()
            store.add_articles(arts)
            store.put_fingerprints(fps, BenchEmbedder.name)
            stories = [Story(id=f"s{a.id[:12]}", headline=a.title or "", original=a.id,
                             members=(StoryMember(a.id, "original", 1.0),)) for a in arts]
            indexed = [(a.id, document_terms(a), linking_terms(fp))
                       for a, fp in zip(arts, fps, strict=True)]
            store.save_stories(stories, indexed=indexed)
            write_s += time.perf_counter() - t
        t = time.perf_counter()
        store.vector_index(BenchEmbedder.name)
        store.save_indexes()
        index_s = time.perf_counter() - t
    total = time.perf_counter() - start
    added = n - done
    return {"fill_articles_per_s": added / total, "write_us_per_article": write_s / added * 1e6,
            "index_build_s": index_s, "resumed_after": done}


def bench_store(sizes: Sequence[int], queries: int, workers: int, rebuild: bool) -> dict[str, Any]:
    rows, out = [], {}
    for n in sizes:
        path = CACHE / f"store-{n}.sqlite"
        stamp = CACHE / f"store-{n}.done"
        fill: dict[str, float] = {}
        if rebuild or not stamp.exists():
            print(f"filling a store of {n:,} articles ...", flush=True)
            fill = fill_store(path, n, workers, resume=not rebuild)
            stamp.write_text(json.dumps(fill))
        else:
            fill = json.loads(stamp.read_text())
        result = _measure_store(path, n, queries)
        result.update(fill)
        out[str(n)] = result
        rows.append((f"{n:,}", result["p50_ms"], result["p99_ms"], result["candidates_mean"],
                     result["sentence_vectors_made_mean"],
                     result["found_original"], result["disk_kb_per_article"],
                     result["index_bytes_per_article"], result["open_s"],
                     fill.get("fill_articles_per_s", float("nan"))))
    out["table"] = table(
        f"Match one new article against the store ({queries} queries; model excluded: "
        "sentence vectors made during the match are counted, their time is not)",
        ["articles", "p50 ms", "p99 ms", "candidates", "sentence vectors made",
         "original found",
         "disk KB / article", "vector index B / article", "open s", "fill articles/s"], rows)
    return out


def _measure_store(path: Path, n: int, queries: int) -> dict[str, Any]:
    # Queries: versions (copies, rewrites, briefs) of stored originals, under
    # addresses of their own, so each arrives as a new article; the store may
    # hold other versions of the same story, as an archive would.
    gen = list(generate(min(n, 20_000), seed=3))
    originals = {g.story: g for g in gen if g.kind == "original"}
    versions = [g for g in gen if g.kind != "original" and g.story in originals][:queries]
    embedder = BenchEmbedder()
    disk = sum(f.stat().st_size for f in path.parent.glob(path.name + "*"))
    start = time.perf_counter()
    store = SQLiteStore(path)
    index = store.vector_index(embedder.name)
    open_s = time.perf_counter() - start
    latencies, parts, candidates, found = [], defaultdict(list), [], 0
    with_sentences: list[int] = []
    for g in versions:
        query = normalize(RawDocument(origin="q", content=g.text, title=g.title,
                                      url=g.url.replace("https://", "https://query."),
                                      published=g.published.isoformat()))
        [fp] = fingerprint_many([query], embedder, sentence_vectors=False)
        timings: dict[str, float] = {}
        t = time.perf_counter()
        matches = match_stored(store, embedder, query, fp, timings=timings)
        latencies.append(time.perf_counter() - t - timings["embed"])  # model work apart
        for k, v in timings.items():
            parts[k].append(v)
        candidates.append(len(matches))
        # Stored articles here are lone versions, indexed without sentence
        # vectors: each candidate verified with them had them made now.
        with_sentences.append(sum(m.evidence.sentences_compared for m in matches))
        original_id = _stored_id(store, originals[g.story])
        found += bool(matches) and any(m.b == original_id and m.same_story for m in matches)
    store.close()
    ms = np.array(latencies) * 1e3
    return {
        "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
        "parts_ms_p50": {k: float(np.percentile(v, 50) * 1e3) for k, v in parts.items()},
        "candidates_mean": float(np.mean(candidates)),
        "sentence_vectors_made_mean": float(np.mean(with_sentences)),
        "found_original": f"{found}/{len(versions)}",
        "disk_kb_per_article": disk / n / 1024,
        "index_bytes_per_article": getattr(index, "memory_bytes", 0) / n,
        "open_s": open_s,
    }


def _stored_id(store: SQLiteStore, g: GeneratedArticle) -> str | None:
    found = store.find(g.url)
    return found[0].id if found else None


def plot_growth(store: dict[str, Any], path: Path) -> Path | None:
    """Latency, disk and index memory per article against store size (log scale)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sizes = sorted(int(k) for k in store if k.isdigit())
    if len(sizes) < 2:
        return None
    rows = [store[str(n)] for n in sizes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(sizes, [r["p50_ms"] for r in rows], "o-", label="p50")
    left.plot(sizes, [r["p99_ms"] for r in rows], "s--", label="p99")
    left.set(xscale="log", xlabel="articles in the store", ylabel="ms per match",
             title="Match latency (model excluded)")
    left.legend()
    right.plot(sizes, [r["disk_kb_per_article"] * 1024 for r in rows], "o-", label="disk")
    right.plot(sizes, [r["index_bytes_per_article"] for r in rows], "s--",
               label="vector index in memory")
    right.set(xscale="log", yscale="log", xlabel="articles in the store",
              ylabel="bytes per article", title="Space per article")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# -- 4. real news through the model ---------------------------------------------------


def bench_shared(limit: int) -> dict[str, Any]:
    from sets import load_set

    from storytrace.evaluate import articles_from_docs
    from storytrace.fingerprint import SentenceTransformerEmbedder

    rows, out = [], {}
    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up"])
    for name in ("ecbplus", "clough"):
        labelled = load_set(name)
        if labelled is None:
            continue
        arts = articles_from_docs(labelled.docs[:limit])
        start = time.perf_counter()
        fingerprint_many(arts, embedder)
        sec = (time.perf_counter() - start) / len(arts)
        words = statistics.mean(len(a.body.split()) for a in arts)
        out[name] = {"fingerprints_per_s": 1 / sec, "words": words}
        rows.append((name, len(arts), words, 1 / sec))
    if rows:
        out["table"] = table("Whole fingerprint with the model on ../shared/data",
                             ["set", "articles", "words", "articles / s"], rows)
    return out


# -- main ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_at_start": os.getloadavg()[0]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (what CI runs)")
    parser.add_argument("--articles", type=int, default=2000, help="articles for stage timings")
    parser.add_argument("--sizes", default="1000,10000,100000", help="store sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-model", action="store_true", help="skip the model's timings")
    parser.add_argument("--rebuild", action="store_true", help="refill cached stores")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.sizes, args.queries = 200, "500,2000", 30
        args.no_model = True
    results: dict[str, Any] = {"machine": machine(), "argv": list(argv or sys.argv[1:])}
    print(f"machine: {results['machine']}")
    results["stages"] = bench_stages(args.articles, model=not args.no_model)
    results["minhash"] = bench_minhash(args.articles)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    results["store"] = bench_store(sizes, args.queries, args.workers, args.rebuild or args.quick)
    if not args.no_model:
        results["shared"] = bench_shared(limit=200)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwritten: {args.out}")
    plot = plot_growth(results["store"], args.out.with_name("growth.png"))
    if plot is not None:
        print(f"written: {plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
