"""The Jinja2 environment for page templates, with Markdown-escaping by default.

Every `{{ value }}` is escaped for Markdown unless it is already `Markup` (produced by the
`link`, `attr` and `fence` filters or by a macro), so forgetting a filter can never inject markup.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from functools import cache
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from site_gen import urls
from site_gen.exports import highwire_tags
from site_gen.markup import code_fence, github_markdown, html_attribute, link_target, markdown_text


def _finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if hasattr(value, "__html__"):  # pieces that are a template's output
        return Markup(value.__html__())
    return markdown_text(value)


def _front_matter(value: object) -> Markup:
    """A front-matter value: MkDocs themes put `title` and `description` into the page's HTML
    (header, <title>, <meta>) without escaping, so they are HTML-escaped here, then quoted as
    JSON (a valid YAML scalar)."""
    return Markup(json.dumps(str(escape(str(value))), ensure_ascii=False))


def _authors(authors: tuple[str, ...], limit: int = 6) -> str:
    """Long author lists shortened for listings; the paper page shows them all."""
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[: limit - 1]) + f", … +{len(authors) - limit + 1}"


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    """`{{ count }} {{ count|plural("paper") }}`: "1 paper", "2 papers" (`plural` where it is not noun + s)."""
    return noun if count == 1 else plural or noun + "s"


def _summary(abstract: str, limit: int = 300) -> str:
    """The abstract's first sentence (or its start) for the page's meta description."""
    first = re.split(r"(?<=[.!?])\s", " ".join(abstract.split()), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _join_lines(pieces) -> Markup:
    """Many pieces of template output, a line each (a template loop over 10,000 rows took 0.1 s
    of every build that changes one)."""
    return Markup("\n".join(piece.__html__() for piece in pieces))


def _data_uri(text: object, media_type: str) -> str:
    """A `data:` URL holding the text, for a download link that needs no file of its own (a
    paper's BibTeX and RIS: 20,000 more files at 10,000 papers). Percent-encoded, so it is safe in
    an HTML attribute once escaped as one."""
    return f"data:{media_type};charset=utf-8," + quote(str(text), safe="")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("site_gen", "templates"),
        # _finalize runs before autoescaping and returns Markup, so values get Markdown escaping;
        # autoescape=True makes macros return Markup so their output is not escaped twice.
        # Beware built-in filters that return Markup after HTML-only escaping (join, e): pass
        # raw data through `md` instead.
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package: no stat() of the template file on every render.
        auto_reload=False,
    )
    env.filters.update(
        front_matter=_front_matter, link=link_target, attr=html_attribute, fence=code_fence, md=markdown_text, gfm=github_markdown,
        authors=_authors, plural=_plural, summary=_summary, join_lines=_join_lines,
        highwire=highwire_tags, json=lambda value: Markup(json.dumps(value, ensure_ascii=False)),
        data_uri=_data_uri,
        # Every page's path and URL from site_gen/urls.py: `paper.id|paper_path|url`,
        # `tag.slug|term_path("tag")`. Filters, not functions: Jinja calls a filter directly, a
        # function through its runtime (~4 us each, ~80,000 links in a build of 10,000 papers).
        paper_path=urls.paper, term_path=lambda slug, kind: urls.term(kind, slug), url=urls.url,
    )
    # The paths of the pages there is one of (`paths.ALL_PAPERS`, `paths.term_index(kind)`).
    env.globals["paths"] = urls
    return env


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, which recompiles a damaged file (as site-gen's other
    caches are remade) and recreates its folder if it was deleted while a process runs."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # truncated or foreign file: whatever unpickling raised
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        os.makedirs(self.directory, exist_ok=True)
        super().dump_bytecode(bucket)


def keep_compiled_templates(cache_dir: Path, code_version: str) -> None:
    """Keep the templates' compiled code under `cache_dir`: compiling them took ~0.27 s of every
    build, a sixth of a warm one at 10,000 papers. Jinja checks each template's source, but the
    compiled code also depends on this module's settings and on Jinja itself, so it lives in a
    folder named after site-gen's code version and Jinja's; other versions' folders are removed."""
    name = hashlib.blake2b(f"{code_version} jinja2 {jinja2.__version__}".encode(), digest_size=8).hexdigest()
    directory = cache_dir / name
    if cache_dir.is_dir():
        for stale in (entry for entry in cache_dir.iterdir() if entry.name != name):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:  # compiled templates from before they were kept by version
                stale.unlink(missing_ok=True)
    directory.mkdir(parents=True, exist_ok=True)
    environment().bytecode_cache = _CompiledTemplates(str(directory))


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
