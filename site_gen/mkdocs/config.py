"""The plugin's options, as a list's mkdocs.yml sets them under `plugins: - paper-list:`."""

from __future__ import annotations

from mkdocs.config import config_options as options
from mkdocs.config.base import Config


class PaperListConfig(Config):
    # Off: MkDocs builds its docs_dir as it would without the plugin (the theme stays Material's).
    enabled = options.Type(bool, default=True)
    # The list's folder (the one holding papers/ and docs/), relative to mkdocs.yml.
    root = options.Type(str, default=".")
