"""Checks on parsed data, each turned into a Diagnostic a contributor can act on.

Structural rules come from the JSON Schemas (through jsonschema); this module only translates
jsonschema's errors into plain language, using each field's `title`, `description` and `examples`
from the schema, and adds the rules a schema cannot express (the taxonomy, the calendar, the file
name and the names reserved for the site's own pages, files papers/ holds where no paper is read,
text that shows nothing, duplicates across files, compared as the text reads).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from collections import Counter
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any, Callable, Iterable

from site_gen import urls
from site_gen.diagnostics import Diagnostic
from site_gen.names import page_key
from site_gen.project import PaperFolder
from site_gen.records import Taxonomy
from site_gen.schema import load_schema
from site_gen.yaml_source import Path, YamlDocument

PAPER_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@cache
def _validator(schema_name: str) -> "jsonschema.protocols.Validator":
    import jsonschema  # only files with a problem get here: keep it out of the start-up path

    schema = load_schema(schema_name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_diagnostics(document: YamlDocument, schema_name: str, display_path: str) -> list[Diagnostic]:
    """Every violation of the named schema in `document`, in plain language."""
    validator = _validator(schema_name)
    schema = load_schema(schema_name)
    diagnostics: list[Diagnostic] = []
    for error in validator.iter_errors(document.data):
        diagnostics.extend(_translate(error, document, schema, display_path))
    return diagnostics


def validators_disagree_diagnostic(document: YamlDocument, path: Path, message: str, schema_name: str, display_path: str) -> Diagnostic:
    """For a value the fast validator refuses and jsonschema accepts: a bug in the schema (the two
    must agree), reported rather than leaving the file refused without a word."""
    line, column = document.location(path)
    message = message.removeprefix("data.")
    return Diagnostic(
        display_path, line, column,
        f"{_field_name(path)} breaks a rule of {schema_name}: {message if message.isprintable() else ascii(message)}",
        "change the value; site-gen's two schema validators disagree about it, please report this as a bug",
    )


def _field_name(path: Path) -> str:
    """`links.video`, `authors[2]`; a key that does not print as itself (a line break, a control
    or invisible character) is quoted and escaped, `links['a\\u2028b']`: each diagnostic is one line."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part + 1}]"
        elif not part.isprintable():
            name += f"[{part!r}]"
        else:
            name += f".{part}" if name else part
    return name or "the file"


def _property_schema(schema: dict[str, Any], path: Path) -> dict[str, Any]:
    """The schema of the top-level property a path belongs to (titles and examples live there)."""
    for part in path:
        if isinstance(part, str):
            return schema.get("properties", {}).get(part, {})
    return {}


def _example_hint(prop: dict[str, Any], prefix: str = "write it like") -> str:
    examples = prop.get("examples")
    if not examples:
        return prop.get("description", "")
    example = examples[0]
    shown = ", ".join(map(str, example)) if isinstance(example, list) else str(example)
    return f"{prefix}: {shown}"


