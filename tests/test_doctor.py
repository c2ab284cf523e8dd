"""`site-gen doctor` on GitHub's recorded answers (tests/fixtures/github): what it reports, its exit
status, and `gh api` itself replaced by a script, missing, or not logged in."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen import doctor
from site_gen.cli import main
from site_gen.doctor import Answer, gh_api, run_doctor
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "github"
REPOSITORY = "paper-lists/memory-in-ml"
LABEL, PAGES, PERMISSIONS = (f"repos/{REPOSITORY}/labels/add-paper", f"repos/{REPOSITORY}/pages",
                             f"repos/{REPOSITORY}/actions/permissions/workflow")
ALL_SET = {LABEL: (200, "label.json"), PAGES: (200, "pages-gh-pages.json"), PERMISSIONS: (200, "workflow-permissions-read.json")}
PIN = "site-gen @ git+https://github.com/paper-lists/memory-in-ml@v0.2.0\n"


def recorded(answers: dict[str, tuple[int, str]]):
    """An api function that replays the recorded answer for each path (and logs what it was asked)."""
    asked = []

    def api(path: str) -> Answer:
        asked.append(path)
        status, name = answers[path]
        return Answer(status, json.loads((FIXTURES / name).read_text(encoding="utf-8")))

    api.asked = asked
    return api


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text("# site-gen, the generator of this site\n" + PIN, encoding="utf-8")
    return tmp_path


def test_all_set_exits_0_and_says_so(checkout: Path, capsys):
    api = recorded(ALL_SET)
    assert run_doctor(checkout, REPOSITORY, api) == 0
    out = capsys.readouterr().out
    assert "error:" not in out
    assert out.count("ok: ") == 5 and "every setting the workflows need is in place" in out
    assert sorted(api.asked) == sorted(ALL_SET)  # only GETs of the three documented endpoints


def test_every_missing_setting_is_named_with_its_fix(checkout: Path, capsys):
    (checkout / "requirements.txt").write_text("site-gen\n", encoding="utf-8")  # not pinned
    api = recorded({LABEL: (404, "not-found.json"), PAGES: (404, "not-found.json"), PERMISSIONS: (200, "workflow-permissions-write.json")})
    assert run_doctor(checkout, REPOSITORY, api) == 1
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 5
    assert all(" — " in line for line in errors)  # what is wrong — how to fix
    text = "\n".join(errors)
    assert f"gh label create add-paper --repo {REPOSITORY}" in text
    assert "GitHub Pages is off" in text and "Deploy from a branch → gh-pages, / (root)" in text
    assert "Read repository contents and packages permissions" in text
    assert "Allow GitHub Actions to create and approve pull requests" in text
    assert "does not pin site-gen" in text and "site-gen @ git+" in text


@pytest.mark.parametrize("answer,expected", [
    ("pages-workflow.json", "built by a workflow, not served from gh-pages"),
    ("pages-main-docs.json", "serves main, /docs, not gh-pages, / (root)"),
])
def test_pages_served_from_elsewhere(checkout: Path, capsys, answer: str, expected: str):
    assert run_doctor(checkout, REPOSITORY, recorded({**ALL_SET, PAGES: (200, answer)})) == 1
    assert expected in capsys.readouterr().out


def test_an_answer_it_cannot_read_is_a_problem_not_a_pass(checkout: Path, capsys):
    """Workflow permissions need admin rights to read: a 403 is reported, with what GitHub said."""
    assert run_doctor(checkout, REPOSITORY, recorded({**ALL_SET, PERMISSIONS: (403, "forbidden.json")})) == 1
    out = capsys.readouterr().out
    assert "error: cannot read the workflow permissions: HTTP 403 (Resource not accessible by integration) — " in out


@pytest.mark.parametrize("requirements,ok", [
    (PIN, True),
    ("site_gen==0.2.0\n", True),
    ("# site-gen @ git+https://github.com/x/y@v1\n", False),  # a comment pins nothing
    ("site-gen @ git+https://github.com/paper-lists/memory-in-ml\n", False),  # the default branch, moving
    (None, False),
])
def test_requirements_pin(tmp_path: Path, requirements: str | None, ok: bool):
    if requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    assert doctor.requirements_finding(tmp_path).ok is ok


def test_the_repository_comes_from_the_taxonomy(paper_list, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    taxonomy = paper_list.root / "papers" / "_taxonomy.yml"
    taxonomy.write_text(taxonomy.read_text().replace("  description: A small list used by the tests.\n",
                                                     f"  description: A small list used by the tests.\n  repository: https://github.com/{REPOSITORY}\n"))
    (paper_list.root / "requirements.txt").write_text(PIN, encoding="utf-8")
    assert run_doctor(paper_list.root, None, recorded(ALL_SET)) == 0
    assert f"{REPOSITORY}: every setting" in capsys.readouterr().out


def test_no_repository_is_an_error(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    assert run_doctor(tmp_path, None, recorded(ALL_SET)) == 1
    assert "error: which repository? — pass --repository owner/name" in capsys.readouterr().err


# --- gh api itself: a script that answers as gh does, or no gh at all ---------------------------


def fake_gh(bin_dir: Path, script: str) -> None:
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text("#!/usr/bin/env bash\n" + textwrap.dedent(script))
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)


def test_gh_api_reads_the_status_and_body_of_an_error(tmp_path: Path, monkeypatch):
    # gh exits 1 on an HTTP error; with --include its output still starts with the status line.
    fake_gh(tmp_path / "bin", f"""\
        [ "$1 $2" = "api --include" ] || exit 2
        cat {FIXTURES / 'label-404.http'}; exit 1
        """)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    assert gh_api(LABEL) == Answer(404, json.loads((FIXTURES / "not-found.json").read_text()))


def test_gh_api_reads_a_success(tmp_path: Path, monkeypatch):
    fake_gh(tmp_path / "bin", f"""\
        printf 'HTTP/2.0 200 OK\\r\\nContent-Type: application/json\\r\\n\\r\\n'
        cat {FIXTURES / 'workflow-permissions-read.json'}
        """)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    assert gh_api(PERMISSIONS) == Answer(200, {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": True})


def doctor_cli(root: Path, env: dict[str, str]):
    return CliRunner().invoke(main, ["doctor", "--root", str(root), "--repository", REPOSITORY], env=env)


def test_without_gh_it_says_how_to_get_it_and_exits_1(checkout: Path, tmp_path: Path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = doctor_cli(checkout, {"PATH": str(empty)})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "site-gen doctor: error: gh is not installed — install GitHub's CLI" in result.output


def test_gh_not_logged_in_is_one_line_and_exit_1(checkout: Path, tmp_path: Path):
    fake_gh(tmp_path / "bin", """\
        echo 'To get started with GitHub CLI, please run:  gh auth login' >&2; exit 4
        """)
    result = doctor_cli(checkout, {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "error: gh api repos/paper-lists/memory-in-ml/labels/add-paper failed: To get started" in result.output
    assert "run `gh auth login` (or set GH_TOKEN)" in result.output
