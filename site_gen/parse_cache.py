"""Parse results remembered by file content, so an unchanged paper is never parsed twice.

The key is a hash of the file's path and bytes (not its mtime); the cache as a whole is thrown
away when site-gen, the schema or the date (some rules depend on today) changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from site_gen.schema import PAPER_SCHEMA_FILE, load_schema

_FILE = "parse.pickle"


def content_key(raw: bytes, display_path: str) -> bytes:
    return hashlib.blake2b(raw, digest_size=16, person=b"site-gen", key=display_path.encode()[:64]).digest() + display_path.encode()


@cache
def code_version() -> str:
    """Changes whenever site-gen's code, templates or schema change: every cache depends on it."""
    try:
        package = metadata.version("site-gen")
    except metadata.PackageNotFoundError:
        package = "dev"
    schema = repr(load_schema(PAPER_SCHEMA_FILE))
    package_dir = Path(__file__).parent
    code = b"".join(path.read_bytes() for path in sorted([*package_dir.glob("*.py"), *package_dir.glob("templates/*.j2")]))
    digest = hashlib.blake2b(schema.encode() + code, digest_size=16).hexdigest()
    return f"{package}:{sys.version_info[:2]}:{digest}"


@dataclass
class ParseCache:
    path: Path | None
    today: dt.date
    entries: dict[bytes, Any] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def empty(cls, today: dt.date) -> "ParseCache":
        return cls(None, today)

    @classmethod
    def load(cls, cache_dir: Path, today: dt.date) -> "ParseCache":
        path = cache_dir / _FILE
        entries = load_pickle(path, (code_version(), today.isoformat()))
        return cls(path, today, changed=True) if entries is None else cls(path, today, entries)

    def __contains__(self, key: bytes) -> bool:
        return key in self.entries

    def get(self, key: bytes) -> Any:
        return self.entries[key]

    def put(self, key: bytes, value: Any) -> Any:
        self.entries[key] = value
        self.changed = True
        return value

    def save(self, keys: list[bytes]) -> None:
        """Keep only the entries of the files that exist now; write atomically if anything changed."""
        if self.path is None:
            return
        kept = {key: self.entries[key] for key in keys}
        if not self.changed and len(kept) == len(self.entries):
            return
        save_pickle(self.path, (code_version(), self.today.isoformat()), kept)


def load_pickle(path: Path, header: object) -> Any:
    """The data saved by save_pickle under the same header, or None (missing, stale or damaged)."""
    try:
        with path.open("rb") as handle:
            if pickle.load(handle) == header:
                return pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        pass
    return None


def save_pickle(path: Path, header: object, data: Any) -> None:
    """Write atomically: a crash leaves the previous file or none, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
