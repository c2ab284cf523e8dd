"""What the workflows' bot needs from its runner: `git` as the bot runs it — argument lists (never a
shell line), the bot's name on its commits, and the token as an HTTP header that git reads from
its environment, so it is never in a URL, a command line or an error message — and the step
outputs it leaves for the workflow's later steps.
"""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
TOKEN_ENV = "GH_TOKEN"


class GitError(Exception):
    """A git command failed; the message says which and what git said."""


def default_remote() -> str | None:
    """The repository this workflow runs for, from the variables GitHub Actions sets."""
    repository = os.environ.get("GITHUB_REPOSITORY")
    if not repository:
        return None
    return f"{os.environ.get('GITHUB_SERVER_URL', 'https://github.com')}/{repository}.git"


def _environment(remote: str) -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    token = os.environ.get(TOKEN_ENV)
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    if token and remote.startswith(server + "/"):
        # What actions/checkout configures, given through the environment (git 2.31+).
        credentials = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        count = int(env.get("GIT_CONFIG_COUNT", "0"))
        env.update({"GIT_CONFIG_COUNT": str(count + 1), f"GIT_CONFIG_KEY_{count}": f"http.{server}/.extraheader",
                    f"GIT_CONFIG_VALUE_{count}": f"AUTHORIZATION: basic {credentials}"})
    return env


def git(*args: str, cwd: Path | None = None, remote: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `git args...`; `remote` is the URL the command talks to, for its credentials."""
    identity = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "-c", "commit.gpgsign=false"]
    result = subprocess.run(["git", *identity, *args], cwd=cwd, env=_environment(remote), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise GitError(f"`git {args[0]}` failed: {result.stderr.strip() or result.stdout.strip()}")
    return result


def has_branch(remote: str, branch: str) -> bool:
    result = git("ls-remote", "--exit-code", "--heads", remote, f"refs/heads/{branch}", remote=remote, check=False)
    if result.returncode == 2:  # --exit-code: the remote answered, without that branch
        return False
    if result.returncode != 0:
        raise GitError(f"cannot read {remote}: {result.stderr.strip()}")
    return True


def push(checkout: Path, remote: str, branch: str, force: bool = False) -> str | None:
    """Push HEAD to `branch` and nothing else; what git said when the remote refused it (most
    often because another commit landed first), else None."""
    refspec = f"{'+' if force else ''}HEAD:refs/heads/{branch}"
    result = git("push", "--quiet", remote, refspec, cwd=checkout, remote=remote, check=False)
    return (result.stderr.strip() or "refused") if result.returncode != 0 else None


def push_branch(checkout: Path, files: list[Path], message: str, branch: str, remote: str) -> None:
    """Commit `files` on `branch`, made again from the checkout's HEAD, and force-push that branch
    only: the bot's branch holds one commit on top of the default branch, whatever it held before."""
    git("switch", "--quiet", "--force-create", branch, cwd=checkout)
    git("add", "--", *(str(path.relative_to(checkout)) for path in files), cwd=checkout)
    git("commit", "--quiet", "-m", message, cwd=checkout)
    refusal = push(checkout, remote, branch, force=True)
    if refusal:
        raise GitError(f"could not push {branch}: {refusal}")


def write_outputs(**values: str) -> None:
    """Step outputs for the workflow's later steps ($GITHUB_OUTPUT), when run by GitHub Actions."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.writelines(f"{name}={value}\n" for name, value in values.items())
