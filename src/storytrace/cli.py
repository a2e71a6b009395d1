"""The ``storytrace`` command: a thin face over :mod:`storytrace.pipeline`.

Exit codes: 0 success; 1 the run finished but some inputs failed (each
named on stderr); 2 bad usage or an unusable store.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from storytrace.batch import BatchJob, Engine, LocalEngine, run_batch
from storytrace.config import FieldMap, Settings
from storytrace.diff import diff_fingerprints, side_by_side
from storytrace.errors import StorytraceError
from storytrace.evaluate import articles_from_docs, evaluate_pairs, load_jsonl, run_pairs
from storytrace.fingerprint import (
    DEFAULT_MODEL,
    Embedder,
    Fingerprint,
    SentenceTransformerEmbedder,
    fingerprint_many,
)
from storytrace.model import Article, Derivation, Diff, Story
from storytrace.pipeline import (
    IngestReport,
    ScanResult,
    derivation_graphs,
    find_stories,
    ingest,
    load_article,
    match_article,
    recluster,
    remove_article,
    scan,
    story_view,
)
from storytrace.provenance import version_roles
from storytrace.report import (
    diff_to_dict,
    match_to_dict,
    render_diff,
    render_report,
    story_detail_to_dict,
    story_to_dict,
)
from storytrace.store import SQLiteStore
from storytrace.verify import Match, compare

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
# How many stories `scan` draws a derivation tree for under its table; the
# rest are one `storytrace story ID` away.
TREES_SHOWN = 20
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
    """Ingest, then find every story in the store: its versions, its likely original, and
    who derived from whom."""
    paths = list(inputs or [])
    if demo:
        from storytrace.demo import corpus_path

        paths.append(str(corpus_path()))
    if not paths:
        raise typer.BadParameter("give inputs to scan, or --demo", param_hint="INPUTS")
    settings = _settings(max_bytes, allow_private_urls, field)
    embedder = _embedder(model)
    with _open_store(store) as db, _ingest_progress(json_out) as progress:
        try:
            result = scan(
                paths, db, settings, embedder=embedder, pattern=glob,
                on_progress=_updater(progress),
            )
        except StorytraceError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from exc
        # The terminal draws the first stories' trees; JSON and the report, all.
        drawn = [s for s in result.stories if len(s.members) > 1]
        if not (json_out or report):
            drawn = drawn[:TREES_SHOWN]
        graphs = derivation_graphs(db, drawn, embedder)
    if json_out:
        for story in result.stories:
            data = story_to_dict(story, graphs.get(story.id))
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        _print_summary(result.report, store)
        _print_stories(result, graphs)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(
            render_report(
                result.stories, result.articles, title="storytrace scan",
                failures=[str(f) for f in result.report.failures],
                derivations=graphs,
            ),
            encoding="utf-8",
        )
        if not json_out:
            out.print(f"report written to {report}", highlight=False)
    if result.report.failures:
        raise typer.Exit(1)


def _print_stories(result: ScanResult, graphs: Mapping[str, Sequence[Derivation]]) -> None:
    multi = [s for s in result.stories if len(s.members) > 1]
    _story_table(
        multi, result.articles,
        title=f"{len(multi)} stories with more than one version "
        f"({len(result.stories) - len(multi)} single articles not listed)",
    )
    shown = [s for s in multi if s.id in graphs][:TREES_SHOWN]
    for story in shown:
        edges = graphs[story.id]
        out.print(_derivation_tree(story, edges, result.articles, version_roles(story, edges)))
    if len(multi) > len(shown):
        out.print(f"[dim]{len(multi) - len(shown)} more stories: `storytrace story ID` "
                  "shows who derived from whom in one[/]")
    placed = result.assigned
    if placed.assigned:
        out.print(f"this run placed {placed.assigned} articles ({placed.started} started a "
                  f"story, {placed.joined} joined one); merges: {placed.merged}; versions the "
                  f"re-check moved: {placed.moved}; stories it split off: {placed.split}",
                  highlight=False)


def _story_table(stories: list[Story], articles: dict[str, Article], *, title: str) -> None:
    table = Table(title=title, show_header=True, header_style="bold")
    for name in ("story", "versions", "sites", "first seen", "original", "headline"):
        table.add_column(name, overflow="fold")
    for s in stories:
        original = articles.get(s.original)
        if s.claimed_original:
            source = f"{s.claimed_original} (not in corpus)"
        else:
            source = (original and original.site) or ""
        table.add_row(
            s.id, str(len(s.members)), str(len(s.sites)),
            s.first_seen.date().isoformat() if s.first_seen else "",
            source, escape(s.headline),
        )
    out.print(table)


def _two_versions(
    first: str, second: str, store: Path, model: str, allow_private_urls: bool
) -> tuple[Article, Article, Fingerprint, Fingerprint]:
    """Two articles named on the command line (files, URLs or stored ids), fingerprinted.

    The store is only read, and only when it exists; a name that cannot be
    read ends the command with exit code 2.
    """
    settings = _settings(None, allow_private_urls, None)
    db = _open_store(store) if store.exists() else None
    try:
        a = load_article(first, db, settings)
        b = load_article(second, db, settings)
    except StorytraceError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        if db is not None:
            db.close()
    fa, fb = fingerprint_many([a, b], _embedder(model))
    return a, b, fa, fb


@app.command("compare")
def compare_command(
    first: Annotated[str, typer.Argument(help="A file, a URL, or a stored article id.")],
    second: Annotated[str, typer.Argument(help="A file, a URL, or a stored article id.")],
    store: StoreOption = Path(DEFAULT_STORE),
    model: ModelOption = DEFAULT_MODEL,
    allow_private_urls: PrivateUrlsOption = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the match as JSON.")] = False,
) -> None:
    """How two articles relate: same story or not, the relation, a score, the evidence."""
    a, b, fa, fb = _two_versions(first, second, store, model, allow_private_urls)
    match = compare(a, b, fa=fa, fb=fb)
    if json_out:
        sys.stdout.write(json.dumps(match_to_dict(match, evidence=True), ensure_ascii=False) + "\n")
        return
    _print_match(match, a, b)


@app.command("diff")
def diff_command(
    first: Annotated[str, typer.Argument(help="Version A: a file, a URL, or a stored id.")],
    second: Annotated[str, typer.Argument(help="Version B: a file, a URL, or a stored id.")],
    store: StoreOption = Path(DEFAULT_STORE),
    model: ModelOption = DEFAULT_MODEL,
    allow_private_urls: PrivateUrlsOption = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a standalone HTML page here.")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the diff as JSON (docs/diff.schema.json).")
    ] = False,
) -> None:
    """What changed between two versions: sentences side by side, and the facts that differ."""
    a, b, fa, fb = _two_versions(first, second, store, model, allow_private_urls)
    d = diff_fingerprints(a, b, fa, fb)
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_diff(d, a, b), encoding="utf-8")
    if json_out:
        sys.stdout.write(json.dumps(diff_to_dict(d, a, b), ensure_ascii=False, indent=2) + "\n")
        return
    _print_diff(d, a, b)
    if html is not None:
        out.print(f"HTML written to {html}", highlight=False)


_ROW_STYLE = {"verbatim": "dim", "paraphrase": "", "partial": "yellow",
              "only_a": "red", "only_b": "green"}


def _print_diff(d: Diff, a: Article, b: Article) -> None:
    table = Table(show_header=True, header_style="bold", expand=True, show_lines=True)
    table.add_column("", width=10, style="dim")
    table.add_column(f"A  {escape(a.title or a.id)}", ratio=1, overflow="fold")
    table.add_column(f"B  {escape(b.title or b.id)}", ratio=1, overflow="fold")
    for ia, jb, kind in side_by_side(d):
        style = _ROW_STYLE.get(kind, "")
        left = escape(" ".join(d.sentences_a[i] for i in ia))
        right = escape(" ".join(d.sentences_b[j] for j in jb))
        table.add_row(kind.replace("_", " "), f"[{style}]{left}[/]" if style and left else left,
                      f"[{style}]{right}[/]" if style and right else right)
    out.print(table)
    conflicts = d.changes("conflict")
    out.print(f"[bold]{len(conflicts)} conflicts[/]")
    for f in conflicts:
        out.print(f"  [red]{f.kind}[/]: {escape(f.note)}", highlight=False)
    for f in d.changes("only_a"):
        out.print(f"  [red]only in A[/] ({f.kind}): {escape(f.a or '')}", highlight=False)
    for f in d.changes("only_b"):
        out.print(f"  [green]only in B[/] ({f.kind}): {escape(f.b or '')}", highlight=False)
    if d.names_only_b:
        out.print(f"  [green]named only in B[/]: {escape(', '.join(d.names_only_b))}")
    if d.names_only_a:
        out.print(f"  [red]named only in A[/]: {escape(', '.join(d.names_only_a))}")


@app.command("match")
def match_command(
    ref: Annotated[str, typer.Argument(help="A stored article id (or prefix, URL), or a file.")],
    store: StoreOption = Path(DEFAULT_STORE),
    model: ModelOption = DEFAULT_MODEL,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The stored versions of an article's story, best first."""
    with _open_store(store) as db:
        try:
            article = load_article(ref, db)
        except StorytraceError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from exc
        matches = match_article(article, db, _embedder(model))[:limit]
        others = {m.b: db.get(m.b) for m in matches}
    if json_out:
        for m in matches:
            sys.stdout.write(json.dumps(match_to_dict(m)) + "\n")
        return
    table = Table(title=f"versions of {article.title or article.id}", header_style="bold")
    for name in ("id", "relation", "score", "site", "published", "title"):
        table.add_column(name, overflow="fold")
    for m in matches:
        other = others[m.b]
        table.add_row(
            m.b, m.relation, f"{m.score:.3f}", (other and other.site) or "",
            other.published.date().isoformat() if other and other.published else "",
            escape((other and other.title) or ""),
        )
    out.print(table)
    if not matches:
        out.print("no other version of this story in the store")


