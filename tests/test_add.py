"""`site-gen add`: from an arXiv id to a paper file that passes the check.

arXiv is replayed by a local HTTP server on 127.0.0.1 that answers from tests/fixtures/arxiv/*.xml
(written in the Atom format of the arXiv API user manual), Crossref and DataCite from
tests/fixtures/crossref/ and datacite/ (their REST APIs' JSON). tests/conftest.py's guard makes
any other connection, or a DNS look-up, fail the test: these tests never touch the network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from site_gen import arxiv, doi, web
from site_gen.add import Suggestion, draft_from_arxiv, listed_papers, paper_id_for, record, suggest
from site_gen.paper_file import SCHEMA_COMMENT
from site_gen.project import Project
from site_gen.reader import read_taxonomy
from tests.conftest import PaperList, closed_port_url
from tests.replay import Replay, serving

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
GALORE_TITLE = "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"
GALORE_AUTHORS = ["Jiawei Zhao", "Zhenyu Zhang", "Beidi Chen", "Zhangyang Wang", "Anima Anandkumar", "Yuandong Tian"]
REFUSED_ID = "1234.12345"  # well-formed, but arXiv answers it with its error feed

OTHER_PAPERS = {
    "lora": """\
        title: "LoRA: Low-Rank Adaptation of Large Language Models"
        authors: [Edward J. Hu]
        year: 2021
        arxiv: "2106.09685"
        category: training
        tags: [llm, low-rank]
        abstract: We freeze the pre-trained model weights and inject trainable low-rank matrices into each layer of the Transformer, greatly reducing the number of trainable parameters and the GPU memory requirement for large language models.
        added: 2024-01-02
        """,
    "adafactor": """\
        title: "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost"
        authors: [Noam Shazeer]
        year: 2018
        arxiv: "1804.04235"
        category: training
        tags: [low-rank]
        abstract: Adaptive optimizers keep second-moment estimators of the gradient, which costs memory. We maintain a factored, low-rank representation of the optimizer states, with sublinear memory cost for training.
        added: 2024-01-03
        """,
    "memgpt": """\
        title: "MemGPT: Towards LLMs as Operating Systems"
        authors: [Charles Packer]
        year: 2023
        arxiv: "2310.08560"
        category: agents
        tags: [llm]
        abstract: Agents built on large language models are limited by their context window. We manage memory tiers like an operating system so that the agent remembers conversations over long horizons.
        added: 2024-01-04
        """,
    "video-memory": """\
        title: Episodic Memory for Video Understanding Agents
        authors: [Ada Lovelace]
        year: 2024
        arxiv: "2401.00001"
        category: agents
        tags: [vision]
        abstract: An agent watching long videos keeps an episodic memory of frames and retrieves them to answer questions about images and video.
        added: 2024-01-05
        """,
}


# --- fixtures -----------------------------------------------------------------------------------


class ArxivReplay(Replay):
    """arXiv's API from tests/fixtures/arxiv: a recorded feed per id, the error feed for
    REFUSED_ID, the empty feed for an id without one."""

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/query"

    def requested_ids(self) -> list[str]:
        return [parse_qs(urlsplit(path).query).get("id_list", [""])[0] for path in self.requests]

    def answer(self, path: str) -> tuple[int, str, bytes]:
        arxiv_id = parse_qs(urlsplit(path).query).get("id_list", [""])[0]
        recorded = FIXTURES / f"{arxiv_id.replace('/', '_')}.xml"
        if arxiv_id == REFUSED_ID:
            status, body = 400, (FIXTURES / "error.xml").read_bytes()
        elif arxiv_id and recorded.is_file():
            status, body = 200, recorded.read_bytes()
        else:
            status, body = 200, (FIXTURES / "not-found.xml").read_bytes()
        return status, "application/atom+xml; charset=utf-8", body


@pytest.fixture
def replay():
    with serving(ArxivReplay()) as server:
        yield server


@pytest.fixture
def add_list(tmp_path: Path) -> PaperList:
    """A valid list without GaLore, with neighbours for the suggestions."""
    listing = PaperList(tmp_path / "list")
    for paper_id, text in OTHER_PAPERS.items():
        listing.write(paper_id, text)
    assert listing.check().exit_code == 0
    return listing


def run_add(listing: PaperList, *args: str, api: str | None = None):
    env = {"GITHUB_ACTIONS": "false"}
    if api:
        env[arxiv.API_URL_ENV] = api
    return listing.run("add", *args, env=env)


def read(listing: PaperList, paper_id: str) -> tuple[str, dict]:
    text = (listing.root / "papers" / f"{paper_id}.yml").read_text(encoding="utf-8")
    return text, yaml.safe_load(text)


def paper_ids(listing: PaperList) -> set[str]:
    return {p.stem for p in (listing.root / "papers").glob("*.yml")} - {"_taxonomy"}


# --- the happy path -----------------------------------------------------------------------------


def test_add_writes_a_paper_that_passes_the_check(add_list: PaperList, replay: ArxivReplay):
    result = run_add(add_list, "2403.03507", api=replay.url)
    assert result.exit_code == 0, result.output

    text, data = read(add_list, "galore")
    assert text.startswith(SCHEMA_COMMENT)
    assert data["title"] == GALORE_TITLE  # the line break and indentation arXiv puts in the title are gone
    assert data["authors"] == GALORE_AUTHORS
    assert data["year"] == 2024
    assert data["arxiv"] == "2403.03507"
    assert data["added"] == dt.date.today().isoformat()
    assert data["abstract"].startswith("Training Large Language Models (LLMs) presents significant memory challenges, predominantly")
    assert "\n" not in data["abstract"] and "  " not in data["abstract"]
    assert data["category"] == "training"
    assert {"llm", "low-rank"} <= set(data["tags"]) and "vision" not in data["tags"]
    assert "'2403.03507'" in text or '"2403.03507"' in text  # quoted, or YAML would read a number

    assert add_list.check().exit_code == 0
    assert replay.requested_ids() == ["2403.03507"]

    out = result.stdout
    assert "Wrote papers/galore.yml" in out
    assert "category: training   (SUGGESTED)" in out
    assert "Confirm the category and tags" in out
    assert "papers/galore.yml passes" in out
    assert "Add code: https://github.com/jiaweizzhao/GaLore if it is the official code" in out
    assert "Left to do:" in out and "make check" in out


@pytest.mark.parametrize(
    "given",
    [
        "2403.03507",
        "arXiv:2403.03507",
        "arxiv:2403.03507v2",
        "https://arxiv.org/abs/2403.03507v2",
        "https://arxiv.org/pdf/2403.03507v1",
        "http://arxiv.org/pdf/2403.03507v1.pdf",
        "arxiv.org/abs/2403.03507",
    ],
)
def test_every_id_form_is_accepted(add_list: PaperList, replay: ArxivReplay, given: str):
    result = run_add(add_list, given, api=replay.url)
    assert result.exit_code == 0, result.output
    assert read(add_list, "galore")[1]["arxiv"] == "2403.03507"
    assert replay.requested_ids() == ["2403.03507"]  # asked without the version: the latest one


def test_old_style_id_and_the_doi_and_venue_arxiv_gives(add_list: PaperList, replay: ArxivReplay):
    result = run_add(add_list, "https://arxiv.org/abs/hep-th/9901001v1", api=replay.url)
    assert result.exit_code == 0, result.output
    [new] = paper_ids(add_list) - set(OTHER_PAPERS)
    _, data = read(add_list, new)
    assert new == "associative-memory-attractor-networks"
    assert data["arxiv"] == "hep-th/9901001" and data["year"] == 1999
    assert data["doi"] == "10.1016/S0550-3213(99)00001-1"
    assert data["authors"] == ["A. N. Author", "B. Second-Author"]
    assert "arXiv says: Nucl.Phys. B550 (1999) 1-20" in result.stdout
    assert add_list.check().exit_code == 0


def test_id_is_made_unique_with_the_year(add_list: PaperList, replay: ArxivReplay):
    add_list.write("galore", OTHER_PAPERS["lora"].replace("LoRA:", "Galore, Another:").replace("2106.09685", "2106.00001"))
    assert run_add(add_list, "2403.03507", api=replay.url).exit_code == 0
    assert read(add_list, "galore-2024")[1]["title"] == GALORE_TITLE


def test_explicit_id(add_list: PaperList, replay: ArxivReplay):
    assert run_add(add_list, "2403.03507", "--id", "galore-optimizer", api=replay.url).exit_code == 0
    assert read(add_list, "galore-optimizer")[1]["arxiv"] == "2403.03507"
    result = run_add(add_list, "2403.03508", "--id", "GaLore 2", api=replay.url)
    assert result.exit_code == 1 and "not a valid paper id" in result.stderr


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["2403.03507", "https://arxiv.org/abs/2403.03507v2"])
def test_a_paper_already_listed_is_refused_naming_its_file(paper_list: PaperList, replay: ArxivReplay, given: str):
    before = paper_ids(paper_list)
    result = run_add(paper_list, given, api=replay.url)
    assert result.exit_code == 1
    assert "arXiv 2403.03507 is already on the list: papers/galore.yml" in result.stderr
    assert paper_ids(paper_list) == before
    assert replay.requests == []  # refused before asking arXiv


def test_the_same_title_under_another_id_is_refused(add_list: PaperList, replay: ArxivReplay):
    add_list.write("galore-journal", OTHER_PAPERS["lora"].replace('"LoRA: Low-Rank Adaptation of Large Language Models"', f'"{GALORE_TITLE}"').replace('arxiv: "2106.09685"', "doi: 10.1000/galore"))
    result = run_add(add_list, "2403.03507", api=replay.url)
    assert result.exit_code == 1
    assert "is already on the list: papers/galore-journal.yml" in result.stderr
    assert "galore" not in paper_ids(add_list)


def test_a_nearly_identical_title_is_added_with_a_warning_naming_the_listed_file(add_list: PaperList, replay: ArxivReplay):
    near = GALORE_TITLE.replace(" by ", " via ")
    add_list.write("galore-journal", OTHER_PAPERS["lora"].replace('"LoRA: Low-Rank Adaptation of Large Language Models"', f'"{near}"').replace('arxiv: "2106.09685"', "doi: 10.1000/galore"))
    result = run_add(add_list, "2403.03507", api=replay.url)
    assert result.exit_code == 0, result.stderr
    assert "galore" in paper_ids(add_list)
    assert f"warning: title nearly the same as papers/galore-journal.yml's ('{near}')" in result.stdout
    assert "is the paper already on the list under another title?" in result.stdout


def test_unknown_id_is_refused(add_list: PaperList, replay: ArxivReplay):
    before = paper_ids(add_list)
    result = run_add(add_list, "2403.99999", api=replay.url)
    assert result.exit_code == 1
    assert "arXiv has no paper 2403.99999" in result.stderr
    assert paper_ids(add_list) == before


def test_id_arxiv_rejects_is_refused_with_arxivs_message(add_list: PaperList, replay: ArxivReplay):
    result = run_add(add_list, REFUSED_ID, api=replay.url)
    assert result.exit_code == 1
    assert "incorrect id format for 1234.12345" in result.stderr


@pytest.mark.parametrize("given", ["2403.035", "https://example.org/abs/2403.03507", "GaLore", "https://arxiv.org/list/cs.LG/recent"])
def test_text_that_is_not_an_arxiv_id_is_refused_without_asking(add_list: PaperList, replay: ArxivReplay, given: str):
    result = run_add(add_list, given, api=replay.url)
    assert result.exit_code == 1
    assert "not an arXiv" in result.stderr or "not a link to an arXiv paper" in result.stderr
    assert replay.requests == []


def test_no_network_gives_a_clear_message_and_exit_code_2(add_list: PaperList):
    before = paper_ids(add_list)
    result = run_add(add_list, "2403.03507", api=closed_port_url())
    assert result.exit_code == 2
    assert "could not get 2403.03507 from arXiv: cannot reach 127.0.0.1" in result.stderr
    assert "site-gen add --offline 2403.03507" in result.stderr
    assert paper_ids(add_list) == before


def test_no_network_from_the_command_line_without_traceback(add_list: PaperList):
    env = {"PATH": "/usr/bin", arxiv.API_URL_ENV: closed_port_url()}
    proc = subprocess.run(
        [sys.executable, "-m", "site_gen", "add", "2403.03507", "--root", str(add_list.root)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("site-gen add: could not get 2403.03507 from arXiv")
    assert "Traceback" not in proc.stderr


# --- --offline ----------------------------------------------------------------------------------


def test_offline_writes_a_stub_and_lists_what_is_missing(add_list: PaperList, replay: ArxivReplay):
    result = run_add(add_list, "https://arxiv.org/abs/2403.03507v2", "--offline", api=replay.url)
    assert result.exit_code == 0, result.output
    assert replay.requests == []
    text, data = read(add_list, "arxiv-2403-03507")
    assert text.startswith(SCHEMA_COMMENT)
    assert data["arxiv"] == "2403.03507" and data["added"] == dt.date.today().isoformat()
    assert data["title"] is None and "# TODO" in text
    out = result.stdout
    assert "a stub for arXiv 2403.03507" in out
    assert "papers/arxiv-2403-03507.yml:2:7: error: title is empty" in out
    assert "Fill in title, authors, year and abstract from https://arxiv.org/abs/2403.03507" in out
    # The stub is incomplete on purpose: the check fails until it is filled in.
    assert add_list.check().exit_code == 1


def test_offline_still_refuses_a_listed_paper(paper_list: PaperList):
    result = run_add(paper_list, "arXiv:2403.03507", "--offline")
    assert result.exit_code == 1 and "papers/galore.yml" in result.stderr


# --- the parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title,expected",
    [
        (GALORE_TITLE, "galore"),
        ("DSI++: Updating Transformer Memory with New Documents", "dsi"),
        ("Deep Class-Incremental Learning: A Survey", "deep-class-incremental-learning"),
        ("Attention Is All You Need", "attention-all-you-need"),
        ("Learning to Continually Learn via Meta-learning Agentic Memory Designs", "learning-continually-learn"),
        ("A Very Long Method Name Before The Colon: Details", "very-long-method-name"),
        ("Über Gedächtnis", "uber-gedachtnis"),
    ],
)
def test_readable_id_from_the_title(title: str, expected: str):
    assert paper_id_for(title, 2024, set()) == expected


def test_readable_id_is_unique():
    assert paper_id_for(GALORE_TITLE, 2024, {"galore"}) == "galore-2024"
    assert paper_id_for(GALORE_TITLE, 2024, {"galore", "galore-2024", "galore-2024-2"}) == "galore-2024-3"


def test_suggestions_come_from_the_most_similar_papers(add_list: PaperList):
    project = Project(add_list.root)
    taxonomy, _ = read_taxonomy(project)
    papers = listed_papers(project)
    agents = suggest("Long-term memory for LLM agents", "An agent remembers past conversations with an operating-system-like memory.", papers, taxonomy)
    assert agents.category == "agents" and "llm" in agents.tags
    assert [p.path for p, _ in agents.neighbours][0] == "papers/memgpt.yml"
    nothing = suggest("Zymurgy", "Brewing.", papers, taxonomy)
    assert nothing.category is None and nothing.tags == ()


def test_parse_feed_reads_the_recorded_answer():
    paper = arxiv.parse_feed((FIXTURES / "2403.03507.xml").read_bytes(), "2403.03507")
    assert paper.title == GALORE_TITLE and paper.version == 2
    assert paper.authors == tuple(GALORE_AUTHORS)
    assert paper.published == dt.date(2024, 3, 6)
    assert paper.primary_category == "cs.LG"
    assert paper.pdf_url == "http://arxiv.org/pdf/2403.03507v2"
    assert paper.comment == "ICML 2024 (Oral)"


@pytest.mark.parametrize(
    "body,error",
    [
        ((FIXTURES / "error.xml").read_bytes(), arxiv.ArxivNotFound),
        ((FIXTURES / "not-found.xml").read_bytes(), arxiv.ArxivNotFound),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id/><title/></entry></feed>', arxiv.ArxivNotFound),
        (b"<html><body>Service temporarily unavailable</body></html>", arxiv.ArxivUnavailable),
        (b"not xml at all", arxiv.ArxivUnavailable),
        (b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom">&a;</feed>', arxiv.ArxivUnavailable),
    ],
    ids=["error entry", "no entry", "empty entry", "html", "garbage", "dtd"],
)
def test_parse_feed_refuses_what_is_not_the_paper(body: bytes, error: type):
    with pytest.raises(error):
        arxiv.parse_feed(body, "2403.03507")


def test_record_keeps_the_first_of_several_dois_and_drops_a_trailing_period():
    paper = arxiv.parse_feed((FIXTURES / "hep-th_9901001.xml").read_bytes(), "hep-th/9901001")
    paper = dataclasses.replace(paper, doi="10.1103/PhysRevD.76.013009 10.1103/PhysRevD.77.019901", title="A Title.")
    fields = record(draft_from_arxiv(paper), Suggestion("training", ("llm",)), dt.date(2026, 1, 2))
    assert fields["doi"] == "10.1103/PhysRevD.76.013009"
    assert fields["title"] == "A Title"
    assert fields["added"] == "2026-01-02" and fields["category"] == "training" and fields["tags"] == ["llm"]


# --- a server that never finishes answering -----------------------------------------------------


class DripServer(ThreadingHTTPServer):
    """Answers with a valid feed one byte every 0.2 s: each read gets a byte long before any
    socket time-out, so only a deadline for the whole request ends the wait."""

    daemon_threads = True

    def __init__(self, drip_headers: bool):
        super().__init__(("127.0.0.1", 0), _DripHandler)
        self.drip_headers = drip_headers
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/query"


class _DripHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = (FIXTURES / "2403.03507.xml").read_bytes()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/atom+xml\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        if not self.server.drip_headers:
            self.wfile.write(head)
            self.wfile.flush()
            head = b""
        for byte in (head + body)[: 10_000]:
            if self.server.stopping.wait(0.2):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(params=[True, False], ids=["headers", "body"])
def drip(request):
    with serving(DripServer(drip_headers=request.param)) as server:
        yield server
        server.stopping.set()  # the dripping handler stops at once, so the server can shut down


def test_a_server_that_drips_its_answer_is_given_up_on_at_the_deadline(add_list: PaperList, drip: DripServer, monkeypatch):
    monkeypatch.setattr(web, "TIMEOUT_SECONDS", 1.5)
    before = paper_ids(add_list)
    started = time.monotonic()
    result = run_add(add_list, "2403.03507", api=drip.url)
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"site-gen add: could not get 2403.03507 from arXiv: 127.0.0.1:{drip.server_address[1]} did not answer within 1.5 s. "
        "Check your connection and retry, or run `site-gen add --offline 2403.03507` to write a stub to fill in by hand."
    ]
    assert 1.5 <= elapsed < 3
    assert paper_ids(add_list) == before


def test_ids_from_titles_are_never_reserved_names():
    assert paper_id_for("Index: A Paper About Indexes", 2024, set()) == "index-2024"
    assert paper_id_for("Index", None, set()) == "index-2"


def test_a_reserved_id_is_refused(add_list: PaperList, replay: ArxivReplay):
    result = run_add(add_list, "2403.03507", "--id", "index", api=replay.url)
    assert result.exit_code == 1 and "'index' is reserved" in result.stderr
    assert replay.requests == []


def test_names_from_the_list_cannot_forge_a_workflow_command(add_list: PaperList, replay: ArxivReplay):
    # A neighbour whose file name holds a line that GitHub Actions would read as a command.
    forged = "lora-copy\n::warning file=README.md::forged"
    add_list.write(forged, OTHER_PAPERS["lora"].replace("2106.09685", "2106.00002").replace("LoRA:", "LoRA again:"))
    result = run_add(add_list, "2403.03507", api=replay.url)
    assert result.exit_code == 0, result.output
    assert r"lora-copy\n::warning file=README.md::forged" in result.stdout
    assert not [line for line in (result.stdout + result.stderr).splitlines() if line.lstrip().startswith("::")]


# --- by DOI: Crossref, else DataCite ------------------------------------------------------------

REGISTRY_FIXTURES = Path(__file__).parent / "fixtures"
GNN_DOI = "10.1109/TNN.2008.2005605"


class RegistryReplay(Replay):
    """Crossref's `/works/<doi>` and DataCite's `/dois/<doi>` from their recorded answers; a DOI
    without one is answered as each registry answers an unknown DOI (HTTP 404)."""

    def url(self, registry: str) -> str:
        return f"{self.base_url}/{'works' if registry == 'crossref' else 'dois'}/"

    def answer(self, path: str) -> tuple[int, str, bytes]:
        kind, _, quoted = path.lstrip("/").partition("/")
        registry = {"works": "crossref", "dois": "datacite"}[kind]
        recorded = REGISTRY_FIXTURES / registry / f"{unquote(quoted).replace('/', '_')}.json"
        if recorded.is_file():
            return 200, "application/json", recorded.read_bytes()
        if registry == "crossref":
            return 404, "text/plain", b"Resource not found."
        return 404, "application/json", b'{"errors":[{"status":"404","title":"The resource you are looking for doesn\'t exist."}]}'


@pytest.fixture
def registries():
    with serving(RegistryReplay()) as server:
        yield server


def run_add_doi(listing: PaperList, *args: str, registries: RegistryReplay | None = None, arxiv_api: str | None = None):
    env = {"GITHUB_ACTIONS": "false"}
    if registries:
        env |= {doi.CROSSREF_API_ENV: registries.url("crossref"), doi.DATACITE_API_ENV: registries.url("datacite")}
    if arxiv_api:
        env[arxiv.API_URL_ENV] = arxiv_api
    return listing.run("add", *args, env=env)


@pytest.mark.parametrize("given", [GNN_DOI, f"doi:{GNN_DOI}", f"https://doi.org/{GNN_DOI}"])
def test_add_by_doi_writes_the_paper_crossref_describes(add_list: PaperList, registries: RegistryReplay, given: str):
    result = run_add_doi(add_list, given, registries=registries)
    assert result.exit_code == 0, result.output
    _, data = read(add_list, "graph-neural-network-model")
    assert data["title"] == "The Graph Neural Network Model"
    assert data["authors"] == ["F. Scarselli", "M. Gori", "Ah Chung Tsoi", "M. Hagenbuchner", "G. Monfardini"]
    assert (data["year"], data["venue"], data["doi"]) == (2009, "IEEE Transactions on Neural Networks", GNN_DOI)
    assert "arxiv" not in data and data["abstract"].startswith("Many underlying relationships")
    assert data["category"] and data["tags"]  # suggested, as for an arXiv paper
    assert f"site-gen check: papers/graph-neural-network-model.yml passes." in result.stdout
    assert registries.requests == ["/works/10.1109/TNN.2008.2005605"]


def test_a_doi_crossref_does_not_know_is_asked_of_datacite(add_list: PaperList, registries: RegistryReplay):
    result = run_add_doi(add_list, "10.5281/zenodo.1234567", registries=registries)
    assert result.exit_code == 0, result.output
    _, data = read(add_list, "longmem-bench")
    assert data["authors"] == ["Kari Ødegaard", "Ken Nakamura", "Memory Benchmarks Working Group"]
    assert data["year"] == 2024 and "venue" not in data
    assert "Add venue:" in result.stdout
    assert registries.requests == ["/works/10.5281/zenodo.1234567", "/dois/10.5281/zenodo.1234567"]


def test_a_doi_no_registry_knows_is_refused(add_list: PaperList, registries: RegistryReplay):
    before = paper_ids(add_list)
    result = run_add_doi(add_list, "10.9999/no.such.paper", registries=registries)
    assert result.exit_code == 1
    assert "neither Crossref nor DataCite knows the DOI 10.9999/no.such.paper — check it on https://doi.org/10.9999/no.such.paper" in result.stderr
    assert paper_ids(add_list) == before


def test_an_arxiv_doi_goes_to_arxiv(add_list: PaperList, replay: ArxivReplay, registries: RegistryReplay):
    result = run_add_doi(add_list, "https://doi.org/10.48550/arXiv.2403.03507", registries=registries, arxiv_api=replay.url)
    assert result.exit_code == 0, result.output
    assert read(add_list, "galore")[1]["arxiv"] == "2403.03507"
    assert replay.requested_ids() == ["2403.03507"] and registries.requests == []


def test_a_doi_already_listed_is_refused_in_any_case(add_list: PaperList, registries: RegistryReplay):
    add_list.write("gnn", OTHER_PAPERS["lora"].replace('arxiv: "2106.09685"', f"doi: {GNN_DOI.lower()}").replace("LoRA:", "GNN:"))
    result = run_add_doi(add_list, GNN_DOI, registries=registries)
    assert result.exit_code == 1
    assert f"DOI {GNN_DOI} is already on the list: papers/gnn.yml" in result.stderr
    assert registries.requests == []


def test_a_registry_that_cannot_be_reached_gives_exit_code_2(add_list: PaperList):
    result = run_add_doi(add_list, GNN_DOI)  # the guard's closed ports
    assert result.exit_code == 2
    assert f"could not get DOI {GNN_DOI}: could not ask Crossref: cannot reach 127.0.0.1" in result.stderr
    assert f"site-gen add --offline {GNN_DOI}" in result.stderr


def test_offline_with_a_doi_writes_a_stub_with_the_doi(add_list: PaperList, registries: RegistryReplay):
    result = run_add_doi(add_list, GNN_DOI, "--offline", registries=registries)
    assert result.exit_code == 0, result.output
    text, data = read(add_list, "doi-10-1109-tnn-2008-2005605")
    assert data["doi"] == GNN_DOI and "arxiv" not in data
    assert "https://doi.org/10.1109/TNN.2008.2005605" in result.stdout
    assert registries.requests == []
