"""Everything MkDocs-specific: the `paper-list` plugin and what it carries.

A list's mkdocs.yml names `theme: material` and `plugins: [paper-list]`; the plugin brings the
rest (see theme.py): the generated tree as docs_dir and its navigation, the theme overrides and
the scripts and styles in overrides/, the Markdown extensions the generated pages use (among them
raw_html.py), the live preview's rebuild and watch (serve.py), and the per-build memos that keep
a 10,000-page build lean (page_store.py, fragment_cache.py). The rest of site_gen knows nothing
of MkDocs: `site-gen build` writes plain Markdown.
"""
