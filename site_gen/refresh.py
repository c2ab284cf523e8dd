"""`site-gen refresh`: fill in the DOI and venue of arXiv papers once they are published.

For every valid paper with an arXiv id and no `doi` or no `venue`, arXiv's API is asked (100 ids a
request, 3 s apart as its terms of use ask) for the `doi` and `journal_ref` its authors gave; for
a paper with a DOI (its own, or arXiv's) and no venue, the DOI's record (Crossref, else DataCite:
doi.fetch) gives its container-title. A paper with neither is not searched for on Crossref by its
title: a search gives candidates, not the paper, and a wrong venue is worse than none.

Only absent fields are filled; a value a maintainer wrote is never replaced. Each changed file
gets its new lines inserted (site_gen.field_insert) and is read back and checked like `site-gen
check` before anything is written. The answers are cached by arXiv id and by DOI with the day they
were given (build/cache/refresh.pickle, checksummed by site_gen.incremental.store), so a run within
`--max-age` days asks nothing again.

Exit codes: 0 done (changed or not); 1 a file or the bot branch could not be written; 2 a registry
could not be reached — nothing was written.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NoReturn, TypeVar

import click

from site_gen import arxiv, doi
from site_gen.actions_bot import GitError, default_remote, push_branch, write_outputs
from site_gen.add import draft_from_arxiv
from site_gen.cli import root_option
from site_gen.diagnostics import one_line
from site_gen.field_insert import CannotInsert, with_fields
from site_gen.incremental.store import load_pickle, save_pickle
from site_gen.markup import github_table_cell
from site_gen.project import Project
from site_gen.reader import Rejected, parse_paper
from site_gen.yaml_source import read_yaml

EXIT_FAILED = 1
EXIT_UNREACHABLE = 2

ARXIV_BATCH = 100
ARXIV_PAUSE_SECONDS = 3.0  # https://info.arxiv.org/help/api/tou.html: one request every 3 s
CROSSREF_PAUSE_SECONDS = 1.0
RETRIES = 2
BACKOFF_SECONDS = 5.0  # then twice that
DEFAULT_MAX_AGE_DAYS = 7

CACHE_FILE = "refresh.pickle"
CACHE_HEADER = ("site-gen refresh answers", 2)
BOT_BRANCH = "bot/refresh"

T = TypeVar("T")


class RegistryUnavailable(Exception):
    """A registry gave no usable answer, after the retries."""


# --- the registries, politely -------------------------------------------------------------------


class Registries:
    """arXiv and the DOI registries, asked at a polite rate with retries. `wait(seconds)` is
    time.sleep unless a test gives another; `requests` counts the requests made to each."""

    def __init__(self, arxiv_api: str | None = None, crossref_api: str | None = None, datacite_api: str | None = None,
                 wait: Callable[[float], None] | None = None):
        self.arxiv_api = arxiv.api_url(arxiv_api)
        self.crossref_api = crossref_api or os.environ.get(doi.CROSSREF_API_ENV) or doi.CROSSREF_API
        self.datacite_api = datacite_api or os.environ.get(doi.DATACITE_API_ENV) or doi.DATACITE_API
        self.wait = wait or time.sleep
        self.requests: Counter[str] = Counter()

    def arxiv_papers(self, arxiv_ids: list[str]) -> dict[str, arxiv.ArxivPaper]:
        try:
            return self._patiently("arXiv", ARXIV_PAUSE_SECONDS, lambda: arxiv.fetch_batch(arxiv_ids, self.arxiv_api), arxiv.ArxivUnavailable)
        except arxiv.ArxivError as error:
            raise RegistryUnavailable(f"could not ask arXiv: {error}") from None

    def venue(self, paper_doi: str) -> tuple[str | None, str | None]:
        """The container-title of the DOI's record and whether it is a journal or a conference
        (None where the record does not say); (None, None) when no registry knows the DOI or its
        record cannot be read (the journal_ref is used instead, if any)."""
        try:
            record = self._patiently("Crossref", CROSSREF_PAUSE_SECONDS,
                                     lambda: doi.fetch(paper_doi, self.crossref_api, self.datacite_api), doi.DoiUnavailable)
            return record.venue, record.venue_type
        except (doi.DoiNotFound, doi.DoiUnreadable):
            return None, None
        except doi.DoiUnavailable as error:
            raise RegistryUnavailable(f"could not ask for DOI {paper_doi}: {error}") from None

    def _patiently(self, registry: str, pause: float, ask: Callable[[], T], retried: type[Exception]) -> T:
        if self.requests[registry]:
            self.wait(pause)
        for attempt in range(RETRIES):
            self.requests[registry] += 1
            try:
                return ask()
            except retried:
                self.wait(BACKOFF_SECONDS * 2**attempt)  # longer than the pause: as polite
        self.requests[registry] += 1
        return ask()


# --- the cache ----------------------------------------------------------------------------------


@dataclass
class Answers:
    """What the registries said, by arXiv id ((journal_ref, doi)) and by lower-case DOI (venue,
    venue type), each with the day it was said (an ordinal)."""

    arxiv: dict[str, tuple[int, str | None, str | None]] = field(default_factory=dict)
    venues: dict[str, tuple[int, str | None, str | None]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "Answers":
        saved = load_pickle(path, CACHE_HEADER)  # None when missing, stale or damaged
        try:
            arxiv_answers, venues = saved
            return cls(dict(arxiv_answers), dict(venues))
        except (TypeError, ValueError):
            return cls()

    def forget_older_than(self, day: int) -> None:
        """Drop the answers given on `day` or before: they are asked again (and the answers
        about papers no longer listed go)."""
        self.arxiv = {key: answer for key, answer in self.arxiv.items() if answer[0] > day}
        self.venues = {key: answer for key, answer in self.venues.items() if answer[0] > day}

    def save(self, path: Path) -> None:
        save_pickle(path, CACHE_HEADER, (self.arxiv, self.venues))


# --- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A valid paper with an arXiv id that lacks its DOI or its venue."""

    path: Path
    display: str
    text: str
    arxiv: str
    doi: str | None
    has_venue: bool


