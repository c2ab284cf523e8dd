"""`site-gen pages`: the writers of gh-pages, run against a local bare repository standing in for
GitHub (its URL is a path), with GitHub's API replaced by a function or a fake `gh`."""

from __future__ import annotations

import os
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen import actions_bot, pages_branch
from site_gen.cli import main
from site_gen.pages_branch import PagesError, RefusedArtifact, deploy, publish_preview, remove_preview

SHA_A = "a" * 40
SHA_B = "b" * 40
IDENTITY = ["-c", "user.name=someone", "-c", "user.email=someone@example.org", "-c", "commit.gpgsign=false"]


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(pages_branch, "RETRY_WAITS", (0, 0, 0, 0))


@pytest.fixture
def remote(tmp_path: Path) -> str:
    """A bare repository with a main branch that the bot must never touch."""
    bare = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", "--initial-branch", "main", str(bare))
    work = tmp_path / "main-checkout"
    git("init", "--quiet", "--initial-branch", "main", str(work))
    (work / "README.md").write_text("the list\n")
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "the list", cwd=work)
    git("push", "--quiet", str(bare), "main", cwd=work)
    return str(bare)


def files_on_pages(remote: str) -> dict[str, str]:
    listing = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=Path(remote)).split()
    return {name: git("show", f"gh-pages:{name}", cwd=Path(remote)) for name in listing}


def refs(remote: str) -> str:
    return git("for-each-ref", cwd=Path(remote))


def site(root: Path, pages: dict[str, str]) -> Path:
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def artifact(root: Path, number: str = "7", sha: str = SHA_A, pages: dict[str, str] | None = None) -> Path:
    site(root / "site", pages or {"index.html": f"preview of {number}", "papers/galore/index.html": "galore"})
    (root / "pr-number").write_text(number + "\n")
    (root / "head-sha").write_text(sha + "\n")
    return root


def publish(tmp_path: Path, remote: str, number: str = "7", head: str = SHA_A) -> bool:
    _, published = publish_preview(artifact(tmp_path / f"artifact-{number}", number), SHA_A, remote, lambda _: head)
    return published


def commit_on_pages(remote: str, scratch: Path, name: str, text: str) -> None:
    """What another writer of gh-pages does meanwhile."""
    git("clone", "--quiet", "--branch", "gh-pages", remote, str(scratch))
    site(scratch, {name: text})
    git("add", ".", cwd=scratch)
    git("commit", "--quiet", "-m", "another writer", cwd=scratch)
    git("push", "--quiet", "origin", "HEAD:gh-pages", cwd=scratch)


# --- where each writer writes -------------------------------------------------------------------


def test_a_preview_lands_under_its_pull_request_and_survives_a_deploy_of_main(tmp_path: Path, remote: str):
    assert deploy(site(tmp_path / "v1", {"index.html": "v1", "old-page/index.html": "old"}), remote, SHA_A)
    assert files_on_pages(remote) == {".nojekyll": "", "index.html": "v1", "old-page/index.html": "old"}

    assert publish(tmp_path, remote, "7")
    assert files_on_pages(remote)["pr-preview/pr-7/index.html"] == "preview of 7"

    assert deploy(site(tmp_path / "v2", {"index.html": "v2"}), remote, SHA_B)
    assert files_on_pages(remote) == {
        ".nojekyll": "", "index.html": "v2",
        "pr-preview/pr-7/index.html": "preview of 7", "pr-preview/pr-7/papers/galore/index.html": "galore",
    }
    assert git("log", "-1", "--format=%an <%ae>: %s", "gh-pages", cwd=Path(remote)).strip() == \
        f"{actions_bot.BOT_NAME} <{actions_bot.BOT_EMAIL}>: Deploy {SHA_B}"


def test_a_deploy_keeps_the_previews_and_the_custom_domain(tmp_path: Path, remote: str):
    commit_on_pages_first = tmp_path / "seed"
    git("init", "--quiet", "--initial-branch", "gh-pages", str(commit_on_pages_first))
    site(commit_on_pages_first, {"CNAME": "papers.example.org\n", "pr-preview/pr-3/index.html": "three", "stale.html": "x"})
    git("add", ".", cwd=commit_on_pages_first)
    git("commit", "--quiet", "-m", "by hand", cwd=commit_on_pages_first)
    git("push", "--quiet", remote, "gh-pages", cwd=commit_on_pages_first)

    assert deploy(site(tmp_path / "site", {"index.html": "new"}), remote, SHA_A)
    assert files_on_pages(remote) == {".nojekyll": "", "CNAME": "papers.example.org\n", "index.html": "new", "pr-preview/pr-3/index.html": "three"}
    assert not deploy(tmp_path / "site", remote, SHA_B), "the same site again is no new commit"


def test_a_deploy_of_a_site_with_its_own_pr_preview_folder_is_refused(tmp_path: Path, remote: str):
    before = refs(remote)
    with pytest.raises(PagesError, match="belongs to the previews"):
        deploy(site(tmp_path / "site", {"index.html": "x", "pr-preview/pr-1/index.html": "fake"}), remote, SHA_A)
    assert refs(remote) == before


