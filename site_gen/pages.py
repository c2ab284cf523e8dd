"""Catalog -> the site's pages and files, as (path, content) pairs. Pure: no file system access.

Built for warm runs at 10,000 papers. Every page has a key: a digest of everything its template
reads (a paper is represented by its file's content key). A page whose output is still current
for its key (`is_current`, answered by the writer) is not rendered at all. Pieces shared between
pages (a paper's listing entry, its row in the table of all papers, its BibTeX and JSON) are kept
in a fragment cache by the same kind of key, so a listing of 10,000 papers is re-assembled from
cached pieces when one of them changes. A page made only of such pieces (a long listing, the
table, papers.bib) is keyed by the pieces' digests, so it stays current when a paper changes in a
way none of its pieces shows.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, Iterator, Mapping, MutableMapping, TypeVar

import yaml
from markupsafe import Markup, escape

from site_gen.catalog import Catalog
from site_gen.exports import FEED_SIZE, bibtex_entry, citation_keys, citation_stem, feed_xml, papers_bib, papers_json, record_json
from site_gen.records import Paper
from site_gen.templating import render

RELATED_COUNT = 10
# Listings longer than this show no abstracts (each paper's page has its own). Every entry's
# abstract made a tag page of 4,000 papers weigh 10 MB, for readers and for the builder, in a
# listing that readers narrow with its filters rather than read through; the lists this project
# competes with rarely have a category or tag that large.
LISTING_ABSTRACTS_UP_TO = 200
RECENT_COUNT = 10
# MkDocs skips dot-files when building, so the navigation file never becomes part of the site.
NAV_FILE = ".nav.yml"
# A piece of one paper's output: (the paper file's content key, which piece, what else it reads).
FragmentKey = tuple[bytes, str, bytes]
GroupKey = TypeVar("GroupKey")


@dataclass(frozen=True)
class Page:
    """A file of the output. `key` identifies what `content` was made from (empty: the content
    itself identifies it); `content` is None for a page the writer said is current for `key`."""

    path: str
    content: bytes | None
    key: bytes = b""


def _page(path: str, text: str, key: bytes = b"") -> Page:
    return Page(path, text.encode("utf-8"), key)


def digest(*inputs: object) -> bytes:
    """A key for small inputs (repr of records and scalars)."""
    return hashlib.blake2b(repr(inputs).encode(), digest_size=16).digest()


def join_digest(parts: Iterable[bytes]) -> bytes:
    """A key for many parts that are digests or content keys (no repr: thousands per page). They
    are joined with a separator, not length-prefixed: ~5x faster, and a collision would need a
    digest that imitates a separator and a neighbour's bytes at once."""
    return hashlib.blake2b(b"\x1f".join(parts), digest_size=16).digest()


