"""site_gen.search_index: which pages go into which Pagefind shard, the vocabulary each shard gets,
and the bundles and manifest a real Pagefind run leaves in the site. The browser side (merged
shards answer as one index) is tests/e2e/test_search.py."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import cbor2
import pytest

from site_gen import search_index
from site_gen.search_index import (
    MANIFEST,
    VOCABULARY_FILTER,
    VOCABULARY_FOLDER,
    index_site,
    pages_to_index,
    plan_shards,
    indexed_words,
    page_counts,
    words_of,
    write_vocabulary_pages,
)


def write_page(site: Path, path: str, body: str, indexed: bool = True) -> None:
    marker = " data-pagefind-body" if indexed else ""
    page = site / path
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        f'<!doctype html><html lang="en"><head><title>{path}</title></head><body><nav>navigation words</nav>'
        f'<article class="md-content__inner"{marker}>{body}</article></body></html>',
        encoding="utf-8",
    )


def paper_body(number: int) -> str:
    """A paper page's article as the site has it: a heading with its permalink sign, words joined
    across inline tags, words with capitals inside (which Pagefind also splits), and a "More in"
    list of other titles that Pagefind does not index."""
    camel = ["VisualWebArena", "McAuley", "ResNet50", "BatchNorm", "AlphaTensor", "GaLore", "KVQuant"][number % 7]
    return (
        f'<h1 id="p">Paper {number}<a class="headerlink" href="#p">¶</a></h1><p>Shared words and uniqueword{number}, '
        f'x<sub>{number}</sub>y <em>Lo</em>RA {camel} “quoted{number}” low-rank{number}.</p>'
        f'<div class="paper-related" data-pagefind-ignore="all"><ul><li>Relatedtitle{(number + 1) % 7}</li></ul></div>'
    )


@pytest.fixture
def site(tmp_path) -> Path:
    """Seven paper pages, each with words of its own, a hand-written page and a listing."""
    site = tmp_path / "site"
    for number in range(7):
        write_page(site, f"papers/paper-{number}/index.html", paper_body(number))
    write_page(site, "about/index.html", "<h1>About</h1><p>About this &amp; that list</p>")
    write_page(site, "categories/index.html", "<p>All categories</p>", indexed=False)
    write_page(site, "categories/some-category/index.html", "<p>A listing</p>", indexed=False)
    write_page(site, "index.html", "<p>Home</p>", indexed=False)
    return site


def fragments(bundle: Path) -> list[dict]:
    """Pagefind's per-page records in a bundle (gzip, "pagefind_dcd" then JSON)."""
    records = []
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        records.append(json.loads(data[len(b"pagefind_dcd"):]))
    return records


def test_pages_to_index_are_paper_pages_and_pages_one_folder_deep(site):
    assert [page.as_posix() for page in pages_to_index(site)] == [
        "about/index.html", "categories/index.html", *(f"papers/paper-{n}/index.html" for n in range(7))]


def test_a_small_list_is_one_shard_without_vocabulary(site):
    (shard,) = plan_shards(site, pages_to_index(site), pages_per_shard=7)
    assert shard.bundle == "pagefind"
    assert len(shard.pages) == 9
    assert not shard.vocabulary


def test_papers_are_dealt_round_robin_and_other_pages_go_to_the_first_shard(site):
    shards = plan_shards(site, pages_to_index(site), pages_per_shard=3)
    assert [shard.bundle for shard in shards] == ["pagefind", "pagefind/shard-1", "pagefind/shard-2"]
    names = [[page.parent.name for page in shard.pages] for shard in shards]
    assert names == [["about", "categories", "paper-0", "paper-3", "paper-6"], ["paper-1", "paper-4"], ["paper-2", "paper-5"]]


