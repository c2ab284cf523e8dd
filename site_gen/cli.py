"""The `site-gen` command."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from site_gen.diagnostics import Diagnostic, InputError, step_summary
from site_gen.project import Project

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The paper list's checkout (the folder holding papers/).",
)
format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default=None,
    help="github also prints ::error annotations (the default under GitHub Actions).",
)


# Commands imported only when they are asked for (with their HTTP client, suggestion model and
# parsers): check and build start ~0.1 s sooner, which is a third of a warm run at 10,000 papers.
_LAZY_COMMANDS = {"add": ("site_gen.add", "add"), "import": ("site_gen.importers.command", "import_command"),
                  "pages": ("site_gen.pages_branch", "pages"), "paper-from-issue": ("site_gen.issue_form", "paper_from_issue_command"),
                  "refresh": ("site_gen.refresh", "refresh_command"),
                  "report": ("site_gen.maintainer_report", "report_command"), "doctor": ("site_gen.doctor", "doctor_command")}


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY_COMMANDS:
            module, command = _LAZY_COMMANDS[name]
            return getattr(importlib.import_module(module), command)
        return super().get_command(ctx, name)


@click.group(cls=_Commands)
def main() -> None:
    """Validate a list of research papers and generate its site."""


def report(errors: list[Diagnostic], warnings: list[Diagnostic], output_format: str | None) -> None:
    """Print every problem, errors first; under GitHub Actions also as annotations and in the job
    summary."""
    github = output_format == "github" or (output_format is None and os.environ.get("GITHUB_ACTIONS") == "true")
    problems = [*errors, *warnings]
    for diagnostic in problems:
        click.echo(diagnostic.format_text(), err=True)
    if github and problems:
        for diagnostic in problems:
            click.echo(diagnostic.format_github())
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(step_summary(problems))
    if errors:
        click.echo(f"{len(errors)} error(s)" + (f", {len(warnings)} warning(s)" if warnings else ""), err=True)


@contextmanager
def exit_on_input_error(output_format: str | None) -> Iterator[None]:
    """Bad input is reported (every problem, see `report`) and ends the command with exit 1."""
    try:
        yield
    except InputError as error:
        report(error.diagnostics, error.warnings, output_format)
        sys.exit(1)


@main.command()
@root_option
@format_option
def check(root: Path, output_format: str | None) -> None:
    """Validate every paper and the taxonomy; print all errors (exit 1) or a summary (exit 0)."""
    from site_gen.reader import scan_project  # commands import only what they use: startup time

    with exit_on_input_error(output_format):
        valid = scan_project(Project(root.resolve()))
    report([], valid.warnings, output_format)
    taxonomy = valid.taxonomy
    warned = f" ({len(valid.warnings)} warning(s) above)" if valid.warnings else ""
    click.echo(f"{len(valid)} papers, {len(taxonomy.categories)} categories, {len(taxonomy.tags)} tags: OK{warned}")


@main.command()
@root_option
@format_option
def build(root: Path, output_format: str | None) -> None:
    """Generate the site's Markdown, navigation and exports into build/docs (nothing is written if
    any paper has an error)."""
    from site_gen.build import build as build_site, os_error_message

    project = Project(root.resolve())
    with exit_on_input_error(output_format):
        try:
            result = build_site(project)
        except OSError as error:  # the build left build/docs whole (the old tree or the new one)
            click.echo(f"error: {os_error_message(error, project)}", err=True)
            sys.exit(1)
    click.echo(
        f"{project.display(project.output_dir)}: {len(result.written)} written, "
        f"{result.unchanged} unchanged, {len(result.removed)} removed"
    )


@main.command()
@root_option
@click.option("--check", "check_only", is_flag=True, help="Exit 1 if README.md's list is out of date instead of updating it.")
def readme(root: Path, check_only: bool) -> None:
    """Update the list of papers in README.md (between its papers markers)."""
    from site_gen.build import load_catalog
    from site_gen.readme import readme_text

    project = Project(root.resolve())
    with exit_on_input_error(None):
        current = project.readme_path.read_text(encoding="utf-8")
        updated = readme_text(load_catalog(project), current)
    if updated == current:
        click.echo("README.md is up to date")
    elif check_only:
        click.echo("README.md: the paper list is out of date — run `site-gen readme` and commit the result", err=True)
        sys.exit(1)
    else:
        project.readme_path.write_text(updated, encoding="utf-8")
        click.echo("README.md updated")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--title", help="The list's name, shown on every page (default: from the folder's name).")
@click.option("--description", default="A curated list of research papers.", show_default=True,
              help="One paragraph: what belongs on the list and what does not.")
@click.option("--repository", help="The list's GitHub repository, as owner/name or its URL.")
@click.option("--url", help="Where the site is published (default: the repository's GitHub Pages address).")
@click.option("--generator", help="The requirement that pins site-gen in requirements.txt (default: this version, from its repository).")
@click.option("--interactive", is_flag=True, help="Ask for the title, description, repository and address.")
def init(folder: Path, title: str | None, description: str, repository: str | None, url: str | None,
         generator: str | None, interactive: bool) -> None:
    """Start a new paper list in FOLDER: its taxonomy and an example paper, mkdocs.yml, docs/,
    the GitHub workflows and forms, a Makefile and a README. Never overwrites a file."""
    from site_gen.new_list import ExistingFiles, NewList, default_generator, default_title, github_repository, pages_url, write_new_list

    title = title or default_title(folder)
    if interactive:
        title = click.prompt("Title", default=title)
        description = click.prompt("Description", default=description)
        repository = click.prompt("GitHub repository (owner/name, empty for none)", default=repository or "", show_default=False) or None
        url = click.prompt("Published address (empty for the repository's GitHub Pages)", default=url or "", show_default=False) or None
    repository_url = None
    if repository:
        owner_name = github_repository(repository)
        if owner_name is None:
            raise click.BadParameter(f"{repository!r} is not a GitHub repository — give owner/name or https://github.com/owner/name", param_hint="--repository")
        repository_url = "https://github.com/{}/{}".format(*owner_name)
        url = url or pages_url(*owner_name)
    if url:
        if not url.startswith("https://"):
            raise click.BadParameter(f"{url!r} is not an https:// address — GitHub Pages serves https://<owner>.github.io/<repository>/", param_hint="--url")
        url = url if url.endswith("/") else url + "/"
    new = NewList(title=title, description=description, url=url, repository=repository_url, generator=generator or default_generator())
    try:
        with exit_on_input_error(None):
            written = write_new_list(folder, new)
    except ExistingFiles as error:
        for path in error.paths:
            click.echo(f"{folder / path}: exists", err=True)
        click.echo(f"site-gen init: error: {len(error.paths)} file(s) would be overwritten; nothing was written — start in an empty folder or move them away", err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(f"site-gen init: error: cannot write {error.filename or folder}: {error.strerror} — check the folder's permissions and free space", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {folder / path}")
    click.echo(
        f"\nNext: cd {folder} && make site (then open site/index.html), replace the EXAMPLE categories,\n"
        "tags and paper in papers/, push to GitHub and turn on Pages (Settings > Pages > Deploy from a\n"
        "branch: gh-pages). docs/start-a-list.md in site-gen's repository walks through it."
    )


@main.command("search-index")
@click.option(
    "--site",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="The built site (mkdocs build's site_dir).",
)
@click.option(
    "--pages-per-run",
    type=click.IntRange(min=1),
    default=None,
    help="Index at most this many pages per Pagefind run, then merge the runs (default 2000: ~300 MB each).",
)
def search_index(site: Path, pages_per_run: int | None) -> None:
    """Index the built site for search with Pagefind, into SITE/pagefind."""
    from site_gen.pagefind_merge import UnsupportedBundle
    from site_gen.search_index import PAGES_PER_RUN, index_site

    try:
        pages, runs = index_site(site, pages_per_run or PAGES_PER_RUN)
    except (UnsupportedBundle, RuntimeError) as error:  # a Pagefind run failed, or its bundles cannot be merged
        click.echo(f"site-gen search-index: error: {error} (the previous search index, if any, is kept)", err=True)
        sys.exit(1)
    click.echo(f"{site}/pagefind: {pages} pages indexed in {runs} Pagefind run(s)")
