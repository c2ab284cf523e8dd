"""Search: the Pagefind index that `make site` writes, in Material's search box (site_gen/mkdocs/overrides/assets/paper-list/search.js),
against the built seed site in Debian's Chromium. Real index, real server, no mocks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import DESKTOP, SiteServer, seed_papers
from tests.e2e.test_search_and_navigation import expect_paper_page
from tests.test_mkdocs_site import HOSTILE_TITLES

expect = pytest.importorskip("playwright.sync_api").expect

PAPERS = {paper["id"]: paper for paper in seed_papers()}
RESULTS = ".md-search-result__list > .md-search-result__item > a"
COUNT = re.compile(r"^\d+ matching documents?$")
# Material closes search 125 ms after every navigation (bundle.ts: "Always close drawer and search
# on navigation"): a test that searches at once after an instant navigation waits that out.
MATERIAL_CLOSES_SEARCH_MS = 300


@pytest.fixture(params=["one run", "merged runs"])
def index_server(request):
    """The seed site indexed by one Pagefind run, and by several runs merged into one bundle."""
    return request.getfixturevalue("seed_server" if request.param == "one run" else "merged_seed_server")


def open_search(page, key: str = "/"):
    """Open search with one of Material's shortcuts; the query box has the focus."""
    page.keyboard.press(key)
    box = page.locator(".md-search__input")
    expect(box).to_be_focused()
    expect(page.locator("#__search")).to_be_checked()
    return box


def search(page, query: str, key: str = "/"):
    """Type the query into the search box; return once its results (not an earlier prefix's) show."""
    open_search(page, key)
    page.keyboard.type(query)
    expect(page.locator(".md-search-result__list:not([aria-busy])")).to_have_count(1)
    expect(page.locator(".md-search-result__meta")).to_have_text(COUNT)
    return page.locator(RESULTS)


def result_titles(page) -> list[str]:
    return [text.strip() for text in page.locator(f"{RESULTS} h1").all_inner_texts()]


@pytest.mark.parametrize(("query", "paper_id"), [
    ("Cartridges", "cartridges"),                              # a title word
    ("Antonopoulos", "mixed-precision-carbon-footprint"),      # an author's surname
    ("Kolmogorov", "htm-drift-detection"),                     # a word only its abstract has
    ("2411.03562", "agent-k"),                                 # an arXiv id
    # the exact title of a paper whose words another title repeats ("Natural GaLore: ...")
    ("GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection", "galore"),
])
def test_search_and_enter_open_the_paper(open_page, index_server, query, paper_id):
    page = open_page(index_server.base_url, "")
    results = search(page, query)
    expect(results.first).to_contain_text(PAPERS[paper_id]["title"])
    for href in results.evaluate_all("links => links.map(a => a.href)"):  # papers and hand-written pages only
        assert not re.search(r"/(categories|tags)/|/papers/$", urlsplit(href).path), href
    page.keyboard.press("Enter")  # the first (best) result
    expect_paper_page(page, paper_id)


def test_only_the_papers_own_page_has_its_title_words(open_page, index_server):
    """Titles in a paper page's "More in ..." list are not indexed: a rare title word finds one page."""
    page = open_page(index_server.base_url, "")
    results = search(page, "Cartridges")
    expect(results).to_have_count(1)


def test_search_by_tag_lists_its_papers_and_a_click_opens_one(open_page, index_server):
    tagged = sorted(p["title"] for p in PAPERS.values() if "security" in p["tags"])
    assert len(tagged) == 2
    page = open_page(index_server.base_url, "")
    results = search(page, "Security")
    for title in tagged:
        expect(results.filter(has_text=title)).to_have_count(1)
    results.filter(has_text=PAPERS["sybilwall"]["title"]).click()
    expect_paper_page(page, "sybilwall")
    expect(page.locator("article.md-content__inner a.tag-chip", has_text="Security")).to_be_visible()
    expect(page.locator("#__search")).not_to_be_checked()


def test_search_by_a_tag_title_of_several_words(seed_page):
    low_rank = {p["title"] for p in PAPERS.values() if "low-rank" in p["tags"]}
    page = seed_page("")
    results = search(page, "Low-rank methods")
    expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"^\d+ matching documents$"))
    count = int(page.locator(".md-search-result__meta").inner_text().split()[0])
    assert count >= len(low_rank)
    expect(results.first).to_be_visible()
    assert set(result_titles(page)[:len(low_rank)]) & low_rank


def test_lowercase_query_finds_a_mixed_case_method_name(seed_page):
    page = seed_page("")
    results = search(page, "galore")
    expect(results.filter(has_text=PAPERS["galore"]["title"]).first).to_be_visible()


def test_keyboard_only_search(seed_page):
    """`s` opens search, the arrow keys move through the results, Enter opens the one in focus,
    Escape closes, and `/` reopens with the last query selected."""
    page = seed_page("about/")
    search(page, "memory", key="s")
    links = page.locator(RESULTS)
    expect(links).to_have_count(10)  # the first page of results; more come as the list scrolls
    page.keyboard.press("ArrowDown")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator(".md-search__input")).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.locator("#__search")).not_to_be_checked()
    expect(page.locator(".md-search__input")).not_to_be_focused()
    box = open_search(page, "/")
    assert box.evaluate("el => el.selectionStart === 0 && el.selectionEnd === el.value.length")
    assert box.input_value() == "memory"

    page.keyboard.type("continual")  # replaces the selected query
    expect(links.first.locator("mark").first).to_have_text(re.compile("^continu", re.I))  # English stemming: continual, continuous
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    href = links.nth(1).get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(href)
    expect(page.locator("#__search")).not_to_be_checked()


