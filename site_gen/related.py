"""Papers -> what their texts say about them together: each paper's most similar papers (TF-IDF
vectors of titles, abstracts and tags, compared by cosine similarity) and a map of the list.

Pure and deterministic: the same papers give the same lists, in whatever order they come, ties
broken by paper id; and the same map, the papers' places along the two directions in which their
texts differ most. A paper is related to another only if their texts share a word; at most
`count` papers are listed. The similarity of every pair is computed exactly, once (a sparse
matrix product, a square of papers at a time so that memory stays flat), the texts tokenised in
forked workers and the map computed beside the products: ~1.8-2.1 s at 10,000 papers on two
cores and ~27 s at 50,000, where the pairs are 25 times as many (bench/relations.py).

`relate` is given the relations of the build before (from the cache) and returns them as they
are when no title, abstract or tag changed. When a few papers' texts did, it updates them, and
the result is exactly a fresh computation's, bit for bit: the term counts are the same matrix
(the vocabulary is sorted, so each paper's terms keep their order), so are the TF-IDF vectors
made from it; a similarity can change only for a pair with a paper whose vector changed (its
text did, or the idf of one of its terms), and every similarity is the sum of the products of
the terms its two papers share, in vocabulary order, whichever rows and columns are computed
with it (so it is also the same bits from either paper's row). A row is computed again
whole when its paper's vector changed or one of its related papers' did; any other row keeps its
list and scores and takes in the changed papers' new scores.

Weights, as is usual for short documents: the tf of a word is 1 + log(count) (a word said ten
times is not ten times as telling), its idf log((1 + n) / (1 + df)) + 1 (with log(1 + df) rounded
to a quarter of log 2, see `_frequency_steps`), each vector scaled to length 1. What a paper's
terms are is `document`'s; `site-gen add` ranks the listed papers by the same terms and weights
(`tf_idf`) to suggest a new paper's category and tags.

What is kept for the next build is plain Python (bytes, tuples, dicts): reading it back does not
import NumPy and SciPy (~0.2 s), which only a build that computes imports.
"""

from __future__ import annotations

import array
import functools
import hashlib
import math
import os
import re
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence, TypeVar

from site_gen.incremental.pool import run_batches
from site_gen.records import Paper

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Words of English prose, and of papers' prose ("propose", "novel"), that say nothing about a
# paper's subject. IDF makes them light, but they are in every abstract, and each word shared by
# most papers makes the pairwise product denser.
_STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how however i if in into is it its itself just may me might more
most much must my myself new no nor not novel now of off on once only or other our ours ourselves out over
own paper propose proposed same she should show shows so some such than that the their theirs them
themselves then there these they this those through thus to too toward towards under until up upon us use
used using very via was we well were what when where which while who whom why will with within without
would yet you your yours yourself yourselves
""".split())

# Similarities computed at once, per thread (rows of the matrix times papers, or a square of
# √_BLOCK_CELLS papers a side): ~32 MB of the sparse product, its dense copy and that turned,
# however long the list.
_BLOCK_CELLS = 2_000_000
# A row's scores are cut into this many groups for the bound of its best (`_best`).
_GROUPS = 64
# Up to this many papers (or words) the map's components come from a dense SVD of the vectors: a
# few MB, exact, instant. Beyond, the dense matrix grows with papers times words (10,000 x 28,000
# floats: 1 GB), and ARPACK iterates on the sparse one.
_DENSE_UP_TO = 500
# An update pays while the rows it computes again are few; past this share of the list, the
# whole computation is simpler and as fast.
_UPDATE_UP_TO = 0.25
# From this many documents, tokenising them in forked workers pays for starting the workers.
_PARALLEL_FROM = 2000

T = TypeVar("T")


@functools.cache
def _word() -> re.Pattern:
    """A letter or digit, then letters, digits and combining marks (the vowel signs of Devanagari,
    say, which are not \\w), and words joined by a hyphen or an apostrophe; in a text without
    underscores (\\w has them). One character class for the letters and marks is twice as fast as
    a letter-then-marks group. Made when first used: listing the marks takes ~15 ms, which a build
    that tokenises nothing does not pay."""
    marks = "".join(chr(code) for code in range(0x300, 0x10000) if unicodedata.category(chr(code)).startswith("M"))
    rest = rf"[\w{re.escape(marks)}]*"
    return re.compile(rf"\w{rest}(?:[-']\w{rest})*")


def terms(text: str) -> list[str]:
    """The words of a text that similarity counts, in order: NFKC-normalised (one code point or a
    letter and an accent are one word) and casefolded, without stop words, numbers and single
    letters, a plural folded into its singular ("memories" stays, "models" -> "model")."""
    return [term for term in map(_term, _word().findall(unicodedata.normalize("NFKC", text).casefold().replace("_", " "))) if term]


@functools.lru_cache(maxsize=1 << 17)  # bounded: `make serve` keeps its process for hours
def _term(word: str) -> str:
    """The term a word counts as, "" for none. Decided once per word: a list's abstracts repeat
    their words, ~200 per paper from a vocabulary of tens of thousands."""
    if len(word) < 2 or word in _STOP_WORDS or word.isdigit():
        return ""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def document(title: str, abstract: str, tags: Iterable[str] = ()) -> list[str]:
    """The terms of a paper as similarity counts them: the title's twice (it says more per word
    than the abstract), the abstract's, and each tag as a term of its own (`#tag`), so that two
    papers of the same tag are nearer than two that only use its words."""
    title_terms = terms(title)
    return [*title_terms, *title_terms, *terms(abstract), *(f"#{tag}" for tag in tags)]


def tf_idf(documents: Sequence[list[str]]) -> "sparse.csr_matrix":
    """The TF-IDF vectors (length 1, float32) of documents' terms, one row each."""
    return _vectors(_counts(documents, lambda terms: terms)[1])


