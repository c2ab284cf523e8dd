"""MkDocs hook for `mkdocs serve`: regenerate the Markdown when a paper, the taxonomy or a
hand-written page changes. It only calls `site-gen build`; generation knows nothing of MkDocs.

`mkdocs build` does not regenerate: `make site` runs `site-gen build` first.
"""

from __future__ import annotations

from pathlib import Path

from site_gen.build import build
from site_gen.diagnostics import InputError
from site_gen.project import Project

_serving = False


def _project(config) -> Project:
    return Project(Path(config.config_file_path).resolve().parent)


def on_startup(command: str, dirty: bool) -> None:
    global _serving
    _serving = command == "serve"


def on_serve(server, config, builder):
    project = _project(config)
    # The generated tree is replaced by a rename on every build, so watch the sources instead.
    server.unwatch(config.docs_dir)
    for source in (project.papers_dir, project.docs_dir, Path(__file__).parent / "templates"):
        server.watch(str(source))
    return server


def on_pre_build(config) -> None:
    if not _serving:
        return
    try:
        build(_project(config))
    except InputError as error:
        from mkdocs.exceptions import PluginError

        raise PluginError("\n".join(d.format_text() for d in error.diagnostics)) from None
