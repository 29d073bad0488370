"""How results look on a terminal: an aligned table, a detail view, or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from meshaid.node.store.views import BoardPage, EntryView, InitResult

TEXT_WIDTH = 48


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


def board_table(entries: Sequence[EntryView]) -> str:
    if not entries:
        return "No entries match."
    with_community = len({e.community for e in entries}) > 1
    headers = ["CODE", "KIND", "CATEGORY", "URGENCY", "STATUS"]
    headers += ["COMMUNITY"] if with_community else []
    headers += ["ZONE", "POSTED", "TEXT"]
    rows = []
    for e in entries:
        row = [e.code, e.kind, e.category, e.urgency, e.status_label]
        row += [e.community or "-"] if with_community else []
        row += [e.zone or "-", short_time(e.created), _clip(e.text, TEXT_WIDTH)]
        rows.append(row)
    return table(headers, rows)


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
        return (
            f"Node home {r.home} is already initialised (node {r.name!r}, origin {r.origin}); "
            "nothing was changed."
        )
    return "\n".join(
        [
            f"Initialised node {r.name!r} in {r.home} (created: {', '.join(r.created)})",
            f"  origin:      {r.origin}",
            f"  public key:  {r.public_key}",
            f"  key file:    {key_file}",
            f"  database:    {db_file}",
            f"  config:      {config_file}",
        ]
    )