def _words(paper: Paper) -> list[str]:
    return document(paper.title, paper.abstract or "", paper.tags)


def _text_digest(paper: Paper) -> bytes:
    text = "\x1e".join((paper.title, paper.abstract or "", "\x1f".join(paper.tags)))
    return hashlib.blake2b(text.encode(), digest_size=12).digest()


@dataclass(frozen=True)
class Relations:
    """Each paper's place on the map (x and y in 0..1) and its most similar papers (`similar`);
    and, for the next build's update, what they were computed from."""

    positions: Mapping[str, tuple[float, float]]
    count: int = 0
    ids: tuple[str, ...] = ()  # in id order, as the rows and columns below
    digests: tuple[bytes, ...] = ()  # of each paper's title, abstract and tags
    vocabulary: tuple[str, ...] = ()  # sorted
    counts: tuple[bytes, bytes, bytes] = (b"", b"", b"")  # CSR indptr, indices (int32), data (int32): terms per paper
    best: bytes = b""  # each row's related columns (int32, -1 where there are fewer) ...
    scores: bytes = b""  # ... and their similarities (float32)

    @functools.cached_property
    def similar(self) -> Mapping[str, tuple[str, ...]]:
        """Each paper's id -> the ids of its most similar papers, most similar first."""
        columns = array.array("i", self.best)
        return {
            paper_id: tuple(self.ids[column] for column in columns[row * self.count : (row + 1) * self.count] if column >= 0)
            for row, paper_id in enumerate(self.ids)
        }

    def __getstate__(self) -> dict:
        # What `similar` is made from is kept, not `similar` itself.
        return {name: value for name, value in self.__dict__.items() if name != "similar"}


def relate(papers: Iterable[Paper], count: int, previous: Relations | None = None) -> Relations:
    """The `count` papers most similar to each and the map of all; `previous` (the relations of
    the build before, if any) is returned as it is when no text changed, else updated."""
    by_id = sorted(papers, key=lambda p: p.id)
    ids = tuple(paper.id for paper in by_id)
    digests = tuple(_text_digest(paper) for paper in by_id)
    comparable = previous is not None and previous.count == count and previous.ids == ids
    if comparable and previous.digests == digests:
        return previous
    if not ids:
        return Relations({}, count)
    import numpy as np

    changed = [row for row, (new, old) in enumerate(zip(digests, previous.digests)) if new != old] if comparable else []
    if changed and len(changed) <= _UPDATE_UP_TO * len(ids):
        vocabulary, counts = _updated_counts(previous, changed, [_words(by_id[row]) for row in changed])
    else:
        vocabulary, counts = _counts(by_id, _words)
        changed = []
    vectors = _vectors(counts)
    # The map's iterations keep one core busy only; the products fill the cores beside them.
    with ThreadPoolExecutor(max_workers=1) as mapping:
        placed = mapping.submit(_positions, vectors)
        if count == 0:
            best, scores = np.full((len(ids), 0), -1, np.int32), np.zeros((len(ids), 0), np.float32)
        elif changed:
            best, scores = _updated_best(vectors, previous, vocabulary, counts, changed, count)
        else:
            best, scores = _best_of_all(vectors, count)
        positions = placed.result()
    return Relations(
        positions=dict(zip(ids, positions)),
        count=count, ids=ids, digests=digests, vocabulary=vocabulary,
        counts=(counts.indptr.astype(np.int32).tobytes(), counts.indices.astype(np.int32).tobytes(), counts.data.astype(np.int32).tobytes()),
        best=best.astype(np.int32).tobytes(), scores=scores.astype(np.float32).tobytes(),
    )


