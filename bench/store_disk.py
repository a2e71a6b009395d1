"""Where a store's bytes go, per stored article: tables, indexes and the big columns.

    python bench/store_disk.py STORE.sqlite [STORE.sqlite ...] [--json OUT]

Reads SQLite's ``dbstat`` (page bytes per table and index) and the mean
length of the largest columns, divided by the number of articles. Run it
on two stores to compare layouts (``bench/run.py`` fills them).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

# The columns that hold most of an article's bytes.
COLUMNS = {
    "articles": ("body", "sentences"),
    "fingerprints": ("sentences", "shingles3", "shingles5", "embedding", "facts", "minhash"),
}


def breakdown(path: Path) -> dict[str, object]:
    """Bytes per article of every table and index, and of the largest columns."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        n = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] or 1
        pages = db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
        columns = {
            f"{table}.{column}": db.execute(
                f"SELECT AVG(LENGTH({column})) FROM {table}").fetchone()[0] or 0.0
            for table, names in COLUMNS.items() for column in names
        }
        version = db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()
    return {
        "store": str(path),
        "schema": version,
        "articles": n,
        "file_bytes_per_article": round(path.stat().st_size / n),
        "pages_bytes_per_article": round(sum(b for _, b in pages) / n),
        "by_name": {name: round(b / n) for name, b in sorted(pages, key=lambda r: -r[1])},
        "column_mean_bytes": {k: round(v) for k, v in columns.items()},
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("stores", nargs="+", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results = [breakdown(p) for p in args.stores]
    for r in results:
        print(f"{r['store']}: {r['articles']:,} articles, schema {r['schema']}, "
              f"{r['file_bytes_per_article']:,} B/article on disk")
        for name, b in list(r["by_name"].items())[:6]:
            print(f"  {name:28} {b:>7,} B")
        for name, b in r["column_mean_bytes"].items():
            print(f"  {name:28} {b:>7,} B (mean column length)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
