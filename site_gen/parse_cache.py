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
import importlib.util
import marshal
import os
import pickle
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, Callable

_INDEX_FILE = "parse-index.marshal"
_RESULTS_FILE = "parse-results.pickle"
# Files modified less than this long before the signature was taken are hashed again next time.
_RACY_NS = 2_000_000_000

Signature = tuple[int, int, int, int]


def content_key(raw: bytes, display_path: str) -> bytes:
    """A digest of the file's path and bytes: the path is part of a paper (its id)."""
    return hashlib.blake2b(display_path.encode() + b"\0" + raw, digest_size=16, person=b"site-gen").digest()


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)


class _KeptFiles:
    """What this process last read from or wrote to each cache file, with the file's stat signature
    when it was read or written: a long-lived process (`mkdocs serve`, which rebuilds after every
    saved edit) reads a cache file again only once it has changed on disk, and decodes each parse
    result once. Off unless `keep_cache_files_in_memory` turns it on: a one-off command reads each
    file once anyway, and keeping what it read would only add to its memory.

    What is kept is shared with the callers: they only read it, or copy it before changing it
    (ParseCache's summaries and code, LazyPickledDict's entries)."""

    def __init__(self) -> None:
        self.enabled = False
        self._files: dict[Path, tuple[Signature, object, Any]] = {}
        self._results: dict[bytes, Any] = {}

    def get(self, path: Path, header: object) -> Any:
        """The data last read from or written to `path` under `header`, if the file is unchanged."""
        known = self._files.get(path) if self.enabled else None
        if known is None or known[1] != header:
            return None
        try:
            return known[2] if signature(os.stat(path)) == known[0] else None
        except OSError:  # deleted (a side file merged into its cache): let its data go
            del self._files[path]
            return None

    def put(self, path: Path, header: object, data: Any, read_from: os.stat_result | None = None) -> None:
        """Keep `data`, read from the file whose stat is `read_from` (taken when it was opened, so
        that a file replaced while it was read is not mistaken for the one read), or just written
        to `path`."""
        if not self.enabled:
            return
        try:
            self._files[path] = (signature(read_from or os.stat(path)), header, data)
        except OSError:
            self._files.pop(path, None)

    def result(self, key: bytes, pickled: bytes) -> Any:
        if not self.enabled:
            return pickle.loads(pickled)
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = pickle.loads(pickled)
        return result

    def keep_results(self, keys: set[bytes]) -> None:
        """Forget the decoded results of files that no longer have that content."""
        if self._results:
            self._results = {key: value for key, value in self._results.items() if key in keys}


_kept_files = _KeptFiles()


def keep_cache_files_in_memory() -> None:
    """Keep cache files' contents and decoded parse results in memory between builds in this
    process (for a process that builds again and again: `mkdocs serve`)."""
    _kept_files.enabled = True


# Libraries whose output the caches hold: parsed YAML, validators' code, rendered pages, slugs.
_CACHED_LIBRARIES = ("yaml", "fastjsonschema", "jinja2", "markupsafe", "slugify")


def _installed_distributions() -> bytes:
    """The names (with versions) of the distributions installed beside the libraries whose output
    the caches hold: upgrading one (or anything installed next to it) starts the caches afresh.
    Listing those folders takes ~1 ms; asking importlib.metadata for five versions took 33 ms."""
    folders = set()
    for name in _CACHED_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            module_folder = os.path.dirname(spec.origin)  # a package's folder, or where a module is
            folders.add(os.path.dirname(module_folder) if spec.submodule_search_locations else module_folder)
    names = sorted(entry for folder in folders for entry in os.listdir(folder) if entry.endswith(".dist-info"))
    return "\n".join(names).encode()


@cache
def code_version() -> str:
    """Changes whenever site-gen's code, templates or schemas, the libraries it caches the output
    of, or Python's bytecode format change: every cache depends on it."""
    package_dir = Path(__file__).parent
    sources = sorted([*package_dir.glob("*.py"), *package_dir.glob("templates/*.j2"), *package_dir.glob("schema/*.json")])
    contents = b"".join(path.read_bytes() for path in sources) + _installed_distributions()
    digest = hashlib.blake2b(contents, digest_size=16).hexdigest()
    return f"{sys.version_info[:2]}:{importlib.util.MAGIC_NUMBER.hex()}:{digest}"


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
        saved = _load_index(cache_dir / _INDEX_FILE, header)
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
        return None if pickled is None else _kept_files.result(key, pickled)

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
        _kept_files.keep_results(keys)
        if not self.changed and files == self.files and len(keys) == len(self.summaries):
            return
        if isinstance(self.results, LazyPickledDict) and (self.results.added or len(keys) != len(self.summaries)):
            self.save_results(keys)
        _save_index(self.directory / _INDEX_FILE, (self._header(self.today), files, {key: self.summaries[key] for key in keys}, taken_ns, self.code))


# The index is read on every run: marshal reads its 10,000 tuples of strings and numbers ~2x
# faster than pickle, and the header (Python's version among it) guards marshal's format.
def _load_index(path: Path, header: object) -> Any:
    remembered = _kept_files.get(path, header)
    if remembered is not None:
        return remembered
    try:
        with path.open("rb") as handle:
            opened = os.fstat(handle.fileno())
            saved = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(saved, tuple) and saved and saved[0] == header):
        return None
    _kept_files.put(path, header, saved[1:], read_from=opened)
    return saved[1:]


