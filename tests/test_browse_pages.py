"""Authors, venues and years: who is one person, which venues are one series, and that their pages
list exactly their papers, on the seed list and on small lists made for each rule."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
import yaml

from site_gen.names import page_key, slug, venue_series
from tests.conftest import REPO_ROOT, TAXONOMY, VALID_PAPER, PaperList


def linked_papers(markdown: str) -> list[str]:
    """The paper ids a listing page's entries link, in page order."""
    return re.findall(r'<p class="paper-title"><strong><a href="\.\./\.\./papers/([^/"]+)/">', markdown)


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """The seed list built (site-gen build) in a copy, and its papers' fields by id."""
    from site_gen.build import build
    from site_gen.project import Project

    root = tmp_path_factory.mktemp("seed")
    (root / "papers").mkdir()
    papers = {}
    for path in (REPO_ROOT / "papers").glob("*.yml"):
        (root / "papers" / path.name).write_bytes(path.read_bytes())
        if not path.name.startswith("_"):
            papers[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))
    (root / "docs").mkdir()
    build(Project(root))
    return root / "build" / "docs", papers


@pytest.mark.parametrize(("a", "b"), [
    ("Christopher Ré", "Christopher Re"),
    ("JÜRGEN  SCHMIDHUBER", "Jürgen Schmidhuber"),
    ("Jürgen Schmidhuber", "Ju\u0308rgen Schmidhuber"),  # composed and decomposed ü
    ("Da-Wei Zhou", "Da Wei Zhou"),
    ("ｆｕｌｌ Ｗｉｄｔｈ", "Full Width"),
])
def test_names_that_differ_by_case_accents_punctuation_or_unicode_form_are_one_key(a: str, b: str):
    assert page_key(a) == page_key(b) != ""


def test_scripts_without_latin_letters_keep_their_words_and_no_key_is_a_folders_page():
    assert slug("张伟 李") == "张伟-李" and slug("Αλέξανδρος Παπαδόπουλος") == "αλεξανδροσ-παπαδοπουλοσ"
    assert slug("김민준") == "김민준"  # Hangul recomposed after the accents are dropped
    assert page_key("Index") == "index-page" and page_key("???") == "unnamed-page"


@pytest.mark.parametrize(("venue", "series"), [
    ("NeurIPS 2023", "NeurIPS"),
    ("NeurIPS 2024 (oral)", "NeurIPS"),
    ("ICLR '24", "ICLR"),
    ("NeurIPS'23", "NeurIPS"),  # the year written right after the name
    ("ICML’24 Workshop on Long Context", "ICML Workshop on Long Context"),
    ("The 37th AAAI Conference on Artificial Intelligence", "The AAAI Conference on Artificial Intelligence"),
    ("NeurIPS 2022 Workshop on Meta-Learning", "NeurIPS Workshop on Meta-Learning"),
    ("Nature Computational Science 2025", "Nature Computational Science"),
    ("MLSys", "MLSys"),
])
def test_a_venue_series_is_its_name_without_years_ordinals_and_remarks(venue: str, series: str):
    assert venue_series(venue) == series


def test_every_author_of_two_or_more_seed_papers_has_a_page_of_exactly_those(seed):
    docs, papers = seed
    by_author: dict[str, set[str]] = {}
    for paper_id, fields in papers.items():
        for author in fields["authors"]:
            by_author.setdefault(page_key(author), set()).add(paper_id)
    with_pages = {key: ids for key, ids in by_author.items() if len(ids) >= 2}
    assert len(with_pages) >= 20
    assert {path.stem for path in (docs / "authors").glob("*.md")} - {"index"} == set(with_pages)
    for key, ids in with_pages.items():
        listed = linked_papers((docs / "authors" / f"{key}.md").read_text(encoding="utf-8"))
        assert sorted(listed) == sorted(ids), key
        years = [papers[paper_id]["year"] for paper_id in listed]
        assert years == sorted(years, reverse=True), key  # newest first
    index = (docs / "authors" / "index.md").read_text(encoding="utf-8")
    counts = dict(re.findall(r'<li><a href="\.\./authors/([^/"]+)/">[^<]+</a> · (\d+)</li>', index))
    assert {key: int(count) for key, count in counts.items()} == {key: len(ids) for key, ids in with_pages.items()}
    # One author with a single paper gets no page, and their name is not a link.
    single = next(key for key, ids in by_author.items() if len(ids) == 1)
    assert not (docs / "authors" / f"{single}.md").exists()
    assert f"authors/{single}/" not in (docs / "papers" / f"{next(iter(by_author[single]))}.md").read_text(encoding="utf-8")


