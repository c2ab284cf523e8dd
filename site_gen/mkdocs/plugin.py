"""The `paper-list` MkDocs plugin: dispatches MkDocs' events to the modules of this package."""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.plugins import BasePlugin, event_priority

from site_gen.mkdocs import generated_pages, serve, theme
from site_gen.mkdocs.search import SearchIndexer, is_indexed
from site_gen.mkdocs.config import PaperListConfig
from site_gen.mkdocs.fragment_cache import FragmentCache
from site_gen.mkdocs.page_store import PageStore
from site_gen.project import Project

log = logging.getLogger(f"mkdocs.plugins.{__name__}")


class PaperListPlugin(BasePlugin[PaperListConfig]):
    # MkDocs keeps a plugin that has on_startup across the rebuilds of `mkdocs serve`.
    serving = False
    dirty = False
    # Under `mkdocs serve --dirty`: the generated pages written since the last build that finished
    # (None until the first has: it builds every page into the preview's folder).
    unbuilt: frozenset[str] | None = None
    hand_written: frozenset[str] = frozenset()  # the list's docs/, read once per rebuild
    indexer: SearchIndexer | None = None
    converted_ahead: generated_pages.ConvertedAhead | None = None

    def on_startup(self, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        self.dirty = dirty
        if self.serving:
            serve.start_serving()
            self.compiled_templates = serve.CompiledTemplates()
            self.collection = serve.CollectedWhenIdle()

    def on_config(self, config):
        if not self.config.enabled:
            return config
        self.project = Project((Path(config.config_file_path).parent / self.config.root).resolve())
        self.pages = PageStore()
        theme.configure(config, self.project)
        return config

    def on_pre_build(self, config) -> None:
        if not self.config.enabled:
            return
        if self.unbuilt is not None:  # a rebuild of the few pages an edit changed
            self.collection.pause()
        if self.serving:
            written = serve.regenerate(self.project)
            if self.unbuilt is not None:
                self.unbuilt |= written
        theme.require_generated_tree(self.project)
        if self.unbuilt is not None:
            self.hand_written = serve.hand_written(self.project)
            config.docs_dir = str(serve.tree_to_rebuild(self.project, config, self.unbuilt, self.hand_written) or config.docs_dir)

    def on_files(self, files, config):
        if self.config.enabled:
            # Listed once for the three: a listing goes through every file (~15,000 at 10,000
            # papers, ~0.01 s each time).
            pages = files.documentation_pages()
            theme.use_generated_nav(config, pages)
            if self.unbuilt is not None:
                serve.leave_out_unchanged(pages, self.unbuilt, self.hand_written)
            if self.config.one_converter:
                generated_pages.use_one_converter(config, pages, self.project)
        return files

    def on_serve(self, server, config, builder):
        if self.config.enabled:
            serve.watch_sources(server, config.docs_dir, self.project)
        return server

    def on_nav(self, nav, config, files):
        # Not for `serve` or `build --dirty`: MkDocs converts only the pages that changed.
        if self.config.enabled and self.config.one_converter and not (self.serving or self.dirty):
            pages = generated_pages.generated_pages(files)
            if len(pages) >= self.config.convert_ahead_from:
                # Before Pagefind starts: the second process must not hold its pipes.
                self.converted_ahead = generated_pages.ConvertedAhead(pages, config, files)
        if self.config.enabled and self.config.search_index and not self.serving:
            if self.dirty:  # an index of the changed pages alone would replace the whole site's
                log.info("paper-list: the search index is kept from the last full build (a --dirty build converts only changed pages)")
            else:
                self.indexer = SearchIndexer(Path(config.site_dir), config.theme["language"], self.config.search_pages_per_run)
        return nav

    def on_env(self, env, config, files):
        if self.config.enabled:
            env.globals["fragment_cache"] = FragmentCache()  # new each build: `mkdocs serve` rebuilds
            env.globals["indexed_for_search"] = is_indexed
            if self.serving:
                env.bytecode_cache = self.compiled_templates
        if self.converted_ahead:
            ahead = self._stop_converting_ahead()  # every page is converted
            log.info(f"paper-list: {ahead.taken:,} of {ahead.pages:,} generated pages converted by a second process")
        if self.indexer:
            self.indexer.all_added()
        return env

    @event_priority(-100)  # after every plugin that reads or changes the HTML
    def on_page_content(self, html, page, config, files):
        if not self.config.enabled:
            return html
        compressed = self.pages.put(page, html)
        if self.indexer and is_indexed(page):
            self.indexer.add("/" + page.url, page.title or config.site_name, compressed)
        return ""  # the page's HTML is in the store until its template is rendered

    @event_priority(100)  # before every plugin that reads the HTML (the built-in search for serve)
    def on_page_context(self, context, page, config, nav):
        if self.config.enabled:
            self.pages.restore(page)
        return context

    @event_priority(-100)
    def on_post_page(self, output, page, config):
        if self.config.enabled:
            self.pages.release(page)
        return output

    def on_post_build(self, config) -> None:
        if self.unbuilt is not None:
            self.collection.resume_when_idle()
        if self.serving and self.dirty:
            self.unbuilt = frozenset()
        if self.indexer:
            indexer, self.indexer = self.indexer, None
            pages, runs = indexer.finish()
            log.info(f"paper-list: {pages:,} pages indexed for search in {runs} Pagefind run(s)")

    def on_build_error(self, error) -> None:
        if self.unbuilt is not None:
            self.collection.resume_when_idle()
        if self.converted_ahead:
            self._stop_converting_ahead()
        if self.indexer:
            indexer, self.indexer = self.indexer, None
            indexer.abort()

    def _stop_converting_ahead(self) -> generated_pages.ConvertedAhead:
        ahead, self.converted_ahead = self.converted_ahead, None
        ahead.stop()
        return ahead
