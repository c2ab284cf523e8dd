"""GitHub Actions annotations and the job summary: text from the input can neither forge a
workflow command (on stdout or stderr) nor bring Markdown or HTML into the summary."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import markdown
import pytest

from site_gen.diagnostics import Diagnostic, InputError, step_summary, workflow_command
from site_gen.project import Project
from site_gen.reader import scan_project
from tests.conftest import VALID_PAPER, PaperList

FORGED = "::warning file=README.md,line=1::forged"
# One `::error` command as the runner reads it: properties, then the message.
COMMAND = re.compile(r"::error (?P<properties>[^:]*)::(?P<message>.*)")


def hostile_list(listing: PaperList) -> None:
    listing.write("galore", VALID_PAPER.replace("venue: ICML 2024", f'"venu\\n{FORGED}\\r\\n{FORGED}": 50% off, 100%0A'))
    listing.write(f"evil\n{FORGED}", VALID_PAPER.replace("2403.03507", "2403.03508").replace("GaLore:", "Other:"))
    listing.write("pipes", VALID_PAPER.replace("2403.03507", "2403.03509").replace("GaLore:", "Pipes:").replace(
        "venue: ICML 2024", 'venu: "| <b>x</b> & `code` [a](https://evil.example) ![i](x.png) www.evil.example"'))


def diagnostics_of(listing: PaperList) -> list[Diagnostic]:
    with pytest.raises(InputError) as error:
        scan_project(Project(listing.root))
    return error.value.diagnostics


def unescape(value: str) -> str:
    return unquote(value)  # the runner's %25, %0D, %0A, %3A, %2C


def test_each_diagnostic_is_exactly_one_command_and_no_line_is_forged(paper_list: PaperList, tmp_path: Path):
    hostile_list(paper_list)
    expected = diagnostics_of(paper_list)
    # A file name holds a line break (validation writes the field name's as \n already).
    assert any("\n" in d.path for d in expected)
    result = paper_list.check(env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})
    assert result.exit_code == 1
    commands = [line for line in (result.stdout + result.stderr).splitlines() if line.lstrip().startswith("::")]
    assert len(commands) == len(expected) and all(line.startswith("::error ") for line in commands)
    for line, diagnostic in zip(commands, expected):
        match = COMMAND.fullmatch(line)
        properties = dict(item.split("=", 1) for item in match["properties"].split(","))
        assert {key: unescape(value) for key, value in properties.items()} == {
            "file": diagnostic.path, "line": str(diagnostic.line), "col": str(diagnostic.column), "title": "site-gen check",
        }
        assert unescape(match["message"]) == diagnostic.problem
    # The text output shows each diagnostic on one line, line breaks written as \n.
    assert len(result.stderr.splitlines()) == len(expected) + 1
    assert r"venu\n::warning file=README.md,line=1::forged\r\n" in result.stderr


def test_a_workflow_command_escapes_its_message_and_properties():
    line = workflow_command("warning", "50%\r\n::error::x", file="a,b:c\n.yml", title="t")
    assert line == "::warning file=a%2Cb%3Ac%0A.yml,title=t::50%25%0D%0A::error::x"
    assert workflow_command("notice", "done") == "::notice::done"


def test_the_step_summary_takes_no_markdown_or_html_from_the_input(paper_list: PaperList):
    hostile_list(paper_list)
    diagnostics = diagnostics_of(paper_list)
    summary = step_summary(diagnostics)
    lines = summary.splitlines()
    assert len(lines) == 4 + len(diagnostics)  # heading, blank, header row, delimiter row, a row each
    html = markdown.markdown(summary, extensions=["tables"])
    assert html.count("<tr>") == 1 + len(diagnostics) and html.count("<td>") == 3 * len(diagnostics)
    for tag in ("<b>", "<a ", "<img", "<code>", "<em>", "<strong>"):
        assert tag not in html
    assert "www.evil.example" not in summary and "https://" not in summary
