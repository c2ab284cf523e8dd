"""`site-gen import`: papers from a BibTeX file, a CSL-JSON export or a Jekyll collection.

Each format has its reader (`bibtex.py`, `csl_json.py`, `jekyll.py`), which turns the source into
`Entry` objects (one paper each, as the source describes it, with where it is written) and a
Diagnostic for every entry it cannot read. `fields.py` holds what the readers share (identifiers
in links and free text, venues, years), `keyword_map.py` the maintainer's map from keywords to
categories and tags, and `command.py` the command: duplicates, ids, category and tags, the files
and the summary. The user's manual is docs/import.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from site_gen.diagnostics import Diagnostic


@dataclass(frozen=True)
class Entry:
    """One paper as the source describes it. `year` is the text as written when it holds no
    year, so that `site-gen check` shows the maintainer what the source said."""

    source: str
    line: int
    label: str | None  # how the source names the entry, when it is not the whole file: a BibTeX key, a CSL id
    title: str
    authors: tuple[str, ...] = ()
    year: int | str | None = None
    venue: str | None = None
    venue_type: str | None = None  # "journal" or "conference", where the source says which
    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None
    code: str | None = None
    links: dict[str, str] = field(default_factory=dict)
    abstract: str | None = None
    keywords: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line} ({self.label})" if self.label else f"{self.source}:{self.line}"


@dataclass(frozen=True)
class Reading:
    """What a reader found: the entries it understood and a problem for each it did not."""

    entries: list[Entry]
    failures: list[Diagnostic]


def read_source(path: Path) -> Reading:
    """The papers in `path`, whose format is told by its name: a folder is a Jekyll collection,
    `.bib` BibTeX, `.json` CSL-JSON, `.md` one Jekyll page."""
    from site_gen.importers import bibtex, csl_json, jekyll  # each loads its own parser

    shown = path.as_posix()
    if path.is_dir():
        return jekyll.read_collection(path)
    readers = {".bib": bibtex.read, ".json": csl_json.read, ".md": jekyll.read_page, ".markdown": jekyll.read_page}
    reader = readers.get(path.suffix.lower())
    text = read_text(path)
    if isinstance(text, Diagnostic):
        return Reading([], [text])
    if reader is None:
        return Reading([], [Diagnostic(
            shown, 1, 1, f"cannot tell the format of {path.name!r}",
            "import a BibTeX .bib file, a CSL-JSON .json file, or a folder of Jekyll .md pages",
        )])
    return reader(text, shown)


def read_text(path: Path) -> str | Diagnostic:
    """The file's text, or why it cannot be read."""
    shown = path.as_posix()
    try:
        raw = path.read_bytes()
    except OSError as error:
        return Diagnostic(shown, 1, 1, f"cannot read the file: {error.strerror}", "check the path and the file's permissions")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return Diagnostic(shown, line, column, f"byte 0x{raw[error.start]:02x} is not valid UTF-8", "export the file again as UTF-8")
