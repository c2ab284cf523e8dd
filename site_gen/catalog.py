"""Papers indexed the ways readers browse them: by category, tag, author and year."""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Iterable, Mapping

from site_gen.names import page_key, person_key, venue_series
from site_gen.records import Paper, Taxonomy, Term


def newest_first(papers: Iterable[Paper]) -> tuple[Paper, ...]:
    """Year descending, then title: the order of every listing."""
    return tuple(sorted(papers, key=lambda p: (-p.year, p.title.casefold(), p.id)))


def _index(pairs: Iterable[tuple[str | int, Paper]]) -> Mapping:
    """Groups in the order the pairs come: from the sorted papers, each group is sorted too."""
    groups: dict = defaultdict(list)
    for key, paper in pairs:
        groups[key].append(paper)
    return MappingProxyType({key: tuple(group) for key, group in groups.items()})


def _placed(paper: Paper) -> tuple:
    """What the catalog's order and indexes read of a paper."""
    return paper.title, paper.year, paper.category, paper.tags, paper.authors, paper.venue


def _swapped(papers: tuple[Paper, ...], edited: Mapping[str, Paper]) -> tuple[Paper, ...]:
    return tuple(edited.get(p.id, p) for p in papers) if edited else papers


def _edited_index(index: Mapping, edited: Mapping[str, Paper], keys: Iterable) -> Mapping:
    """`index` (key -> papers, or -> a Group) with the edited papers in the groups of `keys`."""
    keys = set(keys)
    if not keys:
        return index
    updated = dict(index)
    for key in keys:
        group = index[key]
        updated[key] = Group(group.term, _swapped(group.papers, edited)) if isinstance(group, Group) else _swapped(group, edited)
    return MappingProxyType(updated)


@dataclass(frozen=True, slots=True)
class Group:
    """The papers of one author or venue series, newest first; `term` is its page's slug and name."""

    term: Term
    papers: tuple[Paper, ...]


def _groups(entries: Iterable[tuple[str, str, Paper]], declared: Mapping[str, str] = MappingProxyType({})) -> Mapping[str, Group]:
    """(key, spelling, paper) entries, papers newest first -> a group per key, in key order, named
    as `declared`, else by its most used spelling (the first in sort order on a tie)."""
    papers: dict[str, list[Paper]] = defaultdict(list)
    uses: Counter = Counter()  # (key, spelling) -> how often: one Counter for all, not one per key (~50,000 names)
    for key, spelling, paper in entries:
        if not papers[key] or papers[key][-1] is not paper:  # one name twice on a paper counts once
            papers[key].append(paper)
        uses[key, spelling] += 1
    names: dict[str, tuple[int, str]] = {}
    for (key, spelling), count in uses.items():
        if key not in names or (-count, spelling) < names[key]:
            names[key] = (-count, spelling)
    return MappingProxyType({key: Group(Term(key, declared.get(key) or names[key][1], ""), tuple(papers[key])) for key in sorted(papers)})