def _translate(error: jsonschema.ValidationError, document: YamlDocument, schema: dict, display_path: str) -> Iterable[Diagnostic]:
    path: Path = tuple(error.absolute_path)
    line, column = document.location(path)
    name = _field_name(path)
    prop = _property_schema(schema, path)
    label = prop.get("title", name) if len(path) == 1 else name
    if "propertyNames" in error.schema_path:  # the value is a key of the mapping at `path`
        label += " label"
    value = error.instance
    kind = error.validator

    def diag(message: str, hint: str, where: tuple[int, int] = (line, column)) -> Diagnostic:
        return Diagnostic(display_path, where[0], where[1], message, hint)

    if kind == "required" and not path and "then" in error.schema_path:
        # The schema's if/then: a field that means nothing without another.
        needs = re.match(r"'([^']+)'", error.message).group(1)
        needed_by = next(iter(schema["if"]["required"]))
        where = document.key_locations.get((needed_by,), (line, column))
        yield diag(f"{needed_by} is set but the paper has no {needs}", _example_hint(_property_schema(schema, (needs,)), f"add {needs}:, e.g.") + f", or remove {needed_by}", where)
    elif kind == "required":
        missing = re.match(r"'([^']+)'", error.message).group(1)
        sub = schema if not path else _property_schema(schema, path)
        missing_prop = sub.get("properties", {}).get(missing, {})
        where = f" in {name}" if path else ""
        yield diag(f"missing required field '{missing}'{where}", _example_hint(missing_prop, f"add {missing}:, e.g."))
    elif kind == "additionalProperties" and error.validator_value is False:
        known = list(error.schema.get("properties", {}))
        for extra in sorted(set(value) - set(known)):
            suggestion = difflib.get_close_matches(extra, known, n=1, cutoff=0.6)
            hint = f"did you mean '{suggestion[0]}'?" if suggestion else f"known fields: {', '.join(known)}"
            yield diag(f"unknown field {extra!r}", hint, document.key_locations.get((*path, extra), (line, column)))
    elif kind == "anyOf" and not path:
        options = [next(iter(option["required"])) for option in error.validator_value]
        yield diag(
            f"the paper needs at least one of: {', '.join(options)}",
            'add arxiv: "NNNN.NNNNN" for an arXiv paper, or doi: / url: for others',
        )
    elif kind == "type":
        expected = error.validator_value
        if expected == "string":
            hint = f'quote the value: {path[-1]}: "{value}"' if isinstance(value, (int, float)) and path else "write text"
            if value is None:
                yield diag(f"{label} is empty", _example_hint(prop))
                return
            yield diag(f"{label} must be text, not {_describe(value)}", hint)
        elif expected == "integer":
            yield diag(f"{label} must be a whole number, not {_describe(value)}", _example_hint(prop, "write it without quotes, like"))
        elif expected == "array":
            yield diag(f"{label} must be a list, not {_describe(value)}", "write one item per line, each starting with '- '")
        elif expected == "object":
            yield diag(f"{label} must be a mapping of name: value, not {_describe(value)}", _example_hint(prop))
        else:
            yield diag(f"{label} has the wrong type ({_describe(value)})", _example_hint(prop))
    elif kind in ("minLength", "pattern") and isinstance(value, str) and not value.strip():
        yield diag(f"{label} is empty", _example_hint(prop))
    elif kind == "pattern" and error.validator_value in _printable_patterns(schema):
        yield _refused_character_diagnostic(label, value, error.validator_value, diag)
    elif kind == "pattern":
        yield _pattern_diagnostic(label, value, prop, error, diag)
    elif kind == "uniqueItems":
        duplicate = next(item for item, count in Counter(map(repr, value)).items() if count > 1)
        yield diag(f"{label} lists {duplicate} more than once", "remove the repeated entry")
    elif kind == "minItems":
        yield diag(f"{label} is empty", _example_hint(prop, "add at least one, like"))
    elif kind == "maxItems":
        yield diag(f"{label} has {len(value)} entries; at most {error.validator_value} are allowed", "keep the most specific ones")
    elif kind == "minProperties":
        yield diag(f"{label} is empty", "remove it, or add label: https://... entries")
    elif kind == "enum" and value is None:
        yield diag(f"{label} is empty", f"write {' or '.join(map(str, error.validator_value))}, or leave {path[-1]} out")
    elif kind == "enum":
        allowed = [str(option) for option in error.validator_value]
        suggestion = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
        hint = f"did you mean {suggestion[0]!r}?" if suggestion else f"write one of them, or leave {path[-1]} out"
        yield diag(f"{label} is {value!r}; it must be one of: {', '.join(allowed)}", hint)
    elif kind in ("minimum", "maximum"):
        yield diag(f"{label} {value} is out of range", _example_hint(prop))
    elif kind == "format":
        yield diag(f"{label} {value!r} is not a real calendar date", "write it as YYYY-MM-DD, e.g. 2024-03-12")
    elif kind == "maxLength":
        yield diag(f"{label} is {len(value)} characters long; the limit is {error.validator_value}", "shorten it")
    else:
        yield diag(f"{label}: {error.message}", prop.get("description", ""))


