"""`site-gen paper-from-issue`: the add-paper form's answers, read as data (hostile ones too), turned
into a paper file by `site-gen add` and `site-gen check` and pushed to a bot branch of a local bare
repository, or into the errors to comment on the issue. arXiv is the local replay of test_add."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from site_gen import arxiv
from site_gen.cli import main
from site_gen.issue_form import FORM, NO_RESPONSE, NotFromTheForm, form_labels, paper_from_issue, parse_issue_body, read_suggestion
from tests.conftest import REPO_ROOT, PaperList
from tests.test_add import OTHER_PAPERS, ArxivReplay, replay  # noqa: F401 (a fixture)

FORMS = (REPO_ROOT / FORM, REPO_ROOT / "site_gen" / "list_template" / "dot-github" / "ISSUE_TEMPLATE" / "add-paper.yml")
LABELS = form_labels(REPO_ROOT / FORM)
CHECKED = "- [X] I searched the site and the open issues, and the paper is not there yet."


def body(reference: str = "2403.03507", category: str = "", tags: str = "", why: str = "It saves memory.", newline: str = "\n") -> str:
    """An issue's body as GitHub writes it from the form's answers."""
    answers = {"arxiv": reference, "category": category, "tags": tags, "why": why, "checked": CHECKED}
    text = "\n\n".join(f"### {label}\n\n{answers[field_id] or NO_RESPONSE}" for field_id, label in LABELS.items())
    return text.replace("\n", newline)


# --- the form and its parser --------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=["this-repository", "new-list"])
def test_the_parser_finds_the_fields_it_needs_in_both_forms(form: Path):
    labels = form_labels(form)
    assert list(labels) == ["arxiv", "category", "tags", "why", "checked"]
    assert parse_issue_body(body(category="agents", tags="llm"), labels)["tags"] == "llm"


def test_a_form_body_is_read_by_label_and_empty_answers_are_none():
    assert parse_issue_body(body(tags="llm, low-rank"), LABELS) == {
        "arxiv": "2403.03507", "category": None, "tags": "llm, low-rank", "why": "It saves memory.", "checked": CHECKED,
    }


HOSTILE = {
    "shell": "$(touch pwned); `touch pwned` && rm -rf ~ | cat /etc/passwd > x; echo $HOME",
    "expression": "${{ github.token }} ${{ secrets.GITHUB_TOKEN }}",
    "backticks": "```\n```bash\nrm -rf /\n```",
    "second-heading": "Read this.\n\n### arXiv id or link\n\n9999.99999\n\n### Suggested category\n\nevil",
    "workflow-command": "\n::set-output name=result::pull-request\n::error::x",
}


@pytest.mark.parametrize("why", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_answers_stay_in_their_own_field(why: str):
    answers = parse_issue_body(body(category="agents", why=why), LABELS)
    assert answers["arxiv"] == "2403.03507" and answers["category"] == "agents"
    assert answers["why"] == why.strip()


def test_crlf_line_ends_are_read_like_lf():
    assert parse_issue_body(body(tags="llm", newline="\r\n"), LABELS) == parse_issue_body(body(tags="llm"), LABELS)


def test_a_one_megabyte_body_is_read_in_linear_time():
    huge = ("### Suggested tags\n\nvision\n\n" * 40_000)[:1_000_000]
    started = time.perf_counter()
    answers = parse_issue_body(body(tags="llm", why=huge), LABELS)
    assert time.perf_counter() - started < 1
    assert answers["tags"] == "llm" and len(answers["why"]) > 900_000


@pytest.mark.parametrize("text", ["", "Please add GaLore, 2403.03507.", body().replace("### Suggested tags", "### Tags")])
def test_a_body_that_is_not_the_form_is_refused(text: str):
    with pytest.raises(NotFromTheForm, match="is missing"):
        parse_issue_body(text, LABELS)


def test_suggested_slugs_are_kept_only_when_the_taxonomy_has_them():
    answers = parse_issue_body(body(category="Agents", tags="LLM, vision, `rm -rf`, <b>x</b>, llm"), LABELS)
    suggestion = read_suggestion(answers, {"training", "agents"}, {"llm", "low-rank", "vision"})
    assert (suggestion.category, suggestion.tags) == ("agents", ["llm", "vision"])
    [note] = suggestion.notes
    assert note.startswith("Suggested tags not in papers/_taxonomy.yml, ignored: &#96;rm, &#45;rf&#96;, &#60;b&#62;x&#60;/b&#62;.")
    assert "`" not in note and "<b>" not in note

    unknown = read_suggestion(parse_issue_body(body(category="[evil](javascript:x)"), LABELS), {"agents"}, set())
    assert unknown.category is None and "](javascript:" not in unknown.notes[0] and "is not in papers/_taxonomy.yml" in unknown.notes[0]


@pytest.mark.parametrize(("reference", "message"), [("", "is empty"), ("x" * 301, "not one line of a few words")])
def test_a_missing_or_overlong_reference_is_refused(reference: str, message: str):
    with pytest.raises(ValueError, match=message):
        read_suggestion({"arxiv": reference or None}, set(), set())


# --- from the issue to the paper file -----------------------------------------------------------


@pytest.fixture
def listing(tmp_path: Path, replay: ArxivReplay, monkeypatch) -> PaperList:  # noqa: F811 (fixture)
    """A valid list without GaLore, with the form, whose `site-gen add` asks the arXiv replay."""
    monkeypatch.setenv(arxiv.API_URL_ENV, replay.url)
    paper_list = PaperList(tmp_path / "list")
    for paper_id, text in OTHER_PAPERS.items():
        paper_list.write(paper_id, text)
    (paper_list.root / FORM).parent.mkdir(parents=True)
    shutil.copy(REPO_ROOT / FORM, paper_list.root / FORM)
    return paper_list


def paper(listing: PaperList, name: str = "galore") -> dict:
    return yaml.safe_load((listing.root / "papers" / f"{name}.yml").read_text(encoding="utf-8"))


def test_the_issue_becomes_a_paper_with_its_category_and_known_tags(listing: PaperList):
    outcome = paper_from_issue(listing.root, 12, body(category="agents", tags="vision, not-a-tag"))
    assert outcome.paper == listing.root / "papers" / "galore.yml" and not outcome.comment
    data = paper(listing)
    assert data["title"].startswith("GaLore") and data["category"] == "agents" and data["tags"] == ["vision"]
    assert outcome.title == f"Add paper: {data['title']}"
    text = outcome.pull_request_body
    assert "Closes #12" in text and "- category: `agents` (from the issue)" in text
    assert "Suggested tags not in papers/_taxonomy.yml, ignored: not-a-tag." in text
    assert CliRunner().invoke(main, ["check", "--root", str(listing.root)]).exit_code == 0


def test_without_suggestions_the_ones_of_site_gen_add_stay(listing: PaperList):
    outcome = paper_from_issue(listing.root, 12, body())
    assert paper(listing)["category"] == "training"
    assert "suggested by `site-gen add` from similar papers" in outcome.pull_request_body


@pytest.mark.parametrize(("reference", "expected"), [
    ("$(touch pwned)", "is not an arXiv id"),
    ("--offline", "is not an arXiv id"),
    ("https://arxiv.org/abs/2106.09685", "already on the list: papers/lora.yml"),
])
def test_an_id_that_add_refuses_is_commented_with_its_error(listing: PaperList, reference: str, expected: str):
    outcome = paper_from_issue(listing.root, 12, body(reference=reference))
    assert outcome.paper is None
    assert "`site-gen add` refused it" in outcome.comment and expected in outcome.comment
    assert "```text\n" in outcome.comment
    assert sorted(p.name for p in (listing.root / "papers").iterdir()) == sorted([*(f"{name}.yml" for name in OTHER_PAPERS), "_taxonomy.yml"])
    assert not (listing.root / "pwned").exists()


def test_when_check_fails_the_errors_are_commented_and_no_file_is_left(listing: PaperList):
    listing.write("broken", "title: Broken\n")
    outcome = paper_from_issue(listing.root, 12, body())
    assert outcome.paper is None and "`site-gen check` found problems" in outcome.comment and "papers/broken.yml" in outcome.comment
    assert not (listing.root / "papers" / "galore.yml").exists()


def test_a_fence_in_the_errors_cannot_close_the_comment_block(listing: PaperList):
    outcome = paper_from_issue(listing.root, 12, body(reference="````` @everyone"))
    assert "``````text\n" in outcome.comment


# --- the command, with git ----------------------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    identity = ["-c", "user.name=someone", "-c", "user.email=someone@example.org", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def run_command(listing: PaperList, remote: Path, tmp_path: Path, text: str, number: int = 12):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "opened", "issue": {"number": number, "body": text}}), encoding="utf-8")
    output = tmp_path / "github_output"
    output.write_text("")
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_ACTIONS": "false"}
    result = CliRunner().invoke(main, ["paper-from-issue", "--event", str(event), "--out", str(tmp_path / "out"),
                                       "--remote", str(remote), "--root", str(listing.root)], env=env, catch_exceptions=False)
    return result, output.read_text()


@pytest.fixture
def remote(listing: PaperList, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", "--initial-branch", "main", str(bare), cwd=tmp_path)
    git("init", "--quiet", "--initial-branch", "main", cwd=listing.root)
    git("add", ".", cwd=listing.root)
    git("commit", "--quiet", "-m", "the list", cwd=listing.root)
    git("push", "--quiet", str(bare), "main", cwd=listing.root)
    return bare


def test_the_command_pushes_the_paper_to_the_issues_branch_only(listing: PaperList, remote: Path, tmp_path: Path):
    main_before = git("rev-parse", "main", cwd=remote)
    result, outputs = run_command(listing, remote, tmp_path, body(category="agents"))
    assert result.exit_code == 0, result.output
    assert outputs == "result=pull-request\nbranch=add-paper/issue-12\n"
    assert (tmp_path / "out" / "pull-request-title.txt").read_text().startswith("Add paper: GaLore")
    assert "Closes #12" in (tmp_path / "out" / "pull-request.md").read_text()
    assert git("for-each-ref", "--format=%(refname)", cwd=remote).split() == ["refs/heads/add-paper/issue-12", "refs/heads/main"]
    assert git("rev-parse", "main", cwd=remote) == main_before
    assert git("diff", "--name-only", "main", "add-paper/issue-12", cwd=remote).split() == ["papers/galore.yml"]

    # An edit of the issue makes the branch again from main: still one commit, with the new answer.
    git("switch", "--quiet", "main", cwd=listing.root)
    result, _ = run_command(listing, remote, tmp_path, body(category="training"))
    assert result.exit_code == 0, result.output
    assert git("rev-list", "--count", "main..add-paper/issue-12", cwd=remote).strip() == "1"
    assert "category: training" in git("show", "add-paper/issue-12:papers/galore.yml", cwd=remote)


def test_the_command_writes_the_comment_and_pushes_nothing_when_refused(listing: PaperList, remote: Path, tmp_path: Path):
    result, outputs = run_command(listing, remote, tmp_path, body(reference="not an id"))
    assert result.exit_code == 0, result.output
    assert outputs == "result=comment\n"
    assert "is not an arXiv id" in (tmp_path / "out" / "comment.md").read_text()
    assert git("for-each-ref", "--format=%(refname)", cwd=remote).split() == ["refs/heads/main"]


def test_an_event_that_is_not_an_issue_is_one_error_line(listing: PaperList, remote: Path, tmp_path: Path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 3}}))
    result = CliRunner().invoke(main, ["paper-from-issue", "--event", str(event), "--out", str(tmp_path / "out"), "--remote", str(remote)])
    assert result.exit_code == 1
    assert result.output.startswith(f"site-gen paper-from-issue: error: {event} is not an issue event") and "Traceback" not in result.output


def test_without_the_form_the_command_fails_instead_of_blaming_the_issue(listing: PaperList, remote: Path, tmp_path: Path):
    (listing.root / FORM).unlink()
    result, outputs = run_command(listing, remote, tmp_path, body())
    assert result.exit_code == 1 and outputs == ""
    assert result.output.startswith(f"site-gen paper-from-issue: error: cannot read the fields of {listing.root / FORM}")
