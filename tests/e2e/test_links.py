"""Every internal link and anchor of the built sites resolves: a crawl of every HTML file, not a sample."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

# Attributes that make the browser request or navigate to a URL.
URL_ATTRIBUTES = {("a", "href"), ("link", "href"), ("area", "href"), ("script", "src"), ("img", "src"),
                  ("iframe", "src"), ("source", "src"), ("form", "action")}


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (tag, url)
        self.ids: set[str] = set()
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        # A browser reads everything up to </title> as text; older html.parser versions do not.
        if self._in_title:
            return
        self._in_title = tag == "title"
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value or "")
            elif (tag, name) in URL_ATTRIBUTES and value is not None:
                self.urls.append((tag, value))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False


class Site:
    def __init__(self, root: Path, base_url: str):
        self.root = root
        self.base_url = base_url
        self._parsed: dict[Path, LinkCollector] = {}

    def pages(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))

    def parse(self, path: Path) -> LinkCollector:
        if path not in self._parsed:
            collector = LinkCollector()
            collector.feed(path.read_text(encoding="utf-8"))
            self._parsed[path] = collector
        return self._parsed[path]

    def url_of(self, path: Path) -> str:
        relative = path.relative_to(self.root).as_posix()
        return self.base_url + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)

    def file_for(self, url: str) -> Path | None:
        """The file a same-site URL serves, or None for another site."""
        if not url.startswith(self.base_url):
            return None
        path = unquote(urlsplit(url).path[len(urlsplit(self.base_url).path):])
        target = self.root / path
        return target / "index.html" if path == "" or path.endswith("/") else target

    def broken_links(self) -> tuple[int, list[str]]:
        checked, broken = 0, []
        for page in self.pages():
            page_url = self.url_of(page)
            for tag, raw in self.parse(page).urls:
                url = urljoin(page_url, raw.strip())
                scheme = urlsplit(url).scheme
                if scheme not in ("http", "https"):
                    # A paper's BibTeX and RIS downloads hold their file (tests/test_exports.py reads them).
                    downloads = raw.startswith(("data:application/x-bibtex;", "data:application/x-research-info-systems;")) and tag == "a"
                    if scheme != "mailto" and not downloads:
                        broken.append(f"{page_url}: <{tag}> {raw!r} has the scheme {scheme!r}")
                    continue
                target = self.file_for(url)
                if target is None:
                    continue
                checked += 1
                if not target.is_file():
                    broken.append(f"{page_url}: <{tag}> {raw!r} -> {target.relative_to(self.root)} does not exist")
                    continue
                fragment = unquote(urlsplit(url).fragment)
                if fragment and target.suffix == ".html" and fragment not in self.parse(target).ids:
                    broken.append(f"{page_url}: <{tag}> {raw!r} -> no id {fragment!r} in {target.relative_to(self.root)}")
        return checked, broken


@pytest.mark.parametrize("site", ["seed_server", "hostile_server"])
def test_every_internal_link_and_anchor_resolves(site, request):
    server = request.getfixturevalue(site)
    crawl = Site(Path(server.directory), server.base_url)
    pages = crawl.pages()
    checked, broken = crawl.broken_links()
    if site == "seed_server":
        assert len(pages) > 173 + 14 + 60, len(pages)  # every paper, category and tag page is crawled
    assert checked > 10 * len(pages), checked
    assert not broken, f"{len(broken)} broken links, first ones:\n" + "\n".join(broken[:40])


def test_crawl_notices_a_missing_page_and_a_missing_anchor(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text('<a href="a/">ok</a> <a href="a/#here">ok</a> <a href="b/">gone</a>'
                                         ' <a href="a/#nowhere">bad anchor</a> <a href="https://elsewhere.example/">out</a>')
    (tmp_path / "a" / "index.html").write_text('<h2 id="here">x</h2> <a href="../#top">bad</a> <a href="javascript:x()">js</a>')
    checked, broken = Site(tmp_path, "http://127.0.0.1:1/").broken_links()
    assert checked == 5
    assert len(broken) == 4, broken
    assert any("b/index.html does not exist" in b for b in broken)
    assert any("'nowhere'" in b for b in broken) and any("'top'" in b for b in broken)
    assert any("javascript" in b for b in broken)
