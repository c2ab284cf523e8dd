"""site_gen.search_index and site_gen.pagefind_merge: the pages indexed, the Pagefind runs, and
bundles merged from several runs that equal, word by word, the bundle of one run, read back with
a CBOR parser. The browser side (the merged index finds what one run's finds) is
tests/e2e/test_search.py."""

from __future__ import annotations

import ast
import gzip
import json
import re
import shutil
import zlib
from pathlib import Path

import cbor2
import pytest
from click.testing import CliRunner
from mkdocs.exceptions import PluginError

from site_gen import search_index
from site_gen.cli import main
from site_gen.pagefind_merge import ENTRY, SUPPORTED_VERSION, UnsupportedBundle, merge_bundles, shorten_ranges
from site_gen.mkdocs.search import SearchIndexer
from site_gen.search_index import PAGES_PER_RUN, index_site, pages_to_index, plan_runs

SIGNATURE = b"pagefind_dcd"


def write_page(site: Path, path: str, body: str, indexed: bool = True, attributes: str = "") -> None:
    marker = " data-pagefind-body" if indexed else ""
    page = site / path
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        f'<!doctype html><html lang="en"><head><title>{path}</title></head><body><nav>navigation words</nav>'
        f'<article class="md-content__inner"{marker}{attributes}>{body}</article></body></html>',
        encoding="utf-8",
    )


def paper_body(number: int) -> str:
    """A paper page's article as the site has it: a heading with its permalink sign, words of its
    own and shared ones, words with diacritics (Pagefind indexes them with their variants), and a
    "More in" list that Pagefind does not index. Every third page is long, so that the index has
    several chunks."""
    filler = " ".join(f"w{number}x{k % 997}" for k in range(12000 if number % 3 == 0 else 10))
    return (
        f'<h1 id="p">Paper {number}<a class="headerlink" href="#p">¶</a></h1><p>Shared words and uniqueword{number}, '
        f'{["café", "cafe", "Jürgen", "naïve", "Zoë", "Schrödinger", "résumé"][number % 7]} Müller {filler}.</p>'
        f'<div class="paper-related" data-pagefind-ignore="all"><ul><li>Relatedtitle{(number + 1) % 7}</li></ul></div>'
    )


@pytest.fixture
def site(tmp_path) -> Path:
    """Ten paper pages, two with a filter, a hand-written page and listings that are not indexed."""
    site = tmp_path / "site"
    for number in range(10):
        filtered = ' data-pagefind-filter="kind:survey"' if number in (2, 7) else ""
        # A metadata field on one page only: the runs without it number the title field 0, the
        # index of all pages numbers it 1 (fields are sorted: author, title).
        author = '<p data-pagefind-meta="author">Ada Lovelace</p>' if number == 5 else ""
        write_page(site, f"papers/paper-{number}/index.html", paper_body(number) + author, attributes=filtered)
    write_page(site, "about/index.html", "<h1>About</h1><p>About this &amp; that list</p>")
    write_page(site, "categories/index.html", "<p>All categories</p>", indexed=False)
    write_page(site, "categories/some-category/index.html", "<p>A listing</p>", indexed=False)
    write_page(site, "index.html", "<p>Home</p>", indexed=False)
    return site


def read(path: Path):
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(SIGNATURE)
    return cbor2.loads(data[len(SIGNATURE):])


def numbered(pages: list) -> list:
    """Page numbers from the distances a chunk stores."""
    number, out = 0, []
    for distance, *rest in pages:
        number += distance
        out.append([number, *rest])
    return out


