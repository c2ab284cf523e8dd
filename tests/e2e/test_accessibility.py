"""axe-core (from the npm registry, injected into the page) finds no serious or critical violation."""

from __future__ import annotations

import pytest

from tests.e2e.browser import AXE_SCRIPT, axe_source

expect = pytest.importorskip("playwright.sync_api").expect

PAGES = {
    "home": "",
    "category": "categories/agent-memory/",  # with the filter form
    "paper": "papers/galore/",
    "tags index": "tags/",
    "authors index": "authors/",
    "author": "authors/zhenyu-zhang/",
    "venues index": "venues/",
    "venue": "venues/neurips/",
    "year": "years/2024/",
    "statistics": "stats/",
    "map": "map/",
}
# The sortable table with its form, once: axe takes seconds on its 173 rows.
EXTRA_PAGES = {"light": {"all papers": "papers/"}, "dark": {}}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " -- " + n.failureSummary.replace(/\\s+/g, " ")),
  }));
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_violations(seed_page, scheme):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make install` (npm ci)")
    source = axe_source()
    page = seed_page(None, color_scheme=scheme)
    found = []
    for name, path in {**PAGES, **EXTRA_PAGES[scheme]}.items():
        page.goto(path)
        if name in ("category", "tag", "all papers", "author", "venue", "year"):
            expect(page.get_by_role("status")).to_contain_text("papers shown")  # with the filter form
        page.add_script_tag(content=source)
        for violation in page.evaluate(RUN_AXE):
            if violation["impact"] in ("serious", "critical"):
                found.append(f"{name} (/{path}, {scheme}): {violation['id']} [{violation['impact']}] {violation['help']}\n    "
                             + "\n    ".join(violation["nodes"]))
    assert not found, "\n".join(found)
