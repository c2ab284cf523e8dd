"""Write a generated tree exactly and atomically, touching only the files whose content changed.

With an output manifest (site_gen/incremental/manifest.py), pages it says are current are left
alone without being compared.

Changed files are written into a staging folder first; only once every page has been produced are
they renamed into place and the files of deleted pages removed, so bad input or a crash while
rendering leaves the previous output as it was. Without a manifest (first build, cache deleted,
site-gen updated) the whole tree is staged, unchanged files hard-linked from the old one, and the
two folders swapped by one rename.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from site_gen.incremental.manifest import OutputManifest


@dataclass(frozen=True)
class Page:
    """A file of the output. `key` identifies what `content` was made from (empty: the content
    itself identifies it); `content` is None for a page the manifest says is current for `key`."""

    path: str
    content: bytes | None
    key: bytes = b""


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]


def content_digest(content: bytes) -> bytes:
    return hashlib.blake2b(content, digest_size=16).digest()


def _same_content(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except FileNotFoundError:
        return False


def _existing_files(root: Path) -> set[str]:
    found = set()
    for directory, _, names in os.walk(root):
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.update(prefix + name for name in names)
    return found


class OutputTree:
    def __init__(self, target: Path, manifest: OutputManifest | None = None):
        self.target = target
        self.manifest = manifest

    def is_current(self, path: str, key: bytes) -> bool:
        return self.manifest is not None and self.manifest.is_current(path, key)

    def write(self, pages: Iterable[Page]) -> WriteReport:
        """Make the tree hold exactly `pages`. A page without content must be current."""
        target = self.target
        staging = target.with_name(target.name + ".new")
        retired = target.with_name(target.name + ".old")
        for leftover in (staging, retired):  # from an earlier run that crashed
            if leftover.exists():
                shutil.rmtree(leftover)
        known = self.manifest.entries if self.manifest is not None else {}
        full = not known
        staging.mkdir(parents=True)
        keys: dict[str, bytes] = {}
        written = []
        try:
            for page in pages:
                if page.path in keys:
                    raise ValueError(f"two pages want the same path: {page.path}")
                key = keys[page.path] = page.key or content_digest(page.content)
                if page.content is None or (not full and self.is_current(page.path, key)):
                    continue
                previous = target / page.path
                if _same_content(previous, page.content):
                    if not full:
                        continue
                    try:  # same inode and mtime as before
                        (staging / page.path).parent.mkdir(parents=True, exist_ok=True)
                        os.link(previous, staging / page.path)
                        continue
                    except OSError:  # no hard links on this file system: write a copy
                        pass
                destination = staging / page.path
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(page.content)
                written.append(page.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        old_files = _existing_files(target) if full and target.exists() else set(known)
        removed = tuple(sorted(old_files - set(keys)))
        if full:
            if target.exists():
                os.replace(target, retired)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            for path in written:
                (target / path).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / path, target / path)
            for path in removed:
                (target / path).unlink(missing_ok=True)
            shutil.rmtree(staging)
        if self.manifest is not None:  # a full write re-stats every file (hard links keep the old inode, copies do not)
            self.manifest.record(keys, set(keys) if full else set(written))
        return WriteReport(tuple(written), len(keys) - len(written), removed)


def write_tree(target: Path, pages: Iterable[Page]) -> WriteReport:
    """Write `pages` as the whole tree at `target`, comparing with what is there (no manifest)."""
    return OutputTree(target).write(pages)
