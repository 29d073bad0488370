"""How results look on a terminal: an aligned table, a detail view, or JSON; and the
board's CSV and markdown exports."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from meshaid.node.store.views import BoardPage, EntryView, InitResult


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def json_list(items: Iterable[Any]) -> Iterator[str]:
    """``to_json(list(items))`` in pieces, one item at a time (no newline at the end)."""
    first = True
    for item in items:
        body = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + body
        first = False
    yield "[]" if first else "\n]"


def more_note(result: BoardPage, page: int) -> str:
    """What a page of a longer listing says after it."""
    first = result.offset + 1
    last = result.offset + len(result.entries)
    return (
        f"Showing {first}-{last} of {result.total} entries; --page {page + 1} for the next "
        f"{result.limit}, --all for every one."
    )


def short_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def day_time(value: datetime) -> str:
    """A date on the board, without the year: entries live at most 90 days."""
    return value.strftime("%m-%d %H:%M")


def long_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart; no trailing spaces."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


# The board's columns: (heading, the cell of an entry). BY is the node that posted it.
BoardCell = Callable[[EntryView, Mapping[str, str]], str]
BOARD_COLUMNS: dict[str, BoardCell] = {
    "CODE": lambda e, n: e.code,
    "KIND": lambda e, n: e.kind,
    "CATEGORY": lambda e, n: e.category,
    "URGENCY": lambda e, n: e.urgency,
    "STATUS": lambda e, n: e.status_label,
    "COMMUNITY": lambda e, n: e.community or "-",
    "ZONE": lambda e, n: e.zone or "-",
    "BY": lambda e, n: "this node" if e.mine else n.get(e.origin, e.origin),
    "POSTED": lambda e, n: day_time(e.created),
    "WHEN": lambda e, n: day_time(e.when) if e.when else "-",
    "EXPIRES": lambda e, n: day_time(e.expires),
    "TEXT": lambda e, n: " ".join(e.text.split()),
}
# Columns a narrow terminal drops first, so that the text keeps MIN_TEXT characters.
DROPPED_FIRST = ("POSTED", "BY", "COMMUNITY", "ZONE", "URGENCY", "CATEGORY")
MIN_TEXT = 28
# Names and places are cut to this many characters in a table that must fit.
NAME_WIDTH = 16


def board_columns(entries: Sequence[EntryView]) -> list[str]:
    """The columns a listing of ``entries`` shows: COMMUNITY only when they differ, BY
    only when another node posted one, WHEN only when one is a dated trade."""
    columns = list(BOARD_COLUMNS)
    if len({e.community for e in entries}) <= 1:
        columns.remove("COMMUNITY")
    if all(e.mine for e in entries):
        columns.remove("BY")
    if all(e.when is None for e in entries):
        columns.remove("WHEN")
    return columns


def board_table(
    entries: Sequence[EntryView],
    names: Mapping[str, str] | None = None,
    width: int = 0,
    wide: bool = False,
) -> str:
    """The board as an aligned table. Its lines fit ``width`` (0: any), the text cut with
    an ellipsis; with ``wide``, every column and the whole text, however long."""
    if not entries:
        return "No entries match."
    names = names or {}
    columns = board_columns(entries)
    cells = [[BOARD_COLUMNS[c](e, names) for c in columns] for e in entries]
    if not wide:
        for row in cells:
            for i, c in enumerate(columns):
                if c in ("COMMUNITY", "ZONE", "BY"):
                    row[i] = _clip(row[i], NAME_WIDTH)
    if width and not wide:
        columns, cells = _fit(columns, cells, width)
    return table(columns, cells)


def _fit(columns: list[str], cells: list[list[str]], width: int
         ) -> tuple[list[str], list[list[str]]]:
    """Drop columns until the text has room, then cut the text to the room left."""

    def room(cols: list[str], rows: list[list[str]]) -> int:
        widths = [max(len(r[i]) for r in [cols, *rows]) for i, c in enumerate(cols)]
        return width - sum(w for c, w in zip(cols, widths, strict=True) if c != "TEXT") - (
            2 * (len(cols) - 1))

    for name in DROPPED_FIRST:
        if room(columns, cells) >= MIN_TEXT or name not in columns:
            continue
        i = columns.index(name)
        columns = columns[:i] + columns[i + 1:]
        cells = [row[:i] + row[i + 1:] for row in cells]
    left = max(10, room(columns, cells))  # past the droppable columns, the width wins
    return columns, [[*row[:-1], _clip(row[-1], left)] for row in cells]


# The columns of the board's CSV and markdown exports, and of each JSON entry's "by".
EXPORT_COLUMNS = ("code", "kind", "category", "urgency", "status", "community", "zone",
                  "by", "posted", "when", "expires", "text", "full_code", "origin")


def export_row(e: EntryView, names: Mapping[str, str]) -> dict[str, str]:
    return {
        "code": e.code, "kind": e.kind, "category": e.category, "urgency": e.urgency,
        "status": e.status_label, "community": e.community, "zone": e.zone,
        "by": "this node" if e.mine else names.get(e.origin, e.origin),
        "posted": short_time(e.created), "when": short_time(e.when) if e.when else "",
        "expires": short_time(e.expires), "text": e.text, "full_code": e.full_code,
        "origin": e.origin,
    }


def board_csv(entries: Iterable[EntryView], names: Mapping[str, str]) -> Iterator[str]:
    """The board as CSV (RFC 4180, a header line first), a line at a time."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for e in entries:
        writer.writerow(export_row(e, names))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def markdown_cell(text: str) -> str:
    """One markdown table cell: on one line, with pipes and backslashes escaped, and angle
    brackets as entities, so that a post's text cannot become HTML where it is shown."""
    cell = " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")
    return cell.replace("<", "&lt;").replace(">", "&gt;")


