"""The labelled evaluation sets, defined once for the eval script, the gate and the benches.

Each set is read from where it lies (../shared/data, ../shared/seeds, the
package's demo corpus); no text is copied into the project.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storytrace.evaluate import load_jsonl

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

Row = dict[str, Any]


@dataclass(frozen=True)
class LabelledSet:
    """A set's documents and pairs, and how to read its labels."""

    name: str
    docs: list[Row]
    pairs: list[Row]
    graded: Callable[[Mapping[str, Any]], float] | None = None
    true_relation: Callable[[Mapping[str, Any]], str | None] | None = None


def _seed_docs(seeds: Path) -> list[Row]:
    """The seed pages through the project's own reader and normalizer."""
    from storytrace.model import RawDocument
    from storytrace.normalize import normalize

    docs = []
    for f in sorted(seeds.glob("0*.txt")):
        art = normalize(RawDocument(origin=f.name, content=f.read_text(encoding="utf-8")))
        date = art.published.isoformat() if art.published else None
        docs.append({"id": f.name[:3], "text": art.body, "title": art.title, "date": date})
    return docs


def load_set(name: str, shared: Path = SHARED) -> LabelledSet | None:
    """One set by name (``ecbplus semeval clough seeds demo``), or ``None`` when absent."""
    data = shared / "data"
    if name == "ecbplus" and (d := data / "ecbplus_stories").is_dir():
        return LabelledSet(name, load_jsonl(d / "docs.jsonl"), load_jsonl(d / "pairs.jsonl"))
    if name == "semeval" and (d := data / "semeval22_t8_en").is_dir():
        # score: 1 = very similar ... 4 = very dissimilar; turned so higher = more similar
        return LabelledSet(
            name, load_jsonl(d / "docs.jsonl"), load_jsonl(d / "pairs.jsonl"),
            graded=lambda p: 5.0 - float(p["score"]),
        )
    if name == "clough" and (d := data / "clough_stevenson_reuse").is_dir():
        return LabelledSet(name, load_jsonl(d / "docs.jsonl"), load_jsonl(d / "pairs.jsonl"))
    if name == "seeds" and (d := shared / "seeds").is_dir():
        docs = _seed_docs(d)
        ids = [doc["id"] for doc in docs]
        # all three are one story; 000-001 is the one pair whose relation is known
        pairs = [
            {"a": x, "b": y, "label": 1, "relation": "rewrite" if x + y == "000001" else None}
            for i, x in enumerate(ids)
            for y in ids[i + 1 :]
        ]
        return LabelledSet(name, docs, pairs, true_relation=lambda p: p.get("relation"))
    if name == "demo":
        from storytrace.demo import eval_set

        docs, pairs = eval_set()
        return LabelledSet(name, docs, pairs, true_relation=lambda p: p.get("relation"))
    return None


SET_NAMES = ("ecbplus", "semeval", "clough", "seeds", "demo")
