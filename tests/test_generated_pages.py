"""site_gen/mkdocs/generated_pages.py: the generated pages outside the nav are converted by one
Markdown instance per build, and the site is byte for byte the one MkDocs' own conversion of
every page builds."""

from __future__ import annotations

import filecmp
from pathlib import Path

from mkdocs.commands.build import get_files
from mkdocs.config import load_config
from mkdocs.structure.pages import Page

from site_gen.mkdocs.generated_pages import GeneratedPage
from tests.sitebuild import build_site, copy_repository_list, generate


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


def test_the_site_is_the_one_mkdocs_own_conversion_builds(tmp_path):
    root = copy_repository_list(tmp_path / "list")
    mkdocs_own = build_site(root, site_dir="site-mkdocs", search_index=False, one_converter=False)
    ours = build_site(root, site_dir="site-ours", search_index=False)
    assert len(list(ours.glob("papers/*/index.html"))) == 173
    assert differences(ours, mkdocs_own) == []


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
