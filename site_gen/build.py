"""The whole pipeline: files -> records -> catalog -> pages -> written tree."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from site_gen.catalog import Catalog
from site_gen.pages import Page, SiteRenderer, field_reference
from site_gen.parse_cache import code_version, load_pickle, save_pickle
from site_gen.project import Project
from site_gen.reader import read_project
from site_gen.schema import paper_schema
from site_gen.sections import fill_section
from site_gen.writer import WriteReport, write_tree

# Hand-written pages that get a generated section, and which one.
_FILLED_SECTIONS = {"contributing.md": ("fields", lambda: field_reference(paper_schema()))}


def load_catalog(project: Project) -> Catalog:
    taxonomy, papers = read_project(project)
    return Catalog.build(taxonomy, papers)


def site_url(catalog: Catalog) -> str:
    """Where the site is served: $SITE_URL (previews live under a sub-path), else the list's url."""
    return os.environ.get("SITE_URL") or catalog.taxonomy.url or "http://127.0.0.1:8000/"


def hand_written_pages(docs_dir: Path) -> Iterator[Page]:
    if not docs_dir.is_dir():
        return
    for path in sorted(p for p in docs_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(docs_dir).as_posix()
        content = path.read_bytes()
        if relative in _FILLED_SECTIONS:
            name, make = _FILLED_SECTIONS[relative]
            content = fill_section(content.decode("utf-8"), name, make()).encode("utf-8")
        yield Page(relative, content)


def build(project: Project) -> WriteReport:
    """Generate the site's Markdown into project.output_dir. Raises InputError before writing anything."""
    catalog = load_catalog(project)
    cache_file = project.cache_dir / "pages.pickle"
    renderer = SiteRenderer(catalog, site_url(catalog), load_pickle(cache_file, code_version()))
    pages = [*hand_written_pages(project.docs_dir), *renderer.pages()]
    report = write_tree(project.output_dir, pages)
    save_pickle(cache_file, code_version(), renderer.rendered)
    return report
