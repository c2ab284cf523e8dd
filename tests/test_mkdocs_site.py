"""The seed list and a hostile list built with a real `mkdocs build --strict`."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_gen.search_index import index_site
from tests.conftest import REPO_ROOT, PaperList
from tests.test_search_index import bundle_contents
from tests.sitebuild import BIN, build_site, builder_env, copy_repository_list

HOSTILE_TITLES = {
    "script-title": "<script>alert('title')</script> Attention",
    "img-onerror": '<img src=x onerror="alert(1)"> Memory',
    "markdown-link": "[click me](javascript:alert(1)) **bold** _it_ `code`",
    "table-breaker": "| a | b | {: onclick=alert(1) } # not heading $x$ ~~del~~",
    "fence-breaker": "```` close the fence ``` and {{ jinja }} {% raw %}",
}


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> Path:
    return build_site(copy_repository_list(tmp_path_factory.mktemp("seed") / "list"))


class ElementCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def parse(path: Path) -> ElementCollector:
    collector = ElementCollector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def test_seed_site_has_every_permalink(seed_site: Path):
    for path in ("index.html", "papers/index.html", "papers/galore/index.html", "categories/memory-efficient-training/index.html",
                 "tags/index.html", "tags/llm/index.html", "categories/index.html", "about/index.html", "contributing/index.html",
                 "papers.json", "papers.bib", "papers.ris", "papers.csl.json", "feed.xml"):
        assert (seed_site / path).is_file(), path
    assert len(list((seed_site / "papers").glob("*/index.html"))) == 173


def test_seed_paper_page_content(seed_site: Path):
    html = (seed_site / "papers/galore/index.html").read_text()
    authors = html[html.index('<p class="paper-authors">'):]
    assert re.sub(r"<[^>]+>", "", authors[: authors.index("</p>")]).startswith('Jiawei Zhao, Zhenyu Zhang, Beidi Chen')
    assert '<a class="paper-author" href="../../authors/zhenyu-zhang/">Zhenyu Zhang</a>' in authors
    assert 'href="https://arxiv.org/abs/2403.03507"' in html
    # Material's code block markup (its copy button and code style apply), without Pygments tokens.
    bibtex = html[html.index('<div class="language-bibtex highlight" data-pagefind-ignore><pre><code>'):]
    assert bibtex[:200].count("@inproceedings{zhao2024galore,") == 1 and "</code></pre></div>" in bibtex
    assert '<a href="../../categories/memory-efficient-training/" data-pagefind-filter="category">' in html


def pagefind_fragments(site: Path) -> dict[str, dict]:
    """Pagefind's per-page records (gzip, "pagefind_dcd" then JSON), by URL."""
    fragments = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        record = json.loads(data[len(b"pagefind_dcd"):])
        fragments[record["url"]] = record
    return fragments


def test_the_index_written_while_building_is_the_index_of_the_built_site(seed_site: Path, tmp_path):
    """`mkdocs build` indexes each page as it writes it; `site-gen search-index` (for other
    builders) indexes the built HTML: the same bundle, word by word."""
    built = tmp_path / "site"
    shutil.copytree(seed_site, built)
    assert index_site(built) == (len(bundle_contents(seed_site / "pagefind")["pages"]), 1)
    assert bundle_contents(built / "pagefind") == bundle_contents(seed_site / "pagefind")


def test_search_index_holds_paper_pages_not_listings(seed_site: Path):
    """Search is Pagefind (make site): Material's index is not built, and Pagefind indexes the
    article of every paper and hand-written page, never the listings or the 404 page."""
    assert not (seed_site / "search" / "search_index.json").exists()
    assert (seed_site / "pagefind" / "pagefind.js").is_file()
    fragments = pagefind_fragments(seed_site)
    papers = {url for url in fragments if url.startswith("/papers/")}
    assert len(papers) == 173 and "/papers/" not in papers
    hand_written = {f"/{page.stem}/" for page in (REPO_ROOT / "docs").glob("*.md")}
    assert hand_written >= {"/about/", "/contributing/"}
    assert set(fragments) - papers == hand_written
    galore = fragments["/papers/galore/"]
    assert galore["meta"]["title"] == "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"
    text = galore["content"]
    assert "Jiawei Zhao" in text and "Large language models" in text and "Low-rank methods" in text  # authors, tags
    assert "Natural GaLore" not in text  # the "More in ..." list of other papers is not this paper's text
    assert "¶" not in text and "Skip to content" not in text
    assert "arXiv 2403.03507" in text and "zhao2024galore" not in text  # the button, not the BibTeX block


def test_pages_do_not_embed_every_paper_in_the_navigation(seed_site: Path):
    html = (seed_site / "tags/llm/index.html").read_text()
    start = html.index("md-nav--primary")
    nav = html[start:html.index("</nav>", start)]
    assert "categories/memory-efficient-training/" in nav
    assert "papers/" not in nav.replace("papers/\"", "")  # only the "All papers" tab links there


