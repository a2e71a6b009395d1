"""Reports: stories rendered as one standalone HTML file.

A face, like the CLI: it renders what the pipeline found and decides
nothing. Templates autoescape, so article text that holds markup is shown
as text, never run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import jinja2

from storytrace.model import Article, Story

__all__ = ["render_report"]

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
) -> str:
    """The HTML of a standalone report: every story, its versions, the original first.

    Args:
        stories: the stories to show (in this order).
        articles: the articles the stories name, by id (for excerpts and URLs).
        title: the page title.
        failures: inputs that could not be read, one line each.
    """
    template = _ENV.get_template("report.html.j2")
    multi = [s for s in stories if len(s.members) > 1]
    single = [s for s in stories if len(s.members) == 1]
    return template.render(
        title=title,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        stories=multi,
        singles=single,
        articles=articles,
        failures=list(failures),
        when=_when,
        n_articles=sum(len(s.members) for s in stories),
    )
