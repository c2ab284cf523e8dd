"""The live preview (`mkdocs serve`): the list is generated again before every rebuild, and the
sources are watched instead of the generated tree. Generation itself knows nothing of MkDocs: this
only calls `site-gen build`, which in a serving process keeps what it read in memory between
builds (`keep_cache_files_in_memory`)."""

from __future__ import annotations

import gc
import os
import posixpath
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, InclusionLevel
from watchdog.events import (
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileClosedEvent, FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent,
    FileSystemEvent, FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from site_gen.build import build, os_error_message
from site_gen.diagnostics import InputError
from site_gen.incremental.store import keep_cache_files_in_memory
from site_gen.mkdocs import theme
from site_gen.project import Project


def start_serving() -> None:
    keep_cache_files_in_memory()  # this process builds again after every saved edit


def regenerate(project: Project) -> frozenset[str]:
    """Generate the list again; returns the paths (in the generated tree) written with new content."""
    try:
        return frozenset(build(project).written)
    except InputError as error:
        raise PluginError("\n".join(d.format_text() for d in error.diagnostics)) from None
    except OSError as error:  # a full disk, a read-only folder: the tree on show is left whole
        raise PluginError(f"paper-list: {os_error_message(error, project)}") from None


def watch_sources(server, docs_dir: str, project: Project) -> None:
    """The generated tree is replaced on every build, so the papers and hand-written pages are
    watched instead. Not site_gen's own code and templates: the serving process keeps what it
    loaded of them (and the caches are named after that version), so changing them needs a new
    `mkdocs serve`."""
    server.unwatch(docs_dir)
    watch_by_events(server, made_of_the_site(project))
    for source in (project.papers_dir, project.docs_dir):
        if source.is_dir():
            server.watch(str(source))


def made_of_the_site(project: Project) -> Callable[[str], bool]:
    """Whether the site is made from a file at a path: under papers/, one the list is read from
    (not an editor's swap, lock or backup file, nor a note kept beside the papers, which start no
    build); anything else watched, whatever its name (every file of docs/ is copied into the
    generated tree, where plugins read even hidden ones, such as Material's `.meta.yml`)."""

    def made_of(path: str) -> bool:
        changed = Path(path)
        return project.read_from(changed) or not changed.is_relative_to(project.papers_dir)

    return made_of


# The events that change what is watched. Not reading a file: inotify reports opening and closing
# it, and every build reads docs/, so each build would start the next.
_CHANGES = (
    FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent, DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
)


# How long MkDocs' server waits after an event for more before it rebuilds (its own is 0.1 s). The
# events of one save, even one written to a temporary file and renamed, come within milliseconds
# of each other; a longer burst (a `git checkout`) is built again once it ends, as before.
SAVE_SETTLES = 0.02

# How long an event that may be part of a save waits for the save to end (see `_Saves`): what is
# never closed after it (a file deleted, a link made, a file moved in from elsewhere) is built
# this much later.
WRITE_ENDS = 1.0


class _Saves(FileSystemEventHandler):
    """MkDocs' handler of a watched folder, given the events of files the site is made of
    (`made_of`) once the save that made them is over. The server builds `SAVE_SETTLES` after the
    last event it was given, and a writer that pauses longer (on a loaded machine) would have a
    half-saved file built (an empty paper, reported as broken), then built again. So where the
    system reports that a file written was closed (inotify), an event of a file being written
    (created, modified) or gone (deleted, or renamed to a name the site is not made of, as an
    editor does with the file its save replaces: Vim's paper.yml~) waits until a file at that
    path is closed or renamed there (that event is given), or for `WRITE_ENDS` at most (then the
    first of them is given, for all)."""

    def __init__(self, handler: FileSystemEventHandler, made_of: Callable[[str], bool], closes_reported: bool) -> None:
        self._handler = handler
        self._made_of = made_of
        self._closes_reported = closes_reported
        self._changed = threading.Condition()
        # Path -> (when to give up waiting, the event waiting), in the order they began: the
        # first is the one due first.
        self._waiting: dict[bytes | str, tuple[float, FileSystemEvent]] = {}
        self._giving_up: threading.Thread | None = None

    def dispatch(self, event: FileSystemEvent) -> None:
        if not any(self._made_of(os.fsdecode(path)) for path in (event.src_path, event.dest_path) if path):
            return
        if self._closes_reported and not event.is_directory and not event.is_synthetic and self._may_be_saving(event):
            self._wait_for_the_save(event)
        else:
            self._save_over(event.src_path, event.dest_path)
            self._handler.dispatch(event)

    def _may_be_saving(self, event: FileSystemEvent) -> bool:
        if isinstance(event, FileMovedEvent):
            return not self._made_of(os.fsdecode(event.dest_path))
        return isinstance(event, (FileCreatedEvent, FileModifiedEvent, FileDeletedEvent))

    def _wait_for_the_save(self, event: FileSystemEvent) -> None:
        with self._changed:
            if event.src_path in self._waiting:
                return
            self._waiting[event.src_path] = (time.monotonic() + WRITE_ENDS, event)
            if self._giving_up is None:
                self._giving_up = threading.Thread(target=self._give_up_when_due, name="saves not closed", daemon=True)
                self._giving_up.start()
            if len(self._waiting) == 1:  # else it waits for one due sooner
                self._changed.notify()

    def _give_up_when_due(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = []
                for path, (deadline, event) in self._waiting.items():
                    if deadline > now:
                        break
                    due.append((path, event))
                for path, _ in due:
                    del self._waiting[path]
                if not due:
                    self._changed.wait(next(iter(self._waiting.values()))[0] - now if self._waiting else None)
                    continue
            for _, event in due:
                self._handler.dispatch(event)

    def _save_over(self, *paths: bytes | str) -> None:
        with self._changed:
            for path in paths:
                self._waiting.pop(path, None)


class _ChangesObserver(Observer):
    """The operating system's file events, those that change files the site is made of."""

    def __init__(self, made_of: Callable[[str], bool]) -> None:
        super().__init__()
        self._made_of = made_of

    def schedule(self, event_handler, path, *, recursive=False, event_filter=None, **options):
        saves = _Saves(event_handler, self._made_of, closes_reported=Observer.__module__ == "watchdog.observers.inotify")
        return super().schedule(saves, path, recursive=recursive, event_filter=event_filter or _CHANGES, **options)


def watch_by_events(server, made_of: Callable[[str], bool]) -> None:
    """MkDocs' server polls what it watches every 0.5 s: at 10,000 papers each poll stats every
    file (~22% of a core while the preview sits idle) and an edit waits 0.25 s on average before
    it is seen. The operating system's file events (watchdog's `Observer`: inotify, FSEvents,
    kqueue, or polling where there are none) are seen at once; of them, those that change a
    file the site is made of (`made_of`). The paths watched so far (the config file, the theme,
    other plugins') move to it, by the server's own `watch` and `unwatch`; its `observer`
    attribute is not a documented API, so without one that polls this leaves it as it is. Events
    come at once, so the server waits `SAVE_SETTLES` for the rest of a save's, not its 0.1 s (a
    tenth of what an edit takes to show at 10,000 papers)."""
    polling = getattr(server, "observer", None)
    if type(polling) is not PollingObserver or polling.is_alive():
        return
    watched: dict[tuple[str, bool], int] = {}
    for emitter in list(polling.emitters):
        # watchdog 7 watches a file through its folder: `raw_path` is what was asked to be watched.
        path, recursive = getattr(emitter.watch, "raw_path", emitter.watch.path), emitter.watch.is_recursive
        while emitter in polling.emitters:  # a path watched twice is unscheduled at its last unwatch
            server.unwatch(path)
            watched[path, recursive] = watched.get((path, recursive), 0) + 1
    server.observer = _ChangesObserver(made_of)
    server.build_delay = SAVE_SETTLES
    for (path, recursive), uses in watched.items():
        for _ in range(uses):
            server.watch(path, recursive=recursive)


# In the build folder, beside the generated tree.
REBUILT_TREE = ".preview-rebuild"


def tree_to_rebuild(project: Project, config, unbuilt: frozenset[str], hand_written: frozenset[str]) -> Path | None:
    """A rebuild of `mkdocs serve --dirty`, after an edit: MkDocs makes an object of every file in
    its docs folder (at 10,000 papers, ~15,000 files: ~0.2 s) and goes through all of them again
    seven times a build (~0.01 s each), to build the few that an edit changed. So a rebuild is
    given a folder of links to what it reads instead (`REBUILT_TREE`, remade for each): the
    generated pages to build (`unbuilt`) and the files their Markdown links point to (the home
    page's to the newest papers, the tags' index's to every tag: MkDocs resolves those links, and
    warns of any whose file it does not have), the pages the nav lists, the hand-written files
    and the files at the tree's root (the exports, the nav). Every other page is on show as the
    last build wrote it.
    Symbolic links: MkDocs reads and compares (by mtime) the files they point to, and a hard link
    would change a file's ctime, by which the next `site-gen build` knows that it is as written.
    None, for the whole tree, when one of the `hand_written` files is to be built (a page may
    link to any page), when the list uses another plugin (it may look for any file), or where
    the folder cannot be made (no symbolic links on this file system)."""
    if hand_written & unbuilt or set(config.plugins) != {"paper-list"}:
        return None
    tree = project.output_dir.resolve()  # the version on show, whatever the next build does
    folder = project.output_dir.parent / REBUILT_TREE
    try:
        with os.scandir(tree) as entries:
            at_root = {entry.name for entry in entries if entry.is_file()}
        shutil.rmtree(folder, ignore_errors=True)
        for path in sorted(at_root | theme.nav_paths(config) | hand_written | unbuilt | _link_targets(tree, unbuilt)):
            source = tree / path
            if not source.is_file():  # a URL in the nav, a page the edit removed
                continue
            linked = folder / path
            linked.parent.mkdir(parents=True, exist_ok=True)
            linked.symlink_to(source)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return folder


# The target of a Markdown link, [text](target) or [text](<target> "title"): what the generated
# pages' templates write.
_MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^\s)>]+)")


