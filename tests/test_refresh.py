"""`site-gen refresh`: the DOI and venue of arXiv papers from arXiv's and Crossref's recorded answers.

arXiv is replayed from tests/fixtures/arxiv/refresh-batch.xml (one feed of several entries, in the
API's Atom format): a request for `id_list=a,b,c` is answered with the entries of the ids asked
for, as arXiv answers. Crossref and DataCite are test_add's replay of their recorded JSON.
"""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from site_gen import arxiv, doi, refresh
from site_gen.field_insert import CannotInsert, with_fields
from site_gen.project import Project
from tests.conftest import PaperList
from tests.replay import serving
from tests.sitebuild import copy_repository_list
from tests.test_add import FIXTURES, ArxivReplay, RegistryReplay, registries  # noqa: F401 (a fixture)

RECORDED_FEED = FIXTURES / "refresh-batch.xml"
_ATOM = "{http://www.w3.org/2005/Atom}"
TODAY = dt.date(2026, 12, 1)

# The seed list's arXiv-only papers the recorded feed has news of, and the lines refresh adds to
# each: (the line they follow, the new lines).
EXPECTED_INSERTIONS = {
    "agent-k.yml": [("year: 2024\n", "venue: Proc. Kaggle Symp. 2025, pp. 1-10\n")],
    "atlas.yml": [
        # Longer than 80 characters: folded, as the project's writer writes long text.
        ("year: 2025\n", "venue: >-\n  Proceedings of the 28th ACM SIGKDD Conference on Knowledge Discovery and Data Mining\n"),
        # Crossref's record is a proceedings-article.
        ("Knowledge Discovery and Data Mining\n", "venue_type: conference\n"),
        ("arxiv: '2505.23735'\n", "doi: 10.1145/3534678.3539321\n"),
    ],
    "axial-attention.yml": [
        ("year: 2019\n", "venue: 'J. Example Res. 12 (2020) 3|4: \"axial\"'\n"),
        ("arxiv: '1912.12180'\n", "doi: 10.9999/unregistered.2020.1\n"),
    ],
    # It has a venue, which stays: only the DOI is added.
    "apollo.yml": [("arxiv: '2412.05270'\n", "doi: 10.1109/TNN.2008.2005605\n")],
}


class ArxivBatchReplay(ArxivReplay):
    """arXiv's API from one recorded feed: each request gets the entries of the ids it asks for.
    `failures` are HTTP statuses to answer with first, one per request."""

    def __init__(self):
        super().__init__()
        self.failures: list[int] = []

    def answer(self, path: str) -> tuple[int, str, bytes]:
        if self.failures:
            return self.failures.pop(0), "text/plain", b"Service Unavailable"
        asked = set(parse_qs(urlsplit(path).query).get("id_list", [""])[0].split(","))
        feed = ET.fromstring(RECORDED_FEED.read_bytes())
        for entry in feed.findall(f"{_ATOM}entry"):
            if arxiv.parse_arxiv_id(entry.find(f"{_ATOM}id").text.rpartition("/abs/")[2]).id not in asked:
                feed.remove(entry)
        return 200, "application/atom+xml; charset=utf-8", ET.tostring(feed, encoding="utf-8")


@pytest.fixture
def arxiv_api():
    with serving(ArxivBatchReplay()) as server:
        yield server


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    return copy_repository_list(tmp_path / "seed")


@pytest.fixture
def waits(monkeypatch, arxiv_api: ArxivBatchReplay, registries: RegistryReplay) -> list[float]:  # noqa: F811 (fixture)
    """The command's waits, recorded instead of slept; the registries are the replays."""
    recorded: list[float] = []
    monkeypatch.setattr(refresh, "Registries", functools.partial(refresh.Registries, wait=recorded.append))
    monkeypatch.setenv(arxiv.API_URL_ENV, arxiv_api.url)
    monkeypatch.setenv(doi.CROSSREF_API_ENV, registries.url("crossref"))
    monkeypatch.setenv(doi.DATACITE_API_ENV, registries.url("datacite"))
    return recorded


