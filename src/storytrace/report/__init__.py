"""Reports: stories rendered as one standalone HTML file.

A face, like the CLI: it renders what the pipeline found and decides
nothing. Templates autoescape, so article text that holds markup is shown
as text, never run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import jinja2

from storytrace.diff import side_by_side
from storytrace.model import Article, Derivation, Diff, Story
from storytrace.provenance import version_roles
from storytrace.verify import Match

__all__ = [
    "DIFF_SCHEMA_VERSION",
    "diff_rows",
    "diff_to_dict",
    "match_to_dict",
    "render_diff",
    "render_page",
    "render_report",
    "story_detail_to_dict",
    "story_to_dict",
]

# Bumped when a field of diff_to_dict changes meaning or goes away (adding
# a field does not bump it). The schema is in docs/diff.schema.json.
DIFF_SCHEMA_VERSION = 1

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("storytrace.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "undated"


def render_report(
    stories: Sequence[Story],
    articles: Mapping[str, Article],
    *,
    title: str = "storytrace report",
    failures: Sequence[str] = (),
    derivations: Mapping[str, Sequence[Derivation]] | None = None,
) -> str:
    """The HTML of a standalone report: every story, its versions, the original first.

    Args:
        stories: the stories to show (in this order).
        articles: the articles the stories name, by id (for excerpts and URLs).
        title: the page title.
        failures: inputs that could not be read, one line each.
        derivations: each story's derivation graph, by story id; a story
            with one is shown with who derived from whom, and each version
            with how it was made (:func:`storytrace.provenance.version_roles`).
    """
    multi = [s for s in stories if len(s.members) > 1]
    single = [s for s in stories if len(s.members) == 1]
    graphs = dict(derivations or {})
    roles = {s.id: version_roles(s, graphs.get(s.id, ())) for s in multi}
    return render_page(
        "report.html.j2",
        web=False,
        title=title,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        stories=multi,
        singles=single,
        articles=articles,
        failures=list(failures),
        derivations=graphs,
        roles=roles,
        n_articles=sum(len(s.members) for s in stories),
    )


def match_to_dict(match: Match, *, evidence: bool = False) -> dict[str, object]:
    """The JSON form of a match: ``{"a","b","same_story","relation","score"}``.

    With ``evidence``, also what decided it (:class:`storytrace.verify.Evidence`):
    the CLI's ``compare --json`` and the HTTP API's ``/api/compare`` give
    this one form.
    """
    data: dict[str, object] = {
        "a": match.a,
        "b": match.b,
        "same_story": match.same_story,
        "relation": match.relation,
        "score": round(match.score, 6),
    }
    if evidence:
        ev = match.evidence
        data["evidence"] = {
            "jaccard5": ev.jaccard5,
            "containment_ab": ev.containment_ab,
            "containment_ba": ev.containment_ba,
            "cosine": ev.cosine,
            "alignment_coverage": ev.alignment_coverage,
            "alignment_order": ev.alignment_order,
            "aligned": [{"a": p.a, "b": p.b, "similarity": p.similarity} for p in ev.aligned],
            "shared_entities": list(ev.shared_entities),
            "shared_numbers": list(ev.shared_numbers),
            "number_conflicts": list(ev.number_conflicts),
            "shared_dates": list(ev.shared_dates),
            "date_conflicts": list(ev.date_conflicts),
            "shared_quotes": list(ev.shared_quotes),
            "own_names_a": list(ev.own_names_a),
            "own_names_b": list(ev.own_names_b),
            "time_gap_days": ev.time_gap_days,
            "looks_back": ev.looks_back,
            "neighbourhood": ev.neighbourhood,
            "features": dict(ev.features),
        }
    return data


def _article_dict(a: Article) -> dict[str, object]:
    return {
        "id": a.id,
        "title": a.title,
        "site": a.site,
        "url": a.url,
        "published": a.published.isoformat() if a.published else None,
    }


def diff_to_dict(d: Diff, a: Article, b: Article) -> dict[str, object]:
    """The documented JSON form of a diff (``docs/diff.schema.json``)."""
    return {
        "schema": DIFF_SCHEMA_VERSION,
        "a": _article_dict(a),
        "b": _article_dict(b),
        "sentences_a": list(d.sentences_a),
        "sentences_b": list(d.sentences_b),
        "aligned": [
            {"a": list(p.a), "b": list(p.b), "kind": p.kind, "similarity": p.similarity}
            for p in d.aligned
        ],
        "only_a": list(d.only_a),
        "only_b": list(d.only_b),
        "facts": [
            {
                "status": f.status,
                "kind": f.kind,
                "a": f.a,
                "b": f.b,
                "sentence_a": f.sentence_a,
                "sentence_b": f.sentence_b,
                "note": f.note,
            }
            for f in d.facts
        ],
        "names_only_a": list(d.names_only_a),
        "names_only_b": list(d.names_only_b),
    }


def diff_rows(d: Diff) -> list[dict[str, object]]:
    """The side-by-side rows of a diff, with the sentence texts, for templates."""
    return [
        {"kind": kind, "a": [d.sentences_a[i] for i in ia], "b": [d.sentences_b[j] for j in jb]}
        for ia, jb, kind in side_by_side(d)
    ]


def render_diff(d: Diff, a: Article, b: Article, *, web: bool = False) -> str:
    """The diff page: the two versions side by side, changes highlighted.

    Standalone (all styles inline) unless ``web``, which adds the site's
    navigation.
    """
    return render_page("diff.html.j2", a=a, b=b, d=d, rows=diff_rows(d), web=web)


def render_page(template: str, *, web: bool = True, **context: object) -> str:
    """Render one of the shared templates (reports and web pages use the same ones)."""
    return _ENV.get_template(template).render(web=web, when=_when, **context)


def story_to_dict(
    story: Story, derivations: Sequence[Derivation] | None = None
) -> dict[str, object]:
    """The JSON form of a story (documented in the README).

    With its ``derivations`` (the story's derivation graph), each member also
    says how it was made (``made_as``, see
    :func:`storytrace.provenance.version_roles`) and the graph's edges are
    listed under ``derivations``.
    """
    roles = version_roles(story, derivations) if derivations is not None else {}
    data: dict[str, object] = {
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
                **({"made_as": roles[m.article_id]} if m.article_id in roles else {}),
                "score": m.score,
                "site": m.site,
                "title": m.title,
                "published": m.published.isoformat() if m.published else None,
            }
            for m in story.members
        ],
    }
    if derivations is not None:
        data["derivations"] = [
            {"parent": d.parent, "child": d.child, "relation": d.relation,
             "confidence": d.confidence, "ordered": d.ordered, "reasons": list(d.reasons)}
            for d in derivations
        ]
    return data


def story_detail_to_dict(
    story: Story,
    derivations: Sequence[Derivation],
    events: Sequence[tuple[str, str, str | None, str | None, str]],
    changes: Mapping[str, Diff],
) -> dict[str, object]:
    """A story with its derivation graph, its history and what each version changed."""
    return story_to_dict(story, derivations) | {
        "events": [
            {"at": at, "kind": kind, "article": art, "other_story": other, "reason": why}
            for at, kind, art, other, why in events
        ],
        "changes": {
            version: {
                "conflicts": [f.note for f in d.changes("conflict")],
                "facts_dropped": len(d.changes("only_a")),
                "facts_added": len(d.changes("only_b")),
                "sentences_dropped": len(d.only_a),
                "sentences_added": len(d.only_b),
            }
            for version, d in changes.items()
        },
    }
