"""`site-gen doctor`: are the repository settings that the workflows need in place? Each one
missing is printed with how to set it (docs/automation.md, "Repository settings").

GitHub is asked through `gh api` (its login, its host), by a function the command is given, so
the tests replay GitHub's recorded answers instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import click

ISSUE_LABEL = "add-paper"
PAGES_BRANCH = "gh-pages"
# A requirement that names site-gen at a release: `site-gen==0.2.0` or `site-gen @ git+URL@v0.2.0`
# (pip reads site_gen and Site.Gen as the same name).
_PINNED = re.compile(r"^\s*site[-_.]gen\s*(==\s*\S+|@\s*\S+@\S+)", re.IGNORECASE)


class GitHubUnreachable(Exception):
    """`gh` is missing, not logged in, or gave no HTTP answer; the message says how to fix it."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the decoded JSON, None when there was none


ApiGet = Callable[[str], Answer]


def gh_api(path: str) -> Answer:
    """GET `path` with `gh api`; --include puts the status line before the body, also on errors."""
    try:
        result = subprocess.run(["gh", "api", "--include", path], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise GitHubUnreachable("gh is not installed — install GitHub's CLI (https://cli.github.com) and run `gh auth login`") from None
    except subprocess.TimeoutExpired:
        raise GitHubUnreachable(f"gh api {path} did not answer in 60 s — check the network and try again") from None
    status_line, _, rest = result.stdout.partition("\n")
    status = re.match(r"HTTP/\S+ (\d{3})", status_line)
    if status is None:
        said = result.stderr.strip() or result.stdout.strip() or f"exit status {result.returncode}"
        raise GitHubUnreachable(f"gh api {path} failed: {said} — run `gh auth login` (or set GH_TOKEN) and try again")
    body = re.split(r"\r?\n\r?\n", rest, maxsplit=1)[-1].strip() if rest.strip() else ""
    try:
        decoded = json.loads(body) if body else None
    except json.JSONDecodeError:
        decoded = None
    return Answer(int(status[1]), decoded)


@dataclass(frozen=True)
class Finding:
    ok: bool
    text: str  # when not ok: what is wrong — how to fix it


def _unexpected(what: str, answer: Answer) -> Finding:
    message = answer.body.get("message") if isinstance(answer.body, dict) else None
    said = f" ({message})" if message else ""
    return Finding(False, f"cannot read {what}: HTTP {answer.status}{said} — run doctor as a repository admin (`gh auth login`), or check it by hand in Settings")


def label_finding(api: ApiGet, repository: str) -> Finding:
    answer = api(f"repos/{repository}/labels/{ISSUE_LABEL}")
    if answer.status == 200:
        return Finding(True, f"the label {ISSUE_LABEL} exists")
    if answer.status == 404:
        return Finding(False, f"the label {ISSUE_LABEL} does not exist, so the paper form's issues never reach the workflow — "
                              f"create it: gh label create {ISSUE_LABEL} --repo {repository} (or Issues → Labels → New label)")
    return _unexpected(f"the label {ISSUE_LABEL}", answer)


def pages_finding(api: ApiGet, repository: str) -> Finding:
    answer = api(f"repos/{repository}/pages")
    fix = f"Settings → Pages → Build and deployment → Deploy from a branch → {PAGES_BRANCH}, / (root)"
    if answer.status == 404:
        return Finding(False, f"GitHub Pages is off — turn it on: {fix} (the branch exists after the first deploy)")
    if answer.status != 200 or not isinstance(answer.body, dict):
        return _unexpected("the Pages settings", answer)
    source = answer.body.get("source") or {}
    served = f"{source.get('branch')}, {source.get('path')}"
    if answer.body.get("build_type") == "workflow":
        return Finding(False, f"GitHub Pages is built by a workflow, not served from {PAGES_BRANCH} — {fix}")
    if (source.get("branch"), source.get("path")) != (PAGES_BRANCH, "/"):
        return Finding(False, f"GitHub Pages serves {served}, not {PAGES_BRANCH}, / (root) — {fix}")
    return Finding(True, f"GitHub Pages serves {PAGES_BRANCH}, / (root)")


def workflow_permission_findings(api: ApiGet, repository: str) -> list[Finding]:
    answer = api(f"repos/{repository}/actions/permissions/workflow")
    if answer.status != 200 or not isinstance(answer.body, dict):
        return [_unexpected("the workflow permissions", answer)]
    where = "Settings → Actions → General → Workflow permissions"
    findings = []
    if answer.body.get("default_workflow_permissions") == "read":
        findings.append(Finding(True, "the default workflow token is read-only"))
    else:
        findings.append(Finding(False, "the default workflow token can write, so every job may — "
                                       f"{where}: choose \"Read repository contents and packages permissions\""))
    if answer.body.get("can_approve_pull_request_reviews") is True:
        findings.append(Finding(True, "GitHub Actions may create pull requests"))
    else:
        findings.append(Finding(False, "GitHub Actions may not create pull requests, so an issue's paper never becomes one — "
                                       f"{where}: tick \"Allow GitHub Actions to create and approve pull requests\""))
    return findings


def requirements_finding(root: Path) -> Finding:
    from site_gen.new_list import default_generator

    path = root / "requirements.txt"
    fix = f"add the line `{default_generator()}` (the release to build with)"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return Finding(False, f"requirements.txt is missing, so the workflows cannot install site-gen — create it and {fix}")
    except (OSError, UnicodeDecodeError) as error:
        return Finding(False, f"cannot read requirements.txt: {error} — make it a readable UTF-8 text file")
    if any(_PINNED.match(line) for line in lines):
        return Finding(True, "requirements.txt pins site-gen")
    return Finding(False, f"requirements.txt does not pin site-gen to a release, so the workflows may change under you — {fix}")


def diagnose(api: ApiGet, repository: str, root: Path) -> list[Finding]:
    return [label_finding(api, repository), pages_finding(api, repository),
            *workflow_permission_findings(api, repository), requirements_finding(root)]


def _repository_of(root: Path) -> str | None:
    """owner/name from $GITHUB_REPOSITORY, else the taxonomy's `repository:` on github.com."""
    if os.environ.get("GITHUB_REPOSITORY"):
        return os.environ["GITHUB_REPOSITORY"]
    from site_gen.new_list import github_repository
    from site_gen.project import Project
    from site_gen.reader import read_taxonomy

    taxonomy, _ = read_taxonomy(Project(root.resolve()))
    owner_name = github_repository(taxonomy.repository) if taxonomy and taxonomy.repository else None
    return "/".join(owner_name) if owner_name else None


def run_doctor(root: Path, repository: str | None, api: ApiGet) -> int:
    """Print each finding; the exit status: 1 when a setting is missing or could not be read."""
    repository = repository or _repository_of(root)
    if repository is None:
        click.echo("site-gen doctor: error: which repository? — pass --repository owner/name "
                   "(or set list: repository: in papers/_taxonomy.yml)", err=True)
        return 1
    try:
        findings = diagnose(api, repository, root)
    except GitHubUnreachable as error:
        click.echo(f"site-gen doctor: error: {error}", err=True)
        return 1
    for finding in findings:
        click.echo(f"ok: {finding.text}" if finding.ok else f"error: {finding.text}")
    missing = sum(not finding.ok for finding in findings)
    click.echo(f"{repository}: {missing} setting(s) to fix" if missing else f"{repository}: every setting the workflows need is in place")
    return 1 if missing else 0


@click.command("doctor")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The paper list's checkout (the folder holding papers/ and requirements.txt).")
@click.option("--repository", help="owner/name on GitHub (default: $GITHUB_REPOSITORY, else list: repository: in the taxonomy).")
def doctor_command(root: Path, repository: str | None) -> None:
    """Check the repository settings the workflows need (with `gh api`); print each one missing
    and how to set it. Exit 1 if any is missing."""
    sys.exit(run_doctor(root, repository, gh_api))
