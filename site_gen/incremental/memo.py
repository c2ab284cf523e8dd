"""Pages and pieces remembered by what they are made from, so that a warm build renders only what
an edit changed.

A page or a piece is made by a template (or an export function) from named inputs, and its key is
derived from those inputs alone, at the one place it is asked for:
- a paper stands for its file's content key (the parse cache's digest of its path and bytes);
- a category or tag, the taxonomy or the options for a digest of their values;
- a piece for its own key, or, on a page keyed `by_content`, for a digest of its text;
- strings, numbers, flags and tuples of these for their values.
An input of any other kind (the whole catalog) makes a page that is rendered on every build: the
home page and the indexes, which are cheap. A template reads nothing but its inputs (the template
environment's undefined names are errors), so nothing it shows can be missing from its key.

A page is not rendered when the output still holds what was written for its key (`is_current`,
from the output manifest). A page assembled from many pieces (a long listing, the table of all
papers, papers.bib) is keyed `by_content`: an edit that none of its pieces shows (an abstract, on a
listing that shows none) leaves it current.

Every piece belongs to the paper among its inputs (`paper`) and is dropped with that paper's file.
Pieces' texts live in one store, loaded only when a page must be rendered from them; small values
that every build reads (citation stems, the digests of pieces' texts) in another.

`Memo()` remembers nothing and finds nothing current: a renderer given it renders everything, and
must write the same bytes as one given a memo full of earlier builds' pieces.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterable, Iterator, Mapping, MutableMapping

from site_gen.incremental.pool import run_batches
from site_gen.options import Options
from site_gen.records import Paper, Taxonomy, Term
from site_gen.templating import render
from site_gen.writer import Page

# A template's name, or a function of the inputs (the exports).
Make = str | Callable[..., str]
# A piece in the stores: (its paper's content key, what makes it, a digest of its other inputs).
PieceKey = tuple[bytes, str, bytes]
# Below this many pages and pieces to render, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 1000
_BATCH = 250


def join_digest(parts: Iterable[bytes]) -> bytes:
    """A key of many parts that are digests, content keys or short values. They are joined with a
    separator, not length-prefixed (~5x faster): a collision would need a part that imitates a
    separator and a neighbour's bytes at once."""
    return hashlib.blake2b(b"\x1f".join(parts), digest_size=16).digest()


def _name(make: Make) -> str:
    return make if isinstance(make, str) else f"{make.__module__}.{make.__qualname__}"


def _made(make: Make, inputs: Mapping[str, Any]) -> str:
    return render(make, **inputs).strip() if isinstance(make, str) else make(**inputs)


class Piece:
    """Text made from inputs, rendered (or taken from the store) when it is first read: as a
    string (`str(piece)`, escaped by the template that shows it)."""

    __slots__ = ("key", "make", "inputs", "small", "_memo")

    def __init__(self, memo: "Memo", key: PieceKey, make: Make, inputs: dict[str, Any], small: bool):
        self.key, self.make, self.inputs, self.small, self._memo = key, make, inputs, small, memo

    def __str__(self) -> str:
        return self._memo.text(self)


class MarkupPiece(Piece):
    """A template's output: Markdown or HTML that templates include as it is."""

    __slots__ = ()

    def __html__(self) -> str:
        return self._memo.text(self)


class PageSpec:
    """A page to make: its output path, what makes it, its inputs, and whether its key counts its
    pieces by their text (`by_content`)."""

    __slots__ = ("path", "make", "inputs", "by_content")

    def __init__(self, path: str, make: Make, inputs: dict[str, Any], by_content: bool = False):
        self.path, self.make, self.inputs, self.by_content = path, make, inputs, by_content

    def render(self) -> bytes:
        content = render(self.make, **self.inputs) if isinstance(self.make, str) else self.make(**self.inputs)
        return content if isinstance(content, bytes) else content.encode("utf-8")


