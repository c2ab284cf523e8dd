"""DOIs: recognise one in what a contributor pastes, and read what Crossref or DataCite says of it.

Crossref's REST API answers `GET https://api.crossref.org/works/<doi>` with
`{"status": "ok", "message-type": "work", "message": {...}}` and HTTP 404 for a DOI it does not
register (https://api.crossref.org/swagger-ui/index.html; the fields in
https://github.com/CrossRef/rest-api-doc/blob/master/api_format.md). DataCite's REST API answers
`GET https://api.datacite.org/dois/<doi>` with a JSON:API document `{"data": {"attributes": {...}}}`
(https://support.datacite.org/docs/api-get-doi), 404 likewise. Most papers have Crossref DOIs;
datasets, theses, preprint servers (arXiv's own `10.48550/arXiv.<id>`) have DataCite ones.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from site_gen import web

CROSSREF_API = "https://api.crossref.org/works/"
DATACITE_API = "https://api.datacite.org/dois/"
# Tests and mirrors point the client elsewhere.
CROSSREF_API_ENV = "SITE_GEN_CROSSREF_API"
DATACITE_API_ENV = "SITE_GEN_DATACITE_API"
# ASCII digits only: Python's \d also matches other scripts' digits.
_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(.+)$", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
# Crossref's work types whose container is where the paper was published (not a preprint server).
_PUBLISHED_TYPES = {"journal-article", "proceedings-article", "book-chapter", "book", "monograph", "report"}
# Those that say what the container is (the papers' venue_type).
_VENUE_TYPES = {"journal-article": "journal", "proceedings-article": "conference"}


class NotADoi(ValueError):
    """The text is not a DOI or a doi.org link."""


class DoiError(Exception):
    """Base class: the registry could not give us the paper."""


class DoiNotFound(DoiError):
    """The registry answered, and it does not know the DOI."""


class DoiUnreadable(DoiError):
    """The registry's answer is not the documented JSON of a work."""


class DoiUnavailable(DoiError):
    """No usable answer: no network, a time-out, a server error."""


@dataclass(frozen=True)
class DoiPaper:
    doi: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    venue: str | None = None
    abstract: str | None = None
    venue_type: str | None = None  # "journal" or "conference", when the registry says which


def parse_doi(text: str) -> str:
    """`10.1145/3292500.3330701`, `doi:10.1145/...`, `https://doi.org/10.1145/...` -> the DOI."""
    value = text.strip()
    url = _DOI_URL.match(value)
    if url:
        value = urllib.parse.unquote(url.group(1))
    else:
        value = re.sub(r"^doi:\s*", "", value, flags=re.IGNORECASE)
    if not _DOI.fullmatch(value):
        raise NotADoi(f"{text!r} is not a DOI (expected something like 10.1145/3292500.3330701 or https://doi.org/10.1145/...)")
    return value


def looks_like_doi(text: str) -> bool:
    try:
        parse_doi(text)
    except NotADoi:
        return False
    return True


def arxiv_id_of(doi: str) -> str | None:
    """The arXiv id of an arXiv DOI (`10.48550/arXiv.2403.03507`), else None."""
    match = _ARXIV_DOI.match(doi)
    return match.group(1) if match else None


def work_url(base: str, doi: str) -> str:
    """The registry's address for the DOI (its characters outside a path segment's quoted)."""
    return base.rstrip("/") + "/" + urllib.parse.quote(doi, safe="/")


