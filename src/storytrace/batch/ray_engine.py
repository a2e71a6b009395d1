"""The batch on Ray Data: the stages of :mod:`storytrace.batch.stages` over distributed blocks.

Every stage is a vectorized ``map_batches`` over Arrow batches; where a
stage needs all rows of a key together (one fingerprint chunk, one LSH or
rare-term bucket, one date bucket, one component) the dataset is
hash-partitioned by that key first (``repartition(keys=...)``) and the
stage runs once per whole block.
Fingerprinting runs in actors that hold the embedder (on GPUs when the
cluster has them); the corpus idf is counted by an aggregation, put in the
object store once and read by each verifying actor. Connected components are
found on the driver from the same-story edges alone (a few bytes each).

Each stage is materialized before the next so ``stats.json`` can time it;
docs/SCALING.md says what changes past one machine.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from storytrace.batch import BatchJob, StageClock, finish_stats
from storytrace.batch.stages import (
    Row,
    band_rows,
    chunk_count,
    chunk_of,
    components,
    fingerprint_chunks,
    first_of_each,
    idf_from_counts,
    neighbour_edges,
    read_part,
    shared_term_edges,
    split_component,
    star_edges,
    term_counts,
    term_pairs,
    term_rows,
    vector_rows,
    verify_rows,
)
from storytrace.errors import StorytraceError
from storytrace.fingerprint import Embedder, SentenceTransformerEmbedder

__all__ = ["RayEngine"]


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as error:
        raise StorytraceError(
            "the ray engine needs Ray Data: pip install 'storytrace[ray]'"
        ) from error
    return ray


class RayEngine:
    """Runs a batch job on a Ray cluster (a local one when none is running).

    Args:
        init: keyword arguments for ``ray.init`` when Ray is not initialized
            yet (the engine then shuts it down after the run); ignored when
            the caller already started Ray.
        partitions: blocks per hash shuffle (default: twice the cluster's CPUs).
    """

    def __init__(self, init: dict[str, Any] | None = None, partitions: int | None = None) -> None:
        self.init = init or {}
        self.partitions = partitions

    def run(self, inputs: Sequence[str], out: Path, job: BatchJob) -> dict[str, Any]:
        """Run ``job`` over ``inputs`` into ``out`` (see :class:`storytrace.batch.Engine`)."""
        ray = _import_ray()
        started = not ray.is_initialized()
        if started:
            ray.init(**self.init)
        try:
            return _run(ray, list(inputs), out, job, self.partitions)
        finally:
            if started:
                ray.shutdown()


# -- the UDFs: thin adapters from Arrow batches to the stage functions --------------


def _read(batch: Any, settings: Any) -> Any:
    from storytrace.batch.output import READ, table

    rows = [r for src in batch.to_pylist() for r in read_part(src["source"], src["part"], settings)]
    return table(rows, READ)


def _articles_only(batch: Any, n_chunks: int) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    articles = batch.filter(pc.is_null(batch["failure"]))
    chunks = [chunk_of(x, n_chunks) for x in articles["id"].to_pylist()]
    return articles.append_column("chunk", pa.array(chunks, pa.int64()))


def _failures_only(batch: Any) -> Any:
    import pyarrow.compute as pc

    return batch.filter(pc.is_valid(batch["failure"]))


def _edges_only(batch: Any) -> Any:
    import pyarrow.compute as pc

    return batch.filter(pc.is_valid(batch["a"]))


def _same_only(batch: Any) -> Any:
    return batch.filter(batch["same_story"]).select(["a", "b", "same_story", "score"])


def _portable(embedder: Embedder | None, device: str | None) -> Embedder | None:
    """The embedder as an actor should build it: an unloaded model, on ``device``."""
    if isinstance(embedder, SentenceTransformerEmbedder):
        return SentenceTransformerEmbedder(
            embedder.model_name, device=device or embedder.device,
            batch_size=embedder.batch_size, max_seq_length=embedder.max_seq_length,
            backend=embedder.backend, cache_dir=embedder.cache_dir,
        )
    return embedder


class _Fingerprinter:
    """An actor holding one embedder (its model loads once, on first use).

    Called with whole blocks of whole chunks: drops repeats of an article,
    then fingerprints chunk by chunk.
    """

    def __init__(self, embedder: Embedder | None, gpu: bool, n_chunks: int) -> None:
        self.embedder = _portable(embedder, "cuda" if gpu else None)
        self.n_chunks = n_chunks

    def __call__(self, batch: Any) -> Any:
        from storytrace.batch.output import PRINTS, table

        rows = first_of_each(batch.to_pylist())
        return table(fingerprint_chunks(rows, self.embedder, self.n_chunks), PRINTS)


def _terms(batch: Any) -> Any:
    from storytrace.batch.output import TERMS, table

    counts = term_counts(batch.to_pylist())
    return table([{"term": t, "count": c} for t, c in counts.items()], TERMS)


def _bands(batch: Any, days: int) -> Any:
    from storytrace.batch.output import BAND, table

    return table(band_rows(batch.to_pylist(), days), BAND)


def _stars(batch: Any, cap: int) -> Any:
    from storytrace.batch.output import EDGE, table

    edges, capped = star_edges(batch.to_pylist(), cap)
    return table([*edges, {"a": None, "b": None, "capped": capped}], EDGE)


def _vectors(batch: Any, days: int) -> Any:
    from storytrace.batch.output import VECTOR, table

    return table(vector_rows(batch.to_pylist(), days), VECTOR)


def _neighbours(batch: Any) -> Any:
    from storytrace.batch.output import EDGE, table

    return table(neighbour_edges(batch.to_pylist()), EDGE)


class _TermKeys:
    """An actor that reads the broadcast idf once and emits (rare term, date bucket) keys."""

    def __init__(self, idf_ref: list[Any], days: int) -> None:
        import ray

        self.idf = ray.get(idf_ref[0])
        self.days = days

    def __call__(self, batch: Any) -> Any:
        from storytrace.batch.output import TERM, table

        return table(term_rows(batch.to_pylist(), self.idf, self.days), TERM)


def _term_pairs(batch: Any, cap: int) -> Any:
    from storytrace.batch.output import EDGE, table

    edges, capped = term_pairs(batch.to_pylist(), cap)
    return table([*edges, {"a": None, "b": None, "capped": capped}], EDGE)


def _shared_twice(batch: Any) -> Any:
    rows = batch.to_pylist()
    from storytrace.batch.output import EDGE, table

    return table(shared_term_edges((r["a"], r["b"], r["count()"]) for r in rows), EDGE)


class _Verifier:
    """An actor that reads the broadcast idf once and verifies joined pairs."""

    def __init__(self, idf_ref: list[Any]) -> None:
        import ray

        # The ref is wrapped in a list so Ray hands it over unresolved: the
        # idf is fetched from the object store once per actor, not per task.
        self.idf = ray.get(idf_ref[0])

    def __call__(self, batch: Any) -> Any:
        from storytrace.batch.output import PAIRS, table

        pairs = [(_side(r, "a"), _side(r, "b")) for r in batch.to_pylist()]
        return table(verify_rows(pairs, self.idf), PAIRS)


def _link_rows(batch: Any) -> Any:
    """Member rows and verdict rows of components in one schema (the other side's columns null)."""
    import pyarrow as pa

    from storytrace.batch.output import LINK

    # Joins hand back large_string columns; cast so both kinds of rows share one schema.
    return pa.table({
        name: batch[name].cast(typ) if name in batch.column_names else pa.nulls(len(batch), typ)
        for name, typ in zip(LINK.names, LINK.types, strict=True)
    })


def _article_table(batch: Any) -> Any:
    from storytrace.batch.output import ARTICLES, article_row_out, table

    return table([article_row_out(r, r) for r in batch.to_pylist()], ARTICLES)


def _write(ds: Any, folder: Path, schema: Any) -> None:
    """Write ``ds`` as a folder of Parquet parts; empty, as one empty part (Ray writes none)."""
    import pyarrow.parquet as pq

    ds.write_parquet(str(folder))
    if not any(folder.glob("*.parquet")):
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(schema.empty_table(), folder / "empty.parquet")


def _shape(table: Any) -> tuple[int, int]:
    return table.num_rows, table.num_columns


def _side(row: Row, name: str) -> Row:
    """One side of a joined pair row: its ``a_``/``b_`` columns, and the id (the join key)."""
    prefix = f"{name}_"
    side = {k[len(prefix):]: v for k, v in row.items() if k.startswith(prefix)}
    side["id"] = row[name]
    return side


class _Linker:
    """An actor that splits whole components by average linkage (idf read once)."""

    def __init__(self, idf_ref: list[Any]) -> None:
        import ray

        self.idf = ray.get(idf_ref[0])

    def __call__(self, batch: Any) -> Any:
        from storytrace.batch.output import STORY, table

        members: dict[str, list[Row]] = defaultdict(list)
        verdicts: dict[str, list[Row]] = defaultdict(list)
        for row in batch.to_pylist():
            if row["v_a"] is None:
                members[row["comp"]].append(row)
            else:
                verdicts[row["comp"]].append(
                    {"a": row["v_a"], "b": row["v_b"], "same_story": row["v_same"],
                     "score": row["v_score"]})
        out: list[Row] = []
        for comp in sorted(members):
            out += split_component(members[comp], verdicts[comp], self.idf)
        return table(out, STORY)


def _nothing_read(
    out: Path, inputs: list[str], records: int, failures: list[str], clock: StageClock
) -> dict[str, Any]:
    """Empty outputs when no input held an article (the joins need at least one row)."""
    from storytrace.batch.output import write_articles, write_pairs

    out.mkdir(parents=True, exist_ok=True)
    write_articles(out / "articles.parquet", [], [])
    write_pairs(out / "pairs.parquet", [])
    stats = {"engine": "ray", "inputs": len(inputs), "records": records,
             "failures": len(failures), "failure_reasons": failures[:100], "articles": 0,
             "candidate_pairs": 0, "stories": 0, "stories_with_versions": 0}
    return finish_stats(stats, clock, 0, out)


# -- the run --------------------------------------------------------------------------------


def _run(ray: Any, inputs: list[str], out: Path, job: BatchJob, partitions: int | None) -> dict:
    import pyarrow as pa
    import ray.data as rd

    from storytrace.batch.output import ARTICLES, PAIRS, PRINTS

    ctx = rd.DataContext.get_current()
    ctx.enable_progress_bars = False
    resources = ray.cluster_resources()
    cpus = max(1, int(resources.get("CPU", 1)))
    gpus = int(resources.get("GPU", 0))
    n = partitions or 2 * cpus
    clock = StageClock()

    shape = ray.remote(_shape)

    def timed(name: str, ds: Any) -> Any:
        start = time.perf_counter()
        done = ds.materialize()
        clock.seconds[name] = round(time.perf_counter() - start, 4)
        clock.bytes[name] = int(done.size_bytes())
        # An empty hash partition comes out as a block with no columns, which
        # a later shuffle fails to concatenate with the others: drop those.
        refs = done.to_arrow_refs()
        kept = [r for r, (_, cols) in zip(refs, ray.get([shape.remote(r) for r in refs]),
                                          strict=True) if cols]
        return rd.from_arrow_refs(kept) if kept and len(kept) < len(refs) else done

    sources = rd.from_items([{"source": s, "part": i} for i, s in enumerate(inputs)],
                            override_num_blocks=len(inputs))
    read = timed("read", sources.map_batches(
        _read, batch_size=1, batch_format="pyarrow", fn_kwargs={"settings": job.settings}))
    failures = [r["failure"] for r in read.map_batches(_failures_only, batch_format="pyarrow")
                .select_columns(["failure"]).take_all()]
    records = read.count()
    n_chunks = chunk_count(records - len(failures))

    # Partitioned by fingerprint chunk, a function of the id: repeats of an
    # article meet in one block (dropped there), and each chunk is embedded
    # whole, in the company the local engine embeds it in.
    use_gpu = gpus > 0 and job.embedder is not None
    prints = timed("fingerprint", read.map_batches(
        _articles_only, batch_format="pyarrow", fn_kwargs={"n_chunks": n_chunks})
        .repartition(n, keys=["chunk"])
        .map_batches(
        _Fingerprinter, batch_size=None, batch_format="pyarrow",
        fn_constructor_kwargs={"embedder": job.embedder, "gpu": use_gpu, "n_chunks": n_chunks},
        compute=rd.ActorPoolStrategy(min_size=1, max_size=gpus if use_gpu else cpus),
        num_gpus=1 if use_gpu else None))
    n_docs = prints.count()
    if n_docs == 0:
        return _nothing_read(out, inputs, records, failures, clock)

    start = time.perf_counter()
    counts = (prints.map_batches(_terms, batch_format="pyarrow")
              .groupby("term", num_partitions=n).sum("count").take_all())
    idf = idf_from_counts(n_docs, {r["term"]: r["sum(count)"] for r in counts})
    idf_ref = ray.put(idf)
    clock.seconds["idf"] = round(time.perf_counter() - start, 4)
    clock.bytes["idf_broadcast"] = sum(len(t) + 8 for t in idf)

    keys = timed("lsh_keys", prints.select_columns(["id", "rank", "published", "minhash",
                                                     "shingles5"])
                 .map_batches(_bands, batch_format="pyarrow",
                              fn_kwargs={"days": job.bucket_days}))
    stars = timed("lsh", keys.repartition(n, keys=["key"]).map_batches(
        _stars, batch_size=None, batch_format="pyarrow", fn_kwargs={"cap": job.bucket_cap}))
    capped = int(stars.sum("capped") or 0)
    lsh = stars.map_batches(_edges_only, batch_format="pyarrow").select_columns(["a", "b"])

    if job.embedder is not None:
        vectors = timed("vectors", prints.select_columns(["id", "rank", "published",
                                                          "embedding"])
                        .map_batches(_vectors, batch_format="pyarrow",
                                     fn_kwargs={"days": job.bucket_days}))
        near = timed("neighbours", vectors.repartition(n, keys=["bucket"]).map_batches(
            _neighbours, batch_size=None, batch_format="pyarrow")).select_columns(["a", "b"])
        candidates = lsh.union(near)
    else:
        near, candidates = None, lsh
    term_keys = timed("term_keys", prints.map_batches(
        _TermKeys, batch_size=256, batch_format="pyarrow",
        fn_constructor_kwargs={"idf_ref": [idf_ref], "days": job.bucket_days},
        compute=rd.ActorPoolStrategy(min_size=1, max_size=cpus)))
    shared = timed("terms", term_keys.repartition(n, keys=["key"]).map_batches(
        _term_pairs, batch_size=None, batch_format="pyarrow", fn_kwargs={"cap": job.bucket_cap}))
    capped_terms = int(shared.sum("capped") or 0)
    rare = timed("term_edges", shared.map_batches(_edges_only, batch_format="pyarrow")
                 .select_columns(["a", "b"]).groupby(["a", "b"], num_partitions=n).count()
                 .map_batches(_shared_twice, batch_format="pyarrow"))
    candidates = candidates.union(rare)
    unique_pairs = candidates.groupby(["a", "b"], num_partitions=n).count()
    pairs = timed("candidates", unique_pairs.select_columns(["a", "b"]))

    def side(prefix: str) -> Any:
        return prints.rename_columns({c: f"{prefix}{c}" for c in PRINTS.names})

    n_pairs = pairs.count()
    if n_pairs:
        joined = (pairs.join(side("a_"), "inner", n, on=("a",), right_on=("a_id",))
                  .join(side("b_"), "inner", n, on=("b",), right_on=("b_id",)))
        verdicts = timed("verify", joined.map_batches(
            _Verifier, batch_size=256, batch_format="pyarrow",
            fn_constructor_kwargs={"idf_ref": [idf_ref]},
            compute=rd.ActorPoolStrategy(min_size=1, max_size=cpus)))
    else:  # nothing to verify: every article is a story of its own
        verdicts = rd.from_arrow(PAIRS.empty_table())

    start = time.perf_counter()
    ranked = sorted((r["rank"], r["id"]) for r in
                    prints.select_columns(["rank", "id"]).take_all())
    same = verdicts.map_batches(_same_only, batch_format="pyarrow")
    groups = components([x for _, x in ranked], same.take_all())
    clock.seconds["components"] = round(time.perf_counter() - start, 4)

    component = rd.from_arrow(pa.table({
        "cid": [x for g in groups for x in g],
        "comp": [g[0] for g in groups for _ in g],
    }))
    members = prints.join(component, "inner", n, on=("id",), right_on=("cid",))
    inside = (verdicts.join(component, "inner", n, on=("a",), right_on=("cid",))
              .rename_columns({"a": "v_a", "b": "v_b", "same_story": "v_same",
                               "score": "v_score"}))

    linked = members.map_batches(_link_rows, batch_format="pyarrow").union(
        inside.map_batches(_link_rows, batch_format="pyarrow"))
    stories = timed("stories", linked.repartition(n, keys=["comp"]).map_batches(
        _Linker, batch_size=None, batch_format="pyarrow",
        fn_constructor_kwargs={"idf_ref": [idf_ref]},
        compute=rd.ActorPoolStrategy(min_size=1, max_size=cpus)))

    start = time.perf_counter()
    meta = prints.select_columns(["id", "source_id", "title", "site", "url", "published"])
    articles_out = stories.join(meta, "inner", n, on=("id",)).map_batches(
        _article_table, batch_format="pyarrow")
    _write(articles_out, out / "articles.parquet", ARTICLES)
    _write(verdicts.select_columns(PAIRS.names), out / "pairs.parquet", PAIRS)
    clock.seconds["write"] = round(time.perf_counter() - start, 4)

    story_ids = [r["story"] for r in stories.select_columns(["story"]).take_all()]
    sizes: dict[str, int] = defaultdict(int)
    for s in story_ids:
        sizes[s] += 1
    stats = {
        "engine": "ray",
        "cluster": {"cpus": cpus, "gpus": gpus, "partitions": n},
        "inputs": len(inputs),
        "records": records,
        "failures": len(failures),
        "failure_reasons": failures[:100],
        "articles": n_docs,
        "repeats_dropped": records - len(failures) - n_docs,
        "idf_terms": len(idf),
        "lsh_keys": keys.count(),
        "lsh_edges": lsh.count(),
        "capped_buckets": capped,
        "neighbour_edges": near.count() if near is not None else 0,
        "term_keys": term_keys.count(),
        "capped_term_buckets": capped_terms,
        "term_edges": rare.count(),
        "candidate_pairs": n_pairs,
        "same_story_pairs": same.count(),
        "components": len(groups),
        "largest_component": max((len(g) for g in groups), default=0),
        "stories": len(sizes),
        "stories_with_versions": sum(v > 1 for v in sizes.values()),
    }
    return finish_stats(stats, clock, n_docs, out)

