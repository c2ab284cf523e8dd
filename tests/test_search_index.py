"""site_gen.search_index: which pages go into which Pagefind shard, the vocabulary each shard gets,
and the bundles and manifest a real Pagefind run leaves in the site. The browser side (merged
shards answer as one index) is tests/e2e/test_search.py."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from site_gen.search_index import (
    MANIFEST,
    VOCABULARY_FILTER,
    VOCABULARY_FOLDER,
    index_site,
    pages_to_index,
    plan_shards,
    words_of_pages,
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


@pytest.fixture
def site(tmp_path) -> Path:
    """Seven paper pages, each with one word of its own, a hand-written page and a listing."""
    site = tmp_path / "site"
    for number in range(7):
        write_page(site, f"papers/paper-{number}/index.html", f"<h1>Paper {number}</h1><p>Shared words and uniqueword{number}.</p>")
    write_page(site, "about/index.html", "<p>About this &amp; that list</p>")
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
    assert shard.vocabulary == frozenset()


def test_papers_are_dealt_round_robin_and_other_pages_go_to_the_first_shard(site):
    shards = plan_shards(site, pages_to_index(site), pages_per_shard=3)
    assert [shard.bundle for shard in shards] == ["pagefind", "pagefind/shard-1", "pagefind/shard-2"]
    names = [[page.parent.name for page in shard.pages] for shard in shards]
    assert names == [["about", "categories", "paper-0", "paper-3", "paper-6"], ["paper-1", "paper-4"], ["paper-2", "paper-5"]]


def test_each_shard_gets_the_words_only_other_shards_have(site):
    first, second, third = plan_shards(site, pages_to_index(site), pages_per_shard=3)
    assert {"uniqueword1", "uniqueword2", "uniqueword4", "uniqueword5", "1", "2", "4", "5"} <= first.vocabulary
    assert not {"uniqueword0", "paper", "shared", "words", "about", "that"} & first.vocabulary
    assert "uniqueword0" in second.vocabulary and "about" in second.vocabulary
    assert "uniqueword1" not in second.vocabulary
    assert "navigation" not in first.vocabulary | second.vocabulary | third.vocabulary  # outside the article


def test_words_are_the_articles_text_lowercased_without_surrounding_punctuation(site):
    write_page(site, "papers/odd/index.html", "<p>“GaLore”, (LoRA) GPT-4&amp;Co. x<sub>2</sub> — ¶</p>")
    assert words_of_pages(site, [Path("papers/odd/index.html")]) == {"galore", "lora", "gpt-4&co", "x", "2"}


def test_index_site_writes_one_bundle_per_shard_and_a_manifest(site):
    shards = index_site(site, pages_per_shard=3)
    manifest = json.loads((site / "pagefind" / MANIFEST).read_text())
    assert manifest == {"shards": ["shard-1/", "shard-2/"], "exclude": VOCABULARY_FILTER}
    urls = []
    for shard in shards:
        records = fragments(site / shard.bundle)
        vocabulary = [record for record in records if record["filters"]]
        assert len(vocabulary) == 1 and vocabulary[0]["filters"] == {key: [value] for key, value in VOCABULARY_FILTER.items()}
        assert {word.rstrip(".") for word in vocabulary[0]["content"].split()} == set(shard.vocabulary)  # Pagefind ends a block with "."
        urls += [record["url"] for record in records if not record["filters"]]
    # Each indexed page (those with data-pagefind-body) in exactly one shard, at its own URL.
    assert sorted(urls) == ["/about/", *(f"/papers/paper-{n}/" for n in range(7))]
    assert not (site / VOCABULARY_FOLDER).exists()


def test_reindexing_replaces_the_previous_bundles(site):
    index_site(site, pages_per_shard=3)
    index_site(site)
    assert json.loads((site / "pagefind" / MANIFEST).read_text()) == {"shards": [], "exclude": {}}
    assert not list((site / "pagefind").glob("shard-*"))
    assert len(fragments(site / "pagefind")) == 8


def test_a_path_a_glob_would_misread_is_refused(site):
    write_page(site, "papers/odd{name}/index.html", "<p>Odd</p>")
    with pytest.raises(ValueError, match=r"papers/odd\{name\}/index.html"):
        index_site(site)
