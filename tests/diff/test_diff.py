"""The diff: alignment, facts, and how many planted changes it finds (and how few it invents)."""

from __future__ import annotations

import pytest
from planted import CASES

from fixtures import SEEDS, article
from storytrace.diff import align_sentences, diff
from storytrace.model import Article, Diff


def _found(d: Diff, status: str, kind: str, in_a: str | None, in_b: str | None) -> bool:
    for f in d.facts:
        if f.status != status or (kind != "speaker" and f.kind != kind) or (
            kind == "speaker" and f.kind != "speaker"
        ):
            continue
        text_a = (f.a or "") + " " + (f.sentence_a or "")
        text_b = (f.b or "") + " " + (f.sentence_b or "")
        if (in_a is None or in_a in text_a) and (in_b is None or in_b in text_b):
            return True
    return False


def _case(case: dict) -> tuple[Article, Article]:
    from dataclasses import replace

    a = replace(article(case["a"], url="https://a.example/x"), published=case["published"])
    b = replace(article(case["b"], url="https://b.example/y"), published=case["published"])
    return a, b


def planted_figures(embedder) -> tuple[int, int, int]:
    """(planted, found, flagged but not planted) over every case."""
    planted = found = false_flags = 0
    for case in CASES:
        a, b = _case(case)
        d = diff(a, b, embedder=embedder)
        hits = [p for p in case["planted"] if _found(d, *p)]
        planted += len(case["planted"])
        found += len(hits)
        flagged = [f for f in d.facts if f.status != "both"]
        for f in flagged:
            if not any(_found(Diff(d.a, d.b, (), (), (), (), (), (f,)), *p)
                       for p in case["planted"]):
                false_flags += 1
    return planted, found, false_flags


@pytest.mark.slow
def test_planted_changes_are_found(real_embedder) -> None:
    planted, found, false_flags = planted_figures(real_embedder)
    print(f"planted {planted}, found {found}, flagged but not planted {false_flags}")
    assert found / planted >= 0.9
    assert false_flags <= 2


def test_alignment_handles_reordering_and_split_sentences() -> None:
    a = ["The council approved the budget on Monday after a long debate.",
         "Mayor Ilse Tran praised the vote."]
    b = ["Mayor Ilse Tran praised the vote.",
         "The council approved the budget on Monday.", "It came after a long debate."]
    aligned, only_a, _ = align_sentences(a, b, None, None)
    assert only_a == []
    pairs = {(p.a, p.b): p.kind for p in aligned}
    assert pairs[((1,), (0,))] == "verbatim"
    assert any(p.a == (0,) and 1 in p.b for p in aligned)


def test_only_one_side_and_empty_inputs() -> None:
    lone = ["A lone sentence with enough words."]
    aligned, only_a, only_b = align_sentences(lone, [], None, None)
    assert aligned == [] and only_a == [0] and only_b == []


@pytest.mark.seeds
@pytest.mark.slow
@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")
def test_seed_diff_reports_the_attribution_conflict_and_the_troops(real_embedder) -> None:
    from storytrace.model import RawDocument
    from storytrace.normalize import normalize

    def load(prefix: str) -> Article:
        path = next(SEEDS.glob(f"{prefix}_*.txt"))
        return normalize(RawDocument(origin=str(path), content=path.read_text(encoding="utf-8")))

    d = diff(load("000"), load("003"), embedder=real_embedder)
    speaker = [f for f in d.changes("conflict") if f.kind == "speaker"]
    assert any("Kirby" in f.note and "Blinken" in f.note for f in speaker)
    assert any(f.kind == "number" and "thousand" in (f.a or "") and "11,000" in (f.b or "")
               for f in d.changes("conflict"))
    only_b = d.changes("only_b")
    assert any(f.kind == "date" and "January 9" in (f.b or "") for f in only_b)
    assert any("one-week" in (f.b or "") for f in only_b)
    assert any(name.startswith("Tuva") for name in d.names_only_b)
    # 001 gives the claim to "White House National Security Advisor John Kirby":
    # the person, not the office; its background months (troops arriving in
    # October, the incursion in August) are not dates of one thing
    d = diff(load("003"), load("001"), embedder=real_embedder)
    assert [(f.kind, f.note) for f in d.changes("conflict")] == [
        ("speaker", "the same claim is given to Antony Blinken in A and to John Kirby in B")]
    # 000 and 001 both give it to Kirby, and say nothing that conflicts
    assert diff(load("000"), load("001"), embedder=real_embedder).changes("conflict") == []


@pytest.mark.slow
def test_demo_planted_changes_hold_their_floor(real_embedder) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from diff_eval import evaluate

    figures = evaluate(real_embedder)
    print(f"demo: found {sum(figures.found.values())} of {sum(figures.planted.values())}, "
          f"equivalents flagged {figures.equivalents_flagged} of {figures.equivalents}, "
          f"conflicts planted {figures.conflicts_planted} of {figures.conflicts}")
    # Floors measured on the demo labels (28 of 28 found, 0 of 17 equivalents
    # flagged, 20 of 20 conflicts planted); raise them as the diff improves.
    # History: 25 of 28 and 17 of 22 before speakers were read past titles
    # and offices and a date conflict needed sentences that say one thing;
    # 26 of 28 and 18 of 18 before a value restated in the rewritten
    # sentence outranked the same value elsewhere; 27 of 28 and 19 of 19
    # before three-word quotes counted.
    assert figures.recall >= 0.95
    assert figures.equivalents_flagged <= 1
    assert figures.conflict_precision >= 0.9


