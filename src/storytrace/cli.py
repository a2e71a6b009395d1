"""The ``storytrace`` command: a thin face over :mod:`storytrace.pipeline`.

Exit codes: 0 success; 1 the run finished but some inputs failed (each
named on stderr); 2 bad usage or an unusable store.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from storytrace.config import FieldMap, Settings
from storytrace.errors import StorytraceError
from storytrace.fingerprint import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from storytrace.model import Article, Story
from storytrace.pipeline import IngestReport, ScanResult, ingest, scan
from storytrace.report import render_report
from storytrace.store import SQLiteStore

app = typer.Typer(
    name="storytrace",
    help="Find every version of a news story, how each relates to the others, "
    "which came first, and what changed.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console()
err = Console(stderr=True)

DEFAULT_STORE = "storytrace.sqlite"
StoreOption = Annotated[
    Path,
    typer.Option(
        "--store",
        "-s",
        envvar="STORYTRACE_STORE",
        help="The store file (created if missing).",
    ),
]


GlobOption = Annotated[
    str | None, typer.Option("--glob", help="Only files matching this pattern in directories.")
]
MaxBytesOption = Annotated[
    int | None, typer.Option("--max-bytes", help="Largest input read, in bytes.")
]
PrivateUrlsOption = Annotated[
    bool,
    typer.Option("--allow-private-urls", help="Let URLs reach loopback and private addresses."),
]
FieldOption = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="JSON/CSV field for a role, e.g. --field text=body (roles: id text html "
        "title url date source author). Repeatable.",
    ),
]
ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        help="Sentence-transformers model for rewrites (a name or a folder); "
        "'none' matches on words and facts only.",
    ),
]


def _embedder(model: str) -> Embedder | None:
    return None if model.lower() == "none" else SentenceTransformerEmbedder(model)


def _open_store(path: Path) -> SQLiteStore:
    try:
        return SQLiteStore(path)
    except StorytraceError as exc:
        err.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from exc


def _settings(
    max_bytes: int | None, allow_private_urls: bool, fields: list[str] | None
) -> Settings:
    settings = Settings(allow_private_urls=allow_private_urls)
    if max_bytes is not None:
        settings = dataclasses.replace(settings, max_input_bytes=max_bytes)
    if fields:
        names = {f.name for f in dataclasses.fields(FieldMap)}
        mapping: dict[str, str] = {}
        for spec in fields:
            key, sep, value = spec.partition("=")
            if not sep or key not in names or not value:
                raise typer.BadParameter(
                    f"{spec!r}: expected ROLE=FIELD with ROLE one of {', '.join(sorted(names))}",
                    param_hint="--field",
                )
            mapping[key] = value
        settings = dataclasses.replace(settings, fields=FieldMap(**mapping))
    return settings


@app.command("ingest")
def ingest_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, directories, http(s) URLs, or - for stdin.", show_default=False
        ),
    ],
    store: StoreOption = Path(DEFAULT_STORE),
    glob: GlobOption = None,
    max_bytes: MaxBytesOption = None,
    allow_private_urls: PrivateUrlsOption = False,
    field: FieldOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Read articles from files, folders, URLs or stdin into the store."""
    settings = _settings(max_bytes, allow_private_urls, field)
    with _open_store(store) as db:
        report = _run_ingest(inputs, db, settings, glob, quiet=json_out)
    if json_out:
        out.print_json(
            json.dumps(
                {
                    "read": report.read,
                    "stored": report.stored,
                    "duplicates": report.duplicates,
                    "failed": report.failed,
                    "failures": [{"input": f.origin, "reason": f.reason} for f in report.failures],
                }
            )
        )
    else:
        _print_summary(report, store)
    if report.failures:
        raise typer.Exit(1)


def _ingest_progress(quiet: bool) -> Progress:
    """A live line of ingest counts on stderr (hidden when ``quiet``)."""
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]ingesting[/]"),
        TextColumn("read {task.fields[read]}  stored {task.fields[stored]}  "
                   "duplicates {task.fields[dups]}  failed {task.fields[failed]}"),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=err, transient=True, disable=quiet)


def _updater(progress: Progress) -> Callable[[IngestReport], None]:
    task = progress.add_task("ingest", total=None, read=0, stored=0, dups=0, failed=0)

    def update(r: IngestReport) -> None:
        progress.update(task, read=r.read, stored=r.stored, dups=r.duplicates, failed=r.failed)

    return update


def _run_ingest(
    inputs: list[str], db: SQLiteStore, settings: Settings, glob: str | None, *, quiet: bool
) -> IngestReport:
    with _ingest_progress(quiet) as progress:
        return ingest(inputs, db, settings, pattern=glob, on_progress=_updater(progress))


def _print_summary(report: IngestReport, store: Path) -> None:
    table = Table(title=f"ingest into {store}", show_header=True, header_style="bold")
    for name in ("read", "stored", "duplicates", "failed"):
        table.add_column(name, justify="right")
    table.add_row(
        str(report.read), str(report.stored), str(report.duplicates),
        f"[red]{report.failed}[/]" if report.failed else "0",
    )
    out.print(table)
    for failure in report.failures:
        err.print(f"[red]failed:[/] {failure}", highlight=False, soft_wrap=True)


