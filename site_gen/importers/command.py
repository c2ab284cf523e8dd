"""`site-gen import FILE_OR_DIR`: a paper file for each paper of a BibTeX file, a CSL-JSON export
or a Jekyll collection that is not on the list yet.

For each entry, in the source's order: skip it if it repeats a listed paper or one imported
before it (same arXiv id, DOI or normalised title); give it a readable id as `add` does; take its
category and tags from its keywords (keyword_map.py), else from the most similar listed papers
(`add`'s suggestions); write it with the project's YAML writer. Then the whole list is checked,
and what is left to fill in is printed.

Exit codes: 0 when a paper was imported or every entry is already on the list; 1 when nothing
could be imported (the source or the map cannot be read, or no entry could).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from site_gen.add import ListedPaper, Suggestion, check_list, listed_papers, paper_id_for, suggest, taken_ids, write_new
from site_gen.cli import root_option
from site_gen.diagnostics import Diagnostic
from site_gen.importers import Entry, read_source
from site_gen.importers.keyword_map import KeywordMap, read_keyword_map
from site_gen.paper_file import paper_yaml
from site_gen.project import Project
from site_gen.reader import read_taxonomy
from site_gen.records import Taxonomy
from site_gen.urls import RESERVED_NAMES
from site_gen.validation import normalised_title


@dataclass(frozen=True)
class Imported:
    entry: Entry
    paper_id: str
    record: dict[str, Any]
    category_from: str | None  # "its keywords", "suggested", or None when no category was found
    tags_from: str | None


@dataclass(frozen=True)
class Duplicate:
    entry: Entry
    of: str | Entry  # the listed paper's file, or the entry imported before
    same: str  # what they share, e.g. "arXiv id 2403.03507"


class KnownPapers:
    """The papers an entry must not repeat: the listed ones, then those imported before it."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], str | Entry] = {}

    def add(self, paper: str | Entry, arxiv: str | None, doi: str | None, title: str) -> None:
        for key in _keys(arxiv, doi, title):
            self._known.setdefault(key, paper)

    def find(self, entry: Entry) -> Duplicate | None:
        shared = {"arXiv id": f"arXiv id {entry.arxiv}", "DOI": f"DOI {entry.doi}", "title": "title"}
        for key in _keys(entry.arxiv, entry.doi, entry.title):
            if key in self._known:
                return Duplicate(entry, self._known[key], shared[key[0]])
        return None


def _keys(arxiv: str | None, doi: str | None, title: str) -> list[tuple[str, str]]:
    keys = [("arXiv id", arxiv), ("DOI", doi and doi.lower()), ("title", normalised_title(title))]
    return [(kind, value) for kind, value in keys if value]


def plan(
    entries: list[Entry], listed: list[ListedPaper], taken: set[str],
    keyword_map: KeywordMap, taxonomy: Taxonomy | None, today: dt.date,
) -> list[Imported | Duplicate]:
    """What becomes of each entry, in order. `taken` are the ids that cannot be used."""
    known = KnownPapers()
    for paper in listed:
        known.add(paper.path, paper.arxiv, paper.doi, paper.title)
    taken = set(taken) | RESERVED_NAMES
    outcomes: list[Imported | Duplicate] = []
    for entry in entries:
        duplicate = known.find(entry)
        if duplicate:
            outcomes.append(duplicate)
            continue
        known.add(entry, entry.arxiv, entry.doi, entry.title)
        paper_id = paper_id_for(entry.title, entry.year if isinstance(entry.year, int) else None, taken)
        taken.add(paper_id)
        mapped = keyword_map.terms(entry.keywords)
        suggested = Suggestion(None, ())
        if not (mapped.category and mapped.tags):
            suggested = suggest(entry.title, entry.abstract or "", listed, taxonomy)
        category, tags = mapped.category or suggested.category, mapped.tags or suggested.tags
        outcomes.append(Imported(
            entry, paper_id, _record(entry, category, tags, today),
            category_from="its keywords" if mapped.category else "suggested" if category else None,
            tags_from="its keywords" if mapped.tags else "suggested" if tags else None,
        ))
    return outcomes


def _record(entry: Entry, category: str | None, tags: tuple[str, ...], today: dt.date) -> dict[str, Any]:
    return {
        "title": entry.title,
        "authors": list(entry.authors),
        "year": entry.year,
        "venue": entry.venue,
        "venue_type": entry.venue_type if entry.venue else None,
        "arxiv": entry.arxiv,
        "doi": entry.doi,
        "url": entry.url,
        "code": entry.code,
        "links": entry.links,
        "category": category,
        "tags": list(tags),
        "abstract": entry.abstract,
        "added": today.isoformat(),
    }


