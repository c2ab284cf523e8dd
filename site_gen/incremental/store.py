"""The files the incremental layer keeps in the cache folder, and how they are read and written.

Three formats: pickles under a header (`save_pickle`/`load_pickle`: the output manifest, the memo's
pieces), the parse index in marshal (read on every run, ~2x faster than pickle for its tuples of
strings and numbers), and `LazyPickledDict`, a dict on disk read only when a value is asked for.
Every file is written atomically, carries a header (the code version and whatever else its data
depends on) and ends with a checksum of all before it; a missing, stale or damaged file reads as
absent, never as data.
"""

from __future__ import annotations

import io
import marshal
import os
import pickle
import zlib
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

if TYPE_CHECKING:
    from site_gen.catalog import Catalog
    from site_gen.incremental.memo import KeysAsked

Signature = tuple[int, int, int, int]


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)



class _KeptFiles:
    """What this process last read from or wrote to each cache file, with the file's stat signature
    when it was read or written: a long-lived process (`mkdocs serve`, which rebuilds after every
    saved edit) reads a cache file again only once it has changed on disk, and decodes each parse
    result once; and the inputs its last build keyed its sections and runs from
    (`memo.KeysAsked`), whose keys the next build takes where the inputs are equal, and its
    catalog, which the next one updates (`Catalog.build`). Off unless
    `keep_cache_files_in_memory` turns it on: a one-off command reads each
    file once anyway, and keeping what it read would only add to its memory.

    What is kept is shared with the callers: they only read it, or copy it before changing it
    (ParseCache's summaries and code, LazyPickledDict's entries)."""

    def __init__(self) -> None:
        self.enabled = False
        self._files: dict[Path, tuple[Signature, object, Any]] = {}
        self._results: dict[bytes, Any] = {}
        self.keys_asked: dict[Path, KeysAsked] = {}  # by cache folder
        self.catalogs: dict[Path, Catalog] = {}  # the last build's, by cache folder

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


kept_files = _KeptFiles()


def keep_cache_files_in_memory() -> None:
    """Keep cache files' contents and decoded parse results in memory between builds in this
    process (for a process that builds again and again: `mkdocs serve`)."""
    kept_files.enabled = True


# The index is read on every run: marshal reads its 10,000 tuples of strings and numbers ~2x
# faster than pickle, and the header (Python's version among it) guards marshal's format.
def load_marshal(path: Path, header: object) -> Any:
    """The data saved by save_marshal under the same header, or None (missing, stale or damaged)."""
    remembered = kept_files.get(path, header)
    if remembered is not None:
        return remembered
    checked = _read_checked(path)
    if checked is None:
        return None
    data, opened = checked
    try:
        saved = marshal.loads(memoryview(data)[len(_MAGIC) : -_CHECKSUM_SIZE])
    except (EOFError, ValueError, TypeError):
        return None
    if not (isinstance(saved, tuple) and saved and saved[0] == header):
        return None
    kept_files.put(path, header, saved[1:], read_from=opened)
    return saved[1:]


def save_marshal(path: Path, data: tuple) -> None:
    """Write `data` (its header first) atomically."""
    with _replaced_atomically(path) as handle:
        marshal.dump(data, handle)
    kept_files.put(path, data[0], data[1:])


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
        remembered = kept_files.get(self.path, self.header)
        if remembered is not None:
            return remembered[0] if count_only else remembered[1]
        if count_only:
            # Not checked: the checksum ends a file of up to 60 MB, and the count only decides
            # whether additions go to the side file; the entries are checked when they are loaded.
            try:
                with self.path.open("rb") as handle:
                    if handle.read(len(_MAGIC)) != _MAGIC or pickle.load(handle) != self.header:
                        return None
                    return pickle.load(handle)
            except _UNREADABLE:
                return None
        loaded = _load_pickles(self.path, self.header, 2)
        if loaded is None:
            return None
        (count, entries), opened = loaded
        kept_files.put(self.path, self.header, (count, entries), read_from=opened)
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