def candidates(project: Project, today: dt.date) -> tuple[list[Candidate], set[str]]:
    """The papers to ask about, and the (lower-case) DOIs every paper file holds."""
    found, dois = [], set()
    for path in project.paper_files():
        display = project.display(path)
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        document, _ = read_yaml(raw, display, track_locations=False)
        data = document.data if document is not None and isinstance(document.data, dict) else {}
        if isinstance(data.get("doi"), str):
            dois.add(data["doi"].casefold())
        if isinstance(parse_paper(raw, path.stem, display, today), Rejected):
            continue  # its problems are the maintainer's to fix first: `site-gen check` lists them
        if data.get("arxiv") and not (data.get("doi") and data.get("venue")):
            found.append(Candidate(path, display, raw.decode("utf-8"), data["arxiv"], data.get("doi"), bool(data.get("venue"))))
    return found, dois


@dataclass(frozen=True)
class Change:
    candidate: Candidate
    fields: dict[str, str]
    sources: dict[str, str]  # field -> where its value comes from
    text: str

    def describe(self) -> str:
        shown = {name: value if name == "doi" else f'"{value}"' for name, value in self.fields.items()}
        parts = [f"{name} {shown[name]} from {self.sources[name]}" for name in self.fields]
        return f"{self.candidate.display}: {' and '.join(parts)}"


@dataclass
class Outcome:
    changes: list[Change]
    skipped: list[str]  # one line each: a file that could not be changed, and why
    asked: int  # papers
    from_cache: int


