"""Catalog -> the site's pages: which pages there are, what each shows and which template makes it.

Pure: no files, no caches. Each page, and each piece that pages share (a paper's listing entry, its
row in the table of all papers, its BibTeX and JSON, its item in other papers' "Related papers" and "More in" lists),
is asked of the memo (site_gen/incremental/memo.py) with exactly the inputs its template reads;
the memo derives its key from them and decides what must be rendered. Pages are made in sections
(a category's paper pages, a listing, the table of all papers, an export): functions of the
records and settings they are given, and of nothing else, so that the memo can key a section as a
whole. Given `Memo()`, which remembers nothing, every page is rendered.
"""

from __future__ import annotations

from collections import Counter
from typing import Collection, Iterator, Mapping

import yaml
from markupsafe import Markup, escape

from site_gen import related, urls
from site_gen.catalog import Catalog
from site_gen.charts import MapPoint, Series, category_colour, paper_map, stacked_years
from site_gen.exports import (
    bibtex_entry, citation_keys, citation_stem, csl_item, feed_xml, papers_bib, papers_json, papers_ris, record_json, ris_entry,
)
from site_gen.incremental.memo import MarkupPiece, Memo, PageSpec, Piece, Section
from site_gen.names import venue_series
from site_gen.options import Options
from site_gen.records import Paper, Taxonomy, Term
from site_gen.templating import render
from site_gen.writer import Page

# Hand-written pages the navigation lists when a list has them, after the generated sections.
_NAV_HAND_WRITTEN = (("Contribute", "contributing.md"), ("About", "about.md"))
# Listing entries are shared by the pages of categories, tags, authors, venues and years, which sit
# at the same depth.
_LISTING_BASE = urls.base(urls.term("category", "-"))
assert all(urls.base(urls.term(kind, "-")) == _LISTING_BASE for kind in ("tag", "author", "venue", "year"))
# Paper pages are made in sections of this many (with their neighbours in the listing): an edit
# makes again the specs of the pages of its section, not of its whole category (~3,400 pages of
# one category at 10,000 synthetic papers), and of the sections where it is among a paper's most
# similar (~3). With 200, an edit keyed ~570 pages again; with 50, ~150 (a rebuild ~0.08 s shorter).
_PAPER_PAGES_PER_SECTION = 50


