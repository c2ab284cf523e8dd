"""`site-gen init`: a new list that checks, builds and is ready to publish, from options that are
data; it never overwrites a file and writes nothing when its options cannot make a valid list."""

from __future__ import annotations

import filecmp
import importlib.metadata
import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from site_gen.cli import main
from site_gen.new_list import github_repository, pages_url, template_files
from tests.conftest import REPO_ROOT
from tests.sitebuild import BIN
from tests.test_second_list import builder_env

# The files every new list gets, as `git ls-files` of the new repository would show them.
EXPECTED_FILES = {
    ".github/ISSUE_TEMPLATE/add-paper.yml", ".github/ISSUE_TEMPLATE/config.yml", ".github/dependabot.yml",
    ".github/pull_request_template.md", ".github/workflows/ci.yml", ".github/workflows/deploy.yml",
    ".github/workflows/linkcheck.yml", ".github/workflows/paper-from-issue.yml", ".github/workflows/preview.yml", ".github/workflows/refresh.yml", ".gitignore", ".pre-commit-config.yaml",
    "Makefile", "README.md", "docs/about.md", "docs/contributing.md", "mkdocs.yml", "papers/_taxonomy.yml",
    "papers/attention-is-all-you-need.yml", "requirements.txt",
}
# This repository is a list too: what it shares with every new list must not drift apart.
SHARED_WITH_THIS_REPOSITORY = (
    ".github/workflows/ci.yml", ".github/workflows/deploy.yml", ".github/workflows/linkcheck.yml",
    ".github/workflows/paper-from-issue.yml", ".github/workflows/preview.yml", ".github/workflows/refresh.yml", ".github/pull_request_template.md", ".github/ISSUE_TEMPLATE/config.yml",
    ".pre-commit-config.yaml",
)
HOSTILE_TITLE = 'Graphs: "papers" # [x](javascript:alert(1)) *<b>list</b>* & {{ jinja }}'


def init(*args: str):
    return CliRunner().invoke(main, ["init", *args], env={"GITHUB_ACTIONS": "false"}, catch_exceptions=False)


