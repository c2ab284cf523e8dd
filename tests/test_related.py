"""Related papers: the papers most similar to each by text (site_gen/related.py), on its page, kept
in the build's cache by the texts they are computed from."""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from site_gen.build import build, load_catalog
from site_gen.incremental.cache import BuildCache
from site_gen.project import Project
from site_gen.records import Paper, freeze
from site_gen.related import relate
from tests.conftest import REPO_ROOT, VALID_PAPER, PaperList


def _paper(paper_id: str, title: str, abstract: str = "", tags: tuple[str, ...] = ()) -> Paper:
    fields = {"title": title, "authors": ["A B"], "year": 2024, "arxiv": "2401.00001", "tags": list(tags), "abstract": abstract}
    return Paper(paper_id, f"papers/{paper_id}.yml", freeze(fields))


def _related_on_page(listing_root: Path, paper_id: str) -> list[str]:
    text = (listing_root / "build" / "docs" / "papers" / f"{paper_id}.md").read_text(encoding="utf-8")
    if "## Related papers" not in text:
        return []
    section = text.split("## Related papers", 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="\.\./\.\./papers/([^/]+)/"', section)


def test_galore_and_natural_galore_are_each_others_first_related_paper():
    catalog = load_catalog(Project(REPO_ROOT))
    similar = relate(catalog.papers, 5).similar
    assert similar["galore"][0] == "natural-galore"
    assert similar["natural-galore"][0] == "galore"
    assert all(len(others) == 5 and paper_id not in others for paper_id, others in similar.items())


def test_the_lists_do_not_depend_on_the_order_of_the_papers():
    papers = list(load_catalog(Project(REPO_ROOT)).papers)
    expected = relate(papers, 5).similar
    random.Random(7).shuffle(papers)
    assert relate(papers, 5).similar == expected


def test_ties_are_broken_by_id_and_papers_sharing_no_word_are_not_related():
    papers = [
        _paper("query", "Gradient projection for memory"),
        _paper("zeta", "Gradient projection"),
        _paper("alpha", "Gradient projection"),  # the same text as zeta's: an exact tie
        _paper("far", "Recurrent agents in games"),
    ]
    similar = relate(papers, 5).similar
    assert similar["query"] == ("alpha", "zeta")
    assert similar["alpha"] == ("zeta", "query")
    assert similar["far"] == ()
    assert relate(papers, 1).similar["query"] == ("alpha",)


def test_stop_words_relate_nothing_and_tags_relate_papers():
    papers = [
        _paper("one", "The use of it", tags=("vision",)),
        _paper("two", "Of the and it", tags=("llm",)),
        _paper("three", "Something else entirely", tags=("vision",)),
    ]
    similar = relate(papers, 5).similar
    assert similar["one"] == ("three",)
    assert similar["two"] == ()


def test_zero_turns_related_papers_off():
    papers = [_paper("a", "Gradient projection"), _paper("b", "Gradient projection")]
    assert relate(papers, 0).similar == {"a": (), "b": ()}


def _listing_paper(number: int, topic: str) -> str:
    return (
        VALID_PAPER.replace("GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection", f"Paper {number}")
        .replace("2403.03507", f"2403.{number:05d}").replace("Training LLMs is memory hungry.", f"A study of {topic}.")
    )


def _listing(root: Path) -> PaperList:
    listing = PaperList(root)
    topics = ["gradient low-rank projection optimizer", "gradient low-rank projection memory", "episodic memory agents", "memory agents recall"]
    for number, topic in enumerate(topics):
        listing.write(f"p{number}", _listing_paper(number, topic))
    return listing


def test_paper_pages_list_related_papers_and_leave_them_out_of_more_in(tmp_path: Path):
    listing = _listing(tmp_path / "list")
    listing.write_settings(similar_papers=1, related_papers=10)
    assert listing.run("build").exit_code == 0
    assert _related_on_page(listing.root, "p0") == ["p1"]
    assert _related_on_page(listing.root, "p2") == ["p3"]
    page = (listing.root / "build/docs/papers/p0.md").read_text(encoding="utf-8")
    more_in = page.split("## More in", 1)[1]
    assert "papers/p1/" not in more_in and "papers/p2/" in more_in and "papers/p3/" in more_in
    listing.write_settings(similar_papers=0)
    assert listing.run("build").exit_code == 0
    assert "## Related papers" not in (listing.root / "build/docs/papers/p0.md").read_text(encoding="utf-8")


def test_a_warm_build_reads_related_papers_from_the_cache_and_an_edit_computes_them_again(tmp_path: Path):
    listing = _listing(tmp_path / "list")
    project = Project(listing.root)
    build(project)
    cached = project.cache_dir / "relations.pickle"
    first = cached.stat().st_mtime_ns
    listing.write("p0", (listing.root / "papers/p0.yml").read_text() + "note: A curator's note changes no text that relates papers.\n")
    build(project)
    assert cached.stat().st_mtime_ns == first
    assert _related_on_page(listing.root, "p3")[0] == "p2"
    listing.write("p1", _listing_paper(1, "episodic recall by agents"))
    build(project)
    assert cached.stat().st_mtime_ns != first
    fresh = relate(load_catalog(project).papers, 5).similar
    assert fresh["p1"][0] in ("p2", "p3")  # the edit moved it among the agents papers
    assert all(_related_on_page(listing.root, paper_id) == list(others) for paper_id, others in fresh.items())


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", None], ids=["empty", "garbage", "truncated"])
def test_a_damaged_cache_of_related_papers_is_computed_again(tmp_path: Path, damage: bytes | None):
    listing = _listing(tmp_path / "list")
    project = Project(listing.root)
    build(project)
    expected = _related_on_page(listing.root, "p0")
    cached = project.cache_dir / "relations.pickle"
    data = cached.read_bytes()
    cached.write_bytes(data[: len(data) // 2] if damage is None else damage)
    (listing.root / "build/docs/papers/p0.md").unlink()
    build(project)
    assert _related_on_page(listing.root, "p0") == expected
    # Computed again and kept whole: the next build reads what a fresh computation gives.
    assert BuildCache(project.cache_dir, project.output_dir).relations() == relate(load_catalog(project).papers, 5)


def test_the_map_places_every_paper_inside_it_the_same_way_each_time():
    papers = list(load_catalog(Project(REPO_ROOT)).papers)
    positions = relate(papers, 5).positions
    assert positions.keys() == {paper.id for paper in papers}
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in positions.values())
    assert len(set(positions.values())) > len(papers) * 0.9  # spread out, not piled up
    random.Random(3).shuffle(papers)
    assert relate(papers, 5).positions == positions


def test_the_map_page_has_one_point_per_paper_each_linking_its_page(tmp_path: Path):
    listing = PaperList.existing(tmp_path / "seed")
    shutil.copytree(REPO_ROOT / "papers", listing.root / "papers")
    assert listing.run("build").exit_code == 0
    docs = listing.root / "build" / "docs"
    svg = (docs / "map.md").read_text(encoding="utf-8").split('<svg class="paper-map"', 1)[1].split("</svg>", 1)[0]
    links = re.findall(r'<a xlink:href="\.\./papers/([^/"]+)/"><circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    papers = {path.stem for path in (listing.root / "papers").glob("*.yml") if not path.name.startswith("_")}
    assert sorted(paper_id for paper_id, _, _ in links) == sorted(papers)
    assert all((docs / "papers" / f"{paper_id}.md").is_file() for paper_id, _, _ in links)
    assert all(0 <= float(x) <= 1000 and 0 <= float(y) <= 640 for _, x, y in links)
    assert "Map: map.md" in (docs / ".nav.yml").read_text(encoding="utf-8")


def test_a_list_of_one_paper_has_a_map_with_it_in_the_middle(tmp_path: Path):
    listing = _listing(tmp_path / "list")
    for number in (1, 2, 3):
        (listing.root / f"papers/p{number}.yml").unlink()
    assert listing.run("build").exit_code == 0
    assert '<a xlink:href="../papers/p0/"><circle cx="500.0" cy="320.0"' in (listing.root / "build/docs/map.md").read_text(encoding="utf-8")
    assert _related_on_page(listing.root, "p0") == []


# --- an update after an edit is a fresh computation, bit for bit ---

SEED = sorted(load_catalog(Project(REPO_ROOT)).papers, key=lambda p: p.id)


def _edited(paper: Paper, **fields: object) -> Paper:
    return Paper(paper.id, paper.source, freeze({**paper.fields, **fields}))


def _rows_computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each whole-row computation took on: the update computes few."""
    import site_gen.related

    computed: list[int] = []
    whole_rows = site_gen.related._best_rows

    def counting(vectors, rows, count):
        computed.append(len(rows))
        return whole_rows(vectors, rows, count)

    monkeypatch.setattr(site_gen.related, "_best_rows", counting)
    return computed


# Each edit to three papers, and whether it changes the vectors of few papers (a word that few
# papers have) or of most (a word most have: the whole computation runs again).
EDITS = {
    "a rare word added to an abstract": (lambda p: _edited(p, abstract=f"{p.abstract} Zyxwvutsrq."), True),
    "the title": (lambda p: _edited(p, title=f"{p.title} revisited"), True),
    "the abstract emptied": (lambda p: _edited(p, abstract=""), False),
    "a common word taken out of an abstract": (lambda p: _edited(p, abstract=(p.abstract or "").replace("memory", "")), False),
    "the tags": (lambda p: _edited(p, tags=[*p.tags[:1], "agents"] if "agents" not in p.tags else list(p.tags[:1])), False),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_an_update_after_an_edit_equals_a_fresh_computation(edit: str, monkeypatch: pytest.MonkeyPatch):
    change, few = EDITS[edit]
    before = relate(SEED, 5)
    papers = list(SEED)
    for row in (3, 70, 150):
        papers[row] = change(papers[row])
    computed = _rows_computed(monkeypatch)
    updated = relate(papers, 5, previous=before)
    if few:
        assert sum(computed) < len(papers) / 4  # an update, not the whole computation again
    assert updated == relate(papers, 5)  # every field: lists, scores, map, counts, vocabulary
    assert updated.similar != before.similar or updated.positions != before.positions


def test_nothing_changed_returns_the_previous_relations_and_a_new_paper_computes_all():
    before = relate(SEED, 5)
    assert relate(list(reversed(SEED)), 5, previous=before) is before
    extra = _paper("zzz-new", "Gradient low-rank projection for memory-efficient training", tags=("llm",))
    assert relate([*SEED, extra], 5, previous=before) == relate([*SEED, extra], 5)
    assert relate(SEED, 3, previous=before) == relate(SEED, 3)


@pytest.mark.parametrize("seed", range(6))
def test_updates_on_small_random_lists_with_many_ties_equal_fresh_computations(seed: int, monkeypatch: pytest.MonkeyPatch):
    import site_gen.related

    # Always the update, however many rows it computes again: every path of it meets the ties.
    monkeypatch.setattr(site_gen.related, "_UPDATE_UP_TO", 1.0)
    computed = _rows_computed(monkeypatch)
    rng = random.Random(seed)
    # A few words most papers use, many that few do: ties among the first, updates of few rows for the others.
    vocabulary = ["memory", "gradient", "agent", "recall", "sparse", "attention", "replay", "state", *(f"word{n}" for n in range(60))]
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]

    def text() -> str:
        return " ".join(rng.choices(vocabulary, weights, k=rng.randint(0, 6)))

    papers = [_paper(f"p{number:02d}", text() or "untitled", text(), tuple(rng.sample(["llm", "vision", "rl"], rng.randint(0, 2)))) for number in range(40)]
    relations = relate(papers, 4)
    for _ in range(8):
        for row in rng.sample(range(len(papers)), rng.randint(1, 3)):
            papers[row] = _edited(papers[row], abstract=text())
        relations = relate(papers, 4, previous=relations)
        assert relations == relate(papers, 4)
    assert min(computed) < len(papers)  # some updates kept rows and merged the changed papers' scores


def test_an_update_equals_a_fresh_computation_across_blocks_and_with_the_sparse_map(monkeypatch: pytest.MonkeyPatch):
    """The seed list in blocks of 7 papers, and its map from ARPACK (as a list of more than 500 papers has)."""
    import site_gen.related

    monkeypatch.setattr(site_gen.related, "_BLOCK_CELLS", 7 * len(SEED))
    monkeypatch.setattr(site_gen.related, "_DENSE_UP_TO", 20)
    before = relate(SEED, 5)
    papers = list(SEED)
    for row in (0, 8, 100):
        papers[row] = _edited(papers[row], abstract=f"{papers[row].abstract} Qwertyuiopasdf.")
    fresh = relate(papers, 5)
    assert relate(papers, 5, previous=before) == fresh
    assert fresh.similar["galore"][0] == "natural-galore"
    assert len(set(fresh.positions.values())) > len(papers) * 0.9


@pytest.mark.parametrize("width", [3, 40, 127, 128, 300, 1000])
@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("labels_per", ["entry", "place"])
def test_the_best_of_each_line_are_its_highest_positive_scores_ties_by_label(width: int, axis: int, labels_per: str):
    """`_best` sorts only the entries that reach a bound of each row's (or column's) fifth score;
    on lines full of ties and of scores of 0 or below, it chooses what sorting each whole line
    would, with labels given per entry (as a merge passes them: in no order) or per place."""
    import numpy as np

    from site_gen.related import _best

    rng = np.random.default_rng(width)
    lines, count = 40, 5
    scores = rng.integers(-1, 4, size=(lines, width)).astype(np.float32) / 4  # -0.25 .. 0.75: many equal, some not positive
    scores[:5] = 0  # lines with no positive score
    scores[5:10, 2:] = 0  # lines with fewer positive scores than `count`
    scores[10:20] = rng.random((10, width), dtype=np.float32)  # lines without ties
    if labels_per == "entry":
        labels = np.stack([rng.permutation(width) for _ in range(lines)]).astype(np.int32)
        per_line = labels
    else:
        labels = rng.permutation(width).astype(np.int32)
        per_line = np.broadcast_to(labels, scores.shape)
    if axis == 1:
        chosen, values = _best(scores, labels, count)
    else:  # the same lines as columns
        chosen, values = _best(np.ascontiguousarray(scores.T), labels if labels.ndim == 1 else np.ascontiguousarray(labels.T), count, axis=0)
    for line in range(lines):
        expected = sorted((-score, label) for score, label in zip(scores[line].tolist(), per_line[line].tolist()) if score > 0)[:count]
        padding = count - len(expected)
        assert chosen[line].tolist() == [label for _, label in expected] + [-1] * padding
        assert values[line].tolist() == [-score for score, _ in expected] + [0.0] * padding


@pytest.mark.parametrize("cells", [1, 7 * 7, 40 * 40, 10**9])
def test_each_pair_computed_once_chooses_what_every_row_in_full_does(cells: int, monkeypatch: pytest.MonkeyPatch):
    """The list in squares of papers (one paper each, 7, 40, all at once): each pair's similarity
    computed once and given to both its papers' rows chooses what computing every row whole does."""
    import numpy as np

    import site_gen.related
    from site_gen.related import _best_of_all, _best_rows, _counts, _vectors, _words

    monkeypatch.setattr(site_gen.related, "_BLOCK_CELLS", cells)
    papers = sorted(SEED, key=lambda p: p.id)
    vectors = _vectors(_counts(papers, _words)[1])
    best, scores = _best_of_all(vectors, 5)
    expected_best, expected_scores = _best_rows(vectors, np.arange(len(papers)), 5)
    assert np.array_equal(best, expected_best) and np.array_equal(scores, expected_scores)


def test_no_papers_have_no_best():
    import numpy as np
    from scipy import sparse

    from site_gen.related import _best_of_all

    best, scores = _best_of_all(sparse.csr_matrix((0, 3), dtype=np.float32), 5)
    assert best.shape == scores.shape == (0, 5)


@pytest.mark.parametrize("cuts", [(), (1,), (50, 51, 120), (0, 173)])
def test_counts_of_stretches_joined_are_the_counts_of_all(cuts: tuple[int, ...]):
    """Each worker counts a stretch of papers and numbers its own terms; joined, the stretches
    give the vocabulary and matrix of one count of all (empty stretches too)."""
    from site_gen.related import _count_stretch, _joined, _words

    documents = [_words(paper) for paper in SEED]
    bounds = [0, *cuts, len(documents)]
    vocabulary, matrix = _joined([_count_stretch(documents[low:high]) for low, high in zip(bounds, bounds[1:])])
    expected_vocabulary, expected = _joined([_count_stretch(documents)])
    assert vocabulary == expected_vocabulary == tuple(sorted({term for document in documents for term in document}))
    assert matrix.shape == expected.shape and matrix.has_sorted_indices
    for name in ("indptr", "indices", "data"):
        assert getattr(matrix, name).tolist() == getattr(expected, name).tolist()
    assert [dict(zip((vocabulary[i] for i in row.indices), row.data.tolist())) for row in matrix] == [
        dict(Counter(document)) for document in documents
    ]


def test_relations_counted_by_forked_workers_are_those_counted_here(monkeypatch: pytest.MonkeyPatch):
    import site_gen.related

    here = relate(SEED, 5)
    monkeypatch.setattr(site_gen.related, "_PARALLEL_FROM", 10)  # the seed list's 173 papers: in workers
    assert relate(SEED, 5) == here