def test_closing_a_pull_request_removes_only_its_preview(tmp_path: Path, remote: str):
    assert not remove_preview(7, remote), "no gh-pages yet: nothing to remove"
    deploy(site(tmp_path / "site", {"index.html": "main"}), remote, SHA_A)
    publish(tmp_path, remote, "7")
    publish(tmp_path, remote, "8")

    assert remove_preview(7, remote)
    assert set(files_on_pages(remote)) == {".nojekyll", "index.html", "pr-preview/pr-8/index.html", "pr-preview/pr-8/papers/galore/index.html"}
    head = refs(remote)
    assert not remove_preview(7, remote) and not remove_preview(70, remote)
    assert refs(remote) == head


def test_a_new_push_of_a_pull_request_replaces_its_preview(tmp_path: Path, remote: str):
    publish(tmp_path, remote, "7")
    folder = artifact(tmp_path / "second", "7", SHA_B, {"index.html": "second version"})
    publish_preview(folder, SHA_B, remote, lambda _: SHA_B)
    assert files_on_pages(remote) == {"pr-preview/pr-7/index.html": "second version"}


def test_the_bot_pushes_nothing_outside_gh_pages(tmp_path: Path, remote: str):
    main_before = git("rev-parse", "main", cwd=Path(remote))
    deploy(site(tmp_path / "site", {"index.html": "main"}), remote, SHA_A)
    publish(tmp_path, remote, "7")
    remove_preview(7, remote)
    assert git("for-each-ref", "--format=%(refname)", cwd=Path(remote)).split() == ["refs/heads/gh-pages", "refs/heads/main"]
    assert git("rev-parse", "main", cwd=Path(remote)) == main_before
    assert "README.md" not in files_on_pages(remote)


# --- the artifact is untrusted ------------------------------------------------------------------


def fifo(path: Path) -> None:
    os.mkfifo(path)


def symlinked_folder(site: Path) -> None:
    (site / "papers").rename(site / "elsewhere")
    (site / "papers").symlink_to("elsewhere")


@pytest.mark.parametrize(
    ("number", "sha", "spoil", "message"),
    [
        ("7; rm -rf /", SHA_A, None, "is not a pull request number"),
        ("../../main", SHA_A, None, "is not a pull request number"),
        ("0", SHA_A, None, "is not a pull request number"),
        ("7", "abc", None, "is not 40 hex digits"),
        ("7", SHA_B, None, "is not the CI run's"),
        ("7", SHA_A, lambda site: (site / "secret").symlink_to("/etc/passwd"), "symbolic link, 'site/secret'"),
        ("7", SHA_A, symlinked_folder, "symbolic link, 'site/papers'"),
        ("7", SHA_A, lambda site: (site / "papers" / ".git").mkdir(), ".git folder, 'site/papers/.git'"),
        ("7", SHA_A, lambda site: (site / ".git").write_text("gitdir: /somewhere"), ".git folder, 'site/.git'"),
        ("7", SHA_A, lambda site: fifo(site / "pipe"), "not a file or a folder"),
        ("7", SHA_A, lambda site: (site / "index.html").unlink(), "no site/index.html"),
    ],
    ids=["command", "path", "zero", "short-sha", "other-sha", "symlink", "symlinked-folder", "git-folder", "git-file", "fifo", "no-index"],
)
def test_an_artifact_that_lies_is_refused_and_nothing_is_pushed(tmp_path: Path, remote: str, number: str, sha: str, spoil, message: str):
    deploy(site(tmp_path / "site", {"index.html": "main"}), remote, SHA_A)
    before = refs(remote)
    folder = artifact(tmp_path / "artifact", number, sha)
    if spoil:
        spoil(folder / "site")
    with pytest.raises(RefusedArtifact, match=message):
        publish_preview(folder, SHA_A, remote, lambda _: SHA_A)
    assert refs(remote) == before


def test_the_metadata_files_cannot_be_links_either(tmp_path: Path, remote: str):
    folder = artifact(tmp_path / "artifact")
    (folder / "pr-number").unlink()
    (folder / "pr-number").symlink_to("/etc/hostname")
    with pytest.raises(RefusedArtifact, match="symbolic link, 'pr-number'"):
        publish_preview(folder, SHA_A, remote, lambda _: SHA_A)


def test_an_artifact_larger_than_the_limit_is_refused(tmp_path: Path, remote: str, monkeypatch):
    monkeypatch.setattr(pages_branch, "MAX_SITE_BYTES", 1000)
    folder = artifact(tmp_path / "artifact", pages={"index.html": "x" * 600, "big.html": "y" * 600})
    with pytest.raises(RefusedArtifact, match="larger than"):
        publish_preview(folder, SHA_A, remote, lambda _: SHA_A)


def test_a_pull_request_that_moved_on_is_not_published(tmp_path: Path, remote: str):
    asked = []
    folder = artifact(tmp_path / "artifact", "7")
    preview, published = publish_preview(folder, SHA_A, remote, lambda number: asked.append(number) or SHA_B)
    assert (preview.number, published, asked) == (7, False, [7])
    assert "gh-pages" not in refs(remote)


