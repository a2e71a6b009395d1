"""The bundled demo corpus: 55 fictional news articles with their labels.

See ``README.md`` beside this file for what the corpus holds and how it is
labelled. ``storytrace scan --demo`` reads it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["corpus_path", "labels_path", "pairs_path"]

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