def test_each_shard_counts_every_word_on_as_many_pages_as_the_shard_that_has_it_most(site):
    first, second, third = (Counter(shard.vocabulary) for shard in plan_shards(site, pages_to_index(site), pages_per_shard=3))
    # "shared" is on every paper page: 3, 2 and 2 of them; "about" only on the first shard's page.
    assert (first["Shared"], second["Shared"], third["Shared"]) == (0, 1, 1)
    assert (first["About"], second["About"], third["About"]) == (0, 1, 1)
    assert (first["uniqueword1"], second["uniqueword1"], third["uniqueword1"]) == (1, 0, 1)
    every = {word.lower() for word in first | second | third}
    assert "navigation" not in every  # outside the article
    assert "relatedtitle1" not in every  # in a list Pagefind ignores


def test_page_counts_count_pages_not_occurrences(site):
    write_page(site, "papers/a/index.html", "<p>galore, (LoRA) GPT-4&amp;Co. GaLore Galore</p><p>Paper</p>")
    write_page(site, "papers/b/index.html", "<p>paper lora</p>")
    counts, forms = page_counts(site, [Path("papers/a/index.html"), Path("papers/b/index.html")])
    assert counts == {"galore": 1, "lora": 2, "gpt-4&co": 1, "paper": 2}
    # Written with its inner capitals where it has them: Pagefind indexes the parts of such words.
    assert forms == {"galore": "GaLore", "lora": "LoRA", "gpt-4&co": "GPT-4&Co", "paper": "Paper"}


def test_indexed_words_are_what_pagefind_reads():
    """Only the body; not ignored or excluded elements, scripts or forms; inline tags join words,
    block tags and line breaks separate them."""
    page = (
        '<nav>Menu</nav><article data-pagefind-body><h1>Title<a class="headerlink" href="#t">¶</a></h1>'
        '<p>x<sup>2</sup>y <em>Lo</em>RA <code>a.b</code></p><div data-pagefind-ignore><p>hidden <b>bold</b></p></div>'
        '<script>if (a<b && c>d) code()</script><!-- <p>commented</p> --><form><label>field</label></form>'
        '<p>one<br>two<br/>three</p><ul><li>first</li><li>second</li></ul><label>alone</label>'
        '</article><footer>Footer</footer>'
    )
    assert set(indexed_words(page)) == {"title", "x2y", "lora", "a.b", "one", "two", "three", "first", "second"}
    assert indexed_words("<article><p>No body marker</p></article>") == {}


def test_vocabulary_pages_repeat_each_word_as_often_as_it_says(site):
    pages = write_vocabulary_pages(site, {"rare": 1, "Common": 3, "none": 0})
    assert all(page.parts[0] == VOCABULARY_FOLDER.name for page in pages)
    texts = [(site / page).read_text() for page in pages]
    assert len(pages) == 3
    assert sum("rare" in text for text in texts) == 1 and sum("Common" in text for text in texts) == 3
    assert not any("none" in text for text in texts)


def test_index_site_writes_one_bundle_per_shard_and_a_manifest(site):
    shards = index_site(site, pages_per_shard=3)
    manifest = json.loads((site / "pagefind" / MANIFEST).read_text())
    assert manifest == {"shards": ["shard-1/", "shard-2/"], "exclude": VOCABULARY_FILTER}
    urls = []
    for shard in shards:
        records = fragments(site / shard.bundle)
        vocabulary = [record for record in records if record["filters"]]
        assert all(record["filters"] == {key: [value] for key, value in VOCABULARY_FILTER.items()} for record in vocabulary)
        on_pages = Counter(word.rstrip(".") for record in vocabulary for word in record["content"].split())  # Pagefind ends a block with "."
        assert on_pages == +Counter(shard.vocabulary)
        urls += [record["url"] for record in records if not record["filters"]]
    # Each indexed page (those with data-pagefind-body) in exactly one shard, at its own URL.
    assert sorted(urls) == ["/about/", *(f"/papers/paper-{n}/" for n in range(7))]
    assert sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html") if "pagefind" not in path.parts) == sorted(
        [*(f"papers/paper-{n}/index.html" for n in range(7)), "about/index.html", "categories/index.html",
         "categories/some-category/index.html", "index.html"])  # nothing added to the site but the bundles


