"""A second paper list, with nothing of this repository's but the installed package.

A list's maintainer writes papers/, docs/ and a minimal mkdocs.yml (site name, Material, the
`paper-list` plugin); everything else (the generated tree as docs_dir, its navigation, the theme
overrides, the scripts and styles, the Markdown extensions) must come from the package. The first
test builds such a list with this repository's editable install, the second with a wheel built
from the repository and installed into a fresh virtual environment, so a file that the wheel
leaves out (a template, a partial, a script) fails the build there.
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.sitebuild import BIN, builder_env
from tests.test_mkdocs_site import pagefind_fragments, parse

LIST_TITLE = "Graph Neural Networks"
CATEGORIES = {"architectures": "Architectures", "expressiveness": "Expressiveness & theory"}
TAGS = ("message-passing", "attention", "inductive")
PAPERS = {
    "gnn-model": {
        "title": "The Graph Neural Network Model",
        "authors": ["Franco Scarselli", "Marco Gori", "Ah Chung Tsoi", "Markus Hagenbuchner", "Gabriele Monfardini"],
        "year": 2009, "venue": "IEEE Transactions on Neural Networks", "doi": "10.1109/TNN.2008.2005605",
        "category": "architectures", "tags": ["message-passing"],
    },
    "gcn": {
        "title": "Semi-Supervised Classification with Graph Convolutional Networks",
        "authors": ["Thomas N. Kipf", "Max Welling"],
        "year": 2017, "venue": "ICLR 2017", "arxiv": "1609.02907",
        "category": "architectures", "tags": ["message-passing"],
    },
    "graphsage": {
        "title": "Inductive Representation Learning on Large Graphs",
        "authors": ["William L. Hamilton", "Rex Ying", "Jure Leskovec"],
        "year": 2017, "venue": "NeurIPS 2017", "arxiv": "1706.02216",
        "category": "architectures", "tags": ["message-passing", "inductive"],
    },
    "gat": {
        "title": "Graph Attention Networks",
        "authors": ["Petar Veličković", "Guillem Cucurull", "Arantxa Casanova", "Adriana Romero", "Pietro Liò", "Yoshua Bengio"],
        "year": 2018, "venue": "ICLR 2018", "arxiv": "1710.10903",
        "category": "architectures", "tags": ["attention", "inductive"],
    },
    "gin": {
        "title": "How Powerful are Graph Neural Networks?",
        "authors": ["Keyulu Xu", "Weihua Hu", "Jure Leskovec", "Stefanie Jegelka"],
        "year": 2019, "venue": "ICLR 2019", "url": "https://openreview.net/forum?id=ryGs6iA5Km",
        "category": "expressiveness", "tags": ["message-passing"],
    },
}
ABOUT_HEADING = "About this reading list"
# Served under a sub-path, and named only in the taxonomy (mkdocs.yml has no site_url).
LIST_URL = "https://gnn.example.org/reading-list/"
MKDOCS_YML = f"site_name: {LIST_TITLE}\ntheme:\n  name: material\nplugins:\n  - paper-list\n"
ASSETS = ("extra.css", "filters.css", "tablesort.js", "filters.js", "search.js")


def write_second_list(root: Path) -> set[Path]:
    """Write the list into `root` from scratch; returns every file written."""
    taxonomy = {
        "list": {"title": LIST_TITLE, "description": "Neural networks that learn on graphs: architectures and what they can tell apart.", "url": LIST_URL},
        "categories": [{"slug": slug, "title": title, "description": f"Papers on {title.lower()}."} for slug, title in CATEGORIES.items()],
        "tags": [{"slug": slug, "title": slug.replace("-", " ").capitalize(), "description": f"Papers on {slug}."} for slug in TAGS],
    }
    files = {root / "papers" / "_taxonomy.yml": taxonomy}
    for paper_id, paper in PAPERS.items():
        files[root / "papers" / f"{paper_id}.yml"] = {**paper, "abstract": f"{paper['title']}, in short.", "added": "2025-01-15"}
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    about = root / "docs" / "about.md"
    about.parent.mkdir()
    about.write_text(f"# {ABOUT_HEADING}\n\nA short list kept by the tests.\n", encoding="utf-8")
    mkdocs_yml = root / "mkdocs.yml"
    mkdocs_yml.write_text(MKDOCS_YML, encoding="utf-8")
    return {*files, about, mkdocs_yml}


def build_and_index(root: Path, bin_dir: Path, env: dict[str, str]) -> Path:
    """`site-gen build` and `mkdocs build --strict` (which indexes the site for search) with the
    interpreter and scripts in `bin_dir`, run from the list's folder; returns the built site."""
    site = root / "site"
    commands = (
        [bin_dir / "site-gen", "build", "--root", root],
        [bin_dir / "python", "-m", "mkdocs", "build", "--strict", "--config-file", root / "mkdocs.yml", "--site-dir", site],
    )
    for command in commands:
        proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return site


