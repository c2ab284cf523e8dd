"""`make serve` (`mkdocs serve --livereload --dirty`) on a copy of the seed list: a saved edit
shows on its page, the pages the edit left alone stay served as they were, an edit that breaks
the list is reported and the next good one shows. A real MkDocs server, polled over HTTP."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from site_gen.mkdocs.serve import REBUILT_TREE
from tests.sitebuild import BIN, copy_repository_list, generate

LIVERELOAD_SCRIPT = re.compile(r"<script>\s*var livereload = function.*?</script>(?=</body>)", re.S)
PAPER = "galore"
OTHER = "natural-galore"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str:
    """The page as built: without the script the server adds to every page it serves (which
    carries the site's version and a request number)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError):  # not served yet, or between two builds
        return ""
    return LIVERELOAD_SCRIPT.sub("", page)


def wait_for(url: str, text: str, limit: float = 60) -> str:
    deadline = time.monotonic() + limit
    while text not in (page := fetch(url)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not show {text!r} within {limit:.0f} s")
        time.sleep(0.1)
    return page


@pytest.fixture
def preview(tmp_path):
    root = copy_repository_list(tmp_path / "list")
    port = free_port()
    generate(root, site_url=f"http://127.0.0.1:{port}/")
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [BIN / "mkdocs", "serve", "--livereload", "--dirty", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=root, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": f"http://127.0.0.1:{port}/"},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/papers/{PAPER}/", "</html>")
        yield root, f"http://127.0.0.1:{port}", tmp_path / "serve.log"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        log.close()


def edit(paper: Path, note: str) -> None:
    time.sleep(1)  # the previous rebuild is over: a change is seen once
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.split("\nnote:")[0].rstrip("\n") + f"\nnote: {note}\n", encoding="utf-8")


def test_an_edit_shows_and_the_pages_it_left_alone_stay_served(preview):
    root, base, log = preview
    other_before = fetch(f"{base}/papers/{OTHER}/")
    assert "</html>" in other_before
    edit(root / "papers" / f"{PAPER}.yml", "First live edit.")
    wait_for(f"{base}/papers/{PAPER}/", "First live edit.")
    edit(root / "papers" / f"{PAPER}.yml", "Second live edit.")
    page = wait_for(f"{base}/papers/{PAPER}/", "Second live edit.")
    assert "First live edit." not in page
    # Left out of the rebuilds (site_gen/mkdocs/serve.py), still served as the first build wrote it.
    assert fetch(f"{base}/papers/{OTHER}/") == other_before
    # A hand-written page is rebuilt too.
    about = root / "docs" / "about.md"
    time.sleep(1)
    about.write_text(about.read_text(encoding="utf-8") + "\nA live line on the about page.\n", encoding="utf-8")
    wait_for(f"{base}/about/", "A live line on the about page.")


def test_a_rebuilt_page_is_the_page_a_whole_build_makes(preview, tmp_path):
    """A rebuild after an edit reads only the pages it builds and what they link to, the pages of
    the nav, the hand-written ones and the files at the generated tree's root
    (site_gen/mkdocs/serve.py): what it builds is what `mkdocs build` makes of the whole tree,
    links and all."""
    import yaml

    root, base, log = preview
    papers = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in (root / "papers").glob("[!_]*.yml")}
    newest = max(papers, key=lambda paper_id: (str(papers[paper_id]["added"]), paper_id))
    taxonomy = yaml.safe_load((root / "papers" / "_taxonomy.yml").read_text(encoding="utf-8"))
    new_tag = next(tag["slug"] for tag in taxonomy["tags"] if tag["slug"] not in papers[newest]["tags"])

    def retitled(paper_id: str, title: str, tags: list[str] | None = None) -> None:
        fields = {**papers[paper_id], "title": title, **({"tags": tags} if tags else {})}
        (root / "papers" / f"{paper_id}.yml").write_text(yaml.safe_dump(fields, sort_keys=False, allow_unicode=True), encoding="utf-8")

    edits = [
        # A new title moves the paper in its listings: its category's, tags', authors', year's, venue's.
        (lambda: retitled(PAPER, "GaLore Retitled: Memory-Efficient LLM Training"), "GaLore Retitled",
         [f"papers/{PAPER}/", "categories/memory-efficient-training/", "tags/low-rank/", "years/2024/", "papers/", "authors/zhenyu-zhang/", "venues/icml/"]),
        # The newest paper is on the home page, which links to its page; a tag more changes the
        # tags' index, which links to every tag's page.
        (lambda: retitled(newest, "Newest Retitled", [*papers[newest]["tags"], new_tag]), "Newest Retitled",
         ["", f"papers/{newest}/", f"tags/{new_tag}/", f"categories/{papers[newest]['category']}/"]),
    ]
    for number, (edit_the_list, shown, pages) in enumerate(edits):
        built = log.read_text(encoding="utf-8").count("Documentation built")
        time.sleep(1)
        edit_the_list()
        deadline = time.monotonic() + 60
        while log.read_text(encoding="utf-8").count("Documentation built") == built:
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        rebuild = log.read_text(encoding="utf-8").split("Documentation built")[built]
        assert "Building documentation" in rebuild and not re.search(r"WARNING(?!.*'dirty' build)", rebuild), rebuild
        read = {path.relative_to(root / "build" / REBUILT_TREE).as_posix() for path in (root / "build" / REBUILT_TREE).rglob("*.md")}
        assert "papers/agent-k.md" not in read  # a paper of another category, shown on no page the edits change
        site = tmp_path / f"whole-{number}"
        subprocess.run(
            [BIN / "mkdocs", "build", "--strict", "--site-dir", site], cwd=root, check=True, capture_output=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": f"{base}/"},
        )
        for page in pages:
            whole = (site / page / "index.html").read_text(encoding="utf-8")
            assert shown in whole, page
            assert fetch(f"{base}/{page}") == whole, page
    # The last rebuild read what the pages it built link to, no more.
    assert {f"papers/{newest}.md", f"tags/{new_tag}.md", "index.md", "tags/index.md"} <= read


def test_a_rebuild_reads_the_pages_to_build_the_nav_and_the_hand_written_and_root_files(tmp_path):
    from mkdocs.config import load_config

    from site_gen.mkdocs.serve import hand_written, tree_to_rebuild
    from site_gen.project import Project

    root = copy_repository_list(tmp_path / "list")
    generate(root)
    project = Project(root)
    tree = project.output_dir.resolve()
    config = load_config(str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)  # as a build does: the docs folder is the generated tree
    to_build = frozenset({f"papers/{PAPER}.md", "tags/low-rank.md"})
    docs = hand_written(project)
    assert docs == {path.relative_to(root / "docs").as_posix() for path in (root / "docs").rglob("*") if path.is_file()} and "about.md" in docs
    folder = tree_to_rebuild(project, config, to_build, docs)
    assert folder == root / "build" / REBUILT_TREE
    read = {path.relative_to(folder).as_posix(): path for path in folder.rglob("*") if not path.is_dir()}
    assert docs <= read.keys() and to_build <= read.keys()
    assert {".nav.yml", "index.md", "papers.json", "papers.bib", "feed.xml", "categories/index.md", "authors/index.md", "papers/index.md"} <= read.keys()
    assert f"papers/{OTHER}.md" not in read and not any(path.startswith("authors/") and path != "authors/index.md" for path in read)
    assert all(path.is_symlink() and path.resolve() == tree / name for name, path in read.items())
    # Remade for each rebuild: nothing of the last one's is left.
    assert f"papers/{PAPER}.md" not in {path.relative_to(folder).as_posix() for path in tree_to_rebuild(project, config, frozenset(), docs).rglob("*")}
    # A hand-written page may link to any generated page, and another plugin may look for any file.
    assert tree_to_rebuild(project, config, to_build | {"about.md"}, docs) is None
    with_search = load_config(str(root / "mkdocs.yml"), plugins=["paper-list", "search"])
    assert tree_to_rebuild(project, with_search.plugins.on_config(with_search), to_build, docs) is None
    # Where the folder cannot be made (here a file is in its place), the whole tree, not a traceback.
    shutil.rmtree(folder)
    folder.write_text("in the way", encoding="utf-8")
    assert tree_to_rebuild(project, config, to_build, docs) is None


def test_an_edit_is_built_once_and_the_preview_then_stays_idle(preview):
    """Building reads the sources: reading is no change to watch (inotify reports it as opening
    and closing files), else every build would start the next. A save's events are built once,
    also when the editor writes a temporary file and renames it over the paper's, renames the
    paper away and writes a new one, or pauses while writing."""
    root, base, log = preview
    paper = root / "papers" / f"{PAPER}.yml"
    builds = log.read_text(encoding="utf-8").count("Building documentation")
    edit(paper, "Built once.")
    wait_for(f"{base}/papers/{PAPER}/", "Built once.")
    time.sleep(3)
    assert log.read_text(encoding="utf-8").count("Building documentation") == builds + 1
    saved = paper.with_name(f".{paper.name}.swp")
    saved.write_text(paper.read_text(encoding="utf-8").replace("Built once.", "Saved by renaming."), encoding="utf-8")
    os.replace(saved, paper)
    wait_for(f"{base}/papers/{PAPER}/", "Saved by renaming.")
    time.sleep(3)
    assert log.read_text(encoding="utf-8").count("Building documentation") == builds + 2
    # A writer that stalls between emptying the file and writing it: the file is built once closed.
    with paper.open("r+", encoding="utf-8") as writing:
        text = writing.read().replace("Saved by renaming.", "Written slowly.")
        writing.seek(0)
        writing.truncate()
        writing.flush()
        time.sleep(0.3)
        writing.write(text)
    wait_for(f"{base}/papers/{PAPER}/", "Written slowly.")
    time.sleep(3)
    assert log.read_text(encoding="utf-8").count("Building documentation") == builds + 3
    assert "error" not in log.read_text(encoding="utf-8").lower()
    # Vim's save: the paper renamed to its backup, a new one written (slowly), the backup deleted.
    backup = paper.with_name(f"{paper.name}~")
    os.replace(paper, backup)
    with paper.open("w", encoding="utf-8") as writing:
        time.sleep(0.3)
        writing.write(backup.read_text(encoding="utf-8").replace("Written slowly.", "Saved as Vim does."))
    backup.unlink()
    wait_for(f"{base}/papers/{PAPER}/", "Saved as Vim does.")
    time.sleep(3)
    assert log.read_text(encoding="utf-8").count("Building documentation") == builds + 4
    assert "error" not in log.read_text(encoding="utf-8").lower()
    # What editors write beside the papers they edit, and notes kept there, build nothing.
    saved.write_text("an editor's swap file", encoding="utf-8")
    backup.write_text("a backup", encoding="utf-8")
    (paper.parent / f".#{paper.name}").symlink_to("someone@host.1234")  # Emacs' lock
    (root / "papers" / "notes.txt").write_text("a maintainer's note", encoding="utf-8")
    time.sleep(3)
    assert log.read_text(encoding="utf-8").count("Building documentation") == builds + 4


def test_a_broken_edit_is_reported_and_the_next_good_one_shows(preview):
    root, base, log = preview
    paper = root / "papers" / f"{PAPER}.yml"
    original = paper.read_text(encoding="utf-8")
    time.sleep(1)
    paper.write_text(original.replace("\nyear:", "\nyear: not a year\nyear_again:"), encoding="utf-8")
    deadline = time.monotonic() + 60
    while f"{PAPER}.yml" not in log.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
        time.sleep(0.2)
    paper.write_text(original, encoding="utf-8")
    edit(paper, "Fixed and edited.")
    wait_for(f"{base}/papers/{PAPER}/", "Fixed and edited.")


def test_the_config_file_is_still_watched_once_the_sources_are_watched_by_events(preview):
    root, base, log = preview
    builds = log.read_text(encoding="utf-8").count("Building documentation")
    time.sleep(1)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# a saved edit of the config\n", encoding="utf-8")
    deadline = time.monotonic() + 60
    while log.read_text(encoding="utf-8").count("Building documentation") == builds:
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
        time.sleep(0.2)


def test_watched_paths_move_from_polling_to_file_events(tmp_path):
    from mkdocs.livereload import LiveReloadServer
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    from site_gen.mkdocs.serve import SAVE_SETTLES, watch_by_events

    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\n", encoding="utf-8")
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.watch(str(tmp_path))
    server.watch(str(config))
    server.watch(str(tmp_path))  # twice, as two plugins may
    assert type(server.observer) is PollingObserver
    assert server.build_delay == 0.1
    watch_by_events(server, lambda path: True)
    assert isinstance(server.observer, Observer) and Observer is not PollingObserver  # inotify here, on Linux
    assert server.build_delay == SAVE_SETTLES
    assert server._watched_paths == {str(tmp_path): 2, str(config): 1}
    assert sorted(getattr(e.watch, "raw_path", e.watch.path) for e in server.observer.emitters) == [str(tmp_path), str(config)]
    server.unwatch(str(tmp_path))
    server.unwatch(str(tmp_path))
    server.unwatch(str(config))
    assert not server.observer.emitters


def test_a_change_starts_a_build_only_in_the_files_the_site_is_made_of(tmp_path):
    from site_gen.mkdocs.serve import made_of_the_site
    from site_gen.project import Project

    root = tmp_path / "list"
    made_of = made_of_the_site(Project(root))
    for path, built in {
        "papers/galore.yml": True, "papers/_taxonomy.yml": True,
        "papers/misnamed.yaml": True, "papers/old/galore.yml": True,  # reported as misplaced
        "papers/.galore.yml.swp": False, "papers/galore.yml~": False, "papers/.#galore.yml": False, "papers/4913": False,
        "papers/_drafts/galore.yml": False, "papers/_notes.yml": False, "papers/notes.txt": False, "papers/.git/galore.yml": False,
        # Copied into the generated tree, whatever their names: plugins may read hidden files.
        "docs/about.md": True, "docs/assets/logo.svg": True, "docs/.meta.yml": True, "docs/.about.md.swp": True,
        "mkdocs.yml": True, "overrides/main.html": True,
    }.items():
        assert made_of(str(root / path)) is built, path


def test_a_file_is_given_to_the_server_once_it_is_written_and_closed(tmp_path):
    """With inotify, which reports closes. What is not made of the site (here all but .yml files
    not hidden) is never given; a change no close follows (a link made, a file deleted) is given
    after WRITE_ENDS."""
    from mkdocs.livereload import LiveReloadServer
    from watchdog.events import FileClosedEvent, FileCreatedEvent, FileDeletedEvent, FileSystemEventHandler

    from site_gen.mkdocs.serve import WRITE_ENDS, watch_by_events

    given: list[tuple[type, str, float]] = []
    recorder = FileSystemEventHandler()
    recorder.on_any_event = lambda event: given.append((type(event), Path(event.src_path).name, time.monotonic()))
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.watch(str(tmp_path))
    watch_by_events(server, lambda path: Path(path).suffix == ".yml" and not Path(path).name.startswith("."))
    server.observer.schedule(recorder, str(tmp_path))
    server.observer.start()
    try:
        with (tmp_path / "paper.yml").open("w", encoding="utf-8") as writing:
            writing.write("title: A paper\n")
            writing.flush()
            time.sleep(0.3)
            writing.write("year: 2024\n")
        closed = time.monotonic()
        (tmp_path / ".paper.yml.swp").write_text("swap", encoding="utf-8")
        (tmp_path / "after.yml").write_text("title: Written after the swap file\n", encoding="utf-8")  # events come in order

        def given_at_least(count: int, limit: float = 10) -> list[tuple[type, str]]:
            deadline = time.monotonic() + limit
            while len(given) < count:
                assert time.monotonic() < deadline, given
                time.sleep(0.05)
            return [(kind, name) for kind, name, _ in given]

        assert given_at_least(2) == [(FileClosedEvent, "paper.yml"), (FileClosedEvent, "after.yml")]
        assert given[0][2] >= closed
        # Renamed away and written again, as Vim saves: given once, when the new file is closed.
        os.replace(tmp_path / "paper.yml", tmp_path / "paper.yml~")
        time.sleep(0.3)
        (tmp_path / "paper.yml").write_text("title: A paper, saved again\n", encoding="utf-8")
        assert given_at_least(3)[2:] == [(FileClosedEvent, "paper.yml")]
        # Changes no close follows are given WRITE_ENDS later, by one thread however many they are.
        threads = threading.active_count()
        made = time.monotonic()
        for number in range(300):
            (tmp_path / f"link-{number}.yml").symlink_to("paper.yml")
        (tmp_path / "after.yml").unlink()
        time.sleep(0.3)
        assert len(given) == 3 and threading.active_count() <= threads + 1
        assert given_at_least(3 + 301, WRITE_ENDS + 10)[3:] == [*((FileCreatedEvent, f"link-{number}.yml") for number in range(300)), (FileDeletedEvent, "after.yml")]
        assert min(at for _, _, at in given[3:]) - made >= WRITE_ENDS * 0.9
    finally:
        server.observer.stop()
        server.observer.join()


class Cycle:
    """Garbage that only the cycle collector frees."""

    def __init__(self, freed: list[str], name: str):
        self.itself, self.freed, self.name = self, freed, name

    def __del__(self):
        self.freed.append(self.name)


def test_a_rebuild_runs_without_the_cycle_collector_and_its_garbage_is_freed_once_idle():
    import gc

    from site_gen.mkdocs.serve import CollectedWhenIdle

    freed: list[str] = []
    collection = CollectedWhenIdle(idle_after=0.2)
    assert gc.isenabled()
    try:
        collection.pause()
        assert not gc.isenabled()
        Cycle(freed, "first rebuild's")
        collection.resume_when_idle()
        assert not gc.isenabled() and freed == []  # the browser reloads meanwhile
        deadline = time.monotonic() + 10
        while not freed:
            assert time.monotonic() < deadline, "the idle collection never ran"
            time.sleep(0.05)
        assert freed == ["first rebuild's"] and gc.isenabled()
        # An edit before the preview was idle: its rebuild frees the last one's garbage first.
        collection.pause()
        Cycle(freed, "second rebuild's")
        collection.resume_when_idle()
        collection.pause()
        assert freed == ["first rebuild's", "second rebuild's"] and not gc.isenabled()
        collection.resume_when_idle()
        time.sleep(0.4)  # the collection that was cancelled does not run twice, and cannot fail
        assert gc.isenabled()
    finally:
        gc.enable()