def _print_match(match: Match, a: Article, b: Article) -> None:
    verdict = "[green]same story[/]" if match.same_story else "[red]not the same story[/]"
    out.print(f"{verdict}: [bold]{match.relation}[/] (score {match.score:.3f})")
    ev = match.evidence
    table = Table(show_header=True, header_style="bold")
    table.add_column("evidence")
    table.add_column("value", overflow="fold")
    rows = [
        ("A", f"{a.title or a.body[:60]} ({a.site or a.origin})"),
        ("B", f"{b.title or b.body[:60]} ({b.site or b.origin})"),
        ("5-shingle Jaccard", f"{ev.jaccard5:.3f}"),
        ("containment A in B / B in A", f"{ev.containment_ab:.3f} / {ev.containment_ba:.3f}"),
        ("document cosine", "-" if ev.cosine is None else f"{ev.cosine:.3f}"),
        ("aligned sentences (coverage, order)",
         f"{ev.alignment_coverage:.2f}, {ev.alignment_order:.2f}"),
        ("shared names", ", ".join(ev.shared_entities) or "-"),
        ("shared numbers", ", ".join(ev.shared_numbers) or "-"),
        ("numbers in conflict", ", ".join(ev.number_conflicts) or "-"),
        ("shared dates", ", ".join(ev.shared_dates) or "-"),
        ("shared quotes", " | ".join(ev.shared_quotes) or "-"),
        ("names only A / only B",
         f"{', '.join(ev.own_names_a) or '-'} / {', '.join(ev.own_names_b) or '-'}"),
        ("days apart", "-" if ev.time_gap_days is None else f"{ev.time_gap_days:.1f}"),
        ("later names the earlier's day",
         {True: "yes", False: "no: it tells of another day", None: "-"}[ev.looks_back]),
    ]
    for name, value in rows:
        table.add_row(name, escape(value))
    out.print(table, highlight=False)
    for pair in ev.aligned[:3]:
        a_text, b_text = escape(pair.a), escape(pair.b)  # article text is never markup
        out.print(f"  [dim]{pair.similarity:.2f}[/] A: {a_text}\n       B: {b_text}",
                  highlight=False)


