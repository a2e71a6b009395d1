"""Evaluation harness: run :func:`storytrace.verify.compare` over labelled pairs and score it.

Library code for ``bench/eval_shared.py`` and the ``storytrace eval``
command. Every document is embedded once and every sentence once per run;
pairs then compare precomputed fingerprints. Metrics are plain numpy (no
scikit-learn): precision / recall / F1, ROC AUC, Pearson, a confusion
matrix of relations; and two baselines from the same run: MinHash at
estimated Jaccard 0.5, and document-embedding cosine alone at its best
threshold.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from storytrace.fingerprint import (
    Embedder,
    Fingerprint,
    document_vectors,
    estimate_jaccard,
    fingerprint_many,
)
from storytrace.model import Article, article_id
from storytrace.neighbourhood import Neighbourhoods
from storytrace.pipeline import find_stories
from storytrace.verify import (
    Match,
    compare_fingerprints,
    compute_idf,
    content_terms,
    with_story_verdict,
)

__all__ = [
    "EvalResult",
    "articles_from_docs",
    "best_threshold_f1",
    "binary_metrics",
    "compute_idf",
    "confusion",
    "evaluate_pairs",
    "load_jsonl",
    "pearson",
    "roc_auc",
    "run_pairs",
    "split_sentences",
]


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines file (blank lines skipped).

    Raises:
        ValueError: naming the line, when one is not a JSON object or the
            file is not UTF-8.
    """
    rows = []
    with open(path, encoding="utf-8") as fh:
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"line {n}: not JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise ValueError(f"line {n}: a JSON {type(row).__name__}, not an object")
                rows.append(row)
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return rows


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: the project's splitter when present, else blingfire per line."""
    try:
        from storytrace.normalize import split_sentences as project_split  # type: ignore[attr-defined]
    except ImportError:
        project_split = None
    if project_split is not None:
        return list(project_split(text))
    import blingfire

    out: list[str] = []
    for line in text.splitlines():
        if line.strip():
            out.extend(s for s in blingfire.text_to_sentences(line.strip()).split("\n") if s)
    return out


def _parse_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        from dateutil import parser

        return parser.parse(str(value))
    except (ValueError, OverflowError):
        return None


def articles_from_docs(docs: Iterable[Mapping[str, Any]]) -> list[Article]:
    """Articles built directly from ``{"id","text"[,"title","date","url"]}`` documents.

    The document's own id is kept as the article id (pairs refer to it); the
    body is the text as given, so evaluation measures matching alone, not
    normalization.

    Raises:
        ValueError: naming the document, when one has no text or two share
            an id (a pair naming it could not say which one it means).
    """
    out = []
    first: dict[str, int] = {}
    for n, doc in enumerate(docs, 1):
        text = doc.get("text")
        if not isinstance(text, str):
            raise ValueError(f"document {n} ({doc.get('id')!r}): no \"text\" string")
        doc_id = str(doc.get("id") or article_id(text, doc.get("url")))
        if doc_id in first:
            raise ValueError(f"documents {first[doc_id]} and {n} share the id {doc_id!r}")
        first[doc_id] = n
        out.append(
            Article(
                id=doc_id,
                body=text,
                title=doc.get("title"),
                url=doc.get("url"),
                site=doc.get("source"),
                published=_parse_date(doc.get("date") or doc.get("published")),
                sentences=tuple(split_sentences(text)),
                source_id=doc.get("id"),
            )
        )
    return out


