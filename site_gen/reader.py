"""Files -> validated, immutable records. Collects every problem before giving up.

Built for lists of 10,000+ papers: each file is parsed once per content (a cache keyed by a hash
of its bytes), valid files take a fast path (no location tracking, a compiled schema validator),
and files that need parsing are spread over the CPU cores.
"""

from __future__ import annotations

import datetime as dt
import marshal
import os
import pickle
import re
import time
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import fastjsonschema

from site_gen.diagnostics import Diagnostic, InputError
from site_gen.incremental.parse_cache import ParseCache, content_key
from site_gen.incremental.pool import run_batches
from site_gen.incremental.store import Signature, signature
from site_gen.project import Project
from site_gen.records import Paper, Taxonomy, Term, freeze
from site_gen.schema import PAPER_SCHEMA_FILE, TAXONOMY_SCHEMA_FILE, load_schema
from site_gen.validation import (
    duplicate_diagnostics,
    paper_rule_diagnostics,
    schema_diagnostics,
    TermCheck,
    file_name_diagnostic,
    insecure_link_warnings,
    misplaced_file_diagnostics,
    term_definition_diagnostics,
    near_duplicate_diagnostics,
    near_title_keys,
    title_digest,
    unreadable_file_diagnostic,
    validators_disagree_diagnostic,
)
from site_gen.yaml_source import YamlDocument, read_yaml

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
# A file that holds no http:// link has nothing to warn of (a file is located only if it does).
_HTTP = re.compile(rb"http://", re.IGNORECASE)


# By schema file: the validator and its bytecode (marshalled), as loaded or compiled in this process.
_validators: dict[str, tuple[Callable[[Any], Any], bytes]] = {}


def _fast_validator(schema_name: str, code_cache: ParseCache | None = None) -> Callable[[Any], Any]:
    """The schema compiled to Python code by fastjsonschema: ~10x faster than jsonschema (which also
    takes 0.15 s to import), but it stops at the first error, so invalid files are validated again
    by jsonschema for the full report.

    Generating that code takes ~50 ms for the two schemas, a sixth of a warm `site-gen check` at
    10,000 papers, so its bytecode is kept in the parse cache (which a schema change discards).
    Worker processes forked later inherit the validators loaded here."""
    cache_name = f"{schema_name} validator, fastjsonschema {fastjsonschema.VERSION}"
    if schema_name not in _validators:
        schema = load_schema(schema_name)
        saved = code_cache.code.get(cache_name) if code_cache is not None else None
        code = marshal.loads(saved) if saved is not None else compile(fastjsonschema.compile_to_code(schema), f"<{cache_name}>", "exec")
        namespace: dict[str, Any] = {}
        exec(code, namespace)
        entry_point = fastjsonschema.RefResolver.from_schema(schema, store={}).get_scope_name()
        _validators[schema_name] = (namespace[entry_point], saved or marshal.dumps(code))
    validator, code_bytes = _validators[schema_name]
    if code_cache is not None and cache_name not in code_cache.code:
        code_cache.put_code(cache_name, code_bytes)
    return validator


def _schema_error(document: YamlDocument, schema_name: str) -> fastjsonschema.JsonSchemaValueException | None:
    """The first violation of the schema that the fast validator finds, if any."""
    try:
        _fast_validator(schema_name)(document.data)
        return None
    except fastjsonschema.JsonSchemaValueException as error:
        return error


def _schema_problems(document: YamlDocument, schema_name: str, display_path: str) -> list[Diagnostic]:
    """Every violation of the schema, in plain language (from jsonschema, which finds them all).
    Should it find none in a document the fast validator refuses (the two disagree: a bug), the
    fast validator's is reported: a refused file always says why."""
    fast_error = _schema_error(document, schema_name)
    if fast_error is None:
        return []
    problems = schema_diagnostics(document, schema_name, display_path)
    if problems:
        return problems
    path = tuple(int(part) if part.isdigit() else part for part in fast_error.path[1:])
    return [validators_disagree_diagnostic(document, path, fast_error.message, schema_name, display_path)]


@dataclass(frozen=True)
class Rejected:
    """A file that is not a valid paper: every reason, and whether its YAML could be read (then
    its category and tags can still be checked against the taxonomy)."""

    diagnostics: tuple[Diagnostic, ...]
    readable: bool


def parse_paper(raw: bytes, paper_id: str, display_path: str, today: dt.date) -> Paper | Rejected:
    """One file's bytes -> a Paper, or every reason it is not one. Needs nothing but its input."""
    document, problems = read_yaml(raw, display_path, track_locations=False)
    if document is None:
        return Rejected(tuple(problems), readable=False)
    if not paper_rule_diagnostics(paper_id, document, display_path, today) and _schema_error(document, PAPER_SCHEMA_FILE) is None:
        return Paper(paper_id, display_path, freeze(document.data))
    located = locate(raw, display_path)
    problems = _schema_problems(located, PAPER_SCHEMA_FILE, display_path)
    problems += paper_rule_diagnostics(paper_id, located, display_path, today)
    return Rejected(tuple(problems), readable=True)