# The schemas' rules on which characters text may hold ($defs), each "only these characters, then
# the end of the text" (as every pattern ends: see the schemas' $comment).
_PRINTABLE = ("printableLine", "printableLines")
_END_OF_TEXT = "(?![\\s\\S])"
_LINE_BREAKS = "\n\u2028\u2029"


def _ends_with_line_break(label: str, diag) -> Diagnostic:
    return diag(f"{label} ends with a line break", "a | or > block keeps its last line break: write |- or >-, or put the text on one line")


def _printable_patterns(schema: dict[str, Any]) -> set[str]:
    return {schema["$defs"][name]["pattern"] for name in _PRINTABLE}


def _refused_character_diagnostic(label: str, value: str, pattern: str, diag) -> Diagnostic:
    """For text holding a character that its field's printable pattern refuses: the first one is
    where the allowed characters before the end of the text stop."""
    index = re.match(pattern.removesuffix(_END_OF_TEXT), value).end()
    character = value[index]
    if character == "\n" and index == len(value) - 1:
        return _ends_with_line_break(label, diag)
    if character in _LINE_BREAKS:
        return diag(f"{label} runs over more than one line", "write it on one line")
    if character == "\t":
        return diag(f"{label} holds a tab (character {index + 1})", "replace it with a space")
    return diag(
        f"{label} holds the control character U+{ord(character):04X} (character {index + 1})",
        "remove it: pages and the Atom feed cannot show it (it often comes with text copied from a PDF)",
    )


def _pattern_diagnostic(label: str, value: str, prop: dict, error: jsonschema.ValidationError, diag) -> Diagnostic:
    if value.endswith("\n") and re.search(error.validator_value, value[:-1]):
        return _ends_with_line_break(label, diag)
    if any(character.isdigit() and not character.isascii() for character in value):
        return diag(f"{label} {value!r} has digits other than 0-9", "write it with the digits 0-9")
    if "://" in error.validator_value:
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        http_allowed = "https?://" in error.validator_value
        if scheme == "http" and not http_allowed:
            return diag(f"{label} {value!r} uses http://", "use the https:// address")
        if scheme and scheme not in ("http", "https"):
            allowed = "https:// (or http://) links" if http_allowed else "https:// links"
            return diag(f"{label} {value!r} is not a web link ({scheme}: is not allowed)", f"only {allowed} are allowed")
        return diag(f"{label} {value!r} is not a valid https URL", "write the full address, starting with https://")
    if label == "arXiv id" and re.fullmatch(r"[0-9]{4}\.[0-9]{4,5}v[0-9]+", value):
        return diag(f"arXiv id {value!r} has a version suffix", f"drop it: arxiv: \"{value.rsplit('v', 1)[0]}\"")
    if label == "arXiv id" and re.search(r"arxiv", value, re.I):
        return diag(f"arXiv id {value!r} must be the bare id", 'write only the id, like arxiv: "2403.03507"')
    if label == "DOI" and value.lower().startswith(("https://doi.org/", "http://doi.org/", "doi:")):
        return diag(f"DOI {value!r} must be the bare DOI", "remove the https://doi.org/ or doi: prefix")
    if label == "added" and _ISO_DATE.fullmatch(value):
        return diag(f"added date {value} is before 1900", "use the date the paper joined the list")
    if prop.get("$ref", "").endswith("/slug") or "[a-z0-9]+" in error.validator_value:
        return diag(f"{label} {value!r} is not a valid slug", "use lowercase letters, digits and single dashes")
    return diag(f"{label} {value!r} is malformed", _example_hint(prop))


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def paper_rule_diagnostics(paper_id: str, document: YamlDocument, display_path: str, today: dt.date) -> list[Diagnostic]:
    """Rules on one paper that JSON Schema cannot express."""
    found = []
    data = document.data
    if not PAPER_ID.fullmatch(paper_id):
        found.append(
            Diagnostic(
                display_path, 1, 1,
                f"file name {paper_id!r} is not a valid paper id",
                f"rename it to papers/{_suggest_id(paper_id)}.yml (lowercase letters, digits, dashes)",
            )
        )
    elif paper_id in urls.RESERVED_NAMES:
        found.append(
            Diagnostic(
                display_path, 1, 1,
                f"paper id '{paper_id}' is reserved",
                f"rename the file: {urls.url(urls.paper(paper_id))} is the page of all papers, not a paper's",
            )
        )
    found += _invisible_text_diagnostics(document, display_path)
    if "id" in data:
        line, column = document.key_locations[("id",)]
        found.append(Diagnostic(display_path, line, column, "the field 'id' is not written in paper files", "remove it: the file name is the paper's id"))
    year = data.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year and year > today.year + 1:
        line, column = document.location(("year",))
        found.append(Diagnostic(display_path, line, column, f"year {year} is in the future", f"use a year from 1900 to {today.year + 1}"))
    added = data.get("added")
    if isinstance(added, str) and _ISO_DATE.fullmatch(added):
        try:
            if dt.date.fromisoformat(added) > today + dt.timedelta(days=1):
                line, column = document.location(("added",))
                found.append(Diagnostic(display_path, line, column, f"added date {added} is in the future", "use the date the paper joined the list"))
        except ValueError:
            pass  # reported by the schema's date format check
    return found


