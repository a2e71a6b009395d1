"""Derive ``pairs.jsonl`` from ``labels.jsonl`` for the bundled demo corpus.

Run from anywhere; the output is deterministic (same labels, same bytes)::

    python -m storytrace.demo.make_pairs            # rewrites demo/pairs.jsonl
    python -m storytrace.demo.make_pairs --check    # exits 1 if pairs.jsonl is stale

Each pair is ``{"a", "a_record_id", "b", "b_record_id", "same_story", "relation"}``;
``relation`` says how ``b`` relates to ``a``, and ``a`` is the earlier of the two
(publication time, then path, then record id). The rules are in README.md:

* every pair inside a story;
* every article of a story against each hard negative (``different_event``)
  written against it;
* a fixed sample of unrelated pairs: every cross-story pair of pages that share
  a site template, every cross-story pair on the same site, every pair of story
  originals, and each unrelated article against a deterministic third of the
  originals.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# How far a version has drifted from the text it was taken from. Along a text
# lineage the pair gets the weakest link: a verbatim copy of the original relates
# to a rewrite of the original as a rewrite.
TEXT_RANK = {"duplicate": 0, "near_duplicate": 1, "rewrite": 2, "excerpt": 3}

Key = tuple[str, str | None]


def key(label: dict) -> Key:
    return (label["path"], label.get("record_id"))


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def lineage(label: dict, by_path: dict[str, dict]) -> list[dict]:
    """The article, then each text it was derived from, up to its root."""
    chain = [label]
    while chain[-1].get("derived_from"):
        chain.append(by_path[chain[-1]["derived_from"]])
    return chain


def within_story(a: dict, b: dict, by_path: dict[str, dict]) -> str:
    la, lb = lineage(a, by_path), lineage(b, by_path)
    pa = [x["path"] for x in la]
    pb = [x["path"] for x in lb]
    common = next((p for p in pa if p in pb), None)
    if common is not None:
        steps = la[: pa.index(common)] + lb[: pb.index(common)]
        return max((s["relation"] for s in steps), key=TEXT_RANK.__getitem__)
    if a["event"] == b["event"]:
        return "same_event"
    return "followup"


def order(a: dict, b: dict) -> tuple[dict, dict]:
    def sort_key(x: dict) -> tuple[str, str, str]:
        return (x["published"], x["path"], x.get("record_id") or "")

    return (a, b) if sort_key(a) <= sort_key(b) else (b, a)


def make_pairs(labels: list[dict]) -> list[dict]:
    # Only plain articles can be textual sources; feed records never are.
    by_path = {x["path"]: x for x in labels if x.get("record_id") is None}
    by_story: dict[str, list[dict]] = {}
    for x in labels:
        by_story.setdefault(x["story"], []).append(x)

    pairs: dict[frozenset[Key], tuple[dict, dict, bool, str]] = {}

    def put(a: dict, b: dict, same: bool, relation: str) -> None:
        k = frozenset((key(a), key(b)))
        if key(a) == key(b) or k in pairs:
            return
        a, b = order(a, b)
        pairs[k] = (a, b, same, relation)

    # 1. every pair inside a story
    for story in sorted(by_story):
        for a, b in itertools.combinations(by_story[story], 2):
            put(a, b, True, within_story(*order(a, b), by_path))

    # 2. hard negatives against every version of the story they contrast with
    for x in labels:
        if x["relation"] == "different_event" and x.get("relates_to"):
            target = by_path[x["relates_to"]]["story"]
            for y in by_story[target]:
                put(x, y, False, "different_event")

    # 3. a fixed sample of unrelated pairs
    def cross(a: dict, b: dict) -> None:
        if a["story"] != b["story"]:
            put(a, b, False, "unrelated")

    for a, b in itertools.combinations(labels, 2):
        same_template = a.get("template") is not None and a.get("template") == b.get("template")
        if same_template or a["site"] == b["site"]:
            cross(a, b)
    roots = sorted((x for x in labels if x["original"]), key=lambda x: x["story"])
    for a, b in itertools.combinations(roots, 2):
        cross(a, b)
    unrelated = sorted(
        (x for x in labels if x["relation"] == "unrelated"), key=lambda x: x["story"]
    )
    for i, u in enumerate(unrelated):
        for j, r in enumerate(roots):
            if (i + j) % 3 == 0:
                cross(u, r)

    out = []
    for a, b, same, relation in pairs.values():
        out.append(
            {
                "a": a["path"],
                "a_record_id": a.get("record_id"),
                "b": b["path"],
                "b_record_id": b.get("record_id"),
                "same_story": same,
                "relation": relation,
            }
        )
    out.sort(key=lambda p: (p["a"], p["a_record_id"] or "", p["b"], p["b_record_id"] or ""))
    return out


def render(pairs: list[dict]) -> str:
    return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=HERE / "labels.jsonl")
    ap.add_argument("--out", type=Path, default=HERE / "pairs.jsonl")
    ap.add_argument(
        "--check", action="store_true", help="fail if --out differs from what would be written"
    )
    args = ap.parse_args(argv)
    text = render(make_pairs(load(args.labels)))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale; run python -m storytrace.demo.make_pairs", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
