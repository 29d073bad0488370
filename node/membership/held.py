"""The control records (roster changes, approvals, epoch keys) a node's store holds.

Read on the store's plain connection. SQLite finds the candidates by the tag bytes a
control record's field 19 starts with; the same bytes turn up by chance in signatures, so
records that made an entry are left out, and each candidate is parsed to be sure: as the
store holds it (``decode_stored``: checked when it was stored, its text left packed, so
the dozens of chance candidates of a large board cost no text model). The
record codecs load protobuf, so they are imported only when this runs: the command that
shows node names on a board must not pay for them at start-up.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshaid.protocol.control import ControlRecord

CONTROL_TAG = bytes([19 << 3 | 2, 1])  # field 19, length-delimited: its two tag bytes


def held_control(conn: sqlite3.Connection) -> list[ControlRecord]:
    from meshaid.protocol import control
    from meshaid.protocol.errors import DecodeError
    from meshaid.protocol.record import decode_stored

    out = []
    for (raw,) in conn.execute(
        "SELECT raw FROM records AS r WHERE instr(raw, ?) > 0 AND NOT EXISTS"
        " (SELECT 1 FROM entries AS e WHERE e.origin = r.origin AND e.seq = r.seq)",
        (CONTROL_TAG,),
    ):
        try:
            rec = decode_stored(bytes(raw))
            if rec.body.control:
                out.append(control.read(rec))
        except DecodeError:
            continue
    return out