def refresh(project: Project, registries: Registries, answers: Answers, today: dt.date, max_age: int) -> Outcome:
    """The changes the registries' answers make to the list (nothing is written). Raises
    RegistryUnavailable."""
    papers, taken_dois = candidates(project, today)
    answers.forget_older_than(today.toordinal() - max_age)
    to_ask = sorted({p.arxiv for p in papers} - answers.arxiv.keys())
    for start in range(0, len(to_ask), ARXIV_BATCH):
        batch = to_ask[start : start + ARXIV_BATCH]
        found = registries.arxiv_papers(batch)
        for arxiv_id in batch:
            paper = found.get(arxiv_id)
            answers.arxiv[arxiv_id] = (today.toordinal(), paper and paper.journal_ref, paper and draft_from_arxiv(paper).fields["doi"])
    changes, skipped = [], []
    for paper in papers:
        _, journal_ref, arxiv_doi = answers.arxiv[paper.arxiv]
        fields, sources = {}, {}
        if not paper.doi and arxiv_doi:
            if arxiv_doi.casefold() in taken_dois:
                skipped.append(f"{paper.display}: arXiv gives the DOI {arxiv_doi}, which another paper file has — not added")
            else:
                fields["doi"], sources["doi"] = arxiv_doi, "arXiv's doi"
                taken_dois.add(arxiv_doi.casefold())
        paper_doi = paper.doi or fields.get("doi")
        if not paper.has_venue:
            venue, venue_type = _venue(paper_doi, registries, answers, today) if paper_doi else (None, None)
            if venue:
                fields["venue"], sources["venue"] = venue, f"the record of DOI {paper_doi}"
                if venue_type:
                    fields["venue_type"], sources["venue_type"] = venue_type, f"the type of DOI {paper_doi}'s record"
            elif journal_ref:
                fields["venue"], sources["venue"] = journal_ref, "arXiv's journal_ref"
        if fields:
            try:
                changes.append(_changed(paper, fields, sources, today))
            except CannotInsert as error:
                skipped.append(f"{paper.display}: {error} — not changed")
    return Outcome(changes, skipped, asked=len(to_ask), from_cache=len({p.arxiv for p in papers}) - len(to_ask))


def _venue(paper_doi: str, registries: Registries, answers: Answers, today: dt.date) -> tuple[str | None, str | None]:
    key = paper_doi.casefold()
    if key not in answers.venues:
        answers.venues[key] = (today.toordinal(), *registries.venue(paper_doi))
    return answers.venues[key][1:]


def _changed(paper: Candidate, fields: dict[str, str], sources: dict[str, str], today: dt.date) -> Change:
    """The file with its new fields, read back: the same data plus those fields, and valid."""
    text = with_fields(paper.text, fields)
    before, _ = read_yaml(paper.text.encode("utf-8"), paper.display, track_locations=False)
    after, _ = read_yaml(text.encode("utf-8"), paper.display, track_locations=False)
    if after is None or after.data != {**before.data, **fields}:
        raise CannotInsert("the fields could not be added without changing the others")
    checked = parse_paper(text.encode("utf-8"), paper.path.stem, paper.display, today)
    if isinstance(checked, Rejected):
        raise CannotInsert(f"with them the file would not pass the check ({checked.diagnostics[0].message})")
    return Change(paper, fields, sources, text)


