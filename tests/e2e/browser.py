"""Helpers for the browser tests: a real HTTP server for a built site, a Chromium-based browser driven
by Playwright (the system's, never a downloaded one), and a watcher that records everything a reader would
count as broken (console errors, script errors, failed or 4xx/5xx requests, dialogs)."""

from __future__ import annotations

import functools
import os
import shutil
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Mapping

import yaml

from tests.conftest import REPO_ROOT

# Where the browser is: $BROWSER_PATH when set, else $CHROME_BIN (GitHub's hosted runners set it to
# their preinstalled Google Chrome), else the first of these on PATH (Debian's chromium first).
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def find_browser(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The Chromium-based browser the tests drive, or None when there is none."""
    for variable in ("BROWSER_PATH", "CHROME_BIN"):
        if environ.get(variable):
            return Path(environ[variable])
    found = (shutil.which(name, path=environ.get("PATH")) for name in BROWSER_NAMES)
    return next((Path(path) for path in found if path), None)


def missing_browser_message(environ: Mapping[str, str] = os.environ) -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    browser = find_browser(environ)
    if browser is None:
        return f"no browser found (none of {', '.join(BROWSER_NAMES)} on PATH) — `make install` installs Debian's chromium, or set BROWSER_PATH"
    if not os.access(browser, os.X_OK):
        return f"{browser} is not an executable browser — set BROWSER_PATH to one"
    return None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class SiteServer:
    """Serves `directory` (which may not exist yet: the site is built after the port is known, so
    that its absolute URLs point here) on a free port of 127.0.0.1."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, name="site-server", daemon=True)

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass
class Problems:
    """What went wrong on the pages of one test, in the words a bug report would use."""

    items: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.items.append(f"console error on {page.url}: {msg.text}"))
        page.on("pageerror", lambda error: self.items.append(f"script error on {page.url}: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", lambda response: response.status >= 400
                and self.items.append(f"HTTP {response.status} for {response.url}"))
        page.on("dialog", self._dialog)

    def _request_failed(self, request) -> None:
        # ERR_ABORTED is the page cancelling its own request (the test moved on to the next page
        # while, say, the search index was loading); a missing file or refused connection is not.
        if request.failure != "net::ERR_ABORTED":
            self.items.append(f"request failed: {request.url} ({request.failure})")

    def _dialog(self, dialog) -> None:
        self.items.append(f"a script opened a {dialog.type} dialog: {dialog.message!r}")
        dialog.dismiss()


def fold(text: str) -> str:
    """Lower case without accents, as the text filter compares."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def venue_name(venue: str) -> str:
    """The venue filter's key: the venue without its year and what follows ("NeurIPS 2022 Workshop" -> "NeurIPS")."""
    text = " ".join(venue.split())
    match = re.match(r"^(.*?)[\s,(]*\b(?:1[89]|2\d)\d\d\b", text)
    return (match.group(1).strip() if match else "") or text


@functools.cache
def seed_papers() -> tuple[dict, ...]:
    """The repository's papers as plain data, read straight from the YAML (not through site_gen)."""
    papers = []
    for path in sorted((REPO_ROOT / "papers").glob("*.yml")):
        if path.name.startswith("_"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["id"] = path.stem
        data["title"] = " ".join(data["title"].split())
        papers.append(data)
    return tuple(papers)


@functools.cache
def seed_taxonomy() -> dict:
    return yaml.safe_load((REPO_ROOT / "papers" / "_taxonomy.yml").read_text(encoding="utf-8"))


def listing_text(paper: dict) -> str:
    """What the text filter searches in a listing: title, authors, venue (or year) and tag titles."""
    tags = {tag["slug"]: tag["title"] for tag in seed_taxonomy()["tags"]}
    return fold(" ".join([paper["title"], *paper["authors"], str(paper.get("venue") or paper["year"]),
                          *(tags[tag] for tag in paper["tags"])]))


def newest_first(papers) -> list[dict]:
    """The listing order without JavaScript: year descending, then title (case-insensitive)."""
    return sorted(papers, key=lambda p: (-p["year"], p["title"].lower()))


def axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def dumps(value) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False)
