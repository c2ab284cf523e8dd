"""A Python-Markdown extension that passes marked blocks of raw HTML through without parsing them.

Generated pages are mostly raw HTML (listing entries, the table of all papers, a paper's header,
abstract and citation). Markdown passes raw HTML through unchanged, but it still parses it to find
where each block ends: with `md_in_html`, ~0.3 s per MB of listing, which at 10,000 papers was
~35 s of a MkDocs build (tag pages reach several MB) and most of a live-preview rebuild.

Templates put such HTML between `<!-- raw-html -->` and `<!-- /raw-html -->` lines; this extension
hands each block to Markdown's own HTML stash before any other preprocessor sees it, so Markdown
emits it exactly as written. Without the extension (another builder, another Markdown) the two
comments are ordinary raw HTML and the page renders the same, only slower. Values inside a block
are HTML-escaped by the templates, so no data can contain the closing comment.

mkdocs.yml: `markdown_extensions: [site_gen.raw_html]`.
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

BEGIN = "<!-- raw-html -->"
END = "<!-- /raw-html -->"
_BLOCK = re.compile(rf"^{re.escape(BEGIN)}\n(.*?)\n{re.escape(END)}$", re.MULTILINE | re.DOTALL)


class _StashMarkedHtml(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if BEGIN not in text:
            return lines
        # A placeholder on a line of its own becomes a paragraph that Markdown's raw-HTML
        # postprocessor replaces by the block (blocks start with a block-level tag).
        stashed = _BLOCK.sub(lambda block: f"\n{self.md.htmlStash.store(block.group(1))}\n", text)
        return stashed.split("\n")


class RawHtmlExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After normalize_whitespace (30), which strips the stash's marker characters from the
        # source, and before the raw-HTML block parser (20).
        md.preprocessors.register(_StashMarkedHtml(md), "site_gen_raw_html", 25)


def makeExtension(**kwargs) -> RawHtmlExtension:
    return RawHtmlExtension(**kwargs)
