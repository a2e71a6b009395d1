"""How well the diff finds the changes planted in the demo corpus (and leaves equivalents alone).

    python bench/diff_eval.py [--hashing]

The demo labels list, for each derived version, the facts changed relative
to its source: numbers altered, dates shifted, quotes given to another
speaker, facts added or dropped, and "equivalent" rewordings that are not
changes ("85,000" / "some 85,000"). For each labelled pair this diffs source
and version and counts, per kind, the planted changes found, and the
equivalents wrongly flagged.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass

from storytrace.demo import corpus_path, labels_path
from storytrace.diff import diff
from storytrace.fingerprint import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from storytrace.model import Article, Diff, FactChange
from storytrace.pipeline import read_articles


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).casefold()


def _within(fragment: str | None, sentence: str | None, share: float = 0.8) -> bool:
    """Whether most of the fragment's words are in the sentence (labels quote loosely)."""
    if not fragment or not sentence:
        return False
    words = re.findall(r"\w+", _norm(fragment))
    have = set(re.findall(r"\w+", _norm(sentence)))
    return bool(words) and sum(w in have for w in words) / len(words) >= share


def _overlaps(fragment: str | None, claim: str | None) -> bool:
    """Whether a fact's own words and a label's fragment share their number or main words."""
    if not fragment or not claim:
        return False
    a = set(re.findall(r"\w+", _norm(fragment)))
    b = set(re.findall(r"\w+", _norm(claim)))
    return len(a & b) / max(min(len(a), len(b)), 1) >= 0.5


def is_planted(f: FactChange, changes: list[dict]) -> bool:
    """Whether a reported conflict is one of the changes planted in a version."""
    return any(
        c["kind"] == f.kind
        and (_within(c["original"], f.sentence_a) or _within(c["changed"], f.sentence_b))
        for c in changes
    )


def found(d: Diff, change: dict) -> bool:
    """Whether the diff reports one planted change."""
    kind, before, after = change["kind"], change["original"], change["changed"]
    if kind in ("number", "date", "speaker"):
        return any(f.status == "conflict" and is_planted(f, [change]) for f in d.facts)
    if kind == "added":
        return any(f.status == "only_b" and _within(after, f.sentence_b) for f in d.facts) or any(
            _within(after, d.sentences_b[j]) for j in d.only_b
        )
    if kind == "dropped":
        return any(f.status == "only_a" and _within(before, f.sentence_a) for f in d.facts) or any(
            _within(before, d.sentences_a[i]) for i in d.only_a
        )
    raise ValueError(kind)


def flags_equivalent(d: Diff, change: dict) -> bool:
    """Whether the diff flags a rewording the labels say is not a change."""
    before, after = change["original"], change["changed"]
    return any(
        f.status == "conflict" and f.kind != "speaker"
        and _overlaps(before, f.a) and _overlaps(after, f.b)
        for f in d.facts
    )


# Versions made from their source: every change in them is planted and labelled,
# so a conflict that matches none is a false alarm.
DERIVED = ("duplicate", "near_duplicate", "excerpt", "rewrite")


@dataclass
class DiffFigures:
    planted: Counter[str]
    found: Counter[str]
    equivalents: int
    equivalents_flagged: int
    pairs: int
    conflicts: int = 0  # conflicts reported between a derived version and its source
    conflicts_planted: int = 0  # of which are planted changes

    @property
    def recall(self) -> float:
        return sum(self.found.values()) / max(sum(self.planted.values()), 1)

    @property
    def conflict_precision(self) -> float:
        return self.conflicts_planted / max(self.conflicts, 1)


def evaluate(embedder: Embedder) -> DiffFigures:
    root = corpus_path()
    by_key: dict[str, Article] = {}
    for item in read_articles([str(root)]):
        assert isinstance(item, Article), item
        path = item.origin.rsplit(":", 1)[0] if item.source_id else item.origin
        rel = path[len(str(root)) + 1 :]
        by_key[f"{rel}#{item.source_id}" if item.source_id else rel] = item
    figures = DiffFigures(Counter(), Counter(), 0, 0, 0)
    for line in labels_path().read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        source = label["derived_from"] or label["relates_to"]
        if not source or not (label["changes"] or label["relation"] in DERIVED):
            continue
        key = f"{label['path']}#{label['record_id']}" if label["record_id"] else label["path"]
        d = diff(by_key[source], by_key[key], embedder=embedder)
        figures.pairs += 1
        if label["relation"] in DERIVED:
            for f in d.changes("conflict"):
                figures.conflicts += 1
                figures.conflicts_planted += is_planted(f, label["changes"])
        for change in label["changes"]:
            if change["kind"] == "equivalent":
                figures.equivalents += 1
                figures.equivalents_flagged += flags_equivalent(d, change)
            else:
                figures.planted[change["kind"]] += 1
                figures.found[change["kind"]] += found(d, change)
    return figures


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hashing", action="store_true", help="model-free embedder (smoke runs)")
    args = ap.parse_args()
    embedder = HashingEmbedder() if args.hashing else SentenceTransformerEmbedder()
    f = evaluate(embedder)
    print(f"{f.pairs} labelled version pairs of the demo corpus (derived versions, and "
          "other versions with labelled changes)")
    for kind in sorted(f.planted):
        print(f"  {kind:8} found {f.found[kind]:2d} of {f.planted[kind]:2d}")
    print(f"planted changes found: {sum(f.found.values())} of {sum(f.planted.values())} "
          f"({f.recall:.0%}); equivalents flagged as changes: {f.equivalents_flagged} "
          f"of {f.equivalents}")
    print(f"conflicts reported between derived versions and their sources: {f.conflicts}, "
          f"of which planted: {f.conflicts_planted} (precision {f.conflict_precision:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
