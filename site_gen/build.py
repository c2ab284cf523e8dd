"""The whole pipeline: files -> records -> catalog -> pages -> written tree."""

from __future__ import annotations

import errno
import fcntl
import os
import sys
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Iterator

from site_gen import related
from site_gen.catalog import Catalog
from site_gen.incremental.cache import BuildCache
from site_gen.options import Options
from site_gen.project import Project
from site_gen.reader import scan_project
from site_gen.render import SiteRenderer, field_reference
from site_gen.schema import paper_schema
from site_gen.sections import MissingMarkers, fill_section
from site_gen.writer import OutputTree, Page, WriteReport

# In the build folder: held (flock) by the build writing into it.
LOCK_FILE = ".lock"
# Hand-written pages that get a generated section, and which one.
_FILLED_SECTIONS = {"contributing.md": ("fields", lambda: field_reference(paper_schema()))}


def load_catalog(project: Project) -> Catalog:
    valid = scan_project(project)
    return Catalog.build(valid.taxonomy, valid.papers())


def hand_written_pages(docs_dir: Path) -> Iterator[Page]:
    if not docs_dir.is_dir():
        return
    for path in sorted(p for p in docs_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(docs_dir).as_posix()
        content = path.read_bytes()
        if relative in _FILLED_SECTIONS:
            name, make = _FILLED_SECTIONS[relative]
            try:
                content = fill_section(content.decode("utf-8"), name, make()).encode("utf-8")
            except MissingMarkers:  # the page does not ask for the section
                pass
        yield Page(relative, content)


@contextmanager
def one_build_at_a_time(project: Project) -> Iterator[None]:
    """Hold the build folder's lock: a second build in the same folder (another terminal, `mkdocs
    serve`) waits until this one is done. The lock goes with the process, however it ends."""
    folder = project.output_dir.parent
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{project.display(folder)}: another build is writing here — waiting until it is done", file=sys.stderr, flush=True)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def build(project: Project) -> WriteReport:
    """Generate the site's Markdown into project.output_dir. Raises InputError before writing
    anything; waits for another build into the same folder to finish first."""
    with one_build_at_a_time(project):
        valid = scan_project(project)
        cache = BuildCache(project.cache_dir, project.output_dir)
        catalog = Catalog.build(valid.taxonomy, valid.papers(), cache.catalog())
        cache.keep_catalog(catalog)
        hand_written = list(hand_written_pages(project.docs_dir))
        memo = cache.memo(valid.content_keys(), catalog.taxonomy, catalog.papers)
        options = Options.of(catalog.taxonomy)
        renderer = SiteRenderer(catalog, options, memo, {page.path for page in hand_written}, relations(catalog, options, cache))
        report = OutputTree(project.output_dir, cache.manifest).write(chain(hand_written, renderer.pages()))
        cache.save()
    return report


def relations(catalog: Catalog, options: Options, cache: BuildCache) -> related.Relations:
    """The papers' related papers and their map: the last build's when no title, abstract or
    tags changed, else updated from them."""
    previous = cache.relations()
    found = related.relate(catalog.papers, options.similar_papers, previous)
    if found is not previous:
        cache.keep_relations(found)
    return found


def os_error_message(error: OSError, project: Project) -> str:
    """What went wrong, on one line, when the file system failed a build (a full disk, a read-only folder). Inside the
    build folder it names the folder, not the hidden files that site-gen was writing there."""
    build_folder = project.output_dir.parent
    written = error.filename2 or error.filename  # of a link or a rename: where it was going
    path = Path(os.fsdecode(written)) if isinstance(written, (str, bytes, os.PathLike)) else build_folder
    # The build names every file by its absolute path, but for the names inside a folder it
    # removes (shutil.rmtree works relative to the folder) and a link's relative target.
    inside = not path.is_absolute() or path.is_relative_to(build_folder)
    where = f"{project.display(build_folder)}/" if inside else project.display(path)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some disk space and build again"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"make {where} writable, or build a copy of the list where you can write" if inside else f"check the permissions of {where}"
    else:
        fix = f"check {where} and build again"
    return f"{'cannot write into ' if inside else ''}{where}: {error.strerror} — {fix}"
