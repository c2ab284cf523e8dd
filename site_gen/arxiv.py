"""arXiv: recognise an id in what a contributor pastes, and ask arXiv's API for the paper.

The API answers `GET <base>?id_list=<id>[,<id>...]` with an Atom 1.0 feed (https://info.arxiv.org/help/api/
user-manual.html). It is parsed with the standard library's ElementTree rather than feedparser:
the feed is small and strictly formed, we need the arXiv extension elements by namespace, and a
strict parser refuses a proxy's HTML error page instead of guessing a paper out of it. The feed
never has a DTD, so one is refused (no entity expansion can happen).

Tests and mirrors point the client elsewhere with the `SITE_GEN_ARXIV_API` environment variable or
the `api_url` argument.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from site_gen import web

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
API_URL_ENV = "SITE_GEN_ARXIV_API"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"

# New style (2007-04 on): YYMM.NNNN, and YYMM.NNNNN from 2015. Old style: archive(.SUBJ)/YYMMNNN.
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
_ID_WITH_VERSION = re.compile(rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?")
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org", "browse.arxiv.org"}
_URL_KINDS = ("abs", "pdf", "html", "format", "src")


class NotAnArxivId(ValueError):
    """The text is neither an arXiv id nor an arXiv link."""


class ArxivError(Exception):
    """Base class: arXiv could not give us the paper."""


class ArxivUnavailable(ArxivError):
    """No usable answer: no network, a time-out, a server error, or something that is not a feed."""


class ArxivNotFound(ArxivError):
    """arXiv answered, and it has no paper with this id."""


@dataclass(frozen=True)
class ArxivId:
    id: str
    version: int | None = None

    def __str__(self) -> str:
        return self.id


def parse_arxiv_id(text: str) -> ArxivId:
    """`2403.03507`, `arXiv:2403.03507v2`, `https://arxiv.org/abs/2403.03507v2`,
    `https://arxiv.org/pdf/2403.03507v1(.pdf)`, `hep-th/9901001` -> the bare id and the version."""
    value = text.strip()
    if re.match(r"^(https?://|(www\.|export\.)?arxiv\.org/)", value, re.I):
        if not value.lower().startswith("http"):
            value = "https://" + value
        parts = urllib.parse.urlsplit(value)
        if (parts.hostname or "").lower() not in _ARXIV_HOSTS:
            raise NotAnArxivId(f"{text!r} is not an arXiv link")
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) < 2 or segments[0] not in _URL_KINDS:
            raise NotAnArxivId(f"{text!r} is not a link to an arXiv paper (expected https://arxiv.org/abs/<id>)")
        value = "/".join(segments[1:]).removesuffix(".pdf")
    else:
        value = re.sub(r"^arxiv:\s*", "", value, flags=re.I)
    match = _ID_WITH_VERSION.fullmatch(value)
    if not match:
        raise NotAnArxivId(f"{text!r} is not an arXiv id (expected something like 2403.03507 or hep-th/9901001)")
    version = match.group("version")
    return ArxivId(match.group("id"), int(version) if version else None)


@dataclass(frozen=True)
class ArxivPaper:
    id: str
    version: int | None
    title: str
    authors: tuple[str, ...]
    abstract: str
    published: dt.date
    primary_category: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    pdf_url: str | None = None


def api_url(base: str | None = None) -> str:
    return base or os.environ.get(API_URL_ENV) or DEFAULT_API_URL


def query_url(arxiv_ids: str | Sequence[str], base: str | None = None) -> str:
    """The API's address for one id or several (`id_list=a,b,c`); max_results as many, as the API
    returns 10 entries unless told otherwise."""
    ids = [arxiv_ids] if isinstance(arxiv_ids, str) else list(arxiv_ids)
    base = api_url(base)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urllib.parse.urlencode({'id_list': ','.join(ids), 'max_results': len(ids)})}"


def fetch(arxiv_id: str, base: str | None = None, timeout: float | None = None) -> ArxivPaper:
    """The paper `arxiv_id` (bare id, no version), within `timeout` seconds in all (web's
    default). Raises ArxivNotFound or ArxivUnavailable."""
    paper = fetch_batch([arxiv_id], base, timeout).get(arxiv_id)
    if paper is None:
        raise ArxivNotFound(f"arXiv has no paper {arxiv_id}")
    return paper


def fetch_batch(arxiv_ids: Sequence[str], base: str | None = None, timeout: float | None = None) -> dict[str, ArxivPaper]:
    """The papers arXiv has among `arxiv_ids` (bare ids; up to a few hundred, in one request), by
    id; an id arXiv does not know is left out. Raises ArxivNotFound when arXiv refuses the request
    (a malformed id), else ArxivUnavailable."""
    asked = ", ".join(arxiv_ids)
    try:
        answer = web.get(query_url(arxiv_ids, base), "application/atom+xml", web.TIMEOUT_SECONDS if timeout is None else timeout)
    except web.Unreachable as error:
        raise ArxivUnavailable(str(error)) from None
    if answer.status >= 400:
        # arXiv answers a malformed id with HTTP 400 and an error feed: read it for its message.
        if answer.status < 500 and answer.body.lstrip().startswith(b"<"):
            try:
                return parse_entries(answer.body, asked)
            except ArxivUnavailable:
                pass
        raise ArxivUnavailable(f"arXiv answered HTTP {answer.status}")
    return parse_entries(answer.body, asked)


def _text(element: ET.Element | None) -> str:
    """An element's text with runs of whitespace (arXiv wraps titles and abstracts) made one space."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def parse_feed(body: bytes, arxiv_id: str) -> ArxivPaper:
    """The one paper in an API answer for `id_list=arxiv_id`."""
    paper = parse_entries(body, arxiv_id).get(arxiv_id)
    if paper is None:
        raise ArxivNotFound(f"arXiv has no paper {arxiv_id}")
    return paper


