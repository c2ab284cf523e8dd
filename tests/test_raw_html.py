"""site_gen.mkdocs.raw_html: marked raw HTML passes through Markdown unparsed, and every generated page
converts to the same HTML with the extension as without it (only faster)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import markdown
from mkdocs.config import load_config

from tests.conftest import VALID_PAPER, PaperList
from tests.sitebuild import generate
from tests.test_build import OTHER_PAPER
from tests.test_mkdocs_site import HOSTILE_TITLES


def convert(text: str, extensions: list, configs: dict | None = None) -> str:
    return markdown.Markdown(extensions=extensions, extension_configs=configs or {}).convert(text)


def test_marked_block_is_emitted_exactly_as_written():
    block = '<div class="x" data-b="2" data-a="1">\n<p>*not emphasis* [not](a-link)</p>\n\n# not a heading\n</div>'
    text = f"# Title\n\n<!-- raw-html -->\n{block}\n<!-- /raw-html -->\n\nSome *emphasis*.\n"
    html = convert(text, ["site_gen.mkdocs.raw_html", "md_in_html", "toc"])
    assert block in html  # attribute order, blank lines and Markdown-looking text untouched
    assert '<h1 id="title">Title</h1>' in html and "<em>emphasis</em>" in html


def test_marked_blocks_inside_a_markdown_div_between_headings():
    text = (
        '<div class="paper-list" markdown>\n\n## 2024\n\n<!-- raw-html -->\n<div class="a">one</div>\n<div class="b">two</div>\n<!-- /raw-html -->\n\n'
        '## 2023\n\n<!-- raw-html -->\n<div class="c">three</div>\n<!-- /raw-html -->\n\n</div>\n'
    )
    html = convert(text, ["site_gen.mkdocs.raw_html", "md_in_html", "toc"])
    assert html.index('id="2024"') < html.index('<div class="a">one</div>\n<div class="b">two</div>') < html.index('id="2023"') < html.index('<div class="c">three</div>')
    assert "<p><div" not in html and "raw-html" not in html


def test_markers_never_pair_across_blocks():
    """An empty block, or a block whose end marker is missing, must not swallow the Markdown up to
    another block's end marker."""
    extensions = ["site_gen.mkdocs.raw_html", "md_in_html"]
    empty_first = "<!-- raw-html -->\n<!-- /raw-html -->\n\n## Heading\n\n<!-- raw-html -->\n<div>x</div>\n<!-- /raw-html -->\n"
    html = convert(empty_first, extensions)
    assert "<h2>Heading</h2>" in html and "<div>x</div>" in html and "## Heading" not in html
    unterminated_first = "<!-- raw-html -->\n<p>*a*</p>\n\n## Heading\n\n<!-- raw-html -->\n<div>x</div>\n<!-- /raw-html -->\n"
    html = convert(unterminated_first, extensions)
    assert "<h2>Heading</h2>" in html and "<div>x</div>" in html


def test_markers_in_a_fenced_code_example_stay_text():
    text = "```text\n<!-- raw-html -->\n<p>x</p>\n<!-- /raw-html -->\n```\n"
    html = convert(text, ["site_gen.mkdocs.raw_html", "pymdownx.superfences", "md_in_html"])
    assert "&lt;!-- raw-html --&gt;" in html and "&lt;p&gt;x&lt;/p&gt;" in html


def test_unterminated_marker_leaves_markdown_as_it_was():
    text = "<!-- raw-html -->\n<p>*x*</p>\n\nAfter *y*.\n"
    assert convert(text, ["site_gen.mkdocs.raw_html", "md_in_html"]) == convert(text, ["md_in_html"])


class _Canonical(HTMLParser):
    """Elements with sorted attributes and text with collapsed whitespace: what a browser sees."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self.in_pre = 0

    def handle_starttag(self, tag, attrs):
        self.items.append(f"<{tag} {sorted(attrs)}>")
        self.in_pre += tag == "pre"

    def handle_endtag(self, tag):
        self.items.append(f"</{tag}>")
        self.in_pre -= tag == "pre"

    def handle_data(self, data):
        if self.in_pre:  # whitespace is content there (the BibTeX block)
            self.items.append(data)
        elif data.split():
            self.items.append(" ".join(data.split()))


def canonical(html: str) -> list[str]:
    parser = _Canonical()
    parser.feed(html)
    return parser.items


def test_generated_pages_convert_the_same_with_and_without_the_extension(tmp_path: Path):
    listing = PaperList(tmp_path / "list")
    listing.write("galore", VALID_PAPER.replace("added:", "note: A *curator's* note with [a link](https://example.org).\nadded:"))
    listing.write("vision-paper", OTHER_PAPER.replace("added:", "links: {slides: 'https://example.org/s?a=1&b=2'}\nadded:"))
    for index, (paper_id, title) in enumerate(HOSTILE_TITLES.items()):
        listing.write(paper_id, "\n".join([
            f"title: {json.dumps(title)}",
            'authors: ["<b>Eve</b>", "Mallory | *"]',
            "year: 2024",
            f'arxiv: "2401.{index:05d}"',
            "category: training",
            "tags: [llm]",
            f"abstract: {json.dumps('<!-- /raw-html --> </div> <!-- raw-html --> *x* ' + title)}",
            "added: 2024-01-01",
        ]) + "\n")
    # The training category (six papers) as a long listing, without abstracts; llm as well.
    listing.write_settings(listing_abstracts_up_to=4)
    generate(listing.root)
    assert "abstract is on its page" in (listing.root / "build/docs/categories/training.md").read_text(encoding="utf-8")
    config = load_config(str(listing.root / "mkdocs.yml"))
    config = config.plugins.on_config(config)  # the paper-list plugin adds the extensions
    with_extension = list(config.markdown_extensions)
    assert "site_gen.mkdocs.raw_html" in with_extension
    without = [e for e in with_extension if e != "site_gen.mkdocs.raw_html"]
    pages = sorted((listing.root / "build" / "docs").rglob("*.md"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        body = text.split("---\n", 2)[2] if text.startswith("---\n") else text
        fast = convert(body, with_extension, config.mdx_configs)
        assert canonical(fast) == canonical(convert(body, without, config.mdx_configs)), page
        assert "<p>\x02" not in fast and "wzxhzdk" not in fast, page  # every placeholder replaced
