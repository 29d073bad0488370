"""The board on paper, to post on a wall: alerts on top, then needs, offers and trades,
each grouped by category, every entry with its code so people can answer it by radio,
and a box of the texts the phone desk reads, to post by text.

A wall holds a few pages, not a whole large board: each kind prints at most ``limit``
entries (alerts and critical needs first, then the newest) and says how many more the
board has. In both languages, the labels carry both; the entries keep their own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from meshaid.node.committee.listing import ranked_page
from meshaid.node.committee.pages import Paper, Section, Table
from meshaid.node.committee.words import PHONE_EXAMPLES, Joined, Words
from meshaid.node.services import BoardQuery, Node
from meshaid.node.store.views import EntryView
from meshaid.protocol.record import Category

KIND_ORDER = ("alert", "need", "offer", "trade")
PER_KIND = 40
_CATEGORY_ORDER = {c.name.lower(): c.value for c in Category}

PRINT_CSS_EXTRA = """
section table { table-layout: fixed; }
section th:nth-child(1) { width: 14%; } section th:nth-child(2) { width: 10%; }
section th:nth-child(4) { width: 18%; } section th:nth-child(5) { width: 13%; }
td:nth-child(2) { font-family: "DejaVu Sans Mono", monospace; font-weight: bold;
                  font-size: 11pt; white-space: nowrap; }
section.alert h2 { font-size: 13pt; }
section.alert td { font-weight: bold; }
.howto { border: 2pt solid #000; padding: 4pt 8pt; margin-top: 10pt; break-inside: avoid;
         page-break-inside: avoid; }
.howto h2 { border: 0; }
.howto table { table-layout: auto; }
.howto table td { border: 0; padding: 1pt 6pt 1pt 0; }
.howto td:first-child { font-family: "DejaVu Sans Mono", monospace; font-weight: bold; }
.howto td:nth-child(2) { font-family: inherit; font-weight: normal; font-size: 10pt; }
"""


@dataclass(frozen=True)
class PrintedKind:
    kind: str
    entries: list[EntryView]
    total: int  # how many the board has


@dataclass(frozen=True)
class PrintedBoard:
    made: datetime
    node: str
    kinds: list[PrintedKind]

    @property
    def total(self) -> int:
        return sum(k.total for k in self.kinds)


def read_board(node: Node, limit: int = PER_KIND) -> PrintedBoard:
    """The active board, at most ``limit`` entries of each kind."""
    kinds = []
    for kind in KIND_ORDER:
        page = ranked_page(node, BoardQuery(kinds=(kind,)), limit=limit)
        kinds.append(PrintedKind(kind, page.entries, page.total))
    return PrintedBoard(node.local_time(node.store.now_minute()), node.config.name, kinds)


def _stamp(value: datetime) -> str:
    """When the paper was printed."""
    return value.strftime("%Y-%m-%d %H:%M")


def _rows(entries: list[EntryView], say: Joined) -> list[list[str]]:
    """Grouped by category (named on a group's first row), keeping the board's order
    within each group."""
    ordered = sorted(entries, key=lambda e: _CATEGORY_ORDER.get(e.category, 99))
    rows, last = [], ""
    for e in ordered:
        where = ", ".join(x for x in (e.zone, e.community) if x)
        at = e.when or e.expires  # a trade's day, or the day the entry leaves the board
        dated = say.day(at) + at.strftime(" %H:%M")
        category = say.category(e.category) if e.category != last else ""
        urgent = e.urgency in ("critical", "high") and e.kind != "alert"
        text = ("(!) " if urgent else "") + e.text
        rows.append([category, e.code, text, where, dated])
        last = e.category
    return rows


def board_paper(board: PrintedBoard, ws: list[Words]) -> Paper:
    say = Joined(tuple(ws))
    sections = []
    for k in board.kinds:
        if not k.entries:
            continue
        dated = "col.when" if k.kind == "trade" else "print.until"
        heads = [say(key) for key in ("col.category", "col.code", "col.what", "col.where",
                                      dated)]
        more = k.total - len(k.entries)
        after = [say("report.stories.more", count=more)] if more > 0 else []
        sections.append(Section(say.kinds(k.kind), (),
                                Table(heads, _rows(k.entries, say), flexible=2), after,
                                css_class=k.kind))
    if not sections:
        sections.append(Section(say("print.title"), [say("print.empty")]))
    for w in ws:
        examples = Table(["", ""], [[text, does] for text, does in PHONE_EXAMPLES[w.lang]])
        sections.append(Section(w("print.howto"), [w("print.howto.intro")], examples,
                                [w("print.howto.code")], css_class="howto"))
    first = next((e.code for k in board.kinds for e in k.entries), "4F2K")
    subtitle = [w("print.printed", when=_stamp(board.made), node=board.node,
                  count=board.total) for w in ws]
    subtitle += [w("print.code_help", code=first) for w in ws]
    return Paper(say("print.title"), subtitle, sections,
                 lang=ws[0].lang if len(ws) == 1 else "mul")