# --- term counts and vectors ---


def _counts(documents: Sequence[T], words: Callable[[T], list[str]]) -> tuple[tuple[str, ...], "sparse.csr_matrix"]:
    """The sorted vocabulary of the documents' `words`, and each document's term counts as a row
    (columns in vocabulary order, each row's terms in that order). Many documents are tokenised
    and counted in forked workers, a stretch each (tokenising is most of it: ~0.7 s of CPU at
    10,000 papers), and their counts joined here."""
    def count(rows: range) -> _Counted:
        return _count_stretch(words(documents[row]) for row in rows)  # workers inherit `documents`

    return _joined(list(run_batches(count, range(len(documents)), _PARALLEL_FROM)))


# A stretch of documents counted: its terms in the order its counts number them, and its rows as
# CSR columns (int32), counts (int32) and lengths.
_Counted = tuple[list[str], array.array, array.array, array.array]


def _count_stretch(documents: Iterable[list[str]]) -> _Counted:
    """Each document is counted as it comes and its new terms numbered as they come (in a set's
    order, which varies between runs): the words of 50,000 abstracts, held at once, take ~0.5 GB."""
    first_seen: dict[str, int] = {}
    indices, data, lengths = array.array("i"), array.array("i"), array.array("i")
    for document in documents:
        counted = Counter(document)
        for term in set(counted).difference(first_seen):  # set.difference looks each up in the dict: C speed
            first_seen[term] = len(first_seen)
        _add_row(counted, first_seen, indices, data)
        lengths.append(len(counted))
    return list(first_seen), indices, data, lengths


def _joined(stretches: list[_Counted]) -> tuple[tuple[str, ...], "sparse.csr_matrix"]:
    """The vocabulary and counts of consecutive stretches: their terms' numbers replaced by the
    terms' places in the sorted vocabulary of all."""
    import numpy as np
    from scipy import sparse

    vocabulary = tuple(sorted(set().union(*(terms for terms, *_ in stretches))))
    column = {term: index for index, term in enumerate(vocabulary)}
    indices = [
        np.fromiter(map(column.__getitem__, terms), np.int32, count=len(terms))[np.frombuffer(numbers, np.int32)]
        for terms, numbers, _, _ in stretches
    ]
    lengths = np.concatenate([[0], *(np.frombuffer(lengths, np.int32) for *_, lengths in stretches)])
    matrix = sparse.csr_matrix(
        (np.concatenate([np.frombuffer(data, np.int32) for _, _, data, _ in stretches]), np.concatenate(indices), np.cumsum(lengths).astype(np.int32)),
        shape=(len(lengths) - 1, len(vocabulary)),
    )
    matrix.sort_indices()
    return vocabulary, matrix


def _add_row(counted: Counter, column: Mapping[str, int], indices: array.array, data: array.array) -> None:
    """Append a document's term counts to a matrix's columns and values (C ints), in the
    Counter's order: the caller sorts the matrix's indices."""
    indices.extend(map(column.__getitem__, counted))
    data.extend(counted.values())


def _counts_matrix(relations: Relations) -> "sparse.csr_matrix":
    import numpy as np
    from scipy import sparse

    indptr, indices, data = (np.frombuffer(part, np.int32) for part in relations.counts)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(relations.ids), len(relations.vocabulary)))


