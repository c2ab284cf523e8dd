"""Fixtures for the browser tests: the seed site and a hostile list, each built once per session
and served by a real HTTP server on 127.0.0.1, and pages of the system's Chromium-based browser whose problems
(console errors, script errors, failed requests, dialogs) fail the test that opened them."""

from __future__ import annotations

import os

import pytest

from tests.conftest import PaperList
from tests.e2e.browser import CHROMIUM_ARGS, DESKTOP, Problems, SiteServer, find_browser, missing_browser_message
from tests.e2e.hostile import write_hostile_list
from tests.sitebuild import build_site, copy_repository_list


@pytest.fixture(scope="session")
def seed_server(tmp_path_factory):
    """The repository's own list, built once with site_url pointing at its server."""
    root = copy_repository_list(tmp_path_factory.mktemp("e2e-seed") / "list")
    with SiteServer(root / "site") as server:
        build_site(root, site_url=server.base_url)
        yield server


@pytest.fixture(scope="session")
def merged_seed_server(tmp_path_factory):
    """The repository's own list indexed in Pagefind runs of at most 40 pages merged into one bundle
    (site_gen/pagefind_merge.py), as a list of 10,000 papers is indexed in six runs."""
    root = copy_repository_list(tmp_path_factory.mktemp("e2e-seed-merged") / "list")
    with SiteServer(root / "site") as server:
        build_site(root, site_url=server.base_url, pages_per_run=40, runs=5)  # 176 pages
        yield server


@pytest.fixture(scope="session")
def hostile_server(tmp_path_factory):
    """A list whose titles, authors, venues, abstracts, notes and URLs try to inject markup and script."""
    listing = PaperList(tmp_path_factory.mktemp("e2e-hostile") / "list")
    write_hostile_list(listing)
    with SiteServer(listing.root / "site") as server:
        build_site(listing.root, site_url=server.base_url)
        yield server


@pytest.fixture(scope="session")
def browser():
    """The browser, launched once. Where CI runs the suite a missing browser fails the tests: a
    skip there would hide that the project's most important tests did not run."""
    missing = missing_browser_message()
    if missing:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(missing)
    from playwright import sync_api  # a test dependency (`make install`)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(find_browser()), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def problems():
    found = Problems()
    yield found
    assert not found.items, "\n".join(found.items)


@pytest.fixture
def open_page(browser, problems):
    """open_page(base_url, path="", **context options) -> a watched Playwright page at that path."""
    contexts = []

    def open_(base_url: str, path: str = "", **options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        if path is not None:
            page.goto(path)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def seed_page(open_page, seed_server):
    """seed_page(path="", **context options): a page of the seed site."""
    return lambda path="", **options: open_page(seed_server.base_url, path, **options)
