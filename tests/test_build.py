"""`site-gen build`: pages with the right content, exact/deterministic/atomic output, exports read
back with real parsers."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import feedparser
import jsonschema
import pytest
import yaml

from site_gen.schema import paper_schema
from site_gen.writer import Page, write_tree
from tests.conftest import REPO_ROOT, VALID_PAPER, PaperList

OTHER_PAPER = """\
title: "A Vision Paper with <b>HTML</b> | pipes * and _stars_"
authors: [Ada Lovelace, "Grace Hopper", Alan Turing, Emmy Noether, Kurt Gödel, John von Neumann, Claude Shannon]
year: 2023
doi: 10.1000/xyz123
category: agents
tags: [vision]
abstract: "Uses $x$ and `code` and [a link](https://evil.example) # not a heading"
added: 2024-05-01
"""


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def built(paper_list: PaperList) -> PaperList:
    paper_list.write("vision-paper", OTHER_PAPER)
    result = paper_list.run("build")
    assert result.exit_code == 0, result.output
    return paper_list


def page(listing: PaperList, path: str) -> str:
    return (listing.root / "build" / "docs" / path).read_text(encoding="utf-8")


def test_paper_page_has_authors_links_and_bibtex(built: PaperList):
    text = page(built, "papers/galore.md")
    assert "Jiawei Zhao, Zhenyu Zhang" in text
    # Raw HTML with final URLs (see paper.md.j2): Markdown passes it through unparsed.
    assert '<a class="md-button" href="https://arxiv.org/abs/2403.03507">arXiv 2403.03507</a>' in text  # searchable there
    assert '<a class="md-button" href="https://arxiv.org/pdf/2403.03507">PDF</a>' in text
    assert '<a class="md-button" href="https://github.com/jiaweizzhao/GaLore">Code</a>' in text
    # The BibTeX block repeats the title and authors: search does not index it (data-pagefind-ignore).
    assert '<div class="language-bibtex highlight" data-pagefind-ignore><pre><code>@inproceedings{zhao2024galore,' in text
    assert 'href="../../categories/training/"' in text and 'href="../../tags/low-rank/"' in text
    assert '<a class="md-button" href="https://doi.org/10.1000/xyz123">DOI 10.1000/xyz123</a>' in page(built, "papers/vision-paper.md")
    assert '">arXiv</a>' in page(built, "categories/training.md")  # listings keep the short labels


def test_extra_link_labels_show_as_written(paper_list: PaperList):
    paper_list.write("galore", VALID_PAPER + "links:\n  HuggingFace: https://huggingface.co/x\n  iOS app: https://apps.example.org/x\n")
    assert paper_list.run("build").exit_code == 0
    for path in ("papers/galore.md", "categories/training.md"):
        text = page(paper_list, path)
        assert 'href="https://huggingface.co/x">HuggingFace</a>' in text and 'href="https://apps.example.org/x">iOS app</a>' in text


def test_listing_shortens_long_author_lists_but_paper_page_has_all(built: PaperList):
    listing = page(built, "categories/agents.md")
    assert "Ada Lovelace, Grace Hopper, Alan Turing, Emmy Noether, Kurt Gödel, … +2" in listing
    assert "John von Neumann, Claude Shannon" in page(built, "papers/vision-paper.md")


def test_tag_page_lists_exactly_the_papers_with_that_tag(built: PaperList):
    vision = page(built, "tags/vision.md")
    assert '"../../papers/vision-paper/"' in vision and '"../../papers/galore/"' not in vision
    llm = page(built, "tags/llm.md")
    assert '"../../papers/galore/"' in llm and "vision-paper" not in llm
    assert '"../../papers/' not in page(built, "tags/low-rank.md").replace('"../../papers/galore/"', "")


def test_home_counts_match_the_data(built: PaperList):
    home = page(built, "index.md")
    assert "**2** papers · **2** categories · **3** tags · 2023–2024" in home
    assert home.index("(papers/vision-paper.md)") < home.index("(papers/galore.md)")  # most recently added first


def test_category_page_groups_by_year_newest_first(paper_list: PaperList):
    paper_list.write("older", VALID_PAPER.replace("year: 2024", "year: 2021").replace("GaLore:", "Older:").replace("2403.03507", "2101.00001"))
    paper_list.run("build")
    text = page(paper_list, "categories/training.md")
    assert text.index("## 2024") < text.index("papers/galore/") < text.index("## 2021") < text.index("papers/older/")


def test_long_listings_leave_abstracts_to_the_paper_pages(paper_list: PaperList, monkeypatch):
    from site_gen.build import build
    from site_gen.project import Project

    paper_list.write_settings(listing_abstracts_up_to=1)
    paper_list.write("older", VALID_PAPER.replace("GaLore:", "Older:").replace("2403.03507", "2101.00001").replace("[llm, low-rank]", "[llm]"))
    build(Project(paper_list.root))
    for long_listing in ("categories/training.md", "tags/llm.md"):  # two papers each
        text = page(paper_list, long_listing)
        assert "papers/galore/" in text and "papers/older/" in text
        assert 'class="abstract"' not in text and "each paper's abstract is on its page" in text
    short = page(paper_list, "tags/low-rank.md")  # galore alone
    assert "<summary>Abstract</summary>" in short and "Training LLMs is memory hungry." in short
    assert "abstract is on its page" not in short
    assert "Training LLMs is memory hungry." in page(paper_list, "papers/galore.md")


def test_about_page_states_the_listing_size_for_abstracts():
    from site_gen.options import Options

    assert f"more than {Options().listing_abstracts_up_to} papers" in (REPO_ROOT / "docs" / "about.md").read_text(encoding="utf-8")


def test_navigation_lists_categories_in_order_and_never_papers_or_tags(built: PaperList):
    nav = yaml.safe_load(page(built, ".nav.yml"))["nav"]
    sections = {next(iter(item)): next(iter(item.values())) for item in nav}
    assert list(sections) == ["Home", "Categories", "Tags", "Authors", "Venues", "Years", "All papers", "Statistics", "Map"]  # docs/ has no pages
    for name in ("about.md", "contributing.md", "notes.md"):
        (built.root / "docs" / name).write_text("# A hand-written page\n", encoding="utf-8")
    assert built.run("build").exit_code == 0
    nav = yaml.safe_load(page(built, ".nav.yml"))["nav"]
    sections = {next(iter(item)): next(iter(item.values())) for item in nav}
    assert list(sections) == ["Home", "Categories", "Tags", "Authors", "Venues", "Years", "All papers", "Statistics", "Map", "Contribute", "About"]
    assert sections["Categories"] == ["categories/index.md", {"Training": "categories/training.md"}, {"Agents": "categories/agents.md"}]
    assert sections["Tags"] == "tags/index.md"
    assert "papers/galore.md" not in json.dumps(nav)


def test_yaml_text_is_escaped_everywhere(built: PaperList):
    text = page(built, "papers/vision-paper.md")
    body = text.split("---", 2)[2]
    # Lines Markdown parses (not raw HTML blocks, which it passes through) carry no live syntax.
    markdown_lines = "\n".join(line for line in body.splitlines() if not line.startswith("<"))
    for raw in ("<b>", "| pipes", "* and", "_stars_", "$x$", "`code`", "[a link](https://evil.example)", "# not"):
        assert raw not in markdown_lines.split("## Cite")[0], raw
    assert "&#60;b&#62;HTML&#60;/b&#62; &#124; pipes &#42; and &#95;stars&#95;" in text  # the title, a Markdown heading
    # In raw HTML only HTML is live: the abstract is HTML-escaped text.
    assert "<p>Uses $x$ and `code` and [a link](https://evil.example) # not a heading</p>" in body


def test_deleted_paper_disappears_and_unchanged_files_are_not_rewritten(built: PaperList):
    out = built.root / "build" / "docs"
    galore_before = os.stat(out / "papers/galore.md")
    (built.root / "papers" / "vision-paper.yml").unlink()
    result = built.run("build")
    assert result.exit_code == 0
    assert not (out / "papers/vision-paper.md").exists()
    assert not (out / "tags/vision.md").read_text().count("vision-paper")
    galore_after = os.stat(out / "papers/galore.md")
    assert (galore_after.st_ino, galore_after.st_mtime_ns) == (galore_before.st_ino, galore_before.st_mtime_ns)
    assert "removed" in result.output


def test_removed_tag_page_disappears(built: PaperList):
    taxonomy = (built.root / "papers/_taxonomy.yml").read_text()
    built.write_taxonomy(taxonomy.replace("  - slug: low-rank\n    title: Low-rank\n    description: Low-rank methods.\n", ""))
    built.write("galore", VALID_PAPER.replace("tags: [llm, low-rank]", "tags: [llm]"))
    assert built.run("build").exit_code == 0
    assert not (built.root / "build/docs/tags/low-rank.md").exists()


def test_output_is_deterministic(tmp_path: Path):
    digests = []
    for name in ("one", "two"):
        listing = PaperList(tmp_path / name)
        listing.write("vision-paper", OTHER_PAPER)
        listing.write("galore", VALID_PAPER)
        assert listing.run("build").exit_code == 0
        digests.append(tree_digest(listing.root / "build" / "docs"))
    assert digests[0] == digests[1]


def test_bad_input_leaves_previous_output_untouched(built: PaperList):
    out = built.root / "build" / "docs"
    before = tree_digest(out)
    built.write("galore", VALID_PAPER.replace("year: 2024", "year: soon"))
    result = built.run("build")
    assert result.exit_code == 1
    assert "papers/galore.yml:5:7: error: year must be a whole number" in result.stderr
    assert tree_digest(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == [".docs.1", ".lock", "cache", "docs"]  # no partial version


def test_crash_while_writing_leaves_previous_output_untouched(tmp_path: Path):
    target = tmp_path / "out"
    write_tree(target, [Page("a.md", b"first"), Page("b/c.md", b"second")])
    before = tree_digest(target)

    def crashing():
        yield Page("a.md", b"changed")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_tree(target, crashing())
    assert tree_digest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.1", "out"]  # the partial version is gone


def test_papers_json_validates_against_the_schema(built: PaperList):
    records = json.loads(page(built, "papers.json"))
    assert [r["id"] for r in records] == ["galore", "vision-paper"]
    validator = jsonschema.Draft202012Validator(paper_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for record in records:
        validator.validate(record)
    assert records[0]["arxiv"] == "2403.03507" and records[0]["added"] == "2024-03-12"


def test_bibtex_reads_back_with_bibtexparser(built: PaperList):
    library = bibtexparser.parse_string(page(built, "papers.bib"))
    assert not library.failed_blocks
    entries = {entry.key: entry for entry in library.entries}
    assert set(entries) == {"zhao2024galore", "lovelace2023vision"}
    galore = entries["zhao2024galore"]
    assert galore.entry_type == "inproceedings"
    assert galore["eprint"] == "2403.03507" and galore["archivePrefix"] == "arXiv"
    assert galore["author"] == "Jiawei Zhao and Zhenyu Zhang"
    vision = entries["lovelace2023vision"]
    assert vision.entry_type == "misc" and vision["doi"] == "10.1000/xyz123"
    assert "G{\\\"o}del" in vision["author"]
    assert "{\\ensuremath{<}}b{\\ensuremath{>}}HTML" in vision["title"] and "{\\_}stars{\\_}" in vision["title"]


def test_feed_reads_back_with_feedparser(built: PaperList):
    feed = feedparser.parse(page(built, "feed.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Test List"
    assert [e.link for e in feed.entries] == ["http://127.0.0.1:8000/papers/vision-paper/", "http://127.0.0.1:8000/papers/galore/"]
    assert feed.entries[0].title == OTHER_PAPER.split('"')[1]
    assert feed.entries[0].published.startswith("2024-05-01")


def test_feed_uses_site_url_from_the_environment(paper_list: PaperList):
    paper_list.run("build", env={"SITE_URL": "https://example.org/pr-preview/pr-7/", "GITHUB_ACTIONS": "false"})
    feed = feedparser.parse(page(paper_list, "feed.xml"))
    assert feed.entries[0].link == "https://example.org/pr-preview/pr-7/papers/galore/"


def test_feed_holds_the_50_most_recently_added(paper_list: PaperList):
    for day in range(1, 61):
        text = VALID_PAPER.replace("GaLore:", f"Paper {day}:").replace("2403.03507", f"2403.{day:05d}")
        paper_list.write(f"p{day}", text.replace("added: 2024-03-12", f"added: 2025-{1 + day // 28:02d}-{1 + day % 28:02d}"))
    assert paper_list.run("build").exit_code == 0
    feed = feedparser.parse(page(paper_list, "feed.xml"))
    assert len(feed.entries) == 50
    dates = [e.published for e in feed.entries]
    assert dates == sorted(dates, reverse=True)


def test_readme_section_is_checked_for_staleness(paper_list: PaperList):
    readme = paper_list.root / "README.md"
    readme.write_text("# List\n\n<!-- papers:start -->\n<!-- papers:end -->\n")
    assert paper_list.run("readme", "--check").exit_code == 1
    assert paper_list.run("readme").exit_code == 0
    assert "[GaLore: Memory-Efficient" in readme.read_text()
    assert paper_list.run("readme", "--check").exit_code == 0
    paper_list.write("vision-paper", OTHER_PAPER)
    result = paper_list.run("readme", "--check")
    assert result.exit_code == 1 and "out of date" in result.stderr


def test_repository_readme_is_up_to_date():
    assert PaperList.existing(REPO_ROOT).run("readme", "--check").exit_code == 0, "run `site-gen readme` and commit README.md"


def test_parallel_parsing_and_rendering_give_the_same_output(tmp_path: Path, monkeypatch):
    import site_gen.incremental.memo
    import site_gen.reader
    from site_gen.build import build
    from site_gen.incremental.cache import BuildCache
    from site_gen.project import Project

    digests, keys = [], []
    for name, threshold in (("serial", 10**9), ("parallel", 1)):
        listing = PaperList(tmp_path / name)
        # Twelve papers in training and llm (listings without abstracts), six in low-rank and vision.
        listing.write_settings(listing_abstracts_up_to=8)
        for index in range(12):
            text = VALID_PAPER.replace("GaLore:", f"Paper {index}:").replace("2403.03507", f"2403.{index:05d}")
            listing.write(f"paper-{index}", text.replace("low-rank]", "vision]") if index % 2 else text)
        monkeypatch.setattr(site_gen.incremental.memo, "PARALLEL_THRESHOLD", threshold)
        monkeypatch.setattr(site_gen.reader, "PARALLEL_THRESHOLD", threshold)
        project = Project(listing.root)
        # A cold build derives its pages' keys where it renders them (in the workers); a warm one
        # derives them first, to find the pages current: the same keys, nothing written again.
        for _ in ("cold", "warm"):
            report = build(project)
            keys.append({path: key for path, (key, _) in BuildCache(project.cache_dir, project.output_dir).manifest.entries.items()})
        assert report.written == ()
        digests.append(tree_digest(listing.root / "build" / "docs"))
    assert digests[0] == digests[1] and len(digests[0]) > 12
    assert keys[0] == keys[1] == keys[2] == keys[3] and keys[0].keys() == digests[0].keys()
    assert "<summary>Abstract</summary>" in page(listing, "tags/vision.md") and "<summary>" not in page(listing, "tags/llm.md")


def test_warm_build_after_edits_equals_a_cold_build(tmp_path: Path):
    """Pages reused from the render cache must be exactly what a fresh build would write: edits
    to a paper, to a paper shown in another's related list, and to a tag's title all show up."""
    import shutil

    listing = PaperList(tmp_path / "warm")
    listing.write("vision-paper", OTHER_PAPER)
    listing.write("older", VALID_PAPER.replace("year: 2024", "year: 2021").replace("GaLore:", "Older:").replace("2403.03507", "2101.00001"))
    assert listing.run("build").exit_code == 0
    listing.write("galore", VALID_PAPER.replace("GaLore:", "GaLore Renamed:"))
    taxonomy = (listing.root / "papers/_taxonomy.yml").read_text()
    listing.write_taxonomy(taxonomy.replace("title: Low-rank\n", "title: Low-rank methods\n"))
    result = listing.run("build")
    assert result.exit_code == 0
    assert "GaLore Renamed" in page(listing, "papers/older.md")
    assert "Low-rank methods" in page(listing, "papers/galore.md")

    cold = tmp_path / "cold"
    shutil.copytree(listing.root, cold, ignore=shutil.ignore_patterns("build"))
    assert PaperList.existing(cold).run("build").exit_code == 0
    assert tree_digest(listing.root / "build" / "docs") == tree_digest(cold / "build" / "docs")


def test_warm_build_writes_only_what_an_edit_changes(built: PaperList):
    from site_gen.build import build
    from site_gen.project import Project

    built.write("galore", VALID_PAPER.replace("abstract: Training LLMs is memory hungry.", "abstract: Training LLMs needs memory."))
    report = build(Project(built.root))
    # The abstract shows on the paper page, in listing entries (its year's too) and in the
    # exports; not in the table of all papers, the home page, the other paper's page or author
    # pages (which show no abstracts).
    assert set(report.written) == {
        "papers/galore.md", "categories/training.md", "tags/llm.md", "tags/low-rank.md", "years/2024.md", "papers.json", "feed.xml",
    }
    assert build(Project(built.root)).written == ()


def test_pages_that_do_not_show_an_abstract_are_not_rendered_again_when_it_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Long listings, the table of all papers and papers.bib are keyed by digests of the pieces
    they are assembled from, not by the papers' files."""
    import functools

    import site_gen.incremental.memo
    import site_gen.render
    from site_gen.build import build
    from site_gen.project import Project

    listing = PaperList(tmp_path / "warm")
    listing.write_settings(listing_abstracts_up_to=0)  # every listing is a long one
    listing.write("galore", VALID_PAPER)
    listing.write("vision-paper", OTHER_PAPER)
    build(Project(listing.root))
    made = []
    for module, name in ((site_gen.incremental.memo, "render"), (site_gen.render, "papers_bib")):
        real = getattr(module, name)
        # functools.wraps: the memo names a function by its module and name in the page's key.
        counted = functools.wraps(real)(lambda *args, real=real, name=name, **kwargs: made.append(args[0] if name == "render" else name) or real(*args, **kwargs))
        monkeypatch.setattr(module, name, counted)
    whole_list_pages = {"listing.md.j2", "all_papers.md.j2", "papers_bib"}

    listing.write("galore", VALID_PAPER.replace("abstract: Training LLMs is memory hungry.", "abstract: Training LLMs needs memory."))
    build(Project(listing.root))
    assert "paper.md.j2" in made and not whole_list_pages & set(made)
    made.clear()
    listing.write("galore", VALID_PAPER.replace("GaLore:", "GaLore Renamed:"))
    build(Project(listing.root))
    assert whole_list_pages <= set(made)
    assert "GaLore Renamed" in page(listing, "categories/training.md") and "<summary>" not in page(listing, "categories/training.md")

    cold = tmp_path / "cold"
    shutil.copytree(listing.root, cold, ignore=shutil.ignore_patterns("build"))
    build(Project(cold))
    assert tree_digest(listing.root / "build" / "docs") == tree_digest(cold / "build" / "docs")


