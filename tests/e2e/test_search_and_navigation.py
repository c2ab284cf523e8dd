"""A reader finds papers by browsing home -> category -> paper -> tag (search: test_search.py)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import listing_text, seed_papers

expect = pytest.importorskip("playwright.sync_api").expect

PAPERS = {paper["id"]: paper for paper in seed_papers()}


def heading(page) -> str:
    """The page's h1 as a reader sees it (without the hidden permalink sign)."""
    return page.locator("article.md-content__inner > h1").inner_text().removesuffix("¶").strip()


def expect_paper_page(page, paper_id: str) -> None:
    title = PAPERS[paper_id]["title"]
    expect(page).to_have_url(re.compile(rf"/papers/{re.escape(paper_id)}/"))
    expect(page.locator("article.md-content__inner > h1")).to_contain_text(title)
    assert heading(page) == title


def test_home_to_category_to_paper_to_tag_page(seed_page):
    page = seed_page("")
    expect(page.locator("article.md-content__inner > h1")).to_contain_text("Memory in Machine Learning")
    page.locator("article.md-content__inner .grid.cards a", has_text="Memory-efficient training").click()
    expect(page).to_have_url(re.compile(r"/categories/memory-efficient-training/$"))
    expect(page.locator("article.md-content__inner > h1")).to_contain_text("Memory-efficient training & optimizers")

    # Reached by instant navigation (no page load): the filters are set up all the same.
    category = [p for p in PAPERS.values() if p["category"] == "memory-efficient-training"]
    with_code = [p for p in category if p.get("code")]
    expect(page.get_by_role("status")).to_have_text(f"{len(category)} of {len(category)} papers shown")
    page.get_by_label("Only papers with code").check()
    expect(page.get_by_role("status")).to_have_text(f"{len(with_code)} of {len(category)} papers shown")

    page.locator(".paper-entry .paper-title a", has_text="GaLore: Memory-Efficient LLM Training").click()
    expect_paper_page(page, "galore")
    page.go_back()  # the filtered list comes back
    expect(page.get_by_role("status")).to_have_text(f"{len(with_code)} of {len(category)} papers shown")
    expect(page.get_by_label("Only papers with code")).to_be_checked()
    page.go_forward()
    expect_paper_page(page, "galore")

    page.locator("article.md-content__inner a.tag-chip", has_text="Low-rank methods").click()
    expect(page).to_have_url(re.compile(r"/tags/low-rank/$"))
    expect(page.locator("article.md-content__inner > h1")).to_contain_text("Tag: Low-rank methods")
    expect(page.locator(".paper-entry .paper-title a", has_text=PAPERS["galore"]["title"])).to_be_visible()
    low_rank = [p for p in PAPERS.values() if "low-rank" in p["tags"]]
    expect(page.locator(".paper-entry")).to_have_count(len(low_rank))


def test_keyboard_only_reader_filters_and_opens_a_paper(seed_page):
    page = seed_page("categories/agent-memory/")
    box = page.get_by_label("Search this list")
    for _ in range(150):  # Tab through the header, the navigation and the page
        page.keyboard.press("Tab")
        if box.evaluate("el => el === document.activeElement"):
            break
    expect(box).to_be_focused()
    page.keyboard.type("reinforcement")
    page.keyboard.press("Tab")  # From year
    page.keyboard.press("Tab")  # To year
    page.keyboard.press("Tab")  # Venue
    page.keyboard.press("Tab")  # Sort
    page.keyboard.press("Tab")  # Only papers with code
    expect(page.get_by_label("Only papers with code")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("Only papers with code")).to_be_checked()
    category = [p for p in PAPERS.values() if p["category"] == "agent-memory"]
    expected = [p for p in category if p.get("code") and "reinforcement" in listing_text(p)]
    assert expected, "the seed list has an agent-memory paper with code about reinforcement learning"
    expect(page.locator(".paper-filters__status")).to_have_text(f"{len(expected)} of {len(category)} papers shown")

    for _ in range(40):  # on to the first paper still shown
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.paper-title a')"):
            break
    title = page.evaluate("document.activeElement.textContent")
    assert title in {p["title"] for p in expected}
    page.keyboard.press("Enter")
    expect_paper_page(page, next(p["id"] for p in expected if p["title"] == title))
