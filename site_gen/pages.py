"""Catalog -> the site's pages and files, as (path, content) pairs. Pure: no file system access."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import yaml

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


def paper_pages(catalog: Catalog, keys: dict[str, str]) -> Iterator[Page]:
    for paper in catalog.papers:
        category = catalog.categories[paper.category]
        related = [other for other in catalog.by_category[paper.category] if other.id != paper.id][:RELATED_COUNT]
        yield _page(
            f"papers/{paper.id}.md",
            render(
                "paper.md.j2",
                paper=paper, catalog=catalog, category=category, related=related,
                bibtex=bibtex_entry(paper, keys[paper.id]),
                summary=_summary(paper.abstract) if paper.abstract else "",
            ),
        )


def listing_pages(catalog: Catalog) -> Iterator[Page]:
    yield _page("index.md", render("home.md.j2", catalog=catalog, recent=catalog.recently_added(RECENT_COUNT)))
    yield _page("categories/index.md", render("categories_index.md.j2", catalog=catalog))
    for term in catalog.taxonomy.categories:
        papers = catalog.by_category.get(term.slug, ())
        yield _page(f"categories/{term.slug}.md", render("category.md.j2", term=term, papers=papers, catalog=catalog))
    yield _page("tags/index.md", render("tags_index.md.j2", catalog=catalog))
    for term in catalog.taxonomy.tags:
        papers = catalog.by_tag.get(term.slug, ())
        yield _page(f"tags/{term.slug}.md", render("tag.md.j2", term=term, papers=papers, catalog=catalog))
    yield _page("papers/index.md", render("all_papers.md.j2", catalog=catalog))


def navigation(catalog: Catalog) -> Page:
    """The nav as a MkDocs config fragment (mkdocs.yml INHERITs it): categories in taxonomy order
    and tags, never individual papers, because MkDocs renders the nav into every page."""
    nav = [
        {"Home": "index.md"},
        {"Categories": ["categories/index.md", *({t.title: f"categories/{t.slug}.md"} for t in catalog.taxonomy.categories)]},
        {"Tags": ["tags/index.md", *({t.title: f"tags/{t.slug}.md"} for t in catalog.taxonomy.tags)]},
        {"All papers": "papers/index.md"},
        {"Contribute": "contributing.md"},
        {"About": "about.md"},
    ]
    return _page(NAV_FILE, yaml.safe_dump({"nav": nav}, sort_keys=False, allow_unicode=True))


def export_files(catalog: Catalog, site_url: str) -> Iterator[Page]:
    yield _page("papers.json", papers_json(catalog))
    yield _page("papers.bib", papers_bib(catalog))
    yield Page("feed.xml", feed_xml(catalog, site_url))


def site_pages(catalog: Catalog, site_url: str) -> Iterator[Page]:
    keys = citation_keys(catalog)
    yield from listing_pages(catalog)
    yield from paper_pages(catalog, keys)
    yield navigation(catalog)
    yield from export_files(catalog, site_url)


def field_reference(schema: dict) -> str:
    """The paper fields as a Markdown table, straight from the JSON Schema."""
    return render("fields.md.j2", schema=schema)
