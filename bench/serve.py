"""How long `make serve` takes to show a saved edit: from writing a paper file until the live
preview serves that paper's page with the edit, as a reader's reload would see it.

Runs the Makefile's serve command (`mkdocs serve --livereload --dirty`) on a synthetic list, waits
for the first build, then appends a curator's note to one paper several times and polls its page
every 0.1 s. Prints the initial build time and the median and min – max of the edits.

    .venv/bin/python bench/serve.py --papers 10000 --edits 5
    .venv/bin/python bench/serve.py --list /tmp/big --edits 5   # an existing list folder
"""

from __future__ import annotations

import argparse
import os
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


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
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


def measure(root: Path, edits: int) -> tuple[float, list[float]]:
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": f"http://127.0.0.1:{port}/"}
    subprocess.run([BIN / "site-gen", "build", "--root", root], check=True, env=env, capture_output=True)
    paper = min(p for p in (root / "papers").glob("*.yml") if not p.name.startswith("_"))
    url = f"http://127.0.0.1:{port}/papers/{paper.stem}/"
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
            paper.write_text(original.rstrip("\n") + f"\nnote: {marker}\n", encoding="utf-8")
            times.append(wait_for(url, marker, 300))
            print(f"edit {run + 1}: visible after {times[-1]:.2f} s", file=sys.stderr)
    finally:
        paper.write_text(original, encoding="utf-8")
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        log.close()
    return initial, times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10000, help="size of the synthetic list")
    parser.add_argument("--list", type=Path, help="an existing list folder (its papers/) instead; its docs/ and mkdocs.yml are replaced by the repository's")
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="site-gen-serve-") as work:
        root = args.list
        if root is None:
            root = Path(work) / f"n{args.papers}"
            synthetic.generate(root, args.papers)
        else:
            synthetic.copy_site_files(root)
        papers = sum(1 for p in (root / "papers").glob("*.yml") if not p.name.startswith("_"))
        initial, times = measure(root.resolve(), args.edits)
    print(f"make serve at {papers:,} papers: "
          f"first build {initial:.0f} s; an edit visible after {statistics.median(times):.2f} s "
          f"(median of {len(times)}, {min(times):.2f} – {max(times):.2f} s)")


if __name__ == "__main__":
    main()
