"""The FastAPI application: JSON routes under ``/api``, HTML pages at the root."""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Header, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl

from storytrace.config import Settings
from storytrace.diff import diff_fingerprints
from storytrace.errors import StorytraceError
from storytrace.fingerprint import Embedder, fingerprint_many
from storytrace.model import Article, RawDocument, Story, article_id, as_utc
from storytrace.normalize import normalize
from storytrace.pipeline import (
    ingest_documents,
    match_article,
    story_view,
    update_stories,
)
from storytrace.report import (
    diff_rows,
    diff_to_dict,
    match_to_dict,
    render_diff,
    render_page,
    story_detail_to_dict,
    story_to_dict,
)
from storytrace.store import SQLiteStore
from storytrace.verify import compare

__all__ = ["create_app"]

# Bodies larger than this are refused before they are read into an article.
MAX_TEXT = 2_000_000
# Whole request bodies larger than this are refused (413) while they arrive:
# Starlette reads a JSON or form body whole before any field limit applies,
# and /api/compare needs no token.
MAX_REQUEST = 64 * 1024 * 1024


class _BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes.

    The declared ``Content-Length`` is checked first; a chunked body is
    counted as it is received and stops the request once past the limit.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            response = JSONResponse({"detail": self._reason()}, status_code=413)
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # FastAPI passes an HTTPException raised while reading on.
                    raise HTTPException(413, self._reason())
            return message

        await self.app(scope, counted, send)

    def _reason(self) -> str:
        return f"request body larger than {self.limit} bytes"


