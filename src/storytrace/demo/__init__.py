"""The bundled demo corpus: 55 fictional news articles with their labels.

See ``README.md`` beside this file for what the corpus holds and how it is
labelled. ``storytrace scan --demo`` reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["corpus_path", "eval_set", "labels_path", "pairs_path"]

_HERE = Path(__file__).resolve().parent


def corpus_path() -> Path:
    """The folder of demo pages (one sub-folder per fictional site, plus a feed)."""
    return _HERE / "corpus"


def labels_path() -> Path:
    """``labels.jsonl``: one line per demo article (story, event, relation, original)."""
    return _HERE / "labels.jsonl"


def pairs_path() -> Path:
    """``pairs.jsonl``: labelled pairs derived from the labels by ``make_pairs.py``."""
    return _HERE / "pairs.jsonl"


def _key(path: str, record_id: str | None) -> str:
    return f"{path}#{record_id}" if record_id else path


def eval_set() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The demo corpus as a labelled pair set, in the format ``storytrace eval`` reads.

    Every page goes through the real reader and normalizer (so boilerplate
    removal is part of what is measured); a document's id is its path in the
    corpus (``#record`` for feed records), as ``pairs.jsonl`` names it.
    Pairs carry ``label`` (1 = same story) and the labelled ``relation``.
    """
    from storytrace.model import Article
    from storytrace.pipeline import read_articles

    root = corpus_path()
    docs = []
    for item in read_articles([str(root)]):
        if not isinstance(item, Article):
            raise RuntimeError(f"demo corpus page failed to read: {item}")
        path = Path(item.origin.rsplit(":", 1)[0] if item.source_id else item.origin)
        docs.append(
            {
                "id": _key(path.relative_to(root).as_posix(), item.source_id),
                "text": item.body,
                "title": item.title,
                "date": item.published.isoformat() if item.published else None,
                "source": item.site,
                "url": item.url or item.canonical_url,
            }
        )
    pairs = []
    for line in pairs_path().read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        pairs.append(
            {
                "a": _key(p["a"], p["a_record_id"]),
                "b": _key(p["b"], p["b_record_id"]),
                "label": int(p["same_story"]),
                "relation": p["relation"],
            }
        )
    return docs, pairs
