"""MkDocs hook.

- For `mkdocs serve`: regenerate the Markdown when a paper, the taxonomy or a hand-written page
  changes. It only calls `site-gen build` (which then keeps what it read in memory between
  builds); generation knows nothing of MkDocs. `mkdocs build` does not regenerate: `make site`
  runs `site-gen build` first.
- For every build: `fragment_cache`, a template global with which overrides/partials/nav.html
  and tabs.html render the navigation once per build for the pages outside it (all paper and tag
  pages) instead of once per page, and header.html the header around the page title once per
  page depth (`base_url`). Templates fall back to rendering them when it is absent.
- Memory: MkDocs converts every page before it renders the first template, so all pages'
  Markdown and HTML are in memory at once (~0.5 GB of strings at 10,000 papers). After a page is
  converted its Markdown is dropped and its HTML kept zlib-compressed until its template is
  rendered (`_PageStore`).
"""

from __future__ import annotations

import zlib
from pathlib import Path

from mkdocs.plugins import event_priority

from site_gen.build import build
from site_gen.diagnostics import InputError
from site_gen.parse_cache import keep_cache_files_in_memory
from site_gen.project import Project

_serving = False


def _project(config) -> Project:
    return Project(Path(config.config_file_path).resolve().parent)


def on_startup(command: str, dirty: bool) -> None:
    global _serving
    _serving = command == "serve"
    if _serving:  # this process builds again after every saved edit
        keep_cache_files_in_memory()


def on_serve(server, config, builder):
    project = _project(config)
    # The generated tree is replaced by a rename on every build, so watch the sources instead.
    # Not site_gen's own code and templates: this process keeps what it loaded of them (and the
    # caches are named after that version), so changing them needs a new `make serve`.
    server.unwatch(config.docs_dir)
    for source in (project.papers_dir, project.docs_dir):
        server.watch(str(source))
    return server


class FragmentCache:
    """`{% call fragment_cache(*key) %}...{% endcall %}`: the body's output for `key`, rendered once
    per build. The template must put into `key` everything the body depends on."""

    def __init__(self) -> None:
        self._fragments: dict[tuple, str] = {}

    def __call__(self, *key: object, caller) -> str:
        fragment = self._fragments.get(key)
        if fragment is None:
            fragment = self._fragments[key] = caller()
        return fragment


class _PageStore:
    """Each page's HTML, compressed, between its conversion (on_page_content) and its template
    (on_page_context); the page holds "" in between. Nothing reads a page's Markdown or another
    page's HTML in between: MkDocs takes titles from front matter or the first heading (kept), and
    anchor validation uses the ids it collected while converting."""

    def __init__(self) -> None:
        self._html: dict[str, bytes] = {}

    def put(self, page, html: str) -> str:
        page.markdown = ""  # not None: MkDocs reads None as "not read yet" (Page.title)
        self._html[page.file.src_uri] = zlib.compress(html.encode("utf-8"), 1)
        return ""

    def restore(self, page) -> None:
        data = self._html.pop(page.file.src_uri, None)
        if data is not None:
            page.content = zlib.decompress(data).decode("utf-8")


_pages = _PageStore()


@event_priority(-100)  # after every plugin that reads or changes the HTML
def on_page_content(html, page, config, files):
    return _pages.put(page, html)


@event_priority(100)  # before every plugin that reads the HTML (the built-in search for serve)
def on_page_context(context, page, config, nav):
    _pages.restore(page)
    return context


@event_priority(-100)
def on_post_page(output, page, config):
    page.content = None  # written: nothing reads it again
    return output


def on_env(env, config, files):
    env.globals["fragment_cache"] = FragmentCache()  # new each build: `mkdocs serve` rebuilds
    return env


def on_pre_build(config) -> None:
    if not _serving:
        return
    try:
        build(_project(config))
    except InputError as error:
        from mkdocs.exceptions import PluginError

        raise PluginError("\n".join(d.format_text() for d in error.diagnostics)) from None