def _updated_counts(previous: Relations, changed: list[int], documents: list[list[str]]) -> tuple[tuple[str, ...], "sparse.csr_matrix"]:
    """The counts of `_counts` for the previous papers with the `changed` rows' `documents` new:
    the same vocabulary (sorted, of the terms some paper has) and the same matrix."""
    import numpy as np
    from scipy import sparse

    old = _counts_matrix(previous)
    counted = {row: Counter(document) for row, document in zip(changed, documents)}
    kept = np.ones(old.shape[0], bool)
    kept[list(counted)] = False
    still_used = np.zeros(old.shape[1], bool)
    still_used[old[kept].indices] = True
    vocabulary = tuple(sorted({term for term, used in zip(previous.vocabulary, still_used) if used}.union(*counted.values())))
    column = {term: index for index, term in enumerate(vocabulary)}
    renumbered = np.array([column.get(term, -1) for term in previous.vocabulary], np.int32)
    # The unchanged rows between two changed ones as one slice each, with their columns renumbered.
    indices, data, lengths = [], [], []
    start = 0
    for row in [*sorted(counted), old.shape[0]]:
        low, high = old.indptr[start], old.indptr[row]
        indices.append(renumbered[old.indices[low:high]])
        data.append(old.data[low:high])
        lengths.append(np.diff(old.indptr[start : row + 1]))
        if row < old.shape[0]:
            row_indices, row_data = array.array("i"), array.array("i")
            _add_row(counted[row], column, row_indices, row_data)
            indices.append(np.frombuffer(row_indices, np.int32))
            data.append(np.frombuffer(row_data, np.int32))
            lengths.append(np.array([len(row_indices)]))
        start = row + 1
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int32)
    matrix = sparse.csr_matrix(
        (np.concatenate(data).astype(np.int32), np.concatenate(indices).astype(np.int32), indptr), shape=(old.shape[0], len(vocabulary)),
    )
    matrix.sort_indices()
    return vocabulary, matrix


def _frequency_steps(counts: "sparse.csr_matrix") -> "np.ndarray":
    """Each term's log2(1 + df), rounded to quarters: the idf is made of it. An edit moves a word's df by one,
    which changes the word's idf, and so every vector that has the word (a common word's: most),
    only where it crosses a step; a list's words stand a few steps apart anyway."""
    import numpy as np

    return np.round(np.log2(1 + np.bincount(counts.indices, minlength=counts.shape[1])) * 4) / 4


def _vectors(counts: "sparse.csr_matrix") -> "sparse.csr_matrix":
    """The TF-IDF vectors of length 1 (float32), one per row of counts."""
    import numpy as np
    from scipy import sparse

    rows, columns = counts.shape
    idf = (np.log(1 + rows) - _frequency_steps(counts) * np.log(2) + 1).astype(np.float32)
    weights = (np.log(counts.data.astype(np.float32)) + np.float32(1)) * idf[counts.indices]
    squares = sparse.csr_matrix((weights * weights, counts.indices, counts.indptr), shape=counts.shape)
    lengths = np.sqrt(squares @ np.ones(columns, np.float32))
    lengths[lengths == 0] = 1  # a paper without words: its vector stays zero
    weights /= np.repeat(lengths, np.diff(counts.indptr))
    return sparse.csr_matrix((weights.astype(np.float32), counts.indices, counts.indptr), shape=counts.shape)


# --- the most similar papers ---


def _best(scores: "np.ndarray", labels: "np.ndarray", count: int, axis: int = 1) -> tuple["np.ndarray", "np.ndarray"]:
    """Each row's (`axis` 1) or each column's (`axis` 0) `count` entries of the highest positive
    scores, highest first, ties by label (padded with label -1, score 0). `labels` name the
    entries: one per entry, or one per place along a row (or column). Only the entries that reach
    a bound of each line's `count`-th highest score are sorted: a few more than `count` per line,
    but for ties. Columns are read where they are, not turned into rows (a copy of the square)."""
    import numpy as np

    lines = scores.shape[1 - axis]
    chosen, values = np.full((lines, count), -1, np.int32), np.zeros((lines, count), np.float32)
    if count == 0 or scores.size == 0:
        return chosen, values
    bound = np.maximum(_bound(scores, count, axis), np.nextafter(np.float32(0), np.float32(1)))
    # Flat positions: NumPy finds them ~10x faster than (row, column) pairs.
    row, column = np.divmod(np.flatnonzero(scores >= np.expand_dims(bound, axis)), scores.shape[1])
    line, place = (row, column) if axis == 1 else (column, row)
    found = scores[row, column]
    label = labels[place] if labels.ndim == 1 else labels[row, column]
    order = np.lexsort((label, -found, line))
    line, found, label = line[order], found[order], label[order]
    rank = np.arange(len(line)) - np.searchsorted(line, line)  # the place of each entry in its line
    kept = rank < count
    chosen[line[kept], rank[kept]], values[line[kept], rank[kept]] = label[kept], found[kept]
    return chosen, values


