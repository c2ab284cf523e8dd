"""The whole pipeline: files -> records -> catalog -> pages -> written tree."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from site_gen.catalog import Catalog
from site_gen.pages import Page, SiteRenderer, field_reference
from site_gen.parse_cache import LazyPickledDict, code_version, load_pickle, save_pickle
from site_gen.project import Project
from site_gen.reader import Listing, scan_project
from site_gen.schema import paper_schema
from site_gen.sections import fill_section
from site_gen.templating import keep_compiled_templates
from site_gen.writer import OutputTree, WriteReport

# Hand-written pages that get a generated section, and which one.
_FILLED_SECTIONS = {"contributing.md": ("fields", lambda: field_reference(paper_schema()))}
_FRAGMENTS_FILE = "fragments.pickle"
_SMALL_FRAGMENTS_FILE = "small-fragments.pickle"
_MANIFEST_FILE = "output-manifest.pickle"
_GROUP_KEYS_FILE = "group-keys.pickle"


def load_catalog(project: Project) -> Catalog:
    listing = scan_project(project)
    return Catalog.build(listing.taxonomy, listing.papers())


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
    listing: Listing = scan_project(project)
    catalog = Catalog.build(listing.taxonomy, listing.papers())
    content_keys = {paper.id: listing.files[paper.source][1] for paper in catalog.papers}
    keep_compiled_templates(project.cache_dir / "templates", code_version())
    tree = OutputTree(project.output_dir, project.cache_dir / _MANIFEST_FILE, code_version())
    fragments = LazyPickledDict(project.cache_dir / _FRAGMENTS_FILE, code_version())
    small_fragments = LazyPickledDict(project.cache_dir / _SMALL_FRAGMENTS_FILE, code_version())
    group_keys = load_pickle(project.cache_dir / _GROUP_KEYS_FILE, code_version()) or {}
    renderer = SiteRenderer(catalog, site_url(catalog), content_keys, fragments, tree.is_current, small_fragments, group_keys)
    report = tree.write([*hand_written_pages(project.docs_dir), *renderer.pages()])
    if renderer.used_group_keys != group_keys:
        save_pickle(project.cache_dir / _GROUP_KEYS_FILE, code_version(), renderer.used_group_keys)
    # Pieces of files that no longer exist are dropped; the others stay for the next build.
    current = set(content_keys.values())
    if renderer.added_fragments:
        fragments.save(keep=lambda key: key[0] in current)
    if renderer.added_small_fragments:
        small_fragments.save(keep=lambda key: key[0] in current)
    return report
