"""Benchmark `site-gen` and the site build through the command line, on synthetic paper lists.

    .venv/bin/python bench/run.py --sizes 1000,10000 --repeat 3 [--repeat-slow 10000:1]
                                  [--only check_cold,build_cold] [--keep] [--profile]

For each size a fresh folder gets a synthetic list (bench/synthetic.py); every measurement runs
in its own subprocess, `--repeat` times, and is reported as median and min-max, with a ratio to
its reference measured in the same run. The tables go to stdout, bench/results/<timestamp>.md
(with the raw samples in <timestamp>.json) and bench/RESULTS.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import http.server
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import yaml

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import synthetic  # noqa: E402

BIN = Path(sys.executable).parent  # the venv's bin/ (site-gen, mkdocs)
RESULTS_DIR = BENCH / "results"

FAST = ["reference_read", "reference_libyaml", "check_cold", "check_warm", "build_cold",
        "build_warm_edit", "build_warm_add", "build_warm_delete"]
SLOW = ["site_full", "mkdocs_plain", "search", "search_plain"]
ITEMS = FAST + SLOW

# Top-level entries of the work folder that the harness itself creates.
OURS = {"papers", "docs", "mkdocs.yml", "site", "site-plain", "mkdocs-plain.yml"}
# Requests whose path says they serve search (Material's index and worker, Pagefind's files).
SEARCH_PATH = re.compile(r"search|pagefind|lunr|worker", re.I)
RESULT_SELECTOR = ".md-search-result__item, .pagefind-ui__result, [data-search-result]"
SEARCH_INPUTS = [".md-search__input", "input[type=search]", "[role=search] input", "#search input"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 # Offline and local: every other host fails at once (e.g. Material's Google Fonts).
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Running one command and measuring it

@dataclass
class Run:
    seconds: float          # wall clock
    cpu: float              # user + sys of the process and every descendant it waited for
    max_rss_mb: float       # peak resident set of the largest of those processes
    returncode: int
    output: str             # stdout + stderr (tail)
    inner: float | None = None  # time the process reported for its own work (references)


def run_command(argv: list[str | Path], cwd: Path | None = None, env: dict | None = None, timeout: float = 7200) -> Run:
    """Run in a fresh process; wall time from spawn to exit, rusage from wait4 (which covers the
    process and every child it waited for, so `make`/`sh` wrappers report their children's peak)."""
    out = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.002)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    out.close()
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, text[-6000:])


def tool_env(work: Path) -> dict[str, str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "GITHUB_ACTIONS": "false", "XDG_CACHE_HOME": str(work / ".cache")}
    env.pop("SITE_URL", None)
    return env


# The references: what the generator is compared with. They time their own loop (excluding the
# interpreter's start, ~20 ms), over every *.yml in papers/ (the taxonomy included), read in order.
REFERENCE_SCRIPT = {
    "reference_read": textwrap.dedent("""
        import sys, time, os
        d = sys.argv[1]
        t = time.perf_counter()
        names = sorted(n for n in os.listdir(d) if n.endswith('.yml'))
        total = 0
        for n in names:
            with open(os.path.join(d, n), 'rb') as f:
                total += len(f.read())
        print(time.perf_counter() - t, len(names), total)
    """),
    "reference_libyaml": textwrap.dedent("""
        import sys, time, os, yaml
        d = sys.argv[1]
        t = time.perf_counter()
        names = sorted(n for n in os.listdir(d) if n.endswith('.yml'))
        docs = []
        for n in names:
            with open(os.path.join(d, n), 'rb') as f:
                docs.append(yaml.load(f.read(), Loader=yaml.CSafeLoader))
        print(time.perf_counter() - t, len(docs), 0)
    """),
}


# ---------------------------------------------------------------------------------------------
# Results

@dataclass
class Item:
    name: str
    runs: list[Run] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def values(self) -> list[float]:
        return [r.inner if r.inner is not None else r.seconds for r in self.runs if r.returncode == 0]

    @property
    def median(self) -> float | None:
        values = self.values()
        return statistics.median(values) if values else None


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 0.1:
        return f"{value * 1000:.0f} ms"
    if value < 10:
        return f"{value:.2f} s"
    return f"{value:.0f} s" if value >= 100 else f"{value:.1f} s"


def fmt_bytes(value: float | None) -> str:
    if value is None:
        return "—"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.0f} B"


def fmt_range(values: list[float], fmt: Callable[[float], str]) -> str:
    if not values:
        return "—"
    if len(values) == 1:
        return "(1 run)"
    return f"{fmt(min(values))} – {fmt(max(values))}"


# ---------------------------------------------------------------------------------------------
# The work folder

