"""Dark mode, the phone layout (no sideways scrolling, a working menu and search) and screenshots
of the main pages for a person to look at."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import DESKTOP, PHONE, SCREENSHOT_DIR

expect = pytest.importorskip("playwright.sync_api").expect

PHONE_OPTIONS = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
PAGES = ["", "categories/", "categories/agent-memory/", "tags/", "tags/llm/", "papers/", "papers/galore/",
         "papers/ui-tars-2/", "about/", "contributing/", "404.html"]
SCREENSHOTS = {"home": "", "category": "categories/memory-efficient-training/", "paper": "papers/galore/"}


def content_heading(page):
    return page.locator("article.md-content__inner > h1")


def test_dark_mode_stays_on_across_navigation(seed_page):
    page = seed_page("", color_scheme="light")
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    page.locator("label[title='Switch to dark mode']").click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    dark_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark_background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")

    page.locator(".md-tabs__link", has_text="Categories").click()  # instant navigation
    expect(content_heading(page)).to_contain_text("Categories")
    expect(body).to_have_attribute("data-md-color-scheme", "slate")

    page.goto("papers/galore/")  # a full page load
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    other = page.context.new_page()  # another tab of the same browser
    other.goto("tags/")
    expect(other.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    assert other.evaluate("getComputedStyle(document.body).backgroundColor") == dark_background

    page.locator("label[title='Switch to light mode']").click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")


def test_phone_pages_do_not_scroll_sideways(seed_page):
    page = seed_page(None, **PHONE_OPTIONS)
    wide = []
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # abstracts too
        scroll_width, inner_width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        if scroll_width > inner_width:
            wide.append(f"/{path}: {scroll_width}px wide in a {inner_width}px viewport")
    assert not wide, "\n".join(wide)


def test_phone_menu_and_search_work(seed_page):
    page = seed_page("", **PHONE_OPTIONS)
    drawer = page.locator("nav.md-nav--primary")
    expect(drawer).not_to_be_in_viewport()
    page.locator("label.md-header__button[for='__drawer']").click()
    expect(drawer).to_be_in_viewport()
    drawer.locator("a.md-nav__link", has_text="About").click()
    expect(content_heading(page)).to_contain_text("About")
    expect(drawer).not_to_be_in_viewport()

    page.goto("categories/agent-memory/")  # the filters start folded, so papers are on the first screen
    toggle = page.get_by_role("button", name="Filter and sort")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("Search this list")).to_be_hidden()
    expect(page.locator(".paper-list .paper-title a").first).to_be_in_viewport()
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.get_by_label("Only papers with code").tap()
    expect(page.get_by_role("status")).not_to_have_text(re.compile(r"^(\d+) of \1 "))
    page.reload()  # a filtered link opens with the filters shown
    expect(page.get_by_label("Only papers with code")).to_be_visible()
    expect(page.get_by_label("Only papers with code")).to_be_checked()

    page.locator("label.md-header__button[for='__search']").click()
    box = page.locator(".md-search__input")
    expect(box).to_be_visible()
    box.press_sequentially("Cartridges")
    best = page.locator(".md-search-result__list > .md-search-result__item > a").first
    expect(best).to_contain_text("Cartridges: Lightweight")
    best.tap()
    expect(page).to_have_url(re.compile(r"/papers/cartridges/"))
    expect(content_heading(page)).to_contain_text("Cartridges: Lightweight")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots(seed_page, device, scheme):
    """Writes test-artifacts/screenshots/<page>-<device>-<scheme>.png for a person to look at."""
    options = {"viewport": DESKTOP} if device == "desktop" else PHONE_OPTIONS
    page = seed_page(None, color_scheme=scheme, **options)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for name, path in SCREENSHOTS.items():
        page.goto(path)
        expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate" if scheme == "dark" else "default")
        if name == "category":
            expect(page.get_by_role("status")).to_contain_text("papers shown")
        target = SCREENSHOT_DIR / f"{name}-{device}-{scheme}.png"
        page.screenshot(path=target)
        assert target.stat().st_size > 10_000