NeighbourhoodOption = Annotated[
    bool,
    typer.Option(
        "--neighbourhood",
        help="Experimental: also weigh how alike each pair's nearest neighbours among "
        "the documents are (higher ECB+ F1, lower on the demo corpus; see README).",
    ),
]
StoriesOption = Annotated[
    bool,
    typer.Option(
        "--stories/--no-stories",
        help="Judge each pair within the stories of the documents in the pairs, as "
        "`storytrace cluster` groups them (default), or on its own evidence alone. "
        "The score is the pair's own either way.",
    ),
]
DocsOption = Annotated[
    Path,
    typer.Option(
        "--docs", help='JSON lines {"id","text"[,"title","date","source","url"]}.',
        exists=True, dir_okay=False,
    ),
]
PairsOption = Annotated[
    Path,
    typer.Option("--pairs", help='JSON lines {"a","b",...}.', exists=True, dir_okay=False),
]


@app.command("pairs")
def pairs_command(
    docs: DocsOption,
    pairs: PairsOption,
    out_path: Annotated[Path, typer.Option("--out", help="Where the verdicts go (JSON lines).")],
    model: ModelOption = DEFAULT_MODEL,
    neighbourhood: NeighbourhoodOption = False,
    stories: StoriesOption = True,
) -> None:
    """Verify every pair of a batch, without a store.

    Writes one {"a","b","same_story","relation","score"} line per pair.
    By default a pair's verdict is whether the stories of the documents in
    the pairs hold both; ``score`` is the pair's own probability.
    """
    articles = _docs_or_exit(docs)
    try:
        # The ids as the pairs file writes them (a number stays a number in
        # the output, so a join on the file's own values finds every line);
        # documents and pairs are matched by their text form.
        given = [(p["a"], p["b"]) for p in load_jsonl(pairs)]
        ids = [(str(a), str(b)) for a, b in given]
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/] {pairs}: {exc}", highlight=False)
        raise typer.Exit(2) from exc
    except KeyError as exc:
        err.print(f"[red]error:[/] {pairs}: a pair without {exc}", highlight=False)
        raise typer.Exit(2) from exc
    try:  # the model loads on first use, after run_pairs has checked the ids
        matches, _, _ = run_pairs(
            articles, ids, _embedder(model), neighbourhood=neighbourhood, stories=stories
        )
    except ValueError as exc:  # ids no document has
        err.print(f"[red]error:[/] {pairs}: {exc} (in {docs})", highlight=False)
        raise typer.Exit(2) from exc
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as fh:
        for m, (a, b) in zip(matches, given, strict=True):
            fh.write(json.dumps({**match_to_dict(m), "a": a, "b": b}) + "\n")
    err.print(f"{len(matches)} pairs written to {out_path}", highlight=False)


