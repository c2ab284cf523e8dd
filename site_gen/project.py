"""Where a paper list keeps its files. Everything is relative to one root folder."""

from __future__ import annotations

import os
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

    def paper_file_names(self) -> list[str]:
        """Names of every paper file: papers/*.yml and the misnamed *.yaml (reported, not ignored)."""
        if not self.papers_dir.is_dir():
            return []
        with os.scandir(self.papers_dir) as entries:
            return sorted(
                entry.name
                for entry in entries
                if entry.name.endswith((".yml", ".yaml")) and not entry.name.startswith("_") and entry.is_file()
            )

    def paper_files(self) -> list[Path]:
        return [self.papers_dir / name for name in self.paper_file_names()]
