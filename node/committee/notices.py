"""Telling residents that their post was matched: a direct message through their node.

When the board on a node learns of a new match (a match record it did not hold, from the
air or made here), each of the two entries it names that this node took from a
resident's phone gets a short text to that resident's radio, in the language the post
was written in: "Your need K7F2 was matched with offer 3QD9: 20 gallons of water...". The
poster's radio never leaves the node (the ``posters`` table); the text goes to it from
this node, as every desk reply does.

``match_notices`` is the pure part: which texts for which records, given how to look up
an entry and its poster. ``store_notices`` wires it to a node's store, for the daemon's
board to return to the pump, which sends them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from meshaid.node.phone.message import language_of
from meshaid.node.phone.replies import MAX_REPLY_BYTES, clip, one_line, utf8_len
from meshaid.node.store.board import BoardStore
from meshaid.protocol.record import EntryId, Kind, SignedRecord

_TEXTS = {
    "en": {
        "need": "Your need {code} was matched with offer {other}: {text}",
        "offer": "Your offer {code} was matched with need {other}: {text}",
        "end": " The committee will be in touch.",
    },
    "es": {
        "need": "Tu necesidad {code} quedó emparejada con la oferta {other}: {text}",
        "offer": "Tu oferta {code} quedó emparejada con la necesidad {other}: {text}",
        "end": " El comité te contactará.",
    },
}


@dataclass(frozen=True)
class Notice:
    """A text to send to a resident's radio."""

    dest: int
    text: str


@dataclass(frozen=True)
class Described:
    """What a notice says of an entry."""

    code: str  # as shown on the board
    kind: Kind
    text: str


def match_notices(
    records: Iterable[SignedRecord],
    poster_of: Callable[[EntryId], int | None],
    entry_of: Callable[[EntryId], Described | None],
    default_lang: str = "en",
) -> list[Notice]:
    """Texts for the posters of entries that ``records`` (new to this node) match: one
    per poster and match, for records that create a match only (a confirmation or an
    undo is the committee's to tell)."""
    out: list[Notice] = []
    for rec in records:
        body = rec.body
        if body.match is None or body.entry_seq:
            continue
        pair = body.match
        for mine, other in ((pair.need, pair.offer), (pair.offer, pair.need)):
            radio = poster_of(mine)
            if radio is None:
                continue
            entry, partner = entry_of(mine), entry_of(other)
            if entry is None:
                continue
            out.append(Notice(radio, _text(entry, partner, default_lang)))
    return out


def _text(entry: Described, partner: Described | None, default_lang: str) -> str:
    lang = language_of(entry.text, default_lang)
    texts = _TEXTS.get(lang) or _TEXTS.get(default_lang) or _TEXTS["en"]
    role = "need" if entry.kind == Kind.NEED else "offer"
    other = partner.code if partner is not None else "?"
    start = texts[role].format(code=entry.code, other=other, text="")
    room = MAX_REPLY_BYTES - utf8_len(start) - utf8_len(texts["end"])
    said = clip(one_line(partner.text), max(room, 0)) if partner is not None else ""
    return start + said + texts["end"]


def store_notices(store: BoardStore, records: Iterable[SignedRecord], default_lang: str = "en"
                  ) -> list[Notice]:
    """``match_notices`` on a node's board store: posters from its ``posters`` table,
    entries from its rows."""
    matches = [r for r in records if r.body.match is not None and not r.body.entry_seq]
    if not matches:
        return []
    with store.reading() as conn:
        def poster_of(eid: EntryId) -> int | None:
            row = conn.execute(
                "SELECT radio_id FROM posters WHERE entry_origin = ? AND entry_seq = ?",
                tuple(eid)).fetchone()
            return None if row is None else int(row[0])

        def entry_of(eid: EntryId) -> Described | None:
            row = conn.execute("SELECT code, kind, text FROM entries WHERE origin = ? AND seq = ?",
                               tuple(eid)).fetchone()
            if row is None:
                return None
            shown = store.shown_codes([row[0]])
            return Described(shown.get(row[0], row[0][:4]), Kind(row[1]), row[2])

        # Only matches the store took (it judges them by the same rule as the engine).
        stored = [r for r in matches if conn.execute(
            "SELECT 1 FROM matches WHERE origin = ? AND seq = ?", tuple(r.entry_id)).fetchone()]
        return match_notices(stored, poster_of, entry_of, default_lang)