def bundle_contents(bundle: Path) -> dict:
    """Everything a bundle says about the site, with pages named by their URL instead of their
    number (which depends on the order the pages were indexed in)."""
    entry = json.loads((bundle / ENTRY).read_text())
    (language,) = entry["languages"].values()
    version, pages, chunks, filters, sorts, fields = read(bundle / f"pagefind.{language['hash']}.pf_meta")
    urls = []
    for fragment, word_count in pages:
        data = gzip.decompress((bundle / "fragment" / f"{fragment}.pf_fragment").read_bytes())
        urls.append(json.loads(data[len(SIGNATURE):])["url"])
    by_url = lambda pages: sorted((urls[number], repr(rest)) for number, *rest in numbered(pages))  # noqa: E731
    words = {}
    for _first, _last, name in chunks:
        for word, word_pages, variants in read(bundle / "index" / f"{name}.pf_index")[0]:
            words[word] = (by_url(word_pages), sorted((form, by_url(pages)) for form, pages in variants))
    filter_values = {}
    for filter_name, name in filters:
        name_again, values = read(bundle / "filter" / f"{name}.pf_filter")
        filter_values[name_again] = {value: sorted(urls[number] for number in numbers) for value, numbers in values}
    return {
        "version": version,
        "page_count": language["page_count"],
        "pages": sorted((url, word_count) for url, (_, word_count) in zip(urls, pages)),
        "words": words,
        "chunks": [[first, last] for first, last, _ in chunks],
        "filters": filter_values,
        "sorts": sorts,
        "fields": fields,
    }


def index_files(site: Path) -> dict[Path, bytes]:
    """Every file of the site's search index, with its bytes."""
    return {path.relative_to(site): path.read_bytes() for path in (site / "pagefind").rglob("*") if path.is_file()}


def test_pages_to_index_are_those_whose_article_is_marked(site):
    assert [page.as_posix() for page in pages_to_index(site)] == [
        "about/index.html", *(f"papers/paper-{n}/index.html" for n in range(10))]


def test_runs_are_as_few_and_as_equal_as_can_be_and_in_order():
    pages = [Path(f"p{n}") for n in range(10)]
    assert plan_runs(pages, pages_per_run=20) == [pages]
    assert plan_runs(pages, pages_per_run=10) == [pages]
    assert plan_runs(pages, pages_per_run=4) == [pages[0:4], pages[4:7], pages[7:10]]
    assert [len(run) for run in plan_runs([Path(str(n)) for n in range(10_006)], pages_per_run=2000)] == [1668] * 4 + [1667] * 2
    assert plan_runs([], pages_per_run=4) == [[]]


def test_runs_merged_are_the_index_of_one_run(site, tmp_path):
    """The same pages, words (with their pages, locations, metadata locations and variants),
    chunks, filters and metadata fields as Pagefind's own index of all pages at once."""
    whole = tmp_path / "whole"
    shutil.copytree(site, whole)
    assert index_site(whole) == (11, 1)
    assert index_site(site, pages_per_run=3) == (11, 4)
    one_run, merged = bundle_contents(whole / "pagefind"), bundle_contents(site / "pagefind")
    assert merged == one_run
    # What the comparison covered: several chunks, variants, filters and titles' metadata locations.
    assert len(one_run["chunks"]) >= 3
    assert any(variants for _, variants in one_run["words"].values())
    assert one_run["filters"] == {"kind": {"survey": ["/papers/paper-2/", "/papers/paper-7/"]}}
    assert one_run["fields"] == ["author", "title"]
    assert any(ast.literal_eval(rest)[1] for pages, _ in one_run["words"].values() for _, rest in pages)
    assert {"share", "uniqueword3", "cafe", "muller"} <= set(one_run["words"])  # stems
    assert not any(word.startswith(("relatedtitl", "navig")) for word in one_run["words"])
    # The files a browser loads are all there, and nothing else.
    def files(bundle: Path) -> list[str]:
        return sorted("pagefind.<hash>.pf_meta" if path.suffix == ".pf_meta" else path.name for path in bundle.iterdir())

    assert files(site / "pagefind") == files(whole / "pagefind")
    assert len(list((site / "pagefind" / "fragment").iterdir())) == 11


def test_merging_the_same_runs_again_writes_the_same_files(site):
    index_site(site, pages_per_run=3)
    first = index_files(site)
    index_site(site, pages_per_run=3)
    second = index_files(site)
    assert first == second  # files are named by their content: the same index keeps its names


def test_chunk_ranges_are_the_shortest_prefixes_that_never_end_before_they_start():
    chunks = [["ina", "initi"], ["ino", "into"], ["io", "is"], ["isa", "zoo"]]
    shorten_ranges(chunks)
    # "into" against "io" would shorten to "in", which sorts before the chunk's first word "ino".
    assert chunks == [["ina", "ini"], ["ino", "into"], ["io", "is"], ["isa", "zoo"]]