def _save_index(path: Path, data: tuple) -> None:
    with _replaced_atomically(path) as handle:
        marshal.dump(data, handle)
    _kept_files.put(path, data[0], data[1:])


class LazyPickledDict(MutableMapping):
    """A dict saved to disk, read only when a value is asked for: a warm build that needs none of
    it (everything current) never pays for loading it, and a run that only adds entries (a warm
    `site-gen check` storing the parse of one edited file) never loads the rest either.

    Keys name their values for good (they are digests of what made the value), so entries added
    since the last full write can be saved on their own: a small second file (`<name>.new`)
    collects them until they are more than a tenth of the whole, then both are rewritten as one,
    without the entries `keep` rejects. A one-paper edit writes kilobytes, not the 20-60 MB of a
    10,000-paper cache."""

    def __init__(self, path: Path, header: object):
        self.path, self.header = path, header
        self.added: set[Any] = set()
        self._entries: dict[Any, Any] = {}  # until loaded: only the additions
        self._delta_path = path.with_name(path.name + ".new")
        self._delta_keys: set[Any] = set()
        self._loaded = False
        self._base_exists = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        base = self._read_base(count_only=False)
        self._base_exists = base is not None
        entries = dict(base or {})
        if self._base_exists:
            delta = load_pickle(self._delta_path, self.header) or {}
            entries.update(delta)
            self._delta_keys = set(delta)
        entries.update(self._entries)
        self._entries = entries
        # From now on `get` is the dict's own (`_entries` is never replaced after loading): a build
        # looks up ~50,000 pieces, and a method call per lookup cost 0.15 s.
        self.get = entries.get  # type: ignore[method-assign]

    def _read_base(self, count_only: bool) -> Any:
        """The base file's entries (or only how many there are), or None if it is unusable."""
        remembered = _kept_files.get(self.path, self.header)
        if remembered is not None:
            return remembered[0] if count_only else remembered[1]
        try:
            with self.path.open("rb") as handle:
                opened = os.fstat(handle.fileno())
                if pickle.load(handle) != self.header:
                    return None
                count = pickle.load(handle)
                if count_only:
                    return count
                entries = pickle.load(handle)
        except _UNREADABLE:
            return None
        _kept_files.put(self.path, self.header, (count, entries), read_from=opened)
        return entries

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self._entries:
            self._load()
        return self._entries.get(key, default)

    def __getitem__(self, key: Any) -> Any:
        if key not in self._entries:
            self._load()
        return self._entries[key]

    def __contains__(self, key: object) -> bool:
        if key in self._entries:
            return True
        self._load()
        return key in self._entries

    def __setitem__(self, key: Any, value: Any) -> None:
        self.added.add(key)
        self._entries[key] = value

    def __delitem__(self, key: Any) -> None:
        self._load()
        del self._entries[key]

    def __iter__(self) -> Iterator[Any]:
        self._load()
        return iter(self._entries)

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def save(self, keep: Callable[[Any], bool]) -> None:
        """Save the entries whose key `keep` accepts. Without loading the base file, additions go to
        the side file; entries of the base that `keep` would reject are dropped at the next full
        write."""
        if not self._loaded:
            count = self._read_base(count_only=True)
            if count is not None:
                delta = {key: value for key, value in (load_pickle(self._delta_path, self.header) or {}).items() if keep(key)}
                delta.update((key, self._entries[key]) for key in self.added if keep(key))
                if len(delta) <= count // 10:
                    save_pickle(self._delta_path, self.header, delta)
                    return
            self._load()
        kept = [key for key in self._entries if keep(key)]
        delta_keys = {key for key in self._delta_keys | self.added if key in self._entries and keep(key)}
        stale = len(self._entries) - len(kept)
        if self._base_exists and len(delta_keys) + stale <= len(kept) // 10:
            save_pickle(self._delta_path, self.header, {key: self._entries[key] for key in delta_keys})
            return
        save_pickle(self.path, self.header, len(kept), {key: self._entries[key] for key in kept})
        self._delta_path.unlink(missing_ok=True)


# What reading a missing, truncated or foreign pickle file raises.
_UNREADABLE = (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError, TypeError)


def load_pickle(path: Path, header: object) -> Any:
    """The data saved by save_pickle under the same header, or None (missing, stale or damaged)."""
    remembered = _kept_files.get(path, header)
    if remembered is not None:
        return remembered[0]
    try:
        with path.open("rb") as handle:
            opened = os.fstat(handle.fileno())
            if pickle.load(handle) == header:
                data = pickle.load(handle)
                _kept_files.put(path, header, (data,), read_from=opened)
                return data
    except _UNREADABLE:
        pass
    return None


@contextmanager
def _replaced_atomically(path: Path) -> Iterator[BinaryIO]:
    """A file to write that replaces `path` only once complete: a crash leaves the previous file or
    none, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        yield handle
    os.replace(temporary, path)


def save_pickle(path: Path, header: object, *data: Any) -> None:
    """Write the header and each of `data` in turn, atomically."""
    with _replaced_atomically(path) as handle:
        pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
        for item in data:
            pickle.dump(item, handle, protocol=pickle.HIGHEST_PROTOCOL)
    _kept_files.put(path, header, data)