def test_output_files_changed_behind_its_back_are_restored(built: PaperList):
    out = built.root / "build" / "docs"
    expected = tree_digest(out)
    (out / "papers/galore.md").unlink()
    (out / "tags/llm.md").write_text("edited by hand")
    assert built.run("build").exit_code == 0
    assert tree_digest(out) == expected
    shutil.rmtree(built.root / "build" / "cache")  # without any cache: the same tree
    assert built.run("build").exit_code == 0
    assert tree_digest(out) == expected


def test_lost_parse_results_are_parsed_again_once(built: PaperList, monkeypatch: pytest.MonkeyPatch):
    import site_gen.reader
    from site_gen.build import build
    from site_gen.project import Project

    out = built.root / "build" / "docs"
    expected = tree_digest(out)
    (built.root / "build" / "cache" / "parse-results.pickle").unlink()
    parsed = []
    real_parse = site_gen.reader.parse_paper
    monkeypatch.setattr(site_gen.reader, "parse_paper", lambda raw, *args: parsed.append(args[1]) or real_parse(raw, *args))
    build(Project(built.root))
    assert sorted(parsed) == ["papers/galore.yml", "papers/vision-paper.yml"]
    build(Project(built.root))
    assert len(parsed) == 2  # kept for the next build
    assert tree_digest(out) == expected


