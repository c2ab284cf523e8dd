"""Search indexed while MkDocs builds: each page's article goes to Pagefind's indexing service as
soon as MkDocs has converted the page's Markdown, so Pagefind (a separate, native process) indexes
on the second core while MkDocs works on the first; the runs' bundles are merged in a process of
their own while MkDocs renders the pages' templates, and `mkdocs build` ends with the index written.

The bundle is the one `site-gen search-index` writes from the built HTML (site_gen/search_index.py,
for other builders; tests/test_mkdocs_site.py compares the two): the same pages, runs of at most
`PAGES_PER_RUN` pages to bound Pagefind's memory, merged into one bundle. Pagefind reads only the
article (`data-pagefind-body`, overrides/main.html) and the page's language, so it is sent that:
the page's HTML as Material's `partials/content.html` places it in the article, under the page
title when the page has no `<h1>` of its own. Material's additions around it (edit buttons, its
tags plugin's tags, a feedback form) are not indexed.

The service protocol (the `pagefind` package's own Python client speaks it too, but answers one
message per 0.1 s): requests and answers are base64-encoded JSON objects, each followed by a comma,
on the service's stdin and stdout. Requests are sent without waiting for their answers, from a
thread of their own, so MkDocs never waits for Pagefind.
"""

from __future__ import annotations

import base64
import html
import json
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path

from mkdocs.exceptions import PluginError
from pagefind.service import get_executable

from site_gen.search_index import BUNDLE, EXCLUDE_SELECTORS, PAGES_PER_RUN, SEARCH_MARKER

_FINISHED = None  # the last item of the queue


def is_indexed(page) -> bool:
    """A page is indexed unless its front matter says `search: exclude: true` (as site-gen's
    listings do; Material's own search reads the same switch). overrides/main.html marks the
    articles of these pages, and only these, `data-pagefind-body`."""
    search = page.meta.get("search") if page.meta else None
    return not (isinstance(search, dict) and search.get("exclude"))


class SearchIndexer:
    """Feed it every page (`add`), say when all are in (`all_added`), then `finish` writes
    `site_dir`/pagefind; or `abort`."""

    def __init__(self, site_dir: Path, language: str, pages_per_run: int = PAGES_PER_RUN) -> None:
        executable = get_executable()
        if executable is None:
            raise PluginError("paper-list: Pagefind's binary is missing — reinstall site-gen (it depends on pagefind[extended])")
        self._site_dir = site_dir
        self._page_start = f'<!doctype html><html lang="{html.escape(language)}"><body><article {SEARCH_MARKER}>'
        self._pages_per_run = pages_per_run
        # Not inside the site: MkDocs' cleaning keeps dot-folders, so a killed build's would stay.
        self._scratch = Path(tempfile.mkdtemp(prefix=f"{BUNDLE}-"))
        self._bundles: list[Path] = []
        self._pages = 0
        self._service = _Service(executable)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._sender = threading.Thread(target=self._send_all, name="pagefind-sender", daemon=True)
        self._sender.start()

    def add(self, url: str, title: str, compressed_content: bytes) -> None:
        """Index the page at `url` (site-relative, as a reader's browser requests it), whose
        Markdown became the HTML `compressed_content` (zlib-compressed UTF-8, as the plugin keeps
        it until the page is written): the pages wait here while Pagefind is behind MkDocs, which
        at 50,000 papers was ~20,000 pages when MkDocs had converted its last."""
        self._queue.put((url, title, compressed_content))

    def all_added(self) -> None:
        """No more pages: Pagefind writes its last run, and the runs are merged while MkDocs goes on."""
        self._queue.put(_FINISHED)

    def finish(self) -> tuple[int, int]:
        """Wait for Pagefind and the merge; returns the number of pages indexed and of Pagefind runs."""
        self.all_added()  # if MkDocs never said so (a build with no page)
        self._sender.join()
        self._service.close()
        try:
            if isinstance(self._error, _MergeFailed):
                raise PluginError(f"paper-list: Pagefind's bundles cannot be merged: {self._error}")
            if self._error is not None:
                raise PluginError(f"paper-list: Pagefind failed to index the site: {self._error}")
            target = self._site_dir / BUNDLE
            if target.exists():
                shutil.rmtree(target)
            shutil.move(self._bundles[0] if len(self._bundles) == 1 else self._scratch / BUNDLE, target)
            return self._pages, len(self._bundles)
        finally:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def abort(self) -> None:
        self._service.kill()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _send_all(self) -> None:
        try:
            index, in_run = None, 0
            while (item := self._queue.get()) is not _FINISHED:
                if index is None:
                    index, in_run = self._service.new_index({"exclude_selectors": list(EXCLUDE_SELECTORS)}), 0
                url, title, compressed_content = item
                content = zlib.decompress(compressed_content).decode("utf-8")
                heading = "" if "<h1" in content else f"<h1>{html.escape(title)}</h1>"
                page = f"{self._page_start}{heading}{content}</article></body></html>"
                self._service.send({"type": "AddFile", "index_id": index, "url": url, "file_contents": page})
                self._pages += 1
                in_run += 1
                if in_run == self._pages_per_run:
                    self._write(index)
                    index = None
            if index is not None or not self._bundles:  # no page at all: an empty bundle still loads
                self._write(self._service.new_index({}) if index is None else index)
            if len(self._bundles) > 1:
                self._merge()
        except BaseException as error:  # reported by finish(), in MkDocs' thread
            self._error = error
            self._service.kill()
            while self._queue.get() is not _FINISHED:  # drain, so that finish() can join
                pass

    def _merge(self) -> None:
        # In a process of its own: in this one the merge would take turns with MkDocs.
        merge = subprocess.run([sys.executable, "-m", "site_gen.pagefind_merge", self._scratch / BUNDLE, *self._bundles],
                               capture_output=True, text=True)
        if merge.returncode != 0:
            raise _MergeFailed(merge.stderr.strip().splitlines()[-1] if merge.stderr.strip() else f"exit code {merge.returncode}")

    def _write(self, index: int) -> None:
        bundle = self._scratch / f"bundle-{len(self._bundles)}"
        self._service.request({"type": "WriteFiles", "index_id": index, "output_path": str(bundle)})
        # Pagefind keeps an index until told otherwise: deleting it frees the run's memory.
        self._service.request({"type": "DeleteIndex", "index_id": index})
        self._bundles.append(bundle)


