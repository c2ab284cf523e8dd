"""Merge Pagefind bundles, each the index of a part of a site, into one bundle of the whole site.

Pagefind's memory grows with every word it indexes (~130 KB per paper page): one run over 10,000
papers takes 1.4 GB. Runs over parts of the site stay small, and merging their bundles gives the
bundle one run would have written: the same pages, words, locations and filters, cut into chunks
the same way (only the pages' numbers differ: one run numbers them in the order it reads the
folders, which decides nothing but the order of equal scores). So the browser loads one index,
as fast as one run's, and ranks as one run does (Pagefind's own `mergeIndex` searches each part
apart: one index chunk per part for every query, and each part weighs words by its own pages).

This reads and writes Pagefind's internal format, which only Pagefind's versions define: the
files are gzip'd "pagefind_dcd" followed by CBOR. SUPPORTED_VERSION is the one this was written
for and checked against (tests/test_search_index.py compares a merge with one run, word by
word); a bundle of any other version is refused rather than merged wrongly. So are bundles of
more than one language together: Pagefind puts a page without a `lang` attribute in the
language most of its run's pages have, which in runs of part of the site may not be the
language one run would have chosen.

A bundle (Pagefind 1.5):
- pagefind-entry.json: the version and, per language, the name of its metadata file, its
  WebAssembly and the number of pages;
- pagefind.<language>_<hash>.pf_meta: [version, pages ([fragment, word count], page number =
  position), index chunks ([first word, last word, file]), filters ([name, file]), sorts,
  metadata fields (sorted; metadata locations name a field by its position here)];
- index/<file>.pf_index: [[word, pages, [[variant, pages], ...]], ...]: the words in order, cut
  into chunks of about CHUNK_SIZE locations; pages are [[page number, locations, metadata
  locations], ...] where each page number is counted from the page before it, and metadata
  locations switch to field n with the marker -(n + 1); variants are the forms of the word with
  diacritics;
- filter/<file>.pf_filter: [name, [[value, [page number, ...]], ...]];
- fragment/<fragment>.pf_fragment: a page's URL, title, text (JSON), named in the metadata;
- Pagefind's scripts and WebAssembly, the same in every bundle of a version.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import heapq
import json
import shutil
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import cbor2

SUPPORTED_VERSION = "1.5.2"
ENTRY = "pagefind-entry.json"
SIGNATURE = b"pagefind_dcd"
# Pagefind closes an index chunk once its words' pages, locations and metadata locations reach this.
CHUNK_SIZE = 20000
# Merged chunks (~90 KB each before compression) waiting for the thread that compresses and writes them.
_CHUNKS_WAITING = 8


class UnsupportedBundle(ValueError):
    """A bundle this module cannot merge faithfully."""


def _read_file(path: Path) -> object:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise UnsupportedBundle(f"{path}: not a Pagefind index file")
    return cbor2.loads(data[len(SIGNATURE) :])


def _encode_file(value: object) -> bytes:
    return _compressed(SIGNATURE + cbor2.dumps(value))


def _compressed(data: bytes) -> bytes:
    # mtime=0: the same index gives the same bytes, so unchanged files keep their names and caches.
    # Level 6, as Pagefind's: level 9 took twice as long for files 1% smaller.
    return gzip.compress(data, compresslevel=6, mtime=0)


class Pages:
    """A word's pages as an index chunk holds them, each page's number counted from the page
    before it, numbered as in the merged index; and the number of the last."""

    __slots__ = ("encoded", "last")

    def __init__(self, encoded: list, first_page: int, fields: Sequence[int] | None) -> None:
        if encoded:
            encoded[0][0] += first_page
        if fields is not None:
            for page in encoded:
                page[2] = [-fields[-location - 1] - 1 if location < 0 else location for location in page[2]]
        self.encoded = encoded
        self.last = sum(map(itemgetter(0), encoded))

    def extend(self, more: Pages) -> None:
        if more.encoded:
            more.encoded[0][0] -= self.last
            self.encoded.extend(more.encoded)
            self.last = more.last

    def size(self) -> int:
        """What Pagefind counts towards a chunk's size: pages, locations and metadata locations."""
        pages = self.encoded
        return len(pages) + sum(map(len, map(itemgetter(1), pages))) + sum(map(len, map(itemgetter(2), pages)))


