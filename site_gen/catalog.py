"""Papers indexed the ways readers browse them: by category, tag, author and year."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
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
    by_author: Mapping[str, tuple[Paper, ...]] = field(init=False)
    by_year: Mapping[int, tuple[Paper, ...]] = field(init=False)
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
        put("by_author", _index((author, p) for p in self.papers for author in p.authors))
        put("by_year", _index((p.year, p) for p in self.papers))
        put("categories", MappingProxyType({t.slug: t for t in self.taxonomy.categories}))
        put("tags", MappingProxyType({t.slug: t for t in self.taxonomy.tags}))

    def recently_added(self, count: int) -> tuple[Paper, ...]:
        return tuple(heapq.nlargest(count, self.papers, key=lambda p: (p.added, p.id)))

    @property
    def years(self) -> tuple[int, int] | None:
        return (min(self.by_year), max(self.by_year)) if self.papers else None