def locate(raw: bytes, display_path: str) -> YamlDocument:
    """Parse a file that is known to be readable YAML again, recording where every value is."""
    document, _ = read_yaml(raw, display_path, track_locations=True)
    assert document is not None
    return document


class PaperKeys(NamedTuple):
    """What the checks across files need of a valid paper: small, so a warm `site-gen check`
    never rebuilds the records themselves. The parse cache keeps it as a plain tuple: unpickling
    10,000 named tuples took 0.08 s, a plain tuple's fields 0.01 s."""

    source: str
    category: str
    tags: tuple[str, ...]
    arxiv: str | None
    doi: str | None  # lower case: DOIs are case-insensitive
    title_digest: bytes  # of the normalised title: only compared, and a third of the index's size
    near_title_keys: tuple[int, ...]  # see validation.near_title_keys
    warnings: tuple[tuple[int, int, str, str], ...]  # (line, column, message, hint), plain for marshal


# What the parse cache keeps of each file: a valid paper's PaperKeys as a plain tuple, or why the
# file is not one (never saved: the cache is saved only when every file is valid).
Summary = tuple | Rejected


# A file to read: (its path, paper id, display path).
FileJob = tuple[str, str, str]
# What reading it gave: its content key, and unless the cache knew that key already, its summary
# and its result pickled (the form the parse cache keeps, made in the worker processes).
FileResult = tuple[bytes, Summary | None, bytes | None]


def _read_batch(batch: Sequence[FileJob], known: Container[bytes], today: dt.date) -> list[FileResult]:
    return [_read_file(path, paper_id, display_path, known, today) for path, paper_id, display_path in batch]


def _read_file(path: str, paper_id: str, display_path: str, known: Container[bytes], today: dt.date) -> FileResult:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        # Keyed as an empty file would be: the parse cache never keeps a rejected file's summary.
        unreadable = Rejected((unreadable_file_diagnostic(display_path, error),), readable=False)
        return (content_key(b"", display_path), unreadable, pickle.dumps(unreadable, protocol=pickle.HIGHEST_PROTOCOL))
    key = content_key(raw, display_path)
    if key in known:  # touched but not changed, or changed back
        return (key, None, None)
    parsed = parse_paper(raw, paper_id, display_path, today)
    if isinstance(parsed, Rejected):
        summary: Summary = parsed
    else:
        warnings = tuple((w.line, w.column, w.message, w.hint) for w in _warnings(raw, display_path))
        summary = (parsed.source, parsed.category, parsed.tags, parsed.arxiv, parsed.doi and parsed.doi.lower(), title_digest(parsed.title), near_title_keys(parsed.title), warnings)
    return (key, summary, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))


def _warnings(raw: bytes, display_path: str) -> list[Diagnostic]:
    """What is worth a look in a valid paper file; located only where there is something to say."""
    if not _HTTP.search(raw):
        return []
    return insecure_link_warnings(locate(raw, display_path), display_path)


def _read_all(jobs: list[FileJob], known: Container[bytes], today: dt.date) -> list[FileResult]:
    """Read, hash and parse the files, in worker processes when there are many: they read the
    files themselves, so a cold run's 17 MB of YAML is neither read by one process alone nor
    copied to the others. Forked workers inherit the validators scan_project loaded."""

    def read(batch: Sequence[FileJob]) -> list[FileResult]:
        return _read_batch(batch, known, today)

    return [item for batch in run_batches(read, jobs, PARALLEL_THRESHOLD) for item in batch]


def read_taxonomy(project: Project) -> tuple[Taxonomy | None, list[Diagnostic]]:
    display_path = project.display(project.taxonomy_path)
    try:
        raw = project.taxonomy_path.read_bytes()
    except FileNotFoundError:
        return None, [Diagnostic(display_path, 1, 1, "the taxonomy file is missing", "create it with list:, categories: and tags:")]
    except OSError as error:
        return None, [unreadable_file_diagnostic(display_path, error)]
    document, problems = read_yaml(raw, display_path)
    if document is None:
        return None, problems
    problems = _schema_problems(document, TAXONOMY_SCHEMA_FILE, display_path)
    if problems:
        return None, problems
    problems = term_definition_diagnostics(document, display_path)
    if problems:
        return None, problems
    data = document.data

    def terms(section: str) -> tuple[Term, ...]:
        return tuple(Term(t["slug"], t["title"], " ".join(t["description"].split())) for t in data[section])

    about = data["list"]
    taxonomy = Taxonomy(
        title=about["title"],
        description=" ".join(about["description"].split()),
        repository=about.get("repository"),
        url=about.get("url"),
        categories=terms("categories"),
        tags=terms("tags"),
        settings=freeze(data.get("settings", {})),
        author_aliases=freeze(data.get("author_aliases", {})),
    )
    return taxonomy, []


