"""`{% call fragment_cache(*key) %}...{% endcall %}`: a template global with which the theme
overrides render the navigation and tabs once per build and folder for the pages outside the
nav (every paper and tag page: their links are relative to the page's folder), and the header
around the page title once per page depth (`base_url`: it links only the home page).
Templates fall back to rendering them when it is absent (another builder, the plugin disabled).
"""

from __future__ import annotations


class FragmentCache:
    """The body's output for `key`, rendered once per build. The template must put into `key`
    everything the body depends on."""

    def __init__(self) -> None:
        self._fragments: dict[tuple, str] = {}

    def __call__(self, *key: object, caller) -> str:
        fragment = self._fragments.get(key)
        if fragment is None:
            fragment = self._fragments[key] = caller()
        return fragment
