"""Index a built site for search with Pagefind, in shards small enough to keep memory bounded.

Pagefind's memory grows with the number of pages it indexes (~150 KB per page, whatever the
page's size, most of it while it writes the index): 1.5 GB at 10,000 papers. So a large site is
indexed as several Pagefind bundles of at most `PAGES_PER_SHARD` pages each, run one after the
other, and the browser merges them (`mergeIndex`, docs/assets/search.js reads `shards.json`).

Merged shards rank well only if every shard knows every word. Pagefind answers a word that its
index lacks with "loose" matches of the word's longest known prefix ("Kolmogorov" finds "K."),
and those outrank the real matches of the shard that has the word. So each shard also indexes
one vocabulary page holding the words that only other shards have: the word is then known, and
the vocabulary page, excluded by a filter in every query, is its only match.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Measured at 10,000 synthetic papers: shards of 2,000 pages peak at ~400 MB each (vocabulary page
# included) where one index of all pages takes 1.5 GB.
PAGES_PER_SHARD = 2000
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
    vocabulary: frozenset[str]

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
    first; give each shard the words only other shards have."""
    papers = [page for page in pages if page.parts[0] == "papers" and len(page.parts) == 3]
    paper_set = set(papers)
    others = [page for page in pages if page not in paper_set]
    count = max(1, -(-len(papers) // pages_per_shard))
    groups = [papers[number::count] for number in range(count)]
    groups[0] = others + groups[0]
    if count == 1:
        return [Shard(0, tuple(groups[0]), frozenset())]
    words = _words_by_group(site, groups)
    everything = frozenset().union(*words)
    return [Shard(number, tuple(group), everything - words[number]) for number, group in enumerate(groups)]


def words_of_pages(site: Path, pages: Iterable[Path]) -> set[str]:
    """The words Pagefind can index in these pages: their articles' text split at whitespace,
    lower-cased, without surrounding punctuation. Over-counting is harmless (an extra word on a
    vocabulary page); a missed word only brings back loose matches for that word."""
    tokens: set[str] = set()
    for page in pages:
        text = (site / page).read_text(encoding="utf-8")
        start = _ARTICLE_START.search(text)
        if start:
            article = text[start.end():text.find("</article>", start.end())]
            tokens.update(html.unescape(_TAG.sub(" ", article)).lower().split())
    words = {token.strip(_EDGE_PUNCTUATION) for token in tokens}
    words.discard("")
    return words


def _words_by_group(site: Path, groups: Sequence[Sequence[Path]]) -> list[set[str]]:
    """words_of_pages of each group, read by as many processes as there are cores (reading and
    splitting the articles of 10,000 pages takes ~3 s on one)."""
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(number, group[start : start + 500]) for number, group in enumerate(groups) for start in range(0, len(group), 500)]
    words: list[set[str]] = [set() for _ in groups]
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
        found = pool.map(words_of_pages, [site] * len(jobs), [pages for _, pages in jobs])
        for (number, _), chunk_words in zip(jobs, found):
            words[number] |= chunk_words
    return words


def write_vocabulary_pages(site: Path, vocabulary: frozenset[str]) -> list[Path]:
    """The shard's vocabulary as pages in the site's VOCABULARY_FOLDER; returns their paths."""
    words = sorted(vocabulary)
    pages = []
    for number, start in enumerate(range(0, len(words), VOCABULARY_PAGE_WORDS)):
        page = VOCABULARY_FOLDER / str(number) / "index.html"
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


def _run_pagefind(site: Path, pages: Iterable[Path], bundle: Path) -> None:
    """Pagefind on exactly these pages. The glob listing them goes in a configuration file:
    as a command-line argument it would outgrow Linux's 128 KB limit at a few thousand pages."""
    names = [page.as_posix() for page in pages]
    unsafe = [name for name in names if not _GLOB_SAFE.fullmatch(name)]
    if unsafe:
        raise ValueError(f"cannot index {unsafe[0]!r}: its path has characters that are special in a glob")
    config = {
        "site": str(site.resolve()),
        "output_path": str(bundle.resolve()),
        "glob": "{" + ",".join(names) + "}",
        "exclude_selectors": list(EXCLUDE_SELECTORS),
        "quiet": True,
    }
    with tempfile.TemporaryDirectory(prefix="site-gen-pagefind-") as workdir:
        (Path(workdir) / "pagefind.json").write_text(json.dumps(config), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "pagefind"], cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pagefind failed on {len(names)} pages of {site}:\n{proc.stdout}{proc.stderr}")


def index_site(site: Path, pages_per_shard: int = PAGES_PER_SHARD) -> list[Shard]:
    """Replace `site`/pagefind with a search index of the site, in shards; returns them."""
    shards = plan_shards(site, pages_to_index(site), pages_per_shard)
    shutil.rmtree(site / BUNDLE, ignore_errors=True)
    try:
        for shard in shards:
            shutil.rmtree(site / VOCABULARY_FOLDER, ignore_errors=True)
            _run_pagefind(site, [*shard.pages, *write_vocabulary_pages(site, shard.vocabulary)], site / shard.bundle)
    finally:
        shutil.rmtree(site / VOCABULARY_FOLDER, ignore_errors=True)
    manifest = {
        "shards": [f"{Path(shard.bundle).relative_to(BUNDLE).as_posix()}/" for shard in shards[1:]],
        "exclude": VOCABULARY_FILTER if len(shards) > 1 else {},
    }
    (site / BUNDLE / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return shards