# Every cache file starts with this and ends with the CRC-32 of all before its last 4 bytes. A
# CRC rather than a cryptographic digest: it is there to catch damage (a flipped bit, a torn or
# truncated write), not tampering (whoever can write the cache can write its checksum too), and on
# this machine it takes 0.14 ms per MB where blake2b takes 0.72: 5 ms rather than 27 for the
# 38 MB of pieces of 10,000 papers, whose unpickling takes 47.
_MAGIC = b"site-gen cache\n"
_CHECKSUM_SIZE = 4
# A file being written is named `<name>.<process id>.tmp`.
_TEMPORARY = ".tmp"


def _read_checked(path: Path) -> tuple[bytes, os.stat_result] | None:
    """The whole file, if its checksum holds, and its stat when it was opened."""
    try:
        with path.open("rb") as handle:
            opened = os.fstat(handle.fileno())
            data = handle.read()
    except OSError:
        return None
    if len(data) < len(_MAGIC) + _CHECKSUM_SIZE or not data.startswith(_MAGIC):
        return None
    if zlib.crc32(memoryview(data)[:-_CHECKSUM_SIZE]) != int.from_bytes(data[-_CHECKSUM_SIZE:], "big"):
        return None
    return data, opened


def _load_pickles(path: Path, header: object, count: int) -> tuple[list[Any], os.stat_result] | None:
    """The `count` pickles that follow the header in a file that save_pickle wrote under the same
    header, and the file's stat when it was opened; None if it is missing, stale or damaged."""
    checked = _read_checked(path)
    if checked is None:
        return None
    data, opened = checked
    stream = io.BytesIO(data)  # shares `data`'s bytes: no copy
    stream.seek(len(_MAGIC))
    try:
        if pickle.load(stream) != header:
            return None
        return [pickle.load(stream) for _ in range(count)], opened
    except _UNREADABLE:
        return None


def load_pickle(path: Path, header: object) -> Any:
    """The data saved by save_pickle under the same header, or None (missing, stale or damaged)."""
    remembered = kept_files.get(path, header)
    if remembered is not None:
        return remembered[0]
    loaded = _load_pickles(path, header, 1)
    if loaded is None:
        return None
    (data,), opened = loaded
    kept_files.put(path, header, (data,), read_from=opened)
    return data


class _Checksummed:
    """A binary file being written, and the CRC-32 of what has been written to it."""

    def __init__(self, handle: BinaryIO):
        self.handle, self.checksum = handle, 0

    def write(self, data: bytes) -> int:
        self.checksum = zlib.crc32(data, self.checksum)
        return self.handle.write(data)


@contextmanager
def _replaced_atomically(path: Path) -> Iterator[_Checksummed]:
    """A file to write (after the magic bytes, before the checksum) that replaces `path` only
    once complete: a crash leaves the previous file or none, never half of one. A write that
    fails (a full disk) leaves no temporary file; a killed one's is removed by
    `remove_abandoned_files`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}{_TEMPORARY}")
    try:
        with temporary.open("wb") as handle:
            checked = _Checksummed(handle)
            checked.write(_MAGIC)
            yield checked
            handle.write(checked.checksum.to_bytes(_CHECKSUM_SIZE, "big"))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_abandoned_files(folder: Path) -> None:
    """Remove the temporary files of processes that were killed while writing into `folder` (a
    temporary file is named after its process's id)."""
    try:
        entries = [entry.name for entry in os.scandir(folder) if entry.name.endswith(_TEMPORARY)]
    except FileNotFoundError:
        return
    for name in entries:
        pid = name.removesuffix(_TEMPORARY).rpartition(".")[2]
        if pid.isdigit() and not _is_running(int(pid)):
            (folder / name).unlink(missing_ok=True)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def save_pickle(path: Path, header: object, *data: Any) -> None:
    """Write the header and each of `data` in turn, atomically."""
    with _replaced_atomically(path) as handle:
        pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
        for item in data:
            pickle.dump(item, handle, protocol=pickle.HIGHEST_PROTOCOL)
    kept_files.put(path, header, data)