class SiteRenderer:
    """Renders one catalog with the list's options; `hand_written` names the hand-written pages
    (paths in the generated tree) that the navigation may link."""

    def __init__(
        self, catalog: Catalog, options: Options, memo: Memo | None = None, hand_written: Collection[str] = (),
        relations: related.Relations | None = None,
    ):
        self.catalog = catalog
        self.options = options
        self.memo = memo or Memo()
        self.hand_written = tuple(path for _, path in _NAV_HAND_WRITTEN if path in hand_written)
        # The build passes what it kept in its cache; computed here otherwise.
        self.relations = related.relate(catalog.papers, options.similar_papers) if relations is None else relations

    def pages(self) -> Iterator[Page]:
        return self.memo.pages(self.sections())

    def sections(self) -> Iterator[PageSpec | Section]:
        catalog, options, taxonomy = self.catalog, self.options, self.catalog.taxonomy
        keys = self.citation_keys()
        authors, venues = self.pages_of("author"), self.pages_of("venue")
        # A paper's links to the pages of its authors and its venue ("" where there is none): inputs
        # of each page and entry that shows them, like the citation keys.
        with_page = {kind: {term.slug for term, _ in groups} for kind, groups in (("author", authors), ("venue", venues))}
        author_links = {p.id: tuple(key if key in with_page["author"] else "" for key in catalog.author_keys(p)) for p in catalog.papers}
        venue_links = {p.id: key if (key := catalog.venue_key(p)) in with_page["venue"] else "" for p in catalog.papers}
        # A page's "More in" list is made of papers at most this far from its paper in the listing.
        reach = options.related_papers + options.similar_papers
        for term in taxonomy.categories:
            papers = catalog.by_category.get(term.slug, ())
            for start in range(0, len(papers), _PAPER_PAGES_PER_SECTION):
                end = min(start + _PAPER_PAGES_PER_SECTION, len(papers))
                low, high = max(0, start - reach), min(len(papers), end + reach)
                shown = papers[start:end]
                yield Section(paper_pages, dict(
                    category=term, papers=papers[low:high], pages=(start - low, end - low), citation_keys=tuple(keys[p.id] for p in shown),
                    author_links=tuple(author_links[p.id] for p in shown), venue_links=tuple(venue_links[p.id] for p in shown),
                    similar=tuple(tuple(catalog.by_id[other] for other in self.relations.similar.get(p.id, ())) for p in shown),
                    taxonomy=taxonomy, related_papers=options.related_papers,
                ))
        # Pages that show the whole catalog (counts of every category and tag): cheap, and made
        # on every build.
        per_year = _papers_per_year(catalog)
        chart, stats = str(timeline(catalog, per_year)), statistics(catalog, venues, per_year)
        # The newest first: the home page's and the feed's are the first of them.
        recent = catalog.recently_added(max(options.recent_papers, options.feed_size))
        yield PageSpec(urls.HOME, "home.md.j2", dict(
            catalog=catalog, recent=recent[: options.recent_papers], timeline=chart, categories=stats["categories"],
        ))
        yield PageSpec(urls.STATS, "stats.md.j2", dict(**stats, timeline=chart, base=urls.base(urls.STATS)))
        # Made of what its points show: an edit that changes none of it (a note, an abstract)
        # leaves the map as it was, without drawing 10,000 points again (~0.1 s).
        yield Section(map_section, dict(places=map_places(catalog, self.relations.positions), categories=stats["categories"], base=urls.base(urls.MAP)))
        for kind, terms, papers_of in (("category", taxonomy.categories, catalog.by_category), ("tag", taxonomy.tags, catalog.by_tag)):
            path = urls.term_index(kind)
            yield PageSpec(path, f"{kind}_index.md.j2", dict(catalog=catalog, root=urls.root(path)))
            for term in terms:
                papers = papers_of.get(term.slug, ())
                yield Section(listing_page, dict(
                    kind=kind, term=term, papers=papers, author_links=tuple(author_links[p.id] for p in papers),
                    taxonomy=taxonomy, abstracts_up_to=options.listing_abstracts_up_to,
                ))
        years = tuple((Term(str(year), str(year), ""), papers) for year, papers in sorted(catalog.by_year.items(), reverse=True))
        # Author pages list titles, as an author's page of publications does: no abstracts.
        for kind, groups, abstracts_up_to in (("author", authors, 0), ("venue", venues, options.listing_abstracts_up_to),
                                              ("year", years, options.listing_abstracts_up_to)):
            path = urls.term_index(kind)
            yield PageSpec(path, f"{kind}_index.md.j2", dict(groups=tuple((term, len(papers)) for term, papers in groups), base=urls.base(path)))
            for term, papers in groups:
                yield Section(listing_page, dict(
                    kind=kind, term=term, papers=papers, author_links=tuple(author_links[p.id] for p in papers),
                    taxonomy=taxonomy, abstracts_up_to=abstracts_up_to,
                ))
        yield Section(all_papers_page, dict(papers=catalog.papers, taxonomy=taxonomy))
        yield PageSpec(urls.NAV, navigation, dict(taxonomy=taxonomy, hand_written=self.hand_written))
        by_id = tuple(sorted(catalog.papers, key=lambda p: p.id))
        yield Section(papers_json_file, dict(papers=by_id))
        by_key = tuple(sorted(by_id, key=lambda p: keys[p.id]))
        keys_in_order = tuple(keys[p.id] for p in by_key)
        yield Section(papers_bib_file, dict(papers=by_key, citation_keys=keys_in_order))
        yield Section(papers_ris_file, dict(papers=by_key))
        yield Section(papers_csl_file, dict(papers=by_key, citation_keys=keys_in_order))
        yield PageSpec(urls.FEED, feed_xml, dict(taxonomy=taxonomy, papers=recent[: options.feed_size], site_url=options.site_url))

    def pages_of(self, kind: str) -> tuple[tuple[Term, tuple[Paper, ...]], ...]:
        """The authors or venue series ("author", "venue") that have a page, those of two or more
        papers, in key order."""
        groups = self.catalog.authors if kind == "author" else self.catalog.venues
        return tuple((group.term, group.papers) for group in groups.values() if len(group.papers) >= 2)

    def citation_keys(self) -> dict[str, str]:
        """Every paper's BibTeX key, by paper id (a clash between two papers' stems is resolved
        across the whole list)."""
        return citation_keys({paper.id: self.memo.value(citation_stem, paper) for paper in self.catalog.papers})


