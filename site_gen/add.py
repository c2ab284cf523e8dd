"""`site-gen add ARXIV_ID_OR_DOI`: draft papers/<id>.yml from arXiv, Crossref or DataCite, then
check the list.

The steps, each a small function so tests can reach them: recognise the id (site_gen.arxiv,
site_gen.doi; an arXiv DOI goes to arXiv), refuse a paper already on the list, ask the registry
for it, pick a readable file name from the title, suggest a category and tags from the most
similar papers already listed (TF-IDF and cosine similarity over title and abstract, as related
papers are found: site_gen.related), write the file with paper_yaml, and run the same validation as `site-gen check` on
the whole list.

Exit codes: 0 the file was written (what is left to do is printed); 1 refused (neither an arXiv id
nor a DOI, the paper is already listed, the registry does not know it, the file exists); 2 the
registry could not be reached (`--offline` writes a stub instead).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NoReturn

import click
from slugify import slugify

from site_gen import arxiv, doi, related, urls
from site_gen.cli import root_option
from site_gen.diagnostics import Diagnostic, InputError, one_line
from site_gen.paper_file import SCHEMA_COMMENT, paper_yaml
from site_gen.project import Project
from site_gen.reader import read_taxonomy, scan_project
from site_gen.records import Taxonomy
from site_gen.validation import PAPER_ID, normalised_title
from site_gen.yaml_source import read_yaml

EXIT_REFUSED = 1
EXIT_UNREACHABLE = 2

NEIGHBOURS = 5  # similar papers that vote for the category and tags
TAG_SHARE = 0.35  # a tag is suggested when papers holding this share of the neighbours' similarity use it
MAX_TAGS = 5

# Left out of ids: "Attention Is All You Need" -> attention-all-you-need.
_ID_STOP_WORDS = frozenset("a an and are as at by for from in into is of on or the to toward towards via with".split())


# --- the list as it is on disk ------------------------------------------------------------------


@dataclass(frozen=True)
class ListedPaper:
    """What `add` needs from one existing paper file. Read leniently: a list with errors elsewhere
    must still refuse duplicates and give suggestions."""

    path: str
    arxiv: str | None
    doi: str | None
    title: str
    abstract: str
    category: str | None
    tags: tuple[str, ...]


def listed_papers(project: Project) -> list[ListedPaper]:
    papers = []
    for path in project.paper_files():
        try:
            document, _ = read_yaml(path.read_bytes(), project.display(path))
        except OSError:
            continue
        data = document.data if document is not None and isinstance(document.data, dict) else {}
        text = lambda name: data.get(name) if isinstance(data.get(name), str) else ""  # noqa: E731
        tags = data.get("tags") if isinstance(data.get("tags"), list) else []
        arxiv_id = text("arxiv")
        try:
            arxiv_id = arxiv.parse_arxiv_id(arxiv_id).id if arxiv_id else None
        except arxiv.NotAnArxivId:
            pass
        paper_doi = text("doi")
        papers.append(
            ListedPaper(
                path=project.display(path),
                arxiv=arxiv_id or None,
                doi=doi.parse_doi(paper_doi) if doi.looks_like_doi(paper_doi) else paper_doi or None,
                title=text("title"),
                abstract=text("abstract"),
                category=text("category") or None,
                tags=tuple(tag for tag in tags if isinstance(tag, str)),
            )
        )
    return papers


def already_listed(papers: Iterable[ListedPaper], arxiv_id: str | None = None, paper_doi: str | None = None,
                   title: str | None = None) -> ListedPaper | None:
    """The listed paper with this arXiv id or DOI (in any case, as DOIs are), or failing that with
    the same normalised title."""
    papers = list(papers)
    for paper in papers:
        if (arxiv_id and paper.arxiv == arxiv_id) or (paper_doi and paper.doi and paper.doi.casefold() == paper_doi.casefold()):
            return paper
    if title:
        key = normalised_title(title)
        for paper in papers:
            if paper.title and normalised_title(paper.title) == key:
                return paper
    return None


# --- a readable paper id ------------------------------------------------------------------------


def paper_id_for(title: str, year: int | None, taken: set[str]) -> str:
    """`GaLore: Memory-Efficient ...` -> `galore`; without a short name before a colon, the first
    significant words. Made unique against `taken` and the reserved names with the year, then a
    counter."""
    head, colon, _ = title.partition(":")
    base = ""
    if colon and 1 <= len(head.split()) <= 3:
        base = slugify(head, max_length=40, word_boundary=True)
    if not base:
        words = [w for w in re.findall(r"[\w+'-]+", title) if w.casefold() not in _ID_STOP_WORDS]
        for word in words:  # whole words, up to four parts in the id
            longer = slugify(f"{base} {word}", max_length=50, word_boundary=True)
            if base and longer.count("-") >= 4:
                break
            base = longer
    # A reserved name would make the paper's page its folder's own page (urls.RESERVED_NAMES).
    return unique_id(base or "paper", taken | urls.RESERVED_NAMES, year)


def unique_id(base: str, taken: set[str], year: int | None = None) -> str:
    """`base`, else `base-<year>`, else the first free `...-2`, `...-3`."""
    candidates = [base] + ([f"{base}-{year}"] if year else [])
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidates[-1]}-{number}" in taken:
        number += 1
    return f"{candidates[-1]}-{number}"


def taken_ids(project: Project) -> set[str]:
    if not project.papers_dir.is_dir():
        return set()
    return {path.stem.lower() for path in project.papers_dir.iterdir()}


# --- category and tags from similar papers ------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    category: str | None
    tags: tuple[str, ...]
    neighbours: tuple[tuple[ListedPaper, float], ...] = field(default=())


def suggest(title: str, abstract: str, papers: list[ListedPaper], taxonomy: Taxonomy | None) -> Suggestion:
    """The category and tags of the listed papers most similar to this one (cosine over TF-IDF)."""
    categories = {t.slug for t in taxonomy.categories} if taxonomy else None
    tag_slugs = {t.slug for t in taxonomy.tags} if taxonomy else None
    usable = [p for p in papers if p.category and (categories is None or p.category in categories)]
    if not usable:
        return Suggestion(None, ())
    # The new paper has no tags yet: the listed ones are compared by their titles and abstracts.
    vectors = related.tf_idf([*(related.document(p.title, p.abstract) for p in usable), related.document(title, abstract)])
    similarities = (vectors[:-1] @ vectors[-1].T).toarray().ravel().tolist()
    scored = sorted(((paper, score) for paper, score in zip(usable, similarities) if score > 0), key=lambda item: (-item[1], item[0].path))
    neighbours = scored[:NEIGHBOURS]
    if not neighbours:
        return Suggestion(None, ())
    category_votes: Counter[str] = Counter()
    tag_votes: Counter[str] = Counter()
    for paper, score in neighbours:
        category_votes[paper.category] += score
        for tag in paper.tags:
            if tag_slugs is None or tag in tag_slugs:
                tag_votes[tag] += score
    weight = sum(score for _, score in neighbours)
    ranked_tags = sorted(tag_votes.items(), key=lambda item: (-item[1], item[0]))
    tags = [tag for tag, votes in ranked_tags if votes >= TAG_SHARE * weight][:MAX_TAGS]
    if not tags and ranked_tags:
        tags = [ranked_tags[0][0]]
    category = max(sorted(category_votes), key=lambda slug: category_votes[slug])
    return Suggestion(category, tuple(tags), tuple(neighbours))


# --- the file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A paper as a registry describes it: the fields it gives, and what is left to add by hand."""

    fields: dict[str, Any]
    todo: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.fields["title"]


