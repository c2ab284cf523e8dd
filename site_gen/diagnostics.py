"""Problems found in the input, and how they are shown to a person or to GitHub Actions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located in a file, with what is wrong and how to fix it."""

    path: str
    line: int
    column: int
    message: str
    hint: str = ""

    def format_text(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: error: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text

    def format_github(self) -> str:
        """A GitHub Actions workflow command that annotates the line in the PR diff."""
        body = f"{self.message} — {self.hint}" if self.hint else self.message
        return (
            f"::error file={_escape_property(self.path)},line={self.line},col={self.column},"
            f"title={_escape_property('site-gen check')}::{_escape_data(body)}"
        )


class InputError(Exception):
    """Raised when the input has problems; carries all of them, sorted."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__(f"{len(self.diagnostics)} error(s) in the input")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def step_summary(diagnostics: list[Diagnostic]) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: GitHub shows only 10 annotations per step."""
    lines = [f"### site-gen check: {len(diagnostics)} error(s)", "", "| file | line | problem |", "|---|---|---|"]
    for d in diagnostics:
        problem = f"{d.message} — {d.hint}" if d.hint else d.message
        cell = problem.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{d.path}` | {d.line}:{d.column} | {cell} |")
    return "\n".join(lines) + "\n"