def test_runs_of_pages_in_several_languages_are_refused(site):
    """Pagefind gives a page without a lang attribute the language most pages of its run have:
    in runs of part of the site that may not be the one a run over all pages would choose."""
    page = site / "papers/paper-0/index.html"
    page.write_text(page.read_text().replace('lang="en"', 'lang="fr"'))
    assert index_site(site) == (11, 1)
    before = index_files(site)
    result = CliRunner().invoke(main, ["search-index", "--site", str(site), "--pages-per-run", "3"])
    assert result.exit_code == 1
    assert "error: pages in several languages (en, fr): merging is checked for one language only" in result.output
    assert "one Pagefind run (a larger --pages-per-run)" in result.output
    assert index_files(site) == before  # the previous index is kept


def test_a_bundle_of_another_pagefind_version_is_refused(site, tmp_path):
    index_site(site)
    bundle = site / "pagefind"
    entry = json.loads((bundle / ENTRY).read_text())
    entry["version"] = "9.9.9"
    (bundle / ENTRY).write_text(json.dumps(entry))
    with pytest.raises(UnsupportedBundle, match=f"Pagefind 9.9.9 bundle.*reads {SUPPORTED_VERSION} only"):
        merge_bundles([bundle, bundle], tmp_path / "merged")


def test_fragments_whose_names_collide_are_renamed(site, tmp_path):
    """Pagefind names a fragment by a prefix of its content's hash; two runs may pick the same name
    for different pages."""
    for number in (0, 1):
        part = tmp_path / f"part-{number}"
        write_page(part, f"papers/paper-{number}/index.html", paper_body(number))
        search_index._run_pagefind(part, tmp_path / f"bundle-{number}")
    first, second = tmp_path / "bundle-0", tmp_path / "bundle-1"
    taken = next((first / "fragment").iterdir()).stem
    (old,) = (second / "fragment").iterdir()
    old.rename(second / "fragment" / f"{taken}.pf_fragment")
    entry = json.loads((second / ENTRY).read_text())
    meta_path = second / f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    meta = read(meta_path)
    meta[1][0][0] = taken
    meta_path.write_bytes(gzip.compress(SIGNATURE + cbor2.dumps(meta)))
    merge_bundles([first, second], tmp_path / "merged")
    contents = bundle_contents(tmp_path / "merged")
    assert [url for url, _ in contents["pages"]] == ["/papers/paper-0/", "/papers/paper-1/"]


def test_a_failed_run_keeps_the_previous_index(site, monkeypatch):
    index_site(site, pages_per_run=3)
    before = index_files(site)
    runs = []

    def fail_on_the_second_run(pages_root, bundle):
        runs.append(bundle)
        if len(runs) == 2:
            raise RuntimeError("pagefind failed")
        real_run_pagefind(pages_root, bundle)

    real_run_pagefind = search_index._run_pagefind
    monkeypatch.setattr(search_index, "_run_pagefind", fail_on_the_second_run)
    write_page(site, "papers/paper-new/index.html", paper_body(11))
    with pytest.raises(RuntimeError):
        index_site(site, pages_per_run=3)
    after = index_files(site)
    assert after == before
    assert sorted(path.name for path in site.iterdir()) == ["about", "categories", "index.html", "pagefind", "papers"]


def test_leftovers_of_a_killed_run_are_removed(site):
    (site / ".pagefind-killed" / "bundle-0").mkdir(parents=True)
    index_site(site)
    assert sorted(path.name for path in site.iterdir()) == ["about", "categories", "index.html", "pagefind", "papers"]


def test_pages_with_odd_names_are_indexed(site):
    write_page(site, "papers/odd{name} [1]*/index.html", "<p>Oddword</p>")
    index_site(site, pages_per_run=3)
    assert sum("odd" in url for url, _ in bundle_contents(site / "pagefind")["pages"]) == 1


ARTICLE = re.compile(r'(<article class="md-content__inner"( data-pagefind-body)?)([^>]*)>(.*)</article>', re.S)