# --- concurrent writers -------------------------------------------------------------------------


def test_a_concurrent_push_is_retried_and_both_changes_survive(tmp_path: Path, remote: str, monkeypatch):
    deploy(site(tmp_path / "site", {"index.html": "main"}), remote, SHA_A)
    real_push, attempts = pages_branch.push, []

    def push_after_another_writer(checkout: Path, url: str, branch: str) -> str | None:
        attempts.append(branch)
        if len(attempts) == 1:  # between our clone and our push, another preview lands
            commit_on_pages(remote, tmp_path / "other-writer", "pr-preview/pr-8/index.html", "eight")
        return real_push(checkout, url, branch)

    monkeypatch.setattr(pages_branch, "push", push_after_another_writer)
    assert publish(tmp_path, remote, "7")
    assert len(attempts) == 2
    files = files_on_pages(remote)
    assert files["pr-preview/pr-7/index.html"] == "preview of 7" and files["pr-preview/pr-8/index.html"] == "eight"
    assert files["index.html"] == "main"


def test_when_every_push_is_refused_the_command_says_so(tmp_path: Path, remote: str, monkeypatch):
    monkeypatch.setattr(pages_branch, "push", lambda *args: "! [rejected] HEAD -> gh-pages (fetch first)")
    with pytest.raises(PagesError, match=r"could not push to gh-pages after 5 attempts \(! \[rejected\]"):
        deploy(site(tmp_path / "site", {"index.html": "main"}), remote, SHA_A)
    assert "gh-pages" not in refs(remote)


# --- the commands, as the workflows run them ----------------------------------------------------


def fake_gh(bin_dir: Path, pr_head: str) -> Path:
    """A `gh` that answers the pull request's head, and logs every call."""
    bin_dir.mkdir()
    log = bin_dir / "gh.log"
    gh = bin_dir / "gh"
    gh.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        printf '%s\\n' "$*" >> {log}
        echo {pr_head}
        """))
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    return log


def run(*args: str, env: dict[str, str]):
    return CliRunner().invoke(main, ["pages", *args], env=env, catch_exceptions=False)


def test_the_commands_publish_remove_and_deploy(tmp_path: Path, remote: str):
    log = fake_gh(tmp_path / "bin", SHA_A)
    output = tmp_path / "github_output"
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(output), "GITHUB_REPOSITORY": "owner/list"}

    result = run("publish-preview", str(artifact(tmp_path / "artifact")), "--run-head-sha", SHA_A, "--remote", remote, env=env)
    assert result.exit_code == 0, result.output
    assert output.read_text() == "number=7\npublished=true\n"
    assert log.read_text() == "api repos/owner/list/pulls/7 --jq .head.sha\n"

    result = run("deploy", str(site(tmp_path / "site", {"index.html": "main"})), "--sha", SHA_B, "--remote", remote, env=env)
    assert result.exit_code == 0 and f"deployed {SHA_B}" in result.output
    result = run("remove-preview", "7", "--remote", remote, env=env)
    assert result.exit_code == 0 and "removed pr-preview/pr-7/" in result.output
    assert set(files_on_pages(remote)) == {".nojekyll", "index.html"}


def test_a_refused_artifact_is_one_error_line_and_exit_1(tmp_path: Path, remote: str):
    fake_gh(tmp_path / "bin", SHA_A)
    output = tmp_path / "github_output"
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(output), "GITHUB_REPOSITORY": "owner/list"}
    folder = artifact(tmp_path / "artifact", "7\n::error::injected")
    result = run("publish-preview", str(folder), "--run-head-sha", SHA_A, "--remote", remote, env=env)
    assert result.exit_code == 1
    assert result.output.startswith("site-gen pages: error: the artifact's PR number '7\\n::error::injected' is not a pull request number — ")
    assert "Traceback" not in result.output and not output.exists()
    assert run("remove-preview", "0", "--remote", remote, env=env).exit_code == 2


def test_without_a_remote_the_commands_say_where_to_push(tmp_path: Path):
    result = run("remove-preview", "7", env={"GITHUB_REPOSITORY": ""})
    assert result.exit_code == 1 and "no repository to push to — pass --remote" in result.output


def test_the_token_travels_as_a_header_for_github_only(monkeypatch):
    monkeypatch.setenv("GH_TOKEN", "secret-token")
    monkeypatch.delenv("GIT_CONFIG_COUNT", raising=False)
    for_github = actions_bot._environment("https://github.com/owner/list.git")
    assert for_github["GIT_CONFIG_KEY_0"] == "http.https://github.com/.extraheader"
    assert for_github["GIT_CONFIG_VALUE_0"].startswith("AUTHORIZATION: basic ") and "secret-token" not in for_github["GIT_CONFIG_VALUE_0"]
    assert "GIT_CONFIG_COUNT" not in actions_bot._environment("/some/local/path.git")