def test_an_author_with_two_seed_papers_is_linked_from_both_paper_pages_and_listings(seed):
    docs, papers = seed
    counts = Counter(page_key(author) for fields in papers.values() for author in fields["authors"])
    key, _ = next((key, n) for key, n in sorted(counts.items()) if n == 2)
    ids = [paper_id for paper_id, fields in papers.items() if any(page_key(a) == key for a in fields["authors"])]
    for paper_id in ids:
        page = (docs / "papers" / f"{paper_id}.md").read_text(encoding="utf-8")
        assert f'<a class="paper-author" href="../../authors/{key}/">' in page
        category = (docs / "categories" / f"{papers[paper_id]['category']}.md").read_text(encoding="utf-8")
        entry = category[category.index(f'href="../../papers/{paper_id}/"'):]
        entry = entry[: entry.index("</div>")]
        keys = [page_key(author) for author in papers[paper_id]["authors"]]
        shown = keys if len(keys) <= 6 else keys[:5]  # a listing shortens long author lists
        assert (f'href="../../authors/{key}/"' in entry) == (key in shown), paper_id


def test_a_year_page_lists_exactly_that_years_papers(seed):
    docs, papers = seed
    years = Counter(fields["year"] for fields in papers.values())
    assert {path.stem for path in (docs / "years").glob("*.md")} - {"index"} == {str(year) for year in years}
    for year in years:
        listed = linked_papers((docs / "years" / f"{year}.md").read_text(encoding="utf-8"))
        assert sorted(listed) == sorted(paper_id for paper_id, fields in papers.items() if fields["year"] == year)
        count = years[year]
        assert f"\n{count} {'paper' if count == 1 else 'papers'} · [all years]" in (docs / "years" / f"{year}.md").read_text(encoding="utf-8")
    assert 1 in years.values()  # the seed list has a year of one paper: "1 paper", not "1 papers"
    # Paper pages link their year.
    assert '<a href="../../years/2024/" data-pagefind-filter="year">2024</a>' in (docs / "papers" / "galore.md").read_text(encoding="utf-8")


def test_a_venue_page_lists_every_year_of_its_series(seed):
    docs, papers = seed
    neurips = sorted(paper_id for paper_id, fields in papers.items() if venue_series(fields.get("venue") or "") == "NeurIPS")
    assert len({papers[paper_id]["venue"] for paper_id in neurips}) >= 3  # several years
    assert sorted(linked_papers((docs / "venues" / "neurips.md").read_text(encoding="utf-8"))) == neurips
    index = (docs / "venues" / "index.md").read_text(encoding="utf-8")
    assert f'<a href="../venues/neurips/">NeurIPS</a></td><td style="text-align: right;">{len(neurips)}</td>' in index
    # A series of one paper has no page, and its paper's venue is not a link.
    single = Counter(venue_series(fields["venue"]) for fields in papers.values() if fields.get("venue"))
    lone = next(series for series, n in sorted(single.items()) if n == 1)
    assert not (docs / "venues" / f"{page_key(lone)}.md").exists()


def two_papers(listing: PaperList, first_author: str, second_author: str) -> None:
    listing.write("galore", VALID_PAPER.replace("  - Jiawei Zhao", f"  - {first_author}"))
    listing.write("other", VALID_PAPER.replace("GaLore:", "Other:").replace("  - Jiawei Zhao", f"  - {second_author}")
                  .replace("arxiv: \"2403.03507\"", "arxiv: \"2403.03508\""))


