"""What the plugin sets in a list's MkDocs configuration, so that mkdocs.yml holds only what its
maintainer chooses (site name and URL, palette, features)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import jinja2
import yaml
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, InclusionLevel

from site_gen import urls
from site_gen.options import published_url
from site_gen.project import Project
from site_gen.reader import read_taxonomy

# The theme overrides (templates) and, under assets/paper-list/, the scripts and styles: MkDocs
# copies a theme folder's files that are not templates into the site.
OVERRIDES = Path(__file__).parent / "overrides"
STYLES = ("assets/paper-list/extra.css", "assets/paper-list/filters.css")
SCRIPTS = ("assets/paper-list/tablesort.js", "assets/paper-list/filters.js", "assets/paper-list/search.js", "assets/paper-list/map.js")
# What the generated pages use. A list adds what its hand-written pages need (code highlighting,
# permalinks on headings) in its own mkdocs.yml. MkDocs sets up every extension again for each page,
# so nothing else is added: at 10,000 papers each idle one costs ~0.1 ms per page.
MARKDOWN_EXTENSIONS = (
    "site_gen.mkdocs.raw_html",  # marked raw HTML blocks pass through unparsed
    "attr_list",  # buttons and chips: [text](url){ .md-button }
    "md_in_html",  # Markdown inside the listings' and cards' <div markdown>
    "tables",
    "toc",
    "admonition",  # a curator's note on a paper page
)


def configure(config, project: Project) -> None:
    """Point MkDocs at the generated tree and add the theme overrides, assets and extensions."""
    if config.theme.name != "material":
        raise PluginError(f"paper-list: the theme is '{config.theme.name}' — set `theme: name: material` in mkdocs.yml")
    if not (OVERRIDES / "main.html").is_file():  # a broken install would build a site without search or filters
        raise PluginError(f"paper-list: the theme overrides are missing from {OVERRIDES} — reinstall site-gen")
    config.docs_dir = str(project.output_dir)
    if not config.site_url:
        # The list's url, so that the 404 page (served at any depth) links its assets under it.
        taxonomy, _ = read_taxonomy(project)  # an invalid taxonomy is reported by `site-gen build`
        config.site_url = published_url(taxonomy) if taxonomy else None
    if str(OVERRIDES) not in config.theme.dirs:
        # After the list's own custom_dir, which can override these in turn; before Material's.
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(OVERRIDES))
    config.theme.get_env = _listing_visible_files(config.theme.get_env)
    config.extra_css[:0] = [style for style in STYLES if style not in config.extra_css]
    config.extra_javascript[:0] = [script for script in SCRIPTS if script not in map(str, config.extra_javascript)]
    config.markdown_extensions.extend(name for name in MARKDOWN_EXTENSIONS if name not in config.markdown_extensions)


class _ThemeFiles(jinja2.FileSystemLoader):
    """The theme's folders, whose files MkDocs lists to copy into the site those that are not
    templates (`Files.add_files_from_theme`, through its Jinja loader's `list_templates`), and
    then drops those of hidden folders, among others. Material's `.icons` holds ~14,000 of its
    ~14,500 files (SVGs its templates include): listing and dropping them took ~0.05 s of every
    build, a twentieth of a rebuild of `make serve` at 10,000 papers. These are listed without
    going into hidden folders."""

    def list_templates(self) -> list[str]:
        found = set()
        for folder in self.searchpath:
            for parent, subfolders, names in os.walk(folder, followlinks=self.followlinks):
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                relative = Path(parent).relative_to(folder).as_posix()
                found.update(names if relative == "." else (f"{relative}/{name}" for name in names))
        return sorted(found)


def _listing_visible_files(make_environment: Callable[[], jinja2.Environment]) -> Callable[[], jinja2.Environment]:
    """The theme's `get_env`, its environment's loader a `_ThemeFiles` (where it is MkDocs' plain
    one of the theme's folders)."""

    def get_env() -> jinja2.Environment:
        environment = make_environment()
        loader = environment.loader
        if type(loader) is jinja2.FileSystemLoader:
            environment.loader = _ThemeFiles(loader.searchpath, loader.encoding, loader.followlinks)
        return environment

    return get_env


def require_generated_tree(project: Project) -> None:
    if not project.output_dir.is_dir():
        raise PluginError(f"paper-list: {project.display(project.output_dir)} does not exist — run `site-gen build` first (`make site` does)")


def use_generated_nav(config, pages: Sequence[File]) -> None:
    """The navigation that `site-gen build` wrote (unless mkdocs.yml has its own); the pages it
    does not list (every paper and tag page; `pages`: the build's documentation pages) are reached
    from listings and search, so MkDocs is told they are left out of the nav on purpose."""
    if config.nav is not None:
        return
    config.nav = _generated_nav(config)
    in_nav = set(_nav_paths(config.nav))
    for file in pages:
        if file.src_uri not in in_nav:
            file.inclusion = InclusionLevel.NOT_IN_NAV


def nav_paths(config) -> set[str]:
    """What the nav links: the paths of its pages (in the docs folder), and any URLs."""
    return set(_nav_paths(config.nav if config.nav is not None else _generated_nav(config)))


def _generated_nav(config) -> list:
    nav_file = Path(config.docs_dir) / urls.NAV
    return yaml.safe_load(nav_file.read_text(encoding="utf-8"))["nav"]


def _nav_paths(items) -> list[str]:
    paths = []
    for item in items:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        paths.extend(_nav_paths(value) if isinstance(value, list) else [value])
    return paths