def _json(body: bytes, registry: str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DoiUnreadable(f"{registry}'s answer is not JSON") from None


def _clean(text: str | None) -> str:
    return " ".join(html.unescape(text or "").split())


class _AbstractText(HTMLParser):
    """The text of a JATS abstract (`<jats:p>...</jats:p>`), without its `<jats:title>`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_title = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag.endswith("title"):
            self._in_title += 1
        elif tag.endswith("p"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag.endswith("title") and self._in_title:
            self._in_title -= 1

    def handle_data(self, data: str) -> None:
        if not self._in_title:
            self.parts.append(data)


def _abstract_text(markup: str | None) -> str | None:
    if not markup:
        return None
    parser = _AbstractText()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.parts).split()) or None


def _first(values: Any) -> str:
    return _clean(values[0]) if isinstance(values, list) and values and isinstance(values[0], str) else ""


def _year(message: dict) -> int | None:
    for field in ("published-print", "published-online", "issued", "published", "created"):
        parts = (message.get(field) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and isinstance(parts[0][0], int):
            return parts[0][0]
    return None


def from_crossref(body: bytes, doi: str) -> DoiPaper:
    data = _json(body, "Crossref")
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict) or data.get("message-type") != "work":
        raise DoiUnreadable("Crossref's answer is not a work")
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    authors = []
    for author in message.get("author") or ():
        if isinstance(author, dict):
            name = _clean(" ".join(part for part in (author.get("given"), author.get("family")) if isinstance(part, str)))
            authors.append(name or _clean(author.get("name") if isinstance(author.get("name"), str) else ""))
    venue = None
    if message.get("type") in _PUBLISHED_TYPES:
        event = message.get("event") if isinstance(message.get("event"), dict) else {}
        venue = _first(message.get("container-title")) or _clean(event.get("name") if isinstance(event.get("name"), str) else "") or None
    abstract = message.get("abstract")
    return DoiPaper(
        doi=doi, title=title, authors=tuple(dict.fromkeys(name for name in authors if name)), year=_year(message),
        venue=venue, abstract=_abstract_text(abstract if isinstance(abstract, str) else None),
        venue_type=_VENUE_TYPES.get(message.get("type")) if venue else None,
    )


def _creator_name(creator: dict) -> str:
    given, family = creator.get("givenName"), creator.get("familyName")
    if isinstance(given, str) and isinstance(family, str):
        return _clean(f"{given} {family}")
    name = _clean(creator.get("name") if isinstance(creator.get("name"), str) else "")
    if creator.get("nameType") == "Personal" and name.count(",") == 1:  # "Family, Given"
        family, given = (part.strip() for part in name.split(","))
        return f"{given} {family}".strip()
    return name


def from_datacite(body: bytes, doi: str) -> DoiPaper:
    data = _json(body, "DataCite")
    attributes = (data.get("data") or {}).get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise DoiUnreadable("DataCite's answer is not a DOI record")
    titles = [t.get("title") for t in attributes.get("titles") or () if isinstance(t, dict) and not t.get("titleType")]
    creators = [_creator_name(c) for c in attributes.get("creators") or () if isinstance(c, dict)]
    abstracts = [d.get("description") for d in attributes.get("descriptions") or ()
                 if isinstance(d, dict) and d.get("descriptionType") == "Abstract" and isinstance(d.get("description"), str)]
    container = attributes.get("container") if isinstance(attributes.get("container"), dict) else {}
    year = attributes.get("publicationYear")
    return DoiPaper(
        doi=doi, title=_first(titles), authors=tuple(dict.fromkeys(name for name in creators if name)),
        year=int(year) if isinstance(year, (int, str)) and str(year).isascii() and str(year).isdigit() else None,
        venue=_clean(container.get("title") if isinstance(container.get("title"), str) else "") or None,
        abstract=_clean(abstracts[0]) if abstracts else None,
    )


def fetch(doi: str, crossref_api: str = CROSSREF_API, datacite_api: str = DATACITE_API) -> DoiPaper:
    """The paper with this DOI, from Crossref, else (a DOI Crossref does not register) DataCite.
    Raises DoiNotFound, DoiUnreadable or DoiUnavailable."""
    for registry, base, read in (("Crossref", crossref_api, from_crossref), ("DataCite", datacite_api, from_datacite)):
        try:
            answer = web.get(work_url(base, doi), "application/json")
        except web.Unreachable as error:
            raise DoiUnavailable(f"could not ask {registry}: {error}") from None
        if answer.status == 404:
            continue
        if answer.status != 200:
            raise DoiUnavailable(f"{registry} answered HTTP {answer.status}")
        paper = read(answer.body, doi)
        if not paper.title:
            raise DoiUnreadable(f"{registry}'s record of {doi} has no title")
        return paper
    raise DoiNotFound(f"neither Crossref nor DataCite knows the DOI {doi}")