class Workspace:
    def __init__(self, root: Path, size: int, seed: int):
        self.root = root
        self.size = size
        self.papers = root / "papers"
        log(f"n={size}: writing the synthetic list into {root}")
        started = time.perf_counter()
        self.synthetic, self.notes = synthetic.generate(root, size, seed)
        files = [p for p in self.papers.glob("*.yml")]
        self.data_bytes = sum(p.stat().st_size for p in files)
        self.data_files = len(files)
        log(f"n={size}: {self.data_files} files, {self.data_bytes / 1e6:.1f} MB in {time.perf_counter() - started:.0f} s")
        self.env = tool_env(root)
        self.ids = sorted(self.synthetic.records)
        # Papers the warm measurements touch, away from the ones the search measurement uses.
        self._edit_pool = self.ids[len(self.ids) // 2:]
        self._delete_pool = self.ids[len(self.ids) // 3: len(self.ids) // 2]
        self.edits = 0
        self.state_seen: dict[str, int] = {}  # tool state seen in the folder -> largest size

    # -- state the tool keeps between runs ------------------------------------------------------
    def tool_state(self) -> list[Path]:
        """Everything in the folder that neither the harness nor build/docs accounts for: caches
        under build/ or .cache/, or any other new file or folder the tool leaves behind."""
        found: list[Path] = []
        for entry in self.root.iterdir():
            if entry.name in OURS:
                continue
            if entry.name == "build" and entry.is_dir():
                found.extend(e for e in entry.iterdir() if e.name != "docs")
            else:
                found.append(entry)
        found.extend(e for e in self.papers.iterdir() if not (e.suffix == ".yml" and e.is_file()))
        return found

    def record_state(self) -> None:
        for path in self.tool_state():
            name = path.relative_to(self.root).as_posix() + ("/" if path.is_dir() else "")
            self.state_seen[name] = max(self.state_seen.get(name, 0), du(path)[0])

    def make_cold(self, *, output: bool = True, site: bool = False) -> None:
        """Remove every cache the tool may have made (and, if asked, its output and the site)."""
        self.record_state()
        for path in self.tool_state():
            remove(path)
        if output:
            remove(self.root / "build")
        if site:
            remove(self.root / "site")

    # -- edits ----------------------------------------------------------------------------------
    def edit_one(self) -> str:
        """Change one paper's abstract (a different paper and text each time)."""
        self.edits += 1
        paper_id = self._edit_pool[(self.edits * 7919) % len(self._edit_pool)]
        record = self.synthetic.records[paper_id]
        record["abstract"] = record["abstract"].rstrip(".") + f" (benchmark edit {self.edits})."
        synthetic.write_paper(self.papers, paper_id, record)
        return paper_id

    def add_one(self) -> str:
        paper_id, record = self.synthetic.extra_record()
        synthetic.write_paper(self.papers, paper_id, record)
        self.ids.append(paper_id)
        return paper_id

    def delete_one(self) -> str:
        paper_id = self._delete_pool.pop()
        (self.papers / f"{paper_id}.yml").unlink()
        self.synthetic.records.pop(paper_id)
        self.ids.remove(paper_id)
        return paper_id

    # -- commands -------------------------------------------------------------------------------
    def site_gen(self, command: str) -> Run:
        return run_command([BIN / "site-gen", command, "--root", self.root], cwd=self.root, env=self.env)

    def make_site(self, via_make: bool) -> Run:
        if via_make:
            return run_command(make_site_argv(self.root), cwd=self.root, env=self.env)
        script = " && ".join(f"{BIN}/{command}" for command in FALLBACK_SITE)
        return run_command(["sh", "-c", script], cwd=self.root, env=self.env)


def remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def du(path: Path) -> tuple[int, int, int]:
    """(apparent bytes, bytes on disk, files) under path."""
    if path.is_file():
        st = path.stat()
        return st.st_size, st.st_blocks * 512, 1
    size = disk = count = 0
    for folder, _, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(folder, name))
            size += st.st_size
            disk += st.st_blocks * 512
            count += 1
    return size, disk, count


def make_site_argv(root: Path) -> list[str]:
    """`make site` with the repository's Makefile, run in the work folder with the repository's
    venv, so the harness follows the Makefile if the site recipe changes. `-o install` skips the
    installation steps (pip, npm)."""
    return ["make", "--no-print-directory", "-f", str(REPO / "Makefile"), "-C", str(root), "-o", "install", "site",
            f"BIN={BIN}", f"VENV={BIN.parent}"]


FALLBACK_SITE = ["site-gen build", "mkdocs build --strict --site-dir site"]


def site_commands(root: Path) -> tuple[list[str], bool]:
    """What `make site` runs (from `make -n`), and whether the harness can run it through make:
    not if the recipe would install anything, then it runs the two commands of the original
    recipe itself."""
    proc = subprocess.run([*make_site_argv(root), "-n"], capture_output=True, text=True, cwd=root)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines or any(re.search(r"\b(pip|npm|npx|apt-get)\b", line) for line in lines):
        return [f"{BIN}/{command}" for command in FALLBACK_SITE], False
    return lines, True


def plain_config(root: Path) -> Path:
    """The naive set-up: Material with no features, the built-in search plugin, the Markdown
    extensions the repository's site uses (its mkdocs.yml's and those its plugin adds) and the
    generated nav; no plugins of ours, no hooks, no extra CSS or JavaScript."""
    from mkdocs.config import load_config

    site_config = load_config(str(root / "mkdocs.yml"))
    site_config = site_config.plugins.on_config(site_config)
    extensions = [
        {name: site_config.mdx_configs[name]} if name in site_config.mdx_configs else name
        for name in site_config.markdown_extensions
    ]
    config = {
        "INHERIT": "build/docs/.nav.yml",
        "site_name": site_config.site_name or "Paper list",
        "docs_dir": "build/docs",
        "theme": {"name": "material"},
        "plugins": ["search"],
        "markdown_extensions": extensions,
    }
    path = root / "mkdocs-plain.yml"
    path.write_text("# Written by bench/run.py: the plain MkDocs reference.\n" + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Measurements

def written_count(output: str) -> str:
    match = re.search(r"(\d+) written", output)
    if match:
        return match.group(1)
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:80] if lines else "?"


def failure(run: Run) -> str:
    lines = [line for line in run.output.splitlines() if line.strip()]
    tail = " / ".join(lines[-3:])[-400:]
    return f"exit {run.returncode}: {tail}"


class Bench:
    def __init__(self, ws: Workspace, repeat: int, repeat_slow: int, only: set[str]):
        self.ws = ws
        self.repeat = repeat
        self.repeat_slow = repeat_slow
        self.only = only
        self.items: dict[str, Item] = {}
        self.have_site = False
        self.have_plain = False

    def wanted(self, name: str) -> bool:
        return name in self.only

    def measure(self, name: str, once: Callable[[Item], Run | None], repeat: int) -> Item:
        item = self.items.setdefault(name, Item(name))
        for i in range(repeat):
            try:
                run = once(item)
            except Exception as error:  # noqa: BLE001 — report and go on with the next item
                item.error = f"{type(error).__name__}: {error}"[:500]
                log(f"n={self.ws.size} {name}: {item.error}")
                break
            if run is None:
                continue
            item.runs.append(run)
            shown = run.inner if run.inner is not None else run.seconds
            log(f"n={self.ws.size} {name} #{i + 1}: {fmt_seconds(shown)}, {run.max_rss_mb:.0f} MB"
                + ("" if run.returncode == 0 else f" — FAILED {failure(run)}"))
            if run.returncode != 0:
                item.error = failure(run)
                break
        return item

    def run_all(self) -> None:
        ws = self.ws
        for name in ("reference_read", "reference_libyaml"):
            if self.wanted(name):
                def once(item: Item, name: str = name) -> Run:
                    run = run_command([sys.executable, "-c", REFERENCE_SCRIPT[name], ws.papers], env=ws.env)
                    if run.returncode == 0:
                        seconds, files, total = run.output.split()[:3]
                        run.inner = float(seconds)
                        item.extra.update(files=int(files), bytes=int(total) or ws.data_bytes)
                    return run
                self.measure(name, once, self.repeat)

        if self.wanted("check_cold"):
            def check_cold(item: Item) -> Run:
                ws.make_cold()
                run = ws.site_gen("check")
                ws.record_state()
                return run
            self.measure("check_cold", check_cold, self.repeat)

        if self.wanted("check_warm"):
            ws.site_gen("check")  # whatever the tool may cache, it has now

            def check_warm(item: Item) -> Run:
                ws.edit_one()
                run = ws.site_gen("check")
                ws.record_state()
                return run
            self.measure("check_warm", check_warm, self.repeat)

        if self.wanted("build_cold"):
            def build_cold(item: Item) -> Run:
                ws.make_cold()
                run = ws.site_gen("build")
                ws.record_state()
                if run.returncode == 0:
                    item.extra.setdefault("written", []).append(written_count(run.output))
                return run
            self.measure("build_cold", build_cold, self.repeat)

        warm = [("build_warm_edit", ws.edit_one), ("build_warm_add", ws.add_one), ("build_warm_delete", ws.delete_one)]
        for name, change in warm:
            if not self.wanted(name):
                continue
            if not (ws.root / "build").exists():
                ws.site_gen("build")
            ws.site_gen("build")  # settle: the first warm run must only see its own change

            def build_warm(item: Item, change: Callable[[], str] = change) -> Run:
                change()
                run = ws.site_gen("build")
                ws.record_state()
                if run.returncode == 0:
                    item.extra.setdefault("written", []).append(written_count(run.output))
                return run
            self.measure(name, build_warm, self.repeat)

        if self.wanted("site_full"):
            item = self.items.setdefault("site_full", Item("site_full"))
            item.extra["recipe"], via_make = site_commands(ws.root)
            if not via_make:
                item.notes.append("`make -n site` would install something: ran the generate and mkdocs commands directly")

            def site_full(item: Item) -> Run:
                ws.make_cold(site=True)
                run = ws.make_site(via_make)
                ws.record_state()
                return run
            self.measure("site_full", site_full, self.repeat_slow)
            self.have_site = self.items["site_full"].error is None
            if self.have_site:
                item.extra["site"] = du(ws.root / "site")

        if self.wanted("mkdocs_plain"):
            if not (ws.root / "build" / "docs").exists():
                ws.site_gen("build")
            config = plain_config(ws.root)

            def mkdocs_plain(item: Item) -> Run:
                remove(ws.root / "site-plain")
                return run_command([BIN / "mkdocs", "build", "--config-file", config, "--site-dir", ws.root / "site-plain"],
                                   cwd=ws.root, env=ws.env)
            item = self.measure("mkdocs_plain", mkdocs_plain, self.repeat_slow)
            self.have_plain = item.error is None
            if self.have_plain:
                item.extra["site"] = du(ws.root / "site-plain")

        for name, folder, available in (("search", "site", self.have_site), ("search_plain", "site-plain", self.have_plain)):
            if not self.wanted(name):
                continue
            if not available:
                self.items[name] = Item(name, error=f"no {folder}/ to search (its build was not run or failed)")
                continue
            self.measure_search(name, ws.root / folder)

    # -- search ---------------------------------------------------------------------------------
    def search_targets(self) -> tuple[str, list[tuple[str, str]]]:
        """The page to open and two (word, paper id) queries: for a known paper, the title word
        that is rarest among all titles (so the paper should be among the first results)."""
        ids = self.ws.ids
        records = self.ws.synthetic.records
        counts: Counter[str] = Counter()
        for record in records.values():
            counts.update(set(re.findall(r"[a-z]{5,}", record["title"].lower())))
        queries = []
        for paper_id in (ids[len(ids) // 4], ids[len(ids) // 6]):
            words = re.findall(r"[a-z]{5,}", records[paper_id]["title"].lower()) or [records[paper_id]["title"].split()[0].lower()]
            queries.append((min(words, key=lambda w: (counts[w], w)), paper_id))
        return ids[len(ids) // 5], queries

    def measure_search(self, name: str, site: Path) -> None:
        page_id, queries = self.search_targets()
        item = self.items.setdefault(name, Item(name))
        item.extra["queries"] = [q for q, _ in queries]
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as error:
            item.error = f"playwright is not installed: {error}"
            return
        server = LoggingServer(site)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
                try:
                    for i in range(self.repeat_slow):
                        sample = search_once(browser, server, f"/papers/{page_id}/", queries, self.ws.synthetic.records)
                        item.extra.setdefault("samples", []).append(sample)
                        log(f"n={self.ws.size} {name} #{i + 1}: search {fmt_bytes(sample['search_raw'])} raw / "
                            f"{fmt_bytes(sample['search_gzip'])} gzip, first result {sample['first_ms']:.0f} ms, "
                            f"second {sample['second_ms']:.0f} ms")
                finally:
                    browser.close()
        except Exception as error:  # noqa: BLE001
            item.error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
            log(f"n={self.ws.size} {name}: {item.error}")
        finally:
            server.close()


class LoggingServer:
    """http.server over a folder, logging every request: when it arrived, which file, how big."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.requests: list[dict[str, Any]] = []
        lock = threading.Lock()
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def send_head(self):  # noqa: ANN201
                self._file = self.translate_path(self.path)
                if os.path.isdir(self._file):
                    self._file = os.path.join(self._file, "index.html")
                return super().send_head()

            def log_request(self, code: Any = "-", size: Any = "-") -> None:
                path = getattr(self, "_file", None)
                sent = os.path.getsize(path) if path and code == 200 and os.path.isfile(path) else 0
                with lock:
                    requests.append({"t": time.monotonic(), "path": self.path.split("?")[0], "status": int(code) if str(code).isdigit() else code,
                                     "raw": sent, "file": path if sent else None})

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def since(self, start: float, end: float | None = None) -> list[dict[str, Any]]:
        return [r for r in list(self.requests) if r["t"] >= start and (end is None or r["t"] <= end)]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@functools.lru_cache(maxsize=4096)
def gzip_size(path: str, mtime: float) -> int:
    with open(path, "rb") as handle:
        return len(gzip.compress(handle.read(), compresslevel=6))


def with_gzip(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for request in requests:
        if request.get("file") and "gzip" not in request:
            request["gzip"] = gzip_size(request["file"], os.path.getmtime(request["file"]))
        request.setdefault("gzip", 0)
    return requests


WATCH_RESULTS = """
([selector, word]) => {
  const state = window.__bench = {t0: null, t: null, word: word.toLowerCase()};
  const found = () => {
    if (state.t !== null || state.t0 === null) return;
    for (const el of document.querySelectorAll(selector)) {
      if ((el.textContent || '').toLowerCase().includes(state.word)) { state.t = performance.now(); return; }
    }
  };
  if (!window.__benchObserver) {
    window.__benchObserver = new MutationObserver(() => window.__benchFound());
    window.__benchObserver.observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true});
    document.addEventListener('keydown', () => { const s = window.__bench; if (s.t0 === null) s.t0 = performance.now(); }, true);
  }
  window.__benchFound = found;
}
"""


def wait_quiet(server: LoggingServer, quiet: float = 1.0, limit: float = 60.0) -> None:
    """Until no request has arrived for `quiet` seconds (page load, prefetches, index downloads)."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        last = max((r["t"] for r in server.requests[-20:]), default=start)
        if time.monotonic() - max(last, start) >= quiet:
            return
        time.sleep(0.05)


def search_once(browser: Any, server: LoggingServer, path: str, queries: list[tuple[str, str]], records: dict) -> dict[str, Any]:
    """A reader opens a paper page, waits for it to load, presses "/" and types a word."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        t_nav = time.monotonic()
        page.goto(server.base + path, wait_until="load", timeout=300_000)
        t_load = time.monotonic()
        wait_quiet(server)
        t_quiet = time.monotonic()
        word, paper_id = queries[0]
        page.keyboard.press("/")
        if not page.evaluate("() => ['INPUT', 'TEXTAREA'].includes(document.activeElement && document.activeElement.tagName)"):
            for selector in SEARCH_INPUTS:
                if page.locator(selector).count():
                    page.locator(selector).first.click()
                    break
        timings = []
        for word, paper_id in queries:
            page.evaluate(WATCH_RESULTS, [RESULT_SELECTOR, word])
            t_key = time.monotonic()
            page.keyboard.type(word)
            page.wait_for_function("() => window.__bench.t !== null", timeout=300_000, polling=50)
            t_found = time.monotonic()
            ms = page.evaluate("() => window.__bench.t - window.__bench.t0")
            title = records[paper_id]["title"].lower()
            listed = page.evaluate(
                "([selector, title]) => Array.from(document.querySelectorAll(selector)).findIndex(e => e.textContent.toLowerCase().includes(title))",
                [RESULT_SELECTOR, title[:60]],
            )
            timings.append({"word": word, "ms": ms, "t_key": t_key, "t_found": t_found, "rank": listed + 1 if listed >= 0 else None})
            page.keyboard.press("Control+A")
        wait_quiet(server, quiet=0.5, limit=5)
    finally:
        context.close()
    all_requests = with_gzip(server.since(t_nav))
    first, second = timings
    during_load = [r for r in all_requests if r["t"] <= t_quiet]
    page_load = [r for r in during_load if not SEARCH_PATH.search(r["path"])]
    search = [r for r in during_load if SEARCH_PATH.search(r["path"])] + [r for r in all_requests if t_quiet < r["t"] <= first["t_found"]]
    later = [r for r in all_requests if second["t_key"] <= r["t"] <= second["t_found"]]
    total = lambda rs, key: sum(r[key] for r in rs)  # noqa: E731
    return {
        "load_s": t_load - t_nav,
        "page_raw": total(page_load, "raw"), "page_gzip": total(page_load, "gzip"), "page_requests": len(page_load),
        "search_raw": total(search, "raw"), "search_gzip": total(search, "gzip"), "search_requests": len(search),
        "first_ms": first["ms"], "first_rank": first["rank"], "first_word": first["word"],
        "second_ms": second["ms"], "second_rank": second["rank"], "second_word": second["word"],
        "second_raw": total(later, "raw"), "second_gzip": total(later, "gzip"),
        "external_blocked": len(failed),
        "search_files": sorted({r["path"] for r in search}),
        "requests": [{k: (round(v - t_nav, 3) if k == "t" else v) for k, v in r.items() if k != "file"} for r in all_requests],
    }


# ---------------------------------------------------------------------------------------------
# Report

def machine() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"model name\s*:\s*(.*)", cpuinfo).group(1).strip()
    except (OSError, AttributeError):
        info["cpu"] = platform.processor() or "?"
    info["cores"] = f"{len(os.sched_getaffinity(0))} usable ({os.cpu_count()} online)"
    try:
        kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
        info["ram"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        info["ram"] = "?"
    info["os"] = f"{platform.system()} {platform.release()}"
    info["python"] = platform.python_version()

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"
    libyaml = "with libyaml" if hasattr(yaml, "CSafeLoader") else "WITHOUT libyaml"
    info["packages"] = (f"mkdocs {version('mkdocs')}, mkdocs-material {version('mkdocs-material')}, "
                        f"PyYAML {version('PyYAML')} ({libyaml}), Markdown {version('Markdown')}, playwright {version('playwright')}")
    try:
        info["chromium"] = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        info["chromium"] = "not found"
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "site_gen", "mkdocs.yml", "Makefile", "docs", "pyproject.toml"],
                               capture_output=True, text=True).stdout.splitlines()
        changed = sorted({line[3:] for line in dirty if line.strip()})
        info["repository"] = f"commit {head}" + (" with uncommitted changes in: " + ", ".join(changed) if changed else "")
    except OSError:
        info["repository"] = "?"
    info["load"] = " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1/5/15 min) at the start"
    return info


def ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "—"
    return f"{value / reference:.2f}×"


def size_table(bench: Bench) -> str:
    ws, items = bench.ws, bench.items
    lines = [
        f"### {ws.size:,} papers",
        "",
        f"{ws.data_files:,} files in papers/, {fmt_bytes(ws.data_bytes)} ({ws.data_bytes / max(1, ws.data_files):,.0f} bytes per file).",
        "",
        "| measurement | median | min – max | runs | ratio | reference | peak RSS | notes |",
        "|---|---:|---:|---:|---:|---|---:|---|",
    ]
    ref_yaml = items.get("reference_libyaml")
    ref_plain = items.get("mkdocs_plain")
    for name in FAST + ["site_full", "mkdocs_plain"]:
        item = items.get(name)
        if item is None:
            continue
        values = item.values()
        reference_name, reference = "", None
        if name.startswith(("check_", "build_")):
            reference_name, reference = "reference_libyaml", ref_yaml.median if ref_yaml else None
        elif name == "site_full":
            reference_name, reference = "mkdocs_plain", ref_plain.median if ref_plain else None
        elif name in ("reference_libyaml", "mkdocs_plain"):
            reference_name = "(is a reference)"
        notes = list(item.notes)
        if "written" in item.extra:
            notes.append("files written: " + ", ".join(item.extra["written"]))
        if "site" in item.extra:
            size, disk, count = item.extra["site"]
            notes.append(f"site: {fmt_bytes(size)} ({fmt_bytes(disk)} on disk) in {count:,} files")
        if name.startswith("reference"):
            notes.append("timed inside the process (no interpreter start)")
        if name == "check_cold" or name == "build_cold" or name == "site_full":
            notes.append("fresh process, caches removed")
        if item.error:
            notes.append(f"**FAILED** {item.error}")
        rss = [r.max_rss_mb for r in item.runs]
        lines.append(
            f"| {name} | {fmt_seconds(item.median)} | {fmt_range(values, fmt_seconds)} | {len(values)} | "
            f"{ratio(item.median, reference) if reference_name and not reference_name.startswith('(') else ''} | {reference_name} | "
            f"{f'{max(rss):.0f} MB' if rss else '—'} | {'; '.join(notes).replace('|', '/')} |"
        )
    search_rows = [items[n] for n in ("search", "search_plain") if n in items]
    if search_rows:
        lines += [
            "",
            "Search in headless Chromium (a paper page is opened and loaded, the reader presses `/` and types "
            "a word of a known paper's title). *Search bytes* = every request made after the page load settled "
            "until the first result showed, plus search files (paths with search/pagefind/worker/lunr) "
            "fetched during the page load; *page* = the page load's other requests. Raw bytes as served "
            "(http.server sends no compression) / gzip-compressed size.",
            "",
            "| site | search bytes before 1st result | requests | 1st result after 1st keystroke | 2nd query | 2nd query bytes | known paper's rank (1st / 2nd) | page load bytes | notes |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for item in search_rows:
            samples = item.extra.get("samples", [])
            label = "site_full" if item.name == "search" else "mkdocs_plain"
            if not samples:
                lines.append(f"| {label} | — | — | — | — | — | — | — | **FAILED** {item.error} |")
                continue
            med = lambda key: statistics.median(s[key] for s in samples)  # noqa: E731
            def timing(key: str) -> str:
                values = [s[key] / 1000 for s in samples]
                shown = fmt_seconds(statistics.median(values))
                return shown if len(values) == 1 else f"{shown} ({fmt_range(values, fmt_seconds)})"
            notes = [f"words: {samples[0]['first_word']!r}, {samples[0]['second_word']!r}", f"{len(samples)} run(s)"]
            if samples[0]["external_blocked"]:
                notes.append(f"{samples[0]['external_blocked']} external request(s) blocked (offline)")
            notes.append("search files: " + ", ".join(f"`{p}`" for p in samples[0]["search_files"][:6])
                         + (" …" if len(samples[0]["search_files"]) > 6 else ""))
            if item.error:
                notes.append(f"**FAILED** {item.error}")
            lines.append(
                f"| {label} | {fmt_bytes(med('search_raw'))} / {fmt_bytes(med('search_gzip'))} gzip | {med('search_requests'):.0f} | "
                f"{timing('first_ms')} | {timing('second_ms')} | "
                f"{fmt_bytes(med('second_raw'))} / {fmt_bytes(med('second_gzip'))} gzip | "
                f"{samples[0]['first_rank'] or 'not listed'} / {samples[0]['second_rank'] or 'not listed'} | "
                f"{fmt_bytes(med('page_raw'))} / {fmt_bytes(med('page_gzip'))} gzip | {'; '.join(notes)} |"
            )
        if "search" in items and "search_plain" in items and items["search"].extra.get("samples") and items["search_plain"].extra.get("samples"):
            a, b = items["search"].extra["samples"], items["search_plain"].extra["samples"]
            m = lambda s, k: statistics.median(x[k] for x in s)  # noqa: E731
            lines += ["", f"site_full / mkdocs_plain: search bytes {ratio(m(a, 'search_gzip'), m(b, 'search_gzip'))} (gzip), "
                          f"first result time {ratio(m(a, 'first_ms'), m(b, 'first_ms'))}."]
    extra = []
    if ws.state_seen:
        extra.append("Tool state found in the work folder besides build/docs (deleted before every cold run): "
                     + ", ".join(f"`{name}` ({fmt_bytes(size)})" for name, size in sorted(ws.state_seen.items())) + ".")
    else:
        extra.append("The tool left no cache or other state in the work folder besides build/docs.")
    if "site_full" in items and items["site_full"].extra.get("recipe"):
        extra.append("site_full runs `make site` (the repository's Makefile, install steps skipped): " + " && ".join(f"`{c}`" for c in items["site_full"].extra["recipe"]) + ".")
    extra += [f"Note: {note}" for note in ws.notes]
    return "\n".join(lines + [""] + extra)


def repeat_sentence(benches: list[Bench]) -> str:
    parts = []
    for bench in benches:
        if bench.repeat_slow != bench.repeat:
            parts.append(f"at {bench.ws.size:,} papers site_full, mkdocs_plain and the search lines ran "
                         f"{bench.repeat_slow} time(s) (`--repeat-slow`), the other lines {bench.repeat} times")
    return ("Runs: " + "; ".join(parts) + " (see the runs column). ") if parts else ""


def report(benches: list[Bench], info: dict[str, str], command: str, started: float, profile: str | None) -> str:
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        "# site-gen benchmark results",
        "",
        f"Run {when}, {(time.time() - started) / 60:.0f} minutes in all. Reproduce from the repository root with:",
        "",
        "```sh",
        command,
        "```",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in info.items()],
        "",
        repeat_sentence(benches) + "Times are wall-clock, median of the runs with min – max. Ratios divide the median by the "
        "median of the reference in the same run: check_* and build_* by reference_libyaml, site_full "
        "by mkdocs_plain. Peak RSS is the largest resident set of the command or any process it ran. "
        "See bench/README.md for what each line measures.",
        "",
    ]
    body = [size_table(bench) for bench in benches]
    tail = [f"\n### Profile\n\n{profile}"] if profile else []
    return "\n".join(head) + "\n" + "\n\n".join(body) + "\n" + "\n".join(tail) + "\n"


def profile_build(ws: Workspace, out: Path) -> str:
    """cProfile of a cold `site-gen build`: the top 15 functions by cumulative time."""
    ws.make_cold()
    run = run_command([sys.executable, "-m", "cProfile", "-o", out, "-m", "site_gen", "build", "--root", ws.root], cwd=ws.root, env=ws.env)
    if run.returncode != 0:
        return f"profiling failed: {failure(run)}"
    import io
    import pstats

    def top(order: str, skip: re.Pattern[str]) -> str:
        stream = io.StringIO()
        pstats.Stats(str(out), stream=stream).sort_stats(order).print_stats(80)
        text = stream.getvalue()
        header, _, rows = text.partition("   ncalls")
        kept = [line for line in rows.splitlines()[1:] if line.strip() and not skip.search(line)][:15]
        return "\n".join(["   ncalls" + rows.splitlines()[0], *kept]).replace(str(ws.root) + "/", "").replace(str(REPO) + "/", "")

    # The entry point's frames (runpy, click, the command itself) are at the top of any cumulative
    # list and say nothing; they are left out.
    wrappers = re.compile(r"builtins.exec|<string>|runpy|click/|site_gen/__main__|cProfile")
    return (f"`site-gen build` cold at {ws.size:,} papers under cProfile ({fmt_seconds(run.seconds)} with the profiler's "
            f"overhead; work done in worker processes, if any, is not seen), top 15 functions by cumulative time "
            f"(entry-point wrappers left out):\n\n```\n{top('cumulative', wrappers)}\n```\n\n"
            f"Top 15 by own time:\n\n```\n{top('tottime', re.compile('^$'))}\n```")


# ---------------------------------------------------------------------------------------------

def parse_repeat_slow(text: str | None, repeat: int) -> Callable[[int], int]:
    """`N` (every size) or `SIZE:N` (sizes >= SIZE run the slow items N times)."""
    if not text:
        return lambda size: repeat
    if ":" in text:
        threshold, count = (int(x) for x in text.split(":", 1))
        return lambda size: count if size >= threshold else repeat
    return lambda size: int(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="measurements: " + ", ".join(ITEMS))
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated numbers of papers (default 1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--repeat-slow", metavar="[SIZE:]N",
                        help="runs of site_full, mkdocs_plain and the search measurements: N, or N only for sizes >= SIZE")
    parser.add_argument("--only", help="comma-separated measurements to run (default: all)")
    parser.add_argument("--skip", help="comma-separated measurements not to run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the work folders (printed) instead of deleting them")
    parser.add_argument("--workdir", type=Path, help="where to create the work folders (default: the system temp folder)")
    parser.add_argument("--profile", action="store_true", help="also cProfile a cold `site-gen build` at the largest size")
    parser.add_argument("--no-save", action="store_true", help="print only; do not write bench/results or bench/RESULTS.md")
    args = parser.parse_args(argv)

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    only = set(args.only.split(",")) if args.only else set(ITEMS)
    only -= set(args.skip.split(",")) if args.skip else set()
    unknown = only - set(ITEMS)
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}; known: {', '.join(ITEMS)}")
    slow_repeat = parse_repeat_slow(args.repeat_slow, args.repeat)
    command = shlex.join([".venv/bin/python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])])

    started = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    info = machine()
    log("machine: " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workroot = Path(tempfile.mkdtemp(prefix="site-gen-bench-", dir=args.workdir))
    benches: list[Bench] = []
    profile = None
    RESULTS_DIR.mkdir(exist_ok=True)
    try:
        for size in sizes:
            ws = Workspace(workroot / f"n{size}", size, args.seed)
            bench = Bench(ws, args.repeat, slow_repeat(size), only)
            bench.run_all()
            benches.append(bench)
            if args.profile and size == max(sizes):
                profile = profile_build(ws, RESULTS_DIR / f"{stamp}-build-{size}.prof")
            print(size_table(bench), "\n", flush=True)
            if not args.keep:
                shutil.rmtree(ws.root, ignore_errors=True)
    finally:
        if args.keep:
            log(f"work folders kept in {workroot}")
        else:
            shutil.rmtree(workroot, ignore_errors=True)
    info["load"] += ", " + " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " at the end"
    text = report(benches, info, command, started, profile)
    print(text)
    if not args.no_save:
        (RESULTS_DIR / f"{stamp}.md").write_text(text, encoding="utf-8")
        raw = {
            "command": command, "machine": info,
            "sizes": {b.ws.size: {name: {"runs": [r.__dict__ for r in item.runs], "extra": item.extra, "error": item.error}
                                  for name, item in b.items.items()} for b in benches},
        }
        (RESULTS_DIR / f"{stamp}.json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
        (BENCH / "RESULTS.md").write_text(text, encoding="utf-8")
        log(f"wrote bench/results/{stamp}.md, bench/results/{stamp}.json and bench/RESULTS.md")


if __name__ == "__main__":
    main()
