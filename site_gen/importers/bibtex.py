"""BibTeX: parsed by bibtexparser, LaTeX turned into Unicode by pylatexenc.

Names are split by bibtexparser before they are decoded, so braces still protect what they
protect: `M{\\"o}ller, J\\'er\\^ome and {OpenAI}` is Jérôme Möller and OpenAI. Links and
identifiers are not decoded (`\\url{...}` would become `<...>`).
"""

from __future__ import annotations

import logging
import re

import bibtexparser
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.middlewares import MergeNameParts, SeparateCoAuthors, SplitNameParts
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry as BibEntry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

from site_gen.diagnostics import Diagnostic
from site_gen.importers import Entry, Reading, fields

# bibtexparser also logs each broken block; the import reports it with its line and a fix.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_LATEX = LatexNodes2Text()
# The entry types that say what their venue is (BibTeX's and biblatex's).
_VENUE_TYPES = {"article": "journal", "inproceedings": "conference", "conference": "conference"}


def read(text: str, source: str) -> Reading:
    library = bibtexparser.parse_string(
        text, append_middleware=[SeparateCoAuthors(), SplitNameParts(), MergeNameParts("first")]
    )
    entries, failures = [], []
    for block in library.blocks:
        if isinstance(block, ParsingFailedBlock):
            failures.append(_failure(block, text, source))
        elif isinstance(block, BibEntry):
            found = _entry(block, source)
            (entries if isinstance(found, Entry) else failures).append(found)
    return Reading(entries, failures)


def _decoded(value: object) -> str | None:
    return _LATEX.latex_to_text(value) if isinstance(value, str) else None


def _entry(block: BibEntry, source: str) -> Entry | Diagnostic:
    line = block.start_line + 1
    values = {field.key.lower(): field.value for field in block.fields}
    title = fields.title(_decoded(values.get("title")))
    if not title:
        return Diagnostic(source, line, 1, f"entry '{block.key}' has no title", "add title = {...} to the entry and import it again")
    year = fields.year(values.get("year") or values.get("date"))
    eprint_kind = str(values.get("archiveprefix") or values.get("eprinttype") or "arxiv").lower()
    arxiv, doi, url = fields.identify(
        mentions=(values.get("eprint") if eprint_kind == "arxiv" else None, values.get("journal"), values.get("note")),
        dois=(values.get("doi"),),
        links=(values.get("url"),),
    )
    authors = values.get("author")
    return Entry(
        source=source,
        line=line,
        label=block.key,
        title=title,
        authors=fields.names([_decoded(name) for name in authors] if isinstance(authors, list) else []),
        year=year,
        venue=fields.venue(_decoded(values.get("booktitle") or values.get("journal") or values.get("journaltitle")), year),
        venue_type=_VENUE_TYPES.get(block.entry_type.lower()),
        arxiv=arxiv,
        doi=doi,
        url=url,
        abstract=fields.text(_decoded(values.get("abstract"))),
        keywords=fields.keywords(_decoded(values.get("keywords"))),
    )


def _failure(block: ParsingFailedBlock, text: str, source: str) -> Diagnostic:
    line = (block.start_line or 0) + 1
    key = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s]*)", block.raw or "")
    name = f"entry '{key.group(1)}'" if key and key.group(1) else "an entry"
    error = block.error
    if isinstance(block, DuplicateBlockKeyBlock):
        first = (block.previous_block.start_line or 0) + 1
        return Diagnostic(source, line, 1, f"{name} has the key of the entry on line {first}", "give each entry its own key, or delete the repeated entry")
    if isinstance(block, DuplicateFieldKeyBlock):
        repeated = ", ".join(sorted(block.duplicate_keys))
        return Diagnostic(source, line, 1, f"{name} has the field {repeated} more than once", "keep one of them")
    if isinstance(error, BlockAbortedException):
        stopped = "at the end of the file" if error.end_index is None else f"on line {_line_of(text, error.end_index)}"
        return Diagnostic(
            source, line, 1, f"{name} is not valid BibTeX: {error.abort_reason.strip()} (reading stopped {stopped})",
            "close every { and \", separate the fields with commas, then import again",
        )
    return Diagnostic(source, line, 1, f"{name} cannot be read: {error}", "fix the entry, then import again")


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1