class _MergeFailed(Exception):
    pass


class _Service:
    """`pagefind --service`: `send` a request without waiting, or `request` and wait for its answer
    (and so for every request sent before it). An error answer to any request is raised by the
    next `request`."""

    def __init__(self, executable: Path) -> None:
        self._process = subprocess.Popen([str(executable), "--service"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._last_id = 0
        self._answers: dict[int, dict] = {}
        self._errors: list[str] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read_answers, name="pagefind-reader", daemon=True)
        self._reader.start()

    def new_index(self, config: dict) -> int:
        return self.request({"type": "NewIndex", "config": config})["index_id"]

    def send(self, payload: dict) -> int:
        self._last_id += 1
        message = {"message_id": self._last_id, "payload": payload}
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(base64.b64encode(json.dumps(message).encode("utf-8")) + b",")
        except BrokenPipeError:
            raise self._stopped() from None
        return self._last_id

    def request(self, payload: dict) -> dict:
        message_id = self.send(payload)
        assert self._process.stdin is not None
        try:
            self._process.stdin.flush()
        except BrokenPipeError:
            raise self._stopped() from None
        with self._arrived:
            self._arrived.wait_for(lambda: message_id in self._answers or self._errors or self._reader_done)
            if self._errors:
                raise RuntimeError("; ".join(self._errors))
            if message_id not in self._answers:
                raise self._stopped()
            return self._answers.pop(message_id)

    def _stopped(self) -> RuntimeError:
        return RuntimeError(f"`pagefind --service` stopped (exit code {self._process.wait()})")

    _reader_done = False

    def _read_answers(self) -> None:
        assert self._process.stdout is not None
        pending = b""
        try:
            while chunk := self._process.stdout.read1(1 << 20):
                *messages, pending = (pending + chunk).split(b",")
                with self._arrived:
                    for message in messages:
                        answer = json.loads(base64.b64decode(message))
                        payload = answer.get("payload") or {}
                        if payload.get("type") == "Error":
                            self._errors.append(str(payload.get("message")))
                        elif payload.get("type") in ("NewIndex", "WriteFiles", "DeleteIndex"):
                            self._answers[answer["message_id"]] = payload  # a file's answer is not awaited
                    self._arrived.notify_all()
        finally:
            with self._arrived:
                self._reader_done = True
                self._arrived.notify_all()

    def close(self) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            try:
                self._process.stdin.close()
            except BrokenPipeError:
                pass
        self._process.wait()
        self._reader.join()

    def kill(self) -> None:
        self._process.kill()
        self.close()