def test_spellings_the_taxonomy_declares_aliases_share_the_declared_names_page(tmp_path: Path):
    listing = PaperList(tmp_path / "list")
    listing.write_taxonomy(TAXONOMY + "author_aliases:\n  Jürgen Schmidhuber: [J. Schmidhuber]\n")
    two_papers(listing, "J. Schmidhuber", "Juergen Schmidhuber")
    assert listing.run("build").exit_code == 0
    assert not (listing.root / "build/docs/authors/jurgen-schmidhuber.md").exists()  # "Juergen" is not declared
    listing.write_taxonomy(TAXONOMY + "author_aliases:\n  Jürgen Schmidhuber: [J. Schmidhuber, Juergen Schmidhuber]\n")
    assert listing.run("build").exit_code == 0
    page = (listing.root / "build/docs/authors/jurgen-schmidhuber.md").read_text(encoding="utf-8")
    assert "# Jürgen Schmidhuber" in page and sorted(linked_papers(page)) == ["galore", "other"]


@pytest.mark.parametrize("aliases, column, error", [
    ("  Jane Smith: [J. Smith]\n  John Smith: [J. Smith]\n", 16,
     "author alias 'J. Smith' also names 'Jane Smith' — keep it under one name in author_aliases"),
    ("  Jürgen Schmidhuber: [J. Schmidhuber]\n  Jurgen Schmidhuber: [Juergen Schmidhuber]\n", 3,
     "author 'Jurgen Schmidhuber' is 'Jürgen Schmidhuber' spelled otherwise (one author page)"
     " — keep one of the two names in author_aliases, with the other's spellings under it"),
], ids=["a spelling under two names", "one name spelled twice"])
def test_an_author_aliases_clash_is_an_error_that_says_where(tmp_path: Path, aliases: str, column: int, error: str):
    listing = PaperList(tmp_path / "list")
    listing.write_taxonomy(TAXONOMY + "author_aliases:\n" + aliases)
    listing.write("galore", VALID_PAPER)
    result = listing.check()
    assert result.exit_code == 1
    line = TAXONOMY.count("\n") + 3
    assert f"papers/_taxonomy.yml:{line}:{column}: error: {error}" in result.output


def test_a_name_spelled_two_ways_is_shown_as_most_papers_spell_it(tmp_path: Path):
    listing = PaperList(tmp_path / "list")
    two_papers(listing, "Christopher Ré", "Christopher Re")
    listing.write("third", VALID_PAPER.replace("GaLore:", "Third:").replace("  - Jiawei Zhao", "  - Christopher Ré")
                  .replace("arxiv: \"2403.03507\"", "arxiv: \"2403.03509\""))
    assert listing.run("build").exit_code == 0
    page = (listing.root / "build/docs/authors/christopher-re.md").read_text(encoding="utf-8")
    assert "# Christopher Ré" in page and len(linked_papers(page)) == 3
    assert json.loads((listing.root / "build/docs/papers.json").read_text(encoding="utf-8"))[1]["authors"][0] == "Christopher Re"  # data kept as written


SVG = "{http://www.w3.org/2000/svg}"


def chart_of(markdown: str) -> ET.Element:
    return ET.fromstring(markdown[markdown.index("<svg"): markdown.index("</svg>") + len("</svg>")])


