"""Files -> validated, immutable records. Collects every problem before giving up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from site_gen.diagnostics import Diagnostic, InputError
from site_gen.project import Project
from site_gen.records import Paper, Taxonomy, Term, freeze
from site_gen.schema import PAPER_SCHEMA_FILE, TAXONOMY_SCHEMA_FILE
from site_gen.validation import (
    duplicate_diagnostics,
    paper_rule_diagnostics,
    schema_diagnostics,
    taxonomy_diagnostics,
)
from site_gen.yaml_source import YamlDocument, read_yaml


@dataclass(frozen=True)
class ParsedPaper:
    paper: Paper | None
    document: YamlDocument | None
    diagnostics: tuple[Diagnostic, ...]


def parse_paper(raw: bytes, paper_id: str, display_path: str, today: dt.date) -> ParsedPaper:
    """One file's bytes -> a Paper, or the reasons it is not one. Needs nothing but its input."""
    document, problems = read_yaml(raw, display_path)
    if document is None:
        return ParsedPaper(None, None, tuple(problems))
    problems = schema_diagnostics(document, PAPER_SCHEMA_FILE, display_path)
    problems += paper_rule_diagnostics(paper_id, document, display_path, today)
    if problems:
        return ParsedPaper(None, document, tuple(problems))
    return ParsedPaper(Paper(paper_id, display_path, freeze(document.data)), document, ())


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


def read_project(project: Project, today: dt.date | None = None) -> tuple[Taxonomy, list[Paper]]:
    """Read and validate the whole list. Raises InputError with every problem found."""
    today = today or dt.date.today()
    taxonomy, problems = read_taxonomy(project)
    papers: list[Paper] = []
    documents: dict[str, YamlDocument] = {}
    for path in project.paper_files():
        display_path = project.display(path)
        if path.suffix == ".yaml":
            problems.append(Diagnostic(display_path, 1, 1, "paper files use the .yml extension", f"rename it to {path.stem}.yml"))
            continue
        parsed = parse_paper(path.read_bytes(), path.stem, display_path, today)
        problems.extend(parsed.diagnostics)
        if parsed.document is not None and taxonomy is not None:
            problems.extend(taxonomy_diagnostics(parsed.document, display_path, taxonomy, project.display(project.taxonomy_path)))
        if parsed.paper is not None:
            papers.append(parsed.paper)
            documents[display_path] = parsed.document
    problems.extend(duplicate_diagnostics(papers, documents))
    if problems:
        raise InputError(problems)
    assert taxonomy is not None
    return taxonomy, papers