# Every year from the first paper's to the last's, and the number of papers of each (year, category).
PapersPerYear = tuple[tuple[int, ...], Counter]


def _papers_per_year(catalog: Catalog) -> PapersPerYear:
    years = tuple(range(catalog.years[0], catalog.years[1] + 1)) if catalog.years else ()
    return years, Counter((paper.year, paper.category) for paper in catalog.papers)


def timeline(catalog: Catalog, papers_per_year: PapersPerYear) -> Markup:
    """Papers per year, stacked by category (in the taxonomy's order)."""
    years, per_year = papers_per_year
    series = tuple(Series(term.title, tuple(per_year[year, term.slug] for year in years)) for term in catalog.taxonomy.categories)
    return stacked_years(years, series, "Papers per year, by category")


# A paper's point on the map: its place (x, y), its category's position in the taxonomy, its id,
# title and year.
MapPlace = tuple[float, float, int, str, str, int]


def map_places(catalog: Catalog, positions: Mapping[str, tuple[float, float]]) -> tuple[MapPlace, ...]:
    """The papers at their places on the map (site_gen/related.py), in the order Tab visits them:
    category by category, each in title order."""
    categories = {term.slug: index for index, term in enumerate(catalog.taxonomy.categories)}
    places = ((*positions[paper.id], categories[paper.category], paper.id, paper.title, paper.year) for paper in catalog.papers)
    return tuple(sorted(places, key=lambda place: (place[2], place[4].casefold(), place[3])))


def statistics(catalog: Catalog, venues: tuple[tuple[Term, tuple[Paper, ...]], ...], papers_per_year: PapersPerYear, top: int = 10) -> dict[str, object]:
    """What a maintainer looks at on /stats/: totals, the table behind the timeline, papers with
    code, the venues and tags used most, papers per category."""
    taxonomy = catalog.taxonomy
    years, per_year = papers_per_year
    tag_counts = sorted(((len(catalog.by_tag.get(term.slug, ())), term) for term in taxonomy.tags), key=lambda item: (-item[0], item[1].slug))
    return dict(
        count=len(catalog.papers),
        with_code=sum(1 for paper in catalog.papers if paper.code),
        authors=len(catalog.authors),
        categories=tuple((term, category_colour(index), len(catalog.by_category.get(term.slug, ()))) for index, term in enumerate(taxonomy.categories)),
        year_rows=tuple((year, tuple(per_year[year, term.slug] for term in taxonomy.categories)) for year in reversed(years)),
        top_venues=tuple(sorted(((term, len(papers)) for term, papers in venues), key=lambda item: (-item[1], item[0].slug))[:top]),
        top_tags=tuple((term, count) for count, term in tag_counts[:top] if count),
    )


# --- sections: each reads only its inputs ---


def _terms(terms: tuple[Term, ...]) -> dict[str, Term]:
    return {term.slug: term for term in terms}


def _bibtex(memo: Memo, paper: Paper, citation_key: str) -> Piece:
    """The paper's BibTeX entry, on its page and in papers.bib."""
    return memo.piece(bibtex_entry, paper, citation_key=citation_key)


