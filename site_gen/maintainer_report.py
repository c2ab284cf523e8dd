"""`site-gen report`: what a maintainer should look at this week, as GitHub Markdown (the weekly
link check puts it in an issue): dead links, papers added lately, near-duplicate titles, tags used
by one paper, categories grown past a size, papers still without a venue.

Every value taken from the papers is escaped with `github_markdown`; every section is sorted, so
the same list gives the same report.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations
from pathlib import Path
from typing import Iterable, Sequence

import click

from site_gen.actions_bot import write_outputs
from site_gen.catalog import Catalog
from site_gen.markup import github_markdown
from site_gen.options import Options
from site_gen.records import Paper
from site_gen.validation import normalised_title

# Titles at least this similar (difflib's ratio of their normalised forms) are named as possible
# duplicates: one changed letter in a 40-letter title is 0.975, "of" for "on" in it 0.99.
NEAR_DUPLICATE_SIMILARITY = 0.9
# Blocking: two titles are compared only when they share one of their RAREST_WORDS rarest words.
# A retyped title keeps most of its words, so it shares some of them with the first; comparing
# every pair instead would take minutes at 10,000 papers (50 million pairs).
RAREST_WORDS = 3
# A word in more titles than this ("learning") says nothing about two titles being the same paper.
COMMON_WORD_TITLES = 200


@dataclass(frozen=True)
class NearDuplicate:
    similarity: float
    first: Paper
    second: Paper


def near_duplicates(papers: Sequence[Paper]) -> list[NearDuplicate]:
    """Pairs of papers whose normalised titles differ a little (equal ones are errors in `check`);
    most similar first, then by file."""
    papers = sorted(papers, key=lambda paper: paper.source)
    titles = [normalised_title(paper.title) for paper in papers]
    words = [set(title.split()) for title in titles]
    titles_with = Counter(word for title_words in words for word in title_words)
    candidates: dict[str, list[int]] = defaultdict(list)
    for index, title_words in enumerate(words):
        rarest = sorted(title_words, key=lambda word: (titles_with[word], word))[:RAREST_WORDS]
        for word in rarest:
            if titles_with[word] <= COMMON_WORD_TITLES:
                candidates[word].append(index)
    pairs = {pair for indexes in candidates.values() for pair in combinations(indexes, 2)}
    found = []
    for first, second in pairs:
        matcher = SequenceMatcher(None, titles[first], titles[second], autojunk=False)
        # The two upper bounds are cheap and reject most pairs before the real ratio.
        if matcher.real_quick_ratio() < NEAR_DUPLICATE_SIMILARITY or matcher.quick_ratio() < NEAR_DUPLICATE_SIMILARITY:
            continue
        similarity = matcher.ratio()
        if similarity >= NEAR_DUPLICATE_SIMILARITY:
            found.append(NearDuplicate(similarity, papers[first], papers[second]))
    return sorted(found, key=lambda pair: (-pair.similarity, pair.first.source, pair.second.source))


def _paper_line(paper: Paper, detail: str = "") -> str:
    return f"- {github_markdown(paper.title)} ({github_markdown(paper.source)}{detail})"


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[str]
    needs_attention: bool  # False: news, which alone does not keep the report's issue open
    counted: bool = True  # False for a block of text of its own (lychee's report), not a list

    def markdown(self, limit: int | None) -> str:
        shown = self.lines if limit is None else self.lines[:limit]
        hidden = len(self.lines) - len(shown)
        more = [f"- … and {hidden} more: run `site-gen report` for all of them"] if hidden else []
        body = "\n".join([*shown, *more]) if self.lines else "None."
        count = f" ({len(self.lines)})" if self.counted else ""
        return f"## {self.heading}{count}\n\n{body}\n"


def report_sections(catalog: Catalog, options: Options, added_after: dt.date, dead_links: str | None) -> list[Section]:
    papers = sorted(catalog.papers, key=lambda paper: paper.source)
    added = sorted((p for p in papers if p.added_date > added_after), key=lambda p: (p.added, p.source))
    duplicates = near_duplicates(papers)
    single_use = sorted((slug, group[0]) for slug, group in catalog.by_tag.items() if len(group) == 1)
    limit = options.split_categories_over
    large = sorted(((slug, len(group)) for slug, group in catalog.by_category.items() if len(group) > limit), key=lambda item: (-item[1], item[0]))
    without_venue = sorted((p for p in papers if not p.venue), key=lambda p: (p.year, p.source))
    sections = [
        Section(f"Papers added after {added_after.isoformat()}", [_paper_line(p, f", added {p.added}") for p in added], needs_attention=False),
        Section("Near-duplicate titles", [
            f"- {pair.similarity:.0%} alike: {github_markdown(pair.first.title)} ({github_markdown(pair.first.source)}) "
            f"and {github_markdown(pair.second.title)} ({github_markdown(pair.second.source)})" for pair in duplicates
        ], needs_attention=True),
        Section("Tags used by one paper", [
            f"- {github_markdown(catalog.tags[slug].title)} ({github_markdown(slug)}): {github_markdown(paper.title)} ({github_markdown(paper.source)})"
            for slug, paper in single_use
        ], needs_attention=True),
        Section(f"Categories of more than {limit} papers", [
            f"- {github_markdown(catalog.categories[slug].title)} ({github_markdown(slug)}): {size} papers" for slug, size in large
        ], needs_attention=True),
        Section("Papers without a venue, oldest first", [_paper_line(p, f", {p.year}") for p in without_venue], needs_attention=True),
    ]
    if dead_links is not None:
        # lychee's own report, as the link check has always posted it; it names URLs, not papers.
        sections.insert(0, Section("Dead links", [dead_links.strip()], needs_attention=True, counted=False))
    return sections


def report_markdown(sections: Iterable[Section], limit: int | None) -> str:
    return "\n".join(section.markdown(limit) for section in sections)


@click.command("report")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The paper list's checkout (the folder holding papers/).")
@click.option("--added-after", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="List the papers whose `added` date is after this day (default: 7 days ago, as the report is weekly).")
@click.option("--dead-links", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="lychee's Markdown report of the links that failed, included as it is.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="At most this many entries per section (an issue's body holds 65,536 characters).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the report here instead of to standard output.")
def report_command(root: Path, added_after: dt.datetime | None, dead_links: Path | None, limit: int | None, output: Path | None) -> None:
    """Print the weekly maintainer report as Markdown. Under GitHub Actions the step output
    `needs_attention` is true when a section other than the new papers lists something."""
    from site_gen.build import load_catalog
    from site_gen.cli import exit_on_input_error
    from site_gen.project import Project

    with exit_on_input_error(None):
        catalog = load_catalog(Project(root.resolve()))
    after = added_after.date() if added_after else dt.date.today() - dt.timedelta(days=7)
    try:
        lychee = dead_links.read_text(encoding="utf-8") if dead_links else None
    except (OSError, UnicodeDecodeError) as error:
        click.echo(f"site-gen report: error: cannot read {dead_links}: {error} — pass lychee's Markdown report", err=True)
        sys.exit(1)
    sections = report_sections(catalog, Options.of(catalog.taxonomy), after, lychee)
    markdown = report_markdown(sections, limit)
    if output is None:
        click.echo(markdown, nl=False)
    else:
        try:
            output.write_text(markdown, encoding="utf-8")
        except OSError as error:
            click.echo(f"site-gen report: error: cannot write {output}: {error.strerror} — check the folder exists and is writable", err=True)
            sys.exit(1)
    attention = any(section.needs_attention and section.lines for section in sections)
    write_outputs(needs_attention="true" if attention else "false")