@dataclass
class Part:
    """One bundle, as part of the merged index."""

    bundle: Path
    meta: list
    first_page: int  # its page 0 is this page of the merged index
    fields: Sequence[int] | None  # its metadata fields' positions in the merged index's, if any moved

    def words(self) -> Iterator[tuple[str, Pages, dict[str, Pages]]]:
        """Its words in order: each with its pages and the pages of each of its variants (forms
        with diacritics)."""
        first, fields = self.first_page, self.fields
        for _first, _last, name in self.meta[2]:
            for word, pages, variants in _read_file(self.bundle / "index" / f"{name}.pf_index")[0]:
                yield word, Pages(pages, first, fields), {
                    form: Pages(variant_pages, first, fields) for form, variant_pages in variants}


def _packed(word: list) -> list:
    """A merged word as Pagefind writes it in a chunk."""
    text, pages, variants = word
    return [text, pages.encoded, [[form, variant_pages.encoded] for form, variant_pages in variants.items()]]


def merge_bundles(bundles: Sequence[Path], output: Path) -> int:
    """Write into `output` (which must not exist) the bundle of all pages of `bundles`, in their
    order; returns the number of pages. The pages' fragments are moved, not copied: the bundles
    are left incomplete."""
    # No reference cycles here, and the garbage collector's passes over the words held in memory
    # took a third of the time (5 of 15 s at 10,000 papers).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _merge(bundles, output)
    finally:
        if collecting:
            gc.enable()


def _merge(bundles: Sequence[Path], output: Path) -> int:
    entries = [json.loads((bundle / ENTRY).read_text(encoding="utf-8")) for bundle in bundles]
    for bundle, entry in zip(bundles, entries):
        if entry.get("version") != SUPPORTED_VERSION:
            raise UnsupportedBundle(
                f"{bundle}: Pagefind {entry.get('version')} bundle; site_gen/pagefind_merge.py reads "
                f"{SUPPORTED_VERSION} only — check its format and update SUPPORTED_VERSION"
            )
    languages = {language for entry in entries for language in entry["languages"]}
    if len(languages) > 1:
        raise UnsupportedBundle(
            f"pages in several languages ({', '.join(sorted(languages))}): merging is checked for one "
            "language only — index the site in one Pagefind run (a larger --pages-per-run)"
        )
    metas = []
    for bundle, entry in zip(bundles, entries):
        (language,) = entry["languages"].values()
        metas.append(_read_file(bundle / f"pagefind.{language['hash']}.pf_meta"))
        _check_meta(bundle, metas[-1])
    fields = sorted({field for meta in metas for field in meta[5]})
    parts = []
    first_page = 0
    for bundle, meta in zip(bundles, metas):
        positions = [fields.index(field) for field in meta[5]]
        parts.append(Part(bundle, meta, first_page, None if positions == list(range(len(positions))) else positions))
        first_page += len(meta[1])
    output.mkdir(parents=True)
    _copy_assets(bundles[0], output)
    (output / "fragment").mkdir()
    (output / "index").mkdir()
    (language,) = languages
    language_entry = dict(entries[0]["languages"][language])
    language_entry.update(hash=_write_index(language, parts, fields, output), page_count=first_page)
    (output / ENTRY).write_text(json.dumps({**entries[0], "languages": {language: language_entry}}), encoding="utf-8")
    return first_page


def page_count(bundle: Path) -> int:
    """How many pages a bundle indexes, in all languages."""
    entry = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
    return sum(language["page_count"] for language in entry["languages"].values())


def _check_meta(bundle: Path, meta: list) -> None:
    if not (isinstance(meta, list) and len(meta) == 6 and meta[0] == SUPPORTED_VERSION):
        raise UnsupportedBundle(f"{bundle}: unexpected Pagefind metadata layout")
    if meta[4]:
        raise UnsupportedBundle(f"{bundle}: pages with data-pagefind-sort; merging sorts is not supported")


def _copy_assets(bundle: Path, output: Path) -> None:
    """Pagefind's scripts, styles and WebAssembly: everything but the index of the pages."""
    for path in bundle.iterdir():
        if path.is_file() and path.name != ENTRY and path.suffix != ".pf_meta":
            shutil.copy2(path, output / path.name)


