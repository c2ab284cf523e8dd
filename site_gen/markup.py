"""Escaping for text from YAML files placed into Markdown, HTML attributes and link targets.

Every character that Markdown, Python-Markdown's extensions or HTML could read as syntax is
written as a numeric character reference (`&#42;` for `*`). References are literal text to
Markdown, display as the character in a browser, and are decoded by search indexers, so a title
such as `<script>` or `**[x](javascript:...)**` renders exactly as written and injects nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

# Not escaped: letters, digits, space, and `-./,;?%+@` which are syntax only at a line start
# (handled below) or not at all in our Markdown dialect.
_SPECIAL = re.compile(r"""[\\`*_{}\[\]()#|~^=:$<>&"'!]""")
# At the start of a line these begin a list item, a rule or a setext heading underline.
_LINE_START = re.compile(r"^(?:[-+]|\d(?=\d*[.)]))")
_WHITESPACE = re.compile(r"\s+")


def _reference(match: re.Match[str]) -> str:
    return f"&#{ord(match.group(0))};"


def markdown_text(value: object) -> Markup:
    """Text for a Markdown inline context: one line, every syntax character neutralised."""
    return _markdown_text(str(value))


@lru_cache(maxsize=65536)
def _markdown_text(value: str) -> Markup:
    # A paper's title and authors appear on many pages (listings, related papers): escape once.
    text = _WHITESPACE.sub(" ", value).strip()
    text = _SPECIAL.sub(_reference, text)
    return Markup(_LINE_START.sub(_reference, text))


# GitHub's Markdown (README.md), written to be read raw as well: a backslash before the Markdown
# punctuation that could start emphasis, code, a link or an image; a character reference only
# where a backslash would not do (Python-Markdown, the other reader of these files, keeps the
# backslash before characters it does not know as escapable) or GitHub would read the text as an
# autolink, raw HTML, an entity, strikethrough or maths.
_GITHUB_BACKSLASHED = re.compile(r"[\\`*_\[\]]|#(?=#*$)")  # and a heading's closing hashes
_GITHUB_REFERENCED = re.compile(
    r"[~$]"
    r"|<(?=[A-Za-z/!?])"  # a tag, comment or autolink
    r"|&(?=#?[A-Za-z0-9]+;)"  # an entity or a character reference
    r"|:(?=//)"  # https://...
    r"|(?<=[A-Za-z0-9.+_-])@(?=[A-Za-z0-9_-])"  # an e-mail address
    r"|(?<=\bwww)\.",  # www.example.org
    re.IGNORECASE,
)


_NAMED_REFERENCES = {"&": "&amp;", "<": "&lt;"}  # the two a reader of raw Markdown knows best


def _github_reference(match: re.Match[str]) -> str:
    return _NAMED_REFERENCES.get(match.group(0)) or _reference(match)


def github_markdown(value: object) -> Markup:
    """Text for an inline context of GitHub-flavoured Markdown: one line, as written, with only
    what GitHub would interpret escaped (`GaLore: Memory-Efficient ...` stays as it is)."""
    text = _WHITESPACE.sub(" ", str(value)).strip()
    text = _GITHUB_REFERENCED.sub(_github_reference, text)
    return Markup(_GITHUB_BACKSLASHED.sub(lambda match: "\\" + match.group(0), text))


def github_table_cell(value: object) -> Markup:
    """Text in a cell of a GitHub Markdown table: `github_markdown`, and a pipe does not end the cell."""
    return Markup(str(github_markdown(value)).replace("|", "\\|"))


def html_attribute(value: object) -> Markup:
    """Text for a quoted HTML attribute value."""
    return escape(_WHITESPACE.sub(" ", str(value)).strip())


# Characters kept as-is in link targets; everything else is percent-encoded so that a URL can
# neither close the Markdown link `(...)` nor an HTML attribute.
_URL_SAFE = "/:?#[]@!$&*+,;=%-._~"


@lru_cache(maxsize=65536)
def link_target(url: str) -> Markup:
    """An absolute web URL (https, or http, which `check` accepts with a warning) or a relative
    path, made safe as a Markdown or HTML link target."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "https", "http") or (parts.scheme and not parts.netloc):
        raise ValueError(f"refusing to link to {url!r}: only web URLs and relative paths")
    return Markup(quote(url, safe=_URL_SAFE))


def code_fence(content: str, language: str) -> Markup:
    """A fenced code block whose fence is longer than any backtick run in `content`."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}{language}\n{content.rstrip()}\n{fence}")