def board_markdown(entries: Iterable[EntryView], names: Mapping[str, str]) -> Iterator[str]:
    """The board as a markdown pipe table, a line at a time."""
    shown = [c for c in EXPORT_COLUMNS if c not in ("full_code", "origin")]
    yield "| " + " | ".join(shown) + " |"
    yield "|" + "---|" * len(shown)
    for e in entries:
        row = export_row(e, names)
        yield "| " + " | ".join(markdown_cell(row[c]) for c in shown) + " |"


def entry_detail(e: EntryView) -> str:
    owner = "this node" if e.mine else f"node {e.origin}"
    fields = [
        ("Code", f"{e.code} ({e.full_code})"),
        ("Kind", e.kind),
        ("Category", e.category),
        ("Status", e.status_label),
        ("Urgency", e.urgency),
        ("Community", e.community or "-"),
        ("Zone", e.zone or "-"),
        ("Posted", long_time(e.created)),
    ]
    if e.when is not None:
        fields.append(("When", long_time(e.when)))
    fields += [
        ("Expires", long_time(e.expires)),
        ("Version", str(e.version)),
        ("Posted by", owner),
        ("Text", e.text),
    ]
    width = max(len(name) for name, _ in fields) + 2
    return "\n".join(f"{name + ':':<{width}}{value}" for name, value in fields)


def init_report(r: InitResult, key_file: str, db_file: str, config_file: str) -> str:
    if r.already_initialised:
        text = (
            f"Node home {r.home} is already initialised (node {r.name!r}, origin {r.origin}); "
            "nothing was changed."
        )
    else:
        text = "\n".join(
            [
                f"Initialised node {r.name!r} in {r.home} (created: {', '.join(r.created)})",
                f"  origin:      {r.origin}",
                f"  public key:  {r.public_key}",
                f"  key file:    {key_file}",
                f"  database:    {db_file}",
                f"  config:      {r.config_file or config_file}",
            ]
        )
    if r.ignored:
        text += (
            f"\nIgnored {', '.join(r.ignored)}: the configuration already says otherwise; to "
            f"change it, edit {r.config_file or config_file} (then restart the daemon)."
        )
    return text
