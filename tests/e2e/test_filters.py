"""Filters and sorting on listings: the rows a reader sees change correctly, the state is in the URL
(shareable, survives a reload), and without JavaScript the page is the plain list."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.browser import listing_text, newest_first, seed_papers, venue_name

expect = pytest.importorskip("playwright.sync_api").expect

CATEGORY = "agent-memory"


def titles(papers) -> list[str]:
    return [paper["title"] for paper in papers]


def visible_titles(page) -> list[str]:
    return page.locator(".paper-list .paper-title a").filter(visible=True).all_inner_texts()


def visible_years(page) -> list[str]:
    return [text.removesuffix("¶").strip() for text in page.locator(".paper-list h2").filter(visible=True).all_inner_texts()]


def visible_toc_years(page) -> list[str]:
    return [text.strip() for text in page.locator(".md-sidebar--secondary .md-nav__link").filter(visible=True).all_inner_texts()]


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.fixture
def category_papers() -> list[dict]:
    return newest_first(p for p in seed_papers() if p["category"] == CATEGORY)


def test_year_range_code_and_title_sort_survive_a_reload_and_a_shared_link(seed_page, seed_server, category_papers):
    total = len(category_papers)
    page = seed_page(f"categories/{CATEGORY}/")
    status = page.get_by_role("status")
    expect(status).to_have_text(f"{total} of {total} papers shown")
    assert visible_titles(page) == titles(category_papers)

    page.get_by_label("From year").select_option("2024")
    page.get_by_label("To year").select_option("2025")
    page.get_by_label("Only papers with code").check()
    expected = [p for p in category_papers if 2024 <= p["year"] <= 2025 and p.get("code")]
    assert 2 <= len(expected) < total
    expect(status).to_have_text(f"{len(expected)} of {total} papers shown")
    assert visible_titles(page) == titles(expected)
    years = sorted({str(p["year"]) for p in expected}, reverse=True)
    assert visible_years(page) == years  # headings of years with no paper left are hidden
    assert visible_toc_years(page) == years  # and so are their links in the table of contents

    page.get_by_label("Sort by").select_option(label="Title A–Z")
    by_title = sorted(expected, key=lambda p: p["title"].casefold())
    assert visible_titles(page) == titles(by_title)
    assert visible_years(page) == []
    assert query(page) == {"from": ["2024"], "to": ["2025"], "code": ["1"], "sort": ["title-asc"]}

    page.reload()
    expect(status).to_have_text(f"{len(expected)} of {total} papers shown")
    assert visible_titles(page) == titles(by_title)
    expect(page.get_by_label("From year")).to_have_value("2024")
    expect(page.get_by_label("To year")).to_have_value("2025")
    expect(page.get_by_label("Only papers with code")).to_be_checked()
    expect(page.get_by_label("Sort by")).to_have_value("title-asc")

    shared = seed_page(page.url.removeprefix(seed_server.base_url))  # a fresh browser profile
    expect(shared.get_by_role("status")).to_have_text(f"{len(expected)} of {total} papers shown")
    assert visible_titles(shared) == titles(by_title)

    page.get_by_label("Sort by").select_option(label="Oldest first")
    assert visible_titles(page) == titles(sorted(expected, key=lambda p: (p["year"], p["title"].lower())))
    assert visible_years(page) == years[::-1]

    page.get_by_role("button", name="Clear filters").click()
    expect(status).to_have_text(f"{total} of {total} papers shown")
    assert visible_titles(page) == titles(category_papers)
    assert query(page) == {}


def test_venue_and_text_filters(seed_page, category_papers):
    total = len(category_papers)
    page = seed_page(f"categories/{CATEGORY}/")
    venues = Counter(venue_name(p["venue"]) for p in category_papers if p.get("venue"))
    venue, count = venues.most_common(1)[0]
    assert count >= 2
    page.locator(".md-content").get_by_label("Venue").select_option(venue)
    expected = [p for p in category_papers if p.get("venue") and venue_name(p["venue"]) == venue]
    expect(page.get_by_role("status")).to_have_text(f"{len(expected)} of {total} papers shown")
    assert visible_titles(page) == titles(expected)
    assert query(page) == {"venue": [venue]}

    preprints = [p for p in category_papers if not p.get("venue")]
    page.locator(".md-content").get_by_label("Venue").select_option(label=f"No venue listed ({len(preprints)})")
    expect(page.get_by_role("status")).to_have_text(f"{len(preprints)} of {total} papers shown")
    assert visible_titles(page) == titles(preprints)

    page.locator(".md-content").get_by_label("Venue").select_option("")
    page.get_by_label("Search this list").fill("memory agents")  # every word, in any field
    expected = [p for p in category_papers if "memory" in listing_text(p) and "agents" in listing_text(p)]
    assert 0 < len(expected) < total
    expect(page.get_by_role("status")).to_have_text(f"{len(expected)} of {total} papers shown")
    assert visible_titles(page) == titles(expected)
    assert query(page) == {"text": ["memory agents"]}

    page.get_by_label("Search this list").fill("no paper has this zzzz")
    expect(page.get_by_role("status")).to_have_text(f"0 of {total} papers shown")
    assert visible_titles(page) == [] and visible_years(page) == []


def test_all_papers_table_sorts_by_header_and_keeps_it_in_the_url(seed_page):
    papers = newest_first(seed_papers())
    with_code = [p for p in papers if p.get("code")]
    page = seed_page("papers/?code=1")
    expect(page.get_by_role("status")).to_have_text(f"{len(with_code)} of {len(papers)} papers shown")
    rows = page.locator(".paper-table tbody tr").filter(visible=True)

    year = page.locator(".paper-table th", has_text="Year")
    year.click()  # tablesort: ascending first
    expect(year).to_have_attribute("aria-sort", "ascending")
    oldest_first = sorted(with_code, key=lambda p: (p["year"], p["title"].lower()))
    assert rows.locator("td:first-child").all_inner_texts() == titles(oldest_first)
    assert query(page) == {"code": ["1"], "sort": ["year-asc"]}
    expect(page.get_by_label("Sort by")).to_have_value("year-asc")

    venue = page.locator(".paper-table th", has_text="Venue")
    venue.focus()
    page.keyboard.press("Enter")  # headers are keyboard-operable
    expect(venue).to_have_attribute("aria-sort", "ascending")
    expect(year).not_to_have_attribute("aria-sort", re.compile("."))
    assert query(page)["sort"] == ["venue-asc"]
    expect(page.get_by_label("Sort by")).to_have_value("venue-asc")
    shown = rows.locator("td:nth-child(4)").all_inner_texts()
    assert shown == sorted(shown, key=str.lower)

    page.reload()
    expect(page.locator(".paper-table th", has_text="Venue")).to_have_attribute("aria-sort", "ascending")
    assert rows.locator("td:nth-child(4)").all_inner_texts() == shown

    page.get_by_label("Search this list").fill("galore")
    expect(page.get_by_role("status")).to_have_text(f"2 of {len(papers)} papers shown")
    assert sorted(rows.locator("td:first-child").all_inner_texts()) == sorted(
        p["title"] for p in with_code if "galore" in p["title"].lower())


def test_without_javascript_the_listing_is_the_plain_list(seed_page, category_papers):
    page = seed_page(f"categories/{CATEGORY}/", java_script_enabled=False)
    expect(page.locator(".paper-filters")).to_have_count(0)
    assert visible_titles(page) == titles(category_papers)
    assert len(visible_years(page)) == len({p["year"] for p in category_papers})
