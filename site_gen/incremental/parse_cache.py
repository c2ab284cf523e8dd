"""Parse results remembered by file content, so an unchanged paper is never parsed twice.

A result is keyed by a hash of the file's path and bytes. To avoid even reading and hashing
10,000 unchanged files, each file's last key is kept with its stat signature (mtime, ctime, size,
inode: ctime cannot be set back, so an edit that restores the mtime is still seen). A signature is
trusted only if the file was last modified well before that key was recorded; files written just
before a run ("racily clean", as git calls them) are hashed again.

Results are stored pickled one by one, so a run that needs only the small cross-file summary of
each paper (`site-gen check`) never rebuilds 10,000 records. The whole cache is thrown away when
site-gen, the schema or the date (some rules depend on today) changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from site_gen.incremental import store
from site_gen.incremental.store import LazyPickledDict, Signature, load_marshal, save_marshal
from site_gen.incremental.version import code_version

_INDEX_FILE = "parse-index.marshal"
_RESULTS_FILE = "parse-results.pickle"
# Files modified less than this long before the signature was taken are hashed again next time.
_RACY_NS = 2_000_000_000


def content_key(raw: bytes, display_path: str) -> bytes:
    """A digest of the file's path and bytes: the path is part of a paper (its id)."""
    return hashlib.blake2b(display_path.encode() + b"\0" + raw, digest_size=16, person=b"site-gen").digest()


@dataclass
class ParseCache:
    """`files`: name -> (signature, key) when it was last read; `summaries`: key -> what the
    caller needs of every file on every run; `code`: bytecode the reader generated and keeps by
    name (the compiled schema validators); the full results (pickled one by one) live in a second
    file, loaded only by a run that asks for one."""

    directory: Path | None
    today: dt.date
    files: dict[str, tuple[Signature, bytes]] = field(default_factory=dict)
    summaries: dict[bytes, Any] = field(default_factory=dict)
    taken_ns: int = 0
    code: dict[str, bytes] = field(default_factory=dict)
    changed: bool = False
    results: dict[bytes, bytes] = field(default_factory=dict)

    @classmethod
    def empty(cls, today: dt.date) -> "ParseCache":
        return cls(None, today)

    @classmethod
    def load(cls, cache_dir: Path, today: dt.date) -> "ParseCache":
        header = cls._header(today)
        results = LazyPickledDict(cache_dir / _RESULTS_FILE, header)
        saved = load_marshal(cache_dir / _INDEX_FILE, header)
        if saved is None:
            return cls(cache_dir, today, changed=True, results=results)
        files, summaries, taken_ns, code = saved
        return cls(cache_dir, today, files, dict(summaries), taken_ns, dict(code), results=results)

    @staticmethod
    def _header(today: dt.date) -> tuple[str, str]:
        return (code_version(), today.isoformat())

    def known_key(self, name: str, stat: Signature) -> bytes | None:
        """The content key recorded for an unchanged file, or None if it must be read."""
        known = self.files.get(name)
        if known is None or known[0] != stat or stat[0] >= self.taken_ns - _RACY_NS:
            return None
        return known[1] if known[1] in self.summaries else None

    def __contains__(self, key: bytes) -> bool:
        return key in self.summaries

    def summary(self, key: bytes) -> Any:
        return self.summaries[key]

    def result(self, key: bytes) -> Any:
        """The full result, or None if the results file lost it (deleted or damaged)."""
        pickled = self.results.get(key)
        return None if pickled is None else store.kept_files.result(key, pickled)

    def restore_result(self, key: bytes, result: Any) -> None:
        """Put back a result that the results file lost (deleted or damaged), for the next run."""
        self.results[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)

    def save_results(self, keys: set[bytes]) -> None:
        if self.directory is not None and isinstance(self.results, LazyPickledDict):
            self.results.save(keep=keys.__contains__)

    def put_code(self, name: str, code: bytes) -> None:
        self.code[name] = code
        self.changed = True

    def put(self, key: bytes, summary: Any, pickled_result: bytes) -> None:
        self.summaries[key] = summary
        self.results[key] = pickled_result
        self.changed = True

    def save(self, files: dict[str, tuple[Signature, bytes]], taken_ns: int) -> None:
        """Keep only the entries of the files that exist now; write atomically if anything changed."""
        if self.directory is None:
            return
        keys = {key for _, key in files.values()}
        store.kept_files.keep_results(keys)
        # Files that were too recent to trust at the last save but are not now (a fresh clone or
        # copy built at once): unless the index is saved again, they would be read every time.
        trusted_now = any(self.taken_ns - _RACY_NS <= stat[0] < taken_ns - _RACY_NS for stat, _ in files.values())
        if not self.changed and not trusted_now and files == self.files and len(keys) == len(self.summaries):
            return
        if isinstance(self.results, LazyPickledDict) and (self.results.added or len(keys) != len(self.summaries)):
            self.save_results(keys)
        save_marshal(self.directory / _INDEX_FILE, (self._header(self.today), files, {key: self.summaries[key] for key in keys}, taken_ns, self.code))


