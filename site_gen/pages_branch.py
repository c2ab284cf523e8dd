"""`site-gen pages`: the three writers of the gh-pages branch, which GitHub Pages serves.

The site built from main is the branch's root; each open pull request's preview is
pr-preview/pr-<N>/. `deploy` replaces everything but pr-preview/ (and a custom domain's CNAME),
`publish-preview` replaces one preview, `remove-preview` deletes one. Each clones the branch, makes
its change, commits and pushes to gh-pages only; when another writer pushed in between, the push is
refused and the whole change is made again on the new tip, so concurrent runs never undo each other.

A preview comes from CI's artifact, which a pull request's code made: it is untrusted data. It is
published only when its PR number is a number, its head SHA is the CI run's and still the pull
request's head (a pull request cannot overwrite another's preview), it holds only regular files and
folders (no symbolic link, no .git) and stays under MAX_SITE_BYTES. Its files are copied, never run.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from site_gen.actions_bot import GitError, default_remote, git, has_branch, push, write_outputs

BRANCH = "gh-pages"
PREVIEWS = "pr-preview"
KEPT_BY_DEPLOY = frozenset({".git", PREVIEWS, "CNAME"})
RETRY_WAITS = (5, 10, 15, 20)  # seconds before each attempt after the first
MAX_SITE_BYTES = 500 * 1024 * 1024
_PR_NUMBER = re.compile(r"[1-9][0-9]{0,9}")
_COMMIT_SHA = re.compile(r"[0-9a-f]{40}")


class PagesError(Exception):
    """Nothing was pushed; the message says what is wrong and how to fix it."""


class RefusedArtifact(PagesError):
    pass


# --- the preview artifact -----------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewArtifact:
    number: int
    head_sha: str
    site: Path


def read_preview_artifact(folder: Path, run_head_sha: str) -> PreviewArtifact:
    """The artifact CI uploaded (site/, pr-number, head-sha), if it is safe to publish."""
    _check_files(folder)
    number = _small_text(folder / "pr-number")
    if not _PR_NUMBER.fullmatch(number):
        raise RefusedArtifact(f"the artifact's PR number {number!r} is not a pull request number — it was not written by CI's 'Package the preview' step; nothing is published")
    head_sha = _small_text(folder / "head-sha")
    if not _COMMIT_SHA.fullmatch(head_sha):
        raise RefusedArtifact(f"the artifact's head SHA {head_sha!r} is not 40 hex digits — it was not written by CI's 'Package the preview' step; nothing is published")
    if head_sha != run_head_sha:
        raise RefusedArtifact(f"the artifact's head SHA {head_sha} is not the CI run's ({run_head_sha}) — the artifact belongs to another commit; nothing is published")
    if not (folder / "site" / "index.html").is_file():
        raise RefusedArtifact("the artifact has no site/index.html — CI's build did not produce a site; nothing is published")
    return PreviewArtifact(int(number), head_sha, folder / "site")


def _small_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(80)
    except OSError:
        raise RefusedArtifact(f"the artifact has no readable {path.name} file — it was not made by CI's 'Package the preview' step; nothing is published") from None
    return data.decode("ascii", errors="replace").strip()


def _check_files(folder: Path) -> None:
    """Only regular files and folders, no .git, at most MAX_SITE_BYTES: a link could make the copy
    publish the runner's files, and a .git folder would be read by git as a repository."""
    if not folder.is_dir() or folder.is_symlink():
        raise RefusedArtifact(f"{folder} is not a folder — download the artifact there first")
    total = 0
    for parent, folders, files in os.walk(folder):
        for name in (*folders, *files):
            path = Path(parent, name)
            shown = path.relative_to(folder).as_posix()
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                raise RefusedArtifact(f"the artifact holds a symbolic link, {shown!r} — a preview may hold only files and folders; nothing is published")
            if name == ".git":
                raise RefusedArtifact(f"the artifact holds a .git folder, {shown!r} — a preview may not hold a repository; nothing is published")
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise RefusedArtifact(f"the artifact holds {shown!r}, which is not a file or a folder — nothing is published")
            if stat.S_ISREG(mode):
                total += os.lstat(path).st_size
                if total > MAX_SITE_BYTES:
                    raise RefusedArtifact(f"the artifact is larger than {MAX_SITE_BYTES // 2**20} MB — a preview must stay small; nothing is published")


