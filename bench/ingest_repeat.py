"""What reading pages into a store costs, the first time and again.

    python bench/ingest_repeat.py [--articles N] [--sites K] [--dir DIR]

Writes N generated articles as HTML pages of K sites in a mirror layout
(``site.example/page.html``: one template per site, so each site's menu,
related links and footer are cross-page boilerplate), then times
:func:`storytrace.pipeline.ingest` on them three times into one store: the
first read of the first half, the same half again (every page already
stored: the run must store nothing), and the second half (new pages of
sites whose boilerplate the store already counts). Prints pages per second
and what each run stored. Ingest only: no model, no stories.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from corpus import generate

from storytrace.pipeline import ingest
from storytrace.store import SQLiteStore


def write_pages(folder: Path, n: int, sites: int) -> list[Path]:
    """N pages of ``sites`` sites; returns the two halves' files in order."""
    paths = []
    for k, g in enumerate(generate(n, seed=7)):
        host = f"site{k % sites}.example"
        nav = "".join(f"<a href='/{s}'>{s.title()}</a>" for s in ("world", "sport", host))
        related = "".join(f"<li><a href='/r/{i}'>{host} pick {i}</a></li>" for i in range(6))
        body = "".join(f"<p>{p}</p>" for p in g.text.split("\n\n"))
        page = (
            f"<html><head><title>{g.title}</title>"
            f"<link rel='canonical' href='https://{host}{urlsplit(g.url).path}'></head><body>"
            f"<nav>{nav}</nav><article><h1>{g.title}</h1>{body}</article>"
            f"<aside><ul>{related}</ul></aside><footer>(c) {host}</footer></body></html>"
        )
        path = folder / host / f"{g.id}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        paths.append(path)
    return paths


def timed_ingest(paths: list[Path], store: SQLiteStore) -> dict[str, float]:
    start = time.perf_counter()
    report = ingest([str(p) for p in paths], store)
    seconds = time.perf_counter() - start
    return {"pages": len(paths), "stored": report.stored, "duplicates": report.duplicates,
            "seconds": round(seconds, 2), "pages_per_s": round(len(paths) / seconds, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=4000)
    ap.add_argument("--sites", type=int, default=8)
    ap.add_argument("--dir", type=Path, help="where to write pages and store (default: a temp dir)")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        paths = write_pages(folder / "pages", args.articles, args.sites)
        half = len(paths) // 2
        with SQLiteStore(folder / "store.sqlite") as store:
            runs = {
                "first read": timed_ingest(paths[:half], store),
                "read again": timed_ingest(paths[:half], store),
                "new pages": timed_ingest(paths[half:], store),
            }
        for name, r in runs.items():
            print(f"{name:11} {r['pages']:6d} pages {r['seconds']:7.2f} s {r['pages_per_s']:7.1f}/s "
                  f"stored {r['stored']}, duplicates {r['duplicates']}")
        print(json.dumps(runs))
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
