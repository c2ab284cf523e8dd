"""DOIs: the forms a contributor pastes, and the papers read from Crossref's and DataCite's
documented answers (recorded in tests/fixtures, nothing here reaches the network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_gen.doi import (
    CROSSREF_API, DoiPaper, DoiUnreadable, NotADoi, arxiv_id_of, from_crossref, from_datacite, parse_doi, work_url,
)

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(registry: str, doi: str) -> bytes:
    return (FIXTURES / registry / f"{doi.replace('/', '_')}.json").read_bytes()


@pytest.mark.parametrize("text", [
    "10.1109/TNN.2008.2005605", " doi:10.1109/TNN.2008.2005605 ", "DOI: 10.1109/TNN.2008.2005605",
    "https://doi.org/10.1109/TNN.2008.2005605", "http://dx.doi.org/10.1109/TNN.2008.2005605",
    "https://doi.org/10.1109%2FTNN.2008.2005605",
])
def test_the_forms_of_a_doi(text: str):
    assert parse_doi(text) == "10.1109/TNN.2008.2005605"


@pytest.mark.parametrize("text", ["10.11/x", "11.1109/TNN", "10.1109/", "https://example.org/10.1109/TNN", "10.\u0661\u0662\u0663\u0664/x", "2403.03507"])
def test_what_is_not_a_doi(text: str):
    with pytest.raises(NotADoi, match="is not a DOI"):
        parse_doi(text)


def test_arxiv_dois_name_their_arxiv_id():
    assert arxiv_id_of("10.48550/arXiv.2403.03507") == "2403.03507"
    assert arxiv_id_of("10.48550/ARXIV.2403.03507") == "2403.03507"
    assert arxiv_id_of("10.1109/TNN.2008.2005605") is None


def test_the_registry_address_quotes_what_a_path_cannot_hold():
    assert work_url(CROSSREF_API, "10.1002/(SICI)1097-4571#x") == "https://api.crossref.org/works/10.1002/%28SICI%291097-4571%23x"


def test_a_journal_article_from_crossref():
    paper = from_crossref(recorded("crossref", "10.1109/TNN.2008.2005605"), "10.1109/TNN.2008.2005605")
    assert paper == DoiPaper(
        doi="10.1109/TNN.2008.2005605", title="The Graph Neural Network Model",
        authors=("F. Scarselli", "M. Gori", "Ah Chung Tsoi", "M. Hagenbuchner", "G. Monfardini"), year=2009,
        venue="IEEE Transactions on Neural Networks", venue_type="journal",
        abstract=(
            "Many underlying relationships among data in several areas of science and engineering, e.g., computer vision, "
            "molecular chemistry, molecular biology, pattern recognition, and data mining, can be represented in terms of "
            "graphs. In this paper, we propose a new neural network model, called graph neural network (GNN) model, that "
            "extends existing neural network methods for processing the data represented in graph domains."
        ),
    )


def test_a_proceedings_article_from_crossref_with_a_subtitle_a_consortium_and_jats_markup():
    paper = from_crossref(recorded("crossref", "10.1145/3534678.3539321"), "10.1145/3534678.3539321")
    assert paper.title == "Episodic Memory for Agents: Retrieval Beats Replay"
    assert paper.authors == ("José Müller-Ödegaard", "Li Wei", "The Memory Consortium")
    assert paper.year == 2022
    assert paper.venue == "Proceedings of the 28th ACM SIGKDD Conference on Knowledge Discovery and Data Mining"
    assert paper.venue_type == "conference"
    assert paper.abstract == ("Memory-augmented agents keep what they learn & reuse it across tasks: we show that a retrieval "
                              "memory of past episodes halves the samples needed. Code is released.")


def test_a_preprint_from_crossref_has_no_venue():
    paper = from_crossref(recorded("crossref", "10.1101/2023.01.01.522400"), "10.1101/2023.01.01.522400")
    assert (paper.venue, paper.venue_type, paper.year, paper.abstract) == (None, None, 2023, None)


def test_a_record_from_datacite():
    paper = from_datacite(recorded("datacite", "10.5281/zenodo.1234567"), "10.5281/zenodo.1234567")
    assert paper.title == "LongMem-Bench: A Benchmark for Long-Term Memory in Language Agents"
    assert paper.authors == ("Kari Ødegaard", "Ken Nakamura", "Memory Benchmarks Working Group")
    assert (paper.year, paper.venue) == (2024, None)
    assert paper.abstract == "A benchmark of 500 dialogues that test what an agent remembers after <100> turns."


@pytest.mark.parametrize("body", [b"Resource not found.", b"<html>proxy error</html>", b'{"status": "ok", "message-type": "work-list", "message": {}}', b"[]", b"\xff"])
def test_an_answer_that_is_not_a_work_is_unreadable(body: bytes):
    with pytest.raises(DoiUnreadable):
        from_crossref(body, "10.1109/x")
    with pytest.raises(DoiUnreadable):
        from_datacite(body, "10.1109/x")
