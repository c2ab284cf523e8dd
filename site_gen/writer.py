"""Write a generated tree exactly and atomically, touching only the files whose content changed.

The tree at `build/docs` is a symbolic link to a version of it, a folder beside it
(`build/.docs.<n>`). A write makes the next version complete and then points the link at it with
one os.replace: at every instant `build/docs` is the whole old tree or the whole new one, whatever
fails and whenever the process is killed.

The version before the one on show is kept, and the next write takes it up and changes only where
it differs: a file that the version on show holds as it should is hard-linked from it (the same
inode and mtime, so MkDocs' dirty builds see only real changes), a page with new content is
written, a page that is gone is removed. With an output manifest (site_gen/incremental/manifest.py)
the writer knows what both versions hold and a one-paper edit touches a few files; without one (the
first build, the cache deleted, site-gen updated) the new version is made whole, unchanged files
hard-linked from the one on show. So is the second version, by the write after the very first
(at 10,000 pages, ~0.15 s of links, once). Bad input or a crash while rendering leaves the tree on
show as it was.

While a version is being changed its folder is named `.docs.<n>.partial`: what a killed write
leaves (that folder, a version never shown, a link never put in place) is recognised by its name
and removed by the next write. A plain folder at `build/docs` (from before versions) is swapped
with the link in one step too (Linux's renameat2 RENAME_EXCHANGE), then removed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from site_gen.incremental.store import Signature, signature

if TYPE_CHECKING:
    from site_gen.incremental.manifest import Entries, OutputManifest

_PARTIAL = ".partial"
# The entry of a file whose content is not known: no page's key is empty.
_UNKNOWN = (b"", (0, 0, 0, 0))
# What os.link raises where a file system has no hard links (or not between these files).
_NO_HARD_LINKS = {errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP}


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


def shown_version(target: Path) -> str | None:
    """The name of the version folder that `target` links to; None if there is no tree yet, or
    it is a plain folder (from before versions)."""
    try:
        name = os.readlink(target)
    except OSError:
        return None
    return name if _version_pattern(target).fullmatch(name) else None


def _version_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.(\d+)")


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
        target, folder = self.target, self.target.parent
        folder.mkdir(parents=True, exist_ok=True)
        versions = self.manifest.versions if self.manifest is not None else {}
        shown = shown_version(target)
        shown_root = folder / shown if shown else target
        shown_entries = self.manifest.entries if self.manifest is not None else {}
        pattern = _version_pattern(target)
        previous = max(
            (name for name in versions if name != shown and (folder / name).is_dir()),
            key=lambda name: int(pattern.fullmatch(name)[1]), default=None,
        )
        _remove_leftovers(target, keep={shown, previous})
        version = f".{target.name}.{1 + max((int(pattern.fullmatch(name)[1]) for name in (shown, previous) if name), default=0)}"
        staging = folder / (version + _PARTIAL)
        base = versions[previous] if previous else {}
        if previous:
            os.rename(folder / previous, staging)
        else:
            staging.mkdir()
        try:
            keys, written, touched = self._fill(staging, base, shown_root, shown_entries, pages)
            gone = base.keys() - keys.keys()
            for path in gone:
                (staging / path).unlink(missing_ok=True)
            os.rename(staging, folder / version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        known = shown is not None and shown in versions
        old_files = set(shown_entries) if known else _existing_files(shown_root) if shown_root.is_dir() else set()
        _show(target, version)
        if self.manifest is not None:
            recorded = {version: {path: (key, _signature(folder / version / path)) if path in touched else base[path] for path, key in keys.items()}}
            if known:
                # The version on show becomes the one before: the files of its that this write
                # linked, or whose other link it removed, have a new ctime.
                recorded[shown] = _restated(shown_entries, shown_root, touched | gone)
            elif shown is not None and shown_root.is_dir():
                # A version the manifest did not know (the cache deleted, site-gen updated): what
                # it holds is known now, the files linked from it (same content) and the others.
                linked = touched.difference(written)
                recorded[shown] = {path: recorded[version][path] if path in linked else _UNKNOWN for path in old_files}
            self.manifest.record(recorded, version)
        return WriteReport(tuple(written), len(keys) - len(written), tuple(sorted(old_files - keys.keys())))

    def _fill(self, staging: Path, base: Entries, shown_root: Path, shown_entries: Entries, pages: Iterable[Page]) -> tuple[dict[str, bytes], list[str], set[str]]:
        """Bring `staging` (holding `base`) up to `pages`, but for removing what they no longer
        hold; returns their keys, the paths written with new content, and all paths changed."""
        keys: dict[str, bytes] = {}
        written: list[str] = []
        touched: set[str] = set()
        folders: set[Path] = set()
        for page in pages:
            if page.path in keys:
                raise ValueError(f"two pages want the same path: {page.path}")
            key = keys[page.path] = page.key or content_digest(page.content)
            shown = page.content is None or self.is_current(page.path, key)
            held = base.get(page.path)
            if shown and _same_file(held, shown_entries[page.path], staging, page.path):
                continue
            destination = staging / page.path
            if held is not None:  # perhaps a hard link to a file on show: never written in place
                destination.unlink(missing_ok=True)
            if destination.parent not in folders:
                destination.parent.mkdir(parents=True, exist_ok=True)
                folders.add(destination.parent)
            source = shown_root / page.path
            if shown or _same_content(source, page.content):
                _link(source, destination)
            else:
                with destination.open("xb") as handle:
                    handle.write(page.content)
                written.append(page.path)
            touched.add(page.path)
        return keys, written, touched


def _same_file(held: tuple | None, shown: tuple, staging: Path, path: str) -> bool:
    """Whether the file at `path` in `staging`, recorded as `held`, is the file on show recorded
    as `shown`, which the caller found unchanged: a hard link to it, or (where there are no hard
    links) a copy with the same key and mtime, unchanged since it was recorded."""
    if held is None or held[0] != shown[0]:
        return False
    if held[1] == shown[1]:  # the same inode and ctime
        return True
    return held[1][0] == shown[1][0] and _signature(staging / path) == held[1]


def _signature(path: Path) -> Signature | None:
    try:
        return signature(os.stat(path))
    except FileNotFoundError:
        return None


def _restated(entries: Entries, root: Path, paths: set[str]) -> Entries:
    """`entries` with the signatures of `paths` taken again (and those no longer there left out)."""
    restated = dict(entries)
    for path in paths & restated.keys():
        now = _signature(root / path)
        if now is None:
            del restated[path]
        else:
            restated[path] = (restated[path][0], now)
    return restated


def _link(source: Path, destination: Path) -> None:
    """Make `destination` the file at `source`: a hard link, or where there are none a copy with
    its mtime."""
    try:
        os.link(source, destination)
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        shutil.copy2(source, destination)


def _remove_leftovers(target: Path, keep: set[str | None]) -> None:
    """Remove what earlier writes left beside `target`: versions no longer needed, a killed
    write's partial version or link, and the folders of the writer from before versions."""
    prefix = f".{target.name}."
    unversioned = {f"{target.name}.new", f"{target.name}.old"}
    with os.scandir(target.parent) as entries:
        leftovers = [entry for entry in entries if (entry.name.startswith(prefix) and entry.name not in keep) or entry.name in unversioned]
    for entry in leftovers:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def _show(target: Path, version: str) -> None:
    """Point `target` at the folder `version` beside it, in one step."""
    link = target.with_name(f".{target.name}.link")
    os.symlink(version, link)
    if target.is_symlink() or not target.is_dir():
        os.replace(link, target)
        return
    # A plain folder, from before versions.
    if _exchange(link, target):
        shutil.rmtree(link)
    else:  # no atomic swap here: for a moment there is no tree
        retired = target.with_name(f".{target.name}.retired")
        os.rename(target, retired)
        os.replace(link, target)
        shutil.rmtree(retired)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step, if the system can (Linux's renameat2 with RENAME_EXCHANGE)."""
    import ctypes

    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_current_directory, rename_exchange = -100, 2
    if renameat2(at_current_directory, os.fsencode(first), at_current_directory, os.fsencode(second), rename_exchange) == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL):  # an old kernel, or a file system without it
        return False
    raise OSError(number, os.strerror(number), str(second))


def write_tree(target: Path, pages: Iterable[Page]) -> WriteReport:
    """Write `pages` as the whole tree at `target`, comparing with what is there (no manifest)."""
    return OutputTree(target).write(pages)
