"""Stories persist and grow: incremental == batch, restarts change nothing, deletes update."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixtures import BAKERY, FLOOD, FLOOD_REWRITE
from storytrace.assign import CROWD_VERSIONS, StoryAssigner, _PairScorer
from storytrace.cli import app
from storytrace.demo import corpus_path
from storytrace.model import Story
from storytrace.pipeline import recluster, remove_article, scan, update_stories
from storytrace.store import SQLiteStore

runner = CliRunner()


def _partition(store: SQLiteStore) -> set[frozenset[str]]:
    return {frozenset(m.article_id for m in s.members) for s in store.iter_stories()}


def _halves(tmp_path: Path) -> tuple[Path, Path]:
    """The demo corpus split into two folders, alternate sites in each."""
    first, second = tmp_path / "first", tmp_path / "second"
    for k, site in enumerate(sorted(corpus_path().iterdir())):
        shutil.copytree(site, (first if k % 2 else second) / site.name)
    return first, second


@pytest.mark.slow
def test_two_halves_with_a_restart_give_the_stories_of_one_run(tmp_path: Path, real_embedder):
    first, second = _halves(tmp_path)
    with SQLiteStore(tmp_path / "one.sqlite") as one:
        scan([str(first), str(second)], one, embedder=real_embedder)
        whole = _partition(one)
        # batch re-clustering of the same store gives the same stories
        recluster(one, real_embedder)
        assert _partition(one) == whole
    with SQLiteStore(tmp_path / "two.sqlite") as two:
        scan([str(first)], two, embedder=real_embedder)
    with SQLiteStore(tmp_path / "two.sqlite") as two:  # closed and reopened: a restart
        scan([str(second)], two, embedder=real_embedder)
        assert _partition(two) == whole
        assert two.integrity_check() == "ok"
    assert max(len(s) for s in whole) >= 5


def test_new_articles_join_without_rebuilding(tmp_path: Path, hashing) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "flood.txt").write_text(FLOOD)
    (tmp_path / "a" / "bakery.txt").write_text(BAKERY)
    (tmp_path / "b" / "flood-copy.txt").write_text(FLOOD)
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        first = scan([str(tmp_path / "a")], store, embedder=hashing)
        assert first.assigned.started == 2
        ids_before = {s.id for s in store.iter_stories()}
        second = scan([str(tmp_path / "b")], store, embedder=hashing)
        assert second.assigned.assigned == 1 and second.assigned.joined == 1
        assert {s.id for s in store.iter_stories()} == ids_before  # joined, not rebuilt
        [flood] = [s for s in store.iter_stories() if len(s.members) == 2]
        kinds = [e[1] for e in store.story_events(flood.id)]
        assert kinds == ["started", "joined"]


def _flood_copies_and_bakery(tmp_path: Path, store: SQLiteStore, hashing, copies: int) -> Story:
    """Stores ``copies`` verbatim copies of FLOOD (one per folder) and BAKERY; their story."""
    for k in range(copies):
        (tmp_path / f"site{k}").mkdir()
        (tmp_path / f"site{k}" / "flood.txt").write_text(FLOOD)
    (tmp_path / "site0" / "bakery.txt").write_text(BAKERY)
    scan([str(tmp_path)], store, embedder=hashing)
    [flood] = [s for s in store.iter_stories() if len(s.members) == copies]
    return flood


def _rewrite(store: SQLiteStore, *groups: tuple[str, list[str]]) -> None:
    """Overwrite stories by hand: ``(story id, member ids)`` each (as a wrong early call would)."""
    member = {m.article_id: m for s in store.iter_stories() for m in s.members}
    old = [s.id for s in store.iter_stories()]
    stories = [Story(id=sid, headline="", original=ids[0],
                     members=[dataclasses.replace(member[x]) for x in ids]) for sid, ids in groups]
    store.save_stories(stories, removed=[x for x in old if x not in dict(groups)])


def test_the_recheck_moves_a_version_that_joined_the_wrong_story(tmp_path: Path, hashing):
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        flood = _flood_copies_and_bakery(tmp_path, store, hashing, copies=3)
        [bakery] = [s for s in store.iter_stories() if s.id != flood.id]
        a, b, c = (m.article_id for m in flood.members)
        # c joined the bakery's story early, on too little evidence
        _rewrite(store, (flood.id, [a, b]), (bakery.id, [bakery.original, c]))
        assert StoryAssigner(store, hashing).settle([bakery.id]) == (1, 0, 0)
        assert _partition(store) == {frozenset({a, b, c}), frozenset({bakery.original})}
        moved = [e for e in store.story_events(flood.id) if e[1] == "moved"]
        assert [(e[2], e[3]) for e in moved] == [(c, bakery.id)]
        assert "against its versions" in moved[0][4]
        left = [e for e in store.story_events(bakery.id) if e[1] == "left"]
        assert [(e[2], e[3]) for e in left] == [(c, flood.id)]
        # settled stories stay settled
        assert StoryAssigner(store, hashing).settle([flood.id, bakery.id]) == (0, 0, 0)


def test_the_recheck_merges_two_stories_that_are_one(tmp_path: Path, hashing):
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        flood = _flood_copies_and_bakery(tmp_path, store, hashing, copies=4)
        [bakery] = [s for s in store.iter_stories() if s.id != flood.id]
        a, b, c, d = (m.article_id for m in flood.members)
        # Two halves of one story, each version as close to its own half as
        # to the other: no version moves, the two stories merge.
        _rewrite(store, (flood.id, [a, b]), ("s-other-half", [c, d]),
                 (bakery.id, [bakery.original]))
        assert StoryAssigner(store, hashing).settle(["s-other-half"]) == (0, 1, 0)
        assert _partition(store) == {frozenset({a, b, c, d}), frozenset({bakery.original})}
        [survivor] = [s for s in store.iter_stories() if len(s.members) == 4]
        merged = [e for e in store.story_events(survivor.id) if e[1] == "merged"]
        assert len(merged) == 1 and merged[0][3] in {flood.id, "s-other-half"} - {survivor.id}
        assert store.integrity_check() == "ok"


def test_deleting_an_article_updates_its_story(tmp_path: Path, hashing) -> None:
    for name, body in (("flood.txt", FLOOD), ("copy.txt", FLOOD), ("spun.txt", FLOOD_REWRITE)):
        (tmp_path / name).write_text(body)
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        scan([str(tmp_path)], store, embedder=hashing)
        [story] = list(store.iter_stories())
        assert len(story.members) == 3
        original = story.original
        remaining = remove_article(store, original, hashing)
        assert store.get(original) is None
        assert sum(len(s.members) for s in remaining) == 2
        assert all(original not in {m.article_id for m in s.members} for s in remaining)
        assert all(s.original != original for s in store.iter_stories())
        assert update_stories(store, hashing).assigned == 0  # nothing left dangling
        assert store.integrity_check() == "ok"


def test_story_commands(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for name, body in (("flood.txt", FLOOD), ("copy.txt", FLOOD), ("bakery.txt", BAKERY)):
        (tmp_path / "in" / name).write_text(body)
    store = str(tmp_path / "s.sqlite")
    assert runner.invoke(app, ["scan", str(tmp_path / "in"), "--store", store,
                               "--model", "none"]).exit_code == 0
    listed = runner.invoke(app, ["stories", "--store", store, "--json"])
    [story] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(story["members"]) == 2
    shown = runner.invoke(app, ["story", story["id"][:6], "--store", store, "--model", "none",
                                "--json"])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    assert [d["relation"] for d in detail["derivations"]] == ["duplicate"]
    assert detail["derivations"][0]["parent"] == story["original"]
    assert [e["kind"] for e in detail["events"]] == ["started", "joined"]
    everything = runner.invoke(app, ["stories", "--store", store, "--all", "--json"])
    assert len(everything.stdout.splitlines()) == 2
    again = runner.invoke(app, ["reindex", "--store", store, "--model", "none"])
    assert again.exit_code == 0 and "3 articles in 2 stories" in again.output
    gone = runner.invoke(app, ["delete", detail["members"][1]["id"], "--store", store,
                               "--model", "none"])
    assert gone.exit_code == 0, gone.output
    assert runner.invoke(app, ["story", "nope", "--store", store]).exit_code == 2


def test_a_story_id_is_never_reused_for_a_new_story(tmp_path) -> None:
    # An article that founded a story and moved on can head a new story
    # after a split; the new one must not overwrite the first.
    from storytrace.assign import _new_story_id
    from storytrace.model import Article, Story, StoryMember, story_id_for

    assert story_id_for("article-000001") != story_id_for("article-000002")
    with SQLiteStore(tmp_path / "s.db") as store:
        store.add_articles([Article(id="x", body=FLOOD)])
        taken = story_id_for("x")
        store.save_stories([Story(id=taken, headline="h", original="x",
                                  members=(StoryMember(article_id="x", relation="original",
                                                       score=1.0),))])
        fresh = _new_story_id(store, "x")
        assert fresh != taken
        assert _new_story_id(store, "x", taken=[fresh]) not in {taken, fresh}


def _view_with_a_brief_of_an_independent_report():
    """A story whose brief is cut from an independent report, not from the original."""
    from storytrace.model import Article, Derivation, StoryMember
    from storytrace.pipeline import StoryView

    arts = {x: Article(id=x, body=f"{x} body", title=f"{x} title", site=f"{x}.example")
            for x in ("orig", "report", "brief")}
    story = Story(id="s1", headline="orig title", original="orig", members=(
        StoryMember("orig", "original", 1.0, site="orig.example", title="orig title"),
        StoryMember("report", "same_event", 0.9, site="report.example", title="report title"),
        StoryMember("brief", "same_event", 0.8, site="brief.example", title="brief title"),
    ))
    edge = Derivation("report", "brief", "excerpt", 0.9, ("it names report as its source",))
    return StoryView(story=story, derivations=[edge], events=[], articles=arts, changes={})


def test_a_version_derived_from_an_independent_report_hangs_under_it(monkeypatch) -> None:
    import storytrace.cli as cli
    from storytrace.report import render_page

    view = _view_with_a_brief_of_an_independent_report()
    monkeypatch.setattr(cli, "story_view", lambda *args: view)
    shown = runner.invoke(app, ["story", "s1", "--model", "none"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    report = next(i for i, line in enumerate(lines) if "report title" in line and "──" in line)
    brief = next(i for i, line in enumerate(lines) if "brief title" in line and "──" in line)
    # the brief is drawn one level below the report it was cut from
    assert brief > report
    assert lines[brief].index("brief title") > lines[report].index("report title")
    html = render_page("story.html.j2", view=view, story=view.story)
    independent = html[html.index("Independent reports"):]
    assert "brief title" in independent  # under the report, not missing from the page
    assert independent.index("report title") < independent.index("brief title")


def test_an_undated_version_is_read_as_published_when_its_story_ran() -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from storytrace.assign import _PairScorer
    from storytrace.model import Article
    from storytrace.verify import score_at_gap

    def day(d: int, month: int = 2) -> datetime:
        return datetime(2026, month, d, 9, tzinfo=UTC)

    articles = {
        "rewrite": Article(id="rewrite", body="b"),  # undated, in a story of Feb 18-21
        "march": Article(id="march", body="b", published=day(9, 3)),
        "feb": Article(id="feb", body="b", published=day(19)),
    }
    scorer = _PairScorer(SimpleNamespace(articles=articles), n_docs=10)  # type: ignore[arg-type]
    for other in ("march", "feb"):
        scorer.verdicts[("rewrite", other)] = (0.9, True)
        scorer.untimed.update({("rewrite", other), (other, "rewrite")})
    february = (day(18), day(21))
    # three weeks after its story, as its story's dated versions are (16 days past its end)
    in_story = scorer.in_stories("rewrite", "march", february, None)
    assert in_story == score_at_gap(0.9, 16.0) < 0.6
    assert scorer.in_stories("march", "rewrite", None, february) == in_story
    assert scorer.in_stories("rewrite", "feb", february, None) == 0.9  # within its story's days
    assert scorer.in_stories("rewrite", "march", None, None) == 0.9  # a story with no dates
    # a pair with a time of its own (dates, datelines), or a copy, keeps its score
    scorer.untimed.clear()
    assert scorer.in_stories("rewrite", "march", february, None) == 0.9


class _TwoEventsScorer(_PairScorer):
    """Scores a crowd's pairs as its neighbourhoods would read two events: the
    versions in ``first`` and those in ``second`` are each one story (0.95),
    not one across (0.2); ``stray`` fits ``first`` somewhat (0.4), ``second`` less."""

    def __init__(self, *args, first: set[str], second: set[str], stray: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.first, self.second, self.stray = first, second, stray

    def _compare(self, x: str, y: str):
        match = super()._compare(x, y)
        pair = {x, y}
        if self.stray in pair:
            score = 0.4 if pair - {self.stray} <= self.first else 0.3
        elif pair <= self.first or pair <= self.second:
            score = 0.95
        else:
            score = 0.2
        return dataclasses.replace(match, score=score, same_story=score >= 0.5)


def _read_as_two_events(monkeypatch, members: list[str], sizes: tuple[int, int]) -> None:
    first, second = set(members[: sizes[0]]), set(members[sizes[0] : sum(sizes)])
    stray = members[sum(sizes)]

    def crowd_scorer(self, scorer, versions):
        return _TwoEventsScorer(self._cache, n_docs=scorer.n_docs, keep_matches=False,
                                first=first, second=second, stray=stray)

    monkeypatch.setattr(StoryAssigner, "_crowd_scorer", crowd_scorer)


def test_the_recheck_splits_a_crowd_its_neighbourhoods_read_as_two_events(
    tmp_path: Path, hashing, monkeypatch
):
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        flood = _flood_copies_and_bakery(tmp_path, store, hashing, copies=CROWD_VERSIONS + 2)
        members = [m.article_id for m in flood.members]
        _read_as_two_events(monkeypatch, members, (7, CROWD_VERSIONS - 6))
        assert StoryAssigner(store, hashing).settle([flood.id]) == (0, 0, 1)
        first, second, stray = set(members[:7]), set(members[7:-1]), members[-1]
        stories = _partition(store)
        # the stray version, a group too small to stand alone, rejoins the part it fits best
        assert frozenset(first | {stray}) in stories and frozenset(second) in stories
        [split_off] = [s for s in store.iter_stories()
                       if {m.article_id for m in s.members} == second]
        [event] = [e for e in store.story_events(split_off.id) if e[1] == "split"]
        assert event[3] == flood.id and "neighbourhoods" in event[4]
        assert store.integrity_check() == "ok"


def test_a_story_smaller_than_a_crowd_is_not_split(tmp_path: Path, hashing, monkeypatch):
    # Around a story of a few versions the neighbours are its topic's other
    # stories, so the neighbourhoods are not read there.
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        flood = _flood_copies_and_bakery(tmp_path, store, hashing, copies=CROWD_VERSIONS - 1)
        members = [m.article_id for m in flood.members]
        _read_as_two_events(monkeypatch, members, (5, CROWD_VERSIONS - 7))
        before = _partition(store)
        assert StoryAssigner(store, hashing).settle([flood.id]) == (0, 0, 0)
        assert _partition(store) == before
