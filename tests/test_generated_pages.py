"""site_gen/mkdocs/generated_pages.py: the generated pages outside the nav are converted by one
Markdown instance per build (and, in large lists, by a second process too), and the site is byte
for byte the one MkDocs' own conversion of every page builds."""

from __future__ import annotations

import filecmp
import re
import subprocess
from pathlib import Path

from mkdocs.commands.build import get_files
from mkdocs.config import load_config
from mkdocs.structure.pages import Page

from site_gen.mkdocs.generated_pages import GeneratedPage
from site_gen.mkdocs.generated_pages import generated_pages
from tests.sitebuild import BIN, build_site, copy_repository_list, generate


def differences(left: Path, right: Path) -> list[str]:
    comparison, found = [filecmp.dircmp(left, right)], []
    while comparison:
        here = comparison.pop()
        found += [f"{here.left}/{name}" for name in here.left_only + here.right_only + here.diff_files + here.funny_files]
        # dircmp compares by size and times only: the bytes are compared here.
        found += [f"{here.left}/{name}" for name in here.same_files
                  if not filecmp.cmp(Path(here.left) / name, Path(here.right) / name, shallow=False)]
        comparison += here.subdirs.values()
    return found


def strict_build(root: Path, env: dict[str, str], name: str, options: str, extra: str = "") -> tuple[subprocess.CompletedProcess, Path]:
    """`mkdocs build --strict` of the generated list in `root` into `root/name`, with these lines
    of paper-list options (and `extra` lines of mkdocs.yml), search off."""
    text = (root / "mkdocs.yml").read_text(encoding="utf-8") + extra
    config = root / f"{name}.yml"
    config.write_text(text.replace("\n  - paper-list\n", f"\n  - paper-list:\n      {options}\n      search_index: false\n"), encoding="utf-8")
    site = root / name
    built = subprocess.run([BIN / "mkdocs", "build", "--strict", "--config-file", config, "--site-dir", site], env=env, capture_output=True, text=True)
    return built, site


def taken_from_second_process(log: str) -> int:
    """How many converted pages MkDocs took from the second process, as the build logs it."""
    found = re.search(r"paper-list: ([\d,]+) of [\d,]+ generated pages converted by a second process", log)
    assert found, log[-3000:]
    return int(found.group(1).replace(",", ""))


def test_the_site_is_the_one_mkdocs_own_conversion_builds(tmp_path):
    root = copy_repository_list(tmp_path / "list")
    mkdocs_own = build_site(root, site_dir="site-mkdocs", search_index=False, one_converter=False)
    ours = build_site(root, site_dir="site-ours", search_index=False)
    assert len(list(ours.glob("papers/*/index.html"))) == 173
    assert differences(ours, mkdocs_own) == []
    # A second process converting pages from the last one backwards, however many there are.
    built, two_processes = strict_build(root, generate(root), "site-two", "convert_ahead_from: 1")
    assert built.returncode == 0, built.stderr[-3000:]
    assert taken_from_second_process(built.stderr) > 0
    assert differences(two_processes, mkdocs_own) == []


def test_what_the_second_process_finds_wrong_fails_a_strict_build(tmp_path):
    """It converts the last pages first: a link to a missing page and one to a missing anchor
    there are reported by MkDocs, and fail `--strict`, as if MkDocs had converted them."""
    root = copy_repository_list(tmp_path / "list")
    env = generate(root)
    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    last, before_last = generated_pages(config.plugins.on_files(get_files(config), config=config))[:-3:-1]
    with open(Path(config.docs_dir) / last.file.src_uri, "a", encoding="utf-8") as page:
        page.write("\n[nowhere](nowhere-at-all.md)\n")
    with open(Path(config.docs_dir) / before_last.file.src_uri, "a", encoding="utf-8") as page:
        page.write(f"\n[an anchor](/{last.file.src_uri}#no-such-anchor)\n".replace("](/", "](" + "../" * before_last.file.src_uri.count("/")))
    built, _ = strict_build(root, env, "site", "convert_ahead_from: 1")
    assert built.returncode == 1
    # It answers from the last page backwards: two pages taken from it are these two.
    assert taken_from_second_process(built.stderr) >= 2
    assert "nowhere-at-all.md" in built.stderr and "no-such-anchor" in built.stderr
    assert "Aborted with 2 warnings in strict mode" in built.stdout + built.stderr, built.stdout[-3000:]


def test_generated_pages_outside_the_nav_share_one_converter_and_hand_written_pages_do_not(tmp_path):
    root = copy_repository_list(tmp_path / "list")
    generate(root)
    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    files = config.plugins.on_files(get_files(config), config=config)
    pages = {file.src_uri: file.page for file in files.documentation_pages()}
    papers = [page for uri, page in pages.items() if uri.startswith("papers/") and uri != "papers/index.md"]
    assert len(papers) == 173 and all(type(page) is GeneratedPage for page in papers)
    assert len({id(page._converter) for page in papers}) == 1
    assert pages["about.md"] is None  # hand-written: MkDocs makes its page (a Page) itself
    assert not any(type(page) is GeneratedPage for uri, page in pages.items() if uri.startswith("categories/"))
    assert issubclass(GeneratedPage, Page)


def test_pages_another_plugin_changes_before_conversion_are_converted_as_changed(tmp_path):
    """A hook that changes every page's Markdown: the second process's conversions (of the files'
    Markdown) are not used, and the site is the one MkDocs' own conversion builds."""
    root = copy_repository_list(tmp_path / "list")
    env = generate(root)
    (root / "hook.py").write_text(
        "def on_page_markdown(markdown, page, **kwargs):\n    return markdown + '\\n\\nChanged by a hook.\\n'\n", encoding="utf-8")
    sites, logs = {}, {}
    for name, options in (("mkdocs-own", "one_converter: false"), ("two-processes", "convert_ahead_from: 1")):
        built, sites[name] = strict_build(root, env, name, options, extra="\nhooks:\n  - hook.py\n")
        assert built.returncode == 0, built.stderr[-3000:]
        logs[name] = built.stderr
    assert taken_from_second_process(logs["two-processes"]) == 0
    assert "Changed by a hook." in (sites["two-processes"] / "years" / "2026" / "index.html").read_text(encoding="utf-8")
    assert differences(sites["two-processes"], sites["mkdocs-own"]) == []
