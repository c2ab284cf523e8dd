"""Machine-readable exports: papers.json, papers.bib (BibTeX), papers.ris (RIS), papers.csl.json
(CSL-JSON), feed.xml (Atom), and the Highwire Press meta tags of a paper page."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import string
from functools import cache
from typing import Iterable, Iterator

from site_gen import urls
from site_gen.markup import link_target
from site_gen.records import Paper, Taxonomy


def record_json(paper: Paper) -> str:
    """One item of papers.json, indented as an item of its array."""
    return "  " + json.dumps(paper.export(), ensure_ascii=False, indent=2).replace("\n", "\n  ")


def papers_json(records: Iterable[object]) -> str:
    """The items (from record_json, in id order, each valid against paper.schema.json; or from
    csl_item) as one JSON array, exactly as json.dumps with indent=2 writes it."""
    body = ",\n".join(map(str, records))
    return f"[\n{body}\n]\n" if body else "[]\n"


# --- BibTeX -----------------------------------------------------------------------------------

_STOPWORDS = frozenset("a an the on of for in to and with towards toward via from by is are do does can".split())
# A paper without `venue_type` is cited by its venue's name: a conference's or a workshop's says
# so; a journal's says so too (Journal of, Transactions, Letters), or it is one that machine
# learning papers cite by name alone. Anything else is taken for a conference.
_CONFERENCE = re.compile(r"conference|symposium|workshop|meeting|congress", re.IGNORECASE)
_JOURNAL = re.compile(
    r"journal|transactions|letters|magazine|\breview\b|\bsciences?\b|^frontiers in\b|national academy|(?:with|and) applications|"
    r"(?-i:\bIEEE [A-Z]+-L\b|\b(?:JMLR|TMLR|PNAS|IJCV|JAIR|TPAMI|TNNLS|TKDE|TETCI|TCSVT|TASLP|TIP|TMI|TMM|TCYB|TPDS)\b)|"  # IEEE RA-L
    r"^(?:Nature|Neural Networks|Neural Computation|Neurocomputing|IEEE Access)\b",
    re.IGNORECASE,
)

# The exporters' libraries (feedgen with lxml, pylatexenc, slugify) are imported when first used:
# a warm build whose exports are current never needs them.


@cache
def _latex_encoder():
    from pylatexenc.latexencode import RULE_DICT, RULE_REGEX, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

    # pylatexenc's defaults escape LaTeX's special characters and accents; characters with no
    # LaTeX form (CJK names) are kept as UTF-8, which biber and modern BibTeX read. Braces are
    # written as commands: BibTeX counts braces without regard to backslashes, so `\}` would end
    # the field and let the rest of a title add fields of its own. Quotes and dashes print as
    # written: a straight quote stays one (the default, '', is a closing curly quote), a backtick
    # is not an opening quote, and `--`, `''`, `,,` are kept from becoming ligatures.
    as_written = UnicodeToLatexConversionRule(RULE_DICT, {
        ord("{"): r"\textbraceleft", ord("}"): r"\textbraceright", ord('"'): '"', ord("`"): r"\textasciigrave",
    })
    no_ligatures = UnicodeToLatexConversionRule(RULE_REGEX, [(_LIGATURE, r"\1{}")])
    return UnicodeToLatexEncoder(
        conversion_rules=[as_written, no_ligatures, "defaults"], replacement_latex_protection="braces-all",
        unknown_char_policy="keep", unknown_char_warning=False,
    )


# The first of two characters that LaTeX typesets as one (`--` is an en dash).
_LIGATURE = re.compile(r"([-',])(?=\1)")
_PLAIN_LATEX = re.compile(r"[A-Za-z0-9 .,;:()?!'/+=@-]*")


def latex(text: str) -> str:
    text = " ".join(text.split())
    # pylatexenc is slow and most titles and names need nothing escaped.
    return text if _PLAIN_LATEX.fullmatch(text) and not _LIGATURE.search(text) else _latex_encoder().unicode_to_latex(text)


def citation_stem(paper: Paper) -> str:
    """The citation key before clashes are resolved: first author's surname, year, first word."""
    from slugify import slugify

    surname = paper.authors[0].split()[-1]
    words = [w for w in re.findall(r"[A-Za-z0-9]+", slugify(paper.title, separator=" ")) if w.lower() not in _STOPWORDS]
    return f"{slugify(surname, separator='')}{paper.year}{(words or ['paper'])[0].lower()}"


