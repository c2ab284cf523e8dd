"""A paper list whose every text field and URL tries to inject markup or script."""

from __future__ import annotations

import json

from tests.conftest import PaperList
from tests.test_mkdocs_site import HOSTILE_TITLES

HOSTILE_AUTHOR = "<b onmouseover=alert(1)>Eve</b>"
HOSTILE_VENUE = "<iframe src=javascript:alert(1)> 2024"
# webUrl forbids spaces, quotes and angle brackets; everything else a link could break on is here.
HOSTILE_URL = "https://evil.example/a)](javascript:alert(1))'onmouseover='alert(2)'{:onclick=alert(3)}"
HOSTILE_LINK_LABEL = "<b>Slides</b> [x](javascript:alert(5))"
HOSTILE_NOTE = "<style>body{display:none}</style> ![img](https://evil.example/x.png)"


def hostile_abstract(title: str) -> str:
    # The first sentence becomes the page's meta description: the quote tries to leave the attribute.
    return ('"><script>alert(7)</script> </details><script>alert(2)</script> [x](javascript:alert(3)) '
            "<a href=javascript:alert(4)>a</a> <img src=x onerror=alert(6)> " + title)


def write_hostile_list(listing: PaperList) -> None:
    """One paper per title of HOSTILE_TITLES, in the conftest taxonomy's `training` category."""
    for index, (paper_id, title) in enumerate(HOSTILE_TITLES.items()):
        lines = [
            f"title: {json.dumps(title)}",
            f"authors: [{json.dumps(HOSTILE_AUTHOR)}, \"Mallory | *\"]",
            f"year: {2020 + index}",
            f"venue: {json.dumps(HOSTILE_VENUE)}",
            # One paper is reached through its url instead of arXiv.
            f"url: {json.dumps(HOSTILE_URL)}" if index == 0 else f'arxiv: "2401.{index:05d}"',
            f"code: {json.dumps(HOSTILE_URL)}",
            f"links: {{{json.dumps(HOSTILE_LINK_LABEL)}: {json.dumps(HOSTILE_URL)}}}",
            "category: training",
            "tags: [llm]",
            f"abstract: {json.dumps(hostile_abstract(title))}",
            f"note: {json.dumps(HOSTILE_NOTE)}",
            "added: 2024-01-01",
        ]
        listing.write(paper_id, "\n".join(lines) + "\n")
