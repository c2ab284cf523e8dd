"""A list whose titles, authors, venues, abstracts and URLs carry script tags, event-handler
attributes, javascript: links and Markdown/HTML metacharacters: opening its pages in the browser
runs no script, and every text shows literally."""

from __future__ import annotations

import pytest

from tests.e2e.hostile import HOSTILE_AUTHOR, HOSTILE_LINK_LABEL, HOSTILE_NOTE, HOSTILE_TITLES, HOSTILE_VENUE, hostile_abstract

expect = pytest.importorskip("playwright.sync_api").expect

LISTINGS = ["", "categories/", "categories/training/", "tags/", "tags/llm/", "papers/"]
SITE_NAME = "Memory in Machine Learning"  # the repository's mkdocs.yml

# Runs in the page: every element or attribute through which a script could have been injected.
INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) found.push(`${el.tagName} has ${attr.name}="${attr.value}"`);
      if (/^\\s*javascript:/i.test(attr.value)) found.push(`${el.tagName} ${attr.name}="${attr.value}"`);
    }
  }
  for (const el of document.querySelectorAll("script")) {
    if (el.textContent.includes("alert(")) found.push(`script: ${el.textContent.slice(0, 80)}`);
  }
  for (const el of document.querySelectorAll("iframe, object, embed, body style, img[src='x']")) {
    found.push(`injected <${el.tagName.toLowerCase()}>`);
  }
  return found;
}"""


def visible_text(locator) -> str:
    return locator.inner_text().removesuffix("¶").strip()


def test_hostile_pages_run_no_script_and_show_text_literally(open_page, hostile_server, problems):
    page = open_page(hostile_server.base_url, None)
    wrong = []
    for paper_id, title in HOSTILE_TITLES.items():
        page.goto(f"papers/{paper_id}/")
        page.wait_for_load_state("load")  # images have failed or loaded: onerror would have run
        heading = visible_text(page.locator("article.md-content__inner > h1"))
        if heading != title:
            wrong.append(f"/papers/{paper_id}/ h1 shows {heading!r}, not {title!r}")
        if page.title() != f"{title} - {SITE_NAME}":
            wrong.append(f"/papers/{paper_id}/ tab title is {page.title()!r}")
        topic = page.locator("[data-md-component=header-topic]")
        if topic.text_content().strip() != title:
            wrong.append(f"/papers/{paper_id}/ header (shown on scrolling) reads {topic.text_content().strip()!r}")
        meta = page.locator("meta[name=description]")
        if meta.count() != 1 or not meta.get_attribute("content").startswith(hostile_abstract(title)[:40]):
            wrong.append(f"/papers/{paper_id}/ meta description is broken: {meta.count()} elements")
        authors = page.locator(".paper-authors").inner_text()
        if authors != f"{HOSTILE_AUTHOR}, Mallory | *":
            wrong.append(f"/papers/{paper_id}/ authors read {authors!r}")
        abstract = page.locator("#abstract + p").inner_text()
        if abstract != hostile_abstract(title):
            wrong.append(f"/papers/{paper_id}/ abstract reads {abstract!r}")
        text = page.locator("article.md-content__inner").inner_text()
        for shown in (HOSTILE_LINK_LABEL, HOSTILE_NOTE, HOSTILE_VENUE):  # link labels show as written
            if shown not in text:
                wrong.append(f"/papers/{paper_id}/ does not show {shown!r} literally")
        wrong += [f"/papers/{paper_id}/: {found}" for found in page.evaluate(INJECTED)]

    for path in LISTINGS:
        page.goto(path)
        page.wait_for_load_state("load")
        wrong += [f"/{path}: {found}" for found in page.evaluate(INJECTED)]

    # The filters read the hostile data attributes and venue names as text, too.
    page.goto("categories/training/")
    titles = page.locator(".paper-list .paper-title a").all_inner_texts()
    if sorted(titles) != sorted(HOSTILE_TITLES.values()):
        wrong.append(f"listing titles: {titles!r}")
    venue = page.locator(".md-content").get_by_label("Venue")
    options = venue.locator("option").all_inner_texts()
    expected_option = f"{HOSTILE_VENUE.removesuffix(' 2024')} ({len(HOSTILE_TITLES)})"
    if expected_option not in options:
        wrong.append(f"venue options {options!r} lack {expected_option!r}")
    page.get_by_label("Search this list").fill("<script>alert('title')")
    expect(page.get_by_role("status")).to_have_text(f"1 of {len(HOSTILE_TITLES)} papers shown")
    page.get_by_label("Search this list").fill("")
    venue.select_option(label=expected_option)
    expect(page.get_by_role("status")).to_have_text(f"{len(HOSTILE_TITLES)} of {len(HOSTILE_TITLES)} papers shown")
    wrong += [f"filtered listing: {found}" for found in page.evaluate(INJECTED)]

    assert not problems.items, "script ran or the page broke:\n" + "\n".join(problems.items)
    assert not wrong, "\n".join(wrong)
