"""The plugin's options, as a list's mkdocs.yml sets them under `plugins: - paper-list:`."""

from __future__ import annotations

from mkdocs.config import config_options as options
from mkdocs.config.base import Config

from site_gen.search_index import PAGES_PER_RUN


class _PositiveInt(options.Type):
    def __init__(self, default: int) -> None:
        super().__init__(int, default=default)

    def run_validation(self, value):
        value = super().run_validation(value)
        if value < 1:
            raise options.ValidationError(f"must be 1 or more, not {value}")
        return value


class PaperListConfig(Config):
    # Off: MkDocs builds its docs_dir as it would without the plugin (the theme stays Material's).
    enabled = options.Type(bool, default=True)
    # The list's folder (the one holding papers/ and docs/), relative to mkdocs.yml.
    root = options.Type(str, default=".")
    # Convert the generated pages outside the nav with one Markdown instance per build
    # (site_gen/mkdocs/generated_pages.py). Off: MkDocs converts every page its own way, which
    # builds the same site, slower.
    one_converter = options.Type(bool, default=True)
    # From this many generated pages on, a second process converts them too, from the last
    # backwards (site_gen/mkdocs/generated_pages.py): below, forking costs more than it saves.
    convert_ahead_from = _PositiveInt(default=1000)
    # Index the site for search with Pagefind while `mkdocs build` runs (site_gen/mkdocs/search.py),
    # into site_dir/pagefind. Never in `mkdocs serve`, whose rebuilds must stay fast. Off: run
    # `site-gen search-index` on the built site instead.
    search_index = options.Type(bool, default=True)
    # Pages per Pagefind run, whose bundles are then merged: its memory grows with every word
    # (~300 MB per 2,000 paper pages), so a run is bounded.
    search_pages_per_run = _PositiveInt(default=PAGES_PER_RUN)