def _docs_or_exit(docs: Path) -> list[Article]:
    """The articles of a docs file, or exit 2 with a line naming the file and the fault."""
    try:
        return articles_from_docs(load_jsonl(docs))
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/] {docs}: {exc}", highlight=False)
        raise typer.Exit(2) from exc


@app.command("cluster")
def cluster_command(
    docs: DocsOption,
    out_path: Annotated[Path, typer.Option("--out", help='Where {"id","story"} lines go.')],
    model: ModelOption = DEFAULT_MODEL,
    neighbourhood: NeighbourhoodOption = False,
) -> None:
    """Group a batch of documents into stories (no store): one {"id","story"} line each."""
    articles = _docs_or_exit(docs)
    stories = find_stories(articles, _embedder(model), neighbourhood=neighbourhood)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as fh:
        for story in stories:
            for member in story.members:
                fh.write(json.dumps({"id": member.article_id, "story": story.id}) + "\n")
    err.print(f"{len(articles)} documents in {len(stories)} stories written to {out_path}",
              highlight=False)


class EngineName(StrEnum):
    """Where ``storytrace batch`` runs."""

    local = "local"
    ray = "ray"


@app.command("batch")
def batch_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files (JSON lines, Parquet, WARC, ...), folders or URLs; each input is "
            "read as one unit of work.", show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for articles.parquet, pairs.parquet, stats.json.")
    ],
    engine: Annotated[
        EngineName, typer.Option("--engine", help="local: this process; ray: Ray Data.")
    ] = EngineName.local,
    no_embed: Annotated[
        bool, typer.Option("--no-embed", help="No sentence vectors: words and facts only.")
    ] = False,
    model: ModelOption = DEFAULT_MODEL,
    max_bytes: MaxBytesOption = None,
    field: FieldOption = None,
) -> None:
    """Group a whole corpus into stories in one batch; write Parquet (no store)."""
    settings = _settings(max_bytes, False, field)
    job = BatchJob(settings=settings, embedder=None if no_embed else _embedder(model))
    try:
        if engine is EngineName.ray:
            from storytrace.batch.ray_engine import RayEngine

            runner: Engine = RayEngine(init={"include_dashboard": False})
        else:
            runner = LocalEngine()
        stats = run_batch(inputs, out_dir, job, runner)
    except StorytraceError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    for reason in stats["failure_reasons"]:
        err.print(f"[red]failed:[/] {escape(reason)}", highlight=False)
    err.print(
        f"{stats['articles']} articles in {stats['stories']} stories "
        f"({stats['stories_with_versions']} with more than one version), "
        f"{stats['candidate_pairs']} pairs verified; written to {out_dir}",
        highlight=False,
    )
    if stats["failures"]:
        raise typer.Exit(1)