# --- changing the branch ------------------------------------------------------------------------


@contextmanager
def _pages_checkout(remote: str) -> Iterator[Path]:
    """A shallow clone of gh-pages in a temporary folder, or a new orphan branch if there is none."""
    with tempfile.TemporaryDirectory(prefix="site-gen-pages-") as scratch:
        checkout = Path(scratch, "pages")
        if has_branch(remote, BRANCH):
            git("clone", "--quiet", "--depth", "1", "--branch", BRANCH, "--single-branch", remote, str(checkout), remote=remote)
        else:
            git("init", "--quiet", "--initial-branch", BRANCH, str(checkout))
        yield checkout


def update_pages(remote: str, change: Callable[[Path], bool], message: str) -> bool:
    """Apply `change` to a fresh checkout of gh-pages and push it as one commit, again on the new
    tip while another push beats ours. `change` returns False when there is nothing to do. Returns
    whether a commit was pushed."""
    refusal = ""
    for wait in (0, *RETRY_WAITS):
        time.sleep(wait)
        with _pages_checkout(remote) as checkout:
            if not change(checkout):
                return False
            git("add", "--all", ".", cwd=checkout)
            if git("diff", "--cached", "--quiet", cwd=checkout, check=False).returncode == 0:
                return False
            git("commit", "--quiet", "-m", message, cwd=checkout)
            refusal = push(checkout, remote, BRANCH) or ""
            if not refusal:
                return True
    raise PagesError(f"could not push to {BRANCH} after {len(RETRY_WAITS) + 1} attempts ({refusal}) — check that the workflow has contents: write, then re-run it")


def preview_path(number: int) -> str:
    return f"{PREVIEWS}/pr-{number}"


def deploy(site: Path, remote: str, sha: str) -> bool:
    """Make gh-pages hold `site`, keeping pr-preview/ and CNAME."""
    if not (site / "index.html").is_file():
        raise PagesError(f"{site} has no index.html — build the site first (make site)")
    if (site / PREVIEWS).exists():
        raise PagesError(f"the site has its own {PREVIEWS}/ folder — that path on {BRANCH} belongs to the previews; rename the page")

    def replace_site(checkout: Path) -> bool:
        for entry in checkout.iterdir():
            if entry.name in KEPT_BY_DEPLOY:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        shutil.copytree(site, checkout, dirs_exist_ok=True)
        (checkout / ".nojekyll").touch()  # serve the files as they are, without Jekyll
        return True

    return update_pages(remote, replace_site, f"Deploy {sha}")


def publish_preview(folder: Path, run_head_sha: str, remote: str, current_head: Callable[[int], str]) -> tuple[PreviewArtifact, bool]:
    """Publish the artifact in `folder` as its pull request's preview, unless the pull request has
    moved on to a newer commit (`current_head(number)` asks GitHub), whose own CI run publishes it.
    Returns the artifact and whether it was published."""
    artifact = read_preview_artifact(folder, run_head_sha)
    if current_head(artifact.number) != artifact.head_sha:
        return artifact, False

    def replace_preview(checkout: Path) -> bool:
        target = checkout / preview_path(artifact.number)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(artifact.site, target)
        return True

    update_pages(remote, replace_preview, f"Preview of #{artifact.number} at {artifact.head_sha}")
    return artifact, True