def _bound(scores: "np.ndarray", count: int, axis: int) -> "np.ndarray":
    """For each line along `axis` a score that at least `count` of its entries reach (all of
    them, in a line of fewer): the `count`-th highest of the maxima of its `_GROUPS` groups (the
    entries whose places are the same modulo `_GROUPS`: the maxima are different entries, so
    `count` of them reach it), or the `count`-th highest entry itself in a short line. It is
    seldom far below the line's own `count`-th highest."""
    import numpy as np

    width = scores.shape[axis]
    if width < 2 * _GROUPS or count > _GROUPS:
        reach = min(count, width)
        return np.partition(scores, width - reach, axis=axis).take(width - reach, axis=axis)
    even = width - width % _GROUPS
    # Groups of interleaved places: each maximum is taken over whole runs of memory (~4x faster
    # than over a row's stretches of neighbours).
    if axis == 1:
        maxima = scores[:, :even].reshape(scores.shape[0], -1, _GROUPS).max(axis=1)
        rest = scores[:, even:]
    else:
        maxima = scores[:even].reshape(-1, _GROUPS, scores.shape[1]).max(axis=0).T
        rest = scores[even:].T
    if even < width:
        maxima[:, 0] = np.maximum(maxima[:, 0], rest.max(axis=1))
    return np.partition(maxima, _GROUPS - count, axis=1)[:, _GROUPS - count]


