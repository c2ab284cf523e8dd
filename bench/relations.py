"""What related papers and the map cost a build: `site_gen.build.relations` timed in-process on a
synthetic list (the one script here that imports the generator: the stage has no command of its
own, and a whole build's time hides it). For each run: computed with an empty cache (cold),
found in the cache with no text changed (warm), and updated after one paper's abstract gained a
sentence; the update is checked against a fresh computation.

    .venv/bin/python bench/relations.py --papers 10000 --runs 3
    .venv/bin/python bench/relations.py --list /tmp/big           # an existing list folder
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402  (bench/ is a folder of scripts, not a package)

from site_gen.build import load_catalog, relations  # noqa: E402
from site_gen.catalog import Catalog  # noqa: E402
from site_gen.incremental.cache import BuildCache  # noqa: E402
from site_gen.options import Options  # noqa: E402
from site_gen.project import Project  # noqa: E402
from site_gen.records import Paper, freeze  # noqa: E402
from site_gen.related import relate  # noqa: E402


def with_abstract_edited(catalog: Catalog, index: int, run: int) -> Catalog:
    papers = list(catalog.papers)
    paper = papers[index]
    papers[index] = Paper(paper.id, paper.source, freeze({**paper.fields, "abstract": f"{paper.abstract or ''} Benchmark edit {run}."}))
    return Catalog.build(catalog.taxonomy, papers)


def measure(root: Path, runs: int) -> None:
    catalog = load_catalog(Project(root))
    options = Options.of(catalog.taxonomy)
    for run in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            cache_dir = Path(folder)
            cache = BuildCache(cache_dir, cache_dir / "out")
            start = time.perf_counter()
            relations(catalog, options, cache)
            cold = time.perf_counter() - start
            cache.save()
            size = (cache_dir / "relations.pickle").stat().st_size
            start = time.perf_counter()
            relations(catalog, options, BuildCache(cache_dir, cache_dir / "out"))
            warm = time.perf_counter() - start
            edited = with_abstract_edited(catalog, (run * 997) % len(catalog.papers), run)
            start = time.perf_counter()
            updated = relations(edited, options, BuildCache(cache_dir, cache_dir / "out"))
            update = time.perf_counter() - start
            assert updated == relate(edited.papers, options.similar_papers), "the update differs from a fresh computation"
        print(f"run {run + 1}: cold {cold:.2f} s, warm {warm * 1000:.0f} ms, after an abstract edit {update:.2f} s; cache {size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--list", type=Path, help="an existing list folder instead of a synthetic one")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.list:
        measure(args.list, args.runs)
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "list"
        synthetic.generate(root, args.papers)
        measure(root, args.runs)


if __name__ == "__main__":
    main()
