"""The JSON Schemas: the single source of truth for the fields of a paper and of the taxonomy."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

PAPER_SCHEMA_FILE = "paper.schema.json"
TAXONOMY_SCHEMA_FILE = "taxonomy.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def paper_schema() -> dict[str, Any]:
    return load_schema(PAPER_SCHEMA_FILE)


def taxonomy_schema() -> dict[str, Any]:
    return load_schema(TAXONOMY_SCHEMA_FILE)


def paper_fields() -> tuple[str, ...]:
    """Field names in schema order (the order files, exports and docs use)."""
    return tuple(paper_schema()["properties"])
