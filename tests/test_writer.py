"""The writer's promise and the caches': `build/docs` is always the whole old tree or the whole new
one, however a build fails or whenever it is killed; builds in one folder never write at once; a
damaged cache is discarded, never trusted; a copied project builds incrementally again after one
build; a read-only folder or a full disk is one line of error.

Failures are injected where the build meets the operating system: the calls that change the file
system (`os.mkdir`, `link`, `symlink`, `rename`, `replace`, `unlink`, `rmdir`, and files opened
for writing) are counted, and the n-th raises or ends the process, for every n of a build."""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import io
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import site_gen.incremental.parse_cache
from site_gen.build import LOCK_FILE, build
from site_gen.incremental.parse_cache import ParseCache
from site_gen.incremental.store import signature
from site_gen.project import Project
from tests.conftest import VALID_PAPER, PaperList
from tests.test_build import OTHER_PAPER, tree_digest

THIRD_PAPER = VALID_PAPER.replace("GaLore:", "Third:").replace("2403.03507", "2403.09999").replace("tags: [llm, low-rank]", "tags: [vision]")
_FILE_SYSTEM_CALLS = ("mkdir", "link", "symlink", "rename", "replace", "unlink", "rmdir")
KILLED = 86  # the exit status of a process ended at the chosen step


@contextmanager
def failing_at(step: int | None, fail: Callable[[str, tuple, Callable], None]) -> Iterator[list[int]]:
    """Count the calls that change the file system; call `fail(name, args, call)` instead of the
    `step`-th (None: only count), `call` making it. Yields the count so far."""
    count = [0]
    real = {name: getattr(os, name) for name in _FILE_SYSTEM_CALLS} | {"open": io.open}

    def counted(name: str) -> Callable:
        def call(*args, **kwargs):
            if _changes_the_file_system(name, args, kwargs):
                count[0] += 1
                if count[0] == step:
                    fail(name, args, lambda: real[name](*args, **kwargs))
            return real[name](*args, **kwargs)

        return call

    for name in _FILE_SYSTEM_CALLS:
        setattr(os, name, counted(name))
    io.open = counted("open")
    try:
        yield count
    finally:
        for name in _FILE_SYSTEM_CALLS:
            setattr(os, name, real[name])
        io.open = real["open"]


def _changes_the_file_system(name: str, args: tuple, kwargs: dict) -> bool:
    """Not a file opened for reading, a folder made where there is one, nor a file removed where
    there is none: no disk fills up then (the system answers EEXIST or ENOENT)."""
    if name == "open":
        return any(letter in (args[1] if len(args) > 1 else kwargs.get("mode", "r")) for letter in "wxa+")
    if "dir_fd" in kwargs or name not in ("mkdir", "unlink", "rmdir"):
        return True
    return os.path.lexists(args[0]) is (name != "mkdir")


def disk_full(name: str, args: tuple, call: Callable) -> None:
    """Raise what the system raises (with the paths it names: of a link or a rename, both)."""
    paths = [os.fsdecode(arg) for arg in args[:2] if isinstance(arg, (str, Path))][: 2 if name in ("link", "symlink", "rename", "replace") else 1]
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), *paths[:1], *([None, *paths[1:]] if len(paths) == 2 else []))


def killed(name: str, args: tuple, call: Callable) -> None:
    """End the process: before the call, but for a file opened for writing, after it (the file
    there and empty, as a write cut short leaves it)."""
    if name == "open":
        call()
    os._exit(KILLED)


def build_in_a_process_killed_at(root: Path, step: int) -> int:
    """Build in a forked process that is ended (no clean-up, no finally) at the `step`-th call."""
    pid = os.fork()
    if pid == 0:
        try:
            with failing_at(step, killed):
                build(Project(root))
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


# --- the states a build may start from, and its edit ---------------------------------------

def two_papers(root: Path) -> PaperList:
    listing = PaperList(root)
    listing.write("galore", VALID_PAPER)
    listing.write("vision-paper", OTHER_PAPER)
    return listing


def edit(listing: PaperList) -> None:
    """Pages change, appear and go (a paper's, a tag's)."""
    listing.write("galore", VALID_PAPER.replace("GaLore:", "GaLore Renamed:"))
    (listing.root / "papers/vision-paper.yml").unlink()
    listing.write("third", THIRD_PAPER)


