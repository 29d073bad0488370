"""The report as a paper in one language (meshaid.node.committee.pages lays it out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meshaid.node.committee.pages import Paper, Section, Table
from meshaid.node.committee.reports import Report
from meshaid.node.committee.words import Words

REPORT_CSS_EXTRA = "table { font-size: 9pt; width: auto; min-width: 60%; }\n"


def day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def minute(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else ("±0" if n == 0 else str(n))


def _margins(rows: list[tuple[str, tuple[int, ...]]]) -> dict[str, tuple[int, ...]]:
    """Sums of each key's figures, keys in their first order."""
    out: dict[str, tuple[int, ...]] = {}
    for key, figures in rows:
        had = out.get(key, (0,) * len(figures))
        out[key] = tuple(a + b for a, b in zip(had, figures, strict=True))
    return out


def _total_row(w: Words, groups: dict[str, tuple[int, ...]]) -> list[list[str]]:
    if len(groups) < 2:
        return []
    sums = [sum(v[i] for v in groups.values()) for i in range(len(next(iter(groups.values()))))]
    return [[w("col.total"), *map(str, sums)]]


def report_paper(r: Report, w: Words) -> Paper:
    def place(name: str) -> str:
        return name or w("map.no_community")

    sections = []
    flow_heads = [w("col.matched"), w("col.fulfilled")]
    by_cat = _margins([(f.category, (f.matched, f.fulfilled)) for f in r.flowed])
    by_com = _margins([(f.community, (f.matched, f.fulfilled)) for f in r.flowed])
    flowed = Table([w("col.category"), *flow_heads],
                   [[w.category(k), *map(str, v)] for k, v in by_cat.items()]
                   + _total_row(w, by_cat), numeric=frozenset({1, 2}), flexible=0)
    sections.append(Section(w("report.flowed"), () if r.flowed else [w("report.flowed.none")],
                            flowed))
    if len(by_com) > 1:
        sections.append(Section("", (), Table(
            [w("col.community"), *flow_heads],
            [[place(k), *map(str, v)] for k, v in by_com.items()],
            numeric=frozenset({1, 2}), flexible=0)))

    need_heads = [w("col.open_needs"), w("col.unmet"), w("col.open_offers")]
    cat_need = _margins([(m.category, (m.open_needs, m.unmet, m.open_offers))
                         for m in r.missing])
    com_need = _margins([(m.community, (m.open_needs, m.unmet, m.open_offers))
                         for m in r.missing])

    def needs_rows(groups: dict[str, tuple[int, ...]], name: Any) -> list[list[str]]:
        ordered = sorted(groups.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))
        return [[name(k), *map(str, v), "▲" if v[0] + v[1] > v[2] else ""]
                for k, v in ordered]

    missing = Table([w("col.category"), *need_heads, ""], needs_rows(cat_need, w.category),
                    numeric=frozenset({1, 2, 3}), flexible=4)
    waits = ["▲ " + w("report.short")] if any(m.short for m in r.missing) else []
    if r.wait_all is not None:
        waits.append(w("report.time_to_match", time=w.duration(r.wait_all.median_minutes),
                       count=r.wait_all.needs))
        waits.append("; ".join(f"{w.category(x.category)} {w.duration(x.median_minutes)} "
                               f"({x.needs})" for x in r.waits))
    sections.append(Section(w("report.missing"),
                            () if r.missing else [w("report.missing.none")], missing,
                            [] if len(com_need) > 1 else waits))
    if len(com_need) > 1:
        sections.append(Section("", (), Table([w("col.community"), *need_heads, ""],
                                              needs_rows(com_need, place),
                                              numeric=frozenset({1, 2, 3}), flexible=4),
                                waits))

    scheduled = Table([w("col.when"), w("col.code"), w("col.what"), w("col.where")],
                      [[minute(d.at), d.code, d.text,
                        ", ".join(x for x in (d.zone, d.community) if x)] for d in r.scheduled],
                      flexible=2)
    more = ([w("report.stories.more", count=r.scheduled_total - len(r.scheduled))]
            if r.scheduled_total > len(r.scheduled) else [])
    sections.append(Section(w("report.scheduled"), () if r.scheduled else [
        w("report.scheduled.none", days=r.period.days)], scheduled, more))

    changed = Table(
        [w("col.category"), w("col.needs"), w("col.change"), w("col.offers"), w("col.change")],
        [[w.category(c.category), f"{c.needs_before} → {c.needs_now}",
          _signed(c.needs_now - c.needs_before), f"{c.offers_before} → {c.offers_now}",
          _signed(c.offers_now - c.offers_before)] for c in r.changed],
        numeric=frozenset({1, 2, 3, 4}), flexible=0)
    sections.append(Section(w("report.changed"), () if r.changed else [
        w("report.changed.none")], changed))

    stories = Table([w("col.posted"), w("col.code"), w("col.category"), w("col.what")],
                    [[day(s.at), s.code, f"{w.kind(s.kind)}, {w.category(s.category)}", s.text]
                     for s in r.stories], flexible=3)
    more = ([w("report.stories.more", count=r.stories_total - len(r.stories))]
            if r.stories_total > len(r.stories) else [])
    sections.append(Section(w("report.stories"), () if r.stories else [
        w("report.stories.none")], stories, more))

    title = w(f"report.title.{r.period.name}")
    subtitle = [
        w(f"report.period.{r.period.name}", end=minute(r.end)) + " ("
        + w("report.period", start=day(r.start), end=day(r.end)) + ")",
        w("report.community", name=r.community) if r.community is not None
        else w("report.all_communities"),
    ]
    return Paper(title, subtitle, sections, w("report.generated", node=r.node,
                                              when=minute(r.made)), w.lang)