def write_changes(changes: list[Change]) -> None:
    """Each file replaced whole (a temporary file, then a rename): never half of one."""
    for change in changes:
        temporary = change.candidate.path.with_name(f".{change.candidate.path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(change.text, encoding="utf-8", newline="")
            os.replace(temporary, change.candidate.path)
        finally:
            temporary.unlink(missing_ok=True)


def changes_table(changes: list[Change]) -> str:
    """The pull request's body: one row per new field."""
    if not changes:
        return "`site-gen refresh` found nothing to add.\n"
    lines = [
        f"`site-gen refresh` found the DOI or venue of {len(changes)} paper(s) that were only on arXiv. "
        "It only adds fields that were absent; check each value before merging (a journal_ref is written as arXiv gives it).",
        "",
        "| File | Field | New value | From |",
        "| --- | --- | --- | --- |",
    ]
    for change in changes:
        for name, value in change.fields.items():
            lines.append(f"| {github_table_cell(change.candidate.display)} | {name} | {github_table_cell(value)} | {github_table_cell(change.sources[name])} |")
    return "\n".join(lines) + "\n"


def push_changes(root: Path, changes: list[Change], branch: str, remote: str) -> None:
    push_branch(root, [change.candidate.path for change in changes],
                f"Add the DOI or venue of {len(changes)} paper(s) (site-gen refresh)", branch, remote)


# --- the command --------------------------------------------------------------------------------


def _fail(message: str, code: int) -> NoReturn:
    click.echo(one_line(f"site-gen refresh: error: {message}"), err=True)
    sys.exit(code)


@click.command("refresh")
@root_option
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing (not even the cache).")
@click.option("--max-age", type=click.IntRange(min=0), default=DEFAULT_MAX_AGE_DAYS, show_default=True, metavar="DAYS",
              help="Ask again about a paper whose cached answer is older than this (0: ask about every paper).")
@click.option("--format", "output_format", type=click.Choice(["text", "github"]), default="text", show_default=True,
              help="github also writes the changes as a Markdown table to --table and sets the step output `changed`.")
@click.option("--table", type=click.Path(dir_okay=False, path_type=Path), default=Path("build/refresh/pull-request.md"),
              show_default=True, help="Where --format github writes the table (relative to --root).")
@click.option("--push", "branch", metavar="BRANCH", help=f"Commit the changed files on BRANCH (e.g. {BOT_BRANCH}) and force-push it.")
@click.option("--remote", help="Where --push pushes: a URL or a path (default: this GitHub repository; the token is $GH_TOKEN).")
def refresh_command(root: Path, dry_run: bool, max_age: int, output_format: str, table: Path, branch: str | None, remote: str | None) -> None:
    """Fill in the DOI and venue of arXiv papers that have since been published, from arXiv's
    journal_ref and doi and the DOI's Crossref record. Only absent fields are added. The registries
    are $SITE_GEN_ARXIV_API, $SITE_GEN_CROSSREF_API and $SITE_GEN_DATACITE_API if set. Exit codes:
    0 done, 1 a file or the branch could not be written, 2 a registry unreachable (nothing written)."""
    project = Project(root.resolve())
    remote = remote or default_remote()
    if branch and not remote:
        _fail("no repository to push to — pass --remote, or run under GitHub Actions (which sets GITHUB_REPOSITORY)", EXIT_FAILED)
    cache = project.cache_dir / CACHE_FILE
    answers = Answers.load(cache)
    registries = Registries()
    try:
        outcome = refresh(project, registries, answers, dt.date.today(), max_age)
    except RegistryUnavailable as error:
        _fail(f"{error}. Nothing was written — check the connection and run `site-gen refresh` again.", EXIT_UNREACHABLE)
    for change in outcome.changes:
        click.echo(one_line(change.describe()))
    for line in outcome.skipped:
        click.echo(one_line(line), err=True)
    counts = Counter(name for change in outcome.changes for name in change.fields)
    asked = ", ".join(f"{registry} {n} time(s)" for registry, n in sorted(registries.requests.items())) or "no registry"
    click.echo(
        f"{len(outcome.changes)} file(s) {'would change' if dry_run else 'changed'} ({counts['doi']} DOI(s), {counts['venue']} venue(s)); "
        f"{outcome.asked} paper(s) asked of arXiv, {outcome.from_cache} answered from the cache; asked {asked}"
        + (" — dry run: nothing written" if dry_run else "")
    )
    if dry_run:
        return
    try:
        answers.save(cache)
        write_changes(outcome.changes)
        if output_format == "github":
            table_path = table if table.is_absolute() else project.root / table
            table_path.parent.mkdir(parents=True, exist_ok=True)
            table_path.write_text(changes_table(outcome.changes), encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {error.filename}: {error.strerror} — check the folder's permissions and free space", EXIT_FAILED)
    if branch and outcome.changes:
        try:
            push_changes(project.root, outcome.changes, branch, remote)
        except GitError as error:
            _fail(f"{error} — check that the workflow has contents: write", EXIT_FAILED)
        click.echo(f"pushed {len(outcome.changes)} file(s) to {branch}")
    if output_format == "github":
        write_outputs(changed=str(len(outcome.changes)), branch=branch or "")
