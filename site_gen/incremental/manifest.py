"""What the generated tree holds: for every file, the key of what it was made from and the file's
stat signature after writing. A page whose key is unchanged and whose file is still as written
is neither rendered (the memo asks `is_current` first) nor written: it keeps its inode and mtime,
so watchers and MkDocs' dirty builds see only real changes."""

from __future__ import annotations

import os
from pathlib import Path

from site_gen.incremental.store import Signature, load_pickle, save_pickle, signature


class OutputManifest:
    def __init__(self, path: Path, header: object, target: Path):
        self.path, self.header, self.target = path, header, target
        saved = load_pickle(path, header) if target.is_dir() else None
        self.entries: dict[str, tuple[bytes, Signature]] = saved or {}

    def is_current(self, page_path: str, key: bytes) -> bool:
        """Whether the file at `page_path` is exactly what was written for `key`."""
        known = self.entries.get(page_path)
        if known is None or known[0] != key:
            return False
        try:
            return signature(os.stat(f"{self.target}/{page_path}")) == known[1]
        except OSError:
            return False

    def record(self, keys: dict[str, bytes], touched: set[str]) -> None:
        """After a write: the tree holds the pages `keys` names, and the files in `touched` were
        written (their stat is taken again)."""
        entries: dict[str, tuple[bytes, Signature]] = {}
        for page_path, key in keys.items():
            known = self.entries.get(page_path)
            if page_path in touched or known is None or known[0] != key:
                entries[page_path] = (key, signature(os.stat(f"{self.target}/{page_path}")))
            else:
                entries[page_path] = known
        self.entries = entries
        save_pickle(self.path, self.header, entries)