def _summary(abstract: str, limit: int = 300) -> str:
    """The abstract's first sentence (or its start) for the page's meta description."""
    first = re.split(r"(?<=[.!?])\s", " ".join(abstract.split()), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _always_stale(path: str, key: bytes) -> bool:
    return False


class SiteRenderer:
    """Renders one catalog.

    `content_keys` maps each paper id to a digest of its file (the reader's content key);
    `fragments` holds pieces rendered by earlier builds (read and extended; the caller saves it);
    `small_fragments` the pieces every build reads for every paper (citation stems and the digests
    of pieces that pages are assembled from), kept apart from the others (a hundredth of their size)
    so that a build with nothing to render never loads the rest;
    `is_current(path, key)` tells whether the output already holds that page for that key;
    `group_keys` holds the keys that the last build computed for whole groups of papers (a
    category's pages, a listing), each with a digest of its inputs (read; what this build used is
    `used_group_keys`, for the caller to save)."""

    def __init__(
        self,
        catalog: Catalog,
        site_url: str,
        content_keys: Mapping[str, bytes],
        fragments: MutableMapping[FragmentKey, str] | None = None,
        is_current: Callable[[str, bytes], bool] = _always_stale,
        small_fragments: MutableMapping[FragmentKey, str | bytes] | None = None,
        group_keys: Mapping[str, tuple[bytes, Any]] | None = None,
    ):
        self.catalog = catalog
        self.site_url = site_url
        self.content_keys = content_keys
        self.fragments = {} if fragments is None else fragments
        self.is_current = is_current
        self.added_fragments: dict[FragmentKey, str] = {}
        self.small_fragments = {} if small_fragments is None else small_fragments
        self.added_small_fragments = False
        self._citation_keys: dict[str, str] | None = None
        self._neighbours: dict[str, tuple[Paper, ...]] = {}
        self._term_keys = {
            **{("category", t.slug): digest(t) for t in catalog.taxonomy.categories},
            **{("tag", t.slug): digest(t) for t in catalog.taxonomy.tags},
        }
        self._taxonomy_key = join_digest(self._term_keys.values())
        self.group_keys = {} if group_keys is None else group_keys
        self.used_group_keys: dict[str, tuple[bytes, Any]] = {}
        self._entry_keys: dict[str, bytes] = {}
        self._compact_entry_digests: dict[str, bytes] = {}
        self._related_items: dict[str, Markup] = {}

    # --- shared pieces, each rendered once per content and reused from the fragment cache ---

    def _fragment(self, paper: Paper, kind: str, inputs: bytes, make: Callable[[], str]) -> str:
        """A piece of one paper; `inputs` is a digest of what it reads besides the paper."""
        key = (self.content_keys[paper.id], kind, inputs)
        text = self.fragments.get(key)
        if text is None:
            text = self.fragments[key] = self.added_fragments[key] = make()
        return text

    def _small_fragment(self, paper: Paper, kind: str, inputs: bytes, make: Callable[[], str | bytes]) -> str | bytes:
        key = (self.content_keys[paper.id], kind, inputs)
        value = self.small_fragments.get(key)
        if value is None:
            value = self.small_fragments[key] = make()
            self.added_small_fragments = True
        return value

    def _piece_digest(self, paper: Paper, kind: str, inputs: bytes, piece: Callable[[], str]) -> bytes:
        """A digest of one of the paper's pieces. A page assembled from pieces is keyed by their
        digests rather than by the papers' files: editing an abstract, which a long listing, the
        table of all papers and the BibTeX do not show, leaves those pages current."""
        return self._small_fragment(paper, kind + "-digest", inputs, lambda: hashlib.blake2b(piece().encode(), digest_size=16).digest())

    def _entry_key(self, paper: Paper) -> bytes:
        """What a paper's listing entry shows: its file and the titles of its tags."""
        key = self._entry_keys.get(paper.id)
        if key is None:
            terms = self._term_keys
            key = self._entry_keys[paper.id] = join_digest([self.content_keys[paper.id], *(terms["tag", tag] for tag in paper.tags)])
        return key

    def entry(self, paper: Paper, with_abstract: bool = True) -> Markup:
        """The paper in a category or tag listing (without its abstract in a long listing)."""
        kind = "entry" if with_abstract else "compact-entry"
        return Markup(self._fragment(paper, kind, self._entry_key(paper), lambda: render("entry.md.j2", paper=paper, catalog=self.catalog, with_abstract=with_abstract).strip()))

    def listing_entries(self, paper: Paper) -> None:
        """Render (into the fragment cache) the entry variants that the paper's listings show."""
        catalog = self.catalog
        sizes = [len(catalog.by_category[paper.category]), *(len(catalog.by_tag[tag]) for tag in paper.tags)]
        if min(sizes) <= LISTING_ABSTRACTS_UP_TO:
            self.entry(paper)
        if max(sizes) > LISTING_ABSTRACTS_UP_TO:
            self.entry(paper, with_abstract=False)

    def _listing_context(self, papers: tuple[Paper, ...]) -> dict[str, object]:
        compact = len(papers) > LISTING_ABSTRACTS_UP_TO
        return {"papers": papers, "catalog": self.catalog, "compact": compact, "entry": partial(self.entry, with_abstract=not compact)}

    def row(self, paper: Paper) -> Markup:
        """The paper in the table of all papers."""
        return Markup(self._fragment(paper, "row", self._term_keys["category", paper.category], lambda: render("paper_row.md.j2", paper=paper, catalog=self.catalog).strip()))

    def rows(self) -> Markup:
        """Every paper's row, newest first (joined here: a template loop over 10,000 rows took
        0.1 s of every build that changes one)."""
        return Markup("\n".join(map(self.row, self.catalog.papers)))

    @property
    def citation_keys(self) -> dict[str, str]:
        if self._citation_keys is None:
            stems = {
                paper.id: self._small_fragment(paper, "stem", b"", lambda paper=paper: citation_stem(paper))
                for paper in self.catalog.papers
            }
            self._citation_keys = citation_keys(stems)
        return self._citation_keys

    def bibtex(self, paper: Paper) -> str:
        citation_key = self.citation_keys[paper.id]
        return self._fragment(paper, "bibtex", citation_key.encode(), lambda: bibtex_entry(paper, citation_key))

    def record_json(self, paper: Paper) -> str:
        return self._fragment(paper, "json", b"", lambda: record_json(paper))

    # --- pages ---

    def _keyed(self, path: str, key: bytes, make: Callable[[], str | bytes]) -> Page:
        if self.is_current(path, key):
            return Page(path, None, key)
        content = make()
        return Page(path, content if isinstance(content, bytes) else content.encode("utf-8"), key)

    def related(self, paper: Paper) -> tuple[Paper, ...]:
        """Papers next to this one in its category's listing (same years, similar titles): adding
        a paper changes the related lists of its ten neighbours, not of the whole category."""
        if paper.id not in self._neighbours:
            listing = self.catalog.by_category[paper.category]
            for position, other in enumerate(listing):
                start = max(0, min(position - RELATED_COUNT // 2, len(listing) - RELATED_COUNT - 1))
                window = listing[start : start + RELATED_COUNT + 1]
                self._neighbours[other.id] = tuple(p for p in window if p.id != other.id)[:RELATED_COUNT]
        return self._neighbours[paper.id]

    def related_items(self, paper: Paper) -> list[Markup]:
        items = self._related_items
        for other in self.related(paper):
            if other.id not in items:
                items[other.id] = Markup(render("related_item.md.j2", paper=other).strip())
        return [items[other.id] for other in self.related(paper)]

    def _for_group(self, name: str, inputs: Iterable[bytes], compute: Callable[[], GroupKey]) -> GroupKey:
        """`compute()`, or what it gave the last build if `inputs` (everything it reads, digested)
        are the same: computing the keys of 10,000 paper pages and of the long listings took ~0.2 s
        of every warm build, though an edit changes those of one category and a few tags. Module
        constants (RELATED_COUNT, LISTING_ABSTRACTS_UP_TO) count through the cache's code version:
        made configurable, they would have to join the inputs."""
        inputs_key = join_digest(inputs)
        known = self.group_keys.get(name)
        if known is None or known[0] != inputs_key:
            known = (inputs_key, compute())
        self.used_group_keys[name] = known
        return known[1]

    def _group_inputs(self, papers: tuple[Paper, ...], with_citation_keys: bool = False) -> list[bytes]:
        """What the keys of a group of papers' pages can depend on: the taxonomy's terms, and the
        papers in order with their files (and citation keys, which paper pages show)."""
        keys = self.content_keys
        inputs = [self._taxonomy_key, *(keys[p.id] for p in papers)]
        if with_citation_keys:
            citation_keys = self.citation_keys
            inputs += (citation_keys[p.id].encode() for p in papers)
        return inputs

    def paper_page_keys(self) -> dict[str, bytes]:
        """Every paper page's key, computed again only for the categories whose papers changed (a
        paper's page shows its neighbours in its category's listing)."""
        keys: dict[str, bytes] = {}
        for slug, papers in self.catalog.by_category.items():
            inputs = self._group_inputs(papers, with_citation_keys=True)
            compute = lambda papers=papers: {p.id: self.paper_page_key(p) for p in papers}  # noqa: E731
            keys.update(self._for_group(f"paper pages in {slug}", inputs, compute))
        return keys

    def paper_page_key(self, paper: Paper) -> bytes:
        """Everything paper.md.j2 reads, digested."""
        related = [self.content_keys[other.id] for other in self.related(paper)]
        category = self._term_keys["category", paper.category]
        return join_digest([b"paper", self._entry_key(paper), category, *related, self.citation_keys[paper.id].encode()])

    def paper_page(self, paper: Paper, key: bytes = b"") -> Page:
        catalog = self.catalog
        text = render(
            "paper.md.j2",
            paper=paper, catalog=catalog, category=catalog.categories[paper.category], related=self.related_items(paper),
            bibtex=self.bibtex(paper), summary=_summary(paper.abstract) if paper.abstract else "",
        )
        return _page(f"papers/{paper.id}.md", text, key)

    def _listing_key(self, kind: str, slug: str, papers: tuple[Paper, ...]) -> bytes:
        return self._for_group(f"{kind} listing {slug}", self._group_inputs(papers), lambda: self._listing_key_of(kind, slug, papers))

    def _listing_key_of(self, kind: str, slug: str, papers: tuple[Paper, ...]) -> bytes:
        if len(papers) <= LISTING_ABSTRACTS_UP_TO:
            return join_digest([kind.encode(), self._term_keys[kind, slug], *map(self._entry_key, papers)])
        return join_digest([kind.encode(), b"compact", self._term_keys[kind, slug], *map(self._compact_entry_digest, papers)])

    def _compact_entry_digest(self, paper: Paper) -> bytes:
        digest = self._compact_entry_digests.get(paper.id)  # a paper is on ~5 listings
        if digest is None:
            digest = self._compact_entry_digests[paper.id] = self._piece_digest(
                paper, "compact-entry", self._entry_key(paper), lambda: self.entry(paper, with_abstract=False)
            )
        return digest

    def _row_digest(self, paper: Paper) -> bytes:
        return self._piece_digest(paper, "row", self._term_keys["category", paper.category], lambda: self.row(paper))

    def _bibtex_digest(self, paper: Paper) -> bytes:
        return self._piece_digest(paper, "bibtex", self.citation_keys[paper.id].encode(), lambda: self.bibtex(paper))

    def listing_pages(self) -> Iterator[Page]:
        catalog = self.catalog
        yield _page("index.md", render("home.md.j2", catalog=catalog, recent=catalog.recently_added(RECENT_COUNT)))
        yield _page("categories/index.md", render("categories_index.md.j2", catalog=catalog))
        for term in catalog.taxonomy.categories:
            papers = catalog.by_category.get(term.slug, ())
            yield self._keyed(
                f"categories/{term.slug}.md", self._listing_key("category", term.slug, papers),
                lambda: render("category.md.j2", term=term, **self._listing_context(papers)),
            )
        yield _page("tags/index.md", render("tags_index.md.j2", catalog=catalog))
        for term in catalog.taxonomy.tags:
            papers = catalog.by_tag.get(term.slug, ())
            yield self._keyed(
                f"tags/{term.slug}.md", self._listing_key("tag", term.slug, papers),
                lambda: render("tag.md.j2", term=term, **self._listing_context(papers)),
            )
        all_key = self._for_group("all papers", self._group_inputs(catalog.papers), lambda: join_digest([b"all", *map(self._row_digest, catalog.papers)]))
        yield self._keyed("papers/index.md", all_key, lambda: render("all_papers.md.j2", catalog=catalog, rows=self.rows()))

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
        catalog = self.catalog
        by_id = sorted(catalog.papers, key=lambda p: p.id)
        yield self._keyed("papers.json", join_digest([b"json", *(self.content_keys[p.id] for p in by_id)]), lambda: papers_json(map(self.record_json, by_id)))
        bib_key = join_digest([b"bib", *(part for p in by_id for part in (self.citation_keys[p.id].encode(), self._bibtex_digest(p)))])
        yield self._keyed("papers.bib", bib_key, lambda: papers_bib({p.id: self.bibtex(p) for p in by_id}, self.citation_keys))
        recent = catalog.recently_added(FEED_SIZE)
        feed_key = digest("feed", self.site_url, catalog.taxonomy, [self.content_keys[p.id] for p in recent])
        yield self._keyed("feed.xml", feed_key, lambda: feed_xml(catalog, self.site_url))

    def pages(self) -> Iterator[Page]:
        """Every generated page. At scale, paper pages and the pieces of each paper that listings
        and exports use are rendered by forked workers (which inherit this renderer, so nothing
        is pickled on the way in); this process then assembles the listings from those pieces."""
        stale: list[tuple[Paper, bytes]] = []
        keys = self.paper_page_keys()
        for paper in self.catalog.papers:
            key = keys[paper.id]
            if self.is_current(f"papers/{paper.id}.md", key):
                yield Page(f"papers/{paper.id}.md", None, key)
            else:
                stale.append((paper, key))
        workers = min(os.cpu_count() or 1, 8)
        if len(stale) < PARALLEL_THRESHOLD or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            yield from self.listing_pages()
            for paper, key in stale:
                yield self.paper_page(paper, key)
        else:
            yield from self._render_in_workers(stale, workers)
        yield self.navigation()
        yield from self.export_files()

    def _render_in_workers(self, stale: list[tuple[Paper, bytes]], workers: int) -> Iterator[Page]:
        from concurrent.futures import ProcessPoolExecutor

        global _worker_renderer
        _worker_renderer = self
        try:
            jobs = [(paper.id, key) for paper, key in stale]
            chunks = [jobs[start : start + 250] for start in range(0, len(jobs), 250)]
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                for pages, fragments in pool.map(_render_paper_pages, chunks):
                    self.fragments.update(fragments)
                    self.added_fragments.update(fragments)
                    yield from pages
            yield from self.listing_pages()
        finally:
            _worker_renderer = None


# Below this many papers to render, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 1000
_worker_renderer: SiteRenderer | None = None


def _render_paper_pages(jobs: list[tuple[str, bytes]]) -> tuple[list[Page], dict[FragmentKey, str]]:
    renderer = _worker_renderer
    renderer.added_fragments = {}
    pages = []
    for paper_id, key in jobs:
        paper = renderer.catalog.by_id[paper_id]
        pages.append(renderer.paper_page(paper, key))
        renderer.listing_entries(paper), renderer.row(paper), renderer.record_json(paper)
    return pages, renderer.added_fragments


def field_reference(schema: dict) -> str:
    """The paper fields as a Markdown table, straight from the JSON Schema."""
    return render("fields.md.j2", schema=schema)
