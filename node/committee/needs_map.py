"""The needs map: for each community and category, its strengths (open offers) against
its needs (open now, and expired unmet in the period), as a terminal table and as an SVG
chart to print and post.

The chart is drawn here, by hand, for paper in black and white: offers are hatched bars,
needs solid ones, every bar has its number beside it, and a cell with more needs than
offers carries a triangle, so nothing depends on colour. PNG is the same SVG rendered by
cairosvg (an optional extra: meshaid.cli.needs_map says how to get it).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from meshaid.node.committee.pages import wrap
from meshaid.node.committee.periods import Period
from meshaid.node.committee.tally import tally
from meshaid.node.committee.words import Joined, Words
from meshaid.node.services import Node
from meshaid.protocol.record import Category


@dataclass(frozen=True)
class Cell:
    offers: int  # open now
    open_needs: int
    unmet: int  # needs that expired unmet within the period

    @property
    def needs(self) -> int:
        return self.open_needs + self.unmet

    @property
    def short(self) -> bool:
        return self.needs > self.offers


@dataclass(frozen=True)
class NeedsMap:
    period: Period
    communities: list[tuple[int, str]]  # (number, label), "" for entries with none
    categories: list[str]  # those with any offer or need, in the protocol's order
    cells: dict[tuple[str, int], Cell]  # (category, community number)

    def cell(self, category: str, community: int) -> Cell:
        return self.cells.get((category, community), Cell(0, 0, 0))

    @property
    def empty(self) -> bool:
        return not self.cells

    def to_json(self) -> dict[str, object]:
        return {
            "period": {"name": self.period.name, "days": self.period.days},
            "communities": [label for _n, label in self.communities],
            "cells": [
                {"category": cat, "community": label, "offers": c.offers,
                 "open_needs": c.open_needs, "unmet": c.unmet}
                for cat in self.categories for n, label in self.communities
                if (c := self.cell(cat, n)) != Cell(0, 0, 0)
            ],
        }


def build_map(node: Node, name: str = "week") -> NeedsMap:
    """The map of the period ``name`` ("week" or "month") ending now."""
    with node.store.reading() as conn:
        now = node.store.now_minute()
        period = Period.ending(name, now)
        t = tally(conn, period, now, with_changes=False)
    offers, needs, unmet = t.open_offers, t.open_needs, t.unmet_needs
    keys = {*offers, *needs, *unmet}
    numbers = sorted({com for _cat, com in keys}, key=lambda n: (n == 0, n))
    communities = [(n, node.config.community_label(n)) for n in numbers]
    categories = [c.name.lower() for c in Category if any(k[0] == c for k in keys)]
    cells = {(Category(cat).name.lower(), com): Cell(offers[cat, com], needs[cat, com],
                                                     unmet[cat, com])
             for cat, com in keys}
    return NeedsMap(period, communities, categories, cells)




def as_table(m: NeedsMap, ws: list[Words]) -> str:
    """Categories down, communities across; each cell "offers/needs", ▲ when short."""
    if m.empty:
        return "\n".join(w("map.none") for w in ws)
    heads = [Joined(tuple(ws))("col.category")]
    heads += [label or Joined(tuple(ws))("map.no_community") for _n, label in m.communities]
    rows = []
    for cat in m.categories:
        row = [Joined(tuple(ws)).category(cat)]
        for n, _label in m.communities:
            c = m.cell(cat, n)
            row.append(f"{c.offers}/{c.needs}" + (" ▲" if c.short else "  "))
        rows.append(row)
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads))]
    lines = ["  ".join([heads[0].ljust(widths[0])]
                       + [h.rjust(w) for h, w in zip(heads[1:], widths[1:], strict=True)])]
    for row in rows:
        lines.append("  ".join([row[0].ljust(widths[0])]
                               + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]))
    notes = [line for w in ws for line in wrap(
        f"{w('map.cell')}: {w('map.strengths')}; {w('map.needs')}; ▲ {w('report.short')}", 80)]
    return "\n".join([*lines, "", *notes])


# -- the chart ---------------------------------------------------------------------------

LABEL_W = 150  # the category column, at least
CELL_W = 190  # a community's column, at least
CHAR_W = 8.0  # about how wide a character of the 13-pixel labels is
ROW_H = 40
BAR_H = 12
TOP = 118
HATCH = (
    '<pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2.2"/></pattern>'
)


def _text(x: float, y: float, text: str, size: int = 13, anchor: str = "start",
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def as_svg(m: NeedsMap, ws: list[Words], made: str = "") -> str:
    """The map as an SVG document, to print on a sheet of paper."""
    ncom = max(1, len(m.communities))
    heads = [[label] if label else [w("map.no_community") for w in ws]
             for _n, label in m.communities]
    labels = [Joined(tuple(ws)).category(cat) for cat in m.categories]
    label_w = max([LABEL_W, *(30 + CHAR_W * len(t) for t in labels)])
    cell_w = max([CELL_W, *(16 + CHAR_W * len(t) for h in heads for t in h)])
    width = round(label_w + cell_w * ncom + 20)
    lines = max([1, *(len(h) for h in heads)])
    top = TOP + 17 * (len(ws) - 1) + 16 * (lines - 1)
    height = top + ROW_H * max(1, len(m.categories)) + 70 + 18 * len(ws)
    most = max([max(c.offers, c.needs) for c in m.cells.values()], default=0) or 1
    bar_room = cell_w - 58
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif">',
        f"<defs>{HATCH}</defs>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        _text(20, 34, Joined(tuple(ws))("map.title"), 22, weight="bold"),
    ]
    for i, w in enumerate(ws):
        period = w("report.period.week" if m.period.name == "week" else "report.period.month",
                   end=made)
        out.append(_text(20, 56 + 17 * i, w("map.subtitle", period=period), 12))
    for j, head in enumerate(heads):
        for k, line in enumerate(head):
            out.append(_text(label_w + cell_w * j + 6, top - 14 - 16 * (len(head) - 1 - k),
                             line, 13, weight="bold"))
    for i, cat in enumerate(m.categories):
        y = top + ROW_H * i
        if i % 2 == 0:  # banded rows help the eye along, in grey that prints as grey
            out.append(f'<rect x="10" y="{y}" width="{width - 20}" height="{ROW_H}" '
                       'fill="#f0f0f0"/>')
        out.append(_text(20, y + ROW_H / 2 + 5, labels[i], 13))
        for j, (n, _label) in enumerate(m.communities):
            c = m.cell(cat, n)
            x = label_w + cell_w * j + 6
            for k, (count, fill) in enumerate(((c.offers, "url(#hatch)"), (c.needs, "#000"))):
                bar = max(1.5, bar_room * count / most) if count else 0
                yb = y + 6 + k * (BAR_H + 4)
                if bar:
                    out.append(f'<rect x="{x}" y="{yb}" width="{bar:.1f}" height="{BAR_H}" '
                               f'fill="{fill}" stroke="#000" stroke-width="1"/>')
                out.append(_text(x + bar + 4, yb + BAR_H - 1, str(count), 11))
            if c.short:
                tx, ty = x + cell_w - 28, y + ROW_H / 2
                out.append(f'<path d="M{tx} {ty + 7} L{tx + 8} {ty - 7} L{tx + 16} {ty + 7} Z" '
                           'fill="#000"/>')
    grid_bottom = top + ROW_H * len(m.categories)
    for j in range(ncom + 1):
        x = label_w + cell_w * j
        out.append(f'<line x1="{x:.1f}" y1="{top - 34 - 16 * (lines - 1)}" x2="{x:.1f}" '
                   f'y2="{grid_bottom}" stroke="#000" stroke-width="0.8"/>')
    ly = grid_bottom + 28
    out.append(f'<rect x="20" y="{ly - 11}" width="34" height="{BAR_H}" fill="url(#hatch)" '
               'stroke="#000"/>')
    out.append(_text(60, ly, Joined(tuple(ws))("map.strengths"), 12))
    out.append(f'<rect x="20" y="{ly + 7}" width="34" height="{BAR_H}" fill="#000"/>')
    out.append(_text(60, ly + 18, Joined(tuple(ws))("map.needs"), 12))
    tx = 26
    out.append(f'<path d="M{tx} {ly + 42} L{tx + 8} {ly + 28} L{tx + 16} {ly + 42} Z" '
               'fill="#000"/>')
    out.append(_text(60, ly + 40, Joined(tuple(ws))("report.short"), 12))
    if m.empty:
        out.append(_text(20, top + 20, Joined(tuple(ws))("map.none"), 14))
    out.append("</svg>")
    return "\n".join(out) + "\n"