def test_the_tabs_and_the_navigation_link_the_same_pages_from_every_page(seed_site: Path):
    """Rendered once for many pages (site_gen/mkdocs/fragment_cache.py), the tabs and the
    navigation must still link, from each, the pages they name: "Authors" is ../ from an author's
    page and ../../authors/ from a paper's."""
    from urllib.parse import urldefrag, urljoin

    def targets(page: str, link_class: str) -> set[str]:
        html = (seed_site / page / "index.html").read_text(encoding="utf-8")
        hrefs = re.findall(rf'<a href="([^"]*)" class="{link_class}\b', html)
        # Not the page's own table of contents.
        return {urldefrag(urljoin(f"https://example.org/{page}", href))[0] for href in hrefs} - {f"https://example.org/{page}"}

    outside_the_nav = ["papers/galore/", "papers/natural-galore/", "papers/agent-k/", "authors/zhenyu-zhang/", "authors/tianlong-chen/",
                       "tags/llm/", "tags/low-rank/", "years/2024/", "venues/icml/"]
    for link_class in ("md-tabs__link", "md-nav__link"):
        home = targets("", link_class) | {"https://example.org/"}
        assert {"https://example.org/authors/", "https://example.org/papers/", "https://example.org/tags/"} <= home
        for page in outside_the_nav:
            assert targets(page, link_class) == home, (page, link_class)


def test_hostile_list_builds_and_injects_nothing(tmp_path: Path):
    listing = PaperList(tmp_path / "hostile")
    taxonomy = (listing.root / "papers/_taxonomy.yml").read_text()
    listing.write_taxonomy(taxonomy.replace("title: Training", 'title: "<img src=x onerror=alert(5)> Training"'))
    for index, (paper_id, title) in enumerate(HOSTILE_TITLES.items()):
        listing.write(paper_id, "\n".join([
            f"title: {json.dumps(title)}",
            f"authors: [{json.dumps('<b onmouseover=alert(1)>Eve</b>')}, \"Mallory | *\"]",
            "year: 2024",
            f"venue: {json.dumps('<iframe src=javascript:alert(1)>')}",
            f'arxiv: "2401.{index:05d}"',
            "category: training",
            "tags: [llm]",
            f"abstract: {json.dumps('</details><script>alert(2)</script> [x](javascript:alert(3)) <a href=javascript:alert(4)>a</a> ' + title)}",
            f"note: {json.dumps('<style>body{display:none}</style> ![img](https://evil.example/x.png)')}",
            "added: 2024-01-01",
        ]) + "\n")
    site = build_site(listing.root)
    pages = [p for p in site.rglob("*.html") if "search" not in p.parts]
    assert len(pages) > 10
    for page in pages:
        collected = parse(page)
        for tag, attrs in collected.elements:
            assert tag not in ("iframe", "style", "img") or tag == "img" and "evil" not in attrs.get("src", ""), (page, tag, attrs)
            assert tag != "b" or "onmouseover" not in attrs, page
            for name, value in attrs.items():
                assert not name.startswith("on"), (page, tag, name)
                assert not (value or "").strip().lower().startswith("javascript:"), (page, tag, name, value)
        assert not any("alert(" in text for text in collected.script_text), page
    paper = (site / "papers/script-title/index.html").read_text()
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Attention" in paper or "&lt;script&gt;alert('title')&lt;/script&gt; Attention" in paper


def test_a_dirty_build_keeps_the_whole_sites_search_index(tmp_path: Path):
    """`mkdocs build --dirty` converts only the pages changed since the last build: the index of
    those alone must not replace the whole site's."""
    root = copy_repository_list(tmp_path / "list")
    site = build_site(root)
    whole = bundle_contents(site / "pagefind")
    edited = next((root / "build" / "docs" / "papers").glob("*.md"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA dirty edit.\n", encoding="utf-8")
    dirty = subprocess.run([BIN / "mkdocs", "build", "--dirty", "--config-file", root / "mkdocs.yml", "--site-dir", site],
                           env=builder_env(), capture_output=True, text=True)
    assert dirty.returncode == 0, dirty.stderr[-4000:]
    assert "A dirty edit." in (site / "papers" / edited.stem / "index.html").read_text(encoding="utf-8")
    assert "the search index is kept from the last full build" in dirty.stderr
    assert bundle_contents(site / "pagefind") == whole and len(whole["pages"]) > 100


def test_the_theme_files_copied_into_the_site_are_those_mkdocs_lists(tmp_path: Path):
    """The plugin's theme environment lists the theme's folders without their hidden ones
    (site_gen/mkdocs/theme.py), whose files MkDocs drops: the same files, from the same folders,
    as MkDocs' own loader gives. Among the theme's folders, one of the list's own with a hidden
    folder and a hidden file."""
    import jinja2
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    root = copy_repository_list(tmp_path / "list")
    (root / "mkdocs.yml").write_text((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("theme:\n", "theme:\n  custom_dir: overrides\n"), encoding="utf-8")
    for path in ("overrides/.hidden/theirs.css", "overrides/assets/.theirs.js", "overrides/assets/theirs.js", "overrides/assets/deep/er/theirs.png"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("/* a file of the list's theme */", encoding="utf-8")
    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    ours, mkdocs_own = Files([]), Files([])
    ours.add_files_from_theme(config.theme.get_env(), config)
    mkdocs_own.add_files_from_theme(jinja2.Environment(loader=jinja2.FileSystemLoader(config.theme.dirs)), config)
    assert [(f.src_uri, f.abs_src_path) for f in ours] == [(f.src_uri, f.abs_src_path) for f in mkdocs_own]
    assert {"assets/theirs.js", "assets/deep/er/theirs.png", "assets/paper-list/filters.js"} <= {f.src_uri for f in ours}
