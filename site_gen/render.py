"""Catalog -> the site's pages: which pages there are, what each shows and which template makes it.

Pure: no files, no caches. Each page, and each piece that pages share (a paper's listing entry, its
row in the table of all papers, its BibTeX and JSON, its item in other papers' "More in" lists),
is asked of the memo (site_gen/incremental/memo.py) with exactly the inputs its template reads;
the memo derives its key from them and decides what must be rendered. Given `Memo()`, which
remembers nothing, every page is rendered.
"""

from __future__ import annotations

from typing import Collection, Iterator

import yaml
from markupsafe import escape

from site_gen import urls
from site_gen.catalog import Catalog
from site_gen.exports import bibtex_entry, citation_keys, citation_stem, feed_xml, papers_bib, papers_json, record_json
from site_gen.incremental.memo import Memo, MarkupPiece, PageSpec, Piece
from site_gen.options import Options
from site_gen.records import Paper, Taxonomy, Term
from site_gen.templating import render
from site_gen.writer import Page

# Hand-written pages the navigation lists when a list has them, after the generated sections.
_NAV_HAND_WRITTEN = (("Contribute", "contributing.md"), ("About", "about.md"))
# Listing entries are shared by category and tag pages, which sit at the same depth.
_LISTING_BASE = urls.base(urls.term("category", "-"))
assert _LISTING_BASE == urls.base(urls.term("tag", "-"))


