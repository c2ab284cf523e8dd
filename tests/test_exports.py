"""Every export escapes every field for its format: hostile values are read back with each
format's own parser (bibtexparser and pylatexenc, rispy, feedparser, json, Python-Markdown and
html.parser) and compared with the record."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import unicodedata
from xml.etree import ElementTree
from html.parser import HTMLParser
from urllib.parse import unquote

import bibtexparser
import feedparser
import markdown
import pytest
import rispy
import yaml
from bibtexparser.middlewares import SeparateCoAuthors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from site_gen.catalog import Catalog
from site_gen.exports import bibtex_entry, citation_keys, csl_item, feed_xml, highwire_tags, is_journal, record_json, ris_entry
from site_gen.markup import github_markdown
from site_gen.records import Paper, Taxonomy, Term, freeze
from site_gen.templating import _authors, render
from tests.conftest import TAXONOMY, PaperList
from tests.sitebuild import BIN, generate

HOSTILE_TEXT = [
    "{Braces} and } alone {",
    r"Back\slash \textbf{bold} \\ \end",
    "100% of #1 @home",
    "Say \"hi\" 'there' `tick` ``open'' ,,low",
    "A},note={injected",
    "<script>alert(1)</script> <!-- c --> a < b > c",
    "[x](javascript:alert(1)) ![i](https://evil.example/i.png) [ref]",
    "a | b * c _d_ **e** `f` ~~g~~ $x^2$",
    "&amp; &#58; &lt;b&gt; & plain",
    "Gödel 中文 ∑ — café ﬁ",
    "see https://evil.example, www.evil.example and me@evil.example",
    "C# ends with ##",
    "Part I -- Part II --- III",
]
HOSTILE_AUTHORS = ["Tom and Jerry", "Smith, Jr.", "{Brace} Name", r"O'Brien \ 100%", "AND Rew", "<b>Bold</b> *Star*"]
HOSTILE_URL = "https://evil.example/a},note={x}/b\\c%7B|^`[]@!$&'()*+,;=~#frag"
HOSTILE_DOI = r"10.1000/a}b{c\d%e_f(1)<2>"
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_CATEGORY_TITLE = "Agents & <b>tools</b> [x](javascript:1) *em* ##"


def hostile_list(listing: PaperList) -> dict[str, dict]:
    """One paper per hostile text (as title, venue and abstract), hostile names, links and ids."""
    taxonomy = yaml.safe_load(TAXONOMY)
    taxonomy["categories"][1]["title"] = HOSTILE_CATEGORY_TITLE
    listing.write_taxonomy(yaml.safe_dump(taxonomy, allow_unicode=True))
    papers = {}
    for number, text in enumerate(HOSTILE_TEXT):
        fields = {
            "title": text, "authors": [f"{text} Author", *HOSTILE_AUTHORS], "year": 2024,
            "venue": f"{text} 2024", "category": "agents", "tags": ["llm"],
            "abstract": text, "added": f"2024-01-{number + 1:02d}",
        }
        if number % 3 == 0:
            fields["url"] = HOSTILE_URL + str(number)
        elif number % 3 == 1:
            fields["doi"] = HOSTILE_DOI + str(number)
        else:
            fields["arxiv"] = f"2401.{number:05d}"
        fields["code"] = HOSTILE_URL
        papers[f"hostile-{number}"] = fields
        listing.write(f"hostile-{number}", yaml.safe_dump(fields, allow_unicode=True, sort_keys=False))
    return papers


@pytest.fixture
def built(paper_list: PaperList) -> tuple[PaperList, dict[str, dict]]:
    papers = hostile_list(paper_list)
    (paper_list.root / "README.md").write_text("# List\n\n<!-- papers:start -->\n<!-- papers:end -->\n", encoding="utf-8")
    for command in ("build", "readme"):
        result = paper_list.run(command)
        assert result.exit_code == 0, result.output
    return paper_list, papers


def output(listing: PaperList, name: str) -> str:
    return (listing.root / "build" / "docs" / name).read_text(encoding="utf-8")


def one_line(text: str) -> str:
    return " ".join(text.split())


def main_url(fields: dict) -> str:
    return Paper("p", "p.yml", freeze(fields)).main_url


# --- BibTeX ---------------------------------------------------------------------------------------

# pylatexenc's decoder lacks a few LaTeX2e text commands that the encoder writes.
_latex_context = get_default_latex_context_db()
_latex_context.add_context_category("latex2e-text", prepend=True, macros=[
    MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"), MacroTextSpec("textasciicircum", "^"),
])
_decoder = LatexNodes2Text(latex_context=_latex_context)


def from_latex(value: str) -> str:
    """The text LaTeX prints for `value`, as compatibility characters are written for LaTeX
    (`ﬁ` as `fi`, `²` as a superscript 2) in their plain form."""
    return unicodedata.normalize("NFKC", _decoder.latex_to_text(value))


def as_latex_prints(text: str) -> str:
    return unicodedata.normalize("NFKC", one_line(text))


def assert_braces_balance_as_bibtex_counts_them(bib: str) -> None:
    """BibTeX ends a field at the brace that balances its opening one, backslash or not; the
    lenient parser reads `\\}` as a brace inside the field. Neither may see a field end early."""
    assert "\\{" not in bib and "\\}" not in bib
    for entry in re.split(r"\n(?=@)", bib.strip()):
        depth = 0
        for char in entry:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0
        assert depth == 0


def read_bibtex(bib: str) -> dict[str, bibtexparser.model.Entry]:
    library = bibtexparser.parse_string(bib, append_middleware=[SeparateCoAuthors()])
    assert not library.failed_blocks and not library.comments
    return {entry.key: entry for entry in library.entries}


def assert_bibtex_entry_is_the_record(entry, fields: dict) -> None:
    venue_field = "journal" if "journal" in entry else "booktitle"
    expected = {"title", "author", "year", venue_field if "venue" in fields else None, "doi" if "doi" in fields else None, "url"}
    if "arxiv" in fields:
        expected |= {"eprint", "archivePrefix"}
    assert {field.key for field in entry.fields} == expected - {None}
    assert from_latex(entry["title"]) == as_latex_prints(fields["title"])
    assert [from_latex(name) for name in entry["author"]] == [as_latex_prints(name) for name in fields["authors"]]
    if "venue" in fields:
        assert from_latex(entry[venue_field]) == as_latex_prints(fields["venue"])
    if "doi" in fields:
        assert unquote(entry["doi"]) == fields["doi"]
    assert not set(entry["url"]) & set("{}\\") and unquote(entry["url"]) == unquote(main_url(fields))


def test_bibtex_reads_back_field_by_field(built):
    listing, papers = built
    bib = output(listing, "papers.bib")
    assert_braces_balance_as_bibtex_counts_them(bib)
    entries = read_bibtex(bib)
    assert len(entries) == len(papers) + 1  # and galore
    by_title = {from_latex(entry["title"]): entry for entry in entries.values()}
    for fields in papers.values():
        assert_bibtex_entry_is_the_record(by_title[as_latex_prints(fields["title"])], fields)


def test_an_author_whose_name_holds_and_is_one_author():
    paper = Paper("duo", "papers/duo.yml", freeze({"title": "Cartoons", "authors": ["Tom and Jerry", "Ada Lovelace"], "year": 2024, "arxiv": "2401.00001"}))
    [entry] = read_bibtex(bibtex_entry(paper, "jerry2024cartoons")).values()
    assert entry["author"] == ["{Tom and Jerry}", "Ada Lovelace"]


def test_citation_keys_are_unique_when_a_suffixed_key_is_another_papers_stem():
    # Two papers by Lovelace in 2024 whose titles start with "Memory", and one whose title starts
    # with "Memorya": the first suffixed key would be the third paper's.
    keys = citation_keys({"memory-1": "lovelace2024memory", "memory-2": "lovelace2024memory", "memorya": "lovelace2024memorya"})
    assert len(set(keys.values())) == 3
    assert keys == {"memory-1": "lovelace2024memoryb", "memory-2": "lovelace2024memoryc", "memorya": "lovelace2024memorya"}
    assert citation_keys(dict(reversed(list({"memorya": "lovelace2024memorya", "memory-2": "lovelace2024memory", "memory-1": "lovelace2024memory"}.items())))) == keys


def test_citation_keys_past_z_stay_unique():
    keys = citation_keys({f"p{number:02d}": "x2024deep" for number in range(60)})
    assert len(set(keys.values())) == 60 and keys["p25"] == "x2024deepz" and keys["p26"] == "x2024deepaa"


def test_bibtex_keys_are_unique_across_the_built_list(paper_list: PaperList):
    for paper_id, title, arxiv_id in (("memory-1", "Memory networks", "2401.00001"), ("memory-2", "Memory, again", "2401.00002"), ("memorya", "Memorya: a name", "2401.00003")):
        paper_list.write(paper_id, yaml.safe_dump({
            "title": title, "authors": ["Ada Lovelace"], "year": 2024, "arxiv": arxiv_id,
            "category": "agents", "tags": ["llm"], "added": "2024-01-01",
        }))
    assert paper_list.run("build").exit_code == 0
    keys = [entry.key for entry in bibtexparser.parse_string(output(paper_list, "papers.bib")).entries]
    assert len(keys) == len(set(keys)) == 4


# --- Atom and JSON ----------------------------------------------------------------------------------


def assert_feed_entry_is_the_record(entry, fields: dict, category_title: str) -> None:
    assert entry.title == fields["title"].strip()
    assert [author.name for author in entry.authors] == [name.strip() for name in fields["authors"]]
    assert entry.summary == fields["abstract"].strip()
    assert [tag.label for tag in entry.tags] == [category_title]


def test_feed_reads_back_field_by_field(built):
    listing, papers = built
    feed = feedparser.parse(output(listing, "feed.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    by_link = {entry.link.rstrip("/").rsplit("/", 1)[1]: entry for entry in feed.entries}
    for paper_id, fields in papers.items():
        assert_feed_entry_is_the_record(by_link[paper_id], fields, HOSTILE_CATEGORY_TITLE)


def test_json_reads_back_field_by_field(built):
    listing, papers = built
    records = {record.pop("id"): record for record in json.loads(output(listing, "papers.json"))}
    for paper_id, fields in papers.items():
        assert records[paper_id] == fields


# --- what reference managers read: RIS, CSL-JSON, Highwire Press meta tags -----------------------


def test_ris_reads_back_field_by_field(built):
    listing, papers = built
    records = rispy.loads(output(listing, "papers.ris"))
    assert len(records) == len(papers) + 1  # and the list's own GaLore
    by_title = {record["title"]: record for record in records}
    for fields in papers.values():
        record = by_title[one_line(fields["title"])]
        assert record["authors"] == [one_line(author) for author in fields["authors"]]
        assert (record["year"], record["secondary_title"]) == (str(fields["year"]), one_line(fields["venue"]))
        assert "abstract" not in record  # left to papers.json and the paper's page
        assert record["urls"] == [main_url(fields).replace(";", "%3B")] and record.get("doi") == fields.get("doi")
        assert record["keywords"] == fields["tags"]
        assert record["type_of_reference"] in ("JOUR", "CPAPER")


def test_a_preprint_is_an_unpublished_work_in_ris():
    paper = Paper("p", "p.yml", freeze({"title": "T", "authors": ["A B"], "year": 2024, "arxiv": "2401.00001", "tags": ["llm"]}))
    [record] = rispy.loads(ris_entry(paper))
    assert record["type_of_reference"] == "UNPB" and "secondary_title" not in record


@pytest.mark.parametrize("venue, journal", [
    ("Neural Computation 1997", True), ("JMLR 2020", True), ("IEEE TPAMI 2024", True), ("IEEE RA-L 2025", True),
    ("Nature Machine Intelligence 2023", True), ("Journal of Machine Learning Research 2021", True),
    ("International Joint Conference on Neural Networks (IJCNN) 2023", False), ("NeurIPS 2023", False),
    ("ICML 2024 Workshop on Long-Context Foundation Models", False), ("Advances in Neural Information Processing Systems 2017", False),
    ("Proceedings of the National Academy of Sciences 2023", True), ("Frontiers in Neuroscience 2022", True),
    ("Expert Systems with Applications 2024", True), ("IEEE TENCON 2023", False), ("ICLR 2024 (OpenReview)", False),
])
def test_without_a_venue_type_a_venue_is_cited_as_its_name_suggests(venue: str, journal: bool):
    paper = Paper("p", "p.yml", freeze({"title": "T", "authors": ["A B"], "year": 2024, "venue": venue, "arxiv": "2401.00001", "tags": ["llm"]}))
    [entry] = read_bibtex(bibtex_entry(paper, "b2024t")).values()
    [record] = rispy.loads(ris_entry(paper))
    assert (entry.entry_type, record["type_of_reference"], is_journal(paper)) == (("article", "JOUR", True) if journal else ("inproceedings", "CPAPER", False))


@pytest.mark.parametrize("venue_type, bibtex, ris, csl, highwire", [
    ("journal", "article", "JOUR", "article-journal", "citation_journal_title"),
    ("conference", "inproceedings", "CPAPER", "paper-conference", "citation_conference_title"),
])
def test_a_venue_type_decides_how_every_export_cites_the_venue(venue_type: str, bibtex: str, ris: str, csl: str, highwire: str):
    # Names that suggest the other kind: the field wins.
    venue = "Workshop Journal of Memory 2024" if venue_type == "journal" else "Transactions Conference 2024"
    paper = Paper("p", "p.yml", freeze({"title": "T", "authors": ["A B"], "year": 2024, "venue": venue, "venue_type": venue_type,
                                        "arxiv": "2401.00001", "tags": ["llm"]}))
    [entry] = read_bibtex(bibtex_entry(paper, "b2024t")).values()
    assert entry.entry_type == bibtex and from_latex(entry["journal" if bibtex == "article" else "booktitle"]) == venue
    assert rispy.loads(ris_entry(paper))[0]["type_of_reference"] == ris
    assert json.loads(csl_item(paper, "b2024t"))["type"] == csl
    assert (highwire, venue) in highwire_tags(paper)


def test_csl_json_reads_back_field_by_field(built):
    listing, papers = built
    items = json.loads(output(listing, "papers.csl.json"))
    assert len(items) == len(papers) + 1 and len({item["id"] for item in items}) == len(items)
    bibtex_keys = set(read_bibtex(output(listing, "papers.bib")))
    by_title = {item["title"]: item for item in items}
    for fields in papers.values():
        item = by_title[fields["title"]]
        assert item["id"] in bibtex_keys  # the same key as the paper's BibTeX entry
        assert item["author"] == [{"literal": author} for author in fields["authors"]]
        assert item["issued"] == {"date-parts": [[fields["year"]]]} and item["container-title"] == fields["venue"]
        assert item["URL"] == main_url(fields) and item.get("DOI") == fields.get("doi")
        assert "abstract" not in item and item["keyword"] == ", ".join(fields["tags"])


class _MetaTags(HTMLParser):
    """A page's Highwire Press meta tags, and the files its download links hold (by file name)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, str]] = []
        self.downloads: dict[str, tuple[str, str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("name", "").startswith("citation_"):
            self.tags.append((attributes["name"], attributes["content"]))
        if tag == "a" and "download" in attributes:
            media_type, _, data = attributes["href"].removeprefix("data:").partition(",")
            self.downloads[attributes["download"]] = (media_type, unquote(data))


def test_paper_pages_carry_highwire_tags_that_are_the_record(built):
    listing, papers = built
    env = generate(listing.root)
    proc = subprocess.run([BIN / "mkdocs", "build", "--strict", "--config-file", listing.root / "mkdocs.yml", "--site-dir", listing.root / "site"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for paper_id, fields in papers.items():
        tags = _MetaTags((listing.root / "site" / "papers" / paper_id / "index.html").read_text(encoding="utf-8")).tags
        expected = [("citation_title", one_line(fields["title"])), *(("citation_author", one_line(a)) for a in fields["authors"]),
                    ("citation_publication_date", "2024")]
        assert tags[:len(expected)] == expected, paper_id
        named = dict(tags[len(expected):])
        venue_tag = "citation_journal_title" if is_journal(Paper(paper_id, "", fields)) else "citation_conference_title"
        assert named.pop(venue_tag) == one_line(fields["venue"])
        if "arxiv" in fields:
            assert named.pop("citation_arxiv_id") == fields["arxiv"]
            assert named.pop("citation_pdf_url") == f"https://arxiv.org/pdf/{fields['arxiv']}"
        if "doi" in fields:
            assert named.pop("citation_doi") == fields["doi"]
        assert named == {}, paper_id
    # A paper's own BibTeX and RIS files, as the site's exports hold them.
    bib, ris = output(listing, "papers.bib"), output(listing, "papers.ris")
    for paper_id, fields in papers.items():
        downloads = _MetaTags((listing.root / "site" / "papers" / paper_id / "index.html").read_text(encoding="utf-8")).downloads
        [bib_name, ris_name] = downloads
        assert bib_name.endswith(".bib") and ris_name == bib_name.removesuffix(".bib") + ".ris"
        bib_type, bib_text = downloads[bib_name]
        [entry] = read_bibtex(bib_text).values()
        assert bib_type == "application/x-bibtex;charset=utf-8" and entry.key == bib_name.removesuffix(".bib")
        assert bib_text in bib
        ris_type, ris_text = downloads[ris_name]
        [record] = rispy.loads(ris_text)
        assert ris_type == "application/x-research-info-systems;charset=utf-8" and ris_text in ris
        assert record["title"] == one_line(fields["title"])
    # Only paper pages carry them.
    assert not _MetaTags((listing.root / "site" / "index.html").read_text(encoding="utf-8")).tags


# --- README -----------------------------------------------------------------------------------------


class _Tree(HTMLParser):
    """HTML as nested [tag, attributes, children...] lists; text as strings."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root: list = ["root", {}]
        self._open = [self.root]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = [tag, dict(attrs)]
        self._open[-1].append(node)
        self._open.append(node)

    def handle_endtag(self, tag):
        while len(self._open) > 1 and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        self._open[-1].append(data)

    def handle_comment(self, data):
        raise AssertionError(f"an HTML comment from data: {data!r}")


def elements(node: list, tag: str) -> list[list]:
    found = []
    for child in node[2:]:
        if isinstance(child, list):
            found += ([child] if child[0] == tag else []) + elements(child, tag)
    return found


def text(node: list | str) -> str:
    return node if isinstance(node, str) else "".join(text(child) for child in node[2:])


def readme_html(markdown_text: str) -> list:
    return _Tree(markdown.markdown(markdown_text))


def tags(node: list) -> list:
    """The element tags, without attributes or text."""
    return [node[0], *(tags(child) for child in node[2:] if isinstance(child, list))]


def is_paper_item(item: list) -> bool:
    return tags(item)[1:2] == [["strong", ["a"]]]


def assert_readme_item_is_the_record(item: list, fields: dict) -> None:
    """`- **[title](url)** · authors · venue · [code](url)`, and not one element more."""
    assert tags(item) == ["li", ["strong", ["a"]], ["a"]]
    title_link, code_link = elements(item, "a")
    assert unquote(title_link[1]["href"]) == unquote(main_url(fields))
    assert unquote(code_link[1]["href"]) == unquote(fields["code"])
    assert text(title_link) == one_line(fields["title"])
    authors = one_line(_authors(tuple(fields["authors"]), limit=3))
    assert text(item) == " · ".join([one_line(fields["title"]), authors, one_line(fields["venue"]), "code"])


def test_readme_reads_back_field_by_field(built):
    listing, papers = built
    readme = (listing.root / "README.md").read_text(encoding="utf-8")
    tree = readme_html(readme.split("<!-- papers:start -->")[1].split("<!-- papers:end -->")[0])
    assert not elements(tree.root, "script") and not elements(tree.root, "img") and not elements(tree.root, "b")
    items = {text(item[2]): item for item in elements(tree.root, "li") if is_paper_item(item)}
    for fields in papers.values():
        assert_readme_item_is_the_record(items[one_line(fields["title"])], fields)
    [heading] = [h for h in elements(tree.root, "h3") if "Agents" in text(h)]
    assert text(heading) == HOSTILE_CATEGORY_TITLE and tags(heading) == ["h3"]


def test_readme_reads_naturally_as_raw_markdown(built):
    listing, _ = built
    readme = (listing.root / "README.md").read_text(encoding="utf-8")
    assert "- **[GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection](https://arxiv.org/abs/2403.03507)** · Jiawei Zhao, Zhenyu Zhang · ICML 2024" in readme
    assert r"**[\[x\](javascript:alert(1)) !\[i\](https&#58;//evil.example/i.png) \[ref\]](" in readme
    assert "**[&amp;amp; &amp;#58; &amp;lt;b&amp;gt; & plain](" in readme


# GitHub links these in text by itself (its autolink extension), and reads the rest as HTML,
# entities, strikethrough or maths.
_GITHUB_WOULD_INTERPRET = re.compile(r"(?i)(?:https?|ftp)://|\bwww\.|[a-z0-9.+_-]@[a-z0-9_-]|<[a-z/!?]|&#?[a-z0-9]+;|[~$]")
_OUR_REFERENCES = re.compile(r"&(?:amp|lt|#[0-9]+);")


# --- any text ---------------------------------------------------------------------------------------

# Control characters are refused by `site-gen check`.
any_text = st.text(st.characters(exclude_categories=("Cc", "Cs", "Cn")), min_size=1, max_size=40).filter(str.strip)
# pylatexenc's table writes some letters approximately (`Ħ` as `\\=H`, Greek capitals as Latin
# ones): BibTeX is read back for all of ASCII, where every syntax character is, and for letters
# and symbols pylatexenc writes exactly.
latex_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("éüßçøÅñČłő中文한ıαβΩ∑≤→—–…“”‘’€°±×😀"),
    min_size=1, max_size=40,
).filter(str.strip)


def _paper(title: str, author: str, venue: str) -> Paper:
    return Paper("any", "papers/any.yml", freeze({
        "title": title, "authors": [author, "Ada Lovelace"], "year": 2024, "venue": venue, "arxiv": "2401.00001",
        "code": HOSTILE_URL, "category": "agents", "tags": ["llm"], "abstract": title, "added": "2024-01-01",
    }))


def _fields(paper: Paper) -> dict:
    return {name: value for name, value in paper.export().items() if name != "id"}


distinct_author = lambda text: text.filter(lambda name: name.strip() != "Ada Lovelace")  # noqa: E731


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(latex_text, distinct_author(latex_text), latex_text)
def test_any_text_reads_back_from_bibtex(title: str, author: str, venue: str):
    paper = _paper(title, author, venue)
    bib = bibtex_entry(paper, "any2024")
    assert_braces_balance_as_bibtex_counts_them(bib)
    [entry] = read_bibtex(bib).values()
    assert_bibtex_entry_is_the_record(entry, _fields(paper))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, distinct_author(any_text), any_text)
def test_any_text_reads_back_from_json_feed_and_readme(title: str, author: str, venue: str):
    paper = _paper(title, author, venue)
    fields = _fields(paper)
    assert json.loads(record_json(paper)) == paper.export()

    term = Term("agents", venue, "d")
    taxonomy = Taxonomy("T", "D", None, None, (term,), (Term("llm", "LLM", "d"),), {})
    atom = feed_xml(taxonomy, (paper,), "https://example.org/")
    feed = feedparser.parse(atom)
    assert not feed.bozo, feed.get("bozo_exception")
    # Read with the XML parser: feedparser decodes again text that looks like UTF-8 read as
    # Latin-1 (`Â¡` reads as `¡`).
    entry = ElementTree.fromstring(atom).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == title
    assert [author.findtext(f"{ATOM}name") for author in entry.iter(f"{ATOM}author")] == list(paper.authors)
    assert entry.findtext(f"{ATOM}summary") == title
    assert entry.find(f"{ATOM}category").get("label") == venue

    tree = readme_html(render("readme_list.md.j2", catalog=Catalog.build(taxonomy, [paper])))
    [item] = [item for item in elements(tree.root, "li") if is_paper_item(item)]
    assert_readme_item_is_the_record(item, fields)
    [heading] = elements(tree.root, "h3")
    assert text(heading) == one_line(venue)
    for value in (title, author, venue):
        # Each reference stands for one character that GitHub shows as it is: removing it would join
        # its neighbours ('<$?' is written '<&#36;?', which is no processing instruction).
        assert not _GITHUB_WOULD_INTERPRET.search(_OUR_REFERENCES.sub("\0", github_markdown(value)))