def remove_preview(number: int, remote: str) -> bool:
    if not has_branch(remote, BRANCH):
        return False

    def delete_preview(checkout: Path) -> bool:
        target = checkout / preview_path(number)
        if not target.is_dir():
            return False
        shutil.rmtree(target)
        return True

    return update_pages(remote, delete_preview, f"Remove the preview of #{number} (pull request closed)")


# --- GitHub -------------------------------------------------------------------------------------


def pull_request_head(repository: str, number: int) -> str:
    """The commit pull request `number` points at now, from GitHub's API (with $GH_TOKEN)."""
    result = subprocess.run(["gh", "api", f"repos/{repository}/pulls/{number}", "--jq", ".head.sha"], capture_output=True, text=True)
    if result.returncode != 0:
        raise PagesError(f"cannot read pull request #{number} of {repository}: {result.stderr.strip()} — check that GH_TOKEN is set and the workflow has pull-requests: read")
    return result.stdout.strip()


# --- the commands -------------------------------------------------------------------------------


def _remote(value: str | None) -> str:
    remote = value or default_remote()
    if not remote:
        raise PagesError("no repository to push to — pass --remote, or run under GitHub Actions (which sets GITHUB_REPOSITORY)")
    return remote


@contextmanager
def _errors_reported() -> Iterator[None]:
    try:
        yield
    except (PagesError, GitError) as error:
        click.echo(f"site-gen pages: error: {error}", err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(f"site-gen pages: error: cannot copy {error.filename}: {error.strerror} — check the disk space and the files' permissions; nothing was pushed", err=True)
        sys.exit(1)


remote_option = click.option("--remote", help="The repository to push to: a URL or a path (default: this GitHub repository; the token is $GH_TOKEN).")


@click.group()
def pages() -> None:
    """Publish to the gh-pages branch: the site, and a preview per pull request."""


@pages.command("deploy")
@click.argument("site", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--sha", required=True, help="The commit the site was built from, for the commit message.")
@remote_option
def deploy_command(site: Path, sha: str, remote: str | None) -> None:
    """Replace everything on gh-pages but pr-preview/ and CNAME with SITE."""
    with _errors_reported():
        pushed = deploy(site, _remote(remote), sha)
    click.echo(f"{BRANCH}: deployed {sha}" if pushed else f"{BRANCH}: the site has not changed")


@pages.command("publish-preview")
@click.argument("artifact", type=click.Path(file_okay=False, path_type=Path))
@click.option("--run-head-sha", required=True, help="The head SHA GitHub reports for the CI run that made the artifact.")
@click.option("--repository", envvar="GITHUB_REPOSITORY", required=True, help="owner/name, whose pull request must still point at that SHA (default: $GITHUB_REPOSITORY).")
@remote_option
def publish_preview_command(artifact: Path, run_head_sha: str, repository: str, remote: str | None) -> None:
    """Publish CI's preview artifact (ARTIFACT/site, pr-number, head-sha) under pr-preview/pr-<N>/.

    Sets the step outputs `number` and `published` (false when the pull request has moved on to a
    newer commit, whose own CI run publishes it)."""
    with _errors_reported():
        preview, published = publish_preview(artifact, run_head_sha, _remote(remote), lambda number: pull_request_head(repository, number))
    write_outputs(number=str(preview.number), published=str(published).lower())
    if published:
        click.echo(f"{BRANCH}: published #{preview.number} at {preview_path(preview.number)}/")
    else:
        click.echo(f"#{preview.number} has moved on from {preview.head_sha}: its own CI run publishes its preview")


@pages.command("remove-preview")
@click.argument("number", type=click.IntRange(min=1))
@remote_option
def remove_preview_command(number: int, remote: str | None) -> None:
    """Delete pr-preview/pr-NUMBER/ from gh-pages (nothing else)."""
    with _errors_reported():
        removed = remove_preview(number, _remote(remote))
    click.echo(f"{BRANCH}: removed {preview_path(number)}/" if removed else f"{BRANCH}: no preview of #{number} to remove")
