"""The list this repository ships: it passes the checker and its taxonomy is well curated."""

from __future__ import annotations

from collections import Counter

import pytest

from site_gen.paper_file import SCHEMA_COMMENT, paper_yaml
from site_gen.project import Project
from site_gen.reader import read_project
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def seed():
    return read_project(Project(REPO_ROOT))


def test_seed_list_passes_check(seed):
    taxonomy, papers = seed
    assert len(papers) >= 173  # the seed list; contributions only add


def test_categories_are_browsable(seed):
    taxonomy, papers = seed
    counts = Counter(p.category for p in papers)
    assert 8 <= len(taxonomy.categories) <= 14
    assert {c.slug for c in taxonomy.categories} == set(counts)
    assert min(counts.values()) >= 5, counts


def test_tag_vocabulary_is_used(seed):
    taxonomy, papers = seed
    counts = Counter(tag for p in papers for tag in p.tags)
    assert 30 <= len(taxonomy.tags) <= 70
    assert {t.slug for t in taxonomy.tags} == set(counts)
    assert min(counts.values()) >= 2, [t for t, n in counts.items() if n < 2]
    assert all(2 <= len(p.tags) <= 6 for p in papers)


def test_every_term_has_a_description(seed):
    taxonomy, _ = seed
    assert taxonomy.title and len(taxonomy.description) > 100
    assert all(len(term.description) > 20 for term in (*taxonomy.categories, *taxonomy.tags))


def test_every_paper_file_starts_with_the_schema_comment():
    for path in Project(REPO_ROOT).paper_files():
        assert path.read_text(encoding="utf-8").startswith(SCHEMA_COMMENT), path


def test_a_new_valid_paper_is_accepted(tmp_path, seed):
    import shutil

    shutil.copytree(REPO_ROOT / "papers", tmp_path / "papers")
    record = {
        "title": "Yes: A Paper Whose Title Looks Like a Boolean", "authors": ["Ada Lovelace", "Alan Turing"],
        "year": 2025, "arxiv": "2501.10020", "category": seed[0].categories[0].slug,
        "tags": ["llm", seed[0].tags[0].slug], "abstract": "Text with | pipes * and <b>tags</b>.", "added": "2025-01-05",
    }
    (tmp_path / "papers" / "yes-paper.yml").write_text(paper_yaml(record), encoding="utf-8")
    _, papers = read_project(Project(tmp_path))
    added = next(p for p in papers if p.id == "yes-paper")
    assert added.export() == {"id": "yes-paper", **record}