def _link_targets(tree: Path, pages: Iterable[str]) -> set[str]:
    """The paths in `tree` that the Markdown links of its `pages` (those of them that are
    Markdown) point to, as MkDocs resolves them: relative to the page, without a fragment."""
    targets = set()
    for page in pages:
        if not page.endswith(".md"):
            continue
        try:
            text = (tree / page).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # gone since, or not text: nothing MkDocs resolves
            continue
        folder = posixpath.dirname(page)
        for link in _MARKDOWN_LINK.findall(text):
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
                continue
            target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
            if not target.startswith("../"):
                targets.add(target)
    return targets


def hand_written(project: Project) -> frozenset[str]:
    """The paths in the generated tree of the files copied there from docs/."""
    docs = project.docs_dir
    return frozenset(path.relative_to(docs).as_posix() for path in docs.rglob("*") if path.is_file()) if docs.is_dir() else frozenset()


def leave_out_unchanged(pages: Sequence[File], written: frozenset[str], hand_written: frozenset[str]) -> None:
    """A rebuild of `mkdocs serve --dirty`, after one edit: the generated pages outside the nav
    (of the build's documentation `pages`) that the edit left as they were are still on show as
    the last build wrote them, so MkDocs is told to leave them out rather than make and check a
    page of each (at 10,000 papers ~0.4 s of every rebuild). Links to them from `hand_written`
    pages are then reported at INFO level."""
    for file in pages:
        if file.inclusion.is_not_in_nav() and file.src_uri not in written and file.src_uri not in hand_written:
            file.inclusion = InclusionLevel.EXCLUDED


