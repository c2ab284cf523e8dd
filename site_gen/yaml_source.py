"""Read a YAML file into plain data plus the line and column of every value.

PyYAML follows YAML 1.1, whose implicit typing silently corrupts paper data: an unquoted arXiv id
`2401.10020` becomes the float 2401.1002, `title: yes` becomes True, `added: 2024-01-05` a date, and
duplicate keys are merged without a word. This reader composes the node tree with libyaml (fast,
no construction of arbitrary objects) and builds the values itself:

- plain scalars that YAML 1.1 would read as bool, float or timestamp keep the text as written;
- integers are ints only in plain decimal form (`0755` or `1_000` stay text);
- duplicate keys, anchors/aliases, merge keys and explicit non-standard tags are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from site_gen.diagnostics import Diagnostic

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml: correct, only slower.
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 64 * 1024
# No field nests deeper than 3 (the taxonomy's categories[1].slug); each level costs a frame in the
# builder and in the validators, so ~500 levels in a 1 KB file would exhaust Python's stack.
MAX_DEPTH = 10

_TAG = "tag:yaml.org,2002:"
_KEPT_AS_WRITTEN = {_TAG + "bool", _TAG + "float", _TAG + "timestamp", _TAG + "str"}
_DECIMAL_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """Data read from one file; `locations` maps a path of keys/indexes to (line, column), 1-based.

    `key_locations` holds where each mapping key is written, for "unknown field" errors.
    """

    data: Any
    locations: dict[Path, tuple[int, int]]
    key_locations: dict[Path, tuple[int, int]]

    def location(self, path: Path) -> tuple[int, int]:
        """The location of `path`, or of its closest existing parent."""
        while path not in self.locations and path:
            path = path[:-1]
        return self.locations.get(path, (1, 1))


class _TooDeep(Exception):
    def __init__(self, node: yaml.Node):
        self.node = node


class _Builder:
    def __init__(self, display_path: str, track_locations: bool):
        self.display_path = display_path
        self.track_locations = track_locations
        self.locations: dict[Path, tuple[int, int]] = {}
        self.key_locations: dict[Path, tuple[int, int]] = {}
        self.errors: list[Diagnostic] = []
        self._seen: set[int] = set()

    def error(self, node: yaml.Node, message: str, hint: str) -> None:
        mark = node.start_mark
        self.errors.append(Diagnostic(self.display_path, mark.line + 1, mark.column + 1, message, hint))

    def build(self, node: yaml.Node, path: Path) -> Any:
        if len(path) > MAX_DEPTH:
            raise _TooDeep(node)
        if id(node) in self._seen:
            # The composer resolves an alias to the very node it names; we never expand it.
            self.error(
                node,
                "YAML anchors and aliases (&name, *name) are not allowed",
                "write the value out in full",
            )
            return None
        self._seen.add(id(node))
        if self.track_locations:
            self.locations[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                return self._unsupported_tag(node)
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        if node.tag != _TAG + "map":
            return self._unsupported_tag(node)
        return self._mapping(node, path)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag in _KEPT_AS_WRITTEN:
            return node.value
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "int":
            return int(node.value) if _DECIMAL_INT.fullmatch(node.value) else node.value
        return self._unsupported_tag(node)

    def _unsupported_tag(self, node: yaml.Node) -> None:
        self.error(node, f"unsupported YAML tag {node.tag!r}", "remove the tag and write a plain value")
        return None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.error(key_node, "YAML merge keys (<<) are not allowed", "write the fields out in full")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, "a mapping key must be a plain name", "use a field name such as title:")
                continue
            key = key_node.value
            if key in result:
                first_line = self.key_locations[(*path, key)][0]
                self.error(
                    key_node,
                    f"duplicate key {key!r} (first defined on line {first_line})",
                    "keep one of them: YAML would silently use only the last",
                )
                continue
            self.key_locations[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, (*path, key))
        return result


def read_yaml(raw: bytes, display_path: str, track_locations: bool = True) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Parse one file's bytes. Returns the document, or None with the errors that prevent reading it.

    Without `track_locations` only keys are located (for duplicate-key errors): the fast path for
    files that turn out valid; callers parse again with locations to report a problem."""

    def fail(message: str, hint: str, line: int = 1, column: int = 1):
        return None, [Diagnostic(display_path, line, column, message, hint)]

    if len(raw) > MAX_FILE_BYTES:
        return fail(
            f"file is {len(raw):,} bytes, larger than the limit of {MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES // 1024} KB)",
            "a paper file needs only its metadata and abstract; shorten it",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return fail(
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            "save the file as UTF-8",
            line,
            column,
        )
    text = text.removeprefix("\ufeff")
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(filter(None, [exc.context, exc.problem]))
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return fail(
            f"invalid YAML: {what}",
            "check indentation, and quote values that contain ': ' or start with a special character",
            line,
            column,
        )
    except yaml.YAMLError as exc:
        return fail(f"invalid YAML: {exc}", "check the file's syntax")
    if root is None:
        return fail("file is empty", "write the paper's fields, e.g. title:, authors:, year:")
    builder = _Builder(display_path, track_locations)
    if not isinstance(root, yaml.MappingNode) or root.tag != _TAG + "map":
        line, column = root.start_mark.line + 1, root.start_mark.column + 1
        return fail("the file must be a mapping of field: value", "start lines with field names such as title:", line, column)
    try:
        data = builder.build(root, ())
    except _TooDeep as too_deep:
        mark = too_deep.node.start_mark
        return fail(
            f"values are nested more than {MAX_DEPTH} levels deep",
            "no field needs more than 3: check the brackets and the indentation",
            mark.line + 1,
            mark.column + 1,
        )
    if builder.errors:
        return None, builder.errors
    return YamlDocument(data, builder.locations, builder.key_locations), []