class SiteRenderer:
    """Renders one catalog with the list's options; `hand_written` names the hand-written pages
    (paths in the generated tree) that the navigation may link."""

    def __init__(self, catalog: Catalog, options: Options, memo: Memo | None = None, hand_written: Collection[str] = ()):
        self.catalog = catalog
        self.options = options
        self.memo = memo or Memo()
        self.hand_written = tuple(path for _, path in _NAV_HAND_WRITTEN if path in hand_written)
        self._related_items: dict[str, MarkupPiece] = {}
        self._citation_keys: dict[str, str] | None = None

    def pages(self) -> Iterator[Page]:
        return self.memo.pages(self.page_specs())

    def page_specs(self) -> Iterator[PageSpec]:
        catalog = self.catalog
        for paper in catalog.papers:
            yield self.paper_page(paper)
        yield PageSpec(urls.HOME, "home.md.j2", dict(catalog=catalog, recent=catalog.recently_added(self.options.recent_papers)))
        for kind, terms, papers_of in (("category", catalog.taxonomy.categories, catalog.by_category), ("tag", catalog.taxonomy.tags, catalog.by_tag)):
            path = urls.term_index(kind)
            yield PageSpec(path, f"{kind}_index.md.j2", dict(catalog=catalog, root=urls.root(path)))
            for term in terms:
                yield self.listing_page(kind, term, papers_of.get(term.slug, ()))
        yield self.all_papers_page()
        yield PageSpec(urls.NAV, navigation, dict(taxonomy=catalog.taxonomy, hand_written=self.hand_written))
        yield from self.export_files()

    # --- pieces ---

    def tags(self, paper: Paper) -> tuple[Term, ...]:
        return tuple(self.catalog.tags[tag] for tag in paper.tags)

    def entry(self, paper: Paper, with_abstract: bool) -> MarkupPiece:
        """The paper in a category or tag listing (without its abstract in a long listing)."""
        return self.memo.piece("entry.md.j2", paper=paper, tags=self.tags(paper), base=_LISTING_BASE, with_abstract=with_abstract)

    def related_item(self, paper: Paper) -> MarkupPiece:
        """The paper in another paper's "More in" list (one piece per paper and build: a paper is
        in ~10 such lists)."""
        item = self._related_items.get(paper.id)
        if item is None:
            item = self._related_items[paper.id] = self.memo.piece("related_item.md.j2", paper=paper, base=urls.base(urls.paper(paper.id)))
        return item

    @property
    def citation_keys(self) -> dict[str, str]:
        if self._citation_keys is None:
            stems = {paper.id: str(self.memo.piece(citation_stem, small=True, paper=paper)) for paper in self.catalog.papers}
            self._citation_keys = citation_keys(stems)
        return self._citation_keys

    def bibtex(self, paper: Paper) -> Piece:
        return self.memo.piece(bibtex_entry, paper=paper, citation_key=self.citation_keys[paper.id])

    # --- pages ---

    def related(self, paper: Paper) -> tuple[Paper, ...]:
        """Papers next to this one in its category's listing (same years, similar titles): adding
        a paper changes the related lists of its neighbours, not of the whole category."""
        listing = self.catalog.by_category[paper.category]
        count = self.options.related_papers
        position = self.catalog.position_in_category(paper)
        start = max(0, min(position - count // 2, len(listing) - count - 1))
        return tuple(other for other in listing[start : start + count + 1] if other.id != paper.id)[:count]

    def paper_page(self, paper: Paper) -> PageSpec:
        path = urls.paper(paper.id)
        return PageSpec(path, "paper.md.j2", dict(
            paper=paper, category=self.catalog.categories[paper.category], tags=self.tags(paper),
            related=tuple(map(self.related_item, self.related(paper))), bibtex=self.bibtex(paper),
            base=urls.base(path), root=urls.root(path),
        ))

    def listing_page(self, kind: str, term: Term, papers: tuple[Paper, ...]) -> PageSpec:
        """A category's or tag's page. A long one shows no abstracts and is keyed by its entries'
        texts: an abstract edit leaves it as it is."""
        path = urls.term(kind, term.slug)
        compact = len(papers) > self.options.listing_abstracts_up_to
        years: dict[int, list[MarkupPiece]] = {}
        for paper in papers:  # newest first
            years.setdefault(paper.year, []).append(self.entry(paper, with_abstract=not compact))
        return PageSpec(path, "listing.md.j2", dict(
            kind=kind, term=term, count=len(papers), compact=compact,
            years=tuple((year, tuple(entries)) for year, entries in years.items()), root=urls.root(path),
        ), by_content=compact)

    def all_papers_page(self) -> PageSpec:
        """The table of all papers, keyed by its rows' texts: an edit that no row shows leaves it."""
        path = urls.ALL_PAPERS
        base = urls.base(path)
        rows = tuple(
            self.memo.piece("paper_row.md.j2", paper=paper, category=self.catalog.categories[paper.category], base=base)
            for paper in self.catalog.papers
        )
        return PageSpec(path, "all_papers.md.j2", dict(count=len(rows), rows=rows, root=urls.root(path)), by_content=True)

    def export_files(self) -> Iterator[PageSpec]:
        by_id = sorted(self.catalog.papers, key=lambda p: p.id)
        records = tuple(self.memo.piece(record_json, paper=paper) for paper in by_id)
        yield PageSpec(urls.PAPERS_JSON, papers_json, dict(records=records), by_content=True)
        keys = self.citation_keys
        entries = tuple(self.bibtex(paper) for paper in sorted(by_id, key=lambda p: keys[p.id]))
        yield PageSpec(urls.PAPERS_BIB, papers_bib, dict(entries=entries), by_content=True)
        recent = self.catalog.recently_added(self.options.feed_size)
        yield PageSpec(urls.FEED, feed_xml, dict(taxonomy=self.catalog.taxonomy, papers=recent, site_url=self.options.site_url))


def navigation(taxonomy: Taxonomy, hand_written: tuple[str, ...]) -> str:
    """The nav as a MkDocs config fragment (the plugin reads it): categories in taxonomy order,
    never individual papers or tags, because MkDocs renders the nav into every page (each entry
    costs build time on every page). The Tags page lists every tag."""
    # Themes insert nav titles into HTML unescaped: escape them here, like front matter.
    categories = [{str(escape(t.title)): urls.term("category", t.slug)} for t in taxonomy.categories]
    nav = [
        {"Home": urls.HOME},
        {"Categories": [urls.term_index("category"), *categories]},
        {"Tags": urls.term_index("tag")},
        {"All papers": urls.ALL_PAPERS},
        *({title: path} for title, path in _NAV_HAND_WRITTEN if path in hand_written),
    ]
    return yaml.safe_dump({"nav": nav}, sort_keys=False, allow_unicode=True)


def field_reference(schema: dict) -> str:
    """The paper fields as a Markdown table, straight from the JSON Schema."""
    return render("fields.md.j2", schema=schema)