def record(draft: Draft, suggestion: Suggestion, today: dt.date) -> dict[str, Any]:
    return {**draft.fields, "category": suggestion.category, "tags": list(suggestion.tags), "added": today.isoformat()}


def _code_hint(text: str) -> str:
    code = re.search(r"https://(?:github\.com|gitlab\.com)/[\w.-]+/[\w.-]+", text)
    return f"Add code: {code.group(0).rstrip('.')} if it is the official code" if code else "Add code: with the official repository, if there is one"


def draft_from_arxiv(paper: arxiv.ArxivPaper) -> Draft:
    title = paper.title[:-1] if paper.title.endswith(".") and not paper.title.endswith("..") else paper.title
    # arXiv lists several DOIs separated by spaces when a paper has errata: the first is the paper's.
    first_doi = paper.doi.split()[0] if paper.doi else ""
    venue_hint = f" — arXiv says: {paper.journal_ref}" if paper.journal_ref else ""
    return Draft(
        fields={
            "title": title, "authors": list(paper.authors), "year": paper.published.year, "arxiv": paper.id,
            "doi": first_doi if doi.looks_like_doi(first_doi) else None, "abstract": paper.abstract or None,
        },
        todo=(f"Add venue: (e.g. ICML 2024) if the paper was published{venue_hint}", _code_hint(f"{paper.comment or ''} {paper.abstract}")),
    )


