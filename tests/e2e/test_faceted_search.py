"""Faceted search: the results narrowed by the category, tag, year and venue that paper pages mark
for Pagefind, with or without a query, by mouse and by keyboard, and a search linked with its filters."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from site_gen.names import venue_series
from tests.conftest import REPO_ROOT
from tests.e2e.browser import AXE_SCRIPT, axe_source
from tests.e2e.test_accessibility import RUN_AXE
from tests.e2e.test_search import COUNT, PAPERS, RESULTS, open_search, search

expect = pytest.importorskip("playwright.sync_api").expect

TAXONOMY = yaml.safe_load((REPO_ROOT / "papers" / "_taxonomy.yml").read_text(encoding="utf-8"))
CATEGORY_TITLES = {term["slug"]: term["title"] for term in TAXONOMY["categories"]}


def result_ids(page) -> list[str]:
    """The paper ids of every result of the search last run, after scrolling the list until all have loaded."""
    expect(page.locator(".md-search-result__list:not([aria-busy])")).to_have_count(1)
    count = int(page.locator(".md-search-result__meta").inner_text().split()[0])
    while page.locator(RESULTS).count() < count:
        page.locator(RESULTS).last.scroll_into_view_if_needed()
        page.wait_for_timeout(50)
    paths = [urlsplit(href).path for href in page.locator(RESULTS).evaluate_all("links => links.map(a => a.href)")]
    return [path.strip("/").split("/")[-1] for path in paths if "/papers/" in path]


def choose(page, name: str, label: str) -> None:
    toggle = page.locator(".paper-search-filters__toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    select = page.locator(f"select[data-filter={name}]")
    expect(select.locator("option")).not_to_have_count(1)  # the values have loaded
    value = select.locator("option", has_text=label).first.get_attribute("value")
    select.select_option(value)


def test_a_category_narrows_a_query_to_its_papers(seed_page):
    page = seed_page("")
    search(page, "memory")
    everything = int(page.locator(".md-search-result__meta").inner_text().split()[0])
    slug = PAPERS["agent-k"]["category"]
    choose(page, "category", CATEGORY_TITLES[slug])
    expect(page.locator(".md-search-result__meta")).not_to_have_text(f"{everything} matching documents")
    expect(page.locator(".md-search-result__meta")).to_have_text(COUNT)
    ids = result_ids(page)
    assert 0 < len(ids) < everything
    assert all(PAPERS[paper_id]["category"] == slug for paper_id in ids), ids


def test_filters_without_a_query_list_exactly_the_papers_they_match(seed_page):
    page = seed_page("")
    open_search(page)
    choose(page, "year", "2021")
    expect(page.locator(".md-search-result__meta")).to_have_text(COUNT)
    assert sorted(result_ids(page)) == sorted(paper_id for paper_id, paper in PAPERS.items() if paper["year"] == 2021)
    choose(page, "venue", "NeurIPS")
    expect(page.locator(".md-search-result__meta")).to_have_text(COUNT)
    expected = sorted(paper_id for paper_id, paper in PAPERS.items()
                      if paper["year"] == 2021 and venue_series(paper.get("venue") or "") == "NeurIPS")
    expect(page.locator(".md-search-result__meta")).to_have_text(f"{len(expected)} matching document" + ("s" if len(expected) != 1 else ""))
    assert sorted(result_ids(page)) == expected


def test_the_filter_values_count_their_papers(seed_page):
    page = seed_page("")
    open_search(page)
    page.locator(".paper-search-filters__toggle").click()
    options = page.locator("select[data-filter=tag] option")
    expect(options).not_to_have_count(1)
    tag_titles = {term["slug"]: term["title"] for term in TAXONOMY["tags"]}
    counts = Counter(tag_titles[tag] for paper in PAPERS.values() for tag in paper["tags"])
    shown = options.all_inner_texts()[1:]  # after "Any"
    assert sorted(shown) == sorted(f"{title} ({count})" for title, count in counts.items())
    assert shown == sorted(shown, key=str.casefold)  # A-Z, as the reader's language sorts them
    years = page.locator("select[data-filter=year] option").all_inner_texts()[1:]
    assert [int(text.split()[0]) for text in years] == sorted({paper["year"] for paper in PAPERS.values()}, reverse=True)


def test_a_linked_search_opens_with_its_query_and_filters(seed_page):
    slug = PAPERS["galore"]["category"]
    page = seed_page("")
    search(page, "low rank")
    choose(page, "category", CATEGORY_TITLES[slug])
    link = page.locator(".paper-search-filters__link")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert parse_qs(urlsplit(href).query) == {"q": ["low rank"], "category": [CATEGORY_TITLES[slug]]}
    expected = result_ids(page)
    other = seed_page("papers/galore/?" + urlsplit(href).query)
    expect(other.locator("#__search")).to_be_checked()
    expect(other.locator("select[data-filter=category]")).to_have_value(CATEGORY_TITLES[slug])
    expect(other.locator(".md-search-result__meta")).to_have_text(COUNT)
    assert result_ids(other) == expected and "galore" in expected


def test_keyboard_only_reader_narrows_a_search_and_opens_a_paper(seed_page):
    page = seed_page("")
    search(page, "memory")
    page.keyboard.press("Tab")  # from the query to the filters: search stays open
    expect(page.locator(".paper-search-filters__toggle")).to_be_focused()
    expect(page.locator("#__search")).to_be_checked()
    page.keyboard.press("Enter")
    select = page.locator("select[data-filter=category]")
    expect(select.locator("option")).not_to_have_count(1)
    page.keyboard.press("Tab")
    expect(select).to_be_focused()
    title = CATEGORY_TITLES[PAPERS["agent-k"]["category"]]
    select.select_option(title)  # what the arrow keys do in a focused list of options
    expect(page.locator(".md-search-result__meta")).to_have_text(COUNT)
    expect(page.locator("#__search")).to_be_checked()
    first = result_ids(page)[0]
    page.locator(".md-search__input").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{page.url.split('papers/')[0].split('?')[0].rstrip('/')}/papers/{first}/")
    page.keyboard.press("Escape")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_filters_have_no_serious_accessibility_violations(seed_page, scheme):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make install` (npm ci)")
    page = seed_page("", color_scheme=scheme)
    search(page, "memory")
    choose(page, "category", CATEGORY_TITLES[PAPERS["agent-k"]["category"]])
    result_ids(page)
    page.add_script_tag(content=axe_source())
    found = [f"{v['id']} [{v['impact']}] {v['help']}: {v['nodes']}" for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]
    assert not found, "\n".join(found)
