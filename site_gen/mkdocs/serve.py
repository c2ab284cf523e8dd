"""The live preview (`mkdocs serve`): the list is generated again before every rebuild, and the
sources are watched instead of the generated tree. Generation itself knows nothing of MkDocs: this
only calls `site-gen build`, which in a serving process keeps what it read in memory between
builds (`keep_cache_files_in_memory`)."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable
from pathlib import Path

import jinja2
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel, set_exclusions
from watchdog.events import (
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileClosedEvent, FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent,
    FileSystemEvent, FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from site_gen.build import build, os_error_message
from site_gen.diagnostics import InputError
from site_gen.incremental.store import keep_cache_files_in_memory
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


def watch_sources(server, config, project: Project) -> None:
    """The generated tree is replaced on every build, so the papers and hand-written pages are
    watched instead. Not site_gen's own code and templates: the serving process keeps what it
    loaded of them (and the caches are named after that version), so changing them needs a new
    `mkdocs serve`."""
    server.unwatch(config.docs_dir)
    watch_by_events(server, SiteSources(project, config))
    for source in (project.papers_dir, project.docs_dir):
        if source.is_dir():
            server.watch(str(source))


class SiteSources:
    """Whether a changed file is one the site is made of: under papers/ one the list is read from,
    under docs/ one MkDocs does not exclude (by default hidden files); any other file watched (the
    config file, the theme) is. Editors write swap, lock and temporary files beside the file they
    edit (Vim's .paper.yml.swp every few seconds while one types): none of them starts a build."""

    def __init__(self, project: Project, config) -> None:
        self.project = project
        self.config = config

    def __call__(self, path: str) -> bool:
        changed = Path(path)
        if changed.is_relative_to(self.project.papers_dir):
            return self.project.read_from(changed)
        if changed.is_relative_to(self.project.docs_dir):
            page = File(changed.relative_to(self.project.docs_dir).as_posix(), self.config.docs_dir, self.config.site_dir, self.config.use_directory_urls)
            set_exclusions([page], self.config)
            return page.inclusion is not InclusionLevel.EXCLUDED
        return True


# The events that change what is watched. Not reading a file: inotify reports opening and closing
# it, and every build reads docs/, so each build would start the next.
_CHANGES = (
    FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent, DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
)


# How long MkDocs' server waits after an event for more before it rebuilds (its own is 0.1 s). The
# events of one save, even one written to a temporary file and renamed, come within milliseconds
# of each other; a longer burst (a `git checkout`) is built again once it ends, as before.
SAVE_SETTLES = 0.02

# How long a file being written is waited for when it is not closed: a link made, a file truncated
# by its path, changes no editor makes.
WRITE_ENDS = 1.0


class _Saves(FileSystemEventHandler):
    """MkDocs' handler of a watched folder, given the changes to files the site is made of
    (`made_of`), each once it is whole. Where the operating system reports that a file written was
    closed (inotify), a file created or modified is given when it is closed: the server builds
    `SAVE_SETTLES` after the last event it is given, and a writer that stalls longer between
    truncating a file and writing it (a loaded machine) would have the empty file built, reported
    as broken, and built again."""

    def __init__(self, handler: FileSystemEventHandler, made_of: Callable[[str], bool], closes_reported: bool) -> None:
        self._handler = handler
        self._made_of = made_of
        self._closes_reported = closes_reported
        self._lock = threading.Lock()
        self._writing: dict[str, threading.Timer] = {}

    def dispatch(self, event: FileSystemEvent) -> None:
        if not any(self._made_of(os.fsdecode(path)) for path in (event.src_path, event.dest_path) if path):
            return
        if self._closes_reported and isinstance(event, (FileCreatedEvent, FileModifiedEvent)):
            self._wait_for_close(event)
        else:
            self._written(event.src_path, event.dest_path)
            self._handler.dispatch(event)

    def _wait_for_close(self, event: FileSystemEvent) -> None:
        with self._lock:
            if event.src_path not in self._writing:
                unclosed = self._writing[event.src_path] = threading.Timer(WRITE_ENDS, self._unclosed, (event,))
                unclosed.daemon = True
                unclosed.start()

    def _unclosed(self, event: FileSystemEvent) -> None:
        with self._lock:
            if self._writing.get(event.src_path) is not threading.current_thread():
                return
            del self._writing[event.src_path]
        self._handler.dispatch(event)

    def _written(self, *paths: bytes | str) -> None:
        with self._lock:
            for path in paths:
                if (unclosed := self._writing.pop(path, None)) is not None:
                    unclosed.cancel()


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


def leave_out_unchanged(files: Files, written: frozenset[str], project: Project) -> None:
    """A rebuild of `mkdocs serve --dirty`, after one edit: the generated pages outside the nav
    that the edit left as they were are still on show as the last build wrote them, so MkDocs is
    told to leave them out rather than make and check a page of each (at 10,000 papers ~0.4 s of
    every rebuild). Links to them from hand-written pages are then reported at INFO level."""
    hand_written = {path.relative_to(project.docs_dir).as_posix() for path in project.docs_dir.rglob("*")} if project.docs_dir.is_dir() else set()
    for file in files.documentation_pages():
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
