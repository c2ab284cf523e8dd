"""`site-gen paper-from-issue`: a paper suggested with the add-paper issue form, as a pull request.

GitHub writes a form's answers into the issue's body as `### <label>`, a blank line, the value
(`_No response_` for an empty optional field), in the form's order. The labels are read from the
form file itself (.github/ISSUE_TEMPLATE/add-paper.yml), so the form and this parser cannot drift
apart; the fields are found by their ids (`arxiv`, `category`, `tags`).

The issue's text is untrusted. It is read from the event's JSON file, never from a shell line; the
paper's id or link reaches `site-gen add` as one argument after `--`; the suggested category and
tags are kept only when they are the taxonomy's slugs, and anything else from the issue that is
shown in the pull request or the comment is escaped as Markdown text. Then the file `site-gen add`
wrote is committed on the bot branch add-paper/issue-<N> (made again from the default branch on
every run, and force-pushed), and the workflow opens or updates that branch's pull request; when
add or check refuses the paper, the workflow comments their errors on the issue instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import click
import yaml

from site_gen.cli import root_option
from site_gen.actions_bot import TOKEN_ENV, GitError, default_remote, push_branch, write_outputs
from site_gen.markup import markdown_text
from site_gen.paper_file import paper_yaml
from site_gen.project import Project
from site_gen.reader import read_taxonomy

FORM = Path(".github/ISSUE_TEMPLATE/add-paper.yml")
NO_RESPONSE = "_No response_"
ANSWER_TYPES = frozenset({"input", "textarea", "dropdown", "checkboxes"})
REFERENCE, CATEGORY, TAGS = "arxiv", "category", "tags"  # the form's field ids
MAX_REFERENCE = 300  # an arXiv link or a DOI is far shorter; longer is not one
MAX_TAGS = 8  # as papers/<id>.yml allows
BRANCH_PREFIX = "add-paper/issue-"


class NotFromTheForm(Exception):
    """The issue's body does not hold the form's answers."""


class FormError(Exception):
    """The form file cannot be read: a problem of the repository, not of the issue."""


def form_labels(form: Path) -> dict[str, str]:
    """The form's answer fields, id -> label, in the form's order (the order GitHub renders)."""
    try:
        data = yaml.safe_load(form.read_text(encoding="utf-8"))
        labels = {item["id"]: item["attributes"]["label"] for item in data["body"] if item.get("type") in ANSWER_TYPES}
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise FormError(f"cannot read the fields of {form} ({error}) — restore the add-paper issue form, whose labels the issues are read by") from None
    missing = {REFERENCE, CATEGORY, TAGS} - set(labels)
    if missing:
        raise FormError(f"{form} has no field with the id {', '.join(sorted(missing))} — give the form's fields the ids arxiv, category and tags")
    return labels


def parse_issue_body(body: str, labels: dict[str, str]) -> dict[str, str | None]:
    """Each field's answer by id (None when left empty). Headings are looked for in the form's
    order, each after the previous one, so a heading typed inside a later answer (a textarea can
    hold anything) is part of that answer and cannot replace an earlier field's."""
    text = "\n" + body.replace("\r\n", "\n").replace("\r", "\n") + "\n"
    starts: list[tuple[str, int, int]] = []  # (id, where its heading starts, where its answer starts)
    position = 0
    for field_id, label in labels.items():
        heading = f"\n### {label}\n"
        found = text.find(heading, position)
        if found < 0:
            raise NotFromTheForm(f"the heading “### {label}” is missing")
        position = found + len(heading)
        starts.append((field_id, found, position))
    answers: dict[str, str | None] = {}
    for index, (field_id, _, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else len(text)
        answer = text[start:end].strip()
        answers[field_id] = None if answer in ("", NO_RESPONSE) else answer
    return answers


# --- the suggestion, checked against the list -----------------------------------------------------


@dataclass
class Suggestion:
    """What the issue asks for, as far as it can be used."""

    reference: str
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was ignored, and why (Markdown)


def _shown(value: str) -> str:
    """Untrusted text in a Markdown note: one short line, no syntax."""
    return str(markdown_text(value if len(value) <= 60 else value[:60] + "…"))


def read_suggestion(answers: dict[str, str | None], categories: set[str], tags: set[str]) -> Suggestion:
    """Raises ValueError when the paper's id or link is missing or cannot be one."""
    reference = answers.get(REFERENCE)
    if not reference:
        raise ValueError("the arXiv id or link is empty — edit the issue and give it, like 2403.03507")
    if len(reference) > MAX_REFERENCE or "\n" in reference:
        raise ValueError("the arXiv id or link is not one line of a few words — edit the issue and give only the id or link, like 2403.03507")
    suggestion = Suggestion(reference)
    category = (answers.get(CATEGORY) or "").strip().lower()
    if category in categories:
        suggestion.category = category
    elif category:
        suggestion.notes.append(f"The suggested category “{_shown(category)}” is not in papers/_taxonomy.yml: ignored.")
    unknown = []
    for tag in re.split(r"[,\s]+", (answers.get(TAGS) or "").lower()):
        if tag in tags and tag not in suggestion.tags:
            suggestion.tags.append(tag)
        elif tag and tag not in tags:
            unknown.append(tag)
    if unknown:
        suggestion.notes.append(f"Suggested tags not in papers/_taxonomy.yml, ignored: {', '.join(_shown(tag) for tag in unknown[:10])}{' …' if len(unknown) > 10 else ''}.")
    if len(suggestion.tags) > MAX_TAGS:
        suggestion.notes.append(f"More than {MAX_TAGS} tags were suggested: the first {MAX_TAGS} are kept.")
        suggestion.tags = suggestion.tags[:MAX_TAGS]
    return suggestion


# --- making the paper file ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Either a paper file for a pull request, or the errors to comment on the issue."""

    paper: Path | None = None
    title: str = ""
    pull_request_body: str = ""
    comment: str = ""


def _site_gen(*args: str, root: Path) -> subprocess.CompletedProcess[str]:
    """The `site-gen` command line, as a contributor runs it."""
    # Plain text for the comment (no annotations), and no token: add and check need none.
    env = {name: value for name, value in os.environ.items() if name != TOKEN_ENV} | {"GITHUB_ACTIONS": "false"}
    return subprocess.run([sys.executable, "-m", "site_gen", *args], cwd=root, env=env, capture_output=True, text=True)


def _code_block(text: str) -> str:
    """`text` verbatim in a fenced block that nothing inside can close."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}text\n{text.strip()}\n{fence}"


def _refusal(issue: int, what: str, details: str = "") -> Outcome:
    parts = [f"The paper suggested in #{issue} could not be added automatically: {what}."]
    if details:
        parts.append(_code_block(details))
    parts.append("Edit the issue to fix it: this runs again on every edit. A maintainer can also add the paper by hand with `site-gen add`.")
    return Outcome(comment="\n\n".join(parts) + "\n")


def paper_from_issue(root: Path, issue: int, body: str) -> Outcome:
    """Run `site-gen add` for the issue's paper, apply its suggested category and tags, and run
    `site-gen check`; the paper file is left in `root` only when both succeed."""
    project = Project(root)
    try:
        answers = parse_issue_body(body, form_labels(root / FORM))
    except NotFromTheForm as error:
        return _refusal(issue, f"its text is not the “Add a paper” form's ({error})")
    taxonomy, problems = read_taxonomy(project)
    if taxonomy is None:
        return _refusal(issue, "the list's taxonomy has errors", "\n".join(d.format_text() for d in problems))
    try:
        suggestion = read_suggestion(answers, {t.slug for t in taxonomy.categories}, {t.slug for t in taxonomy.tags})
    except ValueError as error:
        return _refusal(issue, str(error))

    before = set(project.paper_files())
    added = _site_gen("add", "--root", str(root), "--", suggestion.reference, root=root)
    new = sorted(set(project.paper_files()) - before)
    if added.returncode != 0 or len(new) != 1:
        for path in new:
            path.unlink()
        return _refusal(issue, "`site-gen add` refused it", added.stderr + added.stdout)
    [paper] = new
    record = yaml.safe_load(paper.read_text(encoding="utf-8"))
    chosen = {name: value for name, value in ((CATEGORY, suggestion.category), (TAGS, suggestion.tags)) if value}
    if any(record.get(name) != value for name, value in chosen.items()):
        paper.write_text(paper_yaml({**record, **chosen}), encoding="utf-8", newline="\n")
        record.update(chosen)
    checked = _site_gen("check", "--root", str(root), root=root)
    if checked.returncode != 0:
        paper.unlink()
        return _refusal(issue, "`site-gen check` found problems", checked.stderr + checked.stdout)

    title = str(record.get("title") or paper.stem)
    origin = {name: "from the issue" if name in chosen else "suggested by `site-gen add` from similar papers" for name in (CATEGORY, TAGS)}
    lines = [
        f"Adds `{project.display(paper)}`, drafted by `site-gen add` from the paper suggested in #{issue}.",
        "",
        f"- category: `{record.get(CATEGORY)}` ({origin[CATEGORY]})",
        f"- tags: {', '.join(f'`{tag}`' for tag in record.get(TAGS) or [])} ({origin[TAGS]})",
        *(f"- {note}" for note in suggestion.notes),
        "",
        "Before merging, a maintainer checks the category and tags and adds `venue` and `code` if the paper has them "
        "(push to this branch; an edit of the issue makes the branch again from the default branch).",
        "",
        f"Closes #{issue}",
    ]
    return Outcome(paper=paper, title=f"Add paper: {title}", pull_request_body="\n".join(lines) + "\n")


def push_paper(root: Path, paper: Path, issue: int, remote: str) -> str:
    """Commit the paper on the bot branch of the issue and force-push that branch only."""
    branch = f"{BRANCH_PREFIX}{issue}"
    push_branch(root, [paper], f"Add {paper.stem} (suggested in #{issue})", branch, remote)
    return branch


# --- the command --------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    click.echo(f"site-gen paper-from-issue: error: {message}", err=True)
    sys.exit(1)


def _issue(event_path: Path) -> tuple[int, str]:
    try:
        issue = json.loads(event_path.read_text(encoding="utf-8"))["issue"]
        number, body = issue["number"], issue.get("body") or ""
    except (OSError, ValueError, KeyError, TypeError) as error:
        _fail(f"{event_path} is not an issue event ({error}) — run this from a workflow triggered by `issues`")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1 or not isinstance(body, str):
        _fail(f"{event_path} has no issue number and body — run this from a workflow triggered by `issues`")
    return number, body


@click.command("paper-from-issue")
@click.option("--event", "event_path", envvar="GITHUB_EVENT_PATH", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The issue event's JSON (default: $GITHUB_EVENT_PATH, which GitHub Actions sets).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Where to write pull-request.md and pull-request-title.txt, or comment.md.")
@click.option("--remote", help="Where to push the bot branch: a URL or a path (default: this GitHub repository; the token is $GH_TOKEN).")
@root_option
def paper_from_issue_command(event_path: Path, out: Path, remote: str | None, root: Path) -> None:
    """Turn an add-paper issue into a commit on the branch add-paper/issue-<N>, pushed, or into
    the errors to comment on the issue. Sets the step outputs `result` (pull-request or comment)
    and `branch`."""
    number, body = _issue(event_path)
    root = root.resolve()
    remote = remote or default_remote()
    if not remote:
        _fail("no repository to push to — pass --remote, or run under GitHub Actions (which sets GITHUB_REPOSITORY)")
    try:
        outcome = paper_from_issue(root, number, body)
    except FormError as error:
        _fail(str(error))
    out.mkdir(parents=True, exist_ok=True)
    if outcome.paper is None:
        (out / "comment.md").write_text(outcome.comment, encoding="utf-8")
        write_outputs(result="comment")
        click.echo(f"#{number}: not added; the errors are in {out / 'comment.md'}")
        return
    try:
        branch = push_paper(root, outcome.paper, number, remote)
    except GitError as error:
        _fail(f"{error} — check that the workflow has contents: write")
    (out / "pull-request.md").write_text(outcome.pull_request_body, encoding="utf-8")
    (out / "pull-request-title.txt").write_text(outcome.title, encoding="utf-8")
    write_outputs(result="pull-request", branch=branch)
    click.echo(f"#{number}: {Project(root).display(outcome.paper)} pushed to {branch}")