def _iso_day(value: object) -> object:
    """Only ``YYYY-MM-DD`` is a day here (pydantic alone would also take "0")."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


IsoDay = Annotated[date | None, BeforeValidator(_iso_day), Query(description="YYYY-MM-DD")]


class TextIn(BaseModel):
    """One article given as text (or HTML) with what is known about it."""

    model_config = ConfigDict(strict=True, extra="forbid")  # no coercion: 0 is not false

    text: str = Field(min_length=1, max_length=MAX_TEXT, description="Body text or HTML.")
    html: bool = Field(False, description="Whether `text` is HTML to extract the body from.")
    title: str | None = Field(None, max_length=1000)
    url: HttpUrl | None = None
    date: str | None = Field(None, max_length=64, description="Publication time, any format.")
    source: str | None = Field(None, max_length=200, description="Site or outlet.")


class IngestIn(BaseModel):
    """Articles to add: texts, and http(s) URLs to fetch."""

    model_config = ConfigDict(strict=True, extra="forbid")  # no coercion: 0 is not false

    articles: list[TextIn] = Field(default_factory=list, max_length=1000)
    urls: list[HttpUrl] = Field(default_factory=list, max_length=100)


class ErrorOut(BaseModel):
    """Why a request was refused, in one line."""

    detail: str


_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such item"},
}
_BAD_INPUT: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The input holds no readable article"},
    404: {"model": ErrorOut, "description": "A stored id that matches no article"},
}
_WRITE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not valid JSON"},
    401: {"model": ErrorOut, "description": "Missing or wrong API token"},
}


class PairIn(BaseModel):
    """Two articles, each a stored id or a text."""

    model_config = ConfigDict(strict=True, extra="forbid")  # no coercion: 0 is not false

    a: TextIn | str
    b: TextIn | str


def create_app(
    store_path: str | Path,
    *,
    embedder: Embedder | None,
    token: str | None = None,
    settings: Settings | None = None,
    max_request_bytes: int = MAX_REQUEST,
) -> FastAPI:
    """The storytrace web app over the store at ``store_path``.

    Args:
        store_path: the SQLite store (created if missing).
        embedder: the sentence embedder used for new articles, matching and diffs.
        token: the token write routes require (``Authorization: Bearer TOKEN``);
            ``None`` (or an empty token) refuses every write.
        settings: caps, extraction time limit and URL policy for inputs.
        max_request_bytes: the largest request body accepted (413 above it).
    """
    settings = settings or Settings()
    app = FastAPI(
        title="storytrace",
        description="Every version of a news story, how they relate, which came first, "
        "and what changed.",
        version="0.1.0",
    )
    app.add_middleware(_BodyLimit, limit=max_request_bytes)
    write_lock = threading.Lock()  # one writer at a time; SQLite serializes the rest
    model_lock = threading.Lock()  # sentence-transformers models are not re-entrant

    app.state.store_path = str(store_path)
    app.state.token = token

    def to_article(item: TextIn | str, db: SQLiteStore) -> Article:
        if isinstance(item, str):
            found = db.find(item)
            if len(found) != 1:
                raise HTTPException(404, f"{item!r}: no single stored article has this id")
            return found[0]
        raw = _raw(item, "request")
        try:
            return normalize(raw, time_limit=settings.extract_timeout)
        except StorytraceError as exc:
            raise HTTPException(400, str(exc)) from exc

    def fingerprints(a: Article, b: Article) -> tuple[Any, Any]:
        with model_lock:
            fa, fb = fingerprint_many([a, b], embedder)
        return fa, fb

    @app.exception_handler(StorytraceError)
    def storytrace_error(_: Request, exc: StorytraceError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    # -- API ------------------------------------------------------------------

    @app.get("/api/stories", tags=["stories"])
    def list_stories(
        db: Db,
        q: Annotated[
            str | None, Query(max_length=200, description="Words in the headline.")
        ] = None,
        site: Annotated[str | None, Query(max_length=200)] = None,
        since: IsoDay = None,
        until: IsoDay = None,
        multi: Annotated[bool, Query(description="Only stories with 2+ versions.")] = True,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        """Stories, most versions first, filtered and paged."""
        found = _filter(db.iter_stories(), q, site, since, until, multi)
        return {
            "total": len(found),
            "offset": offset,
            "stories": [story_to_dict(s) for s in found[offset : offset + limit]],
        }

    @app.get("/api/stories/{story_id}", tags=["stories"], responses=_NOT_FOUND)
    def get_story(story_id: str, db: Db) -> dict[str, Any]:
        """One story: versions, derivation graph, history, and each version's changes."""
        with model_lock:
            view = story_view(db, story_id, embedder)
        if view is None:
            raise HTTPException(404, f"no story {story_id!r}")
        return story_detail_to_dict(view.story, view.derivations, view.events, view.changes)

    @app.get("/api/articles/{ref}", tags=["articles"], responses=_NOT_FOUND)
    def get_article(ref: str, db: Db) -> dict[str, Any]:
        """One stored article (by id, unique id prefix, source id or URL)."""
        found = db.find(ref)
        if len(found) != 1:
            raise HTTPException(404, f"{ref!r}: {len(found)} articles match")
        a = found[0]
        return {"id": a.id, "title": a.title, "site": a.site, "url": a.url,
                "published": a.published.isoformat() if a.published else None,
                "claimed_source": a.claimed_source, "body": a.body}

    @app.get("/api/articles/{ref}/matches", tags=["articles"], responses=_NOT_FOUND)
    def get_matches(ref: str, db: Db) -> list[dict[str, Any]]:
        """The stored versions of this article's story, best first."""
        found = db.find(ref)
        if len(found) != 1:
            raise HTTPException(404, f"{ref!r}: {len(found)} articles match")
        with model_lock:
            matches = match_article(found[0], db, embedder, update=False)
        return [{"a": m.a, "b": m.b, "same_story": m.same_story, "relation": m.relation,
                 "score": m.score} for m in matches]

    @app.post("/api/compare", tags=["pairs"], responses=_BAD_INPUT)
    def post_compare(pair: PairIn, db: Db) -> dict[str, Any]:
        """How two articles relate (each a stored id or a text)."""
        a, b = to_article(pair.a, db), to_article(pair.b, db)
        fa, fb = fingerprints(a, b)
        return match_to_dict(compare(a, b, fa=fa, fb=fb), evidence=True)

    @app.post("/api/diff", tags=["pairs"], responses=_BAD_INPUT)
    def post_diff(pair: PairIn, db: Db) -> dict[str, Any]:
        """What changed from A to B (the schema of docs/diff.schema.json)."""
        a, b = to_article(pair.a, db), to_article(pair.b, db)
        fa, fb = fingerprints(a, b)
        return diff_to_dict(diff_fingerprints(a, b, fa, fb), a, b)

    @app.post("/api/ingest", tags=["ingest"], dependencies=[Depends(require_token)],
              responses=_WRITE)
    def post_ingest(body: IngestIn, db: Db) -> dict[str, Any]:
        """Add articles (texts and URLs); each joins its story. Needs the API token."""
        raws = [_raw(item, f"request#{k}") for k, item in enumerate(body.articles)]
        with write_lock, model_lock:
            report = ingest_documents(raws, [str(u) for u in body.urls], db, settings)
            assigned = update_stories(db, embedder)
        return {"read": report.read, "stored": report.stored, "duplicates": report.duplicates,
                "failed": [{"input": f.origin, "reason": f.reason} for f in report.failures],
                "stories_started": assigned.started, "stories_joined": assigned.joined,
                "stories_merged": assigned.merged, "versions_moved": assigned.moved,
                "stories_split": assigned.split}

    @app.post("/api/ingest/files", tags=["ingest"], dependencies=[Depends(require_token)],
              responses=_WRITE)
    def post_files(db: Db, files: Annotated[list[UploadFile], File()]) -> dict[str, Any]:
        """Add uploaded files (any format `storytrace ingest` reads). Needs the API token."""
        raws: list[RawDocument] = []
        failures: list[dict[str, str]] = []
        for upload in files[:100]:
            data = upload.file.read(settings.max_input_bytes + 1)
            name = Path(upload.filename or "upload.txt").name
            if len(data) > settings.max_input_bytes:
                failures.append({"input": name, "reason": "larger than the size cap"})
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                failures.append({"input": name, "reason": "not UTF-8 text"})
                continue
            is_html = name.lower().endswith((".html", ".htm"))
            raws.append(RawDocument(origin=name, content=text,
                                    content_type="html" if is_html else "text"))
        with write_lock, model_lock:
            report = ingest_documents(raws, [], db, settings)
            update_stories(db, embedder)
        failures += [{"input": f.origin, "reason": f.reason} for f in report.failures]
        return {"read": report.read, "stored": report.stored, "duplicates": report.duplicates,
                "failed": failures}

    # -- pages ----------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_stories(
        db: Db,
        q: Annotated[str | None, Query(max_length=200)] = None,
        site: Annotated[str | None, Query(max_length=200)] = None,
        sort: Annotated[str, Query(pattern="^(versions|first_seen|last_seen)$")] = "versions",
    ) -> str:
        stories = _filter(db.iter_stories(), q, site, None, None, True)
        if sort != "versions":
            def when(s: Story) -> datetime:
                moment = getattr(s, sort)
                return as_utc(moment) if moment else datetime.min.replace(tzinfo=UTC)

            stories.sort(key=when, reverse=True)
        return render_page("stories.html.j2", stories=stories, q=q or "", site=site or "",
                           sort=sort)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_story(story_id: str, db: Db) -> str:
        with model_lock:
            view = story_view(db, story_id, embedder)
        if view is None:
            raise HTTPException(404, f"no story {story_id!r}")
        return render_page("story.html.j2", view=view, story=view.story)

    @app.get("/diff", response_class=HTMLResponse, include_in_schema=False)
    def page_diff(
        db: Db, a: Annotated[str, Query(max_length=64)], b: Annotated[str, Query(max_length=64)]
    ) -> str:
        left, right = to_article(a, db), to_article(b, db)
        fa, fb = fingerprints(left, right)
        return render_diff(diff_fingerprints(left, right, fa, fb), left, right, web=True)

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def page_compare_form() -> str:
        return render_page("compare.html.j2", result=None, a="", b="")

    @app.post("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def page_compare(request: Request) -> str:
        form = await request.form()
        text_a, text_b = str(form.get("a", ""))[:MAX_TEXT], str(form.get("b", ""))[:MAX_TEXT]
        limit = settings.extract_timeout
        try:
            a = normalize(RawDocument(origin="A", content=text_a), time_limit=limit)
            b = normalize(RawDocument(origin="B", content=text_b), time_limit=limit)
        except StorytraceError as exc:
            return render_page("compare.html.j2", result=None, error=str(exc), a=text_a, b=text_b)
        fa, fb = fingerprints(a, b)
        match = compare(a, b, fa=fa, fb=fb)
        d = diff_fingerprints(a, b, fa, fb)
        rows = diff_rows(d)
        return render_page("compare.html.j2", result=match, d=d, rows=rows, a=text_a, b=text_b)

    return app


def _store(request: Request) -> Iterator[SQLiteStore]:
    """A store connection for one request (SQLite connections stay in their thread)."""
    with SQLiteStore(request.app.state.store_path) as db:
        yield db


Db = Annotated[SQLiteStore, Depends(_store)]


def require_token(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Refuse a write unless it carries the app's token (compared in constant time)."""
    token: str | None = request.app.state.token
    given = (authorization or "").removeprefix("Bearer ").strip()
    # An empty token would match a request that sends none: it means no writes.
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(401, "a valid API token is required (Authorization: Bearer ...)")


def _raw(item: TextIn, origin: str) -> RawDocument:
    # The source id is a hash of the text and address, so the same text
    # posted twice is one article.
    return RawDocument(
        origin=origin,
        content=item.text,
        content_type="html" if item.html else "text",
        title=item.title,
        url=str(item.url) if item.url else None,
        published=item.date,
        site=item.source,
        source_id=article_id(item.text, str(item.url) if item.url else None),
    )


def _filter(
    stories: Iterator[Story],
    q: str | None,
    site: str | None,
    since: date | None,
    until: date | None,
    multi: bool,
) -> list[Story]:
    words = (q or "").casefold().split()
    out = []
    for s in stories:
        if multi and len(s.members) < 2:
            continue
        if words and not all(w in s.headline.casefold() for w in words):
            continue
        if site and site.casefold() not in (x.casefold() for x in s.sites):
            continue
        first = s.first_seen.date() if s.first_seen else None
        if since and (first is None or first < since):
            continue
        if until and (first is None or first > until):
            continue
        out.append(s)
    return out
