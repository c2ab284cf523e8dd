"""Catalog -> the site's pages and files, as (path, content) pairs. Pure: no file system access."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Iterator, Mapping

import yaml
from markupsafe import Markup, escape

from site_gen.catalog import Catalog
from site_gen.exports import bibtex_entry, citation_keys, feed_xml, papers_bib, papers_json
from site_gen.records import Paper
from site_gen.templating import render

RELATED_COUNT = 10
RECENT_COUNT = 10
# MkDocs skips dot-files when building, so the navigation file never becomes part of the site.
NAV_FILE = ".nav.yml"


@dataclass(frozen=True)
class Page:
    path: str
    content: bytes


def _page(path: str, text: str) -> Page:
    return Page(path, text.encode("utf-8"))


def _summary(abstract: str, limit: int = 300) -> str:
    """The abstract's first sentence (or its start) for the page's meta description."""
    first = re.split(r"(?<=[.!?])\s", " ".join(abstract.split()), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


class SiteRenderer:
    """Renders one catalog. Work shared between pages (a paper's listing entry, its BibTeX) is
    done once per paper and reused on every page that shows it."""

    def __init__(self, catalog: Catalog, site_url: str, previous: Mapping[bytes, str] | None = None):
        """`previous` maps a digest of a page's template inputs to what it rendered last build;
        pages whose inputs did not change are reused from it, and `rendered` is the next one."""
        self.catalog = catalog
        self.site_url = site_url
        self.previous = previous or {}
        self.rendered: dict[bytes, str] = {}
        self.citation_keys = citation_keys(catalog)
        self.bibtex = {paper.id: bibtex_entry(paper, self.citation_keys[paper.id]) for paper in catalog.papers}
        self._entries: dict[str, Markup] = {}

    def _reuse(self, inputs: object) -> tuple[bytes, str | None]:
        key = hashlib.blake2b(repr(inputs).encode(), digest_size=16).digest()
        return key, self.previous.get(key)

    def entry(self, paper: Paper) -> Markup:
        if paper.id not in self._entries:
            tags = [self.catalog.tags[tag] for tag in paper.tags]
            key, text = self._reuse(("entry", paper.id, dict(paper.fields), tags))
            if text is None:
                text = render("entry.md.j2", paper=paper, catalog=self.catalog).strip()
            self.rendered[key] = text
            self._entries[paper.id] = Markup(text)
        return self._entries[paper.id]

    def _related(self, paper: Paper) -> list[Paper]:
        return list(islice((other for other in self.catalog.by_category[paper.category] if other.id != paper.id), RELATED_COUNT))

    def paper_page_inputs(self, paper: Paper) -> tuple[bytes, str | None]:
        """Everything paper.md.j2 reads, digested (and the page, when it was rendered before)."""
        related = [(other.id, other.title, other.authors[0], len(other.authors), other.year) for other in self._related(paper)]
        tags = [self.catalog.tags[tag] for tag in paper.tags]
        return self._reuse(("paper", paper.id, dict(paper.fields), self.catalog.categories[paper.category], tags, related, self.bibtex[paper.id]))

    def paper_page(self, paper: Paper) -> Page:
        catalog = self.catalog
        return _page(
            f"papers/{paper.id}.md",
            render(
                "paper.md.j2",
                paper=paper, catalog=catalog, category=catalog.categories[paper.category], related=self._related(paper),
                bibtex=self.bibtex[paper.id], summary=_summary(paper.abstract) if paper.abstract else "",
            ),
        )

    def listing_pages(self) -> Iterator[Page]:
        catalog = self.catalog
        yield _page("index.md", render("home.md.j2", catalog=catalog, recent=catalog.recently_added(RECENT_COUNT)))
        yield _page("categories/index.md", render("categories_index.md.j2", catalog=catalog))
        for term in catalog.taxonomy.categories:
            papers = catalog.by_category.get(term.slug, ())
            yield _page(f"categories/{term.slug}.md", render("category.md.j2", term=term, papers=papers, catalog=catalog, entry=self.entry))
        yield _page("tags/index.md", render("tags_index.md.j2", catalog=catalog))
        for term in catalog.taxonomy.tags:
            papers = catalog.by_tag.get(term.slug, ())
            yield _page(f"tags/{term.slug}.md", render("tag.md.j2", term=term, papers=papers, catalog=catalog, entry=self.entry))
        yield _page("papers/index.md", render("all_papers.md.j2", catalog=catalog))

    def navigation(self) -> Page:
        """The nav as a MkDocs config fragment (mkdocs.yml INHERITs it): categories in taxonomy
        order, never individual papers or tags, because MkDocs renders the nav into every page
        (each entry costs build time on every page). The Tags page lists every tag."""
        taxonomy = self.catalog.taxonomy
        # Themes insert nav titles into HTML unescaped: escape them here, like front matter.
        nav = [
            {"Home": "index.md"},
            {"Categories": ["categories/index.md", *({str(escape(t.title)): f"categories/{t.slug}.md"} for t in taxonomy.categories)]},
            {"Tags": "tags/index.md"},
            {"All papers": "papers/index.md"},
            {"Contribute": "contributing.md"},
            {"About": "about.md"},
        ]
        return _page(NAV_FILE, yaml.safe_dump({"nav": nav}, sort_keys=False, allow_unicode=True))

    def export_files(self) -> Iterator[Page]:
        yield _page("papers.json", papers_json(self.catalog))
        yield _page("papers.bib", papers_bib(self.bibtex, self.citation_keys))
        yield Page("feed.xml", feed_xml(self.catalog, self.site_url))

    def pages(self) -> Iterator[Page]:
        """Every generated page. At scale, paper pages are rendered by forked workers (which
        inherit this renderer, so nothing is pickled on the way in) while this process renders
        the listings."""
        reused, papers, keys = [], [], {}
        for paper in self.catalog.papers:
            key, text = self.paper_page_inputs(paper)
            keys[paper.id] = key
            if text is None:
                papers.append(paper)
            else:
                self.rendered[key] = text
                reused.append(_page(f"papers/{paper.id}.md", text))
        yield from reused
        workers = min(os.cpu_count() or 1, 8)
        if len(papers) < PARALLEL_THRESHOLD or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            yield from self.listing_pages()
            for paper in papers:
                page = self.paper_page(paper)
                self.rendered[keys[paper.id]] = page.content.decode("utf-8")
                yield page
        else:
            global _worker_renderer
            _worker_renderer = self
            try:
                ids = [paper.id for paper in papers]
                chunks = [ids[start : start + 250] for start in range(0, len(ids), 250)]
                with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                    rendered = [pool.submit(_render_paper_pages, chunk) for chunk in chunks]
                    yield from list(self.listing_pages())
                    for future in rendered:
                        for paper_id, page in future.result():
                            self.rendered[keys[paper_id]] = page.content.decode("utf-8")
                            yield page
            finally:
                _worker_renderer = None
        yield self.navigation()
        yield from self.export_files()


# Below this many papers, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 1000
_worker_renderer: SiteRenderer | None = None


def _render_paper_pages(ids: list[str]) -> list[tuple[str, Page]]:
    renderer = _worker_renderer
    return [(paper_id, renderer.paper_page(renderer.catalog.by_id[paper_id])) for paper_id in ids]


def field_reference(schema: dict) -> str:
    """The paper fields as a Markdown table, straight from the JSON Schema."""
    return render("fields.md.j2", schema=schema)
