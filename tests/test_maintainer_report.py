"""`site-gen report`: the weekly maintainer report, on a small list (every section, exactly), on a
copy of the repository's list, and its near-duplicate search on its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from site_gen.maintainer_report import NEAR_DUPLICATE_SIMILARITY, near_duplicates
from site_gen.records import Paper
from tests.conftest import PaperList
from tests.sitebuild import copy_repository_list

PAPER = """\
title: {title}
authors: [Ada Lovelace]
year: {year}
{venue}url: https://example.org/{id}
category: {category}
tags: [{tags}]
abstract: An abstract.
added: {added}
"""


def write_paper(listing: PaperList, paper_id: str, title: str, *, year: int = 2024, venue: str | None = "NeurIPS 2024",
                category: str = "training", tags: str = "llm", added: str = "2024-05-01") -> None:
    listing.write(paper_id, PAPER.format(id=paper_id, title=title, year=year, venue=f"venue: {venue}\n" if venue else "",
                                         category=category, tags=tags, added=added))


@pytest.fixture
def small_list(paper_list: PaperList) -> PaperList:
    """galore (from conftest: training, llm + low-rank, ICML 2024, added 2024-03-12) and four more."""
    write_paper(paper_list, "memory-agents", '"Memory-Augmented Agents for Long Horizons"', category="agents", added="2024-06-02")
    write_paper(paper_list, "memory-agents-again", '"Memory-Augmented Agent for Long Horizons"', category="agents", added="2024-06-03", venue=None, year=2023)
    write_paper(paper_list, "hostile", '"**[x](javascript:alert(1))** <script> ~~gone~~ https://evil.example"', tags="llm, vision", added="2024-06-01", venue=None)
    write_paper(paper_list, "plain", "Plain Training", added="2024-01-01")
    paper_list.write_settings(split_categories_over=2)
    return paper_list


EXPECTED = """\
## Papers added after 2024-05-31 (3)

- \\*\\*\\[x\\](javascript:alert(1))\\*\\* &lt;script> &#126;&#126;gone&#126;&#126; https&#58;//evil.example (papers/hostile.yml, added 2024-06-01)
- Memory-Augmented Agents for Long Horizons (papers/memory-agents.yml, added 2024-06-02)
- Memory-Augmented Agent for Long Horizons (papers/memory-agents-again.yml, added 2024-06-03)

## Near-duplicate titles (1)

- 99% alike: Memory-Augmented Agent for Long Horizons (papers/memory-agents-again.yml) and Memory-Augmented Agents for Long Horizons (papers/memory-agents.yml)

## Tags used by one paper (2)

- Low-rank (low-rank): GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection (papers/galore.yml)
- Vision (vision): \\*\\*\\[x\\](javascript:alert(1))\\*\\* &lt;script> &#126;&#126;gone&#126;&#126; https&#58;//evil.example (papers/hostile.yml)

## Categories of more than 2 papers (1)

- Training (training): 3 papers

## Papers without a venue, oldest first (2)

