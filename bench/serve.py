"""How long `make serve` takes to show a saved edit: from writing a paper file until the live
preview serves that paper's page with the edit, as a reader's reload would see it.

Runs the Makefile's serve command (`mkdocs serve --livereload --dirty`) on a synthetic list, waits
for the first build, then appends a curator's note to one paper several times and waits for it as
the page open in a browser does: the page's live-reload script asks the server for a build newer
than the page's, the server answers once there is one, and the page is loaded again. Prints the
initial build time and the median and min – max of the edits.

    .venv/bin/python bench/serve.py --papers 10000 --edits 5
    .venv/bin/python bench/serve.py --list /tmp/big --edits 5   # an existing list folder
    .venv/bin/python bench/serve.py --list /tmp/big --edits 8 --in-process

`--in-process` times the rebuilds themselves instead, and splits each into site-gen's part and
MkDocs': this process runs MkDocs' serve command with its server's loop replaced by the edits, so
each rebuild is the builder the server would call (no watcher, no HTTP, no waiting).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402  (bench/ is a folder of scripts, not a package)

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def serve_command() -> list[str]:
    """The Makefile's `serve` recipe, read from it: the benchmark runs what `make serve` runs."""
    lines = (REPO / "Makefile").read_text(encoding="utf-8").splitlines()
    recipe = lines[lines.index(next(line for line in lines if line.startswith("serve:"))) + 1]
    return shlex.split(recipe.strip().replace("$(BIN)/", f"{BIN}/"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, timeout: float = 10) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8")
    except OSError:  # not served yet, or the server is between two builds
        return ""


def wait_for(url: str, text: str, limit: float) -> float:
    start = time.perf_counter()
    while text not in fetch(url):
        if time.perf_counter() - start > limit:
            raise TimeoutError(f"{url} did not show {text!r} within {limit:.0f} s")
        time.sleep(0.1)
    return time.perf_counter() - start


LIVE_RELOAD = re.compile(r"livereload\((\d+), (\d+)\);")


def reload_until(base: str, url: str, shown: str, text: str, saved: float, limit: float) -> float:
    """What a browser showing `url` (as `shown`) does after an edit saved at `saved`, until the
    page shows `text`: the live-reload request (`/livereload/<the page's build>/<its request>`),
    which the server holds until a newer build is on show, then the page again."""
    page = shown
    while text not in page:
        if time.perf_counter() - saved > limit:
            raise TimeoutError(f"{url} did not show {text!r} within {limit:.0f} s")
        build, request = LIVE_RELOAD.search(page).groups()
        fetch(f"{base}/livereload/{build}/{request}", timeout=limit)
        page = fetch(url) or page
    return time.perf_counter() - saved


def measure(root: Path, edits: int) -> tuple[float, list[float]]:
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": f"http://127.0.0.1:{port}/"}
    subprocess.run([BIN / "site-gen", "build", "--root", root], check=True, env=env, capture_output=True)
    paper = min(p for p in (root / "papers").glob("*.yml") if not p.name.startswith("_"))
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/papers/{paper.stem}/"
    log = open(root / "serve.log", "w")
    started = time.perf_counter()
    server = subprocess.Popen(
        [*serve_command(), "--dev-addr", f"127.0.0.1:{port}"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    original = paper.read_text(encoding="utf-8")
    times = []
    try:
        wait_for(url, "</html>", 1800)
        initial = time.perf_counter() - started
        for run in range(edits):
            time.sleep(3)  # let the watcher settle after the previous rebuild
            marker = f"BenchEdit{run}x{time.time_ns()}"
            shown = fetch(url)  # the page as the browser holds it, with its build's number
            saved = time.perf_counter()
            paper.write_text(original.rstrip("\n") + f"\nnote: {marker}\n", encoding="utf-8")
            times.append(reload_until(base, url, shown, marker, saved, 300))
            print(f"edit {run + 1}: visible after {times[-1]:.2f} s", file=sys.stderr)
    finally:
        paper.write_text(original, encoding="utf-8")
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        log.close()
    return initial, times


def measure_in_process(root: Path, edits: int) -> list[tuple[float, float]]:
    """(whole rebuild, site-gen's part) of each rebuild after an edit, in this process."""
    import mkdocs.livereload
    from mkdocs.commands.serve import serve

    import site_gen.mkdocs.serve

    site_gen_times: list[float] = []
    regenerate = site_gen.mkdocs.serve.regenerate

    def timed_regenerate(project):
        start = time.perf_counter()
        try:
            return regenerate(project)
        finally:
            site_gen_times.append(time.perf_counter() - start)

    paper = min(p for p in (root / "papers").glob("*.yml") if not p.name.startswith("_"))
    original = paper.read_text(encoding="utf-8")
    rebuilds: list[tuple[float, float]] = []

    def edit_and_rebuild(server, open_in_browser=False):
        for run in range(edits):
            paper.write_text(original.rstrip("\n") + f"\nnote: BenchEdit{run}x{time.time_ns()}\n", encoding="utf-8")
            start = time.perf_counter()
            server.builder()
            rebuilds.append((time.perf_counter() - start, site_gen_times[-1]))
            print(f"rebuild {run + 1}: {rebuilds[-1][0]:.2f} s (site-gen {rebuilds[-1][1]:.2f} s)", file=sys.stderr)

    site_gen.mkdocs.serve.regenerate = timed_regenerate
    mkdocs.livereload.LiveReloadServer.serve = edit_and_rebuild
    mkdocs.livereload.LiveReloadServer.shutdown = lambda server, wait=False: None
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    subprocess.run([BIN / "site-gen", "build", "--root", root], check=True, capture_output=True)
    working_dir = os.getcwd()
    os.chdir(root)
    try:
        serve(config_file="mkdocs.yml", livereload=True, build_type="dirty", dev_addr="127.0.0.1:0")
    finally:
        os.chdir(working_dir)
        paper.write_text(original, encoding="utf-8")
    return rebuilds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10000, help="size of the synthetic list")
    parser.add_argument("--list", type=Path, help="an existing list folder (its papers/) instead; its docs/ and mkdocs.yml are replaced by the repository's")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--in-process", action="store_true", help="time the rebuilds in this process, split into site-gen's part and MkDocs'")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="site-gen-serve-") as work:
        root = args.list
        if root is None:
            root = Path(work) / f"n{args.papers}"
            synthetic.generate(root, args.papers)
        else:
            synthetic.copy_site_files(root)
        papers = sum(1 for p in (root / "papers").glob("*.yml") if not p.name.startswith("_"))
        if args.in_process:
            rebuilds = measure_in_process(root.resolve(), args.edits)
            whole, site_gen = [total for total, _ in rebuilds], [part for _, part in rebuilds]
            print(f"make serve at {papers:,} papers, rebuilds in one process: {statistics.median(whole):.2f} s "
                  f"({min(whole):.2f} – {max(whole):.2f} s), of which site-gen {statistics.median(site_gen):.2f} s "
                  f"({min(site_gen):.2f} – {max(site_gen):.2f} s) and MkDocs the rest (medians of {len(rebuilds)})")
            return
        initial, times = measure(root.resolve(), args.edits)
    print(f"make serve at {papers:,} papers: "
          f"first build {initial:.0f} s; an edit visible after {statistics.median(times):.2f} s "
          f"(median of {len(times)}, {min(times):.2f} – {max(times):.2f} s)")


if __name__ == "__main__":
    main()
