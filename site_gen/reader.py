"""Files -> validated, immutable records. Collects every problem before giving up.

Built for lists of 10,000+ papers: each file is parsed once per content (a cache keyed by a hash
of its bytes), valid files take a fast path (no location tracking, a compiled schema validator),
and files that need parsing are spread over the CPU cores.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache

import fastjsonschema

from site_gen.diagnostics import Diagnostic, InputError
from site_gen.parse_cache import ParseCache, content_key
from site_gen.project import Project
from site_gen.records import Paper, Taxonomy, Term, freeze
from site_gen.schema import PAPER_SCHEMA_FILE, TAXONOMY_SCHEMA_FILE, paper_schema
from site_gen.validation import (
    duplicate_diagnostics,
    paper_rule_diagnostics,
    schema_diagnostics,
    taxonomy_diagnostics,
)
from site_gen.yaml_source import YamlDocument, read_yaml

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400


@cache
def _fast_validator():
    """The same JSON Schema compiled to Python code: ~10x faster than jsonschema, but it stops at
    the first error, so invalid files are validated again by jsonschema for the full report."""
    return fastjsonschema.compile(paper_schema())


@dataclass(frozen=True)
class Rejected:
    """A file that is not a valid paper: every reason, and whether its YAML could be read (then
    its category and tags can still be checked against the taxonomy)."""

    diagnostics: tuple[Diagnostic, ...]
    readable: bool


def parse_paper(raw: bytes, paper_id: str, display_path: str, today: dt.date) -> Paper | Rejected:
    """One file's bytes -> a Paper, or every reason it is not one. Needs nothing but its input."""
    document, problems = read_yaml(raw, display_path, track_locations=False)
    if document is None:
        return Rejected(tuple(problems), readable=False)
    if not paper_rule_diagnostics(paper_id, document, display_path, today):
        try:
            _fast_validator()(document.data)
            return Paper(paper_id, display_path, freeze(document.data))
        except fastjsonschema.JsonSchemaException:
            pass
    located = locate(raw, display_path)
    problems = schema_diagnostics(located, PAPER_SCHEMA_FILE, display_path)
    problems += paper_rule_diagnostics(paper_id, located, display_path, today)
    return Rejected(tuple(problems), readable=True)


def locate(raw: bytes, display_path: str) -> YamlDocument:
    """Parse a file that is known to be readable YAML again, recording where every value is."""
    document, _ = read_yaml(raw, display_path, track_locations=True)
    assert document is not None
    return document


def _parse_batch(batch: list[tuple[bytes, str, str]], today: dt.date) -> list[Paper | Rejected]:
    return [parse_paper(raw, paper_id, display_path, today) for raw, paper_id, display_path in batch]


def _parse_all(jobs: list[tuple[bytes, str, str]], today: dt.date) -> list[Paper | Rejected]:
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_THRESHOLD or workers < 2:
        return _parse_batch(jobs, today)
    size = -(-len(jobs) // workers)
    batches = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(_parse_batch, batches, [today] * len(batches))
        return [item for batch in results for item in batch]


def read_taxonomy(project: Project) -> tuple[Taxonomy | None, list[Diagnostic]]:
    display_path = project.display(project.taxonomy_path)
    try:
        raw = project.taxonomy_path.read_bytes()
    except FileNotFoundError:
        return None, [Diagnostic(display_path, 1, 1, "the taxonomy file is missing", "create it with list:, categories: and tags:")]
    document, problems = read_yaml(raw, display_path)
    if document is None:
        return None, problems
    problems = schema_diagnostics(document, TAXONOMY_SCHEMA_FILE, display_path)
    if problems:
        return None, problems
    data = document.data
    for section in ("categories", "tags"):
        seen: set[str] = set()
        for index, term in enumerate(data[section]):
            if term["slug"] in seen:
                line, column = document.location((section, index, "slug"))
                problems.append(Diagnostic(display_path, line, column, f"{section[:-1]} '{term['slug']}' is defined twice", "keep one definition"))
            seen.add(term["slug"])
    if problems:
        return None, problems

    def terms(section: str) -> tuple[Term, ...]:
        return tuple(Term(t["slug"], t["title"], " ".join(t["description"].split())) for t in data[section])

    listing = data["list"]
    taxonomy = Taxonomy(
        title=listing["title"],
        description=" ".join(listing["description"].split()),
        repository=listing.get("repository"),
        url=listing.get("url"),
        categories=terms("categories"),
        tags=terms("tags"),
    )
    return taxonomy, []


@dataclass(frozen=True)
class _Source:
    paper_id: str
    display_path: str
    raw: bytes




def read_project(project: Project, today: dt.date | None = None, use_cache: bool = True) -> tuple[Taxonomy, list[Paper]]:
    """Read and validate the whole list. Raises InputError with every problem found.

    The parse cache is saved only when the whole list is valid: bad input writes nothing."""
    today = today or dt.date.today()
    taxonomy, problems = read_taxonomy(project)
    taxonomy_path = project.display(project.taxonomy_path)
    sources: list[_Source] = []
    # Plain strings, not Path objects: at 10,000 files pathlib's overhead is a third of a warm run.
    papers_dir, display_dir = str(project.papers_dir), project.display(project.papers_dir)
    for name in project.paper_file_names():
        paper_id, suffix = name.rsplit(".", 1)
        display_path = f"{display_dir}/{name}"
        if suffix == "yaml":
            problems.append(Diagnostic(display_path, 1, 1, "paper files use the .yml extension", f"rename it to {paper_id}.yml"))
            continue
        with open(os.path.join(papers_dir, name), "rb") as handle:
            sources.append(_Source(paper_id, display_path, handle.read()))

    parse_cache = ParseCache.load(project.cache_dir, today) if use_cache else ParseCache.empty(today)
    keys = [content_key(source.raw, source.display_path) for source in sources]
    missing = [(source.raw, source.paper_id, source.display_path) for source, key in zip(sources, keys) if key not in parse_cache]
    parsed = iter(_parse_all(missing, today))
    results = [parse_cache.get(key) if key in parse_cache else parse_cache.put(key, next(parsed)) for key in keys]

    papers: list[Paper] = []
    categories = {term.slug for term in taxonomy.categories} if taxonomy else set()
    tags = {term.slug for term in taxonomy.tags} if taxonomy else set()
    for source, result in zip(sources, results):
        if isinstance(result, Paper):
            papers.append(result)
            if taxonomy is not None and (result.category not in categories or not tags.issuperset(result.tags)):
                problems.extend(taxonomy_diagnostics(locate(source.raw, source.display_path), source.display_path, taxonomy, taxonomy_path))
        else:
            problems.extend(result.diagnostics)
            if taxonomy is not None and result.readable:
                problems.extend(taxonomy_diagnostics(locate(source.raw, source.display_path), source.display_path, taxonomy, taxonomy_path))
    raw_by_path = {source.display_path: source.raw for source in sources}
    problems.extend(duplicate_diagnostics(papers, lambda display_path: locate(raw_by_path[display_path], display_path)))
    if problems:
        raise InputError(problems)
    assert taxonomy is not None
    if use_cache:
        parse_cache.save(keys)
    return taxonomy, papers
