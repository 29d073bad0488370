"""Papers made of sections (a heading, notes, a table), written as text that fits a
terminal, as markdown, or as HTML with print styles. The report and the printed board
are built as sections; this module only lays them out.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

TEXT_WIDTH = 80


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()  # columns aligned right
    flexible: int = -1  # the column cut to fit the width (text); -1: the last


@dataclass(frozen=True)
class Section:
    heading: str
    notes: Sequence[str] = ()
    table: Table | None = None
    after: Sequence[str] = ()  # notes under the table
    css_class: str = ""


@dataclass(frozen=True)
class Paper:
    title: str
    subtitle: Sequence[str]
    sections: Sequence[Section]
    footer: str = ""
    lang: str = "en"


def clip(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(text.split())
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(" ".join(text.split()), width, initial_indent=indent,
                         subsequent_indent=indent) or [""]


def text_table(t: Table, width: int = TEXT_WIDTH, indent: str = "  ") -> list[str]:
    """Columns two spaces apart; the flexible column is cut so each line fits ``width``."""
    if not t.rows:
        return []
    n = len(t.headers)
    flex = t.flexible % n
    cells = [[" ".join(c.split()) for c in row] for row in [t.headers, *t.rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(n)]
    room = width - len(indent) - 2 * (n - 1) - sum(w for i, w in enumerate(widths) if i != flex)
    widths[flex] = max(8, min(widths[flex], room))
    lines = []
    for row in cells:
        out = []
        for i, cell in enumerate(row):
            cell = clip(cell, widths[i]) if i == flex else cell
            out.append(cell.rjust(widths[i]) if i in t.numeric else cell.ljust(widths[i]))
        lines.append((indent + "  ".join(out)).rstrip())
    return lines


def as_text(paper: Paper, width: int = TEXT_WIDTH) -> str:
    lines = [paper.title, "=" * min(width, len(paper.title))]
    for line in paper.subtitle:
        lines += wrap(line, width)
    for s in paper.sections:
        lines += ["", s.heading, "-" * min(width, len(s.heading))] if s.heading else [""]
        for note in s.notes:
            lines += wrap(note, width, "  ")
        if s.table is not None:
            lines += text_table(s.table, width)
        for note in s.after:
            lines += wrap(note, width, "  ")
    if paper.footer:
        lines += ["", *wrap(paper.footer, width)]
    return "\n".join(lines)


def md_cell(text: str) -> str:
    """A markdown table cell: one line, pipes and backslashes escaped, angle brackets as
    entities (a post's text must not become HTML where the markdown is shown)."""
    text = " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def md_table(t: Table) -> list[str]:
    head = "| " + " | ".join(md_cell(h) for h in t.headers) + " |"
    rule = "|" + "|".join("---:" if i in t.numeric else "---" for i in range(len(t.headers)))
    rows = ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in t.rows]
    return [head, rule + "|", *rows]


def as_markdown(paper: Paper) -> str:
    lines = [f"# {md_cell(paper.title)}", ""]
    lines += [*(f"{md_cell(s)}  " for s in paper.subtitle)]
    for s in paper.sections:
        lines += ["", f"## {md_cell(s.heading)}", ""] if s.heading else [""]
        lines += [md_cell(n) + "\n" for n in s.notes]
        if s.table is not None and s.table.rows:
            lines += [*md_table(s.table), ""]
        lines += [md_cell(n) + "\n" for n in s.after]
    if paper.footer:
        lines += ["", f"_{md_cell(paper.footer)}_"]
    return "\n".join(lines).rstrip() + "\n"


PRINT_CSS = """
@page { size: auto; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, Helvetica, "Noto Color Emoji", sans-serif;
       font-size: 10pt; color: #000; background: #fff; margin: 0 auto; max-width: 190mm;
       line-height: 1.3; }
h1 { font-size: 16pt; margin: 0 0 2pt; }
h2 { font-size: 11.5pt; margin: 10pt 0 3pt; border-bottom: 1.5pt solid #000; }
p { margin: 2pt 0; }
.sub { margin: 0 0 6pt; }
table { border-collapse: collapse; width: 100%; margin: 2pt 0 4pt; }
th, td { border: 0.5pt solid #555; padding: 1.5pt 4pt; text-align: left;
         vertical-align: top; }
th { background: #e8e8e8; font-weight: bold; }
td.n, th.n { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
h2 { break-after: avoid; page-break-after: avoid; }
.foot { margin-top: 8pt; font-size: 8.5pt; }
.lang + .lang { break-before: page; page-break-before: always; }
@media screen { body { padding: 10mm; } }
"""


def html_table(t: Table) -> str:
    def cls(i: int) -> str:
        return ' class="n"' if i in t.numeric else ""

    head = "".join(f"<th{cls(i)}>{html.escape(h)}</th>" for i, h in enumerate(t.headers))
    head = f"<thead><tr>{head}</tr></thead>" if any(t.headers) else ""
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{html.escape(c)}</td>" for i, c in enumerate(row))
        + "</tr>" for row in t.rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def html_body(paper: Paper) -> str:
    out = [f'<div class="lang" lang="{paper.lang}">', f"<h1>{html.escape(paper.title)}</h1>"]
    out += [f'<p class="sub">{html.escape(s)}</p>' for s in paper.subtitle]
    for s in paper.sections:
        cls = f' class="{s.css_class}"' if s.css_class else ""
        heading = f"<h2>{html.escape(s.heading)}</h2>" if s.heading else ""
        out.append(f"<section{cls}>{heading}")
        out += [f"<p>{html.escape(n)}</p>" for n in s.notes]
        if s.table is not None and s.table.rows:
            out.append(html_table(s.table))
        out += [f"<p>{html.escape(n)}</p>" for n in s.after]
        out.append("</section>")
    if paper.footer:
        out.append(f'<p class="foot">{html.escape(paper.footer)}</p>')
    out.append("</div>")
    return "\n".join(out)


def as_html(papers: Sequence[Paper], title: str, css: str = PRINT_CSS) -> str:
    """One HTML document holding ``papers`` (one per language), each from a new page."""
    lang = papers[0].lang if len(papers) == 1 else "mul"
    body = "\n".join(html_body(p) for p in papers)
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")
