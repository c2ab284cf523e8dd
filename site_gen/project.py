"""Where a paper list keeps its files. Everything is relative to one root folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
    def readme_path(self) -> Path:
        return self.root / "README.md"

    def display(self, path: Path) -> str:
        """A path as errors show it: relative to the root when possible, with forward slashes."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def paper_files(self) -> list[Path]:
        """Every paper file: papers/*.yml and the misnamed *.yaml (reported, not ignored)."""
        if not self.papers_dir.is_dir():
            return []
        return sorted(
            path
            for path in self.papers_dir.iterdir()
            if path.suffix in (".yml", ".yaml") and not path.name.startswith("_") and path.is_file()
        )
