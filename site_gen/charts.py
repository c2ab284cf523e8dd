"""Charts drawn at build time as static SVG: readable without JavaScript, in both colour schemes
(axes and labels take the text colour, `currentColor`), and described for screen readers (a title
and a description, and the same numbers as a table beside the chart)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

# Okabe and Ito's colour-blind-safe palette, then a second round of darker tones: categories past
# the sixteenth repeat colours, and the table beside the chart still tells them apart.
PALETTE = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999",
    "#004c7a", "#a66f00", "#006b4f", "#8f4f75", "#2f7fa8", "#963f00", "#a8a020", "#666666",
)

_WIDTH, _HEIGHT = 720, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 8, 12, 28


@dataclass(frozen=True)
class Series:
    """One stack of the chart: its name and its count in each year."""

    name: str
    counts: tuple[int, ...]


def category_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _nice_step(largest: int) -> int:
    """A step for the axis's ticks: 1, 2 or 5 times a power of ten, about four ticks to the top."""
    step = 1
    while largest / step > 5:
        for factor in (2, 5, 10):
            if largest / (step * factor) <= 5:
                return step * factor
        step *= 10
    return step


def stacked_years(years: Sequence[int], series: Sequence[Series], label: str) -> Markup:
    """Papers per year (oldest left), each year's bar stacked by series in their order. Every
    segment has a tooltip (`<title>`) and data attributes with its year, series and count."""
    totals = [sum(s.counts[index] for s in series) for index in range(len(years))]
    top = max(totals, default=0) or 1
    step = _nice_step(top)
    axis_top = -(-top // step) * step
    plot_width, plot_height = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    scale = plot_height / axis_top
    slot = plot_width / max(len(years), 1)
    bar = max(1.0, slot * 0.8)
    parts = [
        f'<svg class="paper-chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" '
        f'data-scale="{scale:.6f}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(label)}</title>',
        # The text alternative holds every bar's number: the pages that show the chart need no table for it.
        f'<desc id="chart-desc">{sum(totals)} paper{"" if sum(totals) == 1 else "s"} from {years[0]} to {years[-1]}. Per year: '
        f'{"; ".join(f"{year}: {total}" for year, total in zip(years, totals))}.</desc>'
        if years else '<desc id="chart-desc">No papers yet.</desc>',
    ]
    for value in range(0, axis_top + 1, step):
        y = _TOP + plot_height - value * scale
        parts.append(f'<line x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="currentColor" stroke-opacity="0.2"/>')
        parts.append(f'<text x="{_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="currentColor">{value}</text>')
    label_every = max(1, -(-len(years) // 16))  # at most 16 year labels
    for index, year in enumerate(years):
        x = _LEFT + index * slot + (slot - bar) / 2
        y = _TOP + plot_height
        parts.append(f'<g data-year="{year}" data-count="{totals[index]}">')
        for position, item in enumerate(series):
            count = item.counts[index]
            if not count:
                continue
            height = count * scale
            y -= height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.2f}" width="{bar:.1f}" height="{height:.2f}" fill="{category_colour(position)}" '
                f'data-series="{escape(item.name)}" data-count="{count}"><title>{year} · {escape(item.name)}: {count}</title></rect>'
            )
        parts.append("</g>")
        if index % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{_HEIGHT - 10}" text-anchor="middle" font-size="11" fill="currentColor">{year}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# A paper on the map: its place (x and y in 0..1), its colour, its page and its name.
MapPoint = tuple[float, float, str, str, str]


_MAP_WIDTH, _MAP_HEIGHT, _MAP_MARGIN = 1000, 640, 8


def paper_map(points: Sequence[MapPoint], label: str, description: str) -> Markup:
    """Each point a link to its paper's page, named by its `<title>` (the tooltip on hover; the
    theme's script shows it on focus too), drawn in the order given (which is also the order in
    which Tab visits them). The links are `xlink:href`: Material's instant navigation rewrites
    every `[href]` of a page it loads as if it were an HTML element's, which an SVG link's is not
    (its `href` cannot be set), and the page would not load."""
    width, height = _MAP_WIDTH - 2 * _MAP_MARGIN, _MAP_HEIGHT - 2 * _MAP_MARGIN
    # Smaller points where there are many (at 10,000, ~3 px across on a laptop's screen: still a target for a pointer).
    radius = round(max(2.5, min(5.0, 60 / max(len(points), 1) ** 0.5)), 1)
    parts = [
        f'<svg class="paper-map" viewBox="0 0 {_MAP_WIDTH} {_MAP_HEIGHT}" role="group" aria-labelledby="map-title" aria-describedby="map-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="map-title">{escape(label)}</title><desc id="map-desc">{escape(description)}</desc>',
    ]
    parts.extend(
        f'<a xlink:href="{escape(href)}"><circle cx="{_MAP_MARGIN + x * width:.1f}" cy="{_MAP_MARGIN + (1 - y) * height:.1f}" '
        f'r="{radius}" fill="{colour}"/><title>{escape(label)}</title></a>'
        for x, y, colour, href, label in points
    )
    parts.append("</svg>")
    return Markup("".join(parts))
