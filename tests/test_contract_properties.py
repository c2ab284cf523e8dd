"""Property-based: `check` is a contract. For whole generated lists (hostile text, extreme dates,
reserved names), `check` either refuses with located errors and exit 1, or `site-gen build` and
a real `mkdocs build --strict` build what it accepted.

Each example is one list of a few papers. Files that `check` refuses are removed and the rest is
checked again, so every example ends in a site built with `mkdocs build --strict` (of no papers,
if every one is refused) unless the taxonomy itself is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from site_gen.paper_file import paper_yaml
from tests.conftest import PaperList
from tests.sitebuild import BIN, generate



def mostly(usual: st.SearchStrategy, unusual: st.SearchStrategy) -> st.SearchStrategy:
    """`usual` nine times in ten: a list of papers that each break a rule now and then still has
    papers that `check` accepts, and that are built."""
    return st.integers(0, 9).flatmap(lambda draw: unusual if draw == 0 else usual)


# Text that pages, exports and builders read as syntax, that YAML reads as something other than
# text, or that Unicode makes tricky: each appears in generated fields.
TRICKY = [
    # Markdown, HTML, Jinja, MkDocs
    "<script>alert(1)</script>", "**", "_", "`", "```", "[x](javascript:alert(1))", "{{ x }}", "{% raw %}", "<!--", "-->",
    "<!-- /raw-html -->", "| a |", "# ", "!!! note", "{: .x }", "$x$", "&amp;", "&#0;", "\\", "---", "1. ", "- ", "> ", "<", "]]>",
    # YAML
    "yes", "no", "~", "null", "2024-01-01", "0x1F", "1e3", ": ", " #", "&a", "*a", "!!str", "%", "@", "'", '"', "? ", ",", "[", "{",
    # BibTeX and LaTeX
    "{", "}", "@misc{", "%", "\\emph{", "^", "&",
    # Unicode: NFD accents, invisible characters, direction, line and paragraph separators, astral
    "e\u0301", "\u00e9", "\u200b", "\u200d", "\ufeff", "\u00ad", "\u2060", "\u202e", "\u061c", "\U0001f600",
    "\u4e2d\u6587", "\u05e2\u05d1", "\u00a0", "\u3000", "\U000e0041",
]
# Control characters and noncharacters, which no page or feed can hold, and line breaks and
# tabs, which only abstracts and descriptions may hold.
FORBIDDEN = [
    "\u2028", "\u2029", "\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\t", "\n", "\r", "\ufffe", "\uffff",
]
_ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_PRINTABLE = st.characters(exclude_categories=["Cc", "Cs", "Zl", "Zp"])
fragments = st.one_of(st.sampled_from(TRICKY), st.text(_ASCII, min_size=1, max_size=8), st.text(_PRINTABLE, min_size=1, max_size=3))
tricky_text = st.lists(fragments, min_size=1, max_size=6).map("".join)
plain_text = st.text(st.characters(categories=["L", "N"]) | st.just(" "), min_size=1, max_size=30)
forbidden_text = st.tuples(tricky_text, st.sampled_from(FORBIDDEN), tricky_text).map("".join)
clean_text = st.one_of(plain_text, tricky_text)
text = mostly(clean_text, forbidden_text)

slugs = mostly(st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True), st.sampled_from(["index", "a", "x-1"]))
TODAY = dt.date.today()
dates = mostly(
    st.dates(dt.date(1990, 1, 1), TODAY),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    | st.sampled_from([dt.date(1900, 1, 1), dt.date(1899, 12, 31), TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=2)]),
).map(lambda date: f"{date.year:04d}-{date.month:02d}-{date.day:02d}")
years = mostly(st.integers(1990, TODAY.year), st.integers(1890, 2110))
arxiv_ids = mostly(
    st.from_regex(r"[0-9]{4}\.[0-9]{5}", fullmatch=True) | st.from_regex(r"[a-z]{2,6}(-[a-z]{2})?/[0-9]{7}", fullmatch=True),
    st.just("٢٤٠٣.٠٣٥٠٧"),
)
urls = st.builds(lambda host, path: f"https://{host}.org/{path}", st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.text(_ASCII, max_size=12) | text)


@st.composite
def taxonomies(draw) -> dict:
    # Most taxonomies are accepted, so that their papers are checked and built.
    taxonomy_text = draw(mostly(st.just(clean_text), st.just(text)))

    def terms() -> list[dict]:
        chosen = draw(st.lists(slugs, min_size=1, max_size=3, unique=True))
        return [{"slug": slug, "title": draw(taxonomy_text), "description": draw(taxonomy_text)} for slug in chosen]

    taxonomy = {"list": {"title": draw(taxonomy_text), "description": draw(taxonomy_text)}, "categories": terms(), "tags": terms()}
    settings = {  # the smallest values: listings without abstracts, a feed of one paper
        "related_papers": st.integers(0, 3), "similar_papers": st.integers(0, 3), "recent_papers": st.integers(0, 3), "feed_size": st.integers(1, 3),
        "listing_abstracts_up_to": st.integers(0, 3),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(settings)), unique=True))
    if chosen:
        taxonomy["settings"] = {name: draw(settings[name]) for name in chosen}
    return taxonomy


@st.composite
def papers(draw, taxonomy: dict) -> dict:
    categories = [term["slug"] for term in taxonomy["categories"]]
    tags = [term["slug"] for term in taxonomy["tags"]]
    record = {
        "title": draw(text),
        "authors": draw(st.lists(text, min_size=1, max_size=4)),
        "year": draw(years),
        "category": draw(mostly(st.sampled_from(categories), slugs)),
        "tags": draw(st.lists(st.sampled_from(tags), min_size=1, max_size=3, unique=True)),
        "added": draw(dates),
        draw(st.sampled_from(["arxiv", "doi", "url"])): draw(arxiv_ids),
    }
    if "doi" in record:
        record["doi"] = "10.1234/" + draw(st.text(_ASCII, min_size=1, max_size=10) | text)
    if "url" in record:
        record["url"] = draw(urls)
    optional = {"venue": text, "abstract": text, "note": text, "code": urls, "links": st.dictionaries(text, urls, min_size=1, max_size=2)}
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=len(optional))):
        record[name] = draw(optional[name])
    return record


@st.composite
def paper_lists(draw) -> tuple[dict, dict[str, dict]]:
    taxonomy = draw(taxonomies())
    ids = draw(st.lists(slugs, min_size=1, max_size=8, unique=True))
    return taxonomy, {paper_id: draw(papers(taxonomy)) for paper_id in ids}


DIAGNOSTIC = re.compile(r"(papers/[^:]+):([0-9]+):([0-9]+): error: \S.*")


def refused_files(listing: PaperList) -> set[str] | None:
    """The files `check` refuses (after asserting that it says where and why), or None when it
    accepts the list."""
    result = listing.check()
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        return None
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert lines[-1] == f"{len(lines) - 1} error(s)", result.stderr
    refused = set()
    for line in lines[:-1]:
        match = DIAGNOSTIC.fullmatch(line)
        assert match and int(match[2]) >= 1 and int(match[3]) >= 1, line
        assert (listing.root / match[1]).is_file(), line
        refused.add(match[1])
    return refused


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(paper_lists())
def test_what_check_accepts_builds(tmp_path_factory, generated):
    taxonomy, records = generated
    listing = PaperList(tmp_path_factory.mktemp("contract") / "list")
    listing.write_taxonomy(yaml.safe_dump(taxonomy, allow_unicode=True, sort_keys=False))
    for paper_id, record in records.items():
        (listing.root / "papers" / f"{paper_id}.yml").write_text(paper_yaml(record), encoding="utf-8")
    while (refused := refused_files(listing)) is not None:
        if "papers/_taxonomy.yml" in refused:
            event("the taxonomy is refused")
            return
        for path in refused:
            (listing.root / path).unlink()
    event(f"{len(list((listing.root / 'papers').glob('[!_]*.yml')))} of {len(records)} papers built")
    try:
        env = generate(listing.root)
    except subprocess.CalledProcessError as error:
        raise AssertionError(f"site-gen build failed on a list that check accepted:\n{error.stderr[-4000:]}") from None
    built = subprocess.run([BIN / "mkdocs", "build", "--strict", "--config-file", listing.root / "mkdocs.yml", "--site-dir", listing.root / "site"],
                           env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-4000:]
    assert (listing.root / "site" / "feed.xml").is_file()