def nothing_built(root: Path) -> PaperList:
    return two_papers(root)


def incremental(root: Path) -> PaperList:
    """Built three times: both versions of the tree are known to the manifest."""
    listing = two_papers(root)
    build(Project(root))
    listing.write("galore", VALID_PAPER.replace("memory hungry", "memory bound"))
    build(Project(root))
    listing.write("vision-paper", OTHER_PAPER.replace("year: 2023", "year: 2022"))
    build(Project(root))
    return listing


def cache_deleted(root: Path) -> PaperList:
    listing = incremental(root)
    shutil.rmtree(root / "build/cache")
    return listing


def plain_folder_from_an_older_release(root: Path) -> PaperList:
    """build/docs a plain folder, as site-gen wrote it before versions (its cache is stale)."""
    listing = two_papers(root)
    build(Project(root))
    tree = (root / "build/docs").resolve()
    (root / "build/docs").unlink()
    tree.rename(root / "build/docs")
    shutil.rmtree(root / "build/cache")
    return listing


STARTS = [nothing_built, incremental, cache_deleted, plain_folder_from_an_older_release]


def digest_or_none(root: Path) -> dict | None:
    out = root / "build/docs"
    return tree_digest(out) if out.exists() else None


def expected_tree(tmp_path: Path) -> dict:
    listing = two_papers(tmp_path / "expected")
    edit(listing)
    build(Project(listing.root))
    return tree_digest(listing.root / "build/docs")


def assert_left_nothing_behind(root: Path) -> None:
    """Besides the lock and the cache: the link, the version on show and at most the one before."""
    names = sorted(path.name for path in (root / "build").iterdir())
    versions = [name for name in names if name.startswith(".docs.")]
    assert set(names) - set(versions) == {".lock", "cache", "docs"} and len(versions) <= 2 and all(name[6:].isdigit() for name in versions), names
    assert os.readlink(root / "build/docs") in versions
    assert not [path.name for path in (root / "build/cache").iterdir() if path.name.endswith(".tmp")]


def steps_of_the_build(tmp_path: Path, start: Callable[[Path], PaperList]) -> int:
    listing = start(tmp_path / "counted")
    edit(listing)
    with failing_at(None, disk_full) as count:
        build(Project(listing.root))
    return count[0]


@pytest.mark.parametrize("start", STARTS)
def test_a_build_killed_at_any_step_leaves_the_old_tree_or_the_new_one(tmp_path: Path, start):
    new = expected_tree(tmp_path)
    steps = steps_of_the_build(tmp_path, start)
    assert steps > 10
    for step in range(1, steps + 2):
        listing = start(tmp_path / f"step-{step}")
        old = digest_or_none(listing.root)
        edit(listing)
        status = build_in_a_process_killed_at(listing.root, step)
        assert status == (KILLED if step <= steps else 0), f"step {step}"
        assert digest_or_none(listing.root) in (old, new), f"killed at step {step} of {steps}"
        build(Project(listing.root))  # the next build is not misled by what the killed one left
        assert tree_digest(listing.root / "build/docs") == new, f"after being killed at step {step}"
        assert_left_nothing_behind(listing.root)
        shutil.rmtree(listing.root)


@pytest.mark.parametrize("start", STARTS)
def test_a_full_disk_at_any_step_is_one_line_of_error_and_leaves_a_whole_tree(tmp_path: Path, start):
    new = expected_tree(tmp_path)
    steps = steps_of_the_build(tmp_path, start)
    for step in range(1, steps + 1):
        listing = start(tmp_path / f"step-{step}")
        old = digest_or_none(listing.root)
        edit(listing)
        with failing_at(step, disk_full):
            result = listing.run("build")
        if result.exit_code == 0:  # a file that the build can do without (the old release's folder, say)
            assert digest_or_none(listing.root) == new
        else:
            assert result.exit_code == 1, f"step {step}: {result.output}"
            assert result.stderr == "error: cannot write into build/: No space left on device — free some disk space and build again\n", f"step {step}"
            assert digest_or_none(listing.root) in (old, new), f"disk full at step {step} of {steps}"
        assert listing.run("build").exit_code == 0
        assert tree_digest(listing.root / "build/docs") == new, f"after the disk was full at step {step}"
        assert_left_nothing_behind(listing.root)
        shutil.rmtree(listing.root)