@dataclass(frozen=True)
class Catalog:
    taxonomy: Taxonomy
    papers: tuple[Paper, ...]
    by_id: Mapping[str, Paper] = field(init=False)
    by_category: Mapping[str, tuple[Paper, ...]] = field(init=False)
    by_tag: Mapping[str, tuple[Paper, ...]] = field(init=False)
    categories: Mapping[str, Term] = field(init=False)
    tags: Mapping[str, Term] = field(init=False)

    @classmethod
    def build(cls, taxonomy: Taxonomy, papers: Iterable[Paper], earlier: "Catalog | None" = None) -> "Catalog":
        """The catalog of the papers; `earlier`, one of the same list a moment ago (in a process
        that builds again after every edit, `mkdocs serve`), is updated instead when the papers
        are its own but for edits that leave each paper in the same places."""
        papers = tuple(papers)
        updated = earlier._edited(taxonomy, papers) if earlier is not None else None
        return cls(taxonomy, papers) if updated is None else updated

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        put("papers", newest_first(self.papers))  # the indexes below rely on this order
        put("by_id", MappingProxyType({p.id: p for p in self.papers}))
        put("by_category", _index((p.category, p) for p in self.papers))
        put("by_tag", _index((tag, p) for p in self.papers for tag in p.tags))
        self._set_terms()

    def _set_terms(self) -> None:
        object.__setattr__(self, "categories", MappingProxyType({t.slug: t for t in self.taxonomy.categories}))
        object.__setattr__(self, "tags", MappingProxyType({t.slug: t for t in self.taxonomy.tags}))

    def _edited(self, taxonomy: Taxonomy, papers: tuple[Paper, ...]) -> "Catalog | None":
        """This catalog with `papers` in place of its own, if each is its own or an edit of it
        that every index puts where it was (same title, year, category, tags, authors and venue:
        a note, an abstract, a link); else None. Sorting and grouping 10,000 papers again took
        ~0.15 s of each rebuild of `mkdocs serve`; the indexes no edit reaches are kept as they
        are, the same objects. Papers' ids are distinct (the reader makes them of file names).
        The taxonomy must be the same in the order of its mappings too, which == does not
        compare: of two `author_aliases` names with one page, the last names the page."""
        if len(papers) != len(self.papers) or taxonomy != self.taxonomy or repr(taxonomy) != repr(self.taxonomy):
            return None
        edited: dict[str, Paper] = {}
        for paper in papers:
            before = self.by_id.get(paper.id)
            if before is not paper:
                if before is None or _placed(before) != _placed(paper):
                    return None
                edited[paper.id] = paper
        catalog = object.__new__(Catalog)
        put = lambda name, value: object.__setattr__(catalog, name, value)  # noqa: E731 (frozen dataclass)
        put("taxonomy", taxonomy)
        put("papers", _swapped(self.papers, edited))
        put("by_id", MappingProxyType({**self.by_id, **edited}))
        put("by_category", _edited_index(self.by_category, edited, (p.category for p in edited.values())))
        put("by_tag", _edited_index(self.by_tag, edited, (tag for p in edited.values() for tag in p.tags)))
        catalog._set_terms()
        # What was built on first use: the same keys, the groups with the edited papers.
        built = self.__dict__
        for name in ("_alias_keys", "_author_keys", "_venue_keys"):
            if name in built:
                catalog.__dict__[name] = built[name]
        for name, keys in (
            ("authors", lambda p: self._author_keys[p.id]), ("venues", lambda p: (self.venue_key(p),) if p.venue else ()),
            ("by_year", lambda p: (p.year,)),
        ):
            if name in built:
                catalog.__dict__[name] = _edited_index(built[name], edited, (key for p in edited.values() for key in keys(p)))
        return catalog

    # Built on first use: a check or a build that shows no author reads none of them.
    @cached_property
    def _alias_keys(self) -> Mapping[str, str]:
        """The key of each alias spelling in the taxonomy -> its person's key."""
        return {page_key(spelling): page_key(name) for name, spellings in self.taxonomy.author_aliases.items() for spelling in spellings}

    @cached_property
    def _author_keys(self) -> Mapping[str, tuple[str, ...]]:
        return {p.id: tuple(person_key(author, self._alias_keys) for author in p.authors) for p in self.papers}

    def author_keys(self, paper: Paper) -> tuple[str, ...]:
        """The keys of a paper's authors (site_gen/names.py), one per name, in its order."""
        return self._author_keys[paper.id]

    @cached_property
    def authors(self) -> Mapping[str, Group]:
        """Every author by key, named as the taxonomy's `author_aliases` names them, else by the
        spelling most of their papers use."""
        declared = {page_key(name): name for name in self.taxonomy.author_aliases}
        return _groups(((key, name, p) for p in self.papers for key, name in zip(self.author_keys(p), p.authors)), declared)

    @cached_property
    def _venue_keys(self) -> Mapping[str, str]:
        return {p.id: page_key(venue_series(p.venue)) for p in self.papers if p.venue}

    def venue_key(self, paper: Paper) -> str | None:
        """The key of the paper's venue series, None when it has no venue."""
        return self._venue_keys.get(paper.id)

    @cached_property
    def venues(self) -> Mapping[str, Group]:
        """Every venue series by key, named by its most used spelling."""
        return _groups((self.venue_key(p), venue_series(p.venue), p) for p in self.papers if p.venue)

    @cached_property
    def by_year(self) -> Mapping[int, tuple[Paper, ...]]:
        return _index((p.year, p) for p in self.papers)

    def recently_added(self, count: int) -> tuple[Paper, ...]:
        return tuple(heapq.nlargest(count, self.papers, key=lambda p: (p.added, p.id)))

    @property
    def years(self) -> tuple[int, int] | None:
        # Papers are sorted newest first.
        return (self.papers[-1].year, self.papers[0].year) if self.papers else None
