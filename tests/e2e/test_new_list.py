"""A list as `site-gen init` writes it, built with no edits: every link resolves, and every page
opens in the browser without a console error, a failed request or a script error, search included."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.cli import main
from tests.e2e.browser import SiteServer
from tests.e2e.test_links import Site
from tests.sitebuild import BIN
from tests.test_second_list import build_and_index, builder_env

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="module")
def new_list_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e-new-list") / "my-papers"
    result = CliRunner().invoke(main, ["init", str(root), "--repository", "someone/my-papers"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with SiteServer(root / "site") as server:
        build_and_index(root, BIN, {**builder_env(), "SITE_URL": server.base_url})
        yield server


def test_a_new_lists_site_has_no_broken_link(new_list_server):
    crawl = Site(Path(new_list_server.directory), new_list_server.base_url)
    checked, broken = crawl.broken_links()
    assert len(crawl.pages()) >= 10 and checked > 50, (len(crawl.pages()), checked)
    assert not broken, "\n".join(broken)


def test_every_page_of_a_new_list_opens_without_errors(new_list_server, open_page):
    site = Site(Path(new_list_server.directory), new_list_server.base_url)
    for page_file in site.pages():
        page = open_page(new_list_server.base_url, site.url_of(page_file))
        expect(page.locator("h1").first).to_be_visible()


def test_a_new_lists_search_finds_its_example_paper(new_list_server, open_page):
    page = open_page(new_list_server.base_url, "?q=attention")
    expect(page.get_by_role("link", name="Attention Is All You Need").first).to_be_visible()
