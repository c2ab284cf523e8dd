"""Index a built site for search with Pagefind, in runs small enough to keep memory bounded.

Pagefind's memory grows with every word it indexes (~130 KB per paper page): one run over 10,000
papers takes 1.4 GB. So a large site is indexed in runs of at most `PAGES_PER_RUN` pages, one
after the other, and their bundles are merged into the one bundle a single run would have written
(site_gen/pagefind_merge.py): the browser loads one index and ranks as one run would (but for
the order of equal scores).

Works on the built HTML (any builder's): the pages to index are the articles marked
`data-pagefind-body` (site_gen/mkdocs/overrides/main.html) of the paper pages and of the pages one folder deep.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from site_gen.pagefind_merge import merge_bundles, page_count

# Measured at 10,000 synthetic papers: a run over 1,668 pages peaks at ~260 MB, over 2,002 at
# ~310 MB, over 10,000 at 1.4 GB. Fewer runs take less time (each has a fixed start).
PAGES_PER_RUN = 2000
BUNDLE = "pagefind"
SEARCH_MARKER = "data-pagefind-body"
# `.headerlink` is the permalink sign in headings.
EXCLUDE_SELECTORS = (".headerlink",)


def is_indexed(html: str) -> bool:
    """Whether a built page is indexed: its article is marked `data-pagefind-body`
    (site_gen/mkdocs/overrides/main.html), as are paper pages and hand-written pages. Category and
    tag listings are not: a Pagefind run given none but such pages would index them whole."""
    return SEARCH_MARKER in html


def pages_to_index(site: Path) -> list[Path]:
    """The built pages that are indexed, relative to the site, in order."""
    return sorted(path.relative_to(site) for path in site.rglob("index.html")
                  if is_indexed(path.read_text(encoding="utf-8")))


def plan_runs(pages: Sequence[Path], pages_per_run: int = PAGES_PER_RUN) -> list[Sequence[Path]]:
    """The pages, in order, in as few runs of at most `pages_per_run` as hold them, of sizes as
    equal as can be."""
    count = max(1, -(-len(pages) // pages_per_run))
    size, longer = divmod(len(pages), count)
    ends = [(number + 1) * size + min(number + 1, longer) for number in range(count)]
    return [pages[end - size - (number < longer) : end] for number, end in enumerate(ends)]


def _run_pagefind(pages_root: Path, bundle: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(pages_root), "--output-path", str(bundle.resolve()),
         "--quiet", *(arg for selector in EXCLUDE_SELECTORS for arg in ("--exclude-selectors", selector))],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pagefind failed to index into {bundle}:\n{(proc.stdout + proc.stderr)[-3000:]}")


def index_site(site: Path, pages_per_run: int = PAGES_PER_RUN) -> tuple[int, int]:
    """Replace `site`/pagefind with a search index of the site; returns the number of pages
    indexed and of Pagefind runs. The new index is built beside the old one and takes its place
    only once complete: if a run fails, the site keeps its previous index."""
    site = site.resolve()
    for unfinished in site.glob(f".{BUNDLE}-*"):  # left by a run that was killed
        shutil.rmtree(unfinished, ignore_errors=True)
    runs = plan_runs(pages_to_index(site), pages_per_run)
    with tempfile.TemporaryDirectory(prefix=f".{BUNDLE}-", dir=site) as scratch:
        work = Path(scratch)
        bundles = []
        for number, pages in enumerate(runs):
            # Pagefind indexes a folder: each run's is a tree of links to its pages at their paths
            # in the site (so result URLs are the pages'). Pagefind follows links to files (not to
            # folders). A glob naming the pages instead stops parsing at 240-290 KB in Pagefind 1.5.
            pages_root = work / f"pages-{number}"
            pages_root.mkdir()
            for page in pages:
                (pages_root / page).parent.mkdir(parents=True, exist_ok=True)
                (pages_root / page).symlink_to(site / page)
            bundles.append(work / f"bundle-{number}")
            _run_pagefind(pages_root, bundles[-1])
            shutil.rmtree(pages_root)
        if len(bundles) == 1:
            bundles[0].rename(work / BUNDLE)
        else:
            merge_bundles(bundles, work / BUNDLE)
        if (site / BUNDLE).exists():
            (site / BUNDLE).rename(work / "previous")
        (work / BUNDLE).rename(site / BUNDLE)
    return page_count(site / BUNDLE), len(runs)