class CompiledTemplates(jinja2.BytecodeCache):
    """The theme's templates, compiled once per `mkdocs serve` instead of once per rebuild (MkDocs
    makes a new Jinja environment for each: ~0.15 s at every edit). Jinja compares each template's
    source with the checksum kept with its code, so an edited template is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


class CollectedWhenIdle:
    """Python's cycle collector, paused while the preview rebuilds after an edit and run once the
    preview is idle. Between edits the serving process holds the list it read and the theme; a
    rebuild allocates ~1 M objects more, and the collector went through all of them 3–4 times per
    rebuild (~0.25 s of 1.5 s at 10,000 papers) to find the little that is cyclic garbage (MkDocs'
    pages and files of the build before). Reference counting frees the rest as the rebuild goes.
    Paused, a rebuild holds its own cyclic garbage until it is done (~30 MB at 10,000 papers);
    one collection `idle_after` seconds later, once the browser has reloaded, frees it (or at the
    start of the next rebuild, when that comes first)."""

    def __init__(self, idle_after: float = 2.0) -> None:
        self.idle_after = idle_after
        self._lock = threading.Lock()
        self._waiting: threading.Timer | None = None

    def pause(self) -> None:
        with self._lock:
            self._collect_now()
            gc.disable()

    def resume_when_idle(self) -> None:
        with self._lock:
            self._cancel()
            self._waiting = threading.Timer(self.idle_after, self._collect_when_due)
            self._waiting.daemon = True  # never keeps the server from exiting
            self._waiting.start()

    def _collect_when_due(self) -> None:
        with self._lock:
            if self._waiting is threading.current_thread():
                self._collect_now()

    def _collect_now(self) -> None:
        """The collection that was waiting, if one was; the collector runs by itself again."""
        if self._waiting is not None:
            self._cancel()
            gc.collect()
        gc.enable()

    def _cancel(self) -> None:
        if self._waiting is not None:
            self._waiting.cancel()
            self._waiting = None