def citation_keys(stems: dict[str, str]) -> dict[str, str]:
    """Stable BibTeX keys (`zhao2024galore`) from each paper's stem (by paper id), unique across
    the list: papers sharing a stem get a, b, ... in paper id order, skipping any key that is
    another paper's stem or already given."""
    by_stem: dict[str, list[str]] = {}
    for paper_id in sorted(stems):
        by_stem.setdefault(stems[paper_id], []).append(paper_id)
    keys = {ids[0]: stem for stem, ids in by_stem.items() if len(ids) == 1}
    taken = set(by_stem)
    for stem in sorted(stem for stem, ids in by_stem.items() if len(ids) > 1):
        suffixes = (suffix for suffix in _letter_suffixes() if stem + suffix not in taken)
        for paper_id in by_stem[stem]:
            keys[paper_id] = stem + next(suffixes)
            taken.add(keys[paper_id])
    return keys


def _letter_suffixes() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ..., zz, aaa, ..."""
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


# BibTeX reads " and " (any case) as the start of the next author and a comma as "Last, First".
_SPLITS_A_NAME = re.compile(r"(?:^|\s)and(?:\s|$)|,", re.IGNORECASE)


def bibtex_name(author: str) -> str:
    """One author as BibTeX reads it: a name that BibTeX would split or reorder is braced whole,
    so `Tom and Jerry` stays one author, written as given."""
    name = latex(author)
    return "{" + name + "}" if _SPLITS_A_NAME.search(name) else name


# BibTeX fields that LaTeX typesets verbatim (biblatex, and \url / \doi in other styles): no
# escape works inside them, so the characters that would unbalance or end the field, and the
# escape character, are percent-encoded (the address stays the same).
_UNSAFE_IN_VERBATIM = re.compile(r"[{}\\%]")


def _doi_verbatim(doi: str) -> str:
    return _UNSAFE_IN_VERBATIM.sub(lambda match: f"%{ord(match.group(0)):02X}", doi)


def is_journal(paper: Paper) -> bool:
    """Whether the paper's venue is a journal rather than a conference or workshop: as its
    `venue_type` says, else as its name suggests."""
    if paper.venue_type:
        return paper.venue_type == "journal"
    return not _CONFERENCE.search(paper.venue) and bool(_JOURNAL.search(paper.venue))


def bibtex_entry(paper: Paper, citation_key: str) -> str:
    fields: list[tuple[str, str]] = [
        ("title", "{" + latex(paper.title) + "}"),
        ("author", " and ".join(map(bibtex_name, paper.authors))),
        ("year", str(paper.year)),
    ]
    if paper.venue:
        journal = is_journal(paper)
        kind = "article" if journal else "inproceedings"
        fields.append(("journal" if journal else "booktitle", latex(paper.venue)))
    else:
        kind = "misc"
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archivePrefix", "arXiv")]
    if paper.doi:
        fields.append(("doi", _doi_verbatim(paper.doi)))
    fields.append(("url", str(link_target(paper.main_url))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{citation_key},\n{body}\n}}\n"


def papers_bib(entries: Iterable[object]) -> str:
    """Every paper's entry (from bibtex_entry, in citation-key order)."""
    return "\n".join(map(str, entries))


# --- what reference managers read: RIS, CSL-JSON, Highwire Press meta tags ----------------------


def _one_line(text: str) -> str:
    """A value on one line: RIS ends a field at the line's end, and has no escape for it."""
    return " ".join(text.split())