def run_refresh(root: Path, *args: str):
    return PaperList.existing(root).run("refresh", *args)


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file() and "build" not in path.parts}


def expected_seed_after_refresh(before: dict[str, bytes]) -> dict[str, bytes]:
    expected = dict(before)
    for name, insertions in EXPECTED_INSERTIONS.items():
        text = expected[f"papers/{name}"].decode("utf-8")
        for after, line in insertions:
            assert text.count(after) == 1
            text = text.replace(after, after + line)
        expected[f"papers/{name}"] = text.encode("utf-8")
    return expected


# --- the seed list ------------------------------------------------------------------------------


def test_refresh_adds_exactly_the_expected_lines_and_keeps_every_other_byte(seed: Path, waits: list[float], arxiv_api: ArxivBatchReplay):
    before = files(seed)
    result = run_refresh(seed)
    assert result.exit_code == 0, result.output

    assert files(seed) == expected_seed_after_refresh(before)
    assert PaperList.existing(seed).check().exit_code == 0
    # The seed list's 173 candidates in two requests, 3 s apart; two DOIs' records, 1 s apart.
    assert [len(ids.split(",")) for ids in arxiv_api.requested_ids()] == [100, 73]
    assert waits == [refresh.ARXIV_PAUSE_SECONDS, refresh.CROSSREF_PAUSE_SECONDS]
    out = result.stdout
    assert 'papers/agent-k.yml: venue "Proc. Kaggle Symp. 2025, pp. 1-10" from arXiv\'s journal_ref' in out
    assert ("papers/atlas.yml: doi 10.1145/3534678.3539321 from arXiv's doi and venue \"Proceedings of the 28th ACM SIGKDD "
            "Conference on Knowledge Discovery and Data Mining\" from the record of DOI 10.1145/3534678.3539321") in out
    assert "papers/apollo.yml: doi 10.1109/TNN.2008.2005605 from arXiv's doi\n" in out
    assert "4 file(s) changed (3 DOI(s), 3 venue(s))" in out


