"""Papers -> each paper's most similar papers by text: TF-IDF vectors of their titles, abstracts and
tags, compared by cosine similarity.

Pure and deterministic: the same papers give the same lists, in whatever order they come, ties
broken by paper id; and the same map, the papers' places along the two directions in which their
texts differ most. A paper is related to another only if their texts share a word; at most
`count` papers are listed. The similarities of every pair are computed exactly (a sparse matrix
product, a block of papers at a time so that memory stays flat), which at 10,000 papers takes a
few seconds: the build keeps the result in its cache, keyed by `corpus_key`.

Weights, as is usual for short documents: the tf of a word is 1 + log(count) (a word said ten
times is not ten times as telling), its idf log((1 + n) / (1 + df)) + 1, each vector scaled to
length 1. The title's words count twice; a tag counts as a word of its own (`#tag`), so that two
papers of the same tag are nearer than two that only use its words.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Iterable, Mapping, NamedTuple

from site_gen.records import Paper

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Words of English prose that say nothing about a paper's subject. IDF makes them light, but they
# are in every abstract, and each word shared by most papers makes the pairwise product denser.
_STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how however i if in into is it its itself just may me might more
most much must my myself no nor not now of off on once only or other our ours ourselves out over own same
she should so some such than that the their theirs them themselves then there these they this those
through thus to too under until up upon us very via was we were what when where which while who whom why
will with within without would you your yours yourself yourselves
""".split())
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
# Rows of the similarity matrix made at once: 10,000 columns of float32, ~10 MB per block.
_BLOCK = 256
# Up to this many papers (or words) the map's components come from a dense SVD, exact and instant;
# ARPACK's iterations, for the sparse matrix of a long list, need more rows than components.
_DENSE_UP_TO = 500


def words(paper: Paper) -> list[str]:
    """The terms of a paper's text, as the similarity counts them (with repeats)."""
    title = [word for word in _WORD.findall(paper.title.casefold()) if word not in _STOP_WORDS and not word.isdigit()]
    abstract = [word for word in _WORD.findall((paper.abstract or "").casefold()) if word not in _STOP_WORDS and not word.isdigit()]
    return [*title, *title, *abstract, *(f"#{tag}" for tag in paper.tags)]


def corpus_key(papers: Iterable[Paper], count: int) -> bytes:
    """A digest of everything `relate` reads: each paper's id, title, abstract and tags."""
    digest = hashlib.blake2b(f"{count}".encode(), digest_size=16)
    for paper in sorted(papers, key=lambda p: p.id):
        digest.update("\x1e".join((paper.id, paper.title, paper.abstract or "", "\x1f".join(paper.tags))).encode())
        digest.update(b"\x1d")
    return digest.digest()


def _tf_idf(documents: list[list[str]]) -> "sparse.csr_matrix":
    # Imported here, as in the functions below: NumPy and SciPy take ~0.2 s to load, which a build
    # that finds the relations in its cache does not pay.
    import numpy as np
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for document in documents:
        for term, times in Counter(document).items():
            indices.append(vocabulary.setdefault(term, len(vocabulary)))
            counts.append(times)
        indptr.append(len(indices))
    shape = (len(documents), len(vocabulary))
    matrix = sparse.csr_matrix((np.log(np.asarray(counts, dtype=np.float32)) + 1, indices, indptr), shape=shape)
    document_frequency = np.bincount(np.asarray(indices, dtype=np.int64), minlength=shape[1])
    matrix = matrix @ sparse.diags(np.log((1 + shape[0]) / (1 + document_frequency)).astype(np.float32) + 1)
    lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    lengths[lengths == 0] = 1
    return sparse.csr_matrix(sparse.diags(1 / lengths).astype(np.float32) @ matrix)