def attributes_inside_the_article(site: Path) -> None:
    """The plugin hands Pagefind a page's converted Markdown, which is what its article holds:
    the attributes on the fixture's articles move onto a <div> inside them."""
    for page in site.rglob("*.html"):
        page.write_text(ARTICLE.sub(r"\1><div\3>\4</div></article>", page.read_text()))


def compressed(html: str) -> bytes:
    """A page's HTML as the plugin hands it to the indexer."""
    return zlib.compress(html.encode("utf-8"), 1)


def indexed_while_building(site: Path, target: Path, pages_per_run: int = PAGES_PER_RUN) -> tuple[int, int]:
    """What the MkDocs plugin does: each indexed page's HTML handed to the indexer as MkDocs
    converts it."""
    indexer = SearchIndexer(target, "en", pages_per_run)
    for page in sorted(site.rglob("*.html")):
        _, marked, _, content = ARTICLE.search(page.read_text(encoding="utf-8")).groups()
        if marked:
            indexer.add("/" + page.relative_to(site).as_posix().removesuffix("index.html"), page.parent.name, compressed(content))
    indexer.all_added()
    return indexer.finish()


@pytest.mark.parametrize("pages_per_run", [PAGES_PER_RUN, 3])
def test_indexing_while_building_writes_the_bundle_of_the_built_site(site, tmp_path, pages_per_run):
    """The plugin sends Pagefind each page's language and article only, as MkDocs converts it: the
    bundle is the one `site-gen search-index` writes from the built pages."""
    attributes_inside_the_article(site)
    target = tmp_path / "built"
    target.mkdir()
    assert indexed_while_building(site, target, pages_per_run) == (11, -(-11 // pages_per_run))
    assert index_site(site) == (11, 1)
    built = bundle_contents(target / "pagefind")
    assert built == bundle_contents(site / "pagefind")
    assert built["filters"] == {"kind": {"survey": ["/papers/paper-2/", "/papers/paper-7/"]}}
    assert sorted(path.name for path in target.iterdir()) == ["pagefind"]


def test_a_page_without_a_heading_is_indexed_under_its_title(tmp_path):
    """As Material's content partial shows it: the page title as its <h1>, escaped."""
    indexer = SearchIndexer(tmp_path, "en")
    indexer.add("/notes/", "Notes & <queries>", compressed("<p>Body words</p>"))
    indexer.finish()
    (fragment,) = (tmp_path / "pagefind" / "fragment").iterdir()
    record = json.loads(gzip.decompress(fragment.read_bytes())[len(SIGNATURE):])
    assert record["meta"]["title"] == "Notes & <queries>"
    assert record["content"] == "Notes & <queries> Body words."


def test_indexing_while_building_reports_what_pagefind_refuses(site, tmp_path, monkeypatch):
    """An answer of Pagefind's that is an error fails the build with Pagefind's message; nothing is
    left in the site."""
    target = tmp_path / "built"
    target.mkdir()
    indexer = SearchIndexer(target, "en", pages_per_run=3)
    # Sent before any page, while the indexer's own thread waits for one: a file for no index.
    indexer._service.send({"type": "AddFile", "index_id": 99, "url": "/x/", "file_contents": "<html></html>"})
    indexer.add("/papers/paper-0/", "Paper 0", compressed(paper_body(0)))
    with pytest.raises(PluginError, match="Pagefind failed to index the site: .+"):
        indexer.finish()
    assert list(target.iterdir()) == []


def test_indexing_while_building_stops_when_pagefind_dies(site, tmp_path):
    tmp_path = tmp_path / "built"
    tmp_path.mkdir()
    indexer = SearchIndexer(tmp_path, "en")
    indexer._service._process.kill()
    for number in range(3):
        indexer.add(f"/papers/paper-{number}/", f"Paper {number}", compressed(paper_body(number)))
    with pytest.raises(PluginError, match="Pagefind failed to index the site"):
        indexer.finish()
    assert list(tmp_path.iterdir()) == []


def test_a_missing_pagefind_binary_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr("site_gen.mkdocs.search.get_executable", lambda: None)
    with pytest.raises(PluginError, match="Pagefind's binary is missing — reinstall site-gen"):
        SearchIndexer(tmp_path, "en")
