"""Generated sections inside hand-written files, between `<!-- name:start -->` and `<!-- name:end -->`."""

from __future__ import annotations

import re


class MissingMarkers(ValueError):
    pass


def fill_section(text: str, name: str, content: str) -> str:
    """`text` with the section `name` replaced by `content`."""
    pattern = re.compile(rf"(<!-- {re.escape(name)}:start -->\n?).*?(\n?<!-- {re.escape(name)}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise MissingMarkers(f"markers <!-- {name}:start --> and <!-- {name}:end --> not found")
    return pattern.sub(lambda m: m.group(1) + "\n" + content.strip("\n") + "\n\n" + m.group(2).lstrip("\n"), text, count=1)
