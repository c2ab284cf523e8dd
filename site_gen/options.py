"""The list's settings in one object: what `settings:` in papers/_taxonomy.yml sets, each with the
default its JSON Schema declares, and where the site is served. The renderer reads them from here
only; what a page shows of them is among the inputs its key is made of."""

from __future__ import annotations

import os
from typing import Any, Mapping

from site_gen.records import Taxonomy
from site_gen.schema import taxonomy_schema

_LOCAL_PREVIEW = "http://127.0.0.1:8000/"


def _defaults() -> dict[str, Any]:
    settings = taxonomy_schema()["properties"]["settings"]["properties"]
    return {name: spec["default"] for name, spec in settings.items()}


def published_url(taxonomy: Taxonomy, environ: Mapping[str, str] = os.environ) -> str | None:
    """Where the site is served: $SITE_URL (previews are served under a sub-path), else the list's url."""
    return environ.get("SITE_URL") or taxonomy.url


class Options:
    """`options.related_papers` and the other settings (names as in the schema), and `site_url`:
    $SITE_URL (previews are served under a sub-path), else the list's url, else the local preview."""

    __slots__ = ("site_url", "_settings")

    def __init__(self, site_url: str = _LOCAL_PREVIEW, **settings: Any):
        defaults = _defaults()
        unknown = settings.keys() - defaults.keys()
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        self.site_url = site_url
        self._settings: Mapping[str, Any] = {**defaults, **settings}

    @classmethod
    def of(cls, taxonomy: Taxonomy, environ: Mapping[str, str] = os.environ) -> "Options":
        return cls(published_url(taxonomy, environ) or _LOCAL_PREVIEW, **taxonomy.settings)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._settings[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in sorted(self._settings.items()))
        return f"Options(site_url={self.site_url!r}, {settings})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))
