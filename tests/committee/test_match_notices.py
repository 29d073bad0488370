"""A match reaching a node tells the residents whose posts it names: a direct message to
their radio, in the language they posted in, sent by the node's pump."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from membership_kit import carry, form, new_node, records_of

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.committee import changes
from meshaid.node.committee.notices import Described, Notice, match_notices, store_notices
from meshaid.node.daemon.pump import Pump
from meshaid.node.desk.posters import record_poster
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import PostRequest
from meshaid.node.store.board import BoardStore
from meshaid.protocol.frames import RecordsFrame, encode
from meshaid.protocol.record import EntryId, Kind, MatchPair, SignedRecord
from meshaid.sync.authority import authorised_by
from meshaid.sync.engine import SyncEngine
from recordgen import Signer

PHONE, RADIO_A, RADIO_B = 0x5048_0001, 0x4D41_0001, 0x4D41_0002


def test_which_texts_for_which_records() -> None:
    chair = Signer(71)
    need, offer = EntryId(1, 5), EntryId(2, 7)
    match = chair.make(match=MatchPair(need, offer))
    entries = {need: Described("K7F2", Kind.NEED, "necesito pañales para mi bebé"),
               offer: Described("3QD9", Kind.OFFER, "diapers size 4, two packs")}
    posters = {need: PHONE}
    notices = match_notices([match], posters.get, entries.get)
    assert notices == [Notice(PHONE, "Tu necesidad K7F2 quedó emparejada con la oferta 3QD9: "
                              "diapers size 4, two packs El comité te contactará.")]
    # The offer's poster too, in English; a confirmation (a later version) tells nobody.
    posters[offer] = PHONE + 1
    assert [n.text for n in match_notices([match], posters.get, entries.get)][1] == (
        "Your offer 3QD9 was matched with need K7F2: necesito pañales para mi bebé The "
        "committee will be in touch.")
    assert match_notices([chair.make(match=MatchPair(need, offer), entry_seq=1, version=1)],
                         posters.get, entries.get) == []
    long = Described("3QD9", Kind.OFFER, "x" * 190)
    [clipped] = match_notices([match], {need: PHONE}.get, {need: entries[need],
                                                            offer: long}.get)
    assert len(clipped.text.encode()) <= 200 and clipped.text.endswith("contactará.")


class NoticingBoard:
    """The daemon's board, with the notices the daemon wires in."""

    def __init__(self, store: BoardStore) -> None:
        self.store = store

    def accept(self, records: Sequence[SignedRecord], now: float) -> None:
        self.store.apply_all(records)

    def keep_known(self, runs: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        pass

    def notices(self, records: Sequence[SignedRecord]) -> list[Notice]:
        return store_notices(self.store, records)


def test_the_pump_texts_the_phone_poster_when_a_match_arrives(tmp_path: Path) -> None:
    north = new_node(tmp_path / "north", "north porch")  # the committee
    south = new_node(tmp_path / "south", "south porch")  # took the resident's post
    try:
        form(north, [south])
        carry(south, [north])
        need = south.post(PostRequest("need", "necesito cobijas para 3 niños",
                                      category="shelter"))
        record_poster(south.store, _eid(need.entry), PHONE)  # as the phone desk does
        offer = north.post(PostRequest("offer", "4 warm blankets", category="shelter"))
        carry(south, [north])
        carry(north, [south])
        nb = Neighbourhood(south)
        engine = SyncEngine(nb.key_of, random.Random(3), node_id=RADIO_B,
                            authorised=authorised_by(lambda: nb.roster))
        engine.load(records_of(south))
        radio = MemoryRadio(RADIO_B)
        pump = Pump(engine, radio, NoticingBoard(south.store))
        made = changes.make_match(north, need.code, offer.code)
        [match] = [r for r in records_of(north) if r.body.match is not None]
        radio.hear(encode(RecordsFrame((match.raw,))), RADIO_A)
        pump.step(1.0)
        [text] = radio.take_texts()
        assert text.dest == PHONE
        assert text.text.startswith(f"Tu necesidad {need.code} quedó emparejada con la oferta "
                                    f"{offer.code}: 4 warm blankets")
        assert south.show(need.code).status == "matched"
        assert pump.counters["notices_sent"] == 1
        # Heard again, or confirmed later: no second text.
        changes.confirm_match(north, made.code)
        for rec in records_of(north):
            if rec.body.match is not None:
                radio.hear(encode(RecordsFrame((rec.raw,))), RADIO_A)
        pump.step(2.0)
        assert radio.take_texts() == []
    finally:
        north.close()
        south.close()


def _eid(text: str) -> EntryId:
    origin, seq = text.split("/")
    return EntryId(int(origin, 16), int(seq))