def ris_entry(paper: Paper) -> str:
    """The paper as one RIS record (the tagged format of EndNote, Zotero, Mendeley): each field on
    its own `XX  - value` line, in the order the format's readers expect, ending with `ER  - `.
    Like papers.bib, it leaves the abstract and the curator's note to papers.json and the paper's
    page: abstracts are four fifths of the list's text, and an edit of either would rewrite every
    export."""
    # A paper with no venue is a preprint: an unpublished work.
    kind = ("JOUR" if is_journal(paper) else "CPAPER") if paper.venue else "UNPB"
    lines = [("TY", kind), ("TI", paper.title), *(("AU", author) for author in paper.authors), ("PY", str(paper.year))]
    if paper.venue:
        lines.append(("T2", paper.venue))
    if paper.doi:
        lines.append(("DO", paper.doi))
    # Readers split UR at ";" (several links in one field).
    lines.append(("UR", paper.main_url.replace(";", "%3B")))
    lines += [("KW", tag) for tag in paper.tags]
    return "".join(f"{tag}  - {_one_line(value)}\n" for tag, value in lines) + "ER  - \n"


def papers_ris(entries: Iterable[object]) -> str:
    """Every paper's record (from ris_entry), a blank line between them."""
    return "\n".join(map(str, entries))


def csl_item(paper: Paper, citation_key: str) -> str:
    """One item of papers.csl.json (what Zotero, Mendeley and citeproc read), indented as an item
    of its array. Names are kept whole (`literal`): splitting them into given and family names
    would guess wrong for many. No abstract, as in ris_entry."""
    item: dict[str, object] = {
        "id": citation_key,
        "type": ("article-journal" if is_journal(paper) else "paper-conference") if paper.venue else "article",
        "title": paper.title,
        "author": [{"literal": author} for author in paper.authors],
        "issued": {"date-parts": [[paper.year]]},
    }
    if paper.venue:
        item["container-title"] = paper.venue
    if paper.doi:
        item["DOI"] = paper.doi
    item["URL"] = paper.main_url
    if paper.arxiv:
        item["number"] = f"arXiv:{paper.arxiv}"
    item["keyword"] = ", ".join(paper.tags)
    return "  " + json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")


def highwire_tags(paper: Paper) -> tuple[tuple[str, str], ...]:
    """The paper page's `<meta name=... content=...>` pairs that Google Scholar and Zotero's
    browser connector read (Highwire Press tags)."""
    tags = [("citation_title", paper.title), *(("citation_author", author) for author in paper.authors),
            ("citation_publication_date", str(paper.year))]
    if paper.venue:
        tags.append(("citation_journal_title" if is_journal(paper) else "citation_conference_title", paper.venue))
    if paper.arxiv:
        tags.append(("citation_arxiv_id", paper.arxiv))
    if paper.doi:
        tags.append(("citation_doi", paper.doi))
    if paper.pdf_url:
        tags.append(("citation_pdf_url", paper.pdf_url))
    return tuple((name, _one_line(content)) for name, content in tags)


# --- Atom feed --------------------------------------------------------------------------------


def _midnight(date_text: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(date_text), dt.time(), tzinfo=dt.timezone.utc)


def feed_xml(taxonomy: Taxonomy, papers: tuple[Paper, ...], site_url: str) -> bytes:
    """Atom feed of the given papers (the most recently added, newest first). Deterministic:
    every date comes from the data."""
    from feedgen.feed import FeedGenerator

    site_url = site_url.rstrip("/") + "/"
    categories = {term.slug: term for term in taxonomy.categories}
    feed = FeedGenerator()
    feed.id(site_url)
    feed.title(taxonomy.title)
    feed.subtitle(taxonomy.description)
    feed.link(href=site_url, rel="alternate")
    feed.link(href=urls.absolute(site_url, urls.FEED), rel="self")
    feed.generator("site-gen")
    feed.language("en")
    feed.updated(_midnight(papers[0].added) if papers else _midnight("1970-01-01"))
    for paper in reversed(papers):  # feedgen prepends entries: newest ends up first
        permalink = urls.absolute(site_url, urls.paper(paper.id))
        entry = feed.add_entry()
        entry.id(permalink)
        entry.title(paper.title)
        # One link only: feedgen 1.0 drops rel= on entry links, so a second link would compete
        # with the permalink as the entry's "alternate".
        entry.link(href=permalink)
        for author in paper.authors:
            entry.author(name=author)
        entry.updated(_midnight(paper.added))
        entry.published(_midnight(paper.added))
        entry.category(term=paper.category, label=categories[paper.category].title)
        summary = paper.abstract or paper.note or paper.title
        entry.summary(summary)
    return feed.atom_str(pretty=True)