@pytest.mark.parametrize("page", ["stats.md", "index.md"])
def test_the_timeline_has_one_bar_per_year_as_high_as_its_papers(seed, page):
    docs, papers = seed
    chart = chart_of((docs / page).read_text(encoding="utf-8"))
    assert chart.get("role") == "img" and chart.find(f"{SVG}title").text == "Papers per year, by category"
    scale = float(chart.get("data-scale"))
    years = Counter(fields["year"] for fields in papers.values())
    bars = chart.findall(f"{SVG}g")
    assert [int(bar.get("data-year")) for bar in bars] == list(range(min(years), max(years) + 1))  # every year, oldest first
    # The text alternative gives every bar's number, on either page.
    every_year = range(min(years), max(years) + 1)
    assert chart.find(f"{SVG}desc").text == (
        f"{len(papers)} papers from {min(years)} to {max(years)}. Per year: " + "; ".join(f"{year}: {years[year]}" for year in every_year) + "."
    )
    taxonomy = yaml.safe_load((REPO_ROOT / "papers" / "_taxonomy.yml").read_text(encoding="utf-8"))
    titles = {term["slug"]: term["title"] for term in taxonomy["categories"]}
    for bar in bars:
        year = int(bar.get("data-year"))
        segments = bar.findall(f"{SVG}rect")
        assert sum(float(rect.get("height")) for rect in segments) == pytest.approx(years[year] * scale, abs=0.01 * len(segments))
        by_category = Counter(titles[fields["category"]] for fields in papers.values() if fields["year"] == year)
        assert {rect.get("data-series"): int(rect.get("data-count")) for rect in segments} == by_category
        for rect in segments:  # stacked: each segment starts where the one below it ends
            assert float(rect.get("height")) == pytest.approx(int(rect.get("data-count")) * scale, abs=0.01)
        tops = [float(rect.get("y")) for rect in segments]
        assert tops == sorted(tops, reverse=True)
        assert all(rect.find(f"{SVG}title").text.startswith(f"{year} · ") for rect in segments)  # a tooltip per segment


def test_the_statistics_page_counts_what_a_maintainer_looks_at(seed):
    docs, papers = seed
    text = (docs / "stats.md").read_text(encoding="utf-8")
    with_code = sum(1 for fields in papers.values() if fields.get("code"))
    assert f"**{len(papers)}** papers · **{with_code}** with code" in text
    venues = Counter(venue_series(fields["venue"]) for fields in papers.values() if fields.get("venue"))
    top = text[text.index("## Top venues"): text.index("## Most used tags")]
    listed = re.findall(r'<a href="\.\./venues/[^/]+/">([^<]+)</a></td><td style="text-align: right;">(\d+)</td>', top)
    assert listed[0] == ("NeurIPS", str(venues["NeurIPS"])) and listed[0][1] == str(max(venues.values()))
    assert [int(n) for _, n in listed] == sorted((int(n) for _, n in listed), reverse=True) and len(listed) == 10
    # The numbers behind the chart, as a table.
    table = text[text.index("<summary>The chart's numbers</summary>"):]
    rows = re.findall(r'<tr><td>(?:<a href="\.\./years/\d+/">)?(\d+)(?:</a>)?</td>.*?<td style="text-align: right;">(\d+)</td></tr>', table)
    years = Counter(fields["year"] for fields in papers.values())
    assert {int(year): int(total) for year, total in rows} == {year: years.get(year, 0) for year in range(min(years), max(years) + 1)}


def test_an_authors_page_is_named_by_the_spelling_most_of_their_papers_use_ties_by_sort_order():
    from site_gen.build import load_catalog
    from site_gen.catalog import Catalog
    from site_gen.project import Project
    from site_gen.records import Paper, freeze

    def paper(paper_id: str, *authors: str) -> Paper:
        fields = {"title": paper_id, "authors": list(authors), "year": 2024, "arxiv": "2401.00001", "tags": [], "abstract": ""}
        return Paper(paper_id, f"papers/{paper_id}.yml", freeze(fields))

    papers = [
        paper("a", "JÜRGEN SCHMIDHUBER", "Christopher Ré"), paper("b", "Jürgen Schmidhuber", "Christopher Re"),
        paper("c", "Jürgen Schmidhuber"),
    ]
    authors = Catalog.build(load_catalog(Project(REPO_ROOT)).taxonomy, papers).authors
    assert authors[page_key("Jürgen Schmidhuber")].term.title == "Jürgen Schmidhuber"  # 2 papers against 1
    assert authors[page_key("Christopher Re")].term.title == "Christopher Re"  # 1 each: "Re" sorts before "Ré"
    assert [p.id for p in authors[page_key("Jürgen Schmidhuber")].papers] == ["a", "b", "c"]  # newest first, then by title


_VIEWS = ("taxonomy", "papers", "by_id", "by_category", "by_tag", "categories", "tags", "authors", "venues", "by_year")


