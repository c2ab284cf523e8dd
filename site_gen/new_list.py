"""`site-gen init`: a new list's repository that checks, builds and publishes as it is.

The files come from site_gen/list_template/. A path part `dot-x` is written as `.x` (package data
leaves dot-files out), and a file ending in `.j2` is rendered and written without the suffix; the
values it receives (the list's title, description, addresses) are escaped for its format by
`tojson` (YAML and JSON) or `md` (Markdown). Before anything is written, the whole new list is
made in a temporary folder and checked by the same reader as `site-gen check`, so the options
cannot produce a list that does not build; then each file is created exclusively, so an existing
file is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from site_gen.build import load_catalog
from site_gen.markup import markdown_text
from site_gen.project import Project
from site_gen.readme import readme_text

TEMPLATE = Path(__file__).parent / "list_template"
_DOT_PREFIX = "dot-"
_GITHUB_REPOSITORY = re.compile(r"^(?:https://github\.com/)?([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class NewList:
    """What a new list is made of; `generator` is the requirement line that pins site-gen."""

    title: str
    description: str
    generator: str
    url: str | None = None
    repository: str | None = None


class ExistingFiles(Exception):
    def __init__(self, paths: list[Path]):
        self.paths = paths
        super().__init__(f"{len(paths)} file(s) exist")


def default_generator() -> str:
    """This site-gen, pinned by its version to its release tag in its source repository."""
    metadata = importlib.metadata.metadata("site-gen")
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL") or ())
    return f"site-gen @ git+{urls['Source']}@v{metadata['Version']}"


def github_repository(value: str) -> tuple[str, str] | None:
    """(owner, name) of `owner/name` or a github.com URL, else None."""
    match = _GITHUB_REPOSITORY.match(value.strip())
    return (match[1], match[2]) if match else None


def pages_url(owner: str, name: str) -> str:
    """Where GitHub Pages serves the repository's site (as the deploy workflow computes it)."""
    owner = owner.lower()
    return f"https://{owner}.github.io/" if name.lower() == f"{owner}.github.io" else f"https://{owner}.github.io/{name}/"


def default_title(folder: Path) -> str:
    words = re.sub(r"[-_.\s]+", " ", folder.resolve().name).strip()
    return words[:1].upper() + words[1:] if words else "Papers"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False,
    )
    # A JSON string is a YAML double-quoted scalar; non-ASCII stays as written.
    env.filters.update(md=markdown_text, tojson=lambda value: json.dumps(value, ensure_ascii=False))
    return env


def template_files() -> list[Path]:
    return sorted(path.relative_to(TEMPLATE) for path in TEMPLATE.rglob("*") if path.is_file() and "__pycache__" not in path.parts)


def _destination(template: Path) -> Path:
    parts = [("." + part[len(_DOT_PREFIX):]) if part.startswith(_DOT_PREFIX) else part for part in template.parts]
    path = Path(*parts)
    return path.with_suffix("") if path.suffix == ".j2" else path


def rendered_files(new: NewList, today: dt.date) -> dict[Path, str]:
    """Every file of the new list, by its path in the list's folder."""
    context = {"title": new.title, "description": new.description, "url": new.url, "repository": new.repository,
               "generator": new.generator, "today": today.isoformat()}
    files = {}
    for template in template_files():
        text = (TEMPLATE / template).read_text(encoding="utf-8")
        if template.suffix == ".j2":
            text = _environment().get_template(template.as_posix()).render(**context)
        files[_destination(template)] = text
    return files


def made_list(new: NewList, today: dt.date, scratch: Path) -> dict[Path, str]:
    """The new list's files, with the README's list of papers filled in, after checking in
    `scratch` that they make a valid list (raises InputError, with every problem, if not)."""
    files = rendered_files(new, today)
    for path, text in files.items():
        (scratch / path).parent.mkdir(parents=True, exist_ok=True)
        (scratch / path).write_text(text, encoding="utf-8")
    readme = Path("README.md")
    files[readme] = readme_text(load_catalog(Project(scratch)), files[readme])
    return files


def write_new_list(target: Path, new: NewList, today: dt.date | None = None) -> list[Path]:
    """Write the new list into `target` (created if needed); returns the files written. Raises
    ExistingFiles, before writing anything, if any of them exists."""
    with tempfile.TemporaryDirectory(prefix="site-gen-init-") as scratch:
        files = made_list(new, today or dt.date.today(), Path(scratch))
    existing = [path for path in files if (target / path).exists() or (target / path).is_symlink()]
    if existing:
        raise ExistingFiles(existing)
    written = []
    for path, text in files.items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        with open(target / path, "x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite
            handle.write(text)
        written.append(path)
    return written