def test_more_results_load_as_the_list_scrolls(seed_page):
    page = seed_page("")
    search(page, "memory")
    count = int(page.locator(".md-search-result__meta").inner_text().split()[0])
    assert count > 20
    links = page.locator(RESULTS)
    expect(links).to_have_count(10)
    for _ in range(12):  # down the list with the keyboard: the list scrolls and grows
        page.keyboard.press("ArrowDown")
    expect(links).to_have_count(20)


def test_clearing_the_query_clears_the_results(seed_page):
    page = seed_page("")
    search(page, "memory")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    expect(page.locator(".md-search-result__meta")).to_have_text("Type to start searching")
    expect(page.locator(RESULTS)).to_have_count(0)


def test_search_loads_on_first_use_from_this_server_only(open_page, index_server):
    """Nothing of the search index loads with a page; when it does, nothing leaves the local server."""
    page = open_page(index_server.base_url, None)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("papers/galore/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in requests if "pagefind" in url or "search_index" in url]
    results = search(page, "Kolmogorov")
    expect(results.first).to_contain_text(PAPERS["htm-drift-detection"]["title"])
    assert any("/pagefind/" in url for url in requests)
    assert all(url.startswith(index_server.base_url) for url in requests), [u for u in requests if not u.startswith(index_server.base_url)]


def test_search_after_instant_navigation(seed_page):
    """Material's instant navigation swaps the page without reloading scripts: search keeps working."""
    page = seed_page("")
    page.evaluate("window.__samePage = true")
    page.locator("article.md-content__inner .grid.cards a", has_text="Continual learning").click()
    expect(page).to_have_url(re.compile(r"/categories/continual-learning/$"))
    page.wait_for_timeout(MATERIAL_CLOSES_SEARCH_MS)
    results = search(page, "Cartridges")
    results.first.click()
    expect_paper_page(page, "cartridges")
    page.wait_for_timeout(MATERIAL_CLOSES_SEARCH_MS)
    results = search(page, "Kolmogorov")
    expect(results.first).to_contain_text(PAPERS["htm-drift-detection"]["title"])
    assert page.evaluate("window.__samePage === true"), "a result link reloaded the page"


def test_deep_link_opens_search_with_the_query(seed_page):
    page = seed_page("?q=Kolmogorov")
    expect(page.locator("#__search")).to_be_checked()
    expect(page.locator(RESULTS).first).to_contain_text(PAPERS["htm-drift-detection"]["title"])


def test_search_under_a_sub_path(open_page, index_server):
    """PR previews live under pr-preview/pr-N/: the index and the result links follow the page's base."""
    with SiteServer(index_server.directory.parent) as parent:
        page = open_page(parent.base_url, "site/papers/galore/")
        results = search(page, "Cartridges")
        expect(results.first).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:\d+/site/papers/cartridges/$"))
        results.first.click()
        expect(page).to_have_url(parent.base_url + "site/papers/cartridges/")
        page.wait_for_load_state("networkidle")  # before this test's server stops (the favicon)


@pytest.mark.parametrize("query", ["Kolmogorov", "Cartridges", "galore", "Antonopoulos", "Low-rank methods",
                                   "continual", "memory", "sybil", "Zhao", "quantization-aware", "2411.03562"])
def test_merged_runs_find_what_one_run_finds(open_page, seed_server, merged_seed_server, query):
    """The same number of pages, the same first result and the same first ten. (Their order may
    differ where scores tie: Pagefind numbers pages in the order it reads the folders.)"""
    answers = []
    for server in (seed_server, merged_seed_server):
        page = open_page(server.base_url, "")
        search(page, query)
        count = int(page.locator(".md-search-result__meta").inner_text().split()[0])
        expect(page.locator(RESULTS)).to_have_count(min(count, 10))
        assert count > 0
        titles = result_titles(page)
        answers.append((count, titles[0], sorted(titles)))
    assert answers[0] == answers[1]


def test_hostile_titles_show_as_text_in_results(open_page, hostile_server):
    page = open_page(hostile_server.base_url, "")
    search(page, "Attention")
    title = HOSTILE_TITLES["script-title"]
    expect(page.locator(f"{RESULTS} h1").first).to_have_text(title)
    search_box = page.locator(".md-search-result__list")
    assert search_box.locator("script, img, iframe, style, b").count() == 0
    for word in ("Memory", "code"):
        page.keyboard.press("Control+A")
        page.keyboard.type(word)
        expect(page.locator(".md-search-result__meta")).to_have_text(COUNT)
        assert search_box.locator("script, img, iframe, style, b").count() == 0


def test_without_its_index_search_says_it_is_not_available(browser, seed_server):
    context = browser.new_context(base_url=seed_server.base_url, viewport=DESKTOP)
    context.route("**/pagefind/pagefind.js", lambda route: route.abort())
    page = context.new_page()
    page.goto("")
    open_search(page)
    page.keyboard.type("memory")
    expect(page.locator(".md-search-result__meta")).to_contain_text("Search is not available")
    expect(page.locator(RESULTS)).to_have_count(0)
    context.close()