def resolved_links(page: Path, site: Path, tag: str, attribute: str) -> set[str]:
    """Where the page's `<tag attribute=...>` point, as paths inside the site. The 404 page links
    from the site's path on its server (it is served at any depth); every link must stay inside
    the site."""
    links = [attrs[attribute] for element, attrs in parse(page).elements if element == tag and attrs.get(attribute)]
    site_path = urlsplit(LIST_URL).path
    resolved = set()
    for link in links:
        if "://" in link:
            continue
        if link.startswith("/"):
            assert link.startswith(site_path), (page, link)
            link = site / link.removeprefix(site_path)
        else:
            link = page.parent / link
        resolved.add(link.resolve().relative_to(site.resolve()).as_posix())
    return resolved


def as_html(text: str) -> str:
    return escape(text, quote=False)


def assert_site_is_the_second_lists(site: Path) -> None:
    for paper_id, paper in PAPERS.items():
        assert as_html(paper["title"]) in (site / "papers" / paper_id / "index.html").read_text(encoding="utf-8"), paper_id
    for slug, title in CATEGORIES.items():
        listing = (site / "categories" / slug / "index.html").read_text(encoding="utf-8")
        expected = [title, *(paper["title"] for paper in PAPERS.values() if paper["category"] == slug)]
        assert all(as_html(text) in listing for text in expected), slug
    for slug in TAGS:
        listing = (site / "tags" / slug / "index.html").read_text(encoding="utf-8")
        assert all(as_html(paper["title"]) in listing for paper in PAPERS.values() if slug in paper["tags"]), slug
    assert ABOUT_HEADING in (site / "about" / "index.html").read_text(encoding="utf-8")

    # The plugin's scripts and styles are copied into the site and every page loads them.
    assets = {f"assets/paper-list/{name}" for name in ASSETS}
    for asset in assets:
        assert (site / asset).stat().st_size > 0, asset
    for page in site.rglob("*.html"):
        linked = resolved_links(page, site, "script", "src") | resolved_links(page, site, "link", "href")
        assert assets <= linked, (page, assets - linked)

    # Search is Pagefind's box in the header, over the articles only; Material's search is off.
    paper_page = site / "papers" / "gat" / "index.html"
    html = paper_page.read_text(encoding="utf-8")
    header = html[html.index("<header"):html.index("</header>")]
    assert 'data-md-search-engine="pagefind"' in header
    assert not (site / "search" / "search_index.json").exists()
    assert any(tag == "article" and "data-pagefind-body" in attrs for tag, attrs in parse(paper_page).elements)
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert set(pagefind_fragments(site)) == {f"/papers/{paper_id}/" for paper_id in PAPERS} | {"/about/"}

    # The list's own title, and nothing of this repository's list.
    assert LIST_TITLE in (site / "index.html").read_text(encoding="utf-8")
    repository_list = yaml.safe_load((REPO_ROOT / "papers" / "_taxonomy.yml").read_text(encoding="utf-8"))["list"]
    repository_marks = [repository_list[key] for key in ("title", "url", "repository") if key in repository_list]
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not any(mark in text for mark in repository_marks), page


def test_a_second_list_builds_with_only_the_plugin(tmp_path: Path):
    root = tmp_path / "gnn-list"
    written = write_second_list(root)
    site = build_and_index(root, BIN, builder_env())
    assert_site_is_the_second_lists(site)
    # Nothing was taken from this repository: the folder holds what the test wrote and the output.
    assert {path.name for path in root.iterdir()} == {"papers", "docs", "mkdocs.yml", "build", "site"}
    sources = {path for path in root.rglob("*") if path.is_file() and path.relative_to(root).parts[0] not in ("build", "site")}
    assert sources == written