def index_words(bundle: Path) -> Counter[str]:
    """Each word of a bundle's index (stems, as Pagefind stores them) and on how many of its pages
    it is, read from the index chunks (gzip, "pagefind_dcd", then CBOR: [[word, [[page, ...]...]]...])."""
    pages: Counter[str] = Counter()
    for path in (bundle / "index").glob("*.pf_index"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        for word, word_pages, *_ in cbor2.loads(data[len(b"pagefind_dcd"):])[0]:
            pages[word] += len(word_pages)
    return pages


def test_every_shard_indexes_every_word_on_as_many_pages_as_the_shard_with_it_most(site, tmp_path):
    """What Pagefind indexed, read back from its index: every shard has every word of the one
    index and no other, each whole word on as many pages (vocabulary pages included)."""
    whole = tmp_path / "whole"
    shutil.copytree(site, whole)
    index_site(whole)
    one_index = index_words(whole / "pagefind")
    shards = index_site(site, pages_per_shard=3)
    counts = [index_words(site / shard.bundle) for shard in shards]
    for shard, shard_counts in zip(shards, counts):
        assert set(shard_counts) == set(one_index), shard.bundle
    # Words are counted whole: a part that Pagefind also indexes on its own ("low" of "low-rank0"
    # and "low-rank1") may be counted on more pages in one shard than in another.
    unequal = {word for word in one_index if len({c[word] for c in counts}) > 1}
    def letters(word: str) -> str:
        return "".join(character for character in word if character.isalnum())

    assert all(any(letters(word) in letters(other) != letters(word) for other in one_index) for word in unequal), unequal
    assert {"x1i", "lora", "lo", "ra", "arena", "tensor", "share"} <= set(one_index)  # stems: "x1y", "shared"
    assert not any(word.startswith("relatedtitl") for word in one_index)


def test_a_failed_run_keeps_the_previous_index(site, monkeypatch):
    index_site(site, pages_per_shard=3)
    before = {path.relative_to(site): path.read_bytes() for path in (site / "pagefind").rglob("*") if path.is_file()}
    runs = []

    def fail_on_the_second_shard(pages_root, bundle):
        runs.append(bundle)
        if len(runs) == 2:
            raise RuntimeError("pagefind failed")
        real_run_pagefind(pages_root, bundle)

    real_run_pagefind = search_index._run_pagefind
    monkeypatch.setattr(search_index, "_run_pagefind", fail_on_the_second_shard)
    write_page(site, "papers/paper-new/index.html", paper_body(8))
    with pytest.raises(RuntimeError):
        index_site(site, pages_per_shard=3)
    after = {path.relative_to(site): path.read_bytes() for path in (site / "pagefind").rglob("*") if path.is_file()}
    assert after == before
    assert sorted(path.name for path in site.iterdir()) == ["about", "categories", "index.html", "pagefind", "papers"]


def test_reindexing_replaces_the_previous_bundles(site):
    index_site(site, pages_per_shard=3)
    index_site(site)
    assert json.loads((site / "pagefind" / MANIFEST).read_text()) == {"shards": [], "exclude": {}}
    assert not list((site / "pagefind").glob("shard-*"))
    assert len(fragments(site / "pagefind")) == 8


def test_pages_with_odd_names_are_indexed(site):
    write_page(site, "papers/odd{name} [1]*/index.html", "<p>Oddword</p>")
    index_site(site, pages_per_shard=3)
    urls = [record["url"] for bundle in ("pagefind", "pagefind/shard-1", "pagefind/shard-2") for record in fragments(site / bundle)]
    assert sum("odd" in url for url in urls) == 1