@cache
def _web_link_fields() -> tuple[tuple[str, bool], ...]:
    """The paper fields that hold web links, from the schema: (name, whether it maps labels to links)."""
    def is_link(prop: dict) -> bool:  # a reference, relative or (once a validator resolved it) absolute
        return prop.get("$ref", "").endswith("#/$defs/webUrl")

    return tuple(
        (name, not is_link(prop))
        for name, prop in load_schema("paper.schema.json")["properties"].items()
        if is_link(prop) or is_link(prop.get("additionalProperties") or {})
    )


def insecure_link_warnings(document: YamlDocument, display_path: str) -> list[Diagnostic]:
    """Links served over http://: accepted (old pages often have no https), and worth a look."""
    found = []
    for name, labelled in _web_link_fields():
        value = document.data.get(name)
        links = value.items() if labelled and isinstance(value, dict) else [(None, value)]
        for label, link in links:
            if isinstance(link, str) and link.lower().startswith("http://"):
                line, column = document.location((name, label) if label is not None else (name,))
                field = f"{name}.{label}" if label is not None else name
                found.append(Diagnostic(display_path, line, column, f"{field} {link!r} is served over http://",
                                        "use its https:// address if the site has one", severity="warning"))
    return found


def _invisible_text_diagnostics(document: YamlDocument, display_path: str) -> list[Diagnostic]:
    """A title or an author that shows nothing, and two authors that read the same, compared as
    `comparable_text` writes them (the schema sees only whitespace and exact repeats)."""
    found = []

    def problem(path: Path, message: str, hint: str) -> None:
        line, column = document.location(path)
        found.append(Diagnostic(display_path, line, column, message, hint))

    title, authors = document.data.get("title"), document.data.get("authors")
    if isinstance(title, str) and title.strip() and not comparable_text(title):
        problem(("title",), "title holds only invisible characters", "write the paper's title")
    first_of: dict[str, int] = {}
    for index, author in enumerate(authors if isinstance(authors, list) else []):
        if not isinstance(author, str) or not author.strip():
            continue  # the schema's to report
        name = comparable_text(author)
        first = first_of.setdefault(name, index)
        if not name:
            problem(("authors", index), f"authors[{index + 1}] holds only invisible characters", "write the author's name, or remove the entry")
        elif first != index and authors[first] != author:  # the same text twice is the schema's
            problem(
                ("authors", index),
                f"authors[{index + 1}] {author!r} is authors[{first + 1}] again, written with other invisible characters, spaces or accent encoding",
                "remove the repeated entry",
            )
    return found


