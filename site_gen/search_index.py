"""Index a built site for search with Pagefind, in shards small enough to keep memory bounded.

Pagefind's memory grows with the number of pages it indexes (~150 KB per page, whatever the
page's size, most of it while it writes the index): 1.5 GB at 10,000 papers. So a large site is
indexed as several Pagefind bundles of at most `PAGES_PER_SHARD` pages each, run one after the
other, and the browser merges them (`mergeIndex`, docs/assets/search.js reads `shards.json`).

Merged shards rank as one index only if every shard knows every word, and weighs it alike:
- Pagefind answers a word that its index lacks with "loose" matches of the word's longest known
  prefix ("Kolmogorov" finds "K."), and those outrank the real matches of the shard that has it.
- Pagefind weighs a word by how few of the index's pages have it (BM25), and each shard counts
  its own pages: a title match in a shard where the word is common ranked below abstract matches
  in shards where it is rare.
So each shard also indexes vocabulary pages, on which each word appears as many times as it must
for the shard to count as many pages with the word as the shard that has it most. Every query
excludes them with a filter: a word that only other shards have finds nothing here.

Works on the built HTML (any builder's): the pages to index are the articles marked
`data-pagefind-body` (overrides/main.html) of the paper pages and of the pages one folder deep.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Measured at 10,000 synthetic papers: shards of 2,000 pages peak at ~400 MB each (vocabulary page
# included) where one index of all pages takes 1.5 GB.
PAGES_PER_SHARD = 2000
# A shard's pages are named in a glob, and Pagefind 1.5 rejects a glob of ~9,000 paths ("did not
# parse as a valid glob"), so no shard names more than this many.
MAX_LISTED_PAGES = 4000
# One shard indexes the whole site with this glob instead (the same pages as pages_to_index).
WHOLE_SITE_GLOB = "{*/index.html,papers/*/index.html}"
BUNDLE = "pagefind"
MANIFEST = "shards.json"
# The filter that marks vocabulary pages; search.js excludes it from every query (MANIFEST says so).
VOCABULARY_FILTER = {"index": "vocabulary"}
# `.headerlink` is the permalink sign in headings.
EXCLUDE_SELECTORS = (".headerlink",)
# Written into the site while its shard is indexed, then removed; never pages of the site.
VOCABULARY_FOLDER = Path("_search-vocabulary")
# Words per vocabulary page: Pagefind takes ~1.5 s for one page of 27,000 words, ~0.5 s for 27
# pages of 1,000.
VOCABULARY_PAGE_WORDS = 1000
# Paths Pagefind's glob takes literally (paper ids are slugs).
_GLOB_SAFE = re.compile(r"[A-Za-z0-9._/-]+")

_ARTICLE_START = re.compile(r"<article\b[^>]*\bdata-pagefind-body\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_EDGE_PUNCTUATION = string.punctuation + "“”‘’«»…–—¶§•·"


@dataclass(frozen=True)
class Shard:
    number: int
    pages: tuple[Path, ...]  # relative to the site
    vocabulary: Mapping[str, int]  # word -> on how many vocabulary pages

    @property
    def bundle(self) -> str:
        """The bundle's folder, relative to the site: the first shard is Pagefind's usual place."""
        return BUNDLE if self.number == 0 else f"{BUNDLE}/shard-{self.number}"


def pages_to_index(site: Path) -> list[Path]:
    """Paper pages and pages one folder deep (hand-written pages, listing indexes), relative to the
    site. Category and tag listings are two folders deep and left out: they are excluded from
    search anyway (their articles carry no data-pagefind-body) and are most of the HTML."""
    top = sorted(path.relative_to(site) for path in site.glob("*/index.html"))
    papers = sorted(path.relative_to(site) for path in site.glob("papers/*/index.html"))
    return [*top, *papers]


def plan_shards(site: Path, pages: Sequence[Path], pages_per_shard: int = PAGES_PER_SHARD) -> list[Shard]:
    """Deal the paper pages round-robin into as few shards as hold them, the other pages into the
    first; give each shard the vocabulary that makes its page count of every word the highest
    any shard has."""
    papers = [page for page in pages if page.parts[0] == "papers" and len(page.parts) == 3]
    paper_set = set(papers)
    others = [page for page in pages if page not in paper_set]
    per_shard = max(1, min(pages_per_shard, MAX_LISTED_PAGES - len(others)))
    count = max(1, -(-len(papers) // per_shard))
    groups = [papers[number::count] for number in range(count)]
    groups[0] = others + groups[0]
    if count == 1:
        return [Shard(0, tuple(groups[0]), {})]
    counts = _page_counts_by_group(site, groups)
    most: Counter[str] = Counter()
    for group_counts in counts:
        most |= group_counts  # the larger count of each word
    return [Shard(number, tuple(group), most - counts[number]) for number, group in enumerate(groups)]


def page_counts(site: Path, pages: Iterable[Path]) -> Counter[str]:
    """How many of these pages have each word Pagefind can index: their articles' text split at
    whitespace, lower-cased, without surrounding punctuation. Over-counting is harmless (an extra
    word on a vocabulary page); a missed word ranks as if the shards were separate indexes."""
    counts: Counter[str] = Counter()
    for page in pages:
        text = (site / page).read_text(encoding="utf-8")
        start = _ARTICLE_START.search(text)
        if start:
            article = text[start.end():text.find("</article>", start.end())]
            tokens = set(html.unescape(_TAG.sub(" ", article)).lower().split())
            words = {token.strip(_EDGE_PUNCTUATION) for token in tokens}
            words.discard("")
            counts.update(words)
    return counts


def _page_counts_by_group(site: Path, groups: Sequence[Sequence[Path]]) -> list[Counter[str]]:
    """page_counts of each group, read by as many processes as there are cores (reading and
    splitting the articles of 10,000 pages takes ~3 s on one)."""
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(number, group[start : start + 500]) for number, group in enumerate(groups) for start in range(0, len(group), 500)]
    counts: list[Counter[str]] = [Counter() for _ in groups]
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
        found = pool.map(page_counts, [site] * len(jobs), [pages for _, pages in jobs])
        for (number, _), chunk_counts in zip(jobs, found):
            counts[number].update(chunk_counts)
    return counts


def write_vocabulary_pages(site: Path, vocabulary: Mapping[str, int]) -> list[Path]:
    """The shard's vocabulary as pages in the site's VOCABULARY_FOLDER, each word on as many pages
    as it says; returns their paths."""
    pages = []
    for copy in range(max(vocabulary.values(), default=0)):
        words = sorted(word for word, copies in vocabulary.items() if copies > copy)
        for start in range(0, len(words), VOCABULARY_PAGE_WORDS):
            page = VOCABULARY_FOLDER / str(len(pages)) / "index.html"
            (site / page).parent.mkdir(parents=True)
            (site / page).write_text(vocabulary_page(words[start : start + VOCABULARY_PAGE_WORDS]), encoding="utf-8")
            pages.append(page)
    return pages


def vocabulary_page(words: Iterable[str]) -> str:
    filter_attribute = ", ".join(f"{key}:{value}" for key, value in VOCABULARY_FILTER.items())
    text = html.escape(" ".join(words))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vocabulary</title></head>'
        f'<body data-pagefind-body data-pagefind-filter="{html.escape(filter_attribute)}"><p>{text}</p></body></html>\n'
    )


def _run_pagefind(site: Path, glob: str, bundle: Path) -> None:
    """Pagefind on the pages that `glob` matches. The glob goes in a configuration file: as a
    command-line argument it would outgrow Linux's 128 KB limit at a few thousand paths."""
    config = {
        "site": str(site.resolve()),
        "output_path": str(bundle.resolve()),
        "glob": glob,
        "exclude_selectors": list(EXCLUDE_SELECTORS),
        "quiet": True,
    }
    with tempfile.TemporaryDirectory(prefix="site-gen-pagefind-") as workdir:
        (Path(workdir) / "pagefind.json").write_text(json.dumps(config), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "pagefind"], cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr)[-3000:]
        raise RuntimeError(f"pagefind failed to index {site} into {bundle}:\n{output}")