def _best_rows(vectors: "sparse.csr_matrix", rows: "np.ndarray", count: int) -> tuple["np.ndarray", "np.ndarray"]:
    """For each of `rows`, its `count` most similar other rows and their similarities."""
    import numpy as np

    transposed = vectors.T.tocsr()
    size = max(1, _BLOCK_CELLS // vectors.shape[0])

    def block(start: int) -> tuple["np.ndarray", "np.ndarray"]:
        chosen = rows[start : start + size]
        scores = (vectors[chosen] @ transposed).toarray()
        scores[np.arange(len(chosen)), chosen] = -1  # not itself
        return _best(scores, np.arange(scores.shape[1], dtype=np.int32), count)

    # SciPy's product and NumPy's partition release the GIL: threads use every core.
    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        blocks = list(pool.map(block, range(0, len(rows), size)))
    return np.concatenate([best for best, _ in blocks]), np.concatenate([scores for _, scores in blocks])


def _best_of_all(vectors: "sparse.csr_matrix", count: int) -> tuple["np.ndarray", "np.ndarray"]:
    """`_best_rows` of every row, each pair's similarity computed once: the papers in squares of
    √`_BLOCK_CELLS` a side, each square on or below the diagonal giving the best of its rows among
    its columns and, below it, the best of its columns among its rows; a row's best is the best
    of what its squares gave, merged as they come. A similarity is the same bits whichever of its
    two rows it is summed in (the terms the two papers share, in vocabulary order), so this
    chooses what `_best_rows` does."""
    import numpy as np

    papers = vectors.shape[0]
    if papers == 0:
        return np.full((0, count), -1, np.int32), np.zeros((0, count), np.float32)
    size = max(1, min(papers, math.isqrt(_BLOCK_CELLS)))
    starts = range(0, papers, size)
    blocks = [vectors[start : start + size] for start in starts]
    transposed = [block.T.tocsr() for block in blocks]

    def papers_of(block: int) -> "np.ndarray":
        return np.arange(starts[block], starts[block] + blocks[block].shape[0], dtype=np.int32)

    def square(pair: tuple[int, int]) -> list[tuple[int, tuple["np.ndarray", "np.ndarray"]]]:
        row_block, column_block = pair
        scores = (blocks[row_block] @ transposed[column_block]).toarray()
        if row_block == column_block:
            np.fill_diagonal(scores, -1)  # not itself
            return [(row_block, _best(scores, papers_of(column_block), count))]
        return [(row_block, _best(scores, papers_of(column_block), count)), (column_block, _best(scores, papers_of(row_block), count, axis=0))]

    found: list[tuple["np.ndarray", "np.ndarray"] | None] = [None] * len(starts)
    # SciPy's product and NumPy's partition release the GIL: threads use every core.
    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        for results in pool.map(square, [(row, column) for row in range(len(starts)) for column in range(row + 1)]):
            for block, (best, scores) in results:
                if found[block] is not None:
                    kept_best, kept_scores = found[block]
                    best, scores = _best(np.concatenate([kept_scores, scores], axis=1), np.concatenate([kept_best, best], axis=1), count)
                found[block] = best, scores
    return np.concatenate([best for best, _ in found]), np.concatenate([scores for _, scores in found])


def _threads() -> int:
    """The cores this process may use (where the system says which: Linux), else all."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _updated_best(
    vectors: "sparse.csr_matrix", previous: Relations, vocabulary: tuple[str, ...], counts: "sparse.csr_matrix", changed: list[int], count: int,
) -> tuple["np.ndarray", "np.ndarray"]:
    """`_best_rows` of every row, from the previous build's and the `changed` rows."""
    import numpy as np

    rows = vectors.shape[0]
    old_steps = dict(zip(previous.vocabulary, _frequency_steps(_counts_matrix(previous)).tolist()))
    moved = np.array([old_steps.get(term) != steps for term, steps in zip(vocabulary, _frequency_steps(counts).tolist())], bool)
    changed_vectors = np.zeros(rows, bool)
    changed_vectors[changed] = True
    changed_vectors[np.unique(counts[:, np.flatnonzero(moved)].nonzero()[0])] = True
    best = np.frombuffer(previous.best, np.int32).reshape(rows, count).copy()
    scores = np.frombuffer(previous.scores, np.float32).reshape(rows, count).copy()
    # Whose list held a paper whose vector changed: a paper beyond it may now come in.
    again = changed_vectors | (changed_vectors[best] & (best >= 0)).any(axis=1)
    if again.sum() > _UPDATE_UP_TO * rows:
        return _best_of_all(vectors, count)
    moved_rows = np.flatnonzero(changed_vectors)
    kept_rows = np.flatnonzero(~again)
    if len(kept_rows) and len(moved_rows):
        with_moved = (vectors[kept_rows] @ vectors[moved_rows].T).toarray()
        merged_scores = np.concatenate([scores[kept_rows], with_moved], axis=1)
        merged_columns = np.concatenate([best[kept_rows], np.broadcast_to(moved_rows.astype(np.int32), with_moved.shape)], axis=1)
        merged_scores = np.where(merged_columns >= 0, merged_scores, np.float32(0))
        best[kept_rows], scores[kept_rows] = _best(merged_scores, merged_columns, count)
    recomputed = np.flatnonzero(again)
    best[recomputed], scores[recomputed] = _best_rows(vectors, recomputed, count)
    return best, scores


# --- the map ---


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
        u, s = u[:, :2], s[:2]
    else:
        centred = LinearOperator(
            (rows, columns), dtype=np.float32,
            matvec=lambda v: vectors @ v.ravel() - mean @ v.ravel(), rmatvec=lambda u: vectors.T @ u.ravel() - mean * u.sum(),
        )
        # A fixed start vector: ARPACK otherwise starts from a random one.
        u, s, _ = svds(centred, k=2, v0=np.full(min(rows, columns), 1 / np.sqrt(min(rows, columns))), solver="arpack")
        order = np.argsort(-s)
        u, s = u[:, order], s[order]
    # A direction in which the texts do not differ at all has a singular value of rounding noise,
    # not 0: it is dropped, or the noise would be stretched across the map.
    coordinates = u * np.where(s > 1e-6 * max(s.max(initial=0), 1e-30), s, 0)
    if coordinates.shape[1] < 2:  # fewer papers or words than directions
        coordinates = np.hstack([coordinates, np.zeros((rows, 2 - coordinates.shape[1]))])
    # A component's sign is arbitrary: turn each so that its largest value is positive.
    coordinates *= np.where(coordinates.max(axis=0) >= -coordinates.min(axis=0), 1, -1)
    low, high = np.percentile(coordinates, [0.5, 99.5], axis=0)
    # Along a direction in which the texts do not differ (one paper, two), the papers are in the middle.
    scaled = np.where(high > low, np.clip((coordinates - low) / np.where(high > low, high - low, 1), 0, 1), 0.5)
    return [(round(float(x), 4), round(float(y), 4)) for x, y in scaled]
