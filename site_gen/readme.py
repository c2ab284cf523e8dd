"""The list itself inside README.md, readable on GitHub without the site."""

from __future__ import annotations

from site_gen.catalog import Catalog
from site_gen.sections import fill_section
from site_gen.templating import render

SECTION = "papers"


def readme_text(catalog: Catalog, current: str) -> str:
    return fill_section(current, SECTION, render("readme_list.md.j2", catalog=catalog))