@app.command("scan")
def scan_command(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, directories, http(s) URLs, or - for stdin.", show_default=False
        ),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Scan the bundled demo corpus (55 articles).")
    ] = False,
    store: StoreOption = Path(DEFAULT_STORE),
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a standalone HTML report here.")
    ] = None,
    model: ModelOption = DEFAULT_MODEL,
    glob: GlobOption = None,
    max_bytes: MaxBytesOption = None,
    allow_private_urls: PrivateUrlsOption = False,
    field: FieldOption = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the stories as JSON (one object per line).")
    ] = False,
) -> None:
    """Ingest, then find every story in the store: its versions and its likely original."""
    paths = list(inputs or [])
    if demo:
        from storytrace.demo import corpus_path

        paths.append(str(corpus_path()))
    if not paths:
        raise typer.BadParameter("give inputs to scan, or --demo", param_hint="INPUTS")
    settings = _settings(max_bytes, allow_private_urls, field)
    with _open_store(store) as db, _ingest_progress(json_out) as progress:
        try:
            result = scan(
                paths, db, settings, embedder=_embedder(model), pattern=glob,
                on_progress=_updater(progress),
            )
        except StorytraceError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from exc
    if json_out:
        for story in result.stories:
            sys.stdout.write(json.dumps(story_json(story), ensure_ascii=False) + "\n")
    else:
        _print_summary(result.report, store)
        _print_stories(result)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(
            render_report(
                result.stories, result.articles, title="storytrace scan",
                failures=[str(f) for f in result.report.failures],
            ),
            encoding="utf-8",
        )
        if not json_out:
            out.print(f"report written to {report}", highlight=False)
    if result.report.failures:
        raise typer.Exit(1)


def _print_stories(result: ScanResult) -> None:
    multi = [s for s in result.stories if len(s.members) > 1]
    table = Table(
        title=f"{len(multi)} stories with more than one version "
        f"({len(result.stories) - len(multi)} single articles not listed)",
        show_header=True, header_style="bold",
    )
    for name in ("story", "versions", "sites", "first seen", "original", "headline"):
        table.add_column(name, overflow="fold")
    for s in multi:
        original = result.articles[s.original]
        table.add_row(
            s.id, str(len(s.members)), str(len(s.sites)),
            s.first_seen.date().isoformat() if s.first_seen else "",
            (s.claimed_original and f"{s.claimed_original} (not in corpus)") or original.site or "",
            s.headline,
        )
    out.print(table)


def story_json(story: Story) -> dict[str, object]:
    """The JSON form of a story (documented in the README)."""
    return {
        "id": story.id,
        "headline": story.headline,
        "original": story.original,
        "claimed_original": story.claimed_original,
        "first_seen": story.first_seen.isoformat() if story.first_seen else None,
        "last_seen": story.last_seen.isoformat() if story.last_seen else None,
        "sites": list(story.sites),
        "members": [
            {
                "id": m.article_id,
                "relation": m.relation,
                "score": m.score,
                "site": m.site,
                "title": m.title,
                "published": m.published.isoformat() if m.published else None,
            }
            for m in story.members
        ],
    }


@app.command("articles")
def articles_command(
    store: StoreOption = Path(DEFAULT_STORE),
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the stored articles, oldest first."""
    with _open_store(store) as db:
        rows = list(db.iter_articles())
    if json_out:
        for a in rows:
            sys.stdout.write(json.dumps(_article_summary(a), ensure_ascii=False) + "\n")
        return
    table = Table(show_header=True, header_style="bold")
    for name in ("id", "published", "site", "title", "words", "claimed source"):
        table.add_column(name, overflow="fold")
    for a in rows:
        table.add_row(
            a.id, a.published.date().isoformat() if a.published else "", a.site or "",
            (a.title or a.body[:60]), str(len(a.body.split())), a.claimed_source or "",
        )
    out.print(table)


@app.command("show")
def show_command(
    ref: Annotated[str, typer.Argument(help="Article id (or a unique prefix), source id or URL.")],
    store: StoreOption = Path(DEFAULT_STORE),
    json_out: Annotated[bool, typer.Option("--json", help="Print the article as JSON.")] = False,
) -> None:
    """Show one stored article: its metadata and its cleaned body."""
    with _open_store(store) as db:
        found = db.find(ref)
    if not found:
        err.print(f"[red]error:[/] no article matches {ref!r}", highlight=False)
        raise typer.Exit(2)
    if len(found) > 1:
        err.print(f"[red]error:[/] {ref!r} matches {len(found)} articles; give more of the id")
        raise typer.Exit(2)
    article = found[0]
    if json_out:
        data = _article_summary(article) | {
            "body": article.body,
            "sentences": list(article.sentences),
            "boilerplate": list(article.boilerplate),
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    meta = Table.grid(padding=(0, 2))
    for key, value in _article_summary(article).items():
        if value not in (None, ""):
            meta.add_row(f"[bold]{key}[/]", str(value))
    out.print(meta)
    out.rule()
    out.print(article.body, highlight=False, markup=False)


@app.command("failures")
def failures_command(store: StoreOption = Path(DEFAULT_STORE)) -> None:
    """List the inputs that failed in earlier ingests, with the reasons."""
    with _open_store(store) as db:
        rows = db.failures()
    for origin, reason, at in rows:
        out.print(f"{at}  {origin}: {reason}", highlight=False, markup=False)


def _article_summary(a: Article) -> dict[str, object]:
    return {
        "id": a.id,
        "title": a.title,
        "site": a.site,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "published": a.published.isoformat() if a.published else None,
        "author": a.author,
        "claimed_source": a.claimed_source,
        "dateline": a.dateline,
        "end_slug": a.end_slug,
        "origin": a.origin,
        "source_id": a.source_id,
        "words": len(a.body.split()),
    }


def main() -> None:
    """Entry point of the ``storytrace`` console script."""
    if not sys.stdout.isatty():
        # Rich wraps tables at 80 columns when it cannot see a terminal;
        # piped output and CI logs read better wider.
        os.environ.setdefault("COLUMNS", "120")
    app()
