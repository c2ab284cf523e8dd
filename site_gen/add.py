"""`site-gen add ARXIV_ID`: draft papers/<id>.yml from arXiv, then check the list.

The steps, each a small function so tests can reach them: recognise the id (site_gen.arxiv), refuse
a paper already on the list, ask arXiv for it, pick a readable file name from the title, suggest a
category and tags from the most similar papers already listed (TF-IDF and cosine similarity over
title and abstract, standard library only), write the file with paper_yaml, and run the same
validation as `site-gen check` on the whole list.

Exit codes: 0 the file was written (what is left to do is printed); 1 refused (not an arXiv id, the
paper is already listed, arXiv does not know the id, the file exists); 2 arXiv could not be reached
(`--offline` writes a stub instead).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NoReturn

import click
from slugify import slugify

from site_gen import arxiv, urls
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

_STOP_WORDS = frozenset(
    """a about above after all also an and any are as at be been being between both but by can could do
    does each few for from further had has have how however if in into is it its itself more most much
    new not novel of on only or other our over paper propose proposed show shows so some such than that
    the their them then there these they this those through to towards toward under up upon use used
    using via was we well were what when where which while who why will with within without would yet""".split()
)

# Left out of ids: "Attention Is All You Need" -> attention-all-you-need.
_ID_STOP_WORDS = frozenset("a an and are as at by for from in into is of on or the to toward towards via with".split())


# --- the list as it is on disk ------------------------------------------------------------------


@dataclass(frozen=True)
class ListedPaper:
    """What `add` needs from one existing paper file. Read leniently: a list with errors elsewhere
    must still refuse duplicates and give suggestions."""

    path: str
    arxiv: str | None
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
        papers.append(
            ListedPaper(
                path=project.display(path),
                arxiv=arxiv_id or None,
                title=text("title"),
                abstract=text("abstract"),
                category=text("category") or None,
                tags=tuple(tag for tag in tags if isinstance(tag, str)),
            )
        )
    return papers


def already_listed(papers: Iterable[ListedPaper], arxiv_id: str | None = None, title: str | None = None) -> ListedPaper | None:
    """The listed paper with this arXiv id, or failing that with the same normalised title."""
    papers = list(papers)
    if arxiv_id:
        for paper in papers:
            if paper.arxiv == arxiv_id:
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


def _tokens(text: str) -> list[str]:
    words = []
    for word in re.findall(r"[a-z0-9]+", text.casefold()):
        if len(word) < 2 or word in _STOP_WORDS or word.isdigit():
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # a plural and its singular are one term
        words.append(word)
    return words


def _document(title: str, abstract: str) -> list[str]:
    return _tokens(title) * 2 + _tokens(abstract)  # the title says more per word than the abstract


def _tf_idf(terms: list[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(terms)
    vector = {term: (1 + math.log(n)) * idf.get(term, 0.0) for term, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {term: v / norm for term, v in vector.items()} if norm else {}


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
    documents = [_document(p.title, p.abstract) for p in usable]
    query = _document(title, abstract)
    document_frequency = Counter(term for doc in (*documents, query) for term in set(doc))
    total = len(documents) + 1
    idf = {term: math.log((1 + total) / (1 + df)) + 1 for term, df in document_frequency.items()}
    query_vector = _tf_idf(query, idf)
    scored = []
    for paper, doc in zip(usable, documents):
        vector = _tf_idf(doc, idf)
        score = sum(weight * vector.get(term, 0.0) for term, weight in query_vector.items())
        if score > 0:
            scored.append((paper, score))
    scored.sort(key=lambda item: (-item[1], item[0].path))
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


def record_from_arxiv(paper: arxiv.ArxivPaper, suggestion: Suggestion, today: dt.date) -> dict[str, Any]:
    title = paper.title[:-1] if paper.title.endswith(".") and not paper.title.endswith("..") else paper.title
    # arXiv lists several DOIs separated by spaces when a paper has errata: the first is the paper's.
    first_doi = paper.doi.split()[0] if paper.doi else ""
    doi = first_doi if re.fullmatch(r"10\.\d{4,9}/\S+", first_doi) else None
    return {
        "title": title,
        "authors": list(paper.authors),
        "year": paper.published.year,
        "arxiv": paper.id,
        "doi": doi,
        "category": suggestion.category,
        "tags": list(suggestion.tags),
        "abstract": paper.abstract or None,
        "added": today.isoformat(),
    }


_STUB_HINTS = {
    "title": "the title exactly as on arXiv",
    "authors": "one '- Full Name' line per author, in the paper's order",
    "year": "the year of the first arXiv version, e.g. 2024",
    "category": "one category slug from papers/_taxonomy.yml",
    "tags": "1-8 tag slugs from papers/_taxonomy.yml, e.g. [llm, low-rank]",
    "abstract": "the abstract, as a folded block: abstract: >-",
}


def stub_yaml(arxiv_id: str, today: dt.date) -> str:
    """A file to finish by hand: the arXiv id and date filled in, every other field left empty with
    a note, so `site-gen check` lists exactly what is missing."""
    known = {"arxiv": arxiv_id, "added": today.isoformat()}
    parts = [SCHEMA_COMMENT]
    for name in ("title", "authors", "year", "arxiv", "category", "tags", "abstract", "added"):
        if name in known:
            parts.append(paper_yaml({name: known[name]}).removeprefix(SCHEMA_COMMENT))
        else:
            parts.append(f"{name}:  # TODO: {_STUB_HINTS[name]}\n")
    return "".join(parts)


def write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:  # never overwrite a paper
        handle.write(text)


def check_list(project: Project) -> list[Diagnostic]:
    """What `site-gen check` would report for the whole list."""
    try:
        scan_project(project)
    except InputError as error:
        return error.diagnostics
    return []


# --- the command --------------------------------------------------------------------------------


def _say(text: str) -> None:
    """A line of output: text from the list's files or from arXiv never breaks it (a line of its own
    starting with `::` would be a GitHub Actions command)."""
    click.echo(one_line(text))


def _refuse(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    click.echo(one_line(f"site-gen add: {message}"), err=True)
    sys.exit(code)


@click.command()
@click.argument("arxiv_ref", metavar="ARXIV_ID")
@root_option
@click.option("--offline", is_flag=True, help="Do not ask arXiv: write a stub with the arXiv id filled in.")
@click.option("--id", "paper_id", help="The paper's id (file name without .yml) instead of one derived from the title.")
@click.option(
    "--arxiv-api",
    envvar=arxiv.API_URL_ENV,
    default=arxiv.DEFAULT_API_URL,
    show_default=True,
    help=f"arXiv API query URL (also from ${arxiv.API_URL_ENV}).",
)
def add(arxiv_ref: str, root: Path, offline: bool, paper_id: str | None, arxiv_api: str) -> None:
    """Draft papers/<id>.yml for an arXiv paper, then check the list.

    ARXIV_ID is an id or link: 2403.03507, arXiv:2403.03507, https://arxiv.org/abs/2403.03507v2.
    Exit codes: 0 written, 1 refused, 2 arXiv unreachable (retry, or use --offline).
    """
    project = Project(root.resolve())
    try:
        arxiv_id = arxiv.parse_arxiv_id(arxiv_ref).id
    except arxiv.NotAnArxivId as error:
        _refuse(str(error))
    if paper_id is not None and not PAPER_ID.fullmatch(paper_id):
        _refuse(f"--id {paper_id!r} is not a valid paper id — use lowercase letters, digits and single dashes, like {slugify(paper_id) or 'galore'}")
    if paper_id in urls.RESERVED_NAMES:
        _refuse(f"--id {paper_id!r} is reserved: its page would be the table of all papers — choose another id")
    papers = listed_papers(project)
    duplicate = already_listed(papers, arxiv_id=arxiv_id)
    if duplicate:
        _refuse(f"arXiv {arxiv_id} is already on the list: {duplicate.path}")
    taken = taken_ids(project)
    today = dt.date.today()

    if offline:
        paper_id = paper_id or unique_id(slugify(f"arxiv-{arxiv_id}"), taken)
        path = _target(project, paper_id)
        write_new(path, stub_yaml(arxiv_id, today))
        _say(f"Wrote {project.display(path)}: a stub for arXiv {arxiv_id} (--offline: nothing was fetched).")
        todo = [
            f"Fill in title, authors, year and abstract from https://arxiv.org/abs/{arxiv_id}",
            "Pick the category and tags from papers/_taxonomy.yml",
            "Rename the file to a short readable id: the method's name, like papers/galore.yml",
        ]
        _finish(project, path, todo)
        return

    try:
        paper = arxiv.fetch(arxiv_id, arxiv_api)
    except arxiv.ArxivNotFound as error:
        _refuse(f"{error} — check the id on https://arxiv.org/abs/{arxiv_id}")
    except arxiv.ArxivUnavailable as error:
        _refuse(f"could not get {arxiv_id} from arXiv: {error}. Check your connection and retry, or run `site-gen add --offline {arxiv_id}` to write a stub to fill in by hand.", EXIT_UNREACHABLE)
    duplicate = already_listed(papers, title=paper.title)
    if duplicate:
        _refuse(f"“{paper.title}” is already on the list: {duplicate.path}")

    taxonomy, _ = read_taxonomy(project)
    suggestion = suggest(paper.title, paper.abstract, papers, taxonomy)
    paper_id = paper_id or paper_id_for(paper.title, paper.published.year, taken)
    path = _target(project, paper_id)
    write_new(path, paper_yaml(record_from_arxiv(paper, suggestion, today)))

    _say(f"Wrote {project.display(path)}: {paper.title} ({len(paper.authors)} authors, {paper.published.year})")
    todo = []
    if suggestion.category:
        similar = ", ".join(Path(p.path).stem for p, _ in suggestion.neighbours[:3])
        _say(f"  category: {suggestion.category}   (SUGGESTED)")
        _say(f"  tags:     {', '.join(suggestion.tags)}   (SUGGESTED)")
        _say(f"  suggested from the most similar papers on the list: {similar}")
        todo.append("Confirm the category and tags: they are only suggestions — edit them if they do not fit (vocabulary: papers/_taxonomy.yml)")
    else:
        todo.append("Pick the category and tags from papers/_taxonomy.yml (no similar paper on the list to suggest them)")
    venue_hint = f" — arXiv says: {paper.journal_ref}" if paper.journal_ref else ""
    todo.append(f"Add venue: (e.g. ICML 2024) if the paper was published{venue_hint}")
    code = re.search(r"https://(?:github\.com|gitlab\.com)/[\w.-]+/[\w.-]+", f"{paper.comment or ''} {paper.abstract}")
    todo.append(f"Add code: {code.group(0).rstrip('.')} if it is the official code" if code else "Add code: with the official repository, if there is one")
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
    problems = check_list(project)
    mine = project.display(path)
    own = [d for d in problems if d.path == mine]
    others = [d for d in problems if d.path != mine]
    _say("")
    if own:
        _say(f"site-gen check: {len(own)} problem(s) in {mine}:")
        for diagnostic in own:
            _say(f"  {diagnostic.format_text()}")
    else:
        _say(f"site-gen check: {mine} passes.")
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
    steps += ["Run `make check` until it prints OK", "Commit the file and open a pull request: a bot comments with a preview of the site"]
    for number, step in enumerate(steps, 1):
        _say(f"  {number}. {step}")
