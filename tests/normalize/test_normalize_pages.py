"""Scraped pages of one made-up site, and HTML pages: body, metadata, boilerplate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from normalize_helpers import FIXTURES, gazette

from storytrace.errors import InputError
from storytrace.model import Article, Failure, RawDocument
from storytrace.normalize import SiteBoilerplate, normalize, normalize_batch, page_lines

STORIES = ["ferry.txt", "pears.txt", "library.txt"]
COPIES = ["trains_mar5.txt", "trains_mar9.txt", "trains_mar12.txt"]
BLURB = "Lantern Ridge Gazette is a reader-supported newsroom"
TEMPLATE_NEEDLES = [
    "•",
    "FacebookTwitter",
    "previous post",
    "You may also like",
    "mailing list",
    "Latest",
    "Categories",
    "Disclaimer",
    "Copyright",
    "All Rights Reserved",
    "appeared on",
]
TRAIN_PARAGRAPHS = [
    "The Mell Valley rail line will run two night trains",
    "The last train from Lantern Ridge",
    "Transport director Felix Amara",
    '"Young people told us',
    "Pub and restaurant owners",
]


def raw(name: str, **meta: str) -> RawDocument:
    return RawDocument(origin=name, content=gazette(name), **meta)  # type: ignore[arg-type]


def only_articles(items: list[Article | Failure]) -> list[Article]:
    assert all(isinstance(item, Article) for item in items), items
    return [item for item in items if isinstance(item, Article)]


def assert_no_template(article: Article) -> None:
    for needle in TEMPLATE_NEEDLES:
        assert needle not in article.body, needle
    assert "March 4, 2025" not in article.paragraphs


# -- one page: in-page evidence ---------------------------------------------


def test_single_page_body_title_and_credit() -> None:
    article = normalize(raw("ferry.txt"))
    assert article.title == "Ferry service to Skerry Island resumes after three-day storm"
    assert article.claimed_source == "harborwire.example"
    assert article.published == datetime(2025, 3, 4)
    assert article.author is None  # "by March 4, 2025" names nobody
    assert article.paragraphs[0].startswith("The ferry between Port Aldwin")
    assert "Repairs at the pier" in article.paragraphs  # a subheading stays
    assert_no_template(article)
    assert "Council delays vote on new parking fees" not in article.body
    assert "Valley bakery wins county bread prize" not in article.body
    assert article.title not in article.paragraphs
    assert len(article.sentences) >= 8


def test_single_page_cannot_see_site_prose() -> None:
    # The site's blurb is prose right after the story: a page alone cannot
    # tell it from the story. Other pages of the site can (next tests).
    article = normalize(raw("ferry.txt"))
    assert BLURB in article.body


def test_boilerplate_records_what_was_removed() -> None:
    article = normalize(raw("pears.txt"))
    assert "FacebookTwitterLinkedInEmail" in article.boilerplate
    assert "You may also like" in article.boilerplate
    assert not set(article.paragraphs) & set(article.boilerplate)


# -- across pages -------------------------------------------------------------


def test_site_template_around_different_stories_is_stripped() -> None:
    articles = only_articles(normalize_batch([raw(n) for n in STORIES]))
    for article in articles:
        assert BLURB not in article.body
        assert any(line.startswith(BLURB) for line in article.boilerplate)
        assert_no_template(article)
    assert articles[0].paragraphs[-1].startswith("The storm also cut power")
    assert articles[1].paragraphs[-1] == "The cooperative will publish its full report in April."
    assert articles[2].paragraphs[-1] == "The council will review the hours after six months."


def test_pages_share_a_template_key_without_site_or_url() -> None:
    keys = {page_lines(raw(n))[0] for n in STORIES + COPIES}
    assert len(keys) == 1
    assert keys.pop().startswith("template:")


def test_site_and_host_key_the_evidence() -> None:
    assert page_lines(raw("ferry.txt", site="Gazette"))[0] == "gazette"
    url = "https://www.lanternridgegazette.example/local/ferry"
    assert page_lines(raw("ferry.txt", url=url))[0] == "lanternridgegazette.example"


def test_verbatim_copies_keep_their_body() -> None:
    # One story posted three times among the site's other stories: its lines
    # are on min_pages pages, but all of them carry the same story.
    evidence = SiteBoilerplate(min_pages=3)
    items = normalize_batch([raw(n) for n in STORIES + COPIES], evidence)
    copies = only_articles(items)[len(STORIES) :]
    for article in copies:
        assert len(article.paragraphs) == len(TRAIN_PARAGRAPHS)
        for paragraph, start in zip(article.paragraphs, TRAIN_PARAGRAPHS, strict=True):
            assert paragraph.startswith(start)
        assert BLURB not in article.body  # the template still goes
        assert_no_template(article)
    assert len({a.body for a in copies}) == 1
    # ...but three pages are three articles (a copy is what users look for),
    # and the same page read again is the same article.
    assert len({a.id for a in copies}) == 3
    again = only_articles(normalize_batch([raw(COPIES[0])], evidence))[0]
    assert again.id == copies[0].id
    # The plain rule, blind to stories, would have taken the body.
    site = page_lines(raw(COPIES[0]))[0]
    assert evidence.is_boilerplate(site, copies[0].paragraphs[0])
    assert not evidence.is_boilerplate(site, copies[0].paragraphs[0], _story(COPIES[0]))


def test_copy_posted_twice_keeps_body_at_min_pages_two() -> None:
    evidence = SiteBoilerplate(min_pages=2)
    names = ["ferry.txt", "trains_mar5.txt", "trains_mar9.txt"]
    articles = only_articles(normalize_batch([raw(n) for n in names], evidence))
    for article in articles[1:]:
        assert len(article.paragraphs) == len(TRAIN_PARAGRAPHS)
        assert BLURB not in article.body


MAYORS = ["Mayor Ada Quill", "Mayor Ben Roth", "Mayor Cass Uhl", "Mayor Dov Ide"]


def test_site_prose_before_the_story_does_not_make_stories_alike() -> None:
    # The site's own prose opens every page, so it is every page's first
    # prose paragraph: pages must still count as different stories.
    intro = (
        "Welcome back to the Valley Desk, where our reporters bring you the towns' news each day."
    )
    stories = [
        f"The {town} council voted on Monday to {act}, ending months of debate in the town hall."
        for town, act in [
            ("Amberfold", "close the old swimming pool"),
            ("Brightwater", "build a new fire station"),
            ("Corrie", "ban cars from the high street"),
            ("Dunmere", "raise parking fees by a tenth"),
        ]
    ]
    pages = [
        RawDocument(
            f"p{i}", f"{intro}\n{story}\n{MAYORS[i]} said it was overdue.\n{BLURB}, truly.\n"
        )
        for i, story in enumerate(stories)
    ]
    articles = only_articles(normalize_batch(pages, SiteBoilerplate(min_pages=3)))
    for i, (article, story) in enumerate(zip(articles, stories, strict=True)):
        assert article.paragraphs == [story, f"{MAYORS[i]} said it was overdue."]


def test_same_page_twice_counts_once() -> None:
    evidence = SiteBoilerplate()
    site, hashes = page_lines(raw("ferry.txt"))
    assert evidence.observe_hashes(site, hashes)
    assert not evidence.observe_hashes(site, hashes)
    assert max(pages for _, _, pages in evidence.to_rows()) == 1


def test_observe_lines_matches_page_lines() -> None:
    a, b = SiteBoilerplate(), SiteBoilerplate()
    a.observe("s", gazette("ferry.txt").splitlines())
    b.observe_hashes("s", page_lines(raw("ferry.txt"))[1])
    assert sorted(a.to_rows()) == sorted(b.to_rows())


def test_rows_round_trip_like_the_store() -> None:
    evidence = SiteBoilerplate()
    only_articles(normalize_batch([raw(n) for n in STORIES + COPIES], evidence))
    rows = list(evidence.to_rows())
    assert all(isinstance(s, str) and len(h) == 8 and n >= 1 for s, h, n in rows)
    # The store keeps rows seen on two pages or more; that is enough.
    restored = SiteBoilerplate.from_rows((r for r in rows if r[2] >= 2), min_pages=3)
    fresh = normalize(raw("library.txt"), restored)
    assert BLURB not in fresh.body
    copy = normalize(raw("trains_mar5.txt"), restored)
    assert len(copy.paragraphs) == len(TRAIN_PARAGRAPHS)
    assert len(restored) <= len(evidence)


def test_global_pool_for_pages_of_unknown_site() -> None:
    evidence = SiteBoilerplate(min_pages=2)
    for text in ("First story here. It is long enough.", "Second story, other words."):
        evidence.observe(None, [text, "Share this article"])
    assert evidence.is_boilerplate(None, "Share this article")
    assert evidence.is_boilerplate("", "share THIS article")
    assert not evidence.is_boilerplate("elsewhere.example", "Share this article")


def _story(name: str) -> list[bytes]:
    return page_lines(raw(name))[1][-2:]  # the lede and longest-paragraph keys


# -- HTML --------------------------------------------------------------------


def html(name: str, **meta: str) -> RawDocument:
    content = (FIXTURES / name).read_text(encoding="utf-8")
    return RawDocument(origin=name, content=content, content_type="html", **meta)  # type: ignore[arg-type]


def test_html_article_and_metadata() -> None:
    article = normalize(html("article.html", url="https://mirror.example/trains?ref=1"))
    assert article.title == "Valley rail line to add night trains from June"
    assert article.canonical_url == "https://lanternridgegazette.example/local/night-trains"
    assert article.url == "https://mirror.example/trains?ref=1"
    assert article.site == "Lantern Ridge Gazette"
    assert article.author == "Ines Okafor"
    assert article.published is not None
    assert article.published.astimezone(UTC) == datetime(2025, 3, 5, 7, 30, tzinfo=UTC)
    assert article.dateline == "LANTERN RIDGE, March 5 (Harbor Wire)"
    assert article.claimed_source == "Harbor Wire"
    assert article.end_slug == "(Reporting by Ines Okafor; Editing by Tom Brandt)"
    assert article.paragraphs[0].startswith("The Mell Valley rail line")
    assert "Pubs hope for customers" in article.paragraphs
    assert "\n\n" in article.body
    assert '"Young people' in article.body  # curly quotes straightened
    assert "£1.2 million" in article.body  # entities decoded
    assert "10:40 p.m." in article.body  # &nbsp; is a space
    for needle in ("Home", "Markets", "About time", "Bus fares", "Copyright", "comments"):
        assert needle not in article.body


def _transfer_page(canonical: str) -> str:
    prose = (
        "FC Ostenfeld signed the striker Nikolai Brandeis for a club record fee on Monday, "
        "the club said in a statement after a medical at its training ground. "
        "The forward joins on a five-year contract and will wear the number nine shirt."
    )
    return (
        f'<html><head><title>Ostenfeld sign Brandeis</title>'
        f'<link rel="canonical" href="{canonical}"></head><body><article>'
        f"<h1>Ostenfeld sign Brandeis</h1><p>{prose}</p>"
        f"<p>Coach Luuk Verhaar said the signing showed the club's ambition this season.</p>"
        f"</article></body></html>"
    )


def test_a_repost_that_credits_its_original_by_canonical_url_is_a_version_of_its_own() -> None:
    page = _transfer_page("https://pitchside.example/2026/02/02/brandeis")
    # the same page read from two places (a mirror layout names the site) is one article
    first = normalize(RawDocument("a/pitchside.example/p.html", page, "html",
                                  site="pitchside.example"))
    again = normalize(RawDocument("b/pitchside.example/p.html", page, "html",
                                  site="pitchside.example"))
    assert first.id == again.id
    assert first.claimed_source is None
    # an aggregator's copy pointing its canonical at the original: another version,
    # which says where its text comes from
    repost = normalize(RawDocument("newsfold.example/brandeis.html", page, "html",
                                   site="newsfold.example"))
    assert repost.id != first.id
    assert repost.body == first.body
    assert repost.claimed_source == "pitchside.example"
    # another host of the page's own outlet is its own address
    amp = normalize(RawDocument("amp", page, "html", url="https://amp.pitchside.example/b"))
    assert amp.claimed_source is None


def test_html_without_article_fails() -> None:
    with pytest.raises(InputError) as caught:
        normalize(html("nav_only.html"))
    assert caught.value.reason == "no article text found"
    assert caught.value.origin == "nav_only.html"


@pytest.mark.parametrize("markup", ["", "<html></html>", "<<<>>>", "<p>Hi</p>", "\x00\x01"])
def test_html_junk_fails_cleanly(markup: str) -> None:
    with pytest.raises(InputError):
        normalize(RawDocument("junk", markup, "html"))


def test_html_fragment_from_a_record() -> None:
    fragment = "<p>City council approves new bike lanes on Elm Street.</p>"
    article = normalize(RawDocument("rec", fragment, "html", title="Bike lanes"))
    assert article.body == "City council approves new bike lanes on Elm Street."
    assert article.title == "Bike lanes"


def test_batch_reports_failures_in_order() -> None:
    items = normalize_batch([html("article.html"), html("nav_only.html"), raw("pears.txt")])
    assert isinstance(items[0], Article)
    assert items[1] == Failure("nav_only.html", "no article text found")
    assert isinstance(items[2], Article)


# -- metadata precedence and ids ---------------------------------------------


def test_input_metadata_wins_and_id_is_stable() -> None:
    doc = raw(
        "library.txt",
        title="Given title",
        site="Gazette",
        author="Priya Moss",
        published="2025-03-03T09:00:00+00:00",
        url="https://gazette.example/library",
    )
    first, second = normalize(doc), normalize(doc)
    assert first == second
    assert first.title == "Given title"
    assert first.site == "Gazette"
    assert first.author == "Priya Moss"
    assert first.published == datetime(2025, 3, 3, 9, tzinfo=UTC)
    other_url = normalize(raw("library.txt", url="https://copy.example/library"))
    assert other_url.id != first.id
    assert other_url.site == "copy.example"


def test_plain_text_without_prose_fails() -> None:
    with pytest.raises(InputError, match="no article text found"):
        normalize(RawDocument("menu.txt", "Home\nWorld\nBusiness\n\nJanuary 3, 2025\n"))


# -- never anything but an article or an InputError --------------------------

PAGEISH = st.lists(
    st.one_of(
        st.sampled_from(["", "• Home", "January 3, 2025", "Share", "0", "###", "END/AB/"]),
        st.text(max_size=120),
        st.just("Rail workers walked out on Monday over pay and hours, unions said."),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(PAGEISH, st.sampled_from(["text", "html"]))
def test_normalize_is_total(content: str, kind: str) -> None:
    doc = RawDocument("any", content, kind)  # type: ignore[arg-type]
    try:
        article = normalize(doc)
    except InputError as error:
        assert error.reason == "no article text found"
        return
    assert article.body
    assert article.body == article.body.strip()
    assert "\n\n\n" not in article.body
    assert article.sentences
