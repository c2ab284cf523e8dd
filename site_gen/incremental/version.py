"""The version every cache depends on: site-gen's own code, templates and schemas, the libraries
whose output the caches hold, and Python's bytecode format."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from functools import cache
from pathlib import Path

# Libraries whose output the caches hold: parsed YAML, validators' code, rendered pages, slugs.
_CACHED_LIBRARIES = ("yaml", "fastjsonschema", "jinja2", "markupsafe", "slugify")


def _installed_distributions() -> bytes:
    """The names (with versions) of the distributions installed beside the libraries whose output
    the caches hold: upgrading one (or anything installed next to it) starts the caches afresh.
    Listing those folders takes ~1 ms; asking importlib.metadata for five versions took 33 ms."""
    folders = set()
    for name in _CACHED_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            module_folder = os.path.dirname(spec.origin)  # a package's folder, or where a module is
            folders.add(os.path.dirname(module_folder) if spec.submodule_search_locations else module_folder)
    names = sorted(entry for folder in folders for entry in os.listdir(folder) if entry.endswith(".dist-info"))
    return "\n".join(names).encode()


@cache
def code_version() -> str:
    """Changes whenever site-gen's code, templates or schemas, the libraries it caches the output
    of, or Python's bytecode format change: every cache depends on it."""
    package_dir = Path(__file__).parent.parent
    sources = sorted([*package_dir.rglob("*.py"), *package_dir.glob("templates/*.j2"), *package_dir.glob("schema/*.json")])
    contents = b"".join(path.read_bytes() for path in sources) + _installed_distributions()
    digest = hashlib.blake2b(contents, digest_size=16).hexdigest()
    return f"{sys.version_info[:2]}:{importlib.util.MAGIC_NUMBER.hex()}:{digest}"