class Memo:
    """`content_keys`: each paper id's content key; `pieces` and `small`: the two stores (read
    and extended; `added` holds what this build added, for the caller to save);
    `is_current(path, key)`: whether the output holds that page for that key. Without a
    `content_keys`, it remembers nothing (see the module's docstring)."""

    def __init__(
        self,
        content_keys: Mapping[str, bytes] | None = None,
        pieces: MutableMapping[PieceKey, str] | None = None,
        small: MutableMapping[PieceKey, Any] | None = None,
        is_current: Callable[[str, bytes], bool] | None = None,
    ):
        self.remembers = content_keys is not None
        self.content_keys = content_keys or {}
        self.stores = {False: {} if pieces is None else pieces, True: {} if small is None else small}
        self.added: dict[bool, dict[PieceKey, Any]] = {False: {}, True: {}}
        self.is_current = is_current or (lambda path, key: False)
        self._value_keys: dict[Term | Options, bytes] = {}

    # --- pieces ---

    def piece(self, make: Make, *, small: bool = False, **inputs: Any) -> Piece:
        """The piece that `make` makes of `inputs`, which name its paper `paper`. `small` pieces
        are short values that every build reads (kept in the small store)."""
        key: PieceKey = (b"", _name(make), b"")
        if self.remembers:
            inputs_key = self._key({name: value for name, value in inputs.items() if name != "paper"})
            if inputs_key is None:
                raise TypeError(f"{key[1]}: a piece's inputs must be records, pieces or plain values")
            key = (self.content_keys[inputs["paper"].id], key[1], inputs_key)
        return (MarkupPiece if isinstance(make, str) else Piece)(self, key, make, inputs, small)

    def text(self, piece: Piece) -> str:
        if not self.remembers:
            return _made(piece.make, piece.inputs)
        store = self.stores[piece.small]
        text = store.get(piece.key)
        if text is None:
            text = store[piece.key] = self.added[piece.small][piece.key] = _made(piece.make, piece.inputs)
        return text

    def digest(self, piece: Piece) -> bytes:
        """A digest of the piece's text, kept in the small store: a page keyed by its pieces' texts
        is checked without loading the texts."""
        key = (piece.key[0], piece.key[1] + " digest", piece.key[2])
        found = self.stores[True].get(key)
        if found is None:
            found = self.stores[True][key] = self.added[True][key] = hashlib.blake2b(self.text(piece).encode(), digest_size=16).digest()
        return found

    def _knows_digest(self, piece: Piece) -> bool:
        return (piece.key[0], piece.key[1] + " digest", piece.key[2]) in self.stores[True]

    # --- keys ---

    def _key(self, inputs: Mapping[str, Any], by_content: bool = False) -> bytes | None:
        parts: list[bytes] = []
        for name, value in inputs.items():
            parts.append(name.encode())
            if not self._add_parts(value, parts, by_content):
                return None
        return join_digest(parts)

    def _add_parts(self, value: Any, parts: list[bytes], by_content: bool) -> bool:
        if isinstance(value, Paper):
            parts.append(self.content_keys[value.id])
        elif isinstance(value, Piece):
            if by_content:
                parts.append(self.digest(value))
            else:
                content_key, make, inputs_key = value.key
                parts += (content_key, make.encode(), inputs_key)
        elif isinstance(value, (tuple, list)):
            parts.append(b"(")
            for item in value:
                if not self._add_parts(item, parts, by_content):
                    return False
            parts.append(b")")
        elif value is None or isinstance(value, (str, int, float)):
            parts.append(repr(value).encode())
        elif isinstance(value, (Term, Options)):
            key = self._value_keys.get(value)
            if key is None:
                key = self._value_keys[value] = hashlib.blake2b(repr(value).encode(), digest_size=16).digest()
            parts.append(key)
        elif isinstance(value, Taxonomy):
            parts.append(hashlib.blake2b(repr(value).encode(), digest_size=16).digest())
        else:  # the whole catalog, say: no key short of the whole list
            return False
        return True

    def page_key(self, spec: PageSpec) -> bytes | None:
        if not self.remembers:
            return None
        inputs_key = self._key(spec.inputs, spec.by_content)
        return None if inputs_key is None else join_digest([_name(spec.make).encode(), inputs_key])

    # --- pages ---

    def pages(self, specs: Iterable[PageSpec]) -> Iterator[Page]:
        """The pages, each rendered unless the output holds it for its key. Pages and the pieces
        that pages keyed by content need are rendered by forked workers when there are many (they
        inherit this memo: nothing is pickled on the way in); the pages keyed by content are then
        assembled here, from those pieces."""
        stale: list[tuple[PageSpec, bytes | None]] = []
        by_content: list[PageSpec] = []
        for spec in specs:
            if spec.by_content:
                by_content.append(spec)
                continue
            key = self.page_key(spec)
            if key is not None and self.is_current(spec.path, key):
                yield Page(spec.path, None, key)
            else:
                stale.append((spec, key))
        wanted: dict[PieceKey, Piece] = {}
        if self.remembers:
            for spec in by_content:
                for piece in _pieces(spec.inputs):
                    if piece.key not in wanted and not self._knows_digest(piece):
                        wanted[piece.key] = piece
        jobs = _by_paper([*stale, *wanted.values()])

        def render_batch(indices: range) -> tuple[list[Page], dict[bool, dict[PieceKey, Any]]]:
            return self._render([jobs[index] for index in indices])  # workers inherit `jobs`

        for pages, added in run_batches(render_batch, range(len(jobs)), PARALLEL_THRESHOLD, _BATCH):
            for small, pieces in added.items():
                self.stores[small].update(pieces)
                self.added[small].update(pieces)
            yield from pages
        for spec in by_content:
            key = self.page_key(spec)
            if key is not None and self.is_current(spec.path, key):
                yield Page(spec.path, None, key)
            else:
                yield Page(spec.path, spec.render(), key or b"")

    def _render(self, jobs: list) -> tuple[list[Page], dict[bool, dict[PieceKey, Any]]]:
        """Render a batch of pages and pieces; returns the pages and the pieces added meanwhile
        (in a worker, those are what the parent process does not have)."""
        outer, self.added = self.added, {False: {}, True: {}}
        try:
            pages = []
            for job in jobs:
                if isinstance(job, Piece):
                    self.digest(job)
                else:
                    spec, key = job
                    pages.append(Page(spec.path, spec.render(), key or b""))
            return pages, self.added
        finally:
            self.added = outer


def _by_paper(jobs: list) -> list:
    """Pages and pieces with the pieces of each paper next to its page (in the same batch, a
    piece that the page also shows is rendered once), papers in the order of their pages."""
    order: dict[str, int] = {}
    for job in jobs:
        paper = job.inputs.get("paper") if isinstance(job, Piece) else job[0].inputs.get("paper")
        if isinstance(paper, Paper):
            order.setdefault(paper.id, len(order))

    def position(job) -> int:
        paper = job.inputs.get("paper") if isinstance(job, Piece) else job[0].inputs.get("paper")
        return order[paper.id] if isinstance(paper, Paper) else len(order)

    return sorted(jobs, key=position)


def _pieces(value: Any) -> Iterator[Piece]:
    """The pieces among a page's inputs, however deep in tuples."""
    if isinstance(value, Piece):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _pieces(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _pieces(item)
