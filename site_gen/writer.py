"""Write a generated tree exactly and atomically, touching only the files whose content changed.

A manifest (kept in the cache folder) records, for every file of the tree, the key of what it was
made from and the file's stat signature after writing. A page whose key is unchanged and whose
file is still as written is neither rendered (the renderer asks `is_current` first) nor written:
it keeps its inode and mtime, so watchers and MkDocs' dirty builds see only real changes.

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
from typing import Iterable

from site_gen.pages import Page
from site_gen.parse_cache import Signature, load_pickle, save_pickle, signature

Manifest = dict[str, tuple[bytes, Signature]]


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
    def __init__(self, target: Path, manifest_file: Path | None = None, header: object = None):
        self.target = target
        self.manifest_file = manifest_file
        saved = load_pickle(manifest_file, header) if manifest_file and target.is_dir() else None
        self.manifest: Manifest = saved or {}
        self.header = header

    def is_current(self, path: str, key: bytes) -> bool:
        """Whether the file at `path` is exactly what was written for `key`."""
        known = self.manifest.get(path)
        if known is None or known[0] != key:
            return False
        try:
            return signature(os.stat(f"{self.target}/{path}")) == known[1]
        except OSError:
            return False

    def write(self, pages: Iterable[Page]) -> WriteReport:
        """Make the tree hold exactly `pages`. A page without content must be current."""
        target = self.target
        staging = target.with_name(target.name + ".new")
        retired = target.with_name(target.name + ".old")
        for leftover in (staging, retired):  # from an earlier run that crashed
            if leftover.exists():
                shutil.rmtree(leftover)
        full = not self.manifest
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
        old_files = _existing_files(target) if full and target.exists() else set(self.manifest)
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
        # A full write re-stats every file (hard links keep the old inode, copies do not).
        self._save_manifest(keys, set(keys) if full else set(written))
        return WriteReport(tuple(written), len(keys) - len(written), removed)

    def _save_manifest(self, keys: dict[str, bytes], touched: set[str]) -> None:
        if self.manifest_file is None:
            return
        manifest: Manifest = {}
        for path, key in keys.items():
            known = self.manifest.get(path)
            if path in touched or known is None or known[0] != key:
                manifest[path] = (key, signature(os.stat(f"{self.target}/{path}")))
            else:
                manifest[path] = known
        save_pickle(self.manifest_file, self.header, manifest)


def write_tree(target: Path, pages: Iterable[Page]) -> WriteReport:
    """Write `pages` as the whole tree at `target`, comparing with what is there (no manifest)."""
    return OutputTree(target).write(pages)
