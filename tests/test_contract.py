"""`check` is a contract: what it accepts, `build` builds. Each rule here keeps out an input that
`check` once accepted and a later stage could not handle, or that it refused without saying why."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO_ROOT, TAXONOMY, VALID_PAPER, PaperList
from tests.test_check import errors_of, replace

TITLE = 'title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"'


def assert_refused(paper_list: PaperList, location: str, message: str) -> None:
    """`check` exits 1 with an error at `location` (path:line) that says `message`."""
    result = paper_list.check()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = errors_of(result)
    matching = [e for e in errors if e.startswith(f"{location}:") and message in e]
    assert matching, errors


# (case name, file text, expected line, substring of the message)
TEXT_CASES = [
    ("control character in title", replace(TITLE, r'title: "GaLore\x01 x"'), 1, "title holds the control character U+0001 (character 7)"),
    ("escape in title", replace(TITLE, r'title: "GaLore\e x"'), 1, "control character U+001B"),
    ("delete in venue", replace("venue: ICML 2024", r'venue: "ICML\x7f 2024"'), 6, "venue holds the control character U+007F"),
    ("C1 control in an author", replace("  - Zhenyu Zhang", r'  - "Zhenyu\x85 Zhang"'), 4, "authors[2] holds the control character U+0085"),
    ("noncharacter in title", replace(TITLE, r'title: "GaLore\uFFFE"'), 1, "control character U+FFFE"),
    ("tab in title", replace(TITLE, r'title: "GaLore:\tMemory"'), 1, "title holds a tab (character 8)"),
    ("line break in title", replace(TITLE, r'title: "GaLore:\nMemory"'), 1, "title runs over more than one line"),
    ("line separator in an author", replace("  - Zhenyu Zhang", r'  - "Zhenyu\u2028Zhang"'), 4, "authors[2] runs over more than one line"),
    ("note as a literal block", replace("venue: ICML 2024", "venue: ICML 2024\nnote: |\n  A note."), 7, "note ends with a line break — a | or > block keeps"),
    ("note as a folded block", replace("venue: ICML 2024", "venue: ICML 2024\nnote: >\n  A note."), 7, "note ends with a line break"),
    ("control character in abstract", replace("abstract: Training LLMs is memory hungry.", r'abstract: "Training\x00 LLMs"'), 11, "abstract holds the control character U+0000"),
    ("carriage return in abstract", replace("abstract: Training LLMs is memory hungry.", r'abstract: "Training\r\nLLMs"'), 11, "U+000D"),
    ("control character in a link label", replace("venue: ICML 2024", 'venue: ICML 2024\nlinks:\n  "vi\\x01deo": https://x.org/v'), 8, "links label holds the control character U+0001"),
    ("control character in a url", replace("code: https://github.com/jiaweizzhao/GaLore", r'code: "https://github.com/x\x01"'), 8, "code holds the control character U+0001"),
    ("tag ending with a line break", replace("tags: [llm, low-rank]", 'tags: [llm, "low-rank\\n"]'), 10, "tags[2] ends with a line break"),
    ("category ending with a line break", replace("category: training", "category: |\n  training"), 9, "category ends with a line break"),
    ("arxiv id ending with a line break", replace('arxiv: "2403.03507"', 'arxiv: "2403.03507\\n"'), 7, "arXiv id ends with a line break"),
    ("added date as a block", replace("added: 2024-03-12", "added: |\n  2024-03-12"), 12, "added ends with a line break"),
    ("added in year 0", replace("added: 2024-03-12", "added: 0000-01-01"), 12, "added date 0000-01-01 is before 1900"),
    ("added in 1899", replace("added: 2024-03-12", "added: 1899-12-31"), 12, "added date 1899-12-31 is before 1900"),
    ("arxiv id in Arabic-Indic digits", replace('arxiv: "2403.03507"', 'arxiv: "٢٤٠٣.٠٣٥٠٧"'), 7, "arXiv id '٢٤٠٣.٠٣٥٠٧' has digits other than 0-9 — write it with the digits 0-9"),
    ("arxiv id in full-width digits", replace('arxiv: "2403.03507"', 'arxiv: "２４０３.０３５０７"'), 7, "has digits other than 0-9"),
    ("old-style arxiv id in Devanagari digits", replace('arxiv: "2403.03507"', 'arxiv: "hep-th/९९०१००१"'), 7, "has digits other than 0-9"),
    ("doi in Arabic-Indic digits", replace('arxiv: "2403.03507"', "doi: 10.١٠٠٠/abc"), 7, "DOI '10.١٠٠٠/abc' has digits other than 0-9"),
    ("added in Arabic-Indic digits", replace("added: 2024-03-12", "added: ٢٠٢٤-٠٣-١٢"), 12, "has digits other than 0-9"),
    ("url port in Arabic-Indic digits", replace("code: https://github.com/jiaweizzhao/GaLore", "code: https://github.com:٨٠/x"), 8, "has digits other than 0-9"),
]


@pytest.mark.parametrize("text,line,message", [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES])
def test_text_a_page_or_export_cannot_hold_is_refused(paper_list: PaperList, text: str, line: int, message: str):
    paper_list.write("galore", text)
    assert_refused(paper_list, f"papers/galore.yml:{line}", message)


def test_an_abstract_may_run_over_lines_and_hold_tabs(paper_list: PaperList):
    paper_list.write("galore", replace("abstract: Training LLMs is memory hungry.", 'abstract: "Training LLMs\\tis memory hungry.\\n\\nA second paragraph.\\n"'))
    result = paper_list.check()
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "old,new,line,message",
    [
        ("  title: Test List", '  title: "Test\\x01 List"', 2, "list.title holds the control character U+0001"),
        ("    title: Low-rank", '    title: "Low\\trank"', 16, "tags[2].title holds a tab"),
        ("  - slug: vision", '  - slug: "vision\\n"', 18, "tags[3].slug ends with a line break"),
        ("    description: Making training cheaper.", '    description: "Making\\x00 training cheaper."', 7, "categories[1].description holds the control character U+0000"),
    ],
    ids=["list title", "tag title", "slug", "description"],
)
def test_taxonomy_text_is_held_to_the_same_rules(paper_list: PaperList, old: str, new: str, line: int, message: str):
    assert old in TAXONOMY
    paper_list.write_taxonomy(TAXONOMY.replace(old, new))
    assert_refused(paper_list, f"papers/_taxonomy.yml:{line}", message)


def test_a_taxonomy_description_may_run_over_lines(paper_list: PaperList):
    paper_list.write_taxonomy(TAXONOMY.replace("  description: A small list used by the tests.", "  description: |\n    A small list\n    used by the tests.\n"))
    assert paper_list.check().exit_code == 0


def test_the_shared_text_rules_are_the_same_in_both_schemas():
    schemas = REPO_ROOT / "site_gen" / "schema"
    paper, taxonomy = (json.loads((schemas / name).read_text(encoding="utf-8")) for name in ("paper.schema.json", "taxonomy.schema.json"))
    for name in ("text", "paragraphs", "printableLine", "printableLines"):
        assert taxonomy["$defs"][name] == paper["$defs"][name], name


def test_a_file_the_validators_disagree_on_is_refused_with_a_reason(paper_list: PaperList, monkeypatch: pytest.MonkeyPatch):
    """Should jsonschema accept what the fast validator refuses, the file still says why."""
    import site_gen.reader

    monkeypatch.setattr(site_gen.reader, "schema_diagnostics", lambda *args: [])
    paper_list.write("galore", replace("year: 2024", "year: 1800"))
    result = paper_list.check()
    assert result.exit_code == 1
    assert errors_of(result) == [
        "papers/galore.yml:5:7: error: year breaks a rule of paper.schema.json: year must be bigger than or equal to 1900"
        " — change the value; site-gen's two schema validators disagree about it, please report this as a bug"
    ]


def test_a_taxonomy_the_validators_disagree_on_is_refused_with_a_reason(paper_list: PaperList, monkeypatch: pytest.MonkeyPatch):
    import site_gen.reader

    monkeypatch.setattr(site_gen.reader, "schema_diagnostics", lambda *args: [])
    paper_list.write_taxonomy(TAXONOMY.replace("  title: Test List\n", ""))
    errors = errors_of(paper_list.check())
    assert len(errors) == 1 and errors[0].startswith("papers/_taxonomy.yml:2:3: error: list breaks a rule of taxonomy.schema.json"), errors


def test_a_paper_id_that_names_a_page_of_the_site_is_refused(paper_list: PaperList):
    paper_list.write("index", replace('"2403.03507"', '"2403.03508"').replace("GaLore:", "Other:"))
    assert errors_of(paper_list.check()) == [
        "papers/index.yml:1:1: error: paper id 'index' is reserved — rename the file: papers/ is the page of all papers, not a paper's"
    ]


@pytest.mark.parametrize("old,line,message", [
    ("slug: training", 5, "category slug 'index' is reserved — choose another slug: categories/ is the page of all categories, not a category's"),
    ("slug: vision", 18, "tag slug 'index' is reserved — choose another slug: tags/ is the page of all tags, not a tag's"),
], ids=["category", "tag"])
def test_a_slug_that_names_a_page_of_the_site_is_refused(paper_list: PaperList, old: str, line: int, message: str):
    paper_list.write_taxonomy(TAXONOMY.replace(old, "slug: index"))
    assert errors_of(paper_list.check()) == [f"papers/_taxonomy.yml:{line}:11: error: {message}"]


@pytest.mark.parametrize("title", ["\\u200b\\u200b", "\\u200d \\ufeff", "\\u00ad", "\\u2060\\U000e0041"], ids=["zero-width spaces", "joiner and BOM", "soft hyphen", "word joiner and tag"])
def test_a_title_of_invisible_characters_only_is_empty(paper_list: PaperList, title: str):
    paper_list.write("galore", replace(TITLE, f'title: "{title}"'))
    assert errors_of(paper_list.check()) == ["papers/galore.yml:1:8: error: title holds only invisible characters — write the paper's title"]


def test_an_author_of_invisible_characters_only_is_empty(paper_list: PaperList):
    paper_list.write("galore", replace("  - Zhenyu Zhang", '  - "\\u200b"'))
    assert errors_of(paper_list.check()) == [
        "papers/galore.yml:4:5: error: authors[2] holds only invisible characters — write the author's name, or remove the entry"
    ]


@pytest.mark.parametrize("second", ["Jiawei\\u200b Zhao", "Jiawei  Zhao", "Ji\\u00adawei Zhao"], ids=["zero-width space", "two spaces", "soft hyphen"])
def test_authors_that_read_the_same_are_a_repeat(paper_list: PaperList, second: str):
    paper_list.write("galore", replace("  - Zhenyu Zhang", f'  - "{second}"'))
    errors = errors_of(paper_list.check())
    assert len(errors) == 1 and errors[0].startswith("papers/galore.yml:4:5: error: authors[2] ") and "is authors[1] again" in errors[0], errors


def test_authors_in_nfc_and_nfd_are_a_repeat(paper_list: PaperList):
    text = replace("  - Jiawei Zhao\n  - Zhenyu Zhang", "  - Zo\u00eb Smith\n  - Zoe\u0308 Smith")
    paper_list.write("galore", text)
    errors = errors_of(paper_list.check())
    assert len(errors) == 1 and "authors[2] 'Zoe\u0308 Smith' is authors[1] again" in errors[0], errors


@pytest.mark.parametrize("first,second", [
    ("Caf\u00e9 models", "Cafe\u0301 models"),
    ("GaLore models", "Ga\u200bLore models"),
    ("GaLore models", "\ufeffGa\u00adLo\u2060re models"),
], ids=["NFC and NFD", "zero-width space", "BOM, soft hyphen and word joiner"])
def test_titles_that_read_the_same_are_duplicates(paper_list: PaperList, first: str, second: str):
    paper_list.write("galore", replace(TITLE, f'title: "{first}"'))
    paper_list.write("other", replace(TITLE, f'title: "{second}"').replace("2403.03507", "2403.03508"))
    assert errors_of(paper_list.check()) == [
        "papers/other.yml:1:8: error: same title as papers/galore.yml — the paper is already on the list: delete this file or merge the two"
    ]


@pytest.mark.parametrize("nesting", [
    "links: " + "[" * 490 + "]" * 490,
    "links: " + "{a: " * 200 + "b" + "}" * 200,
    "links:\n" + "".join("  " * depth + "a:\n" for depth in range(1, 40)),
], ids=["flow lists", "flow mappings", "block mappings"])
def test_deep_nesting_is_refused_without_exhausting_the_stack(paper_list: PaperList, nesting: str):
    paper_list.write("galore", replace("venue: ICML 2024\n", f"venue: ICML 2024\n{nesting}\n"))
    errors = errors_of(paper_list.check())
    assert len(errors) == 1 and errors[0].startswith("papers/galore.yml:"), errors
    assert "values are nested more than 10 levels deep — no field needs more than 3" in errors[0]


def test_deep_nesting_in_the_taxonomy_is_refused(paper_list: PaperList):
    paper_list.write_taxonomy(TAXONOMY + "settings: " + "[" * 600 + "]" * 600 + "\n")
    errors = errors_of(paper_list.check())
    assert len(errors) == 1 and errors[0].startswith("papers/_taxonomy.yml:21:") and "nested more than 10 levels" in errors[0], errors


@pytest.mark.parametrize("make_link", [
    lambda papers: (papers / "loop.yml").symlink_to("loop.yml"),
    lambda papers: ((papers / "loop.yml").symlink_to("other.yml"), (papers / "other.yml").symlink_to("loop.yml")),
    lambda papers: (papers / "loop.yml").symlink_to("missing.yml"),
], ids=["link to itself", "two links", "dangling link"])
def test_a_link_that_leads_to_no_file_is_reported(paper_list: PaperList, make_link):
    make_link(paper_list.root / "papers")
    errors = errors_of(paper_list.check())
    assert errors and all(e.endswith("error: the file is a symbolic link that leads to no file (its target is missing, or the links form a loop) — remove the link, or make it point to a paper file") for e in errors), errors
    assert errors[0].startswith("papers/loop.yml:1:1:")


def test_a_link_to_a_paper_file_is_read(paper_list: PaperList, tmp_path):
    outside = tmp_path / "elsewhere.yml"
    outside.write_text(replace('"2403.03507"', '"2403.03508"').replace("GaLore:", "Other:"))
    (paper_list.root / "papers" / "other.yml").symlink_to(outside)
    result = paper_list.check()
    assert result.exit_code == 0 and result.stdout.startswith("2 papers"), result.output


@pytest.mark.parametrize("name", ["other.YML", "other.Yml", "other.YAML"])
def test_an_extension_in_capitals_is_reported(paper_list: PaperList, name: str):
    (paper_list.root / "papers" / name).write_text(replace('"2403.03507"', '"2403.03508"').replace("GaLore:", "Other:"))
    assert errors_of(paper_list.check()) == [f"papers/{name}:1:1: error: paper files use the .yml extension — rename it to other.yml"]


def test_paper_files_in_sub_folders_are_reported(paper_list: PaperList):
    deep = paper_list.root / "papers" / "drafts" / "2024"
    deep.mkdir(parents=True)
    (paper_list.root / "papers" / "drafts" / "other.yml").write_text(VALID_PAPER)
    (deep / "third.yaml").write_text(VALID_PAPER)
    (deep / "notes.txt").write_text("not a paper")
    assert errors_of(paper_list.check()) == [
        "papers/drafts/2024/third.yaml:1:1: error: paper files are read only from papers/ itself, not from its sub-folders — move it to papers/third.yaml",
        "papers/drafts/other.yml:1:1: error: paper files are read only from papers/ itself, not from its sub-folders — move it to papers/other.yml",
    ]


def test_hidden_files_and_folders_and_links_to_folders_are_not_papers(paper_list: PaperList):
    papers = paper_list.root / "papers"
    (papers / ".#galore.yml").symlink_to("user@host.1234:1700000000")  # Emacs' lock file
    (papers / ".git").mkdir()
    (papers / ".git" / "x.yml").write_text("not a paper")
    (papers / "itself").symlink_to(".")
    result = paper_list.check()
    assert result.exit_code == 0, result.output


def test_a_taxonomy_that_cannot_be_read_is_reported(paper_list: PaperList):
    taxonomy = paper_list.root / "papers" / "_taxonomy.yml"
    taxonomy.unlink()
    taxonomy.symlink_to("_taxonomy.yml")
    assert errors_of(paper_list.check()) == [
        "papers/_taxonomy.yml:1:1: error: the file cannot be read: Too many levels of symbolic links — make it a file you may read"
    ]


def test_a_paper_file_that_cannot_be_read_is_reported(paper_list: PaperList, monkeypatch: pytest.MonkeyPatch):
    import site_gen.reader

    def refused(path, mode):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(site_gen.reader, "open", refused, raising=False)
    assert errors_of(paper_list.check()) == ["papers/galore.yml:1:1: error: the file cannot be read: Permission denied — make it a file you may read"]


def test_every_new_problem_is_reported_in_one_run_and_nothing_is_written(paper_list: PaperList):
    papers = paper_list.root / "papers"
    paper_list.write("galore", replace(TITLE, r'title: "GaLore\x01"'))
    paper_list.write("index", replace('"2403.03507"', '"2403.03508"').replace("GaLore:", "Other:"))
    (papers / "gone.yml").symlink_to("missing.yml")
    (papers / "old").mkdir()
    (papers / "old" / "third.yml").write_text(VALID_PAPER)
    before = sorted(paper_list.root.rglob("*"))
    result = paper_list.check()
    assert result.exit_code == 1
    assert [e.split(": error: ")[0] for e in errors_of(result)] == ["papers/galore.yml:1:8", "papers/gone.yml:1:1", "papers/index.yml:1:1", "papers/old/third.yml:1:1"]
    assert sorted(paper_list.root.rglob("*")) == before


@pytest.mark.parametrize("text,expected", [
    (replace("venue: ICML 2024", 'venue: ICML 2024\nlinks:\n  "vi\\u2028deo": https://x.org/v'), "papers/galore.yml:8:3: error: links label runs over more than one line — write it on one line"),
    (replace("venue: ICML 2024", 'venue: ICML 2024\nlinks:\n  "a\\u2028b": "https://x.org/\\x01"'), "papers/galore.yml:8:15: error: links['a\\u2028b'] holds the control character U+0001 (character 15)"),
    (replace("venue: ICML 2024", '"ven\\x85ue": ICML 2024'), "papers/galore.yml:6:1: error: unknown field 'ven\\x85ue'"),
    (replace("tags: [llm, low-rank]", 'tags: [llm, "low\\u2029rank"]'), "papers/galore.yml:10:13: error: tags[2] 'low\\u2029rank' is not a valid slug"),
    (replace("category: training", 'category: "train\\u2028ing"'), "papers/galore.yml:9:11: error: unknown category 'train\\u2028ing'"),
], ids=["link label", "link under an odd label", "unknown field", "tag", "category"])
def test_each_problem_is_one_line_whatever_the_file_holds(paper_list: PaperList, text: str, expected: str):
    paper_list.write("galore", text)
    result = paper_list.check()
    assert result.exit_code == 1
    lines = result.stderr.splitlines()  # also splits at U+2028, U+0085 and the other Unicode line breaks
    assert lines[-1] == f"{len(lines) - 1} error(s)", lines
    assert any(line.startswith(expected) for line in lines), lines
