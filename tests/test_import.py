"""`site-gen import`: BibTeX, CSL-JSON and a Jekyll collection into a list whose site builds.

Each source is written by the test with what real exports hold: LaTeX accents and braces,
corporate authors, arXiv ids in eprint, journal, number, DOI and links, a paper that is already
on the list, one that the source repeats, and a broken entry. Imports never use the network:
the guard from the `add` tests fails any connection that is not to this machine.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import textwrap
from html import unescape
from pathlib import Path

import pytest
import yaml

from site_gen.urls import RESERVED_NAMES
from tests.conftest import PaperList
from tests.test_add import OTHER_PAPERS
from tests.sitebuild import BIN, generate

LISTED = {
    "memgpt": OTHER_PAPERS["memgpt"],
    "ntm": """\
        title: Neural Turing Machines Revisited
        authors: [Alex Graves]
        year: 2016
        doi: 10.1145/3290353.1
        category: agents
        tags: [llm]
        added: 2024-01-05
        """,
}

BIBTEX = r"""@string{neurips = {Advances in Neural Information Processing Systems}}

@inproceedings{goodfellow2014,
  title     = {Generative Adversarial Nets: Training {GAN}s with a Minimax Game},
  author    = {Goodfellow, Ian and Pouget-Abadie, Jean and M{\"o}ller, J\'er\^ome and {OpenAI}},
  booktitle = neurips,
  year      = {2014},
  eprint    = {1406.2661},
  archivePrefix = {arXiv},
  abstract  = {A generator and a discriminator
               are trained against each other.},
  keywords  = {Generative Models, LLM},
}

@article{kipf2016,
  title   = {Semi-Supervised Classification with Graph Convolutional Networks},
  author  = {Kipf, Thomas N. and Welling, Max},
  journal = {arXiv preprint arXiv:1609.02907},
  year    = {2016},
  keywords = {training, low-rank},
}

@article{galore-again,
  title  = {{GaLore}: memory-efficient {LLM} training by gradient low-rank projection},
  author = {Zhao, Jiawei},
  year   = 2024,
  url    = {https://arxiv.org/abs/2403.03507v2},
}

@inproceedings{kipf2017,
  title     = {Semi-supervised classification with graph convolutional networks.},
  author    = {Kipf, Thomas and Welling, Max},
  booktitle = {ICLR},
  year      = {2017},
}

@article{broken,
  title  = {An entry that never closes,
  author = {Nobody, A.},

@article{graves2016,
  title    = {Hybrid computing using a neural network with dynamic external memory},
  author   = {Graves, Alex and Wayne, Greg},
  journal  = {Nature},
  year     = {2016},
  doi      = {https://doi.org/10.1038/nature20101},
  keywords = {memory; Differentiable Neural Computer},
}
"""

KEYWORD_MAP = """\
# keyword in the source: what it means on this list
generative models: {category: training, tags: [vision]}
differentiable neural computer: {category: agents, tags: [llm]}
"""

CSL_ITEMS = [
    {
        "id": "vaswani2017", "type": "paper-conference", "title": "Attention Is All You Need",
        "author": [{"family": "Vaswani", "given": "Ashish"}, {"family": "Kaiser", "given": "Łukasz"}, {"literal": "Google Brain"}],
        "issued": {"date-parts": [[2017, 6, 12]]}, "container-title": "Advances in Neural Information Processing Systems",
        "number": "arXiv:1706.03762", "DOI": "10.48550/arXiv.1706.03762", "URL": "http://arxiv.org/abs/1706.03762",
        "abstract": "Training the new architecture takes less memory and time.", "keyword": "Computer Science - Computation and Language, LLM",
    },
    {
        "id": "ntm-again", "type": "article-journal", "title": "Neural Turing machines, revisited once more",
        "author": [{"family": "Graves", "given": "Alex"}], "issued": {"date-parts": [["2016"]]}, "DOI": "10.1145/3290353.1",
    },
    {
        "id": "transformer-preprint", "type": "article", "title": "Attention is all you need (preprint)",
        "author": [{"family": "Vaswani", "given": "Ashish"}], "issued": {"date-parts": [[2017]]}, "URL": "https://arxiv.org/abs/1706.03762v5",
    },
    {"id": "untitled", "type": "article", "author": [{"family": "Nobody"}]},
    {
        "id": "reflexion", "type": "paper-conference", "title": "Reflexion: Language Agents with Verbal Reinforcement Learning",
        "author": [{"family": "Shinn", "given": "Noah"}, {"family": "Cassano", "given": "Federico"}],
        "issued": {"date-parts": [[2023]]}, "container-title": "NeurIPS", "URL": "https://openreview.net/forum?id=vAElhFcKW6",
        "abstract": "Language agents remember their conversations in an episodic memory and the agent improves over long horizons.",
    },
    {
        "id": "galore-2", "type": "article", "title": "GaLore: Memory-Efficient Training Once More",
        "author": [{"family": "Zhang", "given": "Zhenyu"}], "issued": {"date-parts": [[2025]]}, "number": "arXiv:2501.00001",
        "keyword": "training, low-rank",
    },
]

JEKYLL_PAGES = {
    "allamanis2018learning.md": """\
        ---
        layout: publication
        title: "Learning to Represent Programs with Graphs"
        authors: Miltiadis Allamanis, Marc Brockschmidt, Mahmoud Khademi
        conference: ICLR
        year: 2018
        additional_links:
           - {name: "ArXiV", url: "https://arxiv.org/abs/1711.00740"}
           - {name: "GGNN Code", url: "https://github.com/Microsoft/gated-graph-neural-network-samples"}
           - {name: "Video", url: "https://www.youtube.com/watch?v=abcdef"}
        tags: ["GNN", "llm", "training"]
        ---
        Learning tasks on source code (i.e., formal languages) have been considered recently,
        but most work has tried to transfer natural language methods.
        """,
    "alon2019code2vec.md": """\
        ---
        layout: publication
        title: 'code2vec: Learning "Distributed" Representations of Code # not a comment'
        authors: [Uri Alon, Meital Zilberstein, Omer Levy, Eran Yahav]
        conference:
        journal: Proceedings of the ACM on Programming Languages
        year: 2019
        additional_links:
           - {name: "DOI", url: "https://doi.org/10.1145/3290353"}
        tags: ["Agents"]
        ---
        Agents remember conversations in memory over long horizons, like operating systems.
        """,
    "index2020.md": """\
        ---
        title: "Index: Reserved Names in Paper Lists"
        authors: Ada Lovelace and Charles Babbage
        year: 2020
        additional_links:
           - {name: "Code", url: "https://github.com/example/index"}
           - {name: "Paper", url: "https://example.org/index-paper"}
        tags: [training, vision]
        ---
        """,
    "zhao2024galore.md": """\
        ---
        title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"
        authors: Jiawei Zhao
        year: 2024
        tags: [training]
        ---
        """,
    "broken2021.md": """\
        ---
        title: "A title that never ends
        authors: Nobody
        ---
        """,
}


@pytest.fixture
def import_list(paper_list: PaperList) -> PaperList:
    """The small list (GaLore) with two more papers, for duplicates by DOI and suggestions."""
    for paper_id, text in LISTED.items():
        paper_list.write(paper_id, text)
    assert paper_list.check().exit_code == 0
    return paper_list


def write_source(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(listing: PaperList, source: Path, *options: str):
    return listing.run("import", str(source), *options)


def paper_files(listing: PaperList) -> dict[str, dict]:
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in (listing.root / "papers").glob("*.yml") if path.stem != "_taxonomy"
    }


def build_site(listing: PaperList) -> Path:
    """`site-gen check`, `site-gen build` and `mkdocs build --strict` on the list, as a
    maintainer runs them after an import; returns the built site."""
    assert listing.check().exit_code == 0, listing.check().output
    env = generate(listing.root)
    site = listing.root / "site"
    proc = subprocess.run(
        [BIN / "mkdocs", "build", "--strict", "--config-file", listing.root / "mkdocs.yml", "--site-dir", site],
        env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return site


def assert_on_its_page(site: Path, paper_id: str, *texts: str) -> None:
    page = unescape((site / "papers" / paper_id / "index.html").read_text(encoding="utf-8"))
    for text in texts:
        assert text in page, (paper_id, text)


# --- BibTeX and CSL-JSON, into a list whose site builds -----------------------------------------


def test_bibtex_and_csl_json_import_into_a_list_that_builds(import_list: PaperList, tmp_path: Path):
    sources = tmp_path / "sources"
    bib = write_source(sources, "library.bib", BIBTEX)
    keyword_map = write_source(sources, "keywords.yml", KEYWORD_MAP)
    result = run_import(import_list, bib, "--map", str(keyword_map))
    assert result.exit_code == 0, result.output
    csl = write_source(sources, "zotero.json", json.dumps(CSL_ITEMS, indent=2, ensure_ascii=False))
    result = run_import(import_list, csl)
    assert result.exit_code == 0, result.output

    papers = paper_files(import_list)
    today = dt.date.today().isoformat()
    gan = papers["generative-adversarial-nets"]
    assert gan == {
        "title": "Generative Adversarial Nets: Training GANs with a Minimax Game",
        "authors": ["Ian Goodfellow", "Jean Pouget-Abadie", "Jérôme Möller", "OpenAI"],
        "year": 2014,
        "venue": "Advances in Neural Information Processing Systems 2014",  # through the @string macro
        "venue_type": "conference",  # an @inproceedings
        "arxiv": "1406.2661",
        "category": "training",  # from the map
        "tags": ["vision", "llm"],  # from the map, and LLM is the list's tag llm
        "abstract": "A generator and a discriminator are trained against each other.",
        "added": today,
    }
    gcn = papers["semi-supervised-classification-graph"]
    assert gcn["arxiv"] == "1609.02907" and "venue" not in gcn  # an arXiv preprint is not a venue
    assert gcn["authors"] == ["Thomas N. Kipf", "Max Welling"]
    assert (gcn["category"], gcn["tags"]) == ("training", ["low-rank"])  # keywords that are the list's slugs
    dnc = papers["hybrid-computing-using-neural"]
    assert (dnc["doi"], dnc["venue"], dnc["category"], dnc["tags"]) == ("10.1038/nature20101", "Nature 2016", "agents", ["llm"])
    assert dnc["venue_type"] == "journal"  # an @article

    transformer = papers["attention-all-you-need"]
    assert transformer["authors"] == ["Ashish Vaswani", "Łukasz Kaiser", "Google Brain"]
    assert transformer["arxiv"] == "1706.03762" and "doi" not in transformer and "url" not in transformer  # arXiv's own DOI and link
    assert transformer["venue"] == "Advances in Neural Information Processing Systems 2017"
    assert transformer["venue_type"] == "conference"  # a paper-conference
    assert transformer["tags"] == ["llm"] and transformer["category"] == "training"  # the tag from its keywords, the category suggested
    reflexion = papers["reflexion"]
    assert reflexion["url"] == "https://openreview.net/forum?id=vAElhFcKW6" and reflexion["venue"] == "NeurIPS 2023"
    assert (reflexion["category"], reflexion["tags"]) == ("agents", ["llm"])  # suggested by MemGPT, the most similar paper
    assert papers["galore-2025"]["arxiv"] == "2501.00001"  # galore is taken by the listed paper
    assert set(papers) == {"galore", *LISTED, "generative-adversarial-nets", "semi-supervised-classification-graph",
                           "hybrid-computing-using-neural", "attention-all-you-need", "reflexion", "galore-2025"}

    site = build_site(import_list)
    assert_on_its_page(site, "generative-adversarial-nets", gan["title"], "Jérôme Möller", "OpenAI", gan["venue"])
    assert_on_its_page(site, "hybrid-computing-using-neural", dnc["title"], "Alex Graves", "Nature 2016")
    assert_on_its_page(site, "attention-all-you-need", "Attention Is All You Need", "Łukasz Kaiser", transformer["venue"])
    assert_on_its_page(site, "reflexion", reflexion["title"], "Noah Shinn", "NeurIPS 2023")
    # The exports cite each as its source's entry type said.
    bib = (site / "papers.bib").read_text(encoding="utf-8")
    assert "@inproceedings{goodfellow2014generative," in bib and "@article{graves2016hybrid," in bib


def test_the_summary_names_duplicates_and_failures_with_their_lines(import_list: PaperList, tmp_path: Path):
    bib = write_source(tmp_path, "library.bib", BIBTEX)
    result = run_import(import_list, bib)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    source = bib.as_posix()
    assert f"skipped {source}:23 (galore-again): already on the list as papers/galore.yml (same arXiv id 2403.03507)" in lines
    assert f"skipped {source}:30 (kipf2017): the same paper as {source}:15 (kipf2016) (same title)" in lines
    assert any(line.startswith(f"{source}:37:1: error: entry 'broken' is not valid BibTeX: ") and " — " in line for line in lines)
    assert "3 imported, 2 skipped as duplicates, 1 failed" in lines
    # Without the map, the GAN paper's keywords give only the tag llm; its category is suggested.
    assert any(line.startswith("imported papers/generative-adversarial-nets.yml from") and "tags llm (its keywords)" in line for line in lines)

    csl = write_source(tmp_path, "zotero.json", json.dumps(CSL_ITEMS, indent=1))
    result = run_import(import_list, csl)
    lines = result.output.splitlines()
    assert f"skipped {csl.as_posix()}:35 (ntm-again): already on the list as papers/ntm.yml (same DOI 10.1145/3290353.1)" in lines
    assert any(line.startswith(f"skipped {csl.as_posix()}:54 (transformer-preprint): the same paper as {csl.as_posix()}:2 (vaswani2017)") for line in lines)
    assert any(line.startswith(f"{csl.as_posix()}:73:2: error: item 'untitled' has no title — ") for line in lines)


def test_importing_again_skips_every_paper(import_list: PaperList, tmp_path: Path):
    csl = write_source(tmp_path, "zotero.json", json.dumps(CSL_ITEMS))
    assert run_import(import_list, csl).exit_code == 0
    before = paper_files(import_list)
    result = run_import(import_list, csl)
    assert result.exit_code == 1, result.output  # nothing could be imported: the untitled item still fails
    assert "0 imported, 5 skipped as duplicates, 1 failed" in result.output
    assert paper_files(import_list) == before


def test_what_import_writes_is_data_escaped_by_the_yaml_writer(import_list: PaperList, tmp_path: Path):
    hostile = {
        "id": "x", "title": "Colons: \"quotes\", #hashes, 'single', {braces} & [brackets]\nand: a newline, *alias, !tag",
        "author": [{"literal": "- not a list item"}, {"literal": "yes"}], "issued": {"date-parts": [[2020]]},
        "URL": "https://example.org/paper?a=1#b", "abstract": "2401.10020", "keyword": "training, llm",
    }
    csl = write_source(tmp_path, "hostile.json", json.dumps([hostile]))
    assert run_import(import_list, csl).exit_code == 0
    [paper] = [value for key, value in paper_files(import_list).items() if key not in ("galore", *LISTED)]
    assert paper["title"] == " ".join(hostile["title"].split())
    assert paper["authors"] == ["- not a list item", "yes"] and paper["abstract"] == "2401.10020"
    assert import_list.check().exit_code == 0  # the list's own reader (YAML 1.1 types refused) reads it as written


# --- a Jekyll collection ------------------------------------------------------------------------


def test_jekyll_collection_imports_into_a_list_that_builds(import_list: PaperList, tmp_path: Path):
    collection = tmp_path / "ml4code" / "_publications"
    for name, text in JEKYLL_PAGES.items():
        write_source(collection, name, textwrap.dedent(text))
    result = run_import(import_list, collection)
    assert result.exit_code == 0, result.output

    papers = paper_files(import_list)
    ggnn = papers["learning-represent-programs-graphs"]
    assert ggnn["authors"] == ["Miltiadis Allamanis", "Marc Brockschmidt", "Mahmoud Khademi"]
    assert (ggnn["venue"], ggnn["arxiv"]) == ("ICLR 2018", "1711.00740")
    assert ggnn["code"] == "https://github.com/Microsoft/gated-graph-neural-network-samples"
    assert ggnn["links"] == {"Video": "https://www.youtube.com/watch?v=abcdef"}
    assert (ggnn["category"], ggnn["tags"]) == ("training", ["llm"])
    assert ggnn["abstract"].startswith("Learning tasks on source code (i.e., formal languages) have been considered recently, but")
    code2vec = papers["code2vec"]
    assert code2vec["title"] == 'code2vec: Learning "Distributed" Representations of Code # not a comment'
    assert code2vec["venue"] == "Proceedings of the ACM on Programming Languages 2019"
    assert code2vec["doi"] == "10.1145/3290353" and "links" not in code2vec
    assert (code2vec["category"], code2vec["tags"]) == ("agents", ["llm"])  # the category its tag names, tags suggested
    reserved = papers["index-2020"]  # never a reserved name: papers/index.md is the table of all papers
    assert "index" in RESERVED_NAMES and "index" not in papers
    assert reserved["authors"] == ["Ada Lovelace", "Charles Babbage"]
    assert (reserved["url"], reserved["code"]) == ("https://example.org/index-paper", "https://github.com/example/index")
    assert set(papers) == {"galore", *LISTED, "learning-represent-programs-graphs", "code2vec", "index-2020"}

    lines = result.output.splitlines()
    page = collection.as_posix()
    assert f"skipped {page}/zhao2024galore.md:1: already on the list as papers/galore.yml (same title)" in lines
    assert any(line.startswith(f"{page}/broken2021.md:4:1: error: invalid YAML: ") for line in lines)

    site = build_site(import_list)
    assert_on_its_page(site, "learning-represent-programs-graphs", "Learning to Represent Programs with Graphs", "Marc Brockschmidt", "ICLR 2018")
    assert_on_its_page(site, "code2vec", code2vec["title"], "Eran Yahav", code2vec["venue"])
    assert_on_its_page(site, "index-2020", "Index: Reserved Names in Paper Lists", "Charles Babbage")


# --- options and bad input ----------------------------------------------------------------------


def test_dry_run_prints_and_writes_nothing(import_list: PaperList, tmp_path: Path):
    bib = write_source(tmp_path, "library.bib", BIBTEX)
    before = sorted((import_list.root / "papers").iterdir())
    result = run_import(import_list, bib, "--dry-run")
    assert result.exit_code == 0, result.output
    assert sorted((import_list.root / "papers").iterdir()) == before
    assert "would write papers/generative-adversarial-nets.yml from" in result.output
    assert "3 to import, 2 skipped as duplicates, 1 failed" in result.output
    assert "--dry-run: nothing was written" in result.output


def test_a_paper_without_category_is_written_and_check_names_what_is_missing(paper_list: PaperList, tmp_path: Path):
    bib = write_source(tmp_path, "one.bib", "@misc{x, title = {Quantum Zebra Migration}, author = {Doe, Jane}, year = 2020, url = {https://example.org/zebra}}\n")
    result = run_import(paper_list, bib)
    assert result.exit_code == 0, result.output
    assert "no category (fill it in), no tags (fill them in)" in result.output
    check = paper_list.check()
    assert check.exit_code == 1
    problems = [line for line in check.output.splitlines() if ": error: " in line]
    assert [line.split(": error: ")[1].split(" — ")[0] for line in problems] == ["missing required field 'category'", "missing required field 'tags'"]
    assert all(line.startswith("papers/quantum-zebra-migration.yml:") for line in problems)
    assert "missing required field 'category'" in result.output  # import ran the check and said so


def test_map_maps_keywords_and_its_mistakes_are_located(import_list: PaperList, tmp_path: Path):
    bib = write_source(tmp_path, "library.bib", BIBTEX)
    bad_map = write_source(tmp_path, "keywords.yml", "generative models: {category: trainin}\nmemory: {tags: [llm, gan]}\nllm: vision\n")
    result = run_import(import_list, bib, "--map", str(bad_map))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert errors == [
        f"{bad_map.as_posix()}:1:31: error: unknown category 'trainin' — did you mean 'training'?",
        f"{bad_map.as_posix()}:2:22: error: unknown tag 'gan' — use a tag defined in papers/_taxonomy.yml",
        f"{bad_map.as_posix()}:3:6: error: keyword 'llm' must map to category: and/or tags: — write it like llm: {{category: a-category, tags: [a-tag]}}",
    ]
    assert set(paper_files(import_list)) == {"galore", *LISTED}  # nothing was imported

    good_map = write_source(tmp_path, "keywords.yml", "GENERATIVE   models: {category: agents, tags: [low-rank]}\n")
    assert run_import(import_list, bib, "--map", str(good_map)).exit_code == 0
    gan = paper_files(import_list)["generative-adversarial-nets"]
    assert (gan["category"], gan["tags"]) == ("agents", ["low-rank", "llm"])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.json", '[\n  {"title": "A"},\n  {"title": "B",}\n]\n', ":3:17: error: invalid JSON: Expecting property name enclosed in double quotes — "),
        ("latin1.bib", "@misc{x, title = {Caf\xe9}}".encode("latin-1"), ":1:22: error: byte 0xe9 is not valid UTF-8 — "),
        ("missing.bib", None, ":1:1: error: cannot read the file: No such file or directory — "),
        ("papers.csv", "title\nA\n", ":1:1: error: cannot tell the format of 'papers.csv' — "),
        ("empty.bib", "% nothing here\n", ":1:1: error: no paper found — "),
        ("object.json", "42", ":1:1: error: a CSL-JSON file holds an array of items — "),
    ],
)
def test_bad_input_is_one_located_line_and_exit_1(paper_list: PaperList, tmp_path: Path, name: str, content, expected: str):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    result = run_import(paper_list, path)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(path.as_posix() + expected), result.stderr
    assert "Traceback" not in result.output
    assert set(paper_files(paper_list)) == {"galore"}
