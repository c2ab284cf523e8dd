"""The `site-gen` command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from site_gen.diagnostics import InputError, step_summary
from site_gen.project import Project
from site_gen.reader import read_project

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


@click.group()
def main() -> None:
    """Validate a list of research papers and generate its site."""


def report(error: InputError, output_format: str | None) -> None:
    """Print every problem; under GitHub Actions also as annotations and in the job summary."""
    github = output_format == "github" or (output_format is None and os.environ.get("GITHUB_ACTIONS") == "true")
    for diagnostic in error.diagnostics:
        click.echo(diagnostic.format_text(), err=True)
    if github:
        for diagnostic in error.diagnostics:
            click.echo(diagnostic.format_github())
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(step_summary(error.diagnostics))
    click.echo(f"{len(error.diagnostics)} error(s)", err=True)


@main.command()
@root_option
@format_option
def check(root: Path, output_format: str | None) -> None:
    """Validate every paper and the taxonomy; print all errors (exit 1) or a summary (exit 0)."""
    project = Project(root.resolve())
    try:
        taxonomy, papers = read_project(project)
    except InputError as error:
        report(error, output_format)
        sys.exit(1)
    click.echo(f"{len(papers)} papers, {len(taxonomy.categories)} categories, {len(taxonomy.tags)} tags: OK")