@app.command("eval")
def eval_command(
    dataset: Annotated[
        Path | None,
        typer.Argument(help="A folder holding docs.jsonl and pairs.jsonl (or use --docs/--pairs).",
                       file_okay=False),
    ] = None,
    docs: Annotated[Path | None, typer.Option("--docs", help="Documents (JSON lines).")] = None,
    pairs: Annotated[Path | None, typer.Option("--pairs", help="Labelled pairs.")] = None,
    label_field: Annotated[str, typer.Option("--label", help="0/1 same-story field.")] = "label",
    graded: Annotated[
        str | None, typer.Option("--graded", help="A graded-similarity field, for Pearson.")
    ] = None,
    lower_is_similar: Annotated[
        bool, typer.Option("--lower-is-similar", help="The graded field runs the other way.")
    ] = False,
    relation_field: Annotated[
        str | None,
        typer.Option("--relation", help="A true-relation field, for the confusion matrix."),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Evaluate on the bundled, labelled demo corpus.")
    ] = False,
    model: ModelOption = DEFAULT_MODEL,
    json_out: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    neighbourhood: NeighbourhoodOption = False,
    stories: StoriesOption = True,
) -> None:
    """Score matching on a labelled set: P, R, F1, AUC, Pearson, relations, and two baselines."""
    if demo:
        from storytrace.demo import eval_set

        name = "demo"
        doc_rows, pair_rows = eval_set()
        relation_field = relation_field or "relation"
    else:
        if dataset is not None:
            docs, pairs = docs or dataset / "docs.jsonl", pairs or dataset / "pairs.jsonl"
        if docs is None or pairs is None or not docs.is_file() or not pairs.is_file():
            raise typer.BadParameter(
                "give a folder with docs.jsonl and pairs.jsonl, --docs and --pairs, or --demo"
            )
        name = str(dataset or docs.parent)
        doc_rows, pair_rows = [], []
        for path, rows in ((docs, doc_rows), (pairs, pair_rows)):
            try:
                rows.extend(load_jsonl(path))
            except (OSError, ValueError) as exc:
                err.print(f"[red]error:[/] {path}: {exc}", highlight=False)
                raise typer.Exit(2) from exc
    sign = -1.0 if lower_is_similar else 1.0
    try:
        result = evaluate_pairs(
            name, doc_rows, pair_rows, _embedder(model),
            label=lambda p: int(p[label_field]),
            graded=(lambda p: sign * float(p[graded])) if graded else None,
            true_relation=(lambda p: p.get(relation_field)) if relation_field else None,
            neighbourhood=neighbourhood,
            stories=stories,
        )
    except KeyError as exc:
        err.print(f"[red]error:[/] {pairs}: a pair without {exc}", highlight=False)
        raise typer.Exit(2) from exc
    except (ValueError, TypeError) as exc:
        err.print(f"[red]error:[/] {docs} / {pairs}: {exc}", highlight=False)
        raise typer.Exit(2) from exc
    figures = {"set": result.name, "pairs": result.n_pairs, **result.metrics,
               "baselines": result.baselines, "relations": result.relations,
               "seconds": round(result.timings["total_s"], 1)}
    if json_out:
        sys.stdout.write(json.dumps(figures) + "\n")
        return
    table = Table(title=f"{result.name}: {result.n_pairs} pairs", header_style="bold")
    for name in ("", "precision", "recall", "F1", "AUC", "Pearson"):
        table.add_column(name, justify="right")
    m, b = result.metrics, result.baselines

    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    table.add_row("storytrace", f(m["precision"]), f(m["recall"]), f(m["f1"]), f(m["auc"]),
                  f(m.get("pearson")))
    if stories:
        table.add_row("  pair score >= 0.5 alone", f(m["pair_precision"]), f(m["pair_recall"]),
                      f(m["pair_f1"]), "", "")
    table.add_row("MinHash J>=0.5", "", f(b["minhash_recall"]), f(b["minhash_f1"]),
                  f(b["minhash_auc"]), f(b.get("minhash_pearson")))
    if "cosine_f1" in b:
        table.add_row(f"cosine>={b['cosine_threshold']:.2f} (best)", "", "", f(b["cosine_f1"]),
                      f(b["cosine_auc"]), f(b.get("cosine_pearson")))
    out.print(table)
    for truth, row in sorted(result.relations.items()):
        out.print(f"  {truth:>24} -> " + ", ".join(f"{k} {v}" for k, v in sorted(row.items())))


