from __future__ import annotations

from datetime import date

from storytrace.fingerprint.facts import (
    extract_dates,
    extract_entities,
    extract_facts,
    extract_quantities,
)


def _q(text):
    return [(q.value, q.op, q.unit) for q in extract_quantities(text)]


def test_hedges_and_word_numbers_normalize():
    assert _q("over a thousand troops were sent") == [(1000.0, ">", "troop")]
    assert _q("more than 1,000 troops were sent") == [(1000.0, ">", "troop")]
    assert _q("some 11,000 Varesian troops are deployed") == [(11000.0, "~", "troop")]
    assert _q("nearly three years ago")[0][:2] == (3.0, "<")


def test_currency_units():
    assert _q("a grant of $30 billion")[0] == (3e10, "=", "usd")
    assert _q("a grant of 30bn dollars")[0] == (3e10, "=", "usd")
    assert _q("costs rose 12% last year")[0] == (12.0, "=", "%")


def test_years_and_dates_are_not_quantities():
    assert _q("the mill opened in 1962 and on January 20 it closed") == []


def test_absolute_and_relative_dates():
    pub = date(2025, 1, 11)  # a Saturday
    keys = {d.key for d in extract_dates("Talks resume on January 20. It rained on Thursday.", pub)}
    assert {"2025-01-20", "2025-01-09"} <= keys
    assert {d.key for d in extract_dates("He arrived on Saturday.")} == {"wd5"}
    assert "2024-12" in {d.key for d in extract_dates("Troops arrived in December.", pub)}


def test_an_announced_weekday_is_the_coming_one():
    pub = date(2026, 3, 2)  # a Monday

    def day(text: str) -> list[str]:
        return [d.key for d in extract_dates(text, pub)]

    assert day("The board will meet on Thursday.") == ["2026-03-05"]
    assert day("The board met on Thursday.") == ["2026-02-26"]
    assert day("The vote is scheduled for Wednesday.") == ["2026-03-04"]
    assert day("They'll announce it on Monday.") == ["2026-03-02"]  # today
    # The weekday the thing was said is past; the one it announces is ahead.
    assert day("The company said on Monday it will cut 500 jobs by Friday.") == [
        "2026-03-02", "2026-03-06"
    ]
    # Past forms, the causal "due to", another clause: the past day.
    assert day("The vote, which was due on Friday, was postponed.") == ["2026-02-27"]
    assert day("Flights were cancelled due to storms on Sunday.") == ["2026-03-01"]
    assert day("He will be remembered, his family said on Sunday.") == ["2026-03-01"]


def test_short_names_join_full_names():
    text = (
        "Mayor Elsa Varnholt opened the bridge.\n"
        "Later, Varnholt said the Northfield Rescue Service had helped."
    )
    names = {e.name: e for e in extract_entities(text)}
    assert "Varnholt" not in names
    assert names["Elsa Varnholt"].mentions == 2
    assert names["Elsa Varnholt"].kind == "person"
    assert names["Northfield Rescue Service"].kind == "org"


def test_titles_and_possessives_are_not_part_of_names():
    text = "The mayor of Marrowby's council met Foreign Minister Ola Brandt."
    names = {e.name for e in extract_entities(text)}
    assert "Ola Brandt" in names and "Marrowby" in names


def test_quote_speaker_uses_full_name():
    text = (
        'Officials named Tomas Quillfeather as the winner. "The starter is older than me," '
        "Quillfeather said on Saturday."
    )
    facts = extract_facts(text)
    assert facts.quotes[0].speaker == "Tomas Quillfeather"


def test_name_edges_keep_new_and_drop_clock_and_weekday_words():
    names = {
        e.name
        for e in extract_entities(
            "New York police said on Friday that Microsoft Wednesday issued a fix. "
            "Early Friday morning, at 1:30 AM PDT, Lindsay Lohan arrived. New research "
            "shows the New Orleans Saints won."
        )
    }
    assert {"New York", "Lindsay Lohan", "New Orleans Saints", "Microsoft"} <= names
    assert not names & {"York", "AM PDT", "Early Friday", "Microsoft Wednesday"}


def test_a_hyphened_measure_is_the_unit():
    # "a 48-hour strike" lasts 48 hours; it is not 48 strikes
    assert _q("Dockworkers began a 48-hour strike on Wednesday") == [(48.0, "=", "hour")]
    assert _q("the 30-year concession for the toll road")[0] == (30.0, "=", "year")
    assert _q("The 27-year-old signed on Monday")[0][2] == "year-old"  # an age, as before
    assert _q("F-16 jets") == []


def test_a_month_after_to_or_through_is_a_date():
    pub = date(2026, 2, 12)
    keys = {d.key for d in extract_dates("Prices rose 4.1 percent in the year to January.", pub)}
    assert "2026-01" in keys


def test_quote_speakers_follow_news_attribution():
    text = (
        "Ostenfeld signed the striker on Monday.\n"
        '"Nikolai is exactly the forward we have been looking for," said Ostenfeld head coach '
        'Luuk Verhaar. "He will make us better from the first day."\n'
        'Brandeis said he wanted to play "for a club that wants to win the league".\n'
        '"We acted within the law," Olufsen said. Kirby disagreed: "The concession was '
        'handed out without any tender."\n'
        '"The water is still rising in the lower town." Mayor Ada Lind visited on Sunday.'
    )
    speakers = {" ".join(q.text.split()[:2]): q.speaker for q in extract_facts(text).quotes}
    # past a title ("head coach") to the name
    assert speakers["Nikolai is"] == "Luuk Verhaar"
    # a quote that goes on in the speaker's next sentence is still theirs
    assert speakers["He will"] == "Luuk Verhaar"
    assert speakers["for a"] == "Brandeis"
    assert speakers["We acted"] == "Olufsen"
    # someone else speaks between the two quotes: not Olufsen's
    assert speakers["The concession"] is None
    # a quote closed by a full stop ends its sentence: the next one does not attribute it
    assert speakers["The water"] is None
