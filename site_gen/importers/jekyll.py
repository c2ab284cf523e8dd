"""A Jekyll collection in ml4code's layout: a folder (`_publications/`) of Markdown pages, one paper
each, with YAML front matter.

The front matter gives title, authors ("A, B and C" or a list), year, conference or journal
(the venue), tags (the keywords) and additional_links ([{name, url}]); the body is the abstract.
Of the links, arXiv's and doi.org's give the arXiv id and the DOI, the first to GitHub or GitLab
is the code, and the others are kept as `links` under their names.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from site_gen.diagnostics import Diagnostic
from site_gen.importers import Entry, Reading, fields, read_text
from site_gen.yaml_source import read_yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?(?P<body>.*)\Z", re.S | re.M)
_CODE_HOST = re.compile(r"^https?://(www\.)?(github\.com|gitlab\.com)/", re.I)


def read_collection(folder: Path) -> Reading:
    pages = sorted(path for path in folder.iterdir() if path.suffix.lower() in (".md", ".markdown") and path.is_file())
    if not pages:
        return Reading([], [Diagnostic(folder.as_posix(), 1, 1, "the folder holds no Markdown pages", "give the collection's folder, like _publications/")])
    entries, failures = [], []
    for page in pages:
        text = read_text(page)
        reading = Reading([], [text]) if isinstance(text, Diagnostic) else read_page(text, page.as_posix())
        entries += reading.entries
        failures += reading.failures
    return Reading(entries, failures)


def read_page(text: str, source: str) -> Reading:
    match = _FRONT_MATTER.match(text)
    if not match:
        return Reading([], [Diagnostic(source, 1, 1, "the page has no YAML front matter", "start it with a line ---, the fields, and another line ---")])
    document, problems = read_yaml(match.group("yaml").encode("utf-8"), source)
    if document is None:  # lines counted from the front matter's first line, below the opening ---
        return Reading([], [dataclasses.replace(problem, line=problem.line + 1) for problem in problems])
    data = document.data
    title = fields.title(data.get("title"))
    if not title:
        return Reading([], [Diagnostic(source, 1, 1, "the page has no title", "add title: to its front matter and import again")])
    published = fields.year(data.get("year"))
    named_links = _named_links(data.get("additional_links"))
    code = next((link for link in named_links.values() if _CODE_HOST.match(link)), None)
    arxiv, doi, url = fields.identify(links=[link for link in named_links.values() if not _CODE_HOST.match(link)])
    links = {
        name: link for name, link in named_links.items()
        if link not in (url, code) and not fields.arxiv_id(link) and not fields.bare_doi(link)
    }
    return Reading([Entry(
        source=source,
        line=1,
        label=None,
        title=title,
        authors=fields.names(data.get("authors") or data.get("author")),
        year=published,
        venue=fields.venue(data.get("conference") or data.get("journal"), published),
        venue_type="conference" if data.get("conference") else "journal" if data.get("journal") else None,
        arxiv=arxiv,
        doi=doi,
        url=url,
        code=code,
        links=links,
        abstract=fields.text(match.group("body")),
        keywords=fields.keywords(data.get("tags")),
    )], [])


def _named_links(value: Any) -> dict[str, str]:
    """additional_links as name: url (web links only; the first of a repeated name)."""
    found: dict[str, str] = {}
    for item in value if isinstance(value, list) else []:
        link = fields.text(item.get("url")) if isinstance(item, dict) else None
        if link and fields.is_web_link(link):
            found.setdefault(fields.text(item.get("name")) or link.split("/")[2], link)
    return found
