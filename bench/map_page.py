"""The map page (/map/) in Chromium: its weight, and how soon a reader can use it. Serves a built
site, opens /map/ in Debian's chromium (as the browser tests do), and reports the HTML's size
(raw and gzip), the navigation timings (DOM interactive, load) and how long after a hover or a
focus the point's title shows.

    .venv/bin/site-gen build --root /tmp/big && .venv/bin/mkdocs build -f /tmp/big/mkdocs.yml -d /tmp/big/site
    .venv/bin/python bench/map_page.py /tmp/big/site --runs 3
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
POINTS = "svg.paper-map a"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def measure(site: Path, runs: int) -> None:
    html = (site / "map" / "index.html").read_bytes()
    print(f"map/index.html: {len(html) / 1e6:.2f} MB raw, {len(gzip.compress(html)) / 1e3:.0f} KB gzip")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/map/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for run in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url, wait_until="load")
            timing = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; return [n.domInteractive, n.loadEventEnd]; }")
            points = page.locator(POINTS)
            start = time.perf_counter()
            points.last.hover()  # drawn last, so no other point covers it
            page.locator(".paper-map-label:not([hidden])").wait_for()
            hover = time.perf_counter() - start
            page.locator("h1").hover()
            start = time.perf_counter()
            points.nth(7).focus()
            page.wait_for_function("document.activeElement.closest('svg.paper-map') && !document.querySelector('.paper-map-label').hidden")
            focus = time.perf_counter() - start
            print(f"run {run + 1}: DOM interactive {timing[0]:.0f} ms, load {timing[1]:.0f} ms; title shown {hover * 1000:.0f} ms after a hover, "
                  f"{focus * 1000:.0f} ms after a focus ({points.count():,} points)")
            page.close()
        browser.close()
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site (mkdocs build's site/)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    measure(args.site, args.runs)


if __name__ == "__main__":
    main()
