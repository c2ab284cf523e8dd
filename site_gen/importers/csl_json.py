"""CSL-JSON, as Zotero, Mendeley and Paperpile export it: an array of items.

The items are decoded one at a time (`json.JSONDecoder.raw_decode`) so that each is known by the
line it starts on. Zotero gives an arXiv preprint `number: "arXiv:NNNN.NNNNN"`, arXiv's DOI
`10.48550/arXiv.NNNN.NNNNN` and its abs link as `URL`; any of them gives the arXiv id.
"""

from __future__ import annotations

import json
import re
from typing import Any

from site_gen.diagnostics import Diagnostic
from site_gen.importers import Entry, Reading, fields

_WHITESPACE = re.compile(r"\s*")
# The item types that say what their container is.
_VENUE_TYPES = {"article-journal": "journal", "paper-conference": "conference"}
_NAME_PARTS = ("given", "dropping-particle", "non-dropping-particle", "family", "suffix")


def read(text: str, source: str) -> Reading:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return Reading([], [Diagnostic(source, error.lineno, error.colno, f"invalid JSON: {error.msg}", "export the library again as CSL JSON, or fix the file here")])
    if isinstance(document, dict):
        items = [(_WHITESPACE.match(text).end(), document)]
    elif isinstance(document, list):
        items = _items_with_offsets(text)
    else:
        return Reading([], [Diagnostic(source, 1, 1, "a CSL-JSON file holds an array of items", "export the library again as CSL JSON")])
    entries, failures = [], []
    for number, (offset, item) in enumerate(items, 1):
        line = text.count("\n", 0, offset) + 1
        column = offset - text.rfind("\n", 0, offset)
        found = _entry(item, number, source, line, column)
        (entries if isinstance(found, Entry) else failures).append(found)
    return Reading(entries, failures)


def _items_with_offsets(text: str) -> list[tuple[int, Any]]:
    """The items of a JSON array that json.loads has accepted, each with where it starts."""
    decoder = json.JSONDecoder()
    items = []
    index = _WHITESPACE.match(text, text.index("[") + 1).end()
    while text[index] != "]":
        item, end = decoder.raw_decode(text, index)
        items.append((index, item))
        index = _WHITESPACE.match(text, end).end()
        if text[index] == ",":
            index = _WHITESPACE.match(text, index + 1).end()
    return items


def _entry(item: Any, number: int, source: str, line: int, column: int) -> Entry | Diagnostic:
    if not isinstance(item, dict):
        return Diagnostic(source, line, column, f"item {number} is not a CSL-JSON item", "each item is an object with title, author, issued, ...")
    label = fields.text(item.get("id")) or f"item {number}"
    title = fields.title(item.get("title"))
    if not title:
        return Diagnostic(source, line, column, f"item '{label}' has no title", 'add "title": "..." to the item and import again')
    published = _year(item.get("issued"))
    arxiv, doi, url = fields.identify(
        mentions=(item.get("number"), item.get("id"), item.get("note")), dois=(item.get("DOI"),), links=(item.get("URL"),)
    )
    return Entry(
        source=source,
        line=line,
        label=label,
        title=title,
        authors=fields.names([_name(author) for author in item.get("author") or [] if isinstance(author, dict)]),
        year=published,
        venue=fields.venue(_first(item.get("container-title")) or item.get("event-title"), published),
        venue_type=_VENUE_TYPES.get(item.get("type")),
        arxiv=arxiv,
        doi=doi,
        url=url,
        abstract=fields.text(item.get("abstract")),
        keywords=fields.keywords(item.get("keyword")),
    )


def _name(author: dict[str, Any]) -> str | None:
    """`{"literal": "OpenAI"}`, or the parts of a person's name in reading order."""
    return fields.text(author.get("literal")) or fields.text(" ".join(filter(None, map(fields.text, map(author.get, _NAME_PARTS)))))


def _year(issued: Any) -> int | str | None:
    """From `{"date-parts": [[2024, 3, 6]]}`, else the date's `raw` or `literal` text."""
    if not isinstance(issued, dict):
        return fields.year(issued)
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return fields.year(parts[0][0])
    return fields.year(issued.get("raw") or issued.get("literal"))


def _first(value: Any) -> Any:
    """Some exporters write a list where CSL has one text."""
    return value[0] if isinstance(value, list) and value else value
