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

MkDocs converts one page after another, in one process, and conversion was ~60% of the time
MkDocs spent on its pages at 10,000 papers. In a list of many pages (`convert_ahead_from`), a
second process forked once MkDocs knows every page converts them too, from the last backwards,
while MkDocs converts them from the first (`ConvertedAhead`): at 10,000 papers on two cores
`mkdocs build --strict` took 42.9 s instead of 48.6 s (medians of three alternating runs),
Pagefind indexing beside both.

tests/test_generated_pages.py checks that the site is byte for byte the one MkDocs' own rendering
builds, with and without the second process.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import signal
import zlib
from collections.abc import Sequence
from typing import NamedTuple

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
from mkdocs.utils import meta

from site_gen.mkdocs.theme import MARKDOWN_EXTENSIONS
from site_gen.project import Project


class GeneratedPage(Page):
    def __init__(self, file: File, config, converter: markdown.Markdown) -> None:
        super().__init__(None, file, config)
        self._converter = converter

    def render(self, config, files: Files) -> None:
        converted = self._ahead.take(self, files) if self._ahead else None
        if converted is None:
            converted = self._convert(config, files)
        self.content, toc_tokens, self._title_from_render, self.present_anchor_ids, links_to_anchors = converted
        self.toc = get_toc(toc_tokens)
        if links_to_anchors is not None:
            self.links_to_anchors = links_to_anchors

    _ahead: "ConvertedAhead | None" = None

    def _convert(self, config, files: Files) -> "_Converted":
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
        content = md.convert(self.markdown)
        # MkDocs keeps the links to check only when they may be reported.
        checked = links.links_to_anchors if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG else None
        return _Converted(content, getattr(md, "toc_tokens", []), title.title, anchors.present_anchor_ids | raw_html.present_anchor_ids, checked)


class _Converted(NamedTuple):
    content: str  # zlib-compressed UTF-8 on the way from the second process
    toc_tokens: list
    title: str | None
    anchor_ids: set[str]
    # The links to anchors of other pages, for MkDocs to check once every page is converted (by
    # linked file; by its path on the way from the second process).
    links_to_anchors: dict | None


def use_one_converter(config, pages: Sequence[File], project: Project) -> None:
    """Make the pages of the generated files outside the nav (of the build's documentation
    `pages`), with one converter (before MkDocs makes them: it makes a page only for a file that
    has none)."""
    names = [name for name in config.markdown_extensions if name in MARKDOWN_EXTENSIONS]
    converter = markdown.Markdown(
        extensions=names, extension_configs={name: config.mdx_configs[name] for name in names if name in config.mdx_configs})
    for file in pages:
        if file.page is None and file.inclusion == InclusionLevel.NOT_IN_NAV and not (project.docs_dir / file.src_uri).exists():
            GeneratedPage(file, config, converter)


def generated_pages(files: Files) -> list[GeneratedPage]:
    """The pages `use_one_converter` made, in the order MkDocs converts them."""
    return [file.page for file in files.documentation_pages() if type(file.page) is GeneratedPage]


class ConvertedAhead:
    """The generated pages converted by a second process, forked once MkDocs knows every page:
    it converts them from the last backwards while MkDocs converts them from the first, each page
    once, until the two meet (then it is stopped). MkDocs takes a page's conversion from it when
    the page's Markdown is the one it converted (another plugin may change it first), else
    converts the page itself; what the conversion logged is logged again here, when MkDocs gets to
    the page, so that `--strict` counts it. Only the conversion is done there: MkDocs reads every
    page and runs every plugin's events for it as it would."""

    def __init__(self, pages: list[GeneratedPage], config, files: Files) -> None:
        context = multiprocessing.get_context("fork")
        self._answers, answers = context.Pipe(duplex=False)
        self._process = context.Process(target=_convert_backwards, args=(pages, config, files, answers), name="paper-list-converter", daemon=True)
        self._process.start()
        answers.close()
        self._converted: dict[str, tuple[bytes, _Converted, list[logging.LogRecord]]] = {}
        self._receiving = True
        self.pages, self.taken = len(pages), 0
        for page in pages:
            page._ahead = self

    def take(self, page: GeneratedPage, files: Files) -> _Converted | None:
        if self._receiving:
            self._receive()
        found = self._converted.pop(page.file.src_uri, None)
        if found is None:
            return None
        digest, converted, records = found
        linked = None
        if converted.links_to_anchors is not None:
            linked = {files.get_file_from_path(path): links for path, links in converted.links_to_anchors.items()}
        if digest != _digest(page.markdown) or None in (linked or {}):
            # Another plugin changes the pages' Markdown (or the files) before they are converted:
            # what the second process converts is of no use.
            self.stop()
            return None
        if self._receiving:
            # Met: the pages after this one are converted (their answers came first), the second
            # process would go on with pages MkDocs has done.
            self.stop()
        self.taken += 1
        for record in records:
            logging.getLogger(record.name).handle(record)
        return converted._replace(content=zlib.decompress(converted.content).decode("utf-8"), links_to_anchors=linked)

    def _receive(self) -> None:
        try:
            while self._answers.poll():
                path, *answer = self._answers.recv()
                self._converted[path] = answer
        except (EOFError, OSError):  # it is done
            self.stop()

    def stop(self) -> None:
        if self._receiving:
            self._receiving = False
            self._process.terminate()
            self._process.join()
            self._answers.close()


def _digest(markdown: str | None) -> bytes:
    return hashlib.blake2b((markdown or "").encode(), digest_size=16).digest()


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info, record.exc_text = record.getMessage(), None, None, None
        self.records.append(record)


def _convert_backwards(pages: list[GeneratedPage], config, files: Files, answers) -> None:
    # Ctrl-C stops MkDocs, which stops this process (it is a daemon): no traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    collected = _Collected()
    for name in ("", "mkdocs"):  # what reaches MkDocs' handlers, or the root's
        logging.getLogger(name).handlers = [collected]
    for page in reversed(pages):
        try:
            page.markdown, _ = meta.get_data(page.file.content_string)
            converted = page._convert(config, files)
        except Exception:  # MkDocs converts it again, and reports what is wrong
            page.markdown = None
            collected.records = []
            continue
        # Compressed: the pages it converts wait here until MkDocs gets to them.
        converted = converted._replace(content=zlib.compress(converted.content.encode("utf-8"), 1))
        if converted.links_to_anchors is not None:
            converted = converted._replace(links_to_anchors={file.src_uri: links for file, links in converted.links_to_anchors.items()})
        answers.send((page.file.src_uri, _digest(page.markdown), converted, collected.records))
        # Else this process keeps the Markdown of every page it converts (~300 MB at 50,000 papers).
        page.markdown = None
        collected.records = []
