"""The pages that `site-gen build` generates and the nav leaves out (every paper and tag page: at
10,000 papers, 10,000 of 10,000 pages) are converted with one Markdown instance per build, made
with only the extensions generated pages use (`theme.MARKDOWN_EXTENSIONS`, with the list's
settings for them), and reset between pages.

MkDocs 1.6 makes a new Markdown instance, with every extension the list names, for every page
(`Page.render`): at 10,000 papers that set-up took 0.38 ms a page, more than a quarter of
converting one, and the hand-written pages' extensions (code highlighting, fences) convert nothing
on a generated page, whose body is raw HTML but for its headings. `GeneratedPage.render` is MkDocs'
`Page.render` with that instance: the same processors MkDocs registers (links, anchors, title),
the same attributes set. Hand-written pages, and the generated pages in the nav, keep MkDocs' own.
tests/test_generated_pages.py checks that the site is byte for byte the one MkDocs' own rendering
builds.
"""

from __future__ import annotations

import logging

import markdown
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import (
    Page,
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)
from mkdocs.structure.toc import get_toc

from site_gen.mkdocs.theme import MARKDOWN_EXTENSIONS
from site_gen.project import Project


class GeneratedPage(Page):
    def __init__(self, file: File, config, converter: markdown.Markdown) -> None:
        super().__init__(None, file, config)
        self._converter = converter

    def render(self, config, files: Files) -> None:
        md = self._converter
        md.reset()
        raw_html = _RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = _ExtractAnchorsTreeprocessor(self.file, files, config)
        anchors._register(md)
        links = _RelativePathTreeprocessor(self.file, files, config)
        links._register(md)
        title = _ExtractTitleTreeprocessor()
        title._register(md)
        self.content = md.convert(self.markdown)
        self.toc = get_toc(getattr(md, "toc_tokens", []))
        self._title_from_render = title.title
        self.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG:
            self.links_to_anchors = links.links_to_anchors


def use_one_converter(config, files: Files, project: Project) -> None:
    """Make the pages of the generated files outside the nav, with one converter (before MkDocs
    makes them: it makes a page only for a file that has none)."""
    names = [name for name in config.markdown_extensions if name in MARKDOWN_EXTENSIONS]
    converter = markdown.Markdown(
        extensions=names, extension_configs={name: config.mdx_configs[name] for name in names if name in config.mdx_configs})
    for file in files.documentation_pages(inclusion=InclusionLevel.is_included):
        if file.page is None and file.inclusion == InclusionLevel.NOT_IN_NAV and not (project.docs_dir / file.src_uri).exists():
            GeneratedPage(file, config, converter)
