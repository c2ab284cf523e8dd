"""The live preview (`mkdocs serve`): the list is generated again before every rebuild, and the
sources are watched instead of the generated tree. Generation itself knows nothing of MkDocs: this
only calls `site-gen build`, which in a serving process keeps what it read in memory between
builds (`keep_cache_files_in_memory`)."""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from site_gen.build import build, os_error_message
from site_gen.diagnostics import InputError
from site_gen.incremental.store import keep_cache_files_in_memory
from site_gen.project import Project


def start_serving() -> None:
    keep_cache_files_in_memory()  # this process builds again after every saved edit


def regenerate(project: Project) -> None:
    try:
        build(project)
    except InputError as error:
        raise PluginError("\n".join(d.format_text() for d in error.diagnostics)) from None
    except OSError as error:  # a full disk, a read-only folder: the tree on show is left whole
        raise PluginError(f"paper-list: {os_error_message(error, project)}") from None


def watch_sources(server, docs_dir: str, project: Project) -> None:
    """The generated tree is replaced on every build, so the papers and hand-written pages are
    watched instead. Not site_gen's own code and templates: the serving process keeps what it
    loaded of them (and the caches are named after that version), so changing them needs a new
    `mkdocs serve`."""
    server.unwatch(docs_dir)
    for source in (project.papers_dir, project.docs_dir):
        if source.is_dir():
            server.watch(str(source))
