"""Add fields to a paper file and leave every other byte of it as it was.

A file a maintainer wrote keeps its comments, its order, its quoting and its line endings: each
new `key: value` is written by the project's YAML writer (paper_file.paper_yaml, so the value is
escaped as every paper file's is) and inserted as whole lines where the schema's order puts it,
after the value of the last field that comes before it in that order (or before the first field).
"""

from __future__ import annotations

from typing import Any, Mapping

import yaml

from site_gen.paper_file import SCHEMA_COMMENT, paper_yaml
from site_gen.schema import paper_fields


class CannotInsert(ValueError):
    """The file is not a block mapping of fields, or already has the field."""


def with_fields(text: str, fields: Mapping[str, Any]) -> str:
    """`text` with `fields` (which it must not have) inserted in schema order."""
    order = paper_fields()
    for name in sorted(fields, key=order.index):
        text = _with_field(text, name, fields[name], order)
    return text


def _with_field(text: str, name: str, value: Any, order: tuple[str, ...]) -> str:
    # Marks index the characters of `text` itself: the pure-Python loader's are exact.
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode) or root.flow_style or not root.value:
        raise CannotInsert("the file is not a block mapping of fields")
    if any(key.value == name for key, _ in root.value):
        raise CannotInsert(f"the file already has {name}")
    earlier = [(order.index(key.value), key, node) for key, node in root.value
               if key.value in order and order.index(key.value) < order.index(name)]
    if earlier:
        _, key, node = max(earlier, key=lambda item: item[0])
        at = _line_after(text, node)
    else:
        key = root.value[0][0]
        at = key.start_mark.index - key.start_mark.column
    line_break = "\r\n" if "\r\n" in text else "\n"
    lines = paper_yaml({name: value}).removeprefix(SCHEMA_COMMENT).splitlines(keepends=True)
    entry = "".join(" " * key.start_mark.column + line.replace("\n", line_break) for line in lines)
    if at == len(text) and not text.endswith("\n"):  # the last line has no line break: keep it so
        entry = line_break + entry.removesuffix(line_break)
    return text[:at] + entry + text[at:]


def _line_after(text: str, node: yaml.Node) -> int:
    """Where the line after `node`'s value starts: after its last character, and after a comment
    on that line. A block collection's end is where the next token starts (past the comments
    before the next field), so its last scalar or flow collection is where it ends."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    end = node.end_mark.index
    header = text[node.start_mark.index:end].partition("\n")[0]  # a block scalar's `|+`, `>-`...
    keeps_trailing_lines = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">") and "+" in header
    if keeps_trailing_lines and (end == 0 or text[end - 1] == "\n"):
        return end  # its blank lines are part of its value
    end = len(text[:end].rstrip())
    next_line = text.find("\n", end)
    return len(text) if next_line < 0 else next_line + 1