def test_dry_run_prints_the_changes_and_writes_nothing(seed: Path, waits: list[float]):
    before = files(seed)
    result = run_refresh(seed, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "papers/agent-k.yml: venue" in result.stdout and "4 file(s) would change" in result.stdout
    assert "dry run: nothing written" in result.stdout
    assert files(seed) == before
    assert not (seed / "build").exists()  # not even the cache


def test_a_second_run_asks_nothing_and_a_damaged_cache_is_ignored(seed: Path, waits: list[float], arxiv_api: ArxivBatchReplay,
                                                                  registries: RegistryReplay):  # noqa: F811 (fixture)
    assert run_refresh(seed, "--dry-run").exit_code == 0 and len(arxiv_api.requests) == 2  # a dry run keeps no cache
    assert run_refresh(seed).exit_code == 0
    asked = len(arxiv_api.requests), len(registries.requests)
    result = run_refresh(seed)
    assert result.exit_code == 0 and (len(arxiv_api.requests), len(registries.requests)) == asked
    assert "0 paper(s) asked of arXiv" in result.stdout and "asked no registry" in result.stdout

    cache = seed / "build" / "cache" / refresh.CACHE_FILE
    damaged = bytearray(cache.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    cache.write_bytes(bytes(damaged))
    result = run_refresh(seed)
    assert result.exit_code == 0, result.output
    assert len(arxiv_api.requests) == asked[0] + 2


def test_an_answer_older_than_max_age_is_asked_again(seed: Path, waits: list[float], arxiv_api: ArxivBatchReplay):
    project = Project(seed)
    answers = refresh.Answers()
    refresh.refresh(project, refresh.Registries(wait=waits.append), answers, TODAY, max_age=7)
    assert len(arxiv_api.requests) == 2
    refresh.refresh(project, refresh.Registries(wait=waits.append), answers, TODAY + dt.timedelta(days=6), max_age=7)
    assert len(arxiv_api.requests) == 2
    refresh.refresh(project, refresh.Registries(wait=waits.append), answers, TODAY + dt.timedelta(days=7), max_age=7)
    assert len(arxiv_api.requests) == 4


def test_an_unreachable_arxiv_gives_exit_2_in_one_line_and_writes_nothing(seed: Path, monkeypatch):
    recorded: list[float] = []
    monkeypatch.setattr(refresh, "Registries", functools.partial(refresh.Registries, wait=recorded.append))
    before = files(seed)
    result = run_refresh(seed)  # conftest points arXiv at a closed port
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert "could not ask arXiv" in result.stderr and "Nothing was written" in result.stderr
    assert files(seed) == before and not (seed / "build").exists()
    assert recorded == [refresh.BACKOFF_SECONDS, 2 * refresh.BACKOFF_SECONDS]  # tried three times


def test_github_format_writes_the_table_for_the_pull_request(seed: Path, waits: list[float], tmp_path: Path, monkeypatch):
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    table = tmp_path / "pull-request.md"
    assert run_refresh(seed, "--format", "github", "--table", str(table)).exit_code == 0
    body = table.read_text(encoding="utf-8")
    assert "| File | Field | New value | From |" in body
    # A `|` in arXiv's text would end the cell; GitHub's Markdown is escaped.
    assert "| papers/axial-attention.yml | venue | J. Example Res. 12 (2020) 3\\|4: \"axial\" | arXiv's journal\\_ref |" in body
    assert "| papers/atlas.yml | venue_type | conference | the type of DOI 10.1145/3534678.3539321's record |" in body
    assert body.count("\n| papers/") == 7
    assert outputs.read_text(encoding="utf-8") == "changed=4\nbranch=\n"


def test_one_request_gives_every_paper_arxiv_has_among_the_ids(arxiv_api: ArxivBatchReplay):
    papers = arxiv.fetch_batch(["2411.03562", "2508.16153", "2401.99999"], arxiv_api.url)
    assert set(papers) == {"2411.03562", "2508.16153"}  # the unknown id is left out
    assert papers["2411.03562"].journal_ref == "Proc. Kaggle Symp. 2025, pp. 1-10" and papers["2508.16153"].doi is None
    assert arxiv_api.requested_ids() == ["2411.03562,2508.16153,2401.99999"]


# --- a small list -------------------------------------------------------------------------------


def paper(arxiv_id: str, title: str, extra: str = "") -> str:
    return f"""\
        title: {title}
        authors: [Ada Lovelace]
        year: 2020
        arxiv: "{arxiv_id}"
        {extra}
        category: training
        tags: [llm]
        added: 2024-01-02
        """


def test_ids_are_asked_100_at_a_time_3_seconds_apart(tmp_path: Path, arxiv_api: ArxivBatchReplay):
    listing = PaperList(tmp_path / "list")
    for number in range(250):
        listing.write(f"paper-{number}", paper(f"2401.{number:05d}", f"Paper number {number}"))
    waits: list[float] = []
    outcome = refresh.refresh(Project(listing.root), refresh.Registries(arxiv_api.url, wait=waits.append), refresh.Answers(), TODAY, 7)
    assert [len(ids.split(",")) for ids in arxiv_api.requested_ids()] == [100, 100, 50]
    assert all(f"max_results={size}" in path for path, size in zip(arxiv_api.requests, (100, 100, 50)))
    assert waits == [refresh.ARXIV_PAUSE_SECONDS] * 2
    assert outcome.changes == [] and outcome.asked == 250


def test_a_server_error_is_retried_twice_with_backoff(seed: Path, waits: list[float], arxiv_api: ArxivBatchReplay):
    arxiv_api.failures = [503, 502]
    result = run_refresh(seed)
    assert result.exit_code == 0, result.output
    assert len(arxiv_api.requests) == 4  # the first batch three times, then the second
    assert waits[:2] == [refresh.BACKOFF_SECONDS, 2 * refresh.BACKOFF_SECONDS]
    assert "4 file(s) changed" in result.stdout


def test_a_value_a_maintainer_wrote_is_never_replaced(tmp_path: Path, waits: list[float]):
    listing = PaperList(tmp_path / "list")
    # arXiv gives a DOI and a journal_ref for both.
    listing.write("atlas", paper("2505.23735", "ATLAS", 'doi: "10.5555/my.own.doi"'))
    listing.write("apollo", paper("2412.05270", "APOLLO", "venue: arXiv preprint"))
    before = files(listing.root)
    result = run_refresh(listing.root)
    assert result.exit_code == 0, result.output
    after = files(listing.root)
    # atlas keeps its DOI; its venue comes from its own DOI's record, which no registry knows,
    # so from arXiv's journal_ref. apollo keeps its venue and gets the DOI.
    assert after["papers/atlas.yml"] == before["papers/atlas.yml"].replace(b'year: 2020\n', b"year: 2020\nvenue: KDD '22\n")
    assert after["papers/apollo.yml"] == before["papers/apollo.yml"].replace(b'"2412.05270"\n', b'"2412.05270"\ndoi: 10.1109/TNN.2008.2005605\n')


def test_a_doi_another_paper_has_is_not_added(tmp_path: Path, waits: list[float]):
    listing = PaperList(tmp_path / "list")
    listing.write("apollo", paper("2412.05270", "APOLLO", "venue: MLSys 2025"))
    listing.write("other", 'title: Other\nauthors: [B]\nyear: 2008\ndoi: 10.1109/tnn.2008.2005605\ncategory: training\ntags: [llm]\nadded: 2024-01-02\n')
    before = files(listing.root)
    result = run_refresh(listing.root)
    assert result.exit_code == 0, result.output
    assert files(listing.root) == before
    assert "which another paper file has" in result.stderr


def test_push_commits_the_changed_files_on_the_bot_branch(seed: Path, waits: list[float], tmp_path: Path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    for args in (["init", "--quiet", "-b", "main"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "seed"]):
        subprocess.run(["git", *args], cwd=seed, check=True)
    result = run_refresh(seed, "--push", refresh.BOT_BRANCH, "--remote", str(remote))
    assert result.exit_code == 0, result.output
    changed = subprocess.run(["git", "--git-dir", str(remote), "diff", "--name-only", f"{refresh.BOT_BRANCH}~", refresh.BOT_BRANCH], capture_output=True, text=True, check=True)
    assert changed.stdout.split() == sorted(f"papers/{name}" for name in EXPECTED_INSERTIONS)


# --- inserting lines ----------------------------------------------------------------------------


def test_new_lines_keep_comments_quoting_line_ends_and_the_last_line_as_they_were():
    text = "# a comment\r\ntitle: 'X'  # why\r\nyear: 2020\r\n# the id\r\narxiv: \"2401.00001\"  # note"
    assert with_fields(text, {"doi": "10.1/x", "venue": "Proc. A: B #1"}) == (
        "# a comment\r\ntitle: 'X'  # why\r\nyear: 2020\r\nvenue: 'Proc. A: B #1'\r\n# the id\r\narxiv: \"2401.00001\"  # note\r\ndoi: 10.1/x"
    )


def test_a_block_value_before_the_new_line_keeps_its_own_lines():
    folded = "title: X\nauthors:\n- A\n- B\n\n# next\nabstract: >-\n  Text.\n\nadded: 2024-01-02\n"
    assert with_fields(folded, {"year": 2020}) == "title: X\nauthors:\n- A\n- B\nyear: 2020\n\n# next\nabstract: >-\n  Text.\n\nadded: 2024-01-02\n"
    kept = "title: X\nabstract: |+\n  Kept.\n\nadded: 2024-01-02\n"  # its blank line is part of the abstract
    assert with_fields(kept, {"note": "N."}) == "title: X\nabstract: |+\n  Kept.\n\nnote: N.\nadded: 2024-01-02\n"
    assert with_fields("  title: X\n  arxiv: '1'\n", {"doi": "10.1/x"}) == "  title: X\n  arxiv: '1'\n  doi: 10.1/x\n"


@pytest.mark.parametrize("text", ["{title: X, arxiv: '1'}\n", "title: X\ndoi: 10.1/y\n"])
def test_a_flow_mapping_or_a_field_already_there_is_refused(text: str):
    with pytest.raises(CannotInsert):
        with_fields(text, {"doi": "10.1/x"})