def files_in(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def test_a_new_list_checks_builds_and_passes_its_own_make_test(tmp_path: Path):
    root = tmp_path / "gnn-papers"
    result = init(str(root), "--repository", "https://github.com/Someone/gnn-papers", "--description", "Papers on graph neural networks.")
    assert result.exit_code == 0, result.output
    assert files_in(root) == EXPECTED_FILES
    taxonomy = yaml.safe_load((root / "papers" / "_taxonomy.yml").read_text(encoding="utf-8"))["list"]
    assert taxonomy == {
        "title": "Gnn papers", "description": "Papers on graph neural networks.",
        "repository": "https://github.com/Someone/gnn-papers", "url": "https://someone.github.io/gnn-papers/",
    }
    readme = (root / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[3:5] == [
        "make site   # creates .venv, installs site-gen, builds the site into site/",
        "make test   # checks every paper and builds the whole site strictly",
    ]
    # site-gen is pinned in one line, to this version.
    [pin] = [line for line in (root / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    assert pin.endswith(f"@v{importlib.metadata.version('site-gen')}")

    # The list's own `make test` (check, README up to date, build, strict MkDocs build), run by a
    # real make with this environment's site-gen instead of the pinned one it would install.
    proc = subprocess.run(["make", "test", f"BIN={BIN}", "-o", ".venv/.installed"], cwd=root, env=builder_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "1 papers, 2 categories, 3 tags: OK" in proc.stdout
    page = (root / "build" / "test-site" / "papers" / "attention-is-all-you-need" / "index.html").read_text(encoding="utf-8")
    assert "Attention Is All You Need" in page and "Łukasz Kaiser" in page


def test_options_are_data_in_every_file(tmp_path: Path):
    root = tmp_path / "list"
    result = init(str(root), "--title", HOSTILE_TITLE, "--description", "It's a list: 'quoted' \"too\".", "--url", "https://lists.example.org/graphs")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((root / "mkdocs.yml").read_text().replace("!ENV", ""))["site_name"] == HOSTILE_TITLE
    about = yaml.safe_load((root / "papers" / "_taxonomy.yml").read_text())["list"]
    assert about["title"] == HOSTILE_TITLE and about["url"] == "https://lists.example.org/graphs/"
    assert "repository" not in about
    for name in ("README.md", "docs/about.md"):
        text = (root / name).read_text(encoding="utf-8")
        assert "<b>" not in text and "](javascript:" not in text and "{{" not in text, name
    assert CliRunner().invoke(main, ["check", "--root", str(root)]).exit_code == 0


def test_it_never_overwrites_a_file_and_then_writes_nothing(tmp_path: Path):
    root = tmp_path / "list"
    (root / "papers").mkdir(parents=True)
    (root / "papers" / "_taxonomy.yml").write_text("mine\n")
    (root / "mkdocs.yml").write_text("mine too\n")
    (root / "notes.txt").write_text("unrelated\n")
    result = init(str(root))
    assert result.exit_code == 1
    assert f"{root / 'mkdocs.yml'}: exists" in result.output and f"{root / 'papers' / '_taxonomy.yml'}: exists" in result.output
    assert "2 file(s) would be overwritten; nothing was written" in result.output
    assert files_in(root) == {"papers/_taxonomy.yml", "mkdocs.yml", "notes.txt"}
    assert (root / "mkdocs.yml").read_text() == "mine too\n"


def test_options_that_make_an_invalid_list_are_refused_before_anything_is_written(tmp_path: Path):
    root = tmp_path / "list"
    result = init(str(root), "--title", "   ")
    assert result.exit_code == 1
    assert re.search(r"papers/_taxonomy\.yml:\d+:\d+: error: ", result.output), result.output
    assert not root.exists() or not files_in(root)
    for option, value, expected in (("--url", "http://example.org/", "not an https:// address"),
                                    ("--repository", "not a repository", "not a GitHub repository")):
        result = init(str(root), option, value)
        assert result.exit_code == 2 and expected in result.output, result.output


@pytest.mark.parametrize(("value", "expected"), [
    ("someone/list", ("someone", "list")), ("https://github.com/someone/list", ("someone", "list")),
    ("https://github.com/someone/list.git", ("someone", "list")), ("https://github.com/someone/list/", ("someone", "list")),
    ("https://gitlab.com/someone/list", None), ("someone", None), ("a/b/c", None),
])
def test_repository_forms(value: str, expected):
    assert github_repository(value) == expected


def test_the_pages_address_is_the_one_the_workflows_compute():
    assert pages_url("Someone", "gnn-papers") == "https://someone.github.io/gnn-papers/"
    assert pages_url("Someone", "someone.github.io") == "https://someone.github.io/"


def test_files_shared_with_this_repository_are_the_same():
    destinations = {path.as_posix().replace("dot-", "."): path for path in template_files()}
    for name in SHARED_WITH_THIS_REPOSITORY:
        assert filecmp.cmp(REPO_ROOT / "site_gen" / "list_template" / destinations[name], REPO_ROOT / name, shallow=False), name


def test_the_pinned_version_has_a_changelog_entry():
    version = importlib.metadata.version("site-gen")
    assert re.search(rf"^## {re.escape(version)} ", (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.MULTILINE)


def test_a_new_list_takes_an_imported_library_and_builds(tmp_path: Path):
    """The way a maintainer starts: init, import their BibTeX, Zotero and Jekyll papers, fill in
    what `check` names, then the list's own `make check` and `make test`."""
    from tests.test_import import BIBTEX, CSL_ITEMS, JEKYLL_PAGES, assert_on_its_page

    root = tmp_path / "my-papers"
    assert init(str(root), "--repository", "someone/my-papers").exit_code == 0
    sources = tmp_path / "sources"
    (sources / "_publications").mkdir(parents=True)
    (sources / "library.bib").write_text(BIBTEX, encoding="utf-8")
    (sources / "zotero.json").write_text(json.dumps(CSL_ITEMS, ensure_ascii=False), encoding="utf-8")
    for name, page in JEKYLL_PAGES.items():
        (sources / "_publications" / name).write_text(textwrap.dedent(page), encoding="utf-8")
    outputs = {}
    for source in ("library.bib", "zotero.json", "_publications"):
        result = CliRunner().invoke(main, ["import", str(sources / source), "--root", str(root)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outputs[source] = result.output
    # The example paper is one of the library's: it is skipped as a duplicate, naming the file.
    assert "papers/attention-is-all-you-need.yml" in outputs["zotero.json"], outputs["zotero.json"]

    # `check` names what the sources did not say; the maintainer fills it in.
    for path in (root / "papers").glob("*.yml"):
        if path.name != "_taxonomy.yml":
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not data.get("category") or not data.get("tags"):
                data["category"] = data.get("category") or "evaluation"
                data["tags"] = data.get("tags") or ["benchmark"]
                path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    imported = {path.stem for path in (root / "papers").glob("*.yml")} - {"_taxonomy", "attention-is-all-you-need"}
    assert {"generative-adversarial-nets", "reflexion", "learning-represent-programs-graphs"} <= imported

    for target in ("check", "test"):
        proc = subprocess.run(["make", target, f"BIN={BIN}", "-o", ".venv/.installed"], cwd=root, env=builder_env(),
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    site = root / "build" / "test-site"
    assert_on_its_page(site, "generative-adversarial-nets", "Generative Adversarial Nets", "Jérôme Möller")
    assert_on_its_page(site, "reflexion", "NeurIPS 2023")
    assert_on_its_page(site, "learning-represent-programs-graphs", "Learning to Represent Programs with Graphs")
    assert "Generative Adversarial Nets" in (root / "README.md").read_text(encoding="utf-8")
