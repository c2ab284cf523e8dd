"""Build a real site (site-gen build, then mkdocs build --strict) from a paper list folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

BIN = Path(sys.executable).parent


def builder_env() -> dict[str, str]:
    """The environment MkDocs and site-gen run in for the tests: no banner, no GitHub annotations."""
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "GITHUB_ACTIONS": "false"}


def generate(root: Path, site_url: str | None = None) -> dict[str, str]:
    """Set up the list in `root` (which holds papers/ and docs/) with the repository's mkdocs.yml
    and run `site-gen build`; returns the environment for the builder."""
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    if not (root / "docs").exists() or not any((root / "docs").iterdir()):
        shutil.copytree(REPO_ROOT / "docs", root / "docs", dirs_exist_ok=True)
    env = builder_env()
    if site_url:
        env["SITE_URL"] = site_url
    subprocess.run([BIN / "site-gen", "build", "--root", root], check=True, env=env, capture_output=True, text=True)
    return env


def build_site(root: Path, site_url: str | None = None, pages_per_run: int | None = None, runs: int = 1,
               site_dir: str = "site", **plugin_options: object) -> Path:
    """Generate and build the site of the list in `root` (which holds papers/ and docs/) with the
    repository's mkdocs.yml and these options of the paper-list plugin, indexed for search in
    `runs` Pagefind runs of at most `pages_per_run` pages; returns the built site folder."""
    env = generate(root, site_url)
    if pages_per_run:
        plugin_options["search_pages_per_run"] = pages_per_run
    if plugin_options:
        config = root / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        assert "\n  - paper-list\n" in text
        lines = "".join(f"\n      {name}: {json.dumps(value)}" for name, value in plugin_options.items())
        config.write_text(text.replace("\n  - paper-list\n", f"\n  - paper-list:{lines}\n"), encoding="utf-8")
    site = root / site_dir
    proc = subprocess.run(
        [BIN / "mkdocs", "build", "--strict", "--config-file", root / "mkdocs.yml", "--site-dir", site],
        env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    if plugin_options.get("search_index", True):  # the plugin has indexed the site while MkDocs built it
        assert f"in {runs} Pagefind run(s)" in proc.stderr, proc.stderr[-4000:]
    return site


def copy_repository_list(destination: Path) -> Path:
    """The repository's own paper list, copied so tests never write into the working tree."""
    destination.mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "papers", destination / "papers")
    shutil.copytree(REPO_ROOT / "docs", destination / "docs")
    return destination