def _write_index(language: str, parts: Sequence[Part], fields: list[str], output: Path) -> str:
    """Write the fragments, index chunks, filters and metadata; returns the metadata's name in the
    entry file."""
    pages = []
    for part in parts:
        for fragment, word_count in part.meta[1]:
            pages.append([_move_fragment(part.bundle, fragment, output), word_count])
    # Compressing and hashing release the GIL: one thread compresses and writes each chunk while
    # this one merges the next ones (gzip was a quarter of the merge's time). One thread, so chunks
    # are named in order, as without it; a few chunks wait for it (one alone left it idle while
    # this thread held the GIL), and a failed write stops the merge there.
    chunks: list[list] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pagefind-chunks") as writer:
        waiting: deque[tuple[list, Future]] = deque()
        for words in _chunks(_merged_words(parts)):
            data = SIGNATURE + cbor2.dumps([[_packed(word) for word in words]])
            if len(waiting) == _CHUNKS_WAITING:
                chunk, name = waiting.popleft()
                chunk.append(name.result())
            chunks.append([words[0][0], words[-1][0]])
            waiting.append((chunks[-1], writer.submit(_write_chunk, output / "index", language, data)))
        for chunk, name in waiting:
            chunk.append(name.result())
    shorten_ranges(chunks)
    filters = [[name, _write_unique(output / "filter", language, ".pf_filter", _encode_file([name, values]))]
               for name, values in _merged_filters(parts)]
    meta = _encode_file([SUPPORTED_VERSION, pages, chunks, filters, [], fields])
    name = f"{language}_{hashlib.sha256(meta).hexdigest()[:10]}"
    (output / f"pagefind.{name}.pf_meta").write_bytes(meta)
    return name


def _move_fragment(bundle: Path, fragment: str, output: Path) -> str:
    """Move a page's fragment into the merged bundle. Fragments are named by a prefix of their
    content's hash: the same name in two runs is the same content, unless the prefixes collide,
    and then the second is renamed."""
    source = bundle / "fragment" / f"{fragment}.pf_fragment"
    name = fragment
    while (target := output / "fragment" / f"{name}.pf_fragment").exists():
        if target.read_bytes() == source.read_bytes():
            return name
        name += "_"
    source.replace(target)
    return name


def _write_chunk(folder: Path, language: str, uncompressed: bytes) -> str:
    return _write_unique(folder, language, ".pf_index", _compressed(uncompressed))


def _write_unique(folder: Path, language: str, suffix: str, data: bytes) -> str:
    folder.mkdir(exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    length = 7
    while (folder / f"{language}_{digest[:length]}{suffix}").exists():
        length += 1
    name = f"{language}_{digest[:length]}"
    (folder / f"{name}{suffix}").write_bytes(data)
    return name


def _merged_words(parts: Sequence[Part]) -> Iterator[list]:
    """Every word of every part in order, each once, with the pages of all parts. Reads one chunk
    of each part at a time. heapq.merge keeps equal words in the parts' order, so pages stay sorted."""
    current: list | None = None
    for word, pages, variants in heapq.merge(*(part.words() for part in parts), key=itemgetter(0)):
        if current is not None and current[0] == word:
            current[1].extend(pages)
            for form, variant_pages in variants.items():
                if form in current[2]:
                    current[2][form].extend(variant_pages)
                else:
                    current[2][form] = variant_pages
            continue
        if current is not None:
            yield current
        current = [word, pages, variants]
    if current is not None:
        yield current


def _chunks(words: Iterator[list]) -> Iterator[list]:
    """Cut the words into chunks as Pagefind does."""
    chunk: list = []
    size = 0
    for word in words:
        chunk.append(word)
        size += word[1].size()
        if size >= CHUNK_SIZE:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def shorten_ranges(chunks: Sequence[list]) -> None:
    """Replace each chunk's [first word, last word, ...] by the shortest prefixes that tell it from
    its neighbours, as Pagefind does: the browser picks the chunks of a typed word by them."""
    for before, after in zip(chunks, chunks[1:]):
        common = 0
        for a, b in zip(before[1], after[0]):
            if a != b:
                break
            common += 1
        last, first = before[1][: common + 1], after[0][: common + 1]
        if last >= before[0]:  # a range never ends before it starts ("ino" to "in")
            before[1] = last
        after[0] = first


def _merged_filters(parts: Sequence[Part]) -> list[tuple[str, list]]:
    merged: dict[str, dict[str, list[int]]] = {}
    for part in parts:
        for name, file in part.meta[3]:
            _name, values = _read_file(part.bundle / "filter" / f"{file}.pf_filter")
            for value, pages in values:
                merged.setdefault(name, {}).setdefault(value, []).extend(page + part.first_page for page in pages)
    return [(name, [[value, pages] for value, pages in sorted(values.items())]) for name, values in sorted(merged.items())]


def main(arguments: Sequence[str]) -> None:
    """`python -m site_gen.pagefind_merge OUTPUT BUNDLE...`, with which the MkDocs plugin merges in
    a process of its own, beside MkDocs (site_gen/mkdocs/search.py)."""
    output, *bundles = map(Path, arguments)
    try:
        merge_bundles(bundles, output)
    except UnsupportedBundle as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main(sys.argv[1:])