def _suggest_id(name: str) -> str:
    from slugify import slugify

    return slugify(name) or "paper-name"


def misplaced_file_diagnostics(folder: PaperFolder, display_dir: str) -> list[Diagnostic]:
    """YAML files in papers/ that cannot be read as papers: reported, not ignored."""
    found = [
        Diagnostic(
            f"{display_dir}/{name}", 1, 1,
            "the file is a symbolic link that leads to no file (its target is missing, or the links form a loop)",
            "remove the link, or make it point to a paper file",
        )
        for name in folder.broken_links
    ]
    found += [
        Diagnostic(
            f"{display_dir}/{path}", 1, 1,
            f"paper files are read only from {display_dir}/ itself, not from its sub-folders",
            f"move it to {display_dir}/{path.rsplit('/', 1)[1]}",
        )
        for path in folder.nested
    ]
    return found


def unreadable_file_diagnostic(display_path: str, error: OSError) -> Diagnostic:
    return Diagnostic(display_path, 1, 1, f"the file cannot be read: {error.strerror}", "make it a file you may read")


def file_name_diagnostic(name: str, display_path: str) -> Diagnostic | None:
    """Paper files are papers/<id>.yml; a misnamed *.yaml or *.YML is reported, not ignored."""
    paper_id, suffix = name.rsplit(".", 1)
    if suffix != "yml":
        return Diagnostic(display_path, 1, 1, "paper files use the .yml extension", f"rename it to {paper_id}.yml")
    return None


def term_definition_diagnostics(document: YamlDocument, display_path: str) -> list[Diagnostic]:
    """Within a schema-valid taxonomy: no category or tag slug is reserved or defined twice."""
    found = []
    for section, kind in (("categories", "category"), ("tags", "tag")):
        seen: set[str] = set()
        for index, term in enumerate(document.data[section]):
            slug = term["slug"]
            line, column = document.location((section, index, "slug"))
            if slug in urls.RESERVED_NAMES:
                found.append(Diagnostic(display_path, line, column, f"{kind} slug '{slug}' is reserved", f"choose another slug: {urls.url(urls.term(kind, slug))} is the page of all {section}, not a {kind}'s"))
            if slug in seen:
                found.append(Diagnostic(display_path, line, column, f"{kind} '{slug}' is defined twice", "keep one definition"))
            seen.add(slug)
    found += _alias_diagnostics(document, display_path)
    return found


def _alias_diagnostics(document: YamlDocument, display_path: str) -> list[Diagnostic]:
    """Each name in `author_aliases` is one person's, with a page of its own (two spellings of one
    name would name one page, the last of them), and each spelling names one person: it is
    nobody else's alias, nor another person's name."""
    aliases = document.data.get("author_aliases", {})
    person_of: dict[str, str] = {}
    found = []
    for name in aliases:
        other = person_of.setdefault(page_key(name), name)
        if other != name:
            line, column = document.key_locations.get(("author_aliases", name), document.location(("author_aliases", name)))
            found.append(Diagnostic(display_path, line, column, f"author {name!r} is {other!r} spelled otherwise (one author page)",
                                    "keep one of the two names in author_aliases, with the other's spellings under it"))
    for name, spellings in aliases.items():
        for index, spelling in enumerate(spellings):
            key = page_key(spelling)
            other = person_of.setdefault(key, name)
            if other != name:
                line, column = document.location(("author_aliases", name, index))
                found.append(Diagnostic(display_path, line, column, f"author alias {spelling!r} also names {other!r}",
                                        "keep it under one name in author_aliases"))
    return found