def test_diff_command_json_follows_the_schema_and_html_is_standalone(tmp_path) -> None:
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from storytrace.cli import app

    case = CASES[0]
    (tmp_path / "a.txt").write_text(case["a"])
    hostile = '\nA reader wrote <script>alert("x")</script> here.\n'
    (tmp_path / "b.txt").write_text(case["b"] + hostile)
    html = tmp_path / "out" / "diff.html"
    result = CliRunner().invoke(app, ["diff", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"),
                                      "--model", "none", "--json", "--html", str(html),
                                      "--store", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "diff.schema.json")
                        .read_text())
    assert set(schema["required"]) <= set(data)
    assert data["schema"] == schema["properties"]["schema"]["const"]
    fact_schema = schema["properties"]["facts"]["items"]
    for fact in data["facts"]:
        assert set(fact_schema["required"]) <= set(fact)
        assert fact["status"] in fact_schema["properties"]["status"]["enum"]
    assert any(f["status"] == "conflict" and "40" in (f["a"] or "") for f in data["facts"])
    page = html.read_text()
    assert "<script>alert" not in page and "What changed" in page
    text = CliRunner().invoke(app, ["diff", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"),
                                    "--model", "none", "--store", str(tmp_path / "none.sqlite")])
    assert text.exit_code == 0 and "conflicts" in text.output


def test_who_said_it_and_which_claims_are_one(hashing) -> None:
    lead = "Varesian forces lost hundreds of soldiers near Kessing this winter."
    a = article(f"{lead}\nMore than 400 soldiers were wounded in a week, according to "
                "Defence Minister Ola Brandt.\nThe offensive began in August last year.")
    b = article(f"{lead}\nMore than 400 soldiers were wounded in a week, according to "
                "White House adviser John Kirby.\nTroops began arriving at the border in "
                "October, officials said.")
    d = diff(a, b, embedder=hashing)
    speaker = [f.note for f in d.changes("conflict") if f.kind == "speaker"]
    # after "according to", the person named, not the office before the name
    assert speaker == ["the same claim is given to Ola Brandt in A and to John Kirby in B"]
    # two months of two different things (an offensive, troops arriving): no date conflict
    assert not [f for f in d.changes("conflict") if f.kind == "date"]

    # "he said that ..." names what was said about, not the speaker; and one
    # week of training is not the same claim as a week of losses
    c = article(f"{lead}\nDefence Minister Ola Brandt visited the front.\nHe also said that "
                "some of Varesia's units had just one-week training.")
    e = article(f"{lead}\nMore than 400 soldiers were wounded in just one week, according "
                "to John Kirby.")
    assert not [f for f in diff(c, e, embedder=hashing).changes("conflict")
                if f.kind == "speaker"]


def test_a_changed_value_is_a_conflict_though_the_other_version_has_it_elsewhere(
    hashing,
) -> None:
    a = article("Storm Imogen swept across the Carrow coast on Saturday night, killing two "
                "people.\nForecasters had issued a red warning for the coast on Friday.\n"
                "About 85,000 homes lost power across the region.\nCrews said 80,000 homes "
                "were reconnected by the evening.")
    b = article("Storm Imogen swept across the Carrow coast on Friday night, killing two "
                "people.\nAbout 80,000 homes lost power across the region.")
    conflicts = {(f.kind, f.a, f.b) for f in diff(a, b, embedder=hashing).changes("conflict")}
    # the rewritten sentence changed its date and its count; that A names
    # Friday and 80,000 homes elsewhere (the warning, the reconnections) does
    # not make them the same claims
    assert ("date", "on Saturday", "on Friday") in {(k, x, y) for k, x, y in conflicts}
    assert any(k == "number" and "85,000" in x and "80,000" in y for k, x, y in conflicts)
    assert len(conflicts) == 2


def test_a_short_quote_given_to_someone_else_is_a_speaker_conflict(hashing) -> None:
    a = article("Dockworkers at the Port of Harrowgate walked out on Tuesday.\nAdaeze Kollmann, "
                "chief executive of the Harrowgate Port Authority, called the walkout regrettable "
                "and said the offer on the table was \"fair and affordable\".\nThe federation "
                "wants a 9 percent raise.")
    b = article("Dockworkers at the Port of Harrowgate walked out on Tuesday.\nThe federation "
                "wants a 9 percent raise.\nTransport Minister Lucan Ferreira described the "
                "offer as \"fair and affordable\" but urged both sides to accept mediation.")
    speaker = [f.note for f in diff(a, b, embedder=hashing).changes("conflict")
               if f.kind == "speaker"]
    # three quoted words are someone's words, and the same words wherever they
    # stand; the speaker is the person named, not the port in her title
    assert speaker == ["the same quote is given to Adaeze Kollmann in A and to Lucan Ferreira "
                       "in B"]

    # the person a sentence names before "said" speaks, not a place named
    # nearer the verb
    lead = "Floods cut off the valley on Monday."
    quote = "\"the water rose faster than anyone had planned for\""
    c = article(f"{lead}\nMayor Ines Olufsen, who has led North Kessing since 2019, said {quote}.")
    e = article(f"{lead}\nRegional governor Mathis Kerrigan said {quote}.")
    assert [f.note for f in diff(c, e, embedder=hashing).changes("conflict")] == [
        "the same quote is given to Ines Olufsen in A and to Mathis Kerrigan in B"]