def parse_entries(body: bytes, asked: str) -> dict[str, ArxivPaper]:
    """The papers in an API answer, by bare id; `asked` names the ids asked for, in messages. An
    entry with an empty id, or without a title or date, is what the API has returned for an
    unknown id: not a paper."""
    if b"<!DOCTYPE" in body[:4096].upper():
        raise ArxivUnavailable("arXiv's answer has a DTD, which an Atom feed never has")
    try:
        feed = ET.fromstring(body)
    except ET.ParseError as error:
        raise ArxivUnavailable(f"arXiv's answer is not an Atom feed ({error})") from None
    if feed.tag != f"{_ATOM}feed":
        raise ArxivUnavailable("arXiv's answer is not an Atom feed")
    papers = {}
    for entry in feed.findall(f"{_ATOM}entry"):
        entry_id = _text(entry.find(f"{_ATOM}id"))
        if re.match(r"^https?://arxiv\.org/api/errors", entry_id):
            message = _text(entry.find(f"{_ATOM}summary")) or entry_id.partition("#")[2].replace("_", " ")
            raise ArxivNotFound(f"arXiv does not accept {asked}: {message}")
        match = re.match(r"^https?://(?:www\.)?arxiv\.org/abs/(.+)$", entry_id)
        found = _ID_WITH_VERSION.fullmatch(match.group(1)) if match else None
        if found:
            paper = _paper(entry, found.group("id"), found.group("version"))
            if paper is not None:
                papers[paper.id] = paper
    return papers


def _paper(entry: ET.Element, arxiv_id: str, version: str | None) -> ArxivPaper | None:
    title = _text(entry.find(f"{_ATOM}title"))
    authors = [_text(author.find(f"{_ATOM}name")) for author in entry.findall(f"{_ATOM}author")]
    published_text = _text(entry.find(f"{_ATOM}published"))
    if not title or not published_text:
        return None
    try:
        published = dt.date.fromisoformat(published_text[:10])
    except ValueError:
        raise ArxivUnavailable(f"arXiv gave an unreadable publication date {published_text!r}") from None
    primary = entry.find(f"{_ARXIV}primary_category")
    pdf = next((link.get("href") for link in entry.findall(f"{_ATOM}link") if link.get("title") == "pdf"), None)
    return ArxivPaper(
        id=arxiv_id,
        version=int(version) if version else None,
        title=title,
        authors=tuple(dict.fromkeys(name for name in authors if name)),
        abstract=_text(entry.find(f"{_ATOM}summary")),
        published=published,
        primary_category=primary.get("term") if primary is not None else None,
        doi=_text(entry.find(f"{_ARXIV}doi")) or None,
        journal_ref=_text(entry.find(f"{_ARXIV}journal_ref")) or None,
        comment=_text(entry.find(f"{_ARXIV}comment")) or None,
        pdf_url=pdf,
    )
