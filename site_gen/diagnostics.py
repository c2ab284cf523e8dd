"""Problems found in the input, and how they are shown to a person or to GitHub Actions."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located in a file, with what is wrong and how to fix it. An "error" stops the
    build; a "warning" is worth fixing and changes nothing else."""

    path: str
    line: int
    column: int
    message: str
    hint: str = ""
    severity: str = "error"

    @property
    def problem(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def format_text(self) -> str:
        return one_line(f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.problem}")

    def format_github(self) -> str:
        """A GitHub Actions workflow command that annotates the line in the PR diff."""
        return workflow_command(self.severity, self.problem, file=self.path, line=self.line, col=self.column, title="site-gen check")


class InputError(Exception):
    """Raised when the input has errors; carries all of them, sorted, and the warnings found
    beside them."""

    def __init__(self, diagnostics: list[Diagnostic], warnings: list[Diagnostic] = ()):
        self.diagnostics = sorted(diagnostics)
        self.warnings = sorted(warnings)
        super().__init__(f"{len(self.diagnostics)} error(s) in the input")


# GitHub Actions reads a workflow command from any line of a step's output, stdout or stderr, that
# starts with `::`: text from the input must never start a line of its own.
_LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` on one line, line breaks and other control characters shown as `\\n`, `\\x1b`."""
    return _LINE_BREAKS_AND_CONTROLS.sub(lambda match: match.group(0).encode("unicode_escape").decode("ascii"), text)


def workflow_command(command: str, message: str, **properties: object) -> str:
    """`::command key=value,...::message`, one line, escaped as the runner unescapes it, so that
    neither the message nor a property can end the command or add another."""
    listed = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
    return f"::{command} {listed}::{_escape_data(message)}" if listed else f"::{command}::{_escape_data(message)}"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def step_summary(diagnostics: list[Diagnostic]) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: GitHub shows only 10 annotations per step."""
    errors = sum(d.severity == "error" for d in diagnostics)
    counts = f"{errors} error(s)" + (f", {len(diagnostics) - errors} warning(s)" if errors < len(diagnostics) else "")
    lines = [f"### site-gen check: {counts}", "", "| file | line | problem |", "|---|---|---|"]
    for d in diagnostics:
        problem = d.problem if d.severity == "error" else f"{d.severity}: {d.problem}"
        lines.append(f"| {_table_cell(d.path)} | {d.line}:{d.column} | {_table_cell(problem)} |")
    return "\n".join(lines) + "\n"


def _table_cell(text: str) -> str:
    """Text in a cell of GitHub's Markdown: escaped as the README's list is (no HTML, links,
    code or emphasis from the input), on one line, and a pipe does not end the cell."""
    from site_gen.markup import github_table_cell  # markupsafe: only when there is a summary to write

    return str(github_table_cell(one_line(text)))
