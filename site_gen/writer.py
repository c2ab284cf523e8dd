"""Write a generated tree exactly, atomically, and without touching unchanged files.

The new tree is assembled next to the old one: unchanged files are hard-linked from the old tree
(same inode and mtime, so watchers and caches see no change), changed ones are written. Then the
two directories are swapped by rename. A crash before the swap leaves the previous output as it
was; files of deleted papers simply are not in the new tree.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from site_gen.pages import Page


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]


def _existing_files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def _same_content(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except FileNotFoundError:
        return False


def write_tree(target: Path, pages: Iterable[Page]) -> WriteReport:
    staging = target.with_name(target.name + ".new")
    retired = target.with_name(target.name + ".old")
    for leftover in (staging, retired):  # from an earlier run that crashed
        if leftover.exists():
            shutil.rmtree(leftover)
    staging.mkdir(parents=True)
    written, unchanged, seen = [], 0, set()
    try:
        for page in pages:
            if page.path in seen:
                raise ValueError(f"two pages want the same path: {page.path}")
            seen.add(page.path)
            destination = staging / page.path
            destination.parent.mkdir(parents=True, exist_ok=True)
            previous = target / page.path
            if _same_content(previous, page.content):
                try:
                    os.link(previous, destination)
                    unchanged += 1
                    continue
                except OSError:  # no hard links on this file system: write a copy
                    pass
            destination.write_bytes(page.content)
            written.append(page.path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    removed = tuple(sorted(_existing_files(target) - seen))
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)
    return WriteReport(tuple(written), unchanged, removed)
