"""Generated sections inside hand-written files, between `<!-- name:start -->` and `<!-- name:end -->`."""

from __future__ import annotations

import re


class MissingMarkers(ValueError):
    pass


def fill_section(text: str, name: str, content: str) -> str:
    """`text` with the section `name` replaced by `content`, between blank lines: filling it again
    with the same content gives the same text, whatever the markers held before."""
    pattern = re.compile(rf"(<!-- {re.escape(name)}:start -->).*?(<!-- {re.escape(name)}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise MissingMarkers(f"markers <!-- {name}:start --> and <!-- {name}:end --> not found")
    body = content.strip("\n")
    return pattern.sub(lambda m: f"{m.group(1)}\n\n{body}\n\n{m.group(2)}", text, count=1)
