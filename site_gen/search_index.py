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
excludes them with a filter: a word that only other shards have finds nothing here. The weights
are close, not equal: vocabulary pages also count as pages and lengthen a shard's average page.
At 10,000 papers in six shards, 43 of 45 queries rank the same first result as one index.
The words are those Pagefind reads (indexed_text): a word counted where Pagefind does not see it
(in an ignored element, or split where Pagefind joins it) leaves a shard without it.

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

# Measured at 10,000 synthetic papers, vocabulary pages included: six shards of 1,667 pages peak at
# ~420 MB each, five of 2,000 at ~470 MB (too close to the 500 MB the whole build may take), one
# index of all pages at 1.5 GB. Each shard adds an index chunk to every query (docs/performance.md).
PAGES_PER_SHARD = 1750
BUNDLE = "pagefind"
MANIFEST = "shards.json"
# The filter that marks vocabulary pages; search.js excludes it from every query (MANIFEST says so).
VOCABULARY_FILTER = {"index": "vocabulary"}
# `.headerlink` is the permalink sign in headings.
EXCLUDE_SELECTORS = (".headerlink",)
# Where a shard's vocabulary pages are, beside its pages (never in the site itself).
VOCABULARY_FOLDER = Path("_search-vocabulary")
# Words per vocabulary page: Pagefind takes ~1.5 s for one page of 27,000 words, ~0.5 s for 27
# pages of 1,000.
VOCABULARY_PAGE_WORDS = 1000

# Pagefind keeps curly quotes and guillemets in its words ("“quoted”"): they are not stripped.
_EDGE_PUNCTUATION = string.punctuation + "…–—¶§•·"


@dataclass(frozen=True)
class Shard:
    number: int
    pages: tuple[Path, ...]  # relative to the site
    vocabulary: Mapping[str, int]  # word, in the form to write (words_of) -> on how many vocabulary pages

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
    count = max(1, -(-len(papers) // pages_per_shard))
    groups = [papers[number::count] for number in range(count)]
    groups[0] = others + groups[0]
    if count == 1:
        return [Shard(0, tuple(groups[0]), {})]
    counts, forms = _page_counts_by_group(site, groups)
    most: Counter[str] = Counter()
    for group_counts in counts:
        most |= group_counts  # the larger count of each word
    return [
        Shard(number, tuple(group), {forms[word]: copies for word, copies in (most - counts[number]).items()})
        for number, group in enumerate(groups)
    ]


# Pagefind 1.5 reads a page's text like this (checked element by element against its index):
# - only inside the first data-pagefind-body element;
# - not in elements marked data-pagefind-ignore, matching EXCLUDE_SELECTORS (class selectors), or
#   that Pagefind skips (_SKIPPED);
# - only some elements separate words (_BREAKS): "x<sub>2</sub>y" is one word, "x2y", and so is
#   "a<dt>b</dt>".
_BREAKS = frozenset("article br div h1 h2 h3 h4 h5 h6 li ol p section table tbody td tr ul".split())
_SKIPPED = frozenset("script style noscript template svg form label".split())
_RAW_TEXT = frozenset({"script", "style"})  # their text may hold "<" that is not a tag
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_EXCLUDED_CLASSES = frozenset(selector[1:] for selector in EXCLUDE_SELECTORS)
_MARKUP = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
_CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def indexed_text(page_html: str) -> str:
    """The text Pagefind indexes in a page. A scan of the tags rather than html.parser: twice as
    fast (~3 s less at 10,000 pages), and the pages are the builder's well-formed output."""
    body = page_html.find("data-pagefind-body")
    if body < 0:
        return ""
    parts: list[str] = []
    depth = 0  # open elements inside the body; 0 outside it
    skip_from = 0  # the depth of the skipped element being read, 0 if none
    position = page_html.rfind("<", 0, body)  # the navigation and header before it are most of the page
    while (markup := _MARKUP.search(page_html, position)) is not None:
        if depth and not skip_from:
            parts.append(page_html[position : markup.start()])
        position = markup.end()
        closing, tag, attributes = markup.group(1), (markup.group(2) or "").lower(), markup.group(3) or ""
        if not tag:  # a comment
            continue
        if tag in _VOID or attributes.endswith("/"):
            if depth and not skip_from and tag in _BREAKS:
                parts.append(" ")
            continue
        if closing:
            if not depth:
                continue
            if skip_from == depth:
                skip_from = 0
            depth -= 1
            if not depth:
                break  # the end of the body
        elif not depth:
            if "data-pagefind-body" in attributes:
                depth = 1
            continue
        else:
            depth += 1
            if tag in _RAW_TEXT:
                end = page_html.find(f"</{tag}", position)
                position = len(page_html) if end < 0 else end
            if not skip_from and (tag in _SKIPPED or "data-pagefind-ignore" in attributes or _excluded(attributes)):
                skip_from = depth
        if tag in _BREAKS:
            parts.append(" ")
    return html.unescape("".join(parts))


def _excluded(attributes: str) -> bool:
    found = _CLASS.search(attributes)
    return found is not None and not _EXCLUDED_CLASSES.isdisjoint("".join(group or "" for group in found.groups()).split())


def indexed_words(page_html: str) -> dict[str, str]:
    """The words of the text Pagefind indexes in a page (words_of)."""
    return words_of(indexed_text(page_html))


def words_of(text: str) -> dict[str, str]:
    """The distinct words of a text, lower-cased and without surrounding punctuation, each with
    the form to write on a vocabulary page: as written, preferring a form with capitals inside.
    Pagefind also indexes the parts of such a word ("VisualWebArena": visual, web, arena; "LoRA":
    lo, ra), and splits it only if its capitals are still there."""
    words: dict[str, str] = {}
    for token in text.split():
        form = token.strip(_EDGE_PUNCTUATION)
        if form:
            _add_form(words, form.lower(), form)
    return words


def _add_form(forms: dict[str, str], word: str, form: str) -> None:
    """Record `form` for `word` unless a form with capitals inside is already there."""
    if word not in forms or (_has_inner_capital(form) and not _has_inner_capital(forms[word])):
        forms[word] = form


def _has_inner_capital(form: str) -> bool:
    return any(character.isupper() for character in form[1:])


def page_counts(site: Path, pages: Iterable[Path]) -> tuple[Counter[str], dict[str, str]]:
    """How many of these pages have each word Pagefind indexes, and the form of each word (see
    words_of). A word counted where Pagefind does not see it, or missed, leaves a shard without it
    (and with loose matches for it)."""
    counts: Counter[str] = Counter()
    forms: dict[str, str] = {}
    for page in pages:
        words = indexed_words((site / page).read_text(encoding="utf-8"))
        counts.update(words.keys())
        _merge_forms(forms, words)
    return counts, forms


def _merge_forms(forms: dict[str, str], more: Mapping[str, str]) -> None:
    for word, form in more.items():
        _add_form(forms, word, form)


def _page_counts_by_group(site: Path, groups: Sequence[Sequence[Path]]) -> tuple[list[Counter[str]], dict[str, str]]:
    """page_counts of each group, and the forms of all words, read by as many processes as there
    are cores (reading 10,000 pages takes ~5 s on one)."""
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(number, group[start : start + 500]) for number, group in enumerate(groups) for start in range(0, len(group), 500)]
    counts: list[Counter[str]] = [Counter() for _ in groups]
    forms: dict[str, str] = {}
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8)) as pool:
        found = pool.map(page_counts, [site] * len(jobs), [pages for _, pages in jobs])
        for (number, _), (chunk_counts, chunk_forms) in zip(jobs, found):
            counts[number].update(chunk_counts)
            _merge_forms(forms, chunk_forms)
    return counts, forms


