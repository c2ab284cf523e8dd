"""Who and where: the keys that make two spellings of an author or a venue series one page.

An author's key is their name with case, accents, punctuation and Unicode forms ignored
("Jürgen Schmidhuber", "JURGEN SCHMIDHUBER" and "Jürgen  Schmidhuber" are one person), and is the
slug of their page (`/authors/<key>/`). Spellings that differ more ("J. Schmidhuber") are made one
by the taxonomy's `author_aliases`; two people who share a name share a page, which an alias
cannot undo (a documented limitation). A venue's series is its name without years, ordinals and
parenthesised remarks ("NeurIPS 2023" and "NeurIPS 2024 (oral)" are the series NeurIPS).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Mapping

from site_gen.urls import RESERVED_NAMES

_NON_WORD = re.compile(r"[\W_]+")
# A year (2024, '24, also right after the name: NeurIPS'23), an ordinal (37th, 1st), or a remark in brackets.
_VENUE_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|['’]\d{2}(?!\w)|(?<!\w)(?:(?:19|20)\d{2}|\d+(?:st|nd|rd|th))(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """Lowercase words joined by dashes, accents dropped ("Jürgen Schmidhuber" -> "jurgen-schmidhuber").
    Letters of other scripts are kept ("张伟" -> "张伟")."""
    unaccented = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return _NON_WORD.sub("-", unicodedata.normalize("NFC", unaccented).casefold()).strip("-")


def page_key(text: str) -> str:
    """The slug of an author's or venue's page: never a folder's own page (`index`) nor empty."""
    key = slug(text)
    return key if key and key not in RESERVED_NAMES else f"{key or 'unnamed'}-page"


def person_key(name: str, aliases: Mapping[str, str]) -> str:
    """The key of the person a name spells: their alias's canonical name's, else the name's own."""
    key = page_key(name)
    return aliases.get(key, key)


def venue_series(venue: str) -> str:
    """The series a venue belongs to, as written ("NeurIPS 2024 Workshop on X" -> "NeurIPS Workshop on X")."""
    return " ".join(_VENUE_NOISE.sub(" ", venue).split()).strip(" ,;:-–—")
