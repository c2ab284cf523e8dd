"""Build a real site (site-gen build, then mkdocs build --strict) from a paper list folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

BIN = Path(sys.executable).parent


def generate(root: Path, site_url: str | None = None) -> dict[str, str]:
    """Set up the list in `root` (which holds papers/ and docs/) with the repository's mkdocs.yml
    and run `site-gen build`; returns the environment for the builder."""
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    if not (root / "docs").exists() or not any((root / "docs").iterdir()):
        shutil.copytree(REPO_ROOT / "docs", root / "docs", dirs_exist_ok=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "GITHUB_ACTIONS": "false"}
    if site_url:
        env["SITE_URL"] = site_url
    subprocess.run([BIN / "site-gen", "build", "--root", root], check=True, env=env, capture_output=True, text=True)
    return env


def build_site(root: Path, site_url: str | None = None, pages_per_run: int | None = None, runs: int = 1) -> Path:
    """Generate and build the site of the list in `root` (which holds papers/ and docs/) with the
    repository's mkdocs.yml, and index it for search in `runs` Pagefind runs of at most
    `pages_per_run` pages; returns the built site folder."""
    env = generate(root, site_url)
    site = root / "site"
    proc = subprocess.run(
        [BIN / "mkdocs", "build", "--strict", "--config-file", root / "mkdocs.yml", "--site-dir", site],
        env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    # Search: Pagefind indexes the built site, as `make site` does.
    per_run = ("--pages-per-run", str(pages_per_run)) if pages_per_run else ()
    proc = subprocess.run([BIN / "site-gen", "search-index", "--site", site, *per_run], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert f"in {runs} Pagefind run(s)" in proc.stdout, proc.stdout
    return site


def copy_repository_list(destination: Path) -> Path:
    """The repository's own paper list, copied so tests never write into the working tree."""
    destination.mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "papers", destination / "papers")
    shutil.copytree(REPO_ROOT / "docs", destination / "docs")
    return destination