def draft_from_doi(paper: doi.DoiPaper) -> Draft:
    todo = []
    if not paper.venue:
        todo.append("Add venue: (e.g. ICML 2024) if the paper was published: the registry names none")
    if not paper.abstract:
        todo.append(f"Add abstract: the registry has none; copy it from https://doi.org/{paper.doi}")
    if not paper.year:
        todo.append("Add year: the registry gives no date")
    todo.append(_code_hint(paper.abstract or ""))
    return Draft(
        fields={"title": paper.title, "authors": list(paper.authors), "year": paper.year, "venue": paper.venue,
                "venue_type": paper.venue_type, "doi": paper.doi, "abstract": paper.abstract},
        todo=tuple(todo),
    )


_STUB_HINTS = {
    "title": "the title exactly as the paper gives it",
    "authors": "one '- Full Name' line per author, in the paper's order",
    "year": "the year of its first version, e.g. 2024",
    "category": "one category slug from papers/_taxonomy.yml",
    "tags": "1-8 tag slugs from papers/_taxonomy.yml, e.g. [llm, low-rank]",
    "abstract": "the abstract, as a folded block: abstract: >-",
}


def stub_yaml(known: dict[str, str], today: dt.date) -> str:
    """A file to finish by hand: its arXiv id or DOI (`known`) and the date filled in, every other
    field left empty with a note, so `site-gen check` lists exactly what is missing."""
    known = {**known, "added": today.isoformat()}
    parts = [SCHEMA_COMMENT]
    for name in ("title", "authors", "year", *known.keys() - {"added"}, "category", "tags", "abstract", "added"):
        if name in known:
            parts.append(paper_yaml({name: known[name]}).removeprefix(SCHEMA_COMMENT))
        else:
            parts.append(f"{name}:  # TODO: {_STUB_HINTS[name]}\n")
    return "".join(parts)


def write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:  # never overwrite a paper
        handle.write(text)


def check_list(project: Project) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """What `site-gen check` would report for the whole list: its errors and its warnings."""
    try:
        return [], scan_project(project).warnings
    except InputError as error:
        return error.diagnostics, error.warnings


# --- the command --------------------------------------------------------------------------------


def _say(text: str) -> None:
    """A line of output: text from the list's files or from arXiv never breaks it (a line of its own
    starting with `::` would be a GitHub Actions command)."""
    click.echo(one_line(text))