- Memory-Augmented Agent for Long Horizons (papers/memory-agents-again.yml, 2023)
- \\*\\*\\[x\\](javascript:alert(1))\\*\\* &lt;script> &#126;&#126;gone&#126;&#126; https&#58;//evil.example (papers/hostile.yml, 2024)
"""


def test_every_section_of_a_small_list(small_list: PaperList, tmp_path: Path):
    output = tmp_path / "github_output"
    result = small_list.run("report", "--added-after", "2024-05-31", env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output)})
    assert result.exit_code == 0, result.output
    assert result.output == EXPECTED
    assert output.read_text() == "needs_attention=true\n"


def test_dead_links_come_first_as_lychee_wrote_them_and_the_file_and_limit_options(small_list: PaperList, tmp_path: Path):
    lychee = tmp_path / "lychee.md"
    lychee.write_text("# Summary\n\n| Status | Count |\n|---|---|\n| 🚫 Errors | 1 |\n\n* [404] <https://example.org/gone>\n", encoding="utf-8")
    report = tmp_path / "report.md"
    result = small_list.run("report", "--added-after", "2024-05-31", "--dead-links", str(lychee), "--limit", "1", "--output", str(report))
    assert result.exit_code == 0 and result.output == ""
    text = report.read_text(encoding="utf-8")
    assert text.startswith("## Dead links\n\n# Summary\n\n| Status | Count |")
    assert "* [404] <https://example.org/gone>\n\n## Papers added after 2024-05-31 (3)" in text
    added = text.split("## Papers added")[1].split("##")[0]
    assert added.count("\n- ") == 2 and "- … and 2 more: run `site-gen report` for all of them" in added


def test_news_alone_does_not_need_attention(paper_list: PaperList, tmp_path: Path):
    """galore alone: a new paper, but its two tags are its own; with one tag each used twice, only
    news is left, and the report's issue may be closed."""
    write_paper(paper_list, "other", "Another Paper Entirely", tags="llm, low-rank", added="2024-06-01")
    output = tmp_path / "github_output"
    result = paper_list.run("report", "--added-after", "2024-05-31", env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output)})
    assert result.exit_code == 0, result.output
    assert "## Papers added after 2024-05-31 (1)" in result.output and result.output.count("None.") == 4
    assert output.read_text() == "needs_attention=false\n"


def test_an_invalid_list_is_reported_as_check_does(paper_list: PaperList):
    paper_list.write("broken", "title: [unclosed\n")
    result = paper_list.run("report")
    assert result.exit_code == 1
    assert "papers/broken.yml:" in result.output and "error" in result.output


def test_the_default_window_is_the_last_seven_days(paper_list: PaperList):
    today = dt.date.today()
    write_paper(paper_list, "this-week", "Added This Week", added=(today - dt.timedelta(days=6)).isoformat())
    write_paper(paper_list, "last-week", "Added Last Week", added=(today - dt.timedelta(days=7)).isoformat())
    result = paper_list.run("report")
    assert result.exit_code == 0, result.output
    assert f"## Papers added after {(today - dt.timedelta(days=7)).isoformat()} (1)\n\n- Added This Week" in result.output


def test_the_repository_list(tmp_path: Path):
    listing = PaperList.existing(copy_repository_list(tmp_path / "list"))
    first = listing.run("report", "--added-after", "2000-01-01")
    assert first.exit_code == 0, first.output
    papers = len(list((listing.root / "papers").glob("*.yml"))) - 1
    assert f"## Papers added after 2000-01-01 ({papers})" in first.output
    for heading in ("Near-duplicate titles", "Tags used by one paper", "Categories of more than 100 papers", "Papers without a venue, oldest first"):
        assert f"## {heading} (" in first.output
    assert listing.run("report", "--added-after", "2000-01-01").output == first.output  # deterministic, warm or cold


def paper(paper_id: str, title: str) -> Paper:
    return Paper(paper_id, f"papers/{paper_id}.yml", {"title": title})


def test_near_duplicates_tolerate_typos_and_punctuation_but_not_other_papers():
    papers = [
        paper("lora", "LoRA: Low-Rank Adaptation of Large Language Models"),
        paper("lora-typo", "LoRA: Low-Rank Adaptaton of Large Language Models"),
        paper("qlora", "QLoRA: Efficient Finetuning of Quantized LLMs"),
        paper("dora", "DoRA: Weight-Decomposed Low-Rank Adaptation"),
        paper("short-a", "Mamba"),
        paper("short-b", "Mambo"),  # one letter of five: 0.8, below the threshold
    ]
    [pair] = near_duplicates(papers)
    assert (pair.first.id, pair.second.id) == ("lora-typo", "lora") and pair.similarity >= NEAR_DUPLICATE_SIMILARITY


def test_titles_made_only_of_common_words_still_meet_through_their_rarest():
    """Every title shares "learning" and "neural" with 300 others; the retyped one is still found."""
    papers = [paper(f"p{index}", f"Neural Learning Study Number {index} Of Xylophones{index}") for index in range(300)]
    papers.append(paper("again", "Neural Learning Study Number 17 Of Xylophone17"))
    assert [(pair.first.id, pair.second.id) for pair in near_duplicates(papers)] == [("again", "p17")]
