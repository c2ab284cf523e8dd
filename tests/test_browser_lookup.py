"""Which browser the browser tests drive, and what happens without one: a skip on a contributor's
machine, a failure in CI (a skip there would hide that the browser tests never ran)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.e2e.browser import find_browser, missing_browser_message


def executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\necho 'Chromium 1.0'\n")
    path.chmod(0o755)
    return path


def test_browser_path_comes_first_then_chrome_bin_then_path(tmp_path: Path):
    on_path = executable(tmp_path / "bin", "google-chrome")
    chrome_bin = executable(tmp_path / "runner", "chrome")
    named = executable(tmp_path / "mine", "my-chromium")
    environ = {"PATH": str(on_path.parent)}
    assert find_browser(environ) == on_path
    assert find_browser({**environ, "CHROME_BIN": str(chrome_bin)}) == chrome_bin
    assert find_browser({**environ, "CHROME_BIN": str(chrome_bin), "BROWSER_PATH": str(named)}) == named


def test_debian_chromium_is_preferred_on_path(tmp_path: Path):
    chrome = executable(tmp_path / "a", "google-chrome")
    chromium = executable(tmp_path / "b", "chromium")
    assert find_browser({"PATH": f"{chrome.parent}{os.pathsep}{chromium.parent}"}) == chromium


def test_a_missing_or_unusable_browser_says_how_to_fix_it(tmp_path: Path):
    empty = {"PATH": str(tmp_path)}
    assert find_browser(empty) is None
    assert "set BROWSER_PATH" in missing_browser_message(empty)
    not_executable = tmp_path / "chromium.txt"
    not_executable.write_text("")
    assert "not an executable browser" in missing_browser_message({**empty, "BROWSER_PATH": str(not_executable)})
    assert missing_browser_message({"PATH": str(executable(tmp_path / "bin", "chromium").parent)}) is None


@pytest.mark.parametrize(("ci", "outcome"), [(None, "skipped"), ("true", "error")])
def test_without_a_browser_the_browser_tests_skip_except_in_ci(tmp_path: Path, ci: str | None, outcome: str):
    """A test that needs the browser fixture, run by a real pytest with the browser tests' fixtures
    and no browser anywhere."""
    (tmp_path / "test_needs_browser.py").write_text("def test_opens(browser):\n    pass\n")
    env = {key: value for key, value in os.environ.items() if key not in ("BROWSER_PATH", "CHROME_BIN", "CI")}
    env["PATH"] = str(Path(sys.executable).parent)  # python, and no browser
    if ci:
        env["CI"] = ci
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.e2e.conftest", "-p", "no:cacheprovider", "-q", "-rA",
         "--rootdir", tmp_path, tmp_path / "test_needs_browser.py"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    summary = proc.stdout.strip().splitlines()[-1]
    assert f"1 {outcome}" in summary, proc.stdout[-3000:]
    assert "no browser found" in proc.stdout