def write_vocabulary_pages(folder: Path, vocabulary: Mapping[str, int]) -> list[Path]:
    """The shard's vocabulary as pages in `folder`/VOCABULARY_FOLDER, each word on as many pages
    as it says; returns their paths relative to `folder`."""
    pages = []
    for copy in range(max(vocabulary.values(), default=0)):
        words = sorted(word for word, copies in vocabulary.items() if copies > copy)
        for start in range(0, len(words), VOCABULARY_PAGE_WORDS):
            page = VOCABULARY_FOLDER / str(len(pages)) / "index.html"
            (folder / page).parent.mkdir(parents=True)
            (folder / page).write_text(vocabulary_page(words[start : start + VOCABULARY_PAGE_WORDS]), encoding="utf-8")
            pages.append(page)
    return pages


def vocabulary_page(words: Iterable[str]) -> str:
    filter_attribute = ", ".join(f"{key}:{value}" for key, value in VOCABULARY_FILTER.items())
    text = html.escape(" ".join(words))
    return (
        # No <title>: Pagefind would index its words too.
        '<!doctype html><html lang="en"><head><meta charset="utf-8"></head>'
        f'<body data-pagefind-body data-pagefind-filter="{html.escape(filter_attribute)}"><p>{text}</p></body></html>\n'
    )


def _run_pagefind(pages_root: Path, bundle: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(pages_root), "--output-path", str(bundle.resolve()),
         "--quiet", *(arg for selector in EXCLUDE_SELECTORS for arg in ("--exclude-selectors", selector))],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pagefind failed to index into {bundle}:\n{(proc.stdout + proc.stderr)[-3000:]}")


def index_site(site: Path, pages_per_shard: int = PAGES_PER_SHARD) -> list[Shard]:
    """Replace `site`/pagefind with a search index of the site, in shards; returns them. The new
    index is built beside the old one and takes its place only once complete: if a Pagefind run
    fails, the site keeps its previous index (a part of the shards, without their manifest, would
    show vocabulary pages as results)."""
    site = site.resolve()
    for unfinished in site.glob(f".{BUNDLE}-*"):  # left by a run that was killed
        shutil.rmtree(unfinished, ignore_errors=True)
    shards = plan_shards(site, pages_to_index(site), pages_per_shard)
    # Pagefind indexes a folder: each shard's is a temporary tree of links to its pages at their
    # paths in the site (so result URLs are the pages'), plus its vocabulary pages. Pagefind
    # follows links to files (not to folders). A glob naming the pages instead stops parsing at
    # 240-290 KB in Pagefind 1.5, depending on the paths.
    with tempfile.TemporaryDirectory(prefix="site-gen-search-") as scratch, \
            tempfile.TemporaryDirectory(prefix=f".{BUNDLE}-", dir=site) as new_bundles:
        for shard in shards:
            pages_root = Path(scratch) / str(shard.number)
            for page in shard.pages:
                (pages_root / page).parent.mkdir(parents=True, exist_ok=True)
                (pages_root / page).symlink_to(site / page)
            write_vocabulary_pages(pages_root, shard.vocabulary)
            _run_pagefind(pages_root, Path(new_bundles) / shard.bundle)
            shutil.rmtree(pages_root)
        manifest = {
            "shards": [f"{Path(shard.bundle).relative_to(BUNDLE).as_posix()}/" for shard in shards[1:]],
            "exclude": VOCABULARY_FILTER if len(shards) > 1 else {},
        }
        (Path(new_bundles) / BUNDLE / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        old = Path(new_bundles) / "previous"
        if (site / BUNDLE).exists():
            (site / BUNDLE).rename(old)
        (Path(new_bundles) / BUNDLE).rename(site / BUNDLE)
    return shards