def run_pairs(
    articles: Sequence[Article],
    pairs: Sequence[tuple[str, str]],
    embedder: Embedder | None,
    *,
    idf: Mapping[str, float] | None = None,
    neighbourhood: bool = False,
    stories: bool = True,
) -> tuple[list[Match], dict[str, Fingerprint], dict[str, float]]:
    """Compare every pair; returns the matches, the fingerprints and timings (seconds).

    With ``stories`` (the default) the documents of the pairs are also
    grouped into stories, as ``storytrace cluster`` groups them
    (:func:`storytrace.pipeline.find_stories`), and each pair's verdict is
    whether one story holds both (:func:`storytrace.verify.with_story_verdict`;
    the score stays the pair's own). A story weighs many pairs of its
    versions, so its verdict is the better one wherever several versions
    of one story are given: on the ECB+ dev pairs F1 0.844 -> 0.892
    (0.901 since crowds are split on re-checking, 2026-12-08), SemEval
    0.783 -> 0.796, the demo corpus 0.914 -> 0.923 (0.971 since undated
    versions are read in their story's days), Clough 0.923 -> 0.919
    (measured 2026-11-25). Without ``stories``, or with only two
    documents, each pair is judged on its own evidence alone.

    ``articles`` are the corpus: their words give the idf (unless ``idf`` is
    given). With ``neighbourhood`` (and an embedder) their document vectors
    also give each article's neighbourhood
    (:class:`storytrace.neighbourhood.Neighbourhoods`) and pairs are scored
    by :data:`storytrace.verify.CONTEXT_WEIGHTS`; documents in no pair then
    get their document vector and nothing else. Off by default: it raises
    ECB+ F1 from 0.844 to 0.888 but lowers the demo corpus from 0.914 to
    0.898 (see README). Only documents in some pair are fingerprinted whole,
    and only theirs are returned.
    """
    timings: dict[str, float] = {}
    needed = {x for p in pairs for x in p}
    by_id = {a.id: a for a in articles if a.id in needed}
    if len(by_id) < len(needed):
        unknown = sorted(needed - by_id.keys())
        raise ValueError(f"pairs name ids no document has: {', '.join(unknown[:5])}")
    ordered = list(by_id.values())
    t0 = time.perf_counter()
    fps = fingerprint_many(ordered, embedder)
    fp_by_id = {a.id: f for a, f in zip(ordered, fps, strict=True)}
    neighbourhoods = None
    if neighbourhood and embedder is not None and ordered:
        rest = [a for a in articles if a.id not in by_id]
        vectors = np.stack([f.embedding for f in fps])
        if rest:  # only their vectors: they are in no pair
            vectors = np.vstack([vectors, document_vectors(rest, embedder)])
        neighbourhoods = Neighbourhoods([a.id for a in [*ordered, *rest]], vectors)
    timings["fingerprint_s"] = time.perf_counter() - t0
    terms = {a.id: content_terms(a.body) for a in ordered}
    if idf is None:
        idf = compute_idf(articles)
    t0 = time.perf_counter()
    matches = [
        compare_fingerprints(
            by_id[x],
            by_id[y],
            fp_by_id[x],
            fp_by_id[y],
            idf=idf,
            terms_a=terms[x],
            terms_b=terms[y],
            neighbourhood=neighbourhoods.agreement(x, y) if neighbourhoods else None,
        )
        for x, y in pairs
    ]
    timings["compare_s"] = time.perf_counter() - t0
    if stories and len(ordered) > 2:
        t0 = time.perf_counter()
        grouped = find_stories(ordered, embedder, neighbourhood=neighbourhood, fingerprints=fps)
        story_of = {m.article_id: s.id for s in grouped for m in s.members}
        matches = [
            with_story_verdict(m, story_of[m.a] == story_of[m.b], fp_by_id[m.a], fp_by_id[m.b])
            for m in matches
        ]
        timings["stories_s"] = time.perf_counter() - t0
    return matches, fp_by_id, timings


# ---------------------------------------------------------------- metrics


