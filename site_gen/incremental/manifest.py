"""What the versions of the generated tree hold (site_gen/writer.py keeps two: the one on show and
the one before it): for every file, the key of what it was made from and the file's stat signature
after writing. A page whose key is unchanged and whose file is still as written is neither
rendered (the memo asks `is_current` first) nor written: it keeps its inode and mtime, so watchers
and MkDocs' dirty builds see only real changes.

Versions are known by their folder's name, relative to the tree's folder, and files by their path
in the tree: a copied project (`cp -a`, `cp -r`, a restored CI cache) keeps them, and whatever
else changed (inodes, ctimes, mtimes) only makes the first build compare files by content and
record them again."""

from __future__ import annotations

import os
from pathlib import Path

from site_gen.incremental.store import Signature, load_pickle, save_pickle, signature
from site_gen.writer import shown_version

# A version's files: path -> (key, signature).
Entries = dict[str, tuple[bytes, Signature]]


class OutputManifest:
    def __init__(self, path: Path, header: object, target: Path):
        self.path, self.header = path, header
        shown = shown_version(target)
        self.root = str(target.parent / shown) if shown else str(target)
        self.versions = _unpacked(load_pickle(path, header))
        # What `target` shows (nothing known of a tree from before versions).
        self.entries: Entries = self.versions.get(shown, {}) if shown else {}

    def is_current(self, page_path: str, key: bytes) -> bool:
        """Whether the file at `page_path` in the tree on show is exactly what was written for `key`."""
        known = self.entries.get(page_path)
        if known is None or known[0] != key:
            return False
        try:
            return signature(os.stat(f"{self.root}/{page_path}")) == known[1]
        except OSError:
            return False

    def holds(self, page_path: str) -> bool:
        """Whether the tree on show has a file at `page_path` from an earlier build."""
        return page_path in self.entries

    def record(self, versions: dict[str, Entries], shown: str) -> None:
        """After a write: what each version holds, `shown` the one on show."""
        self.versions, self.entries = versions, versions[shown]
        save_pickle(self.path, self.header, _packed(versions, shown))


# Saved as the version on show and, for each other one, only where it differs: versions share
# most of their files (hard links: the same key and signature), and the manifest is read by every
# build.
def _packed(versions: dict[str, Entries], shown: str) -> tuple:
    entries = versions[shown]
    others = {}
    for name, other in versions.items():
        if name != shown:
            differences: dict[str, tuple[bytes, Signature] | None] = {path: None for path in entries.keys() - other.keys()}
            differences.update((path, entry) for path, entry in other.items() if entries.get(path) != entry)
            others[name] = differences
    return shown, entries, others


def _unpacked(saved: tuple | None) -> dict[str, Entries]:
    if saved is None:
        return {}
    shown, entries, others = saved
    versions = {shown: entries}
    for name, differences in others.items():
        other = {**entries, **differences}
        versions[name] = {path: entry for path, entry in other.items() if entry is not None}
    return versions
