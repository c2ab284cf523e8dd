"""The maintainer's map from a source's keywords (BibTeX `keywords`, CSL `keyword`, Jekyll `tags`)
to the list's category and tags: a YAML file given with `site-gen import --map FILE`.

    # keyword, in any case: the category and/or tags it means on this list
    generative adversarial networks: {category: generative-models, tags: [gan]}
    GAN: {tags: [gan]}
    reinforcement learning: {category: memory-in-rl}

A keyword the map does not name, with or without a map, counts when it is itself the slug of one
of the list's tags or categories (`Low-Rank` is the tag low-rank).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from slugify import slugify

from site_gen.diagnostics import Diagnostic
from site_gen.importers import fields, read_text
from site_gen.records import Taxonomy
from site_gen.schema import paper_schema
from site_gen.yaml_source import YamlDocument, read_yaml

MAX_TAGS = paper_schema()["properties"]["tags"]["maxItems"]
_SLUG = re.compile(paper_schema()["$defs"]["slug"]["pattern"])


@dataclass(frozen=True)
class Meaning:
    category: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeywordMap:
    meanings: dict[str, Meaning]  # by keyword, casefolded
    categories: frozenset[str]
    tags: frozenset[str]

    def terms(self, keywords: Iterable[str]) -> Meaning:
        """The category of the first keyword that names one, and the tags of all of them."""
        category, tags = None, []
        for keyword in keywords:
            meaning = self.meanings.get(_key(keyword)) or self._slug_meaning(keyword)
            category = category or meaning.category
            tags += meaning.tags
        return Meaning(category, fields.unique(tags)[:MAX_TAGS])

    def _slug_meaning(self, keyword: str) -> Meaning:
        slug = slugify(keyword)
        return Meaning(slug if slug in self.categories else None, (slug,) if slug in self.tags else ())


def _key(keyword: str) -> str:
    return " ".join(keyword.casefold().split())


def read_keyword_map(path: Path | None, taxonomy: Taxonomy | None, taxonomy_path: str) -> tuple[KeywordMap, list[Diagnostic]]:
    """The map in `path` (none: only the list's own slugs), or every problem in the file."""
    categories = frozenset(term.slug for term in taxonomy.categories) if taxonomy else frozenset()
    tags = frozenset(term.slug for term in taxonomy.tags) if taxonomy else frozenset()
    empty = KeywordMap({}, categories, tags)
    if path is None:
        return empty, []
    text = read_text(path)
    if isinstance(text, Diagnostic):
        return empty, [text]
    document, problems = read_yaml(text.encode("utf-8"), path.as_posix())
    if document is None:
        return empty, problems
    check = _MapCheck(document, path.as_posix(), categories if taxonomy else None, tags if taxonomy else None, taxonomy_path)
    meanings = {_key(keyword): check.meaning(keyword, value) for keyword, value in document.data.items()}
    return KeywordMap(meanings, categories, tags), check.problems


@dataclass
class _MapCheck:
    """Reads each keyword's meaning, noting every problem where it is written. Without a valid
    taxonomy, any slug is taken (`site-gen check` reports the taxonomy first)."""

    document: YamlDocument
    path: str
    categories: frozenset[str] | None
    tags: frozenset[str] | None
    taxonomy_path: str

    def __post_init__(self) -> None:
        self.problems: list[Diagnostic] = []

    def meaning(self, keyword: str, value: object) -> Meaning:
        if not isinstance(value, dict) or not value:
            self._problem((keyword,), f"keyword '{keyword}' must map to category: and/or tags:", f"write it like {keyword}: {{category: a-category, tags: [a-tag]}}")
            return Meaning()
        for name in sorted(set(value) - {"category", "tags"}):
            self._problem((keyword, name), f"unknown field '{name}' for keyword '{keyword}'", "a keyword maps to category: and tags: only")
        category = value.get("category")
        if category is not None and self._term((keyword, "category"), category, "category", self.categories) is None:
            category = None
        tags = value.get("tags", [])
        if not isinstance(tags, list):
            self._problem((keyword, "tags"), f"the tags of '{keyword}' must be a list", "write them like tags: [llm, low-rank]")
            tags = []
        found = [self._term((keyword, "tags", index), tag, "tag", self.tags) for index, tag in enumerate(tags)]
        return Meaning(category, tuple(tag for tag in found if tag))

    def _term(self, where: tuple, slug: object, kind: str, known: frozenset[str] | None) -> str | None:
        if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
            self._problem(where, f"{kind} {slug!r} is not a slug", "use lowercase letters, digits and single dashes")
            return None
        if known is not None and slug not in known:
            close = difflib.get_close_matches(slug, sorted(known), n=3, cutoff=0.5)
            hint = "did you mean " + " or ".join(f"'{match}'" for match in close) + "?" if close else f"use a {kind} defined in {self.taxonomy_path}"
            self._problem(where, f"unknown {kind} '{slug}'", hint)
            return None
        return slug

    def _problem(self, where: tuple, message: str, hint: str) -> None:
        line, column = self.document.location(where)
        self.problems.append(Diagnostic(self.path, line, column, message, hint))
