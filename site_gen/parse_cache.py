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
import os
import pickle
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Callable

from site_gen.schema import PAPER_SCHEMA_FILE, load_schema

_INDEX_FILE = "parse-index.pickle"
_RESULTS_FILE = "parse-results.pickle"
# Files modified less than this long before the signature was taken are hashed again next time.
_RACY_NS = 2_000_000_000

Signature = tuple[int, int, int, int]


def content_key(raw: bytes, display_path: str) -> bytes:
    return hashlib.blake2b(raw, digest_size=16, person=b"site-gen", key=display_path.encode()[:64]).digest() + display_path.encode()


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)


@cache
def code_version() -> str:
    """Changes whenever site-gen's code, templates or schema change: every cache depends on it."""
    schema = repr(load_schema(PAPER_SCHEMA_FILE))
    package_dir = Path(__file__).parent
    code = b"".join(path.read_bytes() for path in sorted([*package_dir.glob("*.py"), *package_dir.glob("templates/*.j2")]))
    digest = hashlib.blake2b(schema.encode() + code, digest_size=16).hexdigest()
    return f"{sys.version_info[:2]}:{digest}"


@dataclass
class ParseCache:
    """`files`: name -> (signature, key) when it was last read; `summaries`: key -> what the
    caller needs of every file on every run; the full results (pickled one by one) live in a second
    file, loaded only by a run that asks for one."""

    directory: Path | None
    today: dt.date
    files: dict[str, tuple[Signature, bytes]] = field(default_factory=dict)
    summaries: dict[bytes, Any] = field(default_factory=dict)
    taken_ns: int = 0
    changed: bool = False
    results: dict[bytes, bytes] = field(default_factory=dict)

    @classmethod
    def empty(cls, today: dt.date) -> "ParseCache":
        return cls(None, today)

    @classmethod
    def load(cls, cache_dir: Path, today: dt.date) -> "ParseCache":
        header = cls._header(today)
        results = LazyPickledDict(cache_dir / _RESULTS_FILE, header)
        saved = load_pickle(cache_dir / _INDEX_FILE, header)
        if saved is None:
            return cls(cache_dir, today, changed=True, results=results)
        files, summaries, taken_ns = saved
        return cls(cache_dir, today, files, summaries, taken_ns, results=results)

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
        return None if pickled is None else pickle.loads(pickled)

    def put(self, key: bytes, summary: Any, pickled_result: bytes) -> None:
        self.summaries[key] = summary
        self.results[key] = pickled_result
        self.changed = True

    def save(self, files: dict[str, tuple[Signature, bytes]], taken_ns: int) -> None:
        """Keep only the entries of the files that exist now; write atomically if anything changed."""
        if self.directory is None:
            return
        keys = {key for _, key in files.values()}
        if not self.changed and files == self.files and len(keys) == len(self.summaries):
            return
        if isinstance(self.results, LazyPickledDict) and (self.results.added or len(keys) != len(self.summaries)):
            self.results.save(keep=keys.__contains__)
        save_pickle(self.directory / _INDEX_FILE, self._header(self.today), (files, {key: self.summaries[key] for key in keys}, taken_ns))


class LazyPickledDict(dict):
    """A dict saved with save_pickle, read from disk only when first used: a warm build that needs
    none of it (everything current) never pays for loading it. Every access goes through `get`,
    `__getitem__`, `__contains__`, `__setitem__` or `update`, which load first.

    Keys name their values for good (they are digests of what made the value), so entries added
    since the load can be saved on their own: a small second file (`<name>.new`) collects them
    until they are more than a tenth of the whole, then both are rewritten as one. A one-paper edit
    writes kilobytes, not the 20-60 MB of a 10,000-paper cache."""

    def __init__(self, path: Path, header: object):
        super().__init__()
        self.path, self.header = path, header
        self.added: set[Any] = set()
        self._delta_path = path.with_name(path.name + ".new")
        self._delta_keys: set[Any] = set()
        self._loaded = False
        self._base_exists = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        base = load_pickle(self.path, self.header)
        self._base_exists = base is not None
        super().update(base or {})
        if self._base_exists:
            delta = load_pickle(self._delta_path, self.header) or {}
            super().update(delta)
            self._delta_keys = set(delta)

    def get(self, key: Any, default: Any = None) -> Any:
        self._load()
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._load()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._load()
        return super().__contains__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._load()
        self.added.add(key)
        super().__setitem__(key, value)

    def update(self, other: dict) -> None:  # type: ignore[override]
        self._load()
        self.added.update(other)
        super().update(other)

    def save(self, keep: Callable[[Any], bool]) -> None:
        """Save the entries whose key `keep` accepts; others are dropped at the next full write."""
        self._load()
        kept = [key for key in self if keep(key)]
        delta_keys = {key for key in self._delta_keys | self.added if key in self and keep(key)}
        stale = len(self) - len(kept)
        if self._base_exists and len(delta_keys) + stale <= len(kept) // 10:
            save_pickle(self._delta_path, self.header, {key: self[key] for key in delta_keys})
            return
        save_pickle(self.path, self.header, {key: self[key] for key in kept})
        self._delta_path.unlink(missing_ok=True)


def load_pickle(path: Path, header: object) -> Any:
    """The data saved by save_pickle under the same header, or None (missing, stale or damaged)."""
    try:
        with path.open("rb") as handle:
            if pickle.load(handle) == header:
                return pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        pass
    return None


def save_pickle(path: Path, header: object, data: Any) -> None:
    """Write atomically: a crash leaves the previous file or none, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