def glob_of(pages: Sequence[Path]) -> str:
    """A glob matching exactly these pages."""
    names = [page.as_posix() for page in pages]
    unsafe = [name for name in names if not _GLOB_SAFE.fullmatch(name)]
    if unsafe:
        raise ValueError(f"cannot index {unsafe[0]!r}: its path has characters that are special in a glob")
    return "{" + ",".join(names) + "}"


def index_site(site: Path, pages_per_shard: int = PAGES_PER_SHARD) -> list[Shard]:
    """Replace `site`/pagefind with a search index of the site, in shards; returns them."""
    shards = plan_shards(site, pages_to_index(site), pages_per_shard)
    shutil.rmtree(site / BUNDLE, ignore_errors=True)
    try:
        for shard in shards:
            shutil.rmtree(site / VOCABULARY_FOLDER, ignore_errors=True)
            vocabulary = write_vocabulary_pages(site, shard.vocabulary)
            glob = WHOLE_SITE_GLOB if len(shards) == 1 else glob_of([*shard.pages, *vocabulary])
            _run_pagefind(site, glob, site / shard.bundle)
    finally:
        shutil.rmtree(site / VOCABULARY_FOLDER, ignore_errors=True)
    manifest = {
        "shards": [f"{Path(shard.bundle).relative_to(BUNDLE).as_posix()}/" for shard in shards[1:]],
        "exclude": VOCABULARY_FILTER if len(shards) > 1 else {},
    }
    (site / BUNDLE / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return shards
