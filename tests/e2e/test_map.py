"""The map (/map/): every paper a point that opens its page, by pointer and by keyboard, with its
title shown on hover and on focus."""

from __future__ import annotations

import re

import pytest

from site_gen.build import load_catalog
from site_gen.project import Project
from tests.conftest import REPO_ROOT

expect = pytest.importorskip("playwright.sync_api").expect

POINTS = "svg.paper-map a"
TITLES = {paper.id: paper.title for paper in load_catalog(Project(REPO_ROOT)).papers}


def test_a_click_on_a_point_opens_its_paper(seed_page):
    page = seed_page("")
    # Through the navigation, as a reader comes: Material's instant navigation loads the map.
    page.get_by_role("navigation").get_by_role("link", name="Map", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/map/$"))
    expect(page.locator(POINTS)).to_have_count(len(TITLES))
    point = page.locator(POINTS).nth(10)
    paper_id = point.get_attribute("xlink:href").strip("/").split("/")[-1]
    point.hover()
    label = page.locator(".paper-map-label")
    expect(label).to_be_visible()
    expect(label).to_contain_text(TITLES[paper_id])
    point.click()
    expect(page).to_have_url(re.compile(rf"/papers/{re.escape(paper_id)}/$"))
    expect(page.locator("h1")).to_contain_text(TITLES[paper_id])


def test_tab_reaches_the_points_shows_their_titles_and_enter_opens_one(seed_page):
    page = seed_page("map/")
    page.get_by_role("link", name="Skip the map").focus()  # the last link before the map
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('xlink:href')") == page.locator(POINTS).first.get_attribute("xlink:href")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('xlink:href')")
    assert focused == page.locator(POINTS).nth(1).get_attribute("xlink:href")
    paper_id = focused.strip("/").split("/")[-1]
    label = page.locator(".paper-map-label")
    expect(label).to_be_visible()
    expect(label).to_have_text(re.compile(re.escape(TITLES[paper_id])))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/papers/{re.escape(paper_id)}/$"))


def test_the_label_hides_when_the_pointer_leaves(seed_page):
    page = seed_page("map/")
    page.locator(POINTS).nth(3).hover()
    expect(page.locator(".paper-map-label")).to_be_visible()
    page.locator("h1").hover()
    expect(page.locator(".paper-map-label")).to_be_hidden()


def test_the_focused_points_title_stays_when_the_pointer_passes_over_another(seed_page):
    page = seed_page("map/")
    points = page.locator(POINTS)
    points.nth(2).focus()
    label = page.locator(".paper-map-label")
    focused_title = points.nth(2).get_attribute("aria-label")
    points.nth(5).hover()
    page.locator("h1").hover()
    expect(label).to_be_visible()
    expect(label).to_have_text(focused_title)


def test_a_skip_link_passes_the_map(seed_page):
    page = seed_page("map/")
    page.get_by_role("link", name="Skip the map").click()
    expect(page).to_have_url(re.compile(r"#map-legend$"))
    # The legend takes the focus itself (tabindex -1), so the next Tab lands on its first link
    # whenever Material's instant navigation finishes the jump.
    expect(page.locator("#map-legend")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#map-legend a").first).to_be_focused()