def test_unchanged_files_keep_their_inode_and_mtime_across_builds(tmp_path: Path):
    """What MkDocs' dirty builds (`make serve`) and file watchers rely on: a build replaces only
    the files whose content changed, whichever version it writes."""
    listing = incremental(tmp_path / "list")
    out = listing.root / "build/docs"
    for number in range(3):  # each version of the tree in turn
        before = {path: os.stat(out / path) for path in tree_digest(out)}
        listing.write("galore", VALID_PAPER.replace("memory hungry", f"memory hungry ({number})"))
        report = build(Project(listing.root))
        assert set(report.written) == {"papers/galore.md", "categories/training.md", "tags/llm.md", "tags/low-rank.md", "years/2024.md", "papers.json", "feed.xml"}
        for path, stat in before.items():
            now = os.stat(out / path)
            assert ((now.st_ino, now.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)) is (path not in report.written), path


def test_without_hard_links_files_are_copied_with_their_mtime_and_builds_stay_incremental(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """On a file system without hard links (os.link fails as on FAT), an unchanged page is copied
    into the version taken up once, with its mtime, and not again at each build."""
    attempts = []

    def no_hard_links(source, destination, **kwargs):
        attempts.append(str(destination).split(".partial/", 1)[1])
        raise OSError(errno.EPERM, os.strerror(errno.EPERM), source, None, destination)

    monkeypatch.setattr(os, "link", no_hard_links)
    listing = incremental(tmp_path / "list")
    out = listing.root / "build/docs"
    edit(listing)
    report = build(Project(listing.root))
    assert tree_digest(out) == expected_tree(tmp_path)
    for _ in range(2):  # each version of the tree in turn
        mtimes = {path: os.stat(out / path).st_mtime_ns for path in tree_digest(out)}
        attempts.clear()
        written_before, report = report.written, build(Project(listing.root))
        assert report.written == () and sorted(attempts) == sorted(written_before)  # copied: what the build before wrote
        assert {path: os.stat(out / path).st_mtime_ns for path in tree_digest(out)} == mtimes


def test_a_plain_folder_from_an_older_release_becomes_a_link_and_is_removed(tmp_path: Path):
    listing = plain_folder_from_an_older_release(tmp_path / "list")
    (listing.root / "build/docs/stale.md").write_text("from an older release")
    (listing.root / "build/docs.new").mkdir()  # the older release's staging folder, left by a crash
    edit(listing)
    build(Project(listing.root))
    assert (listing.root / "build/docs").is_symlink()
    assert tree_digest(listing.root / "build/docs") == expected_tree(tmp_path)
    build(Project(listing.root))
    assert_left_nothing_behind(listing.root)


def test_two_builds_at_once_in_one_folder_both_succeed_one_after_the_other(tmp_path: Path):
    listing = two_papers(tmp_path / "list")
    for number in range(40):  # enough pages that the two builds overlap
        listing.write(f"extra-{number}", THIRD_PAPER.replace("Third:", f"Extra {number}:").replace("2403.09999", f"2403.{number:05d}"))
    builds = [subprocess.Popen([sys.executable, "-m", "site_gen", "build", "--root", listing.root], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in builds]
    assert [process.returncode for process in builds] == [0, 0], outputs
    for _, stderr in outputs:
        assert stderr in ("", "build: another build is writing here — waiting until it is done\n"), stderr
    cold = tmp_path / "cold"
    shutil.copytree(listing.root, cold, ignore=shutil.ignore_patterns("build"))
    build(Project(cold))
    assert tree_digest(listing.root / "build/docs") == tree_digest(cold / "build/docs")
    assert_left_nothing_behind(listing.root)


def test_a_second_build_waits_for_the_first_and_says_so(tmp_path: Path):
    listing = two_papers(tmp_path / "list")
    build(Project(listing.root))
    edit(listing)
    with open(listing.root / "build" / LOCK_FILE) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a build in another process holds it
        waiting = subprocess.Popen([sys.executable, "-m", "site_gen", "build", "--root", listing.root], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert select.select([waiting.stderr], [], [], 30)[0], "no word from the waiting build"
        assert waiting.stderr.readline() == "build: another build is writing here — waiting until it is done\n"
        time.sleep(0.5)
        assert waiting.poll() is None
        before = tree_digest(listing.root / "build/docs")
    stdout, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and "written" in stdout
    assert tree_digest(listing.root / "build/docs") != before
    assert tree_digest(listing.root / "build/docs") == expected_tree(tmp_path)


def test_a_read_only_build_folder_is_one_line_of_error(tmp_path: Path):
    """A real read-only folder. Root may write anywhere: as root, the build runs without the
    capabilities that let it (setpriv)."""
    listing = two_papers(tmp_path / "list")
    build(Project(listing.root))
    before = tree_digest(listing.root / "build/docs")
    listing.write("galore", VALID_PAPER.replace("GaLore:", "GaLore Renamed:"))
    folders = [listing.root / "build", *(path for path in (listing.root / "build").rglob("*") if path.is_dir() and not path.is_symlink())]
    for path in [*folders, listing.root / "build" / LOCK_FILE]:
        path.chmod(path.stat().st_mode & ~0o222)
    as_a_user = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    try:
        proc = subprocess.run([*as_a_user, sys.executable, "-m", "site_gen", "build", "--root", listing.root], capture_output=True, text=True)
    finally:
        for path in folders:
            path.chmod(path.stat().st_mode | 0o200)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr == "error: cannot write into build/: Permission denied — make build/ writable, or build a copy of the list where you can write\n"
    assert tree_digest(listing.root / "build/docs") == before


CACHE_FILES = ["output-manifest.pickle", "parse-index.marshal", "parse-results.pickle", "pieces.pickle", "small-pieces.pickle", "section-keys.pickle"]


@pytest.mark.parametrize("name", CACHE_FILES)
@pytest.mark.parametrize("where", [0.0, 0.5, 1.0], ids=["first byte", "middle", "last byte"])
def test_a_damaged_cache_file_is_discarded(tmp_path: Path, name: str, where: float):
    listing = incremental(tmp_path / "list")
    damaged = listing.root / "build/cache" / name
    data = bytearray(damaged.read_bytes())
    data[min(int(len(data) * where), len(data) - 1)] ^= 0x10
    damaged.write_bytes(bytes(data))
    (listing.root / "build/docs/categories/training.md").unlink()  # rendered again, from the caches
    edit(listing)
    build(Project(listing.root))
    assert tree_digest(listing.root / "build/docs") == expected_tree(tmp_path)


def test_a_flipped_bit_in_a_cached_abstract_is_never_published(tmp_path: Path):
    """The review's case: one bit of the pieces cache changed 'memory hungry' to 'memory iungry'
    in a listing, and it stayed through every build after."""
    listing = two_papers(tmp_path / "list")
    build(Project(listing.root))
    pieces = listing.root / "build/cache/pieces.pickle"
    data = pieces.read_bytes()
    assert data.count(b"memory hungry") >= 1
    pieces.write_bytes(data.replace(b"memory hungry", b"memory iungry"))  # 'h' ^ 1
    (listing.root / "build/docs/categories/training.md").unlink()
    listing.write("vision-paper", OTHER_PAPER.replace("year: 2023", "year: 2022"))
    for _ in range(2):
        build(Project(listing.root))
        pages = "".join((listing.root / "build/docs" / path).read_text() for path in tree_digest(listing.root / "build/docs"))
        assert "iungry" not in pages and "memory hungry" in pages


def renders_of_paper_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paper pages rendered from now on (by the memo's template calls)."""
    import functools

    import site_gen.incremental.memo

    made: list[str] = []
    real = site_gen.incremental.memo.render
    monkeypatch.setattr(site_gen.incremental.memo, "render", functools.wraps(real)(lambda name, *args, **inputs: (name == "paper.md.j2" and made.append(name)) or real(name, *args, **inputs)))
    return made


@pytest.mark.parametrize("copy", [["cp", "-a"], ["cp", "-r"]], ids=["cp -a", "cp -r"])
def test_a_copied_project_builds_incrementally_again_after_one_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copy: list[str]):
    # Files newer than this at the last save are read again: short, so the test need not wait 2 s.
    monkeypatch.setattr(site_gen.incremental.parse_cache, "_RACY_NS", 200_000_000)
    listing = incremental(tmp_path / "list")
    subprocess.run([*copy, listing.root, tmp_path / "copy"], check=True)
    copied = PaperList.existing(tmp_path / "copy")
    assert (copied.root / "build/docs").is_symlink()
    made = renders_of_paper_pages(monkeypatch)
    build(Project(copied.root))  # inodes and ctimes (and with cp -r mtimes) differ: files are compared
    time.sleep(0.3)
    build(Project(copied.root))
    made.clear()
    report = build(Project(copied.root))
    assert made == [] and report.written == ()
    cache = ParseCache.load(copied.root / "build/cache", dt.date.today())
    paper_files = Project(copied.root).paper_file_names()
    assert all(cache.known_key(f"papers/{name}", signature(os.stat(copied.root / "papers" / name))) for name in paper_files)
    copied.write("galore", VALID_PAPER.replace("memory hungry", "memory heavy"))
    build(Project(copied.root))
    assert made == ["paper.md.j2"]
    cold = tmp_path / "cold"
    shutil.copytree(copied.root, cold, ignore=shutil.ignore_patterns("build"))
    build(Project(cold))
    assert tree_digest(copied.root / "build/docs") == tree_digest(cold / "build/docs")


def test_an_edit_remakes_the_pieces_of_one_stretch_of_each_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The exports and the table of all papers hold their papers' pieces in stretches of
    STRETCH (site_gen/incremental/memo.py): after an edit of one paper, a build asks for the pieces
    of that paper's stretch, not of every paper, and writes what a cold build writes."""
    import site_gen.incremental.memo as memo

    words = ["amber", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath", "inlet", "jade"]
    listing = PaperList(tmp_path / "list")
    papers = 2 * memo.STRETCH + 50
    for number in range(papers):
        title = " ".join(words[int(digit)] for digit in f"{number:03d}")
        listing.write(f"p{number:03d}", VALID_PAPER.replace("GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection", f"Recall of {title} memories")
                      .replace('"2403.03507"', f'"2403.{10000 + number}"'))
    build(Project(listing.root))
    made: list[tuple[str, tuple[str, ...]]] = []  # the stretches whose pieces were asked for: (what makes them, their papers)
    real_pieces = memo.Stretch.pieces

    def pieces(stretch: memo.Stretch):
        if stretch._pieces is None:
            made.append((memo._name(stretch.make), tuple(paper.id for paper in stretch.papers)))
        return real_pieces(stretch)

    monkeypatch.setattr(memo.Stretch, "pieces", pieces)
    edited = listing.root / "papers" / "p123.yml"
    edited.write_text(edited.read_text(encoding="utf-8") + "note: A curator's remark.\n", encoding="utf-8")
    report = build(Project(listing.root))
    # The note is in papers.json only, which is written again from every paper's piece.
    assert "papers.json" in report.written and not {"papers.bib", "papers.ris", "papers.csl.json", "papers/index.md"} & set(report.written)
    for export in ("site_gen.exports.bibtex_entry", "site_gen.exports.ris_entry", "site_gen.exports.csl_item", "paper_row.md.j2"):
        [stretch] = [papers for make, papers in made if make == export]
        assert "p123" in stretch and len(stretch) == memo.STRETCH, export
    cold = tmp_path / "cold"
    shutil.copytree(listing.root, cold, ignore=shutil.ignore_patterns("build"))
    build(Project(cold))
    assert tree_digest(listing.root / "build/docs") == tree_digest(cold / "build/docs")


def test_the_live_preview_reports_a_file_system_failure_in_one_line(paper_list):
    """`mkdocs serve` regenerates through the plugin: a build folder it cannot write is a
    PluginError (MkDocs prints it as one line and keeps serving), never a traceback."""
    from mkdocs.exceptions import PluginError

    from site_gen.mkdocs.serve import regenerate
    from site_gen.project import Project

    (paper_list.root / "build").write_text("not a folder")
    with pytest.raises(PluginError, match=r"^paper-list: .*build.* — ") as raised:
        regenerate(Project(paper_list.root))
    assert "\n" not in str(raised.value)
