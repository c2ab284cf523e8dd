"""Memory: MkDocs converts every page before it renders the first template, so all pages' Markdown
and HTML are in memory at once (~0.5 GB of strings at 10,000 papers). After a page is converted
its Markdown is dropped and its HTML kept zlib-compressed until its template is rendered."""

from __future__ import annotations

import zlib


class PageStore:
    """Each page's HTML, compressed, between its conversion (on_page_content) and its template
    (on_page_context); the page holds "" in between. Nothing reads a page's Markdown or another
    page's HTML in between: MkDocs takes titles from front matter or the first heading (kept), and
    anchor validation uses the ids it collected while converting."""

    def __init__(self) -> None:
        self._html: dict[str, bytes] = {}

    def put(self, page, html: str) -> bytes:
        """Keep the page's HTML; returns it compressed (the search indexer keeps it so too)."""
        page.markdown = ""  # not None: MkDocs reads None as "not read yet" (Page.title)
        compressed = self._html[page.file.src_uri] = zlib.compress(html.encode("utf-8"), 1)
        return compressed

    def restore(self, page) -> None:
        data = self._html.pop(page.file.src_uri, None)
        if data is not None:
            page.content = zlib.decompress(data).decode("utf-8")

    @staticmethod
    def release(page) -> None:
        page.content = None  # written: nothing reads it again