class TermCheck:
    """A paper's category and tags must exist in the taxonomy; the closest ones are suggested when
    they do not."""

    def __init__(self, taxonomy: Taxonomy, taxonomy_path: str):
        self.taxonomy_path = taxonomy_path
        self.categories = [term.slug for term in taxonomy.categories]
        self.tags = [term.slug for term in taxonomy.tags]
        self._category_set, self._tag_set = frozenset(self.categories), frozenset(self.tags)

    def of_valid(self, category: str, tags: tuple[str, ...], display_path: str, locate: Callable[[str], YamlDocument]) -> list[Diagnostic]:
        """For a schema-valid paper known by its category and tags (from the parse cache): only
        when one is unknown is its file parsed again, for the locations."""
        if category in self._category_set and self._tag_set.issuperset(tags):
            return []
        return self.of_document(locate(display_path), display_path)

    def of_document(self, document: YamlDocument, display_path: str) -> list[Diagnostic]:
        """Works on the raw document, so that these errors appear even when the file has others."""
        found = []
        data = document.data
        category = data.get("category")
        if isinstance(category, str) and category and category not in self._category_set:
            line, column = document.location(("category",))
            found.append(Diagnostic(display_path, line, column, f"unknown category {category!r}", _closest(category, self.categories, "category", self.taxonomy_path)))
        paper_tags = data.get("tags")
        for index, tag in enumerate(paper_tags if isinstance(paper_tags, list) else []):
            if isinstance(tag, str) and tag and tag not in self._tag_set:
                line, column = document.location(("tags", index))
                found.append(Diagnostic(display_path, line, column, f"unknown tag {tag!r}", _closest(tag, self.tags, "tag", self.taxonomy_path)))
        return found


def _closest(word: str, known: list[str], kind: str, taxonomy_path: str) -> str:
    matches = difflib.get_close_matches(word, known, n=3, cutoff=0.5)
    if not matches:
        matches = [slug for slug in known if word in slug or slug in word][:3]
    if matches:
        return "did you mean " + " or ".join(f"'{m}'" for m in matches) + f"? (or define the {kind} in {taxonomy_path})"
    return f"use a {kind} defined in {taxonomy_path}, or propose a new one there"


# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that show nothing
# (zero-width spaces and joiners, soft hyphen, byte order mark, variation selectors, bidi marks).
_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    r"\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def comparable_text(text: str) -> str:
    """Text as it reads, for comparing and for telling whether it shows anything: in NFC (an accent
    written as its own character or with its letter reads the same), without invisible
    characters, its spaces collapsed."""
    if not text.isascii():  # ASCII is in NFC and invisible-free: most titles and names, at no cost
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def normalised_title(title: str) -> str:
    """The same for titles that differ only in case, punctuation, spacing, invisible characters
    or Unicode normalisation."""
    return re.sub(r"[\W_]+", " ", comparable_text(title).casefold()).strip()


def title_digest(title: str) -> bytes:
    """Empty for a title of punctuation only (never a duplicate, as its normalised form is empty)."""
    normalised = normalised_title(title)
    return hashlib.blake2b(normalised.encode(), digest_size=16).digest() if normalised else b""


# Two titles are nearly the same when they differ in one word (a word more, a word less, or one
# spelled otherwise) and read alike character by character. Titles of fewer words say too little.
_NEAR_TITLE_MIN_WORDS = 4
_NEAR_TITLE_RATIO = 0.85
# Earlier files a title is compared with, at most: enough for a family of titles one word apart
# ("X Is All You Need"), few enough that a list of them all stays near linear.
_NEAR_CANDIDATES = 64


def near_title_keys(title: str) -> tuple[int, ...]:
    """Keys that two titles one word apart share: the normalised title with each word left out in
    turn, and whole. Comparing keys finds the candidates among 10,000 titles without comparing each
    pair (50 million); the few candidates are then compared as text."""
    words = normalised_title(title).split()
    if len(words) < _NEAR_TITLE_MIN_WORDS:
        return ()
    variants = [" ".join(words[:index] + words[index + 1:]) for index in range(len(words))] + [" ".join(words)]
    return tuple(int.from_bytes(hashlib.blake2b(variant.encode(), digest_size=8).digest(), "little") for variant in variants)