def test_damaged_compiled_templates_are_compiled_again(built: PaperList):
    out = built.root / "build" / "docs"
    expected = tree_digest(out)
    (folder,) = (built.root / "build" / "cache" / "templates").iterdir()
    for compiled in folder.iterdir():
        compiled.write_bytes(compiled.read_bytes()[:40])
    shutil.rmtree(out.resolve())  # the tree on show: every page is rendered again
    # A new process: this one holds the templates it compiled in memory.
    proc = subprocess.run([sys.executable, "-m", "site_gen", "build", "--root", str(built.root)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert tree_digest(out) == expected


def test_compiled_templates_are_kept_per_code_version(tmp_path: Path):
    from site_gen.templating import keep_compiled_templates

    (tmp_path / "__jinja2_from_before.cache").write_bytes(b"")  # the layout before versions
    keep_compiled_templates(tmp_path, "version 1")
    keep_compiled_templates(tmp_path, "version 2")
    assert len(list(tmp_path.iterdir())) == 1  # the other version's folder is gone


def test_cache_saves_additions_aside_until_they_outgrow_a_tenth(tmp_path: Path):
    from site_gen.incremental.store import LazyPickledDict

    path = tmp_path / "cache.pickle"
    first = LazyPickledDict(path, "v1")
    first.update({f"key{n}": n for n in range(30)})
    first.save(keep=lambda key: True)
    base = path.read_bytes()

    second = LazyPickledDict(path, "v1")
    second["new"] = "added"
    second.save(keep=lambda key: True)
    assert path.read_bytes() == base  # the addition went to the side file only
    assert path.with_name("cache.pickle.new").exists()

    third = LazyPickledDict(path, "v1")
    assert third.get("new") == "added" and third.get("key7") == 7
    third.update({f"more{n}": n for n in range(5)})  # 6 added > 31 // 10: one file again
    third.save(keep=lambda key: key != "key0")  # and what `keep` rejects is dropped
    assert not path.with_name("cache.pickle.new").exists()
    fourth = LazyPickledDict(path, "v1")
    assert fourth.get("more4") == 4 and fourth.get("new") == "added" and "key0" not in fourth
    assert LazyPickledDict(path, "v2").get("key7") is None  # another header: nothing is reused

    fifth = LazyPickledDict(path, "v1")  # only adds: outgrowing a tenth still rewrites it all
    fifth.update({f"late{n}": n for n in range(5)})
    fifth.save(keep=lambda key: True)
    assert not path.with_name("cache.pickle.new").exists()
    assert dict(LazyPickledDict(path, "v1")) == {**{f"key{n}": n for n in range(1, 30)}, **{f"more{n}": n for n in range(5)}, "new": "added", **{f"late{n}": n for n in range(5)}}


# Nine papers: six in training, three in agents; odd ones also tagged low-rank; four years.
_PAPERS = {number: {"category": "training" if number < 6 else "agents", "tags": "llm, low-rank" if number % 2 else "llm", "year": 2020 + number % 4} for number in range(10)}
_PAPERS[9] = {"category": "agents", "tags": "vision", "year": 2022}  # added by an edit


def _paper(number: int, title: str = "", **changes: object) -> str:
    fields = {**_PAPERS[number], **changes}
    return (
        VALID_PAPER.replace("GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection", title or f"Paper number {number}")
        .replace("2403.03507", f"2403.{number:05d}").replace("year: 2024", f"year: {fields['year']}")
        .replace("category: training", f"category: {fields['category']}").replace("tags: [llm, low-rank]", f"tags: [{fields['tags']}]")
    )


_LINKS = "links:\n  {0}: https://example.org/{0}\n  {1}: https://example.org/{1}\n"


def _retitle_term(listing: PaperList, old: str, new: str) -> None:
    listing.write_taxonomy((listing.root / "papers/_taxonomy.yml").read_text().replace(f"title: {old}\n", f"title: {new}\n"))


# Edits that reach different pages: a paper's neighbours (years and titles order a category), its
# category and tags, other papers' citation keys, the taxonomy, papers arriving and leaving.
_EDITS = [
    ("abstract", lambda listing: listing.write("p3", _paper(3).replace("memory hungry", "memory bound"))),
    ("title moves it", lambda listing: listing.write("p3", _paper(3, title="Aardvark first"))),
    ("year moves it", lambda listing: listing.write("p5", _paper(5, year=2019))),
    ("category", lambda listing: listing.write("p1", _paper(1, category="agents"))),
    ("tags", lambda listing: listing.write("p2", _paper(2, tags="vision, low-rank"))),
    ("clashing citation key in another category", lambda listing: listing.write("p7", _paper(7, title="Aardvark second"))),
    ("added", lambda listing: listing.write("p9", _paper(9))),
    ("deleted", lambda listing: (listing.root / "papers/p4.yml").unlink()),
    ("links", lambda listing: listing.write("p8", _paper(8) + _LINKS.format("project", "video"))),
    # Equal to the paper before for ==, which ignores the order of a mapping's keys; not as shown.
    ("links reordered", lambda listing: listing.write("p8", _paper(8) + _LINKS.format("video", "project"))),
    ("tag title", lambda listing: _retitle_term(listing, "Vision", "Vision and video")),
    ("category title", lambda listing: _retitle_term(listing, "Agents", "Agents with memory")),
]


def assert_same_as_a_cold_build(listing: PaperList, cold: Path, monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    """A copy of the list built from scratch, by a process that has kept nothing in memory,
    writes the same tree as the list's own (warm) build; and so does the renderer with the memo
    switched off (a memo that remembers nothing renders every page and piece)."""
    import site_gen.incremental.store
    from site_gen.build import build, hand_written_pages, load_catalog
    from site_gen.options import Options
    from site_gen.project import Project
    from site_gen.render import SiteRenderer

    shutil.copytree(listing.root, cold, ignore=shutil.ignore_patterns("build"))
    monkeypatch.setattr(site_gen.incremental.store, "kept_files", site_gen.incremental.store._KeptFiles())
    project = Project(cold)
    build(project)
    warm = tree_digest(listing.root / "build" / "docs")
    assert warm == tree_digest(cold / "build" / "docs"), when
    catalog = load_catalog(project)
    hand_written = list(hand_written_pages(project.docs_dir))
    unremembered = SiteRenderer(catalog, Options.of(catalog.taxonomy), hand_written={page.path for page in hand_written})
    write_tree(cold / "memo-off", [*hand_written, *unremembered.pages()])
    assert warm == tree_digest(cold / "memo-off"), f"{when}, memo off"


@pytest.mark.parametrize("in_one_process", [False, True], ids=["build after build", "builds in one process (mkdocs serve)"])
def test_each_warm_build_equals_a_cold_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_one_process: bool):
    """Pages and pieces remembered by their inputs (and, in one process, the cache files and
    records kept in memory) must never keep a page that an edit changed."""
    import site_gen.incremental.memo
    import site_gen.incremental.store
    from site_gen.build import build
    from site_gen.project import Project

    kept = site_gen.incremental.store._KeptFiles()
    kept.enabled = in_one_process
    if in_one_process:  # the runs of Stretches are keyed from the build before too: make many
        monkeypatch.setattr(site_gen.incremental.memo, "STRETCH", 2)
    listing = PaperList(tmp_path / "warm")
    # Long and short listings; related papers are neighbours, not the whole category.
    listing.write_settings(listing_abstracts_up_to=3, related_papers=2)
    for number in range(9):
        listing.write(f"p{number}", _paper(number))
    monkeypatch.setattr(site_gen.incremental.store, "kept_files", kept)
    build(Project(listing.root))
    for number, (name, edit) in enumerate(_EDITS):
        edit(listing)
        monkeypatch.setattr(site_gen.incremental.store, "kept_files", kept)
        build(Project(listing.root))
        assert_same_as_a_cold_build(listing, tmp_path / f"cold-{number}", monkeypatch, f"after the edit: {name}")
    if in_one_process:
        assert kept._files and kept._results  # it did keep what it read


def _shows(value: object, paper_id: str) -> bool:
    from site_gen.records import Paper

    if isinstance(value, Paper):
        return value.id == paper_id
    return isinstance(value, tuple) and any(_shows(item, paper_id) for item in value)


def test_a_rebuild_in_one_process_keys_again_only_the_sections_that_show_the_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`mkdocs serve` takes the key of a section, or of a run of a long listing's or an export's
    Stretches, from its last build when its inputs are equal; those that show the edited paper are
    keyed again, and all of them when an edit leaves a paper equal for == but not the same (its
    links reordered)."""
    import site_gen.incremental.memo
    import site_gen.incremental.store
    from site_gen.build import build
    from site_gen.incremental.memo import Memo
    from site_gen.project import Project

    kept = site_gen.incremental.store._KeptFiles()
    kept.enabled = True
    monkeypatch.setattr(site_gen.incremental.store, "kept_files", kept)
    monkeypatch.setattr(site_gen.incremental.memo, "STRETCH", 1)  # runs of one paper's pieces
    listing = PaperList(tmp_path / "list")
    listing.write_settings(listing_abstracts_up_to=3, related_papers=2)  # long listings hold runs too
    for number in range(9):
        listing.write(f"p{number}", _paper(number) + (_LINKS.format("project", "video") if number == 8 else ""))
    build(Project(listing.root))
    taken: dict[str, list[tuple[bool, bool]]] = {"sections": [], "stretches": []}  # (taken, shows p3)
    earlier_key = Memo._earlier_key

    def noted(memo, kind, place, name, inputs):
        key = earlier_key(memo, kind, place, name, inputs)
        taken[kind].append((key is not None, any(_shows(value, edited) for value in inputs.values())))
        return key

    monkeypatch.setattr(Memo, "_earlier_key", noted)
    # Notes: related papers stay as they were. The second edit's paper is in other listings than
    # the first's: other sections are made again, and their runs asked in another order.
    for edited, number in (("p3", 3), ("p6", 6)):
        taken = {"sections": [], "stretches": []}
        listing.write(edited, _paper(number) + "note: A curator's note.\n")
        build(Project(listing.root))
        for kind, minimum in (("sections", 4), ("stretches", 10)):
            assert all(was_taken != shows for was_taken, shows in taken[kind]), (edited, kind)
            assert any(shows for _, shows in taken[kind]) and sum(was_taken for was_taken, _ in taken[kind]) >= minimum, (edited, kind)
    assert_same_as_a_cold_build(listing, tmp_path / "cold-note", monkeypatch, "after two notes")
    taken = {"sections": [], "stretches": []}
    listing.write("p8", _paper(8) + _LINKS.format("video", "project"))
    build(Project(listing.root))
    assert taken["sections"] and taken["stretches"] and not any(was_taken for kind in taken.values() for was_taken, _ in kind)
    assert_same_as_a_cold_build(listing, tmp_path / "cold-links", monkeypatch, "after the links were reordered")


def test_paper_pages_in_sections_of_any_size_are_the_same_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Sections of a few paper pages, each with the neighbours its "More in" lists show, make
    the pages one section per category makes; and warm builds stay equal to cold ones."""
    import site_gen.render
    from site_gen.build import build
    from site_gen.project import Project

    whole = tmp_path / "whole"
    shutil.copytree(REPO_ROOT / "papers", whole / "papers")
    build(Project(whole))
    monkeypatch.setattr(site_gen.render, "_PAPER_PAGES_PER_SECTION", 3)
    small = tmp_path / "small"
    shutil.copytree(REPO_ROOT / "papers", small / "papers")
    build(Project(small))
    assert tree_digest(small / "build" / "docs") == tree_digest(whole / "build" / "docs")
    test_each_warm_build_equals_a_cold_build(tmp_path / "warm", monkeypatch, in_one_process=False)


def test_a_setting_changed_renders_again_what_shows_it(tmp_path: Path):
    """Settings are among the inputs of the pages that show them: changing one is an edit like
    any other, with no cache to delete."""
    listing = PaperList(tmp_path / "list")
    for number in range(9):
        listing.write(f"p{number}", _paper(number))
    assert listing.run("build").exit_code == 0
    assert "<summary>Abstract</summary>" in page(listing, "categories/training.md")
    listing.write_settings(listing_abstracts_up_to=3, related_papers=1, similar_papers=0)
    assert listing.run("build").exit_code == 0
    assert "<summary>Abstract</summary>" not in page(listing, "categories/training.md")
    assert page(listing, "papers/p3.md").count("<li><a ") == 1
    assert_same_as_a_cold_build(listing, tmp_path / "cold", pytest.MonkeyPatch(), "after a setting changed")


def test_a_build_in_one_process_reads_cache_files_that_another_process_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`mkdocs serve` keeps cache files in memory; a `site-gen build` run in a terminal meanwhile
    replaces them. The serving process must still write what a cold build writes."""
    import site_gen.incremental.store
    from site_gen.build import build
    from site_gen.project import Project

    serving, terminal = site_gen.incremental.store._KeptFiles(), site_gen.incremental.store._KeptFiles()
    serving.enabled = True
    listing = PaperList(tmp_path / "list")
    for number in range(4):
        listing.write(f"p{number}", _paper(number))
    # The terminal adds a paper that is gone by the serving process's next build: only the
    # manifest the terminal wrote (not the one the serving process remembers) lists its page.
    steps = [(serving, "p1"), (terminal, "p1"), (terminal, "p9"), (serving, "p1"), (serving, "p1")]
    for step, (process, paper) in enumerate(steps):
        monkeypatch.setattr(site_gen.incremental.store, "kept_files", process)
        if step == 3:
            (listing.root / "papers/p9.yml").unlink()
        listing.write(paper, _paper(int(paper[1]), title=f"Edit {step}"))
        build(Project(listing.root))
        assert_same_as_a_cold_build(listing, tmp_path / f"cold-{step}", monkeypatch, f"step {step}")
    monkeypatch.setattr(site_gen.incremental.store, "kept_files", serving)
    (listing.root / "build/cache/small-pieces.pickle").write_bytes(b"damaged")
    listing.write("p2", _paper(2, title="After the damage"))
    build(Project(listing.root))
    assert "After the damage" in page(listing, "papers/p3.md")  # a neighbour's related list


def test_mkdocs_serve_keeps_cache_files_in_memory_and_mkdocs_build_does_not(monkeypatch: pytest.MonkeyPatch):
    import site_gen.incremental.store
    from site_gen.mkdocs.plugin import PaperListPlugin

    for command, kept in (("build", False), ("serve", True)):
        monkeypatch.setattr(site_gen.incremental.store, "kept_files", site_gen.incremental.store._KeptFiles())
        plugin = PaperListPlugin()
        plugin.on_startup(command=command, dirty=False)
        assert plugin.serving is kept
        assert site_gen.incremental.store.kept_files.enabled is kept