@app.command("stories")
def stories_command(
    store: StoreOption = Path(DEFAULT_STORE),
    all_stories: Annotated[
        bool, typer.Option("--all", help="Also list stories of a single article.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the stories in the store: versions, sites, first seen, original."""
    with _open_store(store) as db:
        stories = [s for s in db.iter_stories() if all_stories or len(s.members) > 1]
        originals = {s.original: db.get(s.original) for s in stories}
    if json_out:
        for story in stories:
            sys.stdout.write(json.dumps(story_to_dict(story), ensure_ascii=False) + "\n")
        return
    _story_table(stories, {k: v for k, v in originals.items() if v}, title="stories")


@app.command("story")
def story_command(
    story_id: Annotated[str, typer.Argument(help="A story id, or a unique prefix of one.")],
    store: StoreOption = Path(DEFAULT_STORE),
    model: ModelOption = DEFAULT_MODEL,
    json_out: Annotated[bool, typer.Option("--json", help="Print the story as JSON.")] = False,
) -> None:
    """One story: its versions in order, who derived from whom, and its history."""
    with _open_store(store) as db:
        view = story_view(db, story_id, _embedder(model))
    if view is None:
        err.print(f"[red]error:[/] no story (or more than one) matches {story_id!r}",
                  highlight=False)
        raise typer.Exit(2)
    story = view.story
    if json_out:
        data = story_detail_to_dict(story, view.derivations, view.events, view.changes)
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(f"[bold]{escape(story.headline)}[/]  [dim]{story.id}[/]")
    if story.claimed_original:
        out.print(f"versions name [bold]{escape(story.claimed_original)}[/] as their source; "
                  "it is not in the store")
    table = Table(title="timeline", header_style="bold")
    for name in ("published", "site", "made as", "relation to original", "score", "title", "id"):
        table.add_column(name, overflow="fold")
    roles = view.roles
    for m in story.members:
        table.add_row(
            m.published.isoformat(timespec="minutes") if m.published else "undated",
            m.site or "", roles.get(m.article_id, m.relation), m.relation, f"{m.score:.2f}",
            escape(m.title or ""), m.article_id,
        )
    out.print(table)
    out.print(_derivation_tree(story, view.derivations, view.articles, roles))
    if view.changes:
        out.print("[bold]what each version changed against the original[/]")
    for version, d in view.changes.items():
        conflicts = d.changes("conflict")
        out.print(
            f"  {escape(_label(view.articles.get(version)))}: {len(conflicts)} conflicts, "
            f"{len(d.changes('only_a'))} facts dropped, {len(d.changes('only_b'))} added",
            highlight=False,
        )
        for f in conflicts:
            out.print(f"    [red]{f.kind}[/]: {escape(f.note)}", highlight=False)
    for at, kind, art, other, why in view.events:
        out.print(f"[dim]{at}[/] {kind} {art or ''} {other or ''}: {escape(why)}", highlight=False)


def _derivation_tree(
    story: Story,
    edges: Sequence[Derivation],
    articles: Mapping[str, Article],
    roles: Mapping[str, str],
) -> Tree:
    """Who derived from whom, the original at the root (``roles``: :func:`version_roles`)."""
    root = "original"
    if story.claimed_original:
        root = f"original: stands in for {escape(story.claimed_original)}, which it names"
    tree = Tree(f"[bold]{escape(_label(articles.get(story.original)))}[/] ({root})")
    nodes = {story.original: tree}
    # Independent reports first: a version may be derived from one of them
    # (a brief cut from another outlet's own report), not from the original.
    derived = {d.child for d in edges}
    for m in story.members[1:]:
        if m.article_id not in derived:
            role = roles.get(m.article_id, m.relation)
            made = f"{m.relation} (independent report)" if role == m.relation else (
                f"{role} (of the version below, or with it of a text outside the corpus); "
                f"{m.relation} with the original")
            nodes[m.article_id] = tree.add(
                f"{escape(_label(articles.get(m.article_id)))} [dim]{made}[/]")
    for d in edges:  # parents come before their children
        parent = nodes.get(d.parent) or tree
        order = "" if d.ordered else " (which came first is unknown)"
        nodes[d.child] = parent.add(
            f"{escape(_label(articles.get(d.child)))} [dim]{d.relation}{order}, "
            f"confidence {d.confidence:.2f}: {escape('; '.join(d.reasons))}[/]"
        )
    return tree


def _label(article: Article | None) -> str:
    if article is None:
        return "(deleted)"
    return f"{article.site or article.origin}: {article.title or article.body[:50]}"


@app.command("reindex")
def reindex_command(
    store: StoreOption = Path(DEFAULT_STORE),
    model: ModelOption = DEFAULT_MODEL,
) -> None:
    """Rebuild fingerprints, the index and every story from the stored articles."""
    with _open_store(store) as db:
        db.clear_fingerprints()
        report = recluster(db, _embedder(model))
        stories = sum(1 for _ in db.iter_stories())
    out.print(f"{report.assigned} articles in {stories} stories "
              f"({report.merged} merges, {report.moved} versions moved and {report.split} "
              "stories split off on re-checking)",
              highlight=False)


@app.command("delete")
def delete_command(
    ref: Annotated[str, typer.Argument(help="A stored article id (or unique prefix) or URL.")],
    store: StoreOption = Path(DEFAULT_STORE),
    model: ModelOption = DEFAULT_MODEL,
) -> None:
    """Delete an article; its story is updated (original, relations, split if it was a bridge)."""
    with _open_store(store) as db:
        found = db.find(ref)
        if len(found) != 1:
            err.print(f"[red]error:[/] {ref!r} matches {len(found)} articles", highlight=False)
            raise typer.Exit(2)
        stories = remove_article(db, found[0].id, _embedder(model))
    out.print(f"deleted {found[0].id}; its story now: "
              + (", ".join(f"{s.id} ({len(s.members)} versions)" for s in stories) or "none"),
              highlight=False)


@app.command("serve")
def serve_command(
    store: StoreOption = Path(DEFAULT_STORE),
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    model: ModelOption = DEFAULT_MODEL,
    allow_private_urls: PrivateUrlsOption = False,
) -> None:
    """Serve the HTTP API and the web UI over the store (loopback only by default).

    Write routes need the token in $STORYTRACE_TOKEN (sent as
    "Authorization: Bearer TOKEN"); without one, the server is read-only.
    """
    try:
        import uvicorn

        from storytrace.web import create_app
    except ImportError as exc:
        err.print("[red]error:[/] the web face needs the 'web' extra: "
                  "pip install 'storytrace[web]'", highlight=False)
        raise typer.Exit(2) from exc
    _open_store(store).close()  # an unusable store fails here, with exit code 2
    token = os.environ.get("STORYTRACE_TOKEN") or None
    settings = _settings(None, allow_private_urls, None)
    web_app = create_app(store, embedder=_embedder(model), token=token, settings=settings)
    err.print(f"storytrace on http://{host}:{port} over {store}"
              + ("" if token else " (read-only: no STORYTRACE_TOKEN)"), highlight=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


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
