"""Papers indexed the ways readers browse them: by category, tag, author and year."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Iterable, Mapping

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
    def build(cls, taxonomy: Taxonomy, papers: Iterable[Paper]) -> "Catalog":
        return cls(taxonomy, tuple(papers))

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        put("papers", newest_first(self.papers))  # the indexes below rely on this order
        put("by_id", MappingProxyType({p.id: p for p in self.papers}))
        put("by_category", _index((p.category, p) for p in self.papers))
        put("by_tag", _index((tag, p) for p in self.papers for tag in p.tags))
        put("categories", MappingProxyType({t.slug: t for t in self.taxonomy.categories}))
        put("tags", MappingProxyType({t.slug: t for t in self.taxonomy.tags}))

    # Built on first use: the site's pages do not browse by author or year yet, and indexing
    # 10,000 papers' 50,000 author names took 0.1 s of every build.
    @cached_property
    def by_author(self) -> Mapping[str, tuple[Paper, ...]]:
        return _index((author, p) for p in self.papers for author in p.authors)

    @cached_property
    def by_year(self) -> Mapping[int, tuple[Paper, ...]]:
        return _index((p.year, p) for p in self.papers)

    def recently_added(self, count: int) -> tuple[Paper, ...]:
        return tuple(heapq.nlargest(count, self.papers, key=lambda p: (p.added, p.id)))

    @property
    def years(self) -> tuple[int, int] | None:
        # Papers are sorted newest first.
        return (self.papers[-1].year, self.papers[0].year) if self.papers else None