def near_duplicate_diagnostics(papers: Iterable[Any], locate: Callable[[str], YamlDocument]) -> list[Diagnostic]:
    """Warnings for titles nearly the same as an earlier file's (not the same: that is an error),
    on the later file, naming the earlier one most like it. `papers` are the reader's PaperKeys."""
    # The first file with each key, and the later ones where keys are shared (rare: a list in
    # every entry would cost more than the rest of this check).
    first_with: dict[int, Any] = {}
    later_with: dict[int, list[Any]] = {}
    candidates: dict[str, dict[str, None]] = {}  # a file -> the earlier files it may repeat, in order
    for paper in sorted(papers, key=attrgetter("source")):
        for key in paper.near_title_keys:
            first = first_with.setdefault(key, paper)
            if first is paper:
                continue
            # The earlier files that share the key, not only the first: that one may be a title
            # one word apart that reads otherwise, and a later one the same paper. A few of them:
            # a list of titles that all differ in one word (Report 1, Report 2, ...) stays linear.
            later = later_with.setdefault(key, [])
            compared = candidates.setdefault(paper.source, {})
            for other in (first, *later):
                if other.title_digest != paper.title_digest and len(compared) < _NEAR_CANDIDATES:
                    compared[other.source] = None
            if len(later) < _NEAR_CANDIDATES:
                later.append(paper)
    found = []
    titles: dict[str, str] = {}  # each file's title, read once: a file is the candidate of many

    def title_of(source: str) -> str:
        if source not in titles:
            titles[source] = locate(source).data["title"]
        return titles[source]

    def likeness(title: str, other_title: str) -> float:
        matcher = difflib.SequenceMatcher(None, title, normalised_title(other_title), autojunk=False)
        # The quick upper bounds first: most candidates of a family of titles fall short of them.
        return matcher.ratio() if matcher.real_quick_ratio() >= _NEAR_TITLE_RATIO and matcher.quick_ratio() >= _NEAR_TITLE_RATIO else 0.0

    for source, others in candidates.items():
        if not others:
            continue
        document = locate(source)
        title = normalised_title(document.data["title"])
        # The earlier file most like this one (`max` keeps the first of equally close ones).
        ratio, other_source, other_title = max(
            ((likeness(title, title_of(other_source)), other_source, title_of(other_source)) for other_source in others),
            key=itemgetter(0),
        )
        if ratio >= _NEAR_TITLE_RATIO:
            line, column = document.location(("title",))
            found.append(Diagnostic(
                source, line, column, f"title nearly the same as {other_source}'s ({other_title!r})",
                "if it is the same paper, delete this file or merge the two; if not, nothing to do",
                severity="warning",
            ))
    return found


def duplicate_diagnostics(papers: Iterable[Any], locate: Callable[[str], YamlDocument]) -> list[Diagnostic]:
    """The same arXiv id, DOI or title in two files: reported on the later file, naming the first.

    `papers` are the reader's PaperKeys: source, arxiv, doi (lower case) and title_digest.
    `locate(path)` parses a file with locations; it is called only for files with a duplicate."""
    found = []
    by_source = sorted(papers, key=attrgetter("source"))
    for attribute, field, label in (("arxiv", "arxiv", "arXiv id"), ("doi", "doi", "DOI"), ("title_digest", "title", "title")):
        first_seen: dict[str, Any] = {}
        for paper in by_source:
            key = getattr(paper, attribute)
            if not key:
                continue
            other = first_seen.setdefault(key, paper)
            if other is not paper:
                line, column = locate(paper.source).location((field,))
                found.append(
                    Diagnostic(
                        paper.source, line, column,
                        f"same {label} as {other.source}",
                        "the paper is already on the list: delete this file or merge the two",
                    )
                )
    return found
