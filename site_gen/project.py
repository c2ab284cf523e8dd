"""Where a paper list keeps its files. Everything is relative to one root folder."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Names of files and folders that hold no papers: the taxonomy and other `_` files, and hidden ones
# (an editor's lock file, such as Emacs' .#paper.yml, is a link to nowhere).
_NOT_PAPERS = ("_", ".")


def _yaml_name(name: str) -> bool:
    return name.lower().endswith((".yml", ".yaml")) and not name.startswith(_NOT_PAPERS)


def _leads_to_a_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:  # a loop of links
        return False


@dataclass
class PaperFolder:
    """What papers/ holds: the names of its paper files (regular files or links to one, named
    *.yml, or misnamed *.yaml or *.YML: reported, not ignored), and the YAML files where no paper
    is read (links that lead to no file, files in sub-folders: also reported)."""

    files: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)  # relative to papers/


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def papers_dir(self) -> Path:
        return self.root / "papers"

    @property
    def taxonomy_path(self) -> Path:
        return self.papers_dir / "_taxonomy.yml"

    @property
    def docs_dir(self) -> Path:
        """Hand-written pages (about, contributing) and assets, copied into the output."""
        return self.root / "docs"

    @property
    def output_dir(self) -> Path:
        """The generated Markdown tree that MkDocs (or any compatible builder) builds."""
        return self.root / "build" / "docs"

    @property
    def cache_dir(self) -> Path:
        """Parse results of unchanged files, reused between runs (safe to delete)."""
        return self.root / "build" / "cache"

    @property
    def readme_path(self) -> Path:
        return self.root / "README.md"

    def display(self, path: Path) -> str:
        """A path as errors show it: relative to the root when possible, with forward slashes."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def paper_folder(self) -> PaperFolder:
        folder = PaperFolder()
        if not self.papers_dir.is_dir():
            return folder
        with os.scandir(self.papers_dir) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(_NOT_PAPERS):
                    folder.nested.extend(_yaml_files_under(entry.path, entry.name))
                elif _yaml_name(entry.name):
                    if _leads_to_a_file(entry):
                        folder.files.append(entry.name)
                    elif entry.is_symlink():
                        folder.broken_links.append(entry.name)
        for names in (folder.files, folder.broken_links, folder.nested):
            names.sort()
        return folder

    def read_from(self, path: Path) -> bool:
        """Whether the list is read from a file at `path` under papers/: the taxonomy, or a YAML file
        outside `_` and hidden names (a paper, or one `paper_folder` reports). Not an editor's swap
        or backup file, nor a note kept beside the papers."""
        if path == self.taxonomy_path:
            return True
        try:
            parts = path.relative_to(self.papers_dir).parts
        except ValueError:
            return False
        return bool(parts) and not any(part.startswith(_NOT_PAPERS) for part in parts) and _yaml_name(parts[-1])

    def paper_file_names(self) -> list[str]:
        """Names of every paper file (see PaperFolder.files)."""
        return self.paper_folder().files

    def paper_files(self) -> list[Path]:
        return [self.papers_dir / name for name in self.paper_file_names()]


def _yaml_files_under(folder: str, relative: str) -> list[str]:
    """The YAML files in a folder and its sub-folders (not followed through links), as paths
    starting with `relative`."""
    found = []
    for parent, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(_NOT_PAPERS)]
        prefix = relative + parent[len(folder):].replace(os.sep, "/")
        found += [f"{prefix}/{name}" for name in names if _yaml_name(name)]
    return found