@pytest.mark.parametrize("lazy_views_built", [True, False], ids=["authors and venues built", "not built yet"])
def test_a_catalog_updated_after_an_edit_is_the_catalog_built_anew(lazy_views_built: bool):
    """`mkdocs serve` updates the last build's catalog (Catalog.build's `earlier`) where an edit
    leaves every paper in its places, and builds it anew where it does not."""
    import dataclasses

    from site_gen.build import load_catalog
    from site_gen.catalog import Catalog
    from site_gen.project import Project
    from site_gen.records import Paper, freeze

    seed = load_catalog(Project(REPO_ROOT))
    taxonomy, papers = seed.taxonomy, seed.papers
    # A paper with a venue whose first author has another paper: on every kind of page.
    counts = Counter(author for paper in papers for author in paper.authors)
    edited = next(paper for paper in papers if paper.venue and counts[paper.authors[0]] > 1)

    def edit(**changes: object) -> tuple[Paper, ...]:
        changed = Paper(edited.id, edited.source, freeze({**edited.fields, **changes}))
        return tuple(changed if paper is edited else paper for paper in papers)

    in_place = {"a note": edit(note="A curator's note."), "an abstract": edit(abstract="Another abstract."),
                "nothing": papers, "links": edit(links={"project": "https://example.org/project"})}
    moved = {
        "the title": edit(title="Aardvark"), "the year": edit(year=edited.year - 1), "the tags": edit(tags=list(edited.tags[:1])),
        "the category": edit(category=next(t.slug for t in taxonomy.categories if t.slug != edited.category)),
        "the authors": edit(authors=[*edited.authors, "A. New Author"]), "the venue": edit(venue="A New Venue 2024"),
        "a paper removed": tuple(paper for paper in papers if paper is not edited),
    }
    for name, new_papers in {**in_place, **moved}.items():
        for new_taxonomy in (dataclasses.replace(taxonomy), dataclasses.replace(taxonomy, description="Another description.")):
            earlier = Catalog.build(taxonomy, papers)
            if lazy_views_built:
                earlier.authors, earlier.venues, earlier.by_year
            updated = Catalog.build(new_taxonomy, new_papers, earlier)
            anew = Catalog.build(new_taxonomy, new_papers)
            for view in _VIEWS:
                assert getattr(updated, view) == getattr(anew, view), (name, view)
            assert updated.taxonomy is new_taxonomy
            for keys in (Catalog.author_keys, Catalog.venue_key):
                assert [keys(updated, paper) for paper in updated.papers] == [keys(anew, paper) for paper in anew.papers], (name, keys)
            was_updated = updated.by_category[edited.category] is not earlier.by_category.get(edited.category) and any(
                updated.by_category[slug] is earlier.by_category[slug] for slug in earlier.by_category if slug != edited.category
            )
            assert was_updated == (name in in_place and name != "nothing" and new_taxonomy == taxonomy), name


def test_a_catalog_is_built_anew_when_the_taxonomys_aliases_are_reordered():
    """Two alias names of one author page: the last one would name it, so their order matters,
    which == between the taxonomies does not see. `check` rejects such aliases (the test above);
    the catalog does not rely on it."""
    import dataclasses
    from types import MappingProxyType

    from site_gen.build import load_catalog
    from site_gen.catalog import Catalog
    from site_gen.project import Project

    seed = load_catalog(Project(REPO_ROOT))
    author = seed.papers[0].authors[0]
    aliases = {author: ("A. Spelling",), author.upper(): ("Another Spelling",)}
    first = dataclasses.replace(seed.taxonomy, author_aliases=MappingProxyType(aliases))
    reordered = dataclasses.replace(seed.taxonomy, author_aliases=MappingProxyType(dict(reversed(aliases.items()))))
    assert first == reordered
    earlier = Catalog.build(first, seed.papers)
    assert earlier.authors[page_key(author)].term.title == author.upper()
    updated = Catalog.build(reordered, seed.papers, earlier)
    assert updated.authors[page_key(author)].term.title == author == Catalog.build(reordered, seed.papers).authors[page_key(author)].term.title