@click.command("import")
@click.argument("source", metavar="FILE_OR_DIR", type=click.Path(path_type=Path))
@root_option
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path), help="YAML file mapping the source's keywords to categories and tags (see docs/import.md).")
@click.option("--dry-run", is_flag=True, help="Print what would be imported; write nothing.")
def import_command(source: Path, root: Path, map_path: Path | None, dry_run: bool) -> None:
    """Write papers/<id>.yml for each paper in FILE_OR_DIR that is not on the list yet.

    FILE_OR_DIR is a BibTeX file (.bib), a CSL-JSON export (.json; Zotero, Mendeley, Paperpile) or
    a Jekyll collection (a folder of .md pages with front matter, like ml4code's _publications).
    Exit codes: 0 imported (or all already listed), 1 nothing could be imported.
    """
    project = Project(root.resolve())
    taxonomy, _ = read_taxonomy(project)  # an invalid taxonomy is `check`'s to report
    keyword_map, map_problems = read_keyword_map(map_path, taxonomy, project.display(project.taxonomy_path))
    if map_problems:
        for problem in map_problems:
            click.echo(problem.format_text(), err=True)
        click.echo("nothing was imported: fix the map first", err=True)
        sys.exit(1)
    reading = read_source(source)
    failures = reading.failures
    if not reading.entries and not failures:
        failures = [Diagnostic(source.as_posix(), 1, 1, "no paper found", "check that this is the file or folder you meant to import")]

    outcomes = plan(reading.entries, listed_papers(project), taken_ids(project), keyword_map, taxonomy, dt.date.today())
    imported = [outcome for outcome in outcomes if isinstance(outcome, Imported)]
    for outcome in outcomes:
        click.echo(_describe(outcome, project, dry_run))
    for failure in failures:
        click.echo(failure.format_text(), err=True)
    click.echo(f"\n{len(imported)} {'to import' if dry_run else 'imported'}, {len(outcomes) - len(imported)} skipped as duplicates, {len(failures)} failed")
    if not imported and failures:
        sys.exit(1)
    if dry_run:
        click.echo("--dry-run: nothing was written")
        return
    for outcome in imported:
        write_new(project.papers_dir / f"{outcome.paper_id}.yml", paper_yaml(outcome.record))
    if imported:
        _report_check(project, imported)


def _describe(outcome: Imported | Duplicate, project: Project, dry_run: bool) -> str:
    entry = outcome.entry
    if isinstance(outcome, Duplicate):
        of = f"the same paper as {outcome.of.where}" if isinstance(outcome.of, Entry) else f"already on the list as {outcome.of}"
        return f"skipped {entry.where}: {of} (same {outcome.same})"
    path = project.display(project.papers_dir / f"{outcome.paper_id}.yml")
    record = outcome.record
    category = f"category {record['category']} ({outcome.category_from})" if record["category"] else "no category (fill it in)"
    tags = f"tags {', '.join(record['tags'])} ({outcome.tags_from})" if record["tags"] else "no tags (fill them in)"
    return f"{'would write' if dry_run else 'imported'} {path} from {entry.where}: {category}, {tags}"


def _report_check(project: Project, imported: list[Imported]) -> None:
    """`site-gen check` on the whole list, and what is left to do in the imported files."""
    written = {project.display(project.papers_dir / f"{outcome.paper_id}.yml") for outcome in imported}
    problems, warnings = check_list(project)
    own = [problem for problem in problems if problem.path in written]
    # Nearly identical titles: the warning sits on one of the two files and names the other.
    worth_a_look = [warning for warning in warnings if warning.path in written or any(path in warning.problem for path in written)]
    click.echo("")
    if own:
        click.echo(f"site-gen check: {len(own)} problem(s) in the imported files, to fix by hand:")
        for problem in own:
            click.echo(f"  {problem.format_text()}")
    else:
        click.echo("site-gen check: the imported files pass.")
    for warning in worth_a_look:
        click.echo(f"  {warning.format_text()}")
    if len(problems) > len(own):
        click.echo(f"site-gen check: {len(problems) - len(own)} problem(s) elsewhere in the list: run `site-gen check`")
    if any("suggested" in (outcome.category_from, outcome.tags_from) for outcome in imported):
        click.echo("Suggested categories and tags come from the most similar listed papers: confirm them in each file.")

