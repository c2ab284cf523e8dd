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
papers, papers.bib) is keyed `by_content`: an edit that none of its pieces shows (an abstract, on
a listing that shows none) leaves it current. Pages made together by one function of named
inputs (a `Section`: a category's paper pages) are keyed the same way as a whole: when the
section's inputs are those of the last build, its pages' keys are taken from then, and their
specs are not even made.

A page that lists every paper (an export, the table of all papers) or thousands (a long
listing's year) holds its pieces in `Stretches`: runs of a few hundred papers' pieces, each keyed
like a piece by its papers and inputs. Keyed by content, the page counts each run by one digest of its pieces' digests, kept from
the last build, so an edit makes again the pieces of its run only, not 10,000.

A process that builds again and again (`mkdocs serve`) keeps the inputs its sections and runs
were keyed from: where the next build's are equal, their keys are taken as they were (`KeysAsked`).

Every piece belongs to one paper and is dropped with that paper's file.
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
# Papers per run of a page's Stretches: an edit makes this many pieces again, a page keys
# 10,000 / this many runs.
STRETCH = 200
_NO_INPUTS = hashlib.blake2b(b"", digest_size=16).digest()
# Values whose repr is their key (a float's repr reads back as the same float).
_PLAIN = frozenset({str, int, float, bool})


def join_digest(parts: Iterable[bytes]) -> bytes:
    """A key of many parts that are digests, content keys or short values. They are joined with a
    separator, not length-prefixed (~5x faster): a collision would need a part that imitates a
    separator and a neighbour's bytes at once."""
    return hashlib.blake2b(b"\x1f".join(parts), digest_size=16).digest()


def _name(make: Make) -> str:
    return make if isinstance(make, str) else f"{make.__module__}.{make.__qualname__}"


def _made(make: Make, paper: Paper, inputs: Mapping[str, Any]) -> str:
    return render(make, paper=paper, **inputs).strip() if isinstance(make, str) else make(paper, **inputs)


class Piece:
    """Text made from inputs, rendered (or taken from the store) when it is first read: as a
    string (`str(piece)`, escaped by the template that shows it)."""

    __slots__ = ("key", "make", "paper", "inputs", "_memo")

    def __init__(self, memo: "Memo", key: PieceKey, make: Make, paper: Paper, inputs: dict[str, Any]):
        self.key, self.make, self.paper, self.inputs, self._memo = key, make, paper, inputs, memo

    def __str__(self) -> str:
        return self._memo.text(self)


class MarkupPiece(Piece):
    """A template's output: Markdown or HTML that templates include as it is."""

    __slots__ = ()

    def __html__(self) -> str:
        return self._memo.text(self)


class Stretch:
    """The pieces that `make` makes of consecutive papers, each with its own values of the inputs
    in `each` (name -> a value per paper) and the inputs in `shared`; the pieces are made when
    first read."""

    __slots__ = ("make", "papers", "each", "shared", "key", "_memo", "_pieces")

    def __init__(self, memo: "Memo", make: Make, papers: tuple[Paper, ...], each: dict[str, tuple], shared: dict[str, Any]):
        self.make, self.papers, self.each, self.shared, self._memo, self._pieces = make, papers, each, shared, memo, None
        self.key: bytes | None = None  # derived by the memo when first needed

    def pieces(self) -> tuple[Piece, ...]:
        if self._pieces is None:
            self._pieces = self._memo.pieces(self.make, self.papers, self.each, **self.shared)
        return self._pieces


class Stretches:
    """Many papers' pieces (from `Memo.stretches`), read as one sequence of pieces in order."""

    __slots__ = ("runs",)

    def __init__(self, runs: tuple[Stretch, ...]):
        self.runs = runs

    def __iter__(self) -> Iterator[Piece]:
        for run in self.runs:
            yield from run.pieces()

    def __len__(self) -> int:
        return sum(len(run.papers) for run in self.runs)


class PageSpec:
    """A page to make: its output path, what makes it, its inputs, and whether its key counts its
    pieces by their text (`by_content`)."""

    __slots__ = ("path", "make", "inputs", "by_content")

    def __init__(self, path: str, make: Make, inputs: dict[str, Any], by_content: bool = False):
        self.path, self.make, self.inputs, self.by_content = path, make, inputs, by_content

    def render(self) -> bytes:
        content = render(self.make, **self.inputs) if isinstance(self.make, str) else self.make(**self.inputs)
        return content if isinstance(content, bytes) else content.encode("utf-8")


class Section:
    """Pages made by one function of named inputs (`function(memo, **inputs)` returns their
    specs): the category's paper pages, say. Its key is derived from its inputs like a page's, so
    when they are unchanged the keys its pages had last time are taken as they were, without
    making the specs again. The function must read nothing but its inputs (and the templates,
    code and settings they name)."""

    __slots__ = ("function", "inputs")

    def __init__(self, function: Callable[..., Iterable[PageSpec]], inputs: dict[str, Any]):
        self.function, self.inputs = function, inputs

    def specs(self, memo: "Memo") -> list[PageSpec]:
        return list(self.function(memo, **self.inputs))


class KeysAsked:
    """The keys one build derived for its sections and for the runs of its Stretches, each with
    the inputs it was derived from and by its place (a section's: its position among the
    sections, which every build asks in the same order; a run's: what makes it and its first and
    last paper, since runs are asked only for the sections made again), and the records they were
    made of. A process that builds again (`mkdocs serve`) takes a key from the build before when
    the section or run in the same place has equal inputs: the papers it kept are the same
    objects, so comparing costs a fraction of deriving the key (~10 parts per paper: at 10,000
    papers ~0.15 s of every rebuild)."""

    def __init__(self, taxonomy: Taxonomy, papers: Iterable[Paper]):
        self.taxonomy = taxonomy
        self.papers = {paper.id: paper for paper in papers}
        self.sections: dict[int, tuple[str, dict[str, Any], bytes]] = {}
        self.stretches: dict[tuple[str, str, str, int], tuple[str, dict[str, Any], bytes]] = {}

    def follows(self, earlier: "KeysAsked") -> bool:
        """Whether inputs equal to the earlier build's are made of the same data: when the
        taxonomy is the same (`Memo._equal` then takes the two for equal without comparing them),
        and no paper was edited into one equal to what it was but for what == does not compare.
        Values read from the files are strings, whole numbers (a year is never 2020.0), tuples
        and mappings, as the schema and the reader make them, so that is the order of a
        mapping's keys (a paper's links), which its repr shows."""
        if not (self.taxonomy == earlier.taxonomy and repr(self.taxonomy) == repr(earlier.taxonomy)):
            return False
        for paper_id, paper in self.papers.items():
            before = earlier.papers.get(paper_id)
            if before is not None and before is not paper and before == paper and repr(before) != repr(paper):
                return False
        return True


class Memo:
    """`content_keys`: each paper id's content key; `texts` and `small`: the two stores, of the
    pieces' texts and of small values (read and extended);
    `is_current(path, key)`: whether the output holds that page for that key, and `holds(path)`
    whether it holds a page at that path at all (when it does not, as in a cold build, a page's
    key is derived where the page is rendered, by a worker when there are many); `asked`, where
    this build's keys of sections and runs are noted, and `earlier`, the build's before
    (`KeysAsked`).
    Without a `content_keys`, it remembers nothing (see the module's docstring)."""

    def __init__(
        self,
        content_keys: Mapping[str, bytes] | None = None,
        texts: MutableMapping[PieceKey, str] | None = None,
        small: MutableMapping[PieceKey, Any] | None = None,
        is_current: Callable[[str, bytes], bool] | None = None,
        sections: Mapping[bytes, tuple[tuple[str, bytes], ...]] | None = None,
        stretch_digests: Mapping[bytes, bytes] | None = None,
        holds: Callable[[str], bool] | None = None,
        asked: KeysAsked | None = None,
        earlier: KeysAsked | None = None,
    ):
        self.remembers = content_keys is not None
        self.content_keys = content_keys or {}
        self.texts = {} if texts is None else texts
        self.small = {} if small is None else small
        self.is_current = is_current or (lambda path, key: False)
        # Told only whether pages are current, a page may be at any path; told nothing, at none.
        self.holds = holds or (lambda path: is_current is not None)
        self.sections = sections or {}
        # What this build's sections gave (section key -> its pages' paths and keys), to save.
        self.used_sections: dict[bytes, tuple[tuple[str, bytes], ...]] = {}
        # The same for runs of Stretches: a run's key -> the digest of its pieces' digests.
        self.stretch_digests = stretch_digests or {}
        self.used_stretch_digests: dict[bytes, bytes] = {}
        # Pieces already made in this build: a paper's entry is on ~5 listings.
        self._pieces: dict[tuple, Piece] = {}
        self._value_keys: dict[int, tuple[object, bytes | None]] = {}
        self._inputs_keys: dict[tuple, bytes] = {}
        self._names: dict[Make, str] = {}
        # While pages keyed by content are first looked at: the pieces whose digest is unknown.
        self._wanted: dict[PieceKey, Piece] | None = None
        self._missing = 0
        self.asked = asked
        self._earlier = earlier if asked is not None and earlier is not None and asked.follows(earlier) else None

    # --- pieces ---

    def piece(self, make: Make, paper: Paper, **inputs: Any) -> Piece:
        """The piece of `paper` that `make` makes of it and `inputs` (which the template or function
        receives with the paper as `paper`)."""
        name = self._names.get(make) or self._names.setdefault(make, _name(make))
        inputs_key = self._inputs_key(inputs)
        made = self._pieces.get((name, paper.id, inputs_key))
        if made is None:
            key = (self.content_keys[paper.id], name, inputs_key) if self.remembers else (b"", name, inputs_key)
            made = self._pieces[name, paper.id, inputs_key] = (MarkupPiece if isinstance(make, str) else Piece)(self, key, make, paper, inputs)
        return made

    def value(self, make: Callable[[Paper], str], paper: Paper) -> str:
        """`make(paper)`, kept in the small store: a short value that every build reads for every
        paper (its citation stem)."""
        name = self._names.get(make) or self._names.setdefault(make, _name(make))
        if not self.remembers:
            return make(paper)
        key = (self.content_keys[paper.id], name, _NO_INPUTS)
        found = self.small.get(key)
        if found is None:
            found = self.small[key] = make(paper)
        return found

    def stretches(self, make: Make, papers: tuple[Paper, ...], each: Mapping[str, tuple] | None = None, **shared: Any) -> Stretches | tuple[Piece, ...]:
        """The pieces `make` makes of each of `papers` (as `piece` would), with its values of the
        inputs in `each` (name -> a value per paper, in the papers' order) and the `shared` ones:
        in Stretches where there are more than one stretch holds, else as a tuple (keying a
        stretch costs more than keying its pieces: it pays where an edit would key thousands)."""
        each = each or {}
        if len(papers) <= STRETCH:
            return self.pieces(make, papers, each, **shared)
        return Stretches(tuple(
            Stretch(self, make, papers[start : start + STRETCH], {name: values[start : start + STRETCH] for name, values in each.items()}, shared)
            for start in range(0, len(papers), STRETCH)
        ))

    def pieces(self, make: Make, papers: tuple[Paper, ...], each: Mapping[str, tuple] | None = None, **shared: Any) -> tuple[Piece, ...]:
        """`stretches`, always as a tuple of pieces."""
        each = each or {}
        names = tuple(each)
        return tuple(self.piece(make, paper, **dict(zip(names, values)), **shared) for paper, *values in zip(papers, *each.values()))

    def _stretch_part(self, run: Stretch, by_content: bool) -> bytes:
        """A run's part of a page's key: its own key, or, by content, the digest of its pieces'
        digests (b"" while some are missing: see `_known_digest`)."""
        key = run.key
        if key is None:
            name = self._names.get(run.make) or self._names.setdefault(run.make, _name(run.make))
            inputs = {"papers": run.papers, **run.each, **run.shared}
            place = (name, run.papers[0].id, run.papers[-1].id, len(run.papers))
            key = run.key = self._asked_key("stretches", place, name, inputs, lambda: self._key({"make": name, **inputs}))
            if key is None:
                raise TypeError(f"a stretch's inputs must be records, pieces or plain values: {', '.join([*run.each, *run.shared])}")
        if not by_content:
            return key
        digest = self.used_stretch_digests.get(key) or self.stretch_digests.get(key)
        if digest is None:
            missing = self._missing
            digests = [self._known_digest(piece) for piece in run.pieces()]
            if self._missing != missing:
                return b""
            digest = join_digest(digests)
        self.used_stretch_digests[key] = digest
        return digest

    def _inputs_key(self, inputs: dict[str, Any]) -> bytes:
        """The key of a piece's inputs besides its paper: many pieces share theirs (the same
        category, the same base URL), so each is derived once per build."""
        if not inputs:
            return _NO_INPUTS
        items = tuple(inputs.items())
        known = self._inputs_keys.get(items)
        if known is None:
            known = self._inputs_keys[items] = self._key(inputs)
            if known is None:
                raise TypeError(f"a piece's inputs must be records, pieces or plain values: {', '.join(inputs)}")
        return known

    def text(self, piece: Piece) -> str:
        if not self.remembers:
            return _made(piece.make, piece.paper, piece.inputs)
        text = self.texts.get(piece.key)
        if text is None:
            text = self.texts[piece.key] = _made(piece.make, piece.paper, piece.inputs)
        return text

    def digest(self, piece: Piece) -> bytes:
        """A digest of the piece's text, kept in the small store: a page keyed by its pieces' texts
        is checked without loading the texts."""
        key = _digest_key(piece)
        found = self.small.get(key)
        if found is None:
            found = self.small[key] = hashlib.blake2b(self.text(piece).encode(), digest_size=16).digest()
        return found

    # --- keys ---

    def _key(self, inputs: Mapping[str, Any], by_content: bool = False) -> bytes | None:
        parts: list[bytes] = []
        for name, value in inputs.items():
            parts.append(name.encode())
            if not self._add_parts(value, parts, by_content):
                return None
        return join_digest(parts)

    def _add_parts(self, value: Any, parts: list[bytes], by_content: bool) -> bool:
        # By exact type, most frequent first: ~30 parts per page, 10,000 pages in every build.
        kind = type(value)
        if kind is Paper:
            parts.append(self.content_keys[value.id])
        elif kind is MarkupPiece or kind is Piece:
            if by_content:
                parts.append(self._known_digest(value))
            else:
                content_key, make, inputs_key = value.key
                parts += (content_key, make.encode(), inputs_key)
        elif kind is str or kind is int or kind is bool or value is None or kind is float:
            parts.append(repr(value).encode())
        elif kind is tuple or kind is list:
            parts.append(b"(")
            for item in value:
                # The commonest items with the fewest calls: 10,000 papers or pieces in a list.
                item_kind = type(item)
                if item_kind is Paper:
                    parts.append(self.content_keys[item.id])
                elif item_kind is str or item_kind is int:  # as their own call would add them: citation keys, years
                    parts.append(repr(item).encode())
                elif item_kind is Term:  # a category per paper
                    parts.append(self._value_key(item))
                elif by_content and (item_kind is MarkupPiece or item_kind is Piece):
                    parts.append(self._known_digest(item))
                elif item_kind is tuple and (plain := self._plain_key(item)) is not None:
                    parts.append(plain)
                elif not self._add_parts(item, parts, by_content):
                    return False
            parts.append(b")")
        elif kind is Stretches:
            parts.append(b"[")
            parts += (self._stretch_part(run, by_content) for run in value.runs)
            parts.append(b"]")
        elif kind is Term or kind is Taxonomy or kind is Options:
            parts.append(self._value_key(value))
        else:  # the whole catalog, say: no key short of the whole list
            return False
        return True

    def _plain_key(self, values: tuple) -> bytes | None:
        """The key of a tuple of plain values (strings, numbers) or of terms, None if it holds
        anything else. A paper's links to its authors' pages and its tags are such tuples, each one
        object on the ~10 pages that list the paper (category, tags, authors, venue, year): each is
        keyed once per build; a point of the map is another."""
        known = self._value_keys.get(id(values))
        if known is None:
            if all(type(item) in _PLAIN for item in values):
                key = hashlib.blake2b(repr(values).encode(), digest_size=16).digest()
            elif all(type(item) is Term for item in values):
                key = join_digest([b"terms", *map(self._value_key, values)])
            else:
                key = None
            known = self._value_keys[id(values)] = (values, key)  # kept with its key: its id stays its own
        return known[1]

    def _value_key(self, value: Term | Taxonomy | Options) -> bytes:
        """A digest of the value, derived once per build."""
        known = self._value_keys.get(id(value))
        if known is None:  # the value is kept with its key: its id stays its own
            known = self._value_keys[id(value)] = (value, hashlib.blake2b(repr(value).encode(), digest_size=16).digest())
        return known[1]

    def _known_digest(self, piece: Piece) -> bytes:
        """The digest of the piece's text; while pages keyed by content are first looked at, an
        unknown one is left for the workers to render (with the other pages) and reads as empty."""
        found = self.small.get(_digest_key(piece))
        if found is None:
            if self._wanted is None:
                return self.digest(piece)
            self._wanted[piece.key] = piece
            self._missing += 1
            return b""
        return found

    def page_key(self, spec: PageSpec) -> bytes | None:
        if not self.remembers:
            return None
        inputs_key = self._key(spec.inputs, spec.by_content)
        return None if inputs_key is None else join_digest([_name(spec.make).encode(), inputs_key])

    def section_key(self, section: Section) -> bytes | None:
        if not self.remembers:
            return None
        name = _name(section.function)

        def derived() -> bytes | None:
            inputs_key = self._key(section.inputs)
            return None if inputs_key is None else join_digest([name.encode(), inputs_key])

        return self._asked_key("sections", len(self.asked.sections) if self.asked is not None else 0, name, section.inputs, derived)

    def _asked_key(self, kind: str, place: Any, name: str, inputs: dict[str, Any], derive: Callable[[], bytes | None]) -> bytes | None:
        """The key of a section or a run ("sections", "stretches") made by `name` of `inputs`: the
        one in the same place in the build before (`KeysAsked`) if it was made by `name` of equal
        inputs, else derived."""
        key = self._earlier_key(kind, place, name, inputs) or derive()
        if self.asked is not None and key is not None:
            getattr(self.asked, kind)[place] = (name, inputs, key)
        return key

    def _earlier_key(self, kind: str, place: Any, name: str, inputs: dict[str, Any]) -> bytes | None:
        earlier = getattr(self._earlier, kind).get(place) if self._earlier is not None else None
        if earlier is None:
            return None
        earlier_name, earlier_inputs, key = earlier
        if earlier_name != name or earlier_inputs.keys() != inputs.keys():
            return None
        return key if self._equal(inputs, earlier_inputs) else None

    def _equal(self, inputs: dict[str, Any], earlier_inputs: dict[str, Any]) -> bool:
        taxonomy, earlier_taxonomy = self.asked.taxonomy, self._earlier.taxonomy
        for input_name, value in inputs.items():
            before = earlier_inputs[input_name]
            # The same taxonomy as another object: `follows` compared them once, for every section.
            if value is not before and not (value is taxonomy and before is earlier_taxonomy) and value != before:
                return False
        return True

    def _remembered(self, section: Section) -> tuple[bytes | None, tuple[tuple[str, bytes], ...] | None]:
        """The section's key, and its pages' paths and keys if they are what the output holds."""
        key = self.section_key(section)
        known = self.sections.get(key) if key is not None else None
        if known is None or not all(self.is_current(path, page_key) for path, page_key in known):
            return key, None
        self.used_sections[key] = known
        return key, known

    # --- pages ---

    def pages(self, items: Iterable[PageSpec | Section]) -> Iterator[Page]:
        """The pages, each rendered unless the output holds it for its key. Pages and the pieces
        that pages keyed by content need are rendered by forked workers when there are many (they
        inherit this memo: nothing is pickled on the way in), which also derive the keys of the
        pages the output does not hold; the pages keyed by content are then assembled here, from
        those pieces."""
        stale: list[tuple[PageSpec, bytes | None]] = []
        by_content: list[PageSpec] = []
        keys: dict[str, bytes | None] = {}
        sections: list[tuple[bytes, list[PageSpec]]] = []
        for item in items:
            if isinstance(item, Section):
                section_key, known = self._remembered(item)
                if known is not None:
                    yield from (Page(path, None, page_key) for path, page_key in known)
                    continue
                specs = item.specs(self)
                if section_key is not None:
                    sections.append((section_key, specs))
            else:
                specs = [item]
            for spec in specs:
                if spec.by_content:
                    by_content.append(spec)
                    continue
                if not self.holds(spec.path):  # stale whatever its key: derived where it is rendered
                    stale.append((spec, _DERIVED_WHEN_RENDERED))
                    continue
                key = keys[spec.path] = self.page_key(spec)
                if key is not None and self.is_current(spec.path, key):
                    yield Page(spec.path, None, key)
                else:
                    stale.append((spec, key))
        # Pages keyed by content: their keys where every piece's digest is known, else None
        # until the missing pieces are rendered.
        self._wanted = wanted = {}
        try:
            for spec in by_content:
                missing = self._missing
                key = self.page_key(spec)
                keys[spec.path] = key if self._missing == missing else None
        finally:
            self._wanted = None
        jobs = _by_paper([*stale, *wanted.values()])

        def render_batch(indices: range) -> tuple[list[Page], dict[PieceKey, str], dict[PieceKey, Any]]:
            return self._render([jobs[index] for index in indices])  # workers inherit `jobs`

        for pages, texts, small in run_batches(render_batch, range(len(jobs)), PARALLEL_THRESHOLD, _BATCH):
            self.texts.update(texts)  # from a worker: what this process does not have yet
            self.small.update(small)
            for page in pages:
                if page.path not in keys:
                    keys[page.path] = page.key or None
            yield from pages
        for spec in by_content:
            key = keys[spec.path] = keys[spec.path] or self.page_key(spec)
            if key is not None and self.is_current(spec.path, key):
                yield Page(spec.path, None, key)
            else:
                yield Page(spec.path, spec.render(), key or b"")
        for section_key, specs in sections:
            known = tuple((spec.path, keys[spec.path]) for spec in specs)
            if all(key is not None for _, key in known):
                self.used_sections[section_key] = known

    def _render(self, jobs: list) -> tuple[list[Page], dict[PieceKey, str], dict[PieceKey, Any]]:
        """Render a batch of pages and pieces; returns the pages and the pieces' texts and small
        values added meanwhile (in a worker, what the parent process does not have)."""
        outer = self.texts, self.small
        self.texts, self.small = _Additions(self.texts), _Additions(self.small)
        try:
            pages = []
            for job in jobs:
                if isinstance(job, Piece):
                    self.digest(job)
                else:
                    spec, key = job
                    if key is _DERIVED_WHEN_RENDERED:
                        key = self.page_key(spec)
                    pages.append(Page(spec.path, spec.render(), key or b""))
            return pages, self.texts.added, self.small.added
        finally:
            self.texts, self.small = outer


# In a stale page's job: its key is yet to be derived.
_DERIVED_WHEN_RENDERED = b"derived when rendered"


class _Additions:
    """A store, and what was added to it since this view of it was made."""

    def __init__(self, store: MutableMapping):
        self.store, self.added = store, {}

    def get(self, key: Any) -> Any:
        return self.store.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.store

    def __setitem__(self, key: Any, value: Any) -> None:
        self.store[key] = self.added[key] = value


def _by_paper(jobs: list) -> list:
    """Pages and pieces with the pieces of each paper next to its page (in the same batch, a
    piece that the page also shows is rendered once), papers in the order of their pages."""
    order: dict[str, int] = {}
    for job in jobs:
        paper = job.paper if isinstance(job, Piece) else job[0].inputs.get("paper")
        if isinstance(paper, Paper):
            order.setdefault(paper.id, len(order))

    def position(job) -> int:
        paper = job.paper if isinstance(job, Piece) else job[0].inputs.get("paper")
        return order[paper.id] if isinstance(paper, Paper) else len(order)

    return sorted(jobs, key=position)


def _digest_key(piece: Piece) -> PieceKey:
    """Where the digest of the piece's text is kept in the small store."""
    content_key, make, inputs_key = piece.key
    return (content_key, make + " digest", inputs_key)
