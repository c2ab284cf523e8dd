"""The incremental layer as a build opens it before rendering and saves it once the tree is written."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

from site_gen.catalog import Catalog
from site_gen.incremental import store
from site_gen.incremental.manifest import OutputManifest
from site_gen.incremental.memo import KeysAsked, Memo
from site_gen.incremental.store import LazyPickledDict, load_pickle, remove_abandoned_files, save_pickle
from site_gen.incremental.version import code_version
from site_gen.records import Paper, Taxonomy
from site_gen.related import Relations
from site_gen.templating import keep_compiled_templates

_MANIFEST_FILE = "output-manifest.pickle"
_PIECES_FILE = "pieces.pickle"
_SMALL_PIECES_FILE = "small-pieces.pickle"
_SECTIONS_FILE = "section-keys.pickle"
_RELATIONS_FILE = "relations.pickle"


class BuildCache:
    """A build's memory of earlier builds: opened before rendering, saved once the tree is written."""

    def __init__(self, cache_dir: Path, output_dir: Path):
        remove_abandoned_files(cache_dir)
        version = code_version()
        keep_compiled_templates(cache_dir / "templates", version)
        self.manifest = OutputManifest(cache_dir / _MANIFEST_FILE, version, output_dir)
        self._pieces = LazyPickledDict(cache_dir / _PIECES_FILE, version)
        # Citation stems and the digests of pieces: read by every build, a hundredth of the
        # pieces' size, so a build with nothing to render never loads the pieces themselves.
        self._small_pieces = LazyPickledDict(cache_dir / _SMALL_PIECES_FILE, version)
        self._cache_dir, self._version = cache_dir, version
        self._sections_path = cache_dir / _SECTIONS_FILE
        # What the last build's sections and stretches gave (Memo.used_sections, used_stretch_digests).
        saved = load_pickle(self._sections_path, version)
        self._sections, self._stretch_digests = saved if isinstance(saved, tuple) and len(saved) == 2 else ({}, {})
        self._memo = Memo({}, self._pieces, self._small_pieces, self.manifest.is_current, self._sections, self._stretch_digests, self.manifest.holds)
        self._relations: Relations | None = None
        self._catalog: Catalog | None = None

    def memo(self, content_keys: Mapping[str, bytes], taxonomy: Taxonomy, papers: Iterable[Paper]) -> Memo:
        """The memo for a catalog of these papers, whose files have these content keys (by paper
        id); in a process that keeps what it read, with the keys of its last build (`KeysAsked`)."""
        kept = store.kept_files
        asked = KeysAsked(taxonomy, papers) if kept.enabled else None
        earlier = kept.keys_asked.get(self._cache_dir) if kept.enabled else None
        self._memo = Memo(
            content_keys, self._pieces, self._small_pieces, self.manifest.is_current, self._sections, self._stretch_digests, self.manifest.holds,
            asked, earlier,
        )
        return self._memo

    def catalog(self) -> Catalog | None:
        """The last build's catalog, in a process that keeps what it read (see Catalog.build)."""
        return store.kept_files.catalogs.get(self._cache_dir) if store.kept_files.enabled else None

    def keep_catalog(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def relations(self) -> Relations | None:
        """The related papers and the map of the last build (site_gen/related.py), if kept."""
        found = load_pickle(self._cache_dir / _RELATIONS_FILE, self._version)
        return found if isinstance(found, Relations) else None

    def keep_relations(self, relations: Relations) -> None:
        self._relations = relations

    def save(self) -> None:
        """Keep what this build added; pieces of files that no longer exist are dropped, and
        sections and stretches that this build did not make."""
        current = set(self._memo.content_keys.values())
        for pieces in (self._pieces, self._small_pieces):
            if pieces.added:
                pieces.save(keep=lambda key: key[0] in current)
        if (self._memo.used_sections, self._memo.used_stretch_digests) != (self._sections, self._stretch_digests):
            save_pickle(self._sections_path, self._version, (self._memo.used_sections, self._memo.used_stretch_digests))
        if self._relations is not None:
            save_pickle(self._cache_dir / _RELATIONS_FILE, self._version, self._relations)
        if self._memo.asked is not None:
            store.kept_files.keys_asked[self._cache_dir] = self._memo.asked
        if self._catalog is not None and store.kept_files.enabled:
            store.kept_files.catalogs[self._cache_dir] = self._catalog