def binary_metrics(y: Sequence[int], pred: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of boolean predictions against 0/1 labels."""
    ya, pa = np.asarray(y, bool), np.asarray(pred, bool)
    tp = int((ya & pa).sum())
    fp = int((~ya & pa).sum())
    fn = int((ya & ~pa).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def roc_auc(y: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    ya = np.asarray(y, bool)
    s = np.asarray(scores, float)
    npos, nneg = int(ya.sum()), int((~ya).sum())
    if not npos or not nneg:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), float)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[ya].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation (nan when either side is constant)."""
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    if xa.std() == 0 or ya.std() == 0:
        return float("nan")
    return float(np.corrcoef(xa, ya)[0, 1])


def best_threshold_f1(y: Sequence[int], scores: Sequence[float]) -> tuple[float, float]:
    """The threshold on ``scores`` with the best F1 (``score >= t``), and that F1."""
    s = np.asarray(scores, float)
    best_t, best_f = 0.0, -1.0
    for t in np.unique(s):
        f = binary_metrics(y, s >= t)["f1"]
        if f > best_f:
            best_t, best_f = float(t), f
    return best_t, best_f


def confusion(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts of predicted relations per true relation: ``{true: {pred: n}}``."""
    out: dict[str, dict[str, int]] = {}
    for t, p in zip(truth, predicted, strict=True):
        row = out.setdefault(t, {})
        row[p] = row.get(p, 0) + 1
    return out


@dataclass
class EvalResult:
    """The figures of one evaluation run on one labelled set."""

    name: str
    n_pairs: int
    metrics: dict[str, float]
    baselines: dict[str, float]
    relations: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    matches: list[Match] = field(default_factory=list, repr=False)


def evaluate_pairs(
    name: str,
    docs: Sequence[Mapping[str, Any]],
    pairs: Sequence[Mapping[str, Any]],
    embedder: Embedder | None,
    *,
    label: Callable[[Mapping[str, Any]], int] = lambda p: int(p["label"]),
    graded: Callable[[Mapping[str, Any]], float] | None = None,
    true_relation: Callable[[Mapping[str, Any]], str | None] | None = None,
    neighbourhood: bool = False,
    stories: bool = True,
) -> EvalResult:
    """Run compare on every pair of a labelled set and score it, with both baselines.

    ``metrics`` holds precision, recall and F1 of the verdicts (within the
    set's stories unless ``stories`` is false; see :func:`run_pairs`), the
    same three of the pair's own score at 0.5 (``pair_precision``,
    ``pair_recall``, ``pair_f1``), AUC (of the score) and, for a graded set,
    Pearson.

    Args:
        name: the set's name in reports.
        docs, pairs: the set (``pairs`` need ``a`` and ``b``).
        embedder: the embedder (``None``: lexical and fact evidence only).
        label: the 0/1 same-story label of a pair.
        graded: a graded similarity (higher = more similar) for Pearson.
        true_relation: a pair's labelled relation, for the confusion matrix.
        neighbourhood: read each pair within the set's documents as a
            corpus (see :func:`run_pairs`).
        stories: judge each pair within the stories of the set's
            documents (see :func:`run_pairs`).
    """
    t_start = time.perf_counter()
    articles = articles_from_docs(docs)
    ids = [(str(p["a"]), str(p["b"])) for p in pairs]
    matches, fps, timings = run_pairs(
        articles, ids, embedder, neighbourhood=neighbourhood, stories=stories
    )
    y = [label(p) for p in pairs]
    scores = [m.score for m in matches]
    metrics = binary_metrics(y, [m.same_story for m in matches])
    alone = binary_metrics(y, [x >= 0.5 for x in scores])
    metrics.update({f"pair_{k}": v for k, v in alone.items()})
    metrics["auc"] = roc_auc(y, scores)
    baselines: dict[str, float] = {}
    mh = [estimate_jaccard(fps[a].minhash, fps[b].minhash) for a, b in ids]
    b_mh = binary_metrics(y, [j >= 0.5 for j in mh])
    baselines.update(
        {"minhash_f1": b_mh["f1"], "minhash_recall": b_mh["recall"], "minhash_auc": roc_auc(y, mh)}
    )
    cos = [m.evidence.cosine if m.evidence.cosine is not None else 0.0 for m in matches]
    if embedder is not None:
        t, f = best_threshold_f1(y, cos)
        baselines.update({"cosine_f1": f, "cosine_threshold": t, "cosine_auc": roc_auc(y, cos)})
    if graded is not None:
        g = [graded(p) for p in pairs]
        metrics["pearson"] = pearson(scores, g)
        baselines["minhash_pearson"] = pearson(mh, g)
        if embedder is not None:
            baselines["cosine_pearson"] = pearson(cos, g)
    relations: dict[str, dict[str, int]] = {}
    if true_relation is not None:
        rows = [(true_relation(p), m.relation) for p, m in zip(pairs, matches, strict=True)]
        rows = [(t, r) for t, r in rows if t]
        relations = confusion([t for t, _ in rows], [r for _, r in rows])
    timings["total_s"] = time.perf_counter() - t_start
    return EvalResult(name, len(pairs), metrics, baselines, relations, timings, matches)
