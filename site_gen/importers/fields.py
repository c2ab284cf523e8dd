"""What every reader does with a field's value: text, years, venues, names and identifiers."""

from __future__ import annotations

import re
from typing import Any, Iterable

from site_gen import arxiv, doi

_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d|2100)(?!\d)")
# "arXiv:2403.03507 [cs]", "arXiv preprint arXiv:2403.03507", "10.48550/arXiv.2403.03507".
_ARXIV_MENTION = re.compile(r"arxiv[:.\s]\s*(?:preprint\s+)?(?:arxiv:\s*)?(?P<id>[\w./-]+)", re.I)
# Where a preprint "appears" in BibTeX and CSL exports (Google Scholar, DBLP, Zotero): not a venue.
_PREPRINT_VENUE = re.compile(r"^(arxiv|corr)\b", re.I)
_NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def text(value: Any) -> str | None:
    """A value as one line of text (sources wrap long titles and abstracts), or None if empty."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return " ".join(str(value).split()) or None


def title(value: Any) -> str | None:
    found = text(value)
    return found[:-1] if found and found.endswith(".") and not found.endswith("..") else found


def year(value: Any) -> int | str | None:
    """The first year in the value; else the text itself, for `check` to show."""
    found = text(value)
    match = _YEAR.search(found) if found else None
    return int(match.group(1)) if match else found


def venue(name: Any, published: int | str | None) -> str | None:
    """`ICML` and 2024 -> `ICML 2024`; a preprint server is no venue."""
    found = text(name)
    if not found or _PREPRINT_VENUE.match(found):
        return None
    return f"{found} {published}" if isinstance(published, int) and str(published) not in found else found


def names(value: Any) -> tuple[str, ...]:
    """A list of names, or one text of them: "A, B and C", "A, B, and C"."""
    items = value if isinstance(value, list) else _NAME_SEPARATOR.split(text(value) or "")
    return unique(filter(None, map(text, items)))


def keywords(value: Any) -> tuple[str, ...]:
    """A list of keywords, or one text of them separated by commas or semicolons."""
    items = value if isinstance(value, list) else re.split(r"[,;]", text(value) or "")
    return unique(filter(None, map(text, items)))


def unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def arxiv_id(value: str) -> str | None:
    """The arXiv id an id, an arXiv link, arXiv's DOI or a mention in free text names."""
    candidates = [value.strip(), *(match.group("id").rstrip(".,;)]") for match in _ARXIV_MENTION.finditer(value))]
    for candidate in candidates:
        try:
            return arxiv.parse_arxiv_id(candidate).id
        except arxiv.NotAnArxivId:
            continue
    return None


def bare_doi(value: str) -> str | None:
    """The bare DOI in a DOI, `doi:` text or doi.org link; None for arXiv's own DOIs, which name
    the preprint that the arxiv field names."""
    try:
        bare = doi.parse_doi(value)
    except doi.NotADoi:
        return None
    return None if doi.arxiv_id_of(bare) else bare


def is_web_link(value: str) -> bool:
    return re.match(r"^https?://\S+$", value.strip(), re.I) is not None


def identify(mentions: Iterable[Any] = (), dois: Iterable[Any] = (), links: Iterable[Any] = ()) -> tuple[str | None, str | None, str | None]:
    """The arXiv id, DOI and landing page (url) of a paper from the fields that may hold them,
    the first found in each. `mentions` are fields that may name an arXiv id (eprint, number,
    note); a DOI or link may too. The url is kept only for a paper not on arXiv, as the schema
    says, and never when it is the DOI's or arXiv's own link."""
    mention_texts = [value for value in mentions if isinstance(value, str)]
    doi_texts = [value for value in dois if isinstance(value, str)]
    link_texts = [value.strip() for value in links if isinstance(value, str) and is_web_link(value)]
    found_arxiv = next(filter(None, map(arxiv_id, (*mention_texts, *doi_texts, *link_texts))), None)
    found_doi = next(filter(None, map(bare_doi, (*doi_texts, *link_texts))), None)
    pages = [link for link in link_texts if not arxiv_id(link) and not bare_doi(link)]
    return found_arxiv, found_doi, None if found_arxiv or not pages else pages[0]
