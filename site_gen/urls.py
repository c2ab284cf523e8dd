"""Where every generated page lives: its file in the generated tree and its URL on the site.

The permalink contract: `/papers/<id>/`, `/categories/<slug>/`, `/tags/<slug>/`, `/papers/`,
`/authors/<slug>/`, `/venues/<slug>/`, `/years/<year>/` (each folder's index page lists them),
`/stats/`, and
`papers.json`, `papers.bib`, `papers.ris`, `papers.csl.json`, `feed.xml` at the root. Pages are Markdown files (`papers/<id>.md`)
that the builder serves with directory URLs (`papers/<id>/`). A new kind of page (authors, years)
is one more function here, one template and one entry in the renderer.

Templates link in two ways, both relative so that a site served under a sub-path (previews) works:
Markdown links name the target's file relative to the page's file (`{{ root }}{{ path }}`, which
the builder checks and turns into a URL), raw HTML links name its URL relative to the page's URL
(`{{ base }}{{ path|url }}`).
"""

from __future__ import annotations

HOME = "index.md"
ALL_PAPERS = "papers/index.md"
STATS = "stats.md"
MAP = "map.md"
PAPERS_JSON = "papers.json"
PAPERS_BIB = "papers.bib"
PAPERS_RIS = "papers.ris"
PAPERS_CSL = "papers.csl.json"
FEED = "feed.xml"
# The navigation as a MkDocs config fragment: a dot-file, which builders skip when building.
NAV = ".nav.yml"

# What a paper id or a term slug cannot be: its page (`papers/index.md`, `tags/index.md`) would be
# its folder's own page (the table of all papers, the index of tags).
RESERVED_NAMES = frozenset({"index"})
# The folder of each kind of term page: the taxonomy's categories and tags, and the authors,
# venue series and years the papers name.
_TERM_FOLDERS = {"category": "categories", "tag": "tags", "author": "authors", "venue": "venues", "year": "years"}


def paper(paper_id: str) -> str:
    return f"papers/{paper_id}.md"


def term(kind: str, slug: str) -> str:
    """The page of a category, tag, author, venue series or year (`kind`, singular)."""
    return f"{_TERM_FOLDERS[kind]}/{slug}.md"


def term_index(kind: str) -> str:
    return f"{_TERM_FOLDERS[kind]}/index.md"


def url(path: str) -> str:
    """The URL of a generated file, relative to the site's root ("" for the home page)."""
    if not path.endswith(".md"):
        return path
    stem = path[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def base(path: str) -> str:
    """The site's root relative to the URL of the page at `path`: "../../" for papers/<id>.md."""
    return "../" * url(path).count("/")


def root(path: str) -> str:
    """The generated tree's root relative to the folder of the file at `path`: "../" for
    papers/<id>.md, for Markdown links to other pages' files."""
    return "../" * path.count("/")


def absolute(site_url: str, path: str) -> str:
    """The page's full address on a site served at `site_url`."""
    return site_url.rstrip("/") + "/" + url(path)
