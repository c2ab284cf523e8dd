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
def _version() -> str:
    try:
        package = metadata.version("site-gen")
    except metadata.PackageNotFoundError:
        package = "dev"
    schema = repr(load_schema(PAPER_SCHEMA_FILE))
    code = b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.glob("*.py")))
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
        try:
            with path.open("rb") as handle:
                header = pickle.load(handle)
                if header == (_version(), today.isoformat()):
                    return cls(path, today, pickle.load(handle))
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError, TypeError):
            pass  # a missing, stale or damaged cache is an empty one
        return cls(path, today, changed=True)

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump((_version(), self.today.isoformat()), handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, self.path)
