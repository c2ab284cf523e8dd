"""A Python-Markdown extension that passes marked blocks of raw HTML through without parsing them.

Generated pages are mostly raw HTML (listing entries, the table of all papers, a paper's header,
abstract and citation). Markdown passes raw HTML through unchanged, but it still parses it to find
where each block ends: with `md_in_html`, ~0.3 s per MB of listing, which at 10,000 papers was
~35 s of a MkDocs build (tag pages reach several MB) and most of a live-preview rebuild.

Templates put such HTML between `<!-- raw-html -->` and `<!-- /raw-html -->` lines; this extension
hands each block to Markdown's own HTML stash before any other preprocessor sees it, so Markdown
emits it exactly as written. Without the extension (another builder, another Markdown) the two
comments are ordinary raw HTML and the page renders the same, only slower. Values inside a block
are HTML-escaped by the templates, so no data can contain the closing comment. A block must start
with a block-level tag (else Markdown wraps it in a paragraph) and must not hold an `id` that a
link points to: MkDocs' anchor validation does not see inside it.

The paper-list plugin adds it to a list's Markdown extensions (`site_gen.mkdocs.raw_html`).
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

BEGIN = "<!-- raw-html -->"
END = "<!-- /raw-html -->"
# A block is the lines between a BEGIN line and the next END line, none of them a marker itself:
# a missing or extra marker never pairs markers of two different blocks.
_MARKER_LINE = rf"(?:{re.escape(BEGIN)}|{re.escape(END)})$"
_BLOCK = re.compile(rf"^{re.escape(BEGIN)}\n((?:(?!{_MARKER_LINE}).*\n)*?){re.escape(END)}$", re.MULTILINE)


class _StashMarkedHtml(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if BEGIN not in text:
            return lines
        return _BLOCK.sub(self._stash, text).split("\n")

    def _stash(self, block: re.Match[str]) -> str:
        html = block.group(1).removesuffix("\n")
        if not html:
            return ""
        # A placeholder on a line of its own becomes a paragraph that Markdown's raw-HTML
        # postprocessor replaces by the block (blocks start with a block-level tag).
        return f"\n{self.md.htmlStash.store(html)}\n"


class RawHtmlExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After normalize_whitespace (30), which strips the stash's marker characters from the
        # source, and after pymdownx.superfences (25), so markers shown in a fenced code example
        # stay text; before MkDocs' anchor collection (21) and the raw-HTML block parser (20).
        md.preprocessors.register(_StashMarkedHtml(md), "site_gen_raw_html", 22)


def makeExtension(**kwargs) -> RawHtmlExtension:
    return RawHtmlExtension(**kwargs)