def _best(scores: "np.ndarray", count: int) -> list[list[int]]:
    """Each row's columns of the `count` highest positive scores, highest first, ties by column."""
    import numpy as np

    count = min(count, scores.shape[1])
    chosen = np.argpartition(-scores, count - 1, axis=1)[:, :count]
    top = np.take_along_axis(scores, chosen, axis=1)
    order = np.lexsort((chosen, -top), axis=1)
    chosen, top = np.take_along_axis(chosen, order, axis=1), np.take_along_axis(top, order, axis=1)
    # Where more columns score as high as the lowest chosen one, the partition chose among equals
    # at random: those rows are chosen again, the first columns winning.
    tied = (scores >= top[:, -1:]).sum(axis=1) > count
    rows = []
    for row, columns, values, unsure in zip(scores, chosen, top, tied):
        if unsure:
            columns = np.flatnonzero(row >= max(values[-1], np.float32(1e-30)))
            columns = columns[np.lexsort((columns, -row[columns]))][:count]
        else:
            columns = columns[values > 0]
        rows.append(columns.tolist())
    return rows


class Relations(NamedTuple):
    """What the texts of a list's papers say about them together: each paper's most similar
    papers (by id, most similar first) and its place on a map of the list (x and y in 0..1)."""

    similar: Mapping[str, tuple[str, ...]]
    positions: Mapping[str, tuple[float, float]]


def relate(papers: Iterable[Paper], count: int) -> Relations:
    """The `count` papers most similar to each (only papers that share a word with it), and a map
    of all."""
    by_id = sorted(papers, key=lambda p: p.id)
    ids = [paper.id for paper in by_id]
    if not ids:
        return Relations({}, {})
    vectors = _tf_idf([words(paper) for paper in by_id])
    similar = _similar(vectors, count) if count > 0 else [[] for _ in ids]
    positions = _positions(vectors)
    return Relations(
        {paper_id: tuple(ids[column] for column in columns) for paper_id, columns in zip(ids, similar)},
        dict(zip(ids, positions)),
    )


def _similar(vectors: "sparse.csr_matrix", count: int) -> list[list[int]]:
    import numpy as np

    transposed = vectors.T.tocsr()

    def block(start: int) -> list[list[int]]:
        scores = (vectors[start : start + _BLOCK] @ transposed).toarray()
        scores[np.arange(len(scores)), np.arange(start, start + len(scores))] = -1  # not itself
        return _best(scores, count)

    # SciPy's product and NumPy's partition release the GIL: threads use every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        return [row for rows in pool.map(block, range(0, vectors.shape[0], _BLOCK)) for row in rows]


def _positions(vectors: "sparse.csr_matrix") -> list[tuple[float, float]]:
    """The papers' vectors projected on their two principal components (the directions in which
    the texts differ most), scaled to 0..1; the few papers beyond the 0.5th and 99.5th percentiles
    are put on the edge, so that they do not squeeze all others into a corner."""
    import numpy as np
    from scipy.sparse.linalg import LinearOperator, svds

    mean = np.asarray(vectors.mean(axis=0)).ravel()
    rows, columns = vectors.shape
    if min(rows, columns) <= _DENSE_UP_TO:
        u, s, _ = np.linalg.svd(vectors.toarray() - mean, full_matrices=False)
        coordinates = u[:, :2] * s[:2]
    else:
        centred = LinearOperator(
            (rows, columns), dtype=np.float32,
            matvec=lambda v: vectors @ v.ravel() - mean @ v.ravel(), rmatvec=lambda u: vectors.T @ u.ravel() - mean * u.sum(),
        )
        # A fixed start vector: ARPACK otherwise starts from a random one.
        u, s, _ = svds(centred, k=2, v0=np.full(min(rows, columns), 1 / np.sqrt(min(rows, columns))), solver="arpack")
        coordinates = u[:, np.argsort(-s)] * np.sort(s)[::-1]
    if coordinates.shape[1] < 2:  # texts that differ in one direction only
        coordinates = np.hstack([coordinates, np.zeros((rows, 2 - coordinates.shape[1]))])
    # A component's sign is arbitrary: turn each so that its largest value is positive.
    coordinates *= np.where(coordinates.max(axis=0) >= -coordinates.min(axis=0), 1, -1)
    low, high = np.percentile(coordinates, [0.5, 99.5], axis=0)
    # Along a direction in which the texts do not differ (one paper, two), the papers are in the middle.
    scaled = np.where(high > low, np.clip((coordinates - low) / np.where(high > low, high - low, 1), 0, 1), 0.5)
    return [(round(float(x), 4), round(float(y), 4)) for x, y in scaled]