def more_in(papers: tuple[Paper, ...], position: int, count: int, shown: tuple[Paper, ...]) -> tuple[Paper, ...]:
    """The papers next to the one at `position` in its category's listing (same years, similar
    titles), but for those its page `shown` already: adding a paper changes the lists of its
    neighbours, not of the whole category."""
    shown_ids = {paper.id for paper in shown}
    reach = count + len(shown_ids)
    low = max(0, position - reach)
    others = [paper for index, paper in enumerate(papers[low : position + reach + 1], low) if index != position and paper.id not in shown_ids]
    before = sum(1 for paper in papers[low:position] if paper.id not in shown_ids)
    start = max(0, min(before - count // 2, len(others) - count))
    return tuple(others[start : start + count])


def paper_pages(
    memo: Memo, category: Term, papers: tuple[Paper, ...], pages: tuple[int, int], citation_keys: tuple[str, ...],
    author_links: tuple[tuple[str, ...], ...], venue_links: tuple[str, ...], similar: tuple[tuple[Paper, ...], ...], taxonomy: Taxonomy,
    related_papers: int,
) -> Iterator[PageSpec]:
    """The pages of the papers at positions `pages` (first, end) of `papers`, a stretch of their
    category's listing with the neighbours that "More in" lists may show; with each page's
    citation key, the slugs of its authors' and venue's pages ("" where there is none) and its
    most similar papers."""
    tags = _terms(taxonomy.tags)
    first, end = pages
    for index, position in enumerate(range(first, end)):
        paper = papers[position]
        path = urls.paper(paper.id)
        base = urls.base(path)
        yield PageSpec(path, "paper.md.j2", dict(
            paper=paper, category=category, tags=tuple(tags[tag] for tag in paper.tags),
            similar=tuple(memo.piece("related_item.md.j2", other, base=base) for other in similar[index]),
            more_in=tuple(memo.piece("related_item.md.j2", other, base=base) for other in more_in(papers, position, related_papers, similar[index])),
            author_links=author_links[index], venue_link=venue_links[index], venue_series=venue_series(paper.venue) if paper.venue else "",
            bibtex=_bibtex(memo, paper, citation_keys[index]), ris=memo.piece(ris_entry, paper), citation_key=citation_keys[index],
            base=base, root=urls.root(path),
        ))


def listing_page(
    memo: Memo, kind: str, term: Term, papers: tuple[Paper, ...], author_links: tuple[tuple[str, ...], ...], taxonomy: Taxonomy,
    abstracts_up_to: int,
) -> Iterator[PageSpec]:
    """The page of a category, tag, author, venue series or year. A long one shows no abstracts
    and is keyed by its entries' texts: an abstract edit leaves it as it is."""
    path = urls.term(kind, term.slug)
    compact = len(papers) > abstracts_up_to
    tags = _terms(taxonomy.tags)
    by_year: dict[int, list[int]] = {}
    for position, paper in enumerate(papers):  # newest first
        by_year.setdefault(paper.year, []).append(position)
    # Only a long listing, keyed by its entries' texts, holds a year of many entries in stretches.
    entries = memo.stretches if compact else memo.pieces
    years = tuple(
        (year, entries(
            "entry.md.j2", tuple(papers[index] for index in positions),
            each={"tags": tuple(tuple(tags[tag] for tag in papers[index].tags) for index in positions),
                  "author_links": tuple(author_links[index] for index in positions)},
            base=_LISTING_BASE, with_abstract=not compact,
        ))
        for year, positions in by_year.items()
    )
    yield PageSpec(path, "listing.md.j2", dict(kind=kind, term=term, count=len(papers), compact=compact, years=years, root=urls.root(path)), by_content=compact)


def all_papers_page(memo: Memo, papers: tuple[Paper, ...], taxonomy: Taxonomy) -> Iterator[PageSpec]:
    """The table of all papers, keyed by its rows' texts: an edit that no row shows leaves it."""
    path = urls.ALL_PAPERS
    base = urls.base(path)
    categories = _terms(taxonomy.categories)
    rows = memo.stretches("paper_row.md.j2", papers, each={"category": tuple(categories[paper.category] for paper in papers)}, base=base)
    yield PageSpec(path, "all_papers.md.j2", dict(count=len(papers), rows=rows, root=urls.root(path)), by_content=True)


# The exports hold every paper's piece in Stretches (site_gen/incremental/memo.py): an edit makes
# again the pieces of its stretch of papers, not of all.


def papers_json_file(memo: Memo, papers: tuple[Paper, ...]) -> Iterator[PageSpec]:
    yield PageSpec(urls.PAPERS_JSON, papers_json, dict(records=memo.stretches(record_json, papers)), by_content=True)


def papers_bib_file(memo: Memo, papers: tuple[Paper, ...], citation_keys: tuple[str, ...]) -> Iterator[PageSpec]:
    """Every paper's entry in citation-key order (`papers` and their `citation_keys` sorted so)."""
    entries = memo.stretches(bibtex_entry, papers, each={"citation_key": citation_keys})
    yield PageSpec(urls.PAPERS_BIB, papers_bib, dict(entries=entries), by_content=True)


def papers_ris_file(memo: Memo, papers: tuple[Paper, ...]) -> Iterator[PageSpec]:
    yield PageSpec(urls.PAPERS_RIS, papers_ris, dict(entries=memo.stretches(ris_entry, papers)), by_content=True)


def papers_csl_file(memo: Memo, papers: tuple[Paper, ...], citation_keys: tuple[str, ...]) -> Iterator[PageSpec]:
    """CSL-JSON items, identified by the papers' citation keys (in that order)."""
    items = memo.stretches(csl_item, papers, each={"citation_key": citation_keys})
    yield PageSpec(urls.PAPERS_CSL, papers_json, dict(records=items), by_content=True)


def map_section(memo: Memo, places: tuple[MapPlace, ...], categories: tuple[tuple[Term, str, int], ...], base: str) -> Iterator[PageSpec]:
    """/map/, its points coloured by category and named with it (colours repeat past sixteen
    categories)."""
    points = tuple(
        (x, y, category_colour(index), base + urls.url(urls.paper(paper_id)), f"{title} ({year}) · {categories[index][0].title}")
        for x, y, index, paper_id, title, year in places
    )
    yield PageSpec(urls.MAP, map_page, dict(points=points, categories=categories, base=base))


def map_page(points: tuple[MapPoint, ...], categories: tuple[tuple[Term, str, int], ...], base: str) -> str:
    """/map/: the points drawn, and the categories' legend."""
    described = (
        f"{len(points)} papers, each a link to its page, placed by the words of their titles, abstracts and tags: papers that "
        f"use the same words are near each other. The colour of a point is its category, one of {len(categories)}."
    )
    drawn = paper_map(points, "Map of the papers by their text", described)
    return render("map.md.j2", map=drawn, categories=categories, base=base)


def navigation(taxonomy: Taxonomy, hand_written: tuple[str, ...]) -> str:
    """The nav as a MkDocs config fragment (the plugin reads it): categories in taxonomy order,
    never individual papers, tags or authors, because MkDocs renders the nav into every page (each
    entry costs build time on every page). The index pages of tags, authors, venues and years list them."""
    # Themes insert nav titles into HTML unescaped: escape them here, like front matter.
    categories = [{str(escape(t.title)): urls.term("category", t.slug)} for t in taxonomy.categories]
    nav = [
        {"Home": urls.HOME},
        {"Categories": [urls.term_index("category"), *categories]},
        {"Tags": urls.term_index("tag")},
        {"Authors": urls.term_index("author")},
        {"Venues": urls.term_index("venue")},
        {"Years": urls.term_index("year")},
        {"All papers": urls.ALL_PAPERS},
        {"Statistics": urls.STATS},
        {"Map": urls.MAP},
        *({title: path} for title, path in _NAV_HAND_WRITTEN if path in hand_written),
    ]
    return yaml.safe_dump({"nav": nav}, sort_keys=False, allow_unicode=True)


def field_reference(schema: dict) -> str:
    """The paper fields as a Markdown table, straight from the JSON Schema."""
    return render("fields.md.j2", schema=schema)
