"""`site-gen check`: every rule rejects bad input with a message, file, line and column."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import VALID_PAPER, PaperList


def replace(old: str, new: str) -> str:
    assert old in VALID_PAPER, old
    return VALID_PAPER.replace(old, new)


def errors_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def test_valid_list_passes_with_summary(paper_list: PaperList):
    result = paper_list.check()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "1 papers, 2 categories, 3 tags: OK"
    assert result.stderr == ""


# (case name, file text, expected line, substring of the message)
CASES = [
    ("syntax error", replace("venue: ICML 2024", "venue: [ICML"), 7, "invalid YAML"),
    ("unquoted colon", replace('title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"', "title: GaLore: Memory"), 1, "invalid YAML"),
    ("venue type not one of the two", replace("venue: ICML 2024", "venue: ICML 2024\nvenue_type: jornal"), 7,
     "venue type is 'jornal'; it must be one of: journal, conference — did you mean 'journal'?"),
    ("venue type empty", replace("venue: ICML 2024", "venue: ICML 2024\nvenue_type:"), 7,
     "venue type is empty — write journal or conference, or leave venue_type out"),
    ("venue type without a venue", replace("venue: ICML 2024", "venue_type: journal"), 6,
     "venue_type is set but the paper has no venue — add venue:, e.g.: ICML 2024, or remove venue_type"),
    ("empty file", "", 1, "file is empty"),
    ("only a comment", "# nothing here\n", 1, "file is empty"),
    ("top level list", "- title: x\n", 1, "must be a mapping"),
    ("top level scalar", "just text\n", 1, "must be a mapping"),
    ("duplicate key", VALID_PAPER + "year: 2023\n", 13, "duplicate key 'year' (first defined on line 5)"),
    ("anchor and alias", replace("venue: ICML 2024", "venue: &v ICML 2024\nnote: *v"), 6, "anchors and aliases"),
    ("merge key", VALID_PAPER + "links:\n  <<: {a: https://x.org}\n", 14, "merge keys"),
    ("custom tag", replace("venue: ICML 2024", "venue: !!python/name:os.system ''"), 6, "unsupported YAML tag"),
    ("unknown field", replace("venue: ICML 2024", "venu: ICML 2024"), 6, "unknown field 'venu'"),
    ("missing title", re.sub(r"^title:.*\n", "", VALID_PAPER), 1, "missing required field 'title'"),
    ("missing added", replace("added: 2024-03-12\n", ""), 1, "missing required field 'added'"),
    ("no arxiv doi or url", replace('arxiv: "2403.03507"\n', ""), 1, "at least one of: arxiv, doi, url"),
    ("year as text", replace("year: 2024", 'year: "2024"'), 5, "year must be a whole number"),
    ("year as float", replace("year: 2024", "year: 2024.0"), 5, "year must be a whole number"),
    ("year too old", replace("year: 2024", "year: 1899"), 5, "year 1899 is out of range"),
    ("year in future", replace("year: 2024", f"year: {dt.date.today().year + 2}"), 5, "is in the future"),
    ("title yes is not a boolean but too short to matter", replace('title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"', "title: 123"), 1, "title must be text, not the number 123"),
    ("authors not a list", replace("authors:\n  - Jiawei Zhao\n  - Zhenyu Zhang", "authors: Jiawei Zhao"), 2, "authors must be a list"),
    ("empty authors", replace("authors:\n  - Jiawei Zhao\n  - Zhenyu Zhang", "authors: []"), 2, "authors is empty"),
    ("blank author", replace("  - Zhenyu Zhang", '  - " "'), 4, "authors[2] is empty"),
    ("duplicate author", replace("  - Zhenyu Zhang", "  - Jiawei Zhao"), 3, "'Jiawei Zhao' more than once"),
    ("malformed arxiv", replace('arxiv: "2403.03507"', 'arxiv: "2403.035"'), 7, "arXiv id '2403.035' is malformed"),
    ("arxiv with version", replace('arxiv: "2403.03507"', 'arxiv: "2403.03507v2"'), 7, "has a version suffix"),
    ("arxiv url", replace('arxiv: "2403.03507"', "arxiv: https://arxiv.org/abs/2403.03507"), 7, "must be the bare id"),
    ("malformed doi", replace("venue: ICML 2024", "venue: ICML 2024\ndoi: 11.1000/abc"), 7, "DOI '11.1000/abc' is malformed"),
    ("doi url", replace("venue: ICML 2024", "venue: ICML 2024\ndoi: https://doi.org/10.1000/abc"), 7, "must be the bare DOI"),
    ("javascript url", replace("code: https://github.com/jiaweizzhao/GaLore", "code: javascript:alert(1)"), 8, "javascript: is not allowed"),
    ("data url", replace("code: https://github.com/jiaweizzhao/GaLore", "code: data:text/html,hi"), 8, "data: is not allowed"),
    ("bad link url", VALID_PAPER + "links:\n  video: ftp://x.org/v\n", 14, "links.video 'ftp://x.org/v' is not a web link (ftp: is not allowed) — only https:// (or http://) links"),
    ("empty tags", replace("tags: [llm, low-rank]", "tags: []"), 10, "tags is empty"),
    ("duplicate tag", replace("tags: [llm, low-rank]", "tags: [llm, llm]"), 10, "'llm' more than once"),
    ("too many tags", replace("tags: [llm, low-rank]", "tags: [a, b, c, d, e, f, g, h, i]"), 10, "at most 8"),
    ("unknown tag", replace("tags: [llm, low-rank]", "tags: [llm, lowrank]"), 10, "unknown tag 'lowrank' — did you mean 'low-rank'"),
    ("unknown category", replace("category: training", "category: trainng"), 9, "unknown category 'trainng' — did you mean 'training'"),
    ("bad slug tag", replace("tags: [llm, low-rank]", "tags: [llm, Low Rank]"), 10, "tags[2] 'Low Rank' is not a valid slug"),
    ("impossible date", replace("added: 2024-03-12", "added: 2024-02-30"), 12, "not a real calendar date"),
    ("date as text", replace("added: 2024-03-12", "added: March 2024"), 12, "added 'March 2024' is malformed"),
    ("note with newline", replace("venue: ICML 2024", 'venue: ICML 2024\nnote: "two\\nlines"'), 7, "note"),
    ("id field", "id: galore\n" + VALID_PAPER, 1, "the field 'id' is not written in paper files"),
    ("empty title", replace('title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"', 'title: ""'), 1, "title is empty"),
    ("null title", replace('title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"', "title:"), 1, "title is empty"),
]


@pytest.mark.parametrize("text,line,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_reports_file_line_and_message(paper_list: PaperList, text: str, line: int, message: str):
    paper_list.write("galore", text)
    result = paper_list.check()
    assert result.exit_code == 1
    errors = errors_of(result)
    assert errors, result.stderr
    matching = [e for e in errors if message in e]
    assert matching, errors
    assert matching[0].startswith(f"papers/galore.yml:{line}:"), matching[0]
    assert "Traceback" not in result.output


def test_unquoted_arxiv_id_keeps_its_trailing_zero(paper_list: PaperList):
    paper_list.write("galore", replace('arxiv: "2403.03507"', "arxiv: 2401.10020"))
    assert paper_list.check().exit_code == 0
    from site_gen.project import Project
    from site_gen.reader import read_project

    _, papers = read_project(Project(paper_list.root))
    assert papers[0].arxiv == "2401.10020"
    assert papers[0].added == "2024-03-12"


def test_yaml_11_booleans_are_read_as_the_text_written(paper_list: PaperList):
    paper_list.write("galore", replace("venue: ICML 2024", "venue: yes\nnote: off"))
    assert paper_list.check().exit_code == 0
    from site_gen.project import Project
    from site_gen.reader import read_project

    paper = read_project(Project(paper_list.root))[1][0]
    assert (paper.venue, paper.note) == ("yes", "off")


def test_non_utf8_bytes_are_located(paper_list: PaperList):
    paper_list.write_bytes("galore", VALID_PAPER.replace("Zhenyu", "Zh\xe9nyu").encode("latin-1"))
    errors = errors_of(paper_list.check())
    assert errors == ["papers/galore.yml:4:7: error: byte 0xe9 is not valid UTF-8 — save the file as UTF-8"]


def test_oversized_file_is_rejected_with_its_size(paper_list: PaperList):
    paper_list.write("galore", VALID_PAPER + "note: " + "x" * (65_536 - len(VALID_PAPER) - 6) + "y\n")
    assert errors_of(paper_list.check()) == [
        "papers/galore.yml:1:1: error: file is 65,538 bytes, larger than the limit of 65,536 bytes (64 KB)"
        " — a paper file needs only its metadata and abstract; shorten it"
    ]


def test_billion_laughs_is_rejected_quickly(paper_list: PaperList):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    paper_list.write("galore", "\n".join(lines) + "\n")
    errors = errors_of(paper_list.check())
    assert errors and all("anchors and aliases" in e for e in errors)


def test_invalid_file_name(paper_list: PaperList):
    paper_list.write("GaLore_2024", VALID_PAPER.replace("2403.03507", "2403.03508").replace("GaLore:", "Other:"))
    errors = errors_of(paper_list.check())
    assert errors == [
        "papers/GaLore_2024.yml:1:1: error: file name 'GaLore_2024' is not a valid paper id — "
        "rename it to papers/galore-2024.yml (lowercase letters, digits, dashes)"
    ]


def test_yaml_extension_is_reported(paper_list: PaperList):
    paper_list.write("other", VALID_PAPER, suffix=".yaml")
    assert errors_of(paper_list.check()) == ["papers/other.yaml:1:1: error: paper files use the .yml extension — rename it to other.yml"]


@pytest.mark.parametrize(
    "change,location,label",
    [
        (lambda t: t.replace("GaLore:", "Another:"), "7:8", "same arXiv id as papers/galore.yml"),
        (lambda t: t.replace('"2403.03507"', '"2403.99999"').replace("GaLore:", "galore  --"), "1:8", "same title as papers/galore.yml"),
    ],
    ids=["arxiv", "normalised title"],
)
def test_duplicates_across_files_name_both(paper_list: PaperList, change, location: str, label: str):
    paper_list.write("zeta-copy", change(VALID_PAPER))
    errors = errors_of(paper_list.check())
    assert errors == [f"papers/zeta-copy.yml:{location}: error: {label} — the paper is already on the list: delete this file or merge the two"]


def test_duplicate_doi_across_files(paper_list: PaperList):
    paper_list.write("galore", replace('arxiv: "2403.03507"', "doi: 10.1000/ABC"))
    paper_list.write("other", replace('arxiv: "2403.03507"', "doi: 10.1000/abc").replace("GaLore:", "Other:"))
    errors = errors_of(paper_list.check())
    assert len(errors) == 1 and errors[0].startswith("papers/other.yml:7:6: error: same DOI as papers/galore.yml")


@pytest.mark.parametrize("title", [
    "GaLore: Memory-Efficient LLM Training via Gradient Low-Rank Projection",  # one word replaced
    "GaLore: Memory-Efficent LLM Training by Gradient Low-Rank Projection",  # a typo
    "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projections",
    "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection Revisited",  # a word more
])
def test_a_nearly_identical_title_is_a_warning_naming_the_other_file(paper_list: PaperList, title: str):
    paper_list.write("zeta", replace('"2403.03507"', '"2403.99999"').replace(
        'title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"', f"title: {title!r}"))
    result = paper_list.check()
    assert result.exit_code == 0 and errors_of(result) == []
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        "papers/zeta.yml:1:8: warning: title nearly the same as papers/galore.yml's "
        "('GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection') — "
        "if it is the same paper, delete this file or merge the two; if not, nothing to do"
    ]


@pytest.mark.parametrize("title", [
    "Natural GaLore: Accelerating GaLore for memory-efficient LLM Training and Fine-tuning",
    "Q-GaLore: Quantized GaLore with INT4 Projection and Layer-Adaptive Low-Rank Gradients",
    "Memory Networks",  # titles this short are not compared
    "GaLore: Memory-Efficient Vision Transformer Training by Gradient Low-Rank Projection and Pruning",  # two words apart
])
def test_related_titles_are_not_near_duplicates(paper_list: PaperList, title: str):
    paper_list.write("zeta", replace('"2403.03507"', '"2403.99999"').replace(
        'title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"', f"title: {title!r}"))
    result = paper_list.check()
    assert result.exit_code == 0 and ": warning: " not in result.stderr, result.stderr


def test_a_near_duplicate_is_found_past_an_earlier_title_one_word_apart(paper_list: PaperList):
    """The first file sharing a title-but-one-word with a later one need not be its near
    duplicate: the later file is still compared with the others, and named with the closest."""
    base = replace('"2403.03507"', '"2403.99999"')
    title = 'title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"'
    paper_list.write("aaa", base.replace(title, 'title: "Sparse Memory Transformers for Streaming Supercalifragilisticexpialidocious"').replace("2403.99999", "2403.99991"))
    paper_list.write("bbb", base.replace(title, 'title: "Sparse Memory Transformers for Streaming Video"').replace("2403.99999", "2403.99992"))
    paper_list.write("ccc", base.replace(title, 'title: "Sparse Memory Transformers for Streaming Videos"').replace("2403.99999", "2403.99993"))
    result = paper_list.check()
    assert result.exit_code == 0 and errors_of(result) == []
    warnings = [line.split(": warning: ")[0] + " " + line.split("'s (")[0].split("as ")[-1] for line in result.stderr.splitlines() if ": warning: " in line]
    assert warnings == ["papers/ccc.yml:1:8 papers/bbb.yml"]


def test_a_near_duplicate_is_found_in_a_large_family_of_titles_one_word_apart(paper_list: PaperList):
    base = replace('"2403.03507"', '"2403.99999"')
    title = 'title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"'
    words = ["Attention", "Memory", "Recurrence", "Retrieval", "Compression", "Sparsity", "Replay", "Quantization", "Pruning", "Distillation", "Caching"]
    for number, word in enumerate(words):
        paper_list.write(f"aaa-{number:02d}", base.replace(title, f'title: "{word} Is All You Need"').replace("2403.99999", f"2403.{90000 + number}"))
    paper_list.write("zzz", base.replace(title, 'title: "Distilation Is All You Need"'))
    warnings = [line for line in paper_list.check().stderr.splitlines() if ": warning: " in line]
    assert [line.split(": warning: ")[0] for line in warnings if "papers/zzz.yml" in line] == ["papers/zzz.yml:1:8"]
    assert any("papers/aaa-09.yml's ('Distillation Is All You Need')" in line for line in warnings)


def test_the_seed_list_has_no_near_duplicate_titles():
    from site_gen.reader import scan_project
    from site_gen.project import Project
    from tests.conftest import REPO_ROOT

    assert [w for w in scan_project(Project(REPO_ROOT), use_cache=False).warnings if "nearly the same" in w.problem] == []


def test_titles_of_punctuation_only_are_not_duplicates(paper_list: PaperList):
    paper_list.write("galore", VALID_PAPER.replace("title: ", 'title: "???" # ', 1))
    paper_list.write("other", VALID_PAPER.replace("title: ", 'title: "∞" # ', 1).replace("2403.03507", "2403.00001"))
    result = paper_list.check()
    assert result.exit_code == 0, result.stderr


def test_all_errors_in_one_run_sorted_by_file_and_line(paper_list: PaperList):
    paper_list.write("b-paper", replace("year: 2024", "year: x").replace("GaLore:", "B:").replace("2403.03507", "2403.00002"))
    paper_list.write("a-paper", replace("category: training", "category: nope").replace("venue:", "venu:").replace("GaLore:", "A:").replace("2403.03507", "2403.00001"))
    errors = errors_of(paper_list.check())
    assert [e.split(": error:")[0] for e in errors] == ["papers/a-paper.yml:6:1", "papers/a-paper.yml:9:11", "papers/b-paper.yml:5:7"]


def test_taxonomy_errors_are_reported(paper_list: PaperList):
    paper_list.write_taxonomy("list:\n  title: X\ncategories: []\ntags:\n  - {slug: a, title: A, description: d}\n  - {slug: a, title: A2, description: d}\n")
    errors = errors_of(paper_list.check())
    assert errors[0].startswith("papers/_taxonomy.yml:2:3: error: missing required field 'description' in list")
    assert any("categories is empty" in e for e in errors)


def test_taxonomy_duplicate_slug(paper_list: PaperList):
    text = (paper_list.root / "papers/_taxonomy.yml").read_text() + "  - slug: llm\n    title: Again\n    description: twice\n"
    paper_list.write_taxonomy(text)
    assert errors_of(paper_list.check()) == ["papers/_taxonomy.yml:21:11: error: tag 'llm' is defined twice — keep one definition"]


def test_github_annotations_and_step_summary(paper_list: PaperList, tmp_path):
    paper_list.write("galore", replace("venue: ICML 2024", "venu: ICML, 50% off"))
    summary = tmp_path / "summary.md"
    result = paper_list.check(env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=papers/galore.yml,line=6,col=1,title=site-gen check::unknown field 'venu' — did you mean 'venue'?"
    ]
    assert "| papers/galore.yml | 6:1 | unknown field 'venu' — did you mean 'venue'? |" in summary.read_text()


HTTP_PAPER = replace("code: https://github.com", "code: http://github.com") + "links:\n  Lab page: http://lab.example.edu/~ada/\n  video: https://example.org/v\n"


def test_http_links_are_warnings_that_change_nothing_else(paper_list: PaperList):
    paper_list.write("galore", HTTP_PAPER)
    result = paper_list.check()
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "papers/galore.yml:8:7: warning: code 'http://github.com/jiaweizzhao/GaLore' is served over http:// — use its https:// address if the site has one",
        "papers/galore.yml:14:13: warning: links.Lab page 'http://lab.example.edu/~ada/' is served over http:// — use its https:// address if the site has one",
    ]
    assert result.stdout.endswith("tags: OK (2 warning(s) above)\n")
    # The warnings are remembered with the file: a warm run finds them without parsing it again.
    assert paper_list.check().stderr == result.stderr
    assert paper_list.run("build").exit_code == 0


def test_warnings_are_annotations_too_and_come_after_errors(paper_list: PaperList, tmp_path):
    paper_list.write("galore", HTTP_PAPER)
    paper_list.write("other", VALID_PAPER.replace("2403.03507", "2403.03508").replace("GaLore:", "Other:").replace("venue: ICML 2024", "venu: x"))
    summary = tmp_path / "summary.md"
    result = paper_list.check(env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    commands = result.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in commands] == ["::error", "::warning", "::warning"]
    assert commands[1].startswith("::warning file=papers/galore.yml,line=8,col=7,title=site-gen check::code ")
    assert result.stderr.splitlines()[-1] == "1 error(s), 2 warning(s)"
    text = summary.read_text()
    assert "### site-gen check: 1 error(s), 2 warning(s)" in text and "| 8:7 | warning: code" in text


def test_github_format_flag_escapes_newlines_and_percent():
    from site_gen.diagnostics import Diagnostic

    line = Diagnostic("p/a,b.yml", 2, 3, "50% off\nnext", "fix").format_github()
    assert line == "::error file=p/a%2Cb.yml,line=2,col=3,title=site-gen check::50%25 off%0Anext — fix"


def test_check_of_bad_input_writes_nothing(paper_list: PaperList):
    before = sorted(p for p in paper_list.root.rglob("*"))
    paper_list.write("galore", replace("year: 2024", "year: x"))
    assert paper_list.check().exit_code == 1
    assert sorted(p for p in paper_list.root.rglob("*")) == before


def test_check_of_good_input_writes_only_its_parse_cache(paper_list: PaperList):
    before = set(paper_list.root.rglob("*"))
    assert paper_list.check().exit_code == 0
    added = set(paper_list.root.rglob("*")) - before
    assert {p.relative_to(paper_list.root).as_posix() for p in added} == {"build", "build/cache", "build/cache/parse-index.marshal", "build/cache/parse-results.pickle"}


def test_cached_results_follow_file_content(paper_list: PaperList):
    assert paper_list.check().exit_code == 0
    path = paper_list.root / "papers" / "galore.yml"
    stat = path.stat()
    path.write_text(replace("year: 2024", "year: 2O24"))  # same size, and the same mtime restored
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = paper_list.check()
    assert result.exit_code == 1 and "year must be a whole number" in result.stderr


def test_every_cache_follows_the_schemas(tmp_path: Path):
    import shutil

    import site_gen

    shutil.copytree(Path(site_gen.__file__).parent, tmp_path / "site_gen", ignore=shutil.ignore_patterns("__pycache__"))

    def code_version() -> str:
        script = "from site_gen.incremental.version import code_version; print(code_version())"
        return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True).stdout

    before = code_version()
    schema = tmp_path / "site_gen" / "schema" / "taxonomy.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert code_version() != before


def test_a_touched_file_is_hashed_again_but_not_parsed(paper_list: PaperList, monkeypatch: pytest.MonkeyPatch):
    import site_gen.reader
    from site_gen.project import Project

    assert paper_list.check().exit_code == 0
    path = paper_list.root / "papers" / "galore.yml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    parsed = []
    real_parse = site_gen.reader.parse_paper
    monkeypatch.setattr(site_gen.reader, "parse_paper", lambda raw, *args: parsed.append(args[1]) or real_parse(raw, *args))
    site_gen.reader.scan_project(Project(paper_list.root))
    assert parsed == []
    path.write_text(path.read_text().replace("GaLore:", "GaLore, edited:"))
    listing = site_gen.reader.scan_project(Project(paper_list.root))
    assert parsed == ["papers/galore.yml"]
    assert any(paper.title.startswith("GaLore, edited:") for paper in listing.papers())


def test_command_line_exit_codes_without_traceback(paper_list: PaperList):
    paper_list.write("galore", "title: [unclosed\n")
    proc = subprocess.run([sys.executable, "-m", "site_gen", "check", "--root", str(paper_list.root)], capture_output=True, text=True, env={"PATH": "/usr/bin"})
    assert proc.returncode == 1
    assert proc.stderr.startswith("papers/galore.yml:2:1: error: invalid YAML")
    assert "Traceback" not in proc.stderr