def copy_source_tree(destination: Path) -> Path:
    """The working tree (uncommitted work included) without what .gitignore lists. The wheel is
    built from this copy because setuptools writes build/ and *.egg-info into the source folder,
    and a stale egg-info there would feed the wheel its old file list."""
    shutil.copytree(REPO_ROOT, destination, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "build", "site", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "test-artifacts",
    ))
    return destination


def build_wheel(source: Path, wheel_dir: Path) -> Path:
    # No build isolation: it would download the build requirements. They must be installed in
    # the test environment instead, which --check-build-dependencies verifies with a clear error.
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation", "--check-build-dependencies",
         "--disable-pip-version-check", "--wheel-dir", wheel_dir, source],
        cwd=source.parent, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    [wheel] = wheel_dir.glob("site_gen-*.whl")
    return wheel


def assert_wheel_carries_the_package(wheel: Path, source: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [entry_points_name] = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(entry_points_name).decode("utf-8"))
    overrides = "site_gen/mkdocs/overrides"
    required = {
        f"{overrides}/main.html",
        *(f"{overrides}/partials/{name}.html" for name in ("header", "nav", "tabs", "search-pagefind")),
        *(f"{overrides}/assets/paper-list/{name}" for name in ASSETS),
        "site_gen/templates/paper.md.j2",
        "site_gen/schema/paper.schema.json",
        "site_gen/schema/taxonomy.schema.json",
    }
    # Every file of the package, so a template or asset added later cannot be left out unnoticed.
    package_files = {
        path.relative_to(source).as_posix()
        for path in (source / "site_gen").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert required <= package_files
    assert not package_files - names, sorted(package_files - names)
    assert entry_points["mkdocs.plugins"]["paper-list"] == "site_gen.mkdocs.plugin:PaperListPlugin"
    assert entry_points["console_scripts"]["site-gen"] == "site_gen.cli:main"


def install_wheel_in_new_venv(wheel: Path, venv: Path, env: dict[str, str]) -> Path:
    """A virtual environment with the wheel installed and its dependencies borrowed from the test
    environment (installing them would need the network); returns its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    venv_bin = venv / "bin"
    # The test environment's pip installs into the new environment (--python runs it there).
    # It does so before the dependencies are added: with them comes the editable install's
    # dist-info, and pip would find site-gen already installed.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", venv_bin / "python", "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--quiet", wheel],
        cwd=venv, env=env, check=True,
    )
    # A plain path line in a .pth file only extends sys.path: the .pth files in that folder are
    # not run, so the test environment's editable install of site_gen (a .pth that adds an import
    # finder) stays out, while its installed dependencies become importable.
    [site_packages] = (venv / "lib").glob("python*/site-packages")
    dependencies = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site_packages / "test-dependencies.pth").write_text("\n".join(dependencies) + "\n", encoding="utf-8")
    return venv_bin


@pytest.mark.slow
def test_the_wheel_carries_everything_a_list_needs(tmp_path: Path):
    """The slow one (~4 s): it builds and installs a wheel before it builds the list."""
    source = copy_source_tree(tmp_path / "source")
    wheel = build_wheel(source, tmp_path / "wheels")
    assert_wheel_carries_the_package(wheel, source)

    # Without PYTHONPATH, which could put another copy of site_gen first.
    env = {name: value for name, value in builder_env().items() if name != "PYTHONPATH"}
    venv = tmp_path / "venv"
    venv_bin = install_wheel_in_new_venv(wheel, venv, env)
    proc = subprocess.run(
        [venv_bin / "python", "-c", "import json, site_gen.mkdocs.plugin as p, site_gen.cli as c; print(json.dumps([p.__file__, c.__file__]))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )
    for module_file in json.loads(proc.stdout):
        assert Path(module_file).resolve().is_relative_to(venv.resolve()), module_file

    root = tmp_path / "gnn-list"
    write_second_list(root)
    assert_site_is_the_second_lists(build_and_index(root, venv_bin, env))