@dataclass(frozen=True)
class ValidList:
    """A valid list: its taxonomy and its papers, rebuilt from the parse cache only when asked."""

    taxonomy: Taxonomy
    files: dict[str, tuple[Signature, bytes]]
    parse_cache: ParseCache
    root: str
    warnings: list[Diagnostic]

    def __len__(self) -> int:
        return len(self.files)

    def content_keys(self) -> dict[str, bytes]:
        """Each paper's content key (the digest of its file), by paper id."""
        return {_paper_id(display_path): key for display_path, (_, key) in self.files.items()}

    def papers(self) -> list[Paper]:
        papers = []
        restored = False
        for display_path, (_, key) in self.files.items():
            paper = self.parse_cache.result(key)
            if paper is None:  # its cached result was lost: parse the file again, and keep it
                with open(os.path.join(self.root, display_path), "rb") as handle:
                    paper = parse_paper(handle.read(), _paper_id(display_path), display_path, self.parse_cache.today)
                assert isinstance(paper, Paper), f"{display_path} changed during the run"
                self.parse_cache.restore_result(key, paper)
                restored = True
            papers.append(paper)
        if restored:
            self.parse_cache.save_results({key for _, key in self.files.values()})
        return papers


def _paper_id(display_path: str) -> str:
    return display_path.rsplit("/", 1)[-1].removesuffix(".yml")


def _scan(project: Project, parse_cache: ParseCache, today: dt.date) -> tuple[list[Diagnostic], dict[str, tuple[Signature, bytes]]]:
    """Find every paper file and its content key, parsing those the cache does not know.

    Returns the file-level problems and each file's (signature, key) by display path."""
    files: dict[str, tuple[Signature, bytes]] = {}
    unknown: list[FileJob] = []
    # Plain strings, not Path objects: at 10,000 files pathlib's overhead is a third of a warm run.
    papers_dir, display_dir = str(project.papers_dir), project.display(project.papers_dir)
    folder = project.paper_folder()
    problems = misplaced_file_diagnostics(folder, display_dir)
    for name in folder.files:
        paper_id = name.rsplit(".", 1)[0]
        display_path = f"{display_dir}/{name}"
        misnamed = file_name_diagnostic(name, display_path)
        if misnamed is not None:
            problems.append(misnamed)
            continue
        path = f"{papers_dir}/{name}"
        stat = signature(os.stat(path))
        key = parse_cache.known_key(display_path, stat)
        if key is None:
            unknown.append((path, paper_id, display_path))
        files[display_path] = (stat, key)
    for (_, _, display_path), (key, summary, pickled) in zip(unknown, _read_all(unknown, parse_cache.summaries, today)):
        files[display_path] = (files[display_path][0], key)
        if summary is not None:
            parse_cache.put(key, summary, pickled)
    return problems, files


def scan_project(project: Project, today: dt.date | None = None, use_cache: bool = True) -> ValidList:
    """Read and validate the whole list. Raises InputError with every problem found.

    The parse cache is saved only when the whole list is valid: bad input writes nothing."""
    today = today or dt.date.today()
    taken_ns = time.time_ns()
    parse_cache = ParseCache.load(project.cache_dir, today) if use_cache else ParseCache.empty(today)
    for schema_name in (TAXONOMY_SCHEMA_FILE, PAPER_SCHEMA_FILE):
        _fast_validator(schema_name, parse_cache)
    taxonomy, problems = read_taxonomy(project)
    file_problems, files = _scan(project, parse_cache, today)
    problems += file_problems

    def located(display_path: str) -> YamlDocument:
        """The file parsed again with locations (only files with a problem get here)."""
        with open(os.path.join(project.root, display_path), "rb") as handle:
            return locate(handle.read(), display_path)

    valid: list[PaperKeys] = []
    terms = TermCheck(taxonomy, project.display(project.taxonomy_path)) if taxonomy is not None else None
    for display_path, (_, key) in files.items():
        summary = parse_cache.summary(key)
        if not isinstance(summary, Rejected):
            keys = PaperKeys._make(summary)
            valid.append(keys)
            if terms is not None:
                problems.extend(terms.of_valid(keys.category, keys.tags, display_path, located))
        else:
            problems.extend(summary.diagnostics)
            if terms is not None and summary.readable:
                problems.extend(terms.of_document(located(display_path), display_path))
    problems.extend(duplicate_diagnostics(valid, located))
    warnings = [Diagnostic(keys.source, *warning, severity="warning") for keys in valid for warning in keys.warnings]
    warnings = sorted(warnings + near_duplicate_diagnostics(valid, located))
    if problems:
        raise InputError(problems, warnings)
    assert taxonomy is not None
    parse_cache.save(files, taken_ns)
    return ValidList(taxonomy, files, parse_cache, str(project.root), warnings)


def read_project(project: Project, today: dt.date | None = None, use_cache: bool = True) -> tuple[Taxonomy, list[Paper]]:
    """The whole list as records (see scan_project)."""
    valid = scan_project(project, today, use_cache)
    return valid.taxonomy, valid.papers()
