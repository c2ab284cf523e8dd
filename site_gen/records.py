"""Immutable, validated records: a paper, a category, a tag, the taxonomy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from site_gen.schema import paper_fields

_FIELDS = frozenset(paper_fields())


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper. Its fields are exactly those of the JSON Schema, read through attributes
    (`paper.title`, `paper.venue` is None when absent), so no second copy of the field list exists."""

    id: str
    source: str
    fields: Mapping[str, Any]

    @property
    def added_date(self) -> dt.date:
        return dt.date.fromisoformat(self.fields["added"])

    @property
    def arxiv_url(self) -> str | None:
        arxiv = self.fields.get("arxiv")
        return f"https://arxiv.org/abs/{arxiv}" if arxiv else None

    @property
    def pdf_url(self) -> str | None:
        arxiv = self.fields.get("arxiv")
        return f"https://arxiv.org/pdf/{arxiv}" if arxiv else None

    @property
    def doi_url(self) -> str | None:
        doi = self.fields.get("doi")
        return f"https://doi.org/{doi}" if doi else None

    @property
    def main_url(self) -> str:
        """Where a reader goes to read the paper."""
        return self.arxiv_url or self.doi_url or self.fields["url"]

    def __reduce__(self):
        # MappingProxyType cannot be pickled (worker processes and the parse cache need to); the
        # other values are tuples and scalars, which pickle as they are.
        fields = dict(self.fields)
        if "links" in fields:
            fields["links"] = dict(fields["links"])
        return (_paper_from_pickle, (self.id, self.source, fields))

    def export(self) -> dict[str, Any]:
        """The record as it appears in papers.json: id first, then schema order."""
        return {"id": self.id, **{name: _plain(self.fields[name]) for name in paper_fields() if name in self.fields}}


def _field_property(name: str) -> property:
    return property(lambda paper: paper.fields.get(name), doc=f"The paper's `{name}` field (None when absent).")


# One read-only attribute per schema field (a property is ~5x faster than __getattr__, which runs
# only after a failed lookup: listings of 10,000 papers read a million of them).
for _name in _FIELDS:
    if not hasattr(Paper, _name):
        setattr(Paper, _name, _field_property(_name))


def _paper_from_pickle(paper_id: str, source: str, fields: dict[str, Any]) -> Paper:
    if "links" in fields:
        fields["links"] = MappingProxyType(fields["links"])
    return Paper(paper_id, source, MappingProxyType(fields))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def freeze(value: Any) -> Any:
    """Deeply immutable copy of parsed YAML data."""
    if isinstance(value, dict):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(freeze(item) for item in value)
    return value


@dataclass(frozen=True, slots=True)
class Term:
    """A category or a tag."""

    slug: str
    title: str
    description: str

    def __hash__(self) -> int:
        # Equal terms have equal slugs; hashing the slug alone is ~3x faster than all three
        # fields, and terms are hashed for every piece of every page a build looks at.
        return hash(self.slug)


@dataclass(frozen=True, slots=True)
class Taxonomy:
    title: str
    description: str
    repository: str | None
    url: str | None
    categories: tuple[Term, ...]
    tags: tuple[Term, ...]
    settings: Mapping[str, Any]  # what `settings:` sets (see options.py)
    # A person's name as their author page shows it -> the other spellings papers use.
    author_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