def _refuse(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    click.echo(one_line(f"site-gen add: {message}"), err=True)
    sys.exit(code)


def identify(reference: str) -> tuple[str | None, str | None]:
    """(arXiv id, DOI) of what a contributor pasted, exactly one of them set; an arXiv DOI gives
    its arXiv id. Raises ValueError with what was expected."""
    if doi.looks_like_doi(reference):
        paper_doi = doi.parse_doi(reference)
        arxiv_id = doi.arxiv_id_of(paper_doi)
        return (arxiv.parse_arxiv_id(arxiv_id).id, None) if arxiv_id else (None, paper_doi)
    try:
        return arxiv.parse_arxiv_id(reference).id, None
    except arxiv.NotAnArxivId as error:
        raise ValueError(f"{error}, nor a DOI (like 10.1109/TNN.2008.2005605)") from None


def _fetched(arxiv_id: str | None, paper_doi: str | None, apis: dict[str, str]) -> Draft:
    """The draft of the paper from its registry; refuses (exit 1) or gives up (exit 2) with what to do."""
    source = f"{arxiv_id} from arXiv" if arxiv_id else f"DOI {paper_doi}"
    offline_hint = f"Check your connection and retry, or run `site-gen add --offline {arxiv_id or paper_doi}` to write a stub to fill in by hand."
    try:
        if arxiv_id:
            return draft_from_arxiv(arxiv.fetch(arxiv_id, apis["arxiv"]))
        return draft_from_doi(doi.fetch(paper_doi, apis["crossref"], apis["datacite"]))
    except arxiv.ArxivNotFound as error:
        _refuse(f"{error} — check the id on https://arxiv.org/abs/{arxiv_id}")
    except doi.DoiNotFound as error:
        _refuse(f"{error} — check it on https://doi.org/{paper_doi}")
    except (arxiv.ArxivUnavailable, doi.DoiUnavailable, doi.DoiUnreadable) as error:
        _refuse(f"could not get {source}: {error}. {offline_hint}", EXIT_UNREACHABLE)


@click.command()
@click.argument("reference", metavar="ARXIV_ID_OR_DOI")
@root_option
@click.option("--offline", is_flag=True, help="Ask no registry: write a stub with the arXiv id or DOI filled in.")
@click.option("--id", "paper_id", help="The paper's id (file name without .yml) instead of one derived from the title.")
@click.option("--arxiv-api", envvar=arxiv.API_URL_ENV, default=arxiv.DEFAULT_API_URL, show_default=True,
              help=f"arXiv API query URL (also from ${arxiv.API_URL_ENV}).")
@click.option("--crossref-api", envvar=doi.CROSSREF_API_ENV, default=doi.CROSSREF_API, show_default=True,
              help=f"Crossref's works URL (also from ${doi.CROSSREF_API_ENV}).")
@click.option("--datacite-api", envvar=doi.DATACITE_API_ENV, default=doi.DATACITE_API, show_default=True,
              help=f"DataCite's DOIs URL (also from ${doi.DATACITE_API_ENV}).")
def add(reference: str, root: Path, offline: bool, paper_id: str | None, arxiv_api: str, crossref_api: str, datacite_api: str) -> None:
    """Draft papers/<id>.yml for a paper, then check the list.

    ARXIV_ID_OR_DOI is an arXiv id or link (2403.03507, arXiv:2403.03507,
    https://arxiv.org/abs/2403.03507v2) or a DOI (10.1109/TNN.2008.2005605, doi:..., https://doi.org/...),
    which Crossref or DataCite describes. Exit codes: 0 written, 1 refused, 2 the registry
    unreachable (retry, or use --offline).
    """
    project = Project(root.resolve())
    try:
        arxiv_id, paper_doi = identify(reference)
    except ValueError as error:
        _refuse(str(error))
    label = f"arXiv {arxiv_id}" if arxiv_id else f"DOI {paper_doi}"
    if paper_id is not None and not PAPER_ID.fullmatch(paper_id):
        _refuse(f"--id {paper_id!r} is not a valid paper id — use lowercase letters, digits and single dashes, like {slugify(paper_id) or 'galore'}")
    if paper_id in urls.RESERVED_NAMES:
        _refuse(f"--id {paper_id!r} is reserved: its page would be the table of all papers — choose another id")
    papers = listed_papers(project)
    duplicate = already_listed(papers, arxiv_id=arxiv_id, paper_doi=paper_doi)
    if duplicate:
        _refuse(f"{label} is already on the list: {duplicate.path}")
    taken = taken_ids(project)
    today = dt.date.today()

    if offline:
        paper_id = paper_id or unique_id(slugify(f"arxiv-{arxiv_id}" if arxiv_id else f"doi-{paper_doi}", max_length=50), taken | urls.RESERVED_NAMES)
        path = _target(project, paper_id)
        write_new(path, stub_yaml({"arxiv": arxiv_id} if arxiv_id else {"doi": paper_doi}, today))
        _say(f"Wrote {project.display(path)}: a stub for {label} (--offline: nothing was fetched).")
        source = f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else f"https://doi.org/{paper_doi}"
        todo = [
            f"Fill in title, authors, year and abstract from {source}",
            "Pick the category and tags from papers/_taxonomy.yml",
            "Rename the file to a short readable id: the method's name, like papers/galore.yml",
        ]
        _finish(project, path, todo)
        return

    draft = _fetched(arxiv_id, paper_doi, {"arxiv": arxiv_api, "crossref": crossref_api, "datacite": datacite_api})
    # The registry may name the paper's other identity (an arXiv paper's DOI) or its title.
    duplicate = already_listed(papers, paper_doi=draft.fields.get("doi"), title=draft.title)
    if duplicate:
        _refuse(f"“{draft.title}” is already on the list: {duplicate.path}")

    taxonomy, _ = read_taxonomy(project)
    suggestion = suggest(draft.title, draft.fields.get("abstract") or "", papers, taxonomy)
    year = draft.fields.get("year")
    paper_id = paper_id or paper_id_for(draft.title, year, taken)
    path = _target(project, paper_id)
    write_new(path, paper_yaml(record(draft, suggestion, today)))

    _say(f"Wrote {project.display(path)}: {draft.title} ({len(draft.fields['authors'])} authors, {year or 'no year'})")
    todo = []
    if suggestion.category:
        similar = ", ".join(Path(p.path).stem for p, _ in suggestion.neighbours[:3])
        _say(f"  category: {suggestion.category}   (SUGGESTED)")
        _say(f"  tags:     {', '.join(suggestion.tags)}   (SUGGESTED)")
        _say(f"  suggested from the most similar papers on the list: {similar}")
        todo.append("Confirm the category and tags: they are only suggestions — edit them if they do not fit (vocabulary: papers/_taxonomy.yml)")
    else:
        todo.append("Pick the category and tags from papers/_taxonomy.yml (no similar paper on the list to suggest them)")
    todo += draft.todo
    if not paper_id_is_short(paper_id):
        todo.append(f"Rename {project.display(path)} to a shorter id (the method's name) if it has one")
    _finish(project, path, todo)


def paper_id_is_short(paper_id: str) -> bool:
    return paper_id.count("-") <= 2


def _target(project: Project, paper_id: str) -> Path:
    path = project.papers_dir / f"{paper_id}.yml"
    if path.exists() or path.with_suffix(".yaml").exists():
        _refuse(f"{project.display(path)} already exists — choose another id with --id")
    return path


def _finish(project: Project, path: Path, todo: list[str]) -> None:
    """Run the whole list's check and print what is left to do."""
    problems, warnings = check_list(project)
    mine = project.display(path)
    own = [d for d in problems if d.path == mine]
    others = [d for d in problems if d.path != mine]
    # A warning across files (a nearly identical title) may sit on the other file, naming this one.
    worth_a_look = [d for d in warnings if d.path == mine or mine in d.problem]
    _say("")
    if own:
        _say(f"site-gen check: {len(own)} problem(s) in {mine}:")
        for diagnostic in own:
            _say(f"  {diagnostic.format_text()}")
    else:
        _say(f"site-gen check: {mine} passes.")
    for diagnostic in worth_a_look:
        _say(f"  {diagnostic.format_text()}")
    if others:
        _say(f"site-gen check: {len(others)} problem(s) elsewhere in the list (not from this paper):")
        for diagnostic in others[:10]:
            _say(f"  {diagnostic.format_text()}")
        if len(others) > 10:
            _say(f"  … and {len(others) - 10} more: run `make check`")
    _say("")
    _say("Left to do:")
    steps = [*todo]
    if own:
        steps.append(f"Fix the problems above in {mine}")
    if worth_a_look:
        steps.append("Read the warnings above: is the paper already on the list under another title?")
    steps += ["Run `make check` until it prints OK", "Commit the file and open a pull request: a bot comments with a preview of the site"]
    for number, step in enumerate(steps, 1):
        _say(f"  {number}. {step}")
