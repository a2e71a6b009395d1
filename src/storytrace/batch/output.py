"""The Parquet a batch run writes, and the Arrow schemas of its intermediate rows.

pyarrow is optional (the ``batch`` and ``ray`` extras); importing this
module without it raises a :class:`StorytraceError` that says what to install.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from storytrace.batch.stages import Row
from storytrace.errors import StorytraceError
from storytrace.model import as_utc

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as error:  # pragma: no cover - depends on the install
    raise StorytraceError(
        "batch runs write Parquet and need pyarrow: pip install 'storytrace[batch]'"
    ) from error

__all__ = [
    "ARTICLES",
    "BAND",
    "EDGE",
    "LINK",
    "PAIRS",
    "PRINTS",
    "READ",
    "STORY",
    "TERM",
    "TERMS",
    "VECTOR",
    "article_row_out",
    "article_rows",
    "table",
    "write_articles",
    "write_pairs",
]

_TEXT = ("id", "body", "title", "url", "canonical_url", "site", "author", "published",
         "claimed_source", "dateline", "end_slug")

# One read row: an article (see stages.article_row) or a failure.
READ = pa.schema([
    *[(name, pa.string()) for name in _TEXT],
    *[("sentences", pa.list_(pa.string())), ("boilerplate", pa.list_(pa.string())),
       ("origin", pa.string()), ("source_id", pa.string()), ("part", pa.int64()),
       ("seq", pa.int64()), ("rank", pa.string()), ("failure", pa.string())],
])
PRINTS = pa.schema([
    *READ,
    *[("body_sha256", pa.string()), ("minhash", pa.binary()), ("shingles3", pa.binary()),
       ("shingles5", pa.binary()), ("embedding", pa.binary()),
       ("sentence_embeddings", pa.binary()), ("sentences_json", pa.string()),
       ("facts_json", pa.string())],
])
TERMS = pa.schema([("term", pa.string()), ("count", pa.int64())])
BAND = pa.schema([("key", pa.string()), ("rank", pa.string()), ("id", pa.string())])
TERM = pa.schema([("key", pa.string()), ("rank", pa.string()), ("id", pa.string()),
                  ("own", pa.int64())])
VECTOR = pa.schema([("bucket", pa.int64()), ("rank", pa.string()), ("id", pa.string()),
                    ("embedding", pa.binary()), ("query", pa.bool_())])
# A candidate edge; a row with no ids carries a count of capped buckets.
EDGE = pa.schema([("a", pa.string()), ("b", pa.string()), ("capped", pa.int64())])
PAIRS = pa.schema([("a", pa.string()), ("b", pa.string()), ("same_story", pa.bool_()),
                   ("relation", pa.string()), ("score", pa.float64())])
# Members and verdicts of components, side by side for the linkage stage.
LINK = pa.schema([
    *PRINTS,
    *[("comp", pa.string()), ("v_a", pa.string()), ("v_b", pa.string()),
       ("v_same", pa.bool_()), ("v_score", pa.float64())],
])
STORY = pa.schema([("id", pa.string()), ("story", pa.string()), ("is_original", pa.bool_())])
# source_id: the id the input gave the record, to join results back to it.
ARTICLES = pa.schema([("id", pa.string()), ("source_id", pa.string()),
                      ("title", pa.string()), ("site", pa.string()),
                      ("url", pa.string()), ("published", pa.timestamp("us", tz="UTC")),
                      ("story", pa.string()), ("is_original", pa.bool_())])


def table(rows: Sequence[Mapping[str, object]], schema: pa.Schema) -> pa.Table:
    """Rows as an Arrow table of ``schema`` (keys outside it are dropped, missing ones null)."""
    return pa.Table.from_pylist(list(rows), schema=schema)


def article_row_out(meta: Mapping[str, object], story: Mapping[str, object]) -> Row:
    """One row of ``articles.parquet``: an article's metadata (time in UTC) and its story."""
    published = meta["published"]
    return {
        "id": meta["id"], "source_id": meta["source_id"], "title": meta["title"],
        "site": meta["site"], "url": meta["url"],
        "published": as_utc(datetime.fromisoformat(published))
        if isinstance(published, str) else None,
        "story": story["story"], "is_original": story["is_original"],
    }


def article_rows(prints: Sequence[Row], stories: Sequence[Row]) -> list[Row]:
    """The rows of ``articles.parquet``: each article's metadata with its story, by story."""
    story_of = {s["id"]: s for s in stories}
    out = [article_row_out(row, story_of[row["id"]]) for row in prints]
    out.sort(key=lambda r: (r["story"], not r["is_original"], r["id"]))
    return out


def write_articles(path: Path, prints: Sequence[Row], stories: Sequence[Row]) -> None:
    """Write ``articles.parquet``."""
    pq.write_table(table(article_rows(prints, stories), ARTICLES), path)


def write_pairs(path: Path, verdicts: Sequence[Row]) -> None:
    """Write ``pairs.parquet``."""
    pq.write_table(table(verdicts, PAIRS), path)
