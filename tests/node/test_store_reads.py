"""The board's fast reads give what the slow ones gave: searches with and without accents,
shown codes from the index's neighbours, pages that add up to the whole listing, and either
query plan the same rows."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st

from meshaid.node import codes
from meshaid.node.services import BoardQuery, PostRequest
from meshaid.node.store import reading
from meshaid.node.store.database import alembic_config, create_store_engine, migrate
from meshaid.node.store.search import fold, search_text
from meshaid.protocol.record import Category, Kind, RecordBody, Status, sign
from recordgen import SIGNERS

TEXTS = [
    "Niños necesitan agua, calle 5",
    "NIÑOS: ropa de invierno",
    "ride to the clinic, Tuesday",
    "need   WATER jugs",
    "café y pan para los vecinos",
    "generator at the school gate",
]


def fill(node: Any, n: int, seed: int = 1) -> None:
    """``n`` entries of SIGNERS[0..2], some of them closed, a minute apart."""
    rng = random.Random(seed)
    now = node.store.now_minute()
    records = []
    for i in range(n):
        signer = SIGNERS[i % 3]
        signer.seq += 1
        body = RecordBody(
            origin=signer.origin, seq=signer.seq, kind=rng.choice(list(Kind)),
            category=rng.choice(list(Category)), text=rng.choice(TEXTS),
            created=now - rng.randrange(0, 20 * 24 * 60), zone_name=rng.choice(["", "Peña 3"]),
        )
        records.append(sign(body, signer.key))
        if rng.random() < 0.2:
            signer.seq += 1
            status = rng.choice([Status.FULFILLED, Status.WITHDRAWN, Status.MATCHED])
            closing = RecordBody(
                origin=signer.origin, seq=signer.seq, kind=body.kind, category=body.category,
                text=body.text, created=body.created, entry_seq=body.seq, version=1,
                status=status,
            )
            records.append(sign(closing, signer.key))
    assert all(r.accepted for r in node.store.apply_all(records))


def texts(node: Any, search: str) -> list[str]:
    return sorted(v.text for v in node.board(BoardQuery(search=search, status="all")))


def test_accents_case_and_spaces_do_not_matter_to_a_search(node: Any) -> None:
    for text in TEXTS:
        node.post(PostRequest("need", text))
    both = ["NIÑOS: ropa de invierno", "Niños necesitan agua, calle 5"]
    assert texts(node, "ninos") == texts(node, "niños") == texts(node, "NIÑOS") == both
    assert texts(node, "cafe") == texts(node, "Café") == ["café y pan para los vecinos"]
    assert texts(node, "water jugs") == ["need   WATER jugs"]
    assert texts(node, "tuesday") == ["ride to the clinic, Tuesday"]
    assert texts(node, "zzz") == []


def test_a_search_finds_zones_by_name_but_never_across_text_and_zone(node: Any) -> None:
    node.post(PostRequest("offer", "firewood", zone="Calle Peña"))
    node.post(PostRequest("offer", "blankets", zone="north block"))  # a configured zone
    assert texts(node, "pena") == ["firewood"]
    assert texts(node, "NORTH") == ["blankets"]
    assert texts(node, "firewood calle") == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_folding_is_what_the_migration_wrote_and_never_leaves_a_separator(text: str) -> None:
    from importlib import import_module

    migration = import_module("meshaid.node.store.migrations.versions.0004_read_indexes")
    assert migration._fold(text) == fold(text)
    assert "\n" not in fold(text)
    assert search_text(text, "x").count("\n") == 1


def test_shown_codes_from_neighbours_are_those_of_every_code(node: Any, monkeypatch: Any) -> None:
    fill(node, 300)
    every = codes.display_codes(node.store.all_codes())
    wanted = random.Random(2).sample(sorted(every), 40)
    assert node.store.shown_codes(wanted) == {code: every[code] for code in wanted}
    monkeypatch.setattr(reading, "NEIGHBOUR_LOOKUPS_UP_TO", 10)  # the whole-board way
    assert node.store.shown_codes(wanted) == {code: every[code] for code in wanted}
    views = node.board(BoardQuery(status="all"))
    assert {v.full_code: v.code for v in views} == every


def test_codes_resolve_by_prefix_in_any_case_and_typo(node: Any) -> None:
    fill(node, 120)
    every = sorted(node.store.all_codes())
    for code in every[::17]:
        assert node.show(code.lower()).full_code == code
        assert node.show(code[:4].replace("0", "O").replace("1", "I")).full_code in every
        assert [e.code for e in node.store.find_by_code(code[:4])] == [
            c for c in every if c.startswith(code[:4])
        ]
    assert node.store.find_by_code("ZZZZZZZZZZZZZ") == []


QUERIES = [
    BoardQuery(),
    BoardQuery(status="all"),
    BoardQuery(kinds=("need",), status="open"),
    BoardQuery(status="fulfilled"),
    BoardQuery(status="expired"),
    BoardQuery(search="ninos"),
    BoardQuery(search="pena", status="all"),
    BoardQuery(categories=("food", "water"), status="all"),
]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_pages_add_up_to_the_whole_listing_whichever_way_sqlite_goes(
    node: Any, query: BoardQuery, monkeypatch: Any
) -> None:
    fill(node, 150)
    whole = node.board(query)
    for cost in (0, 10**9):  # always walk the index on created; always scan and sort
        monkeypatch.setattr(reading, "LOOKUP_COST", cost)
        pages = [node.board_page(query, limit=7, page=p) for p in range(1, 30)]
        assert [v for page in pages for v in page.entries] == whole
        assert {page.total for page in pages} == {len(whole)}
        assert [p.more for p in pages if p.entries][-1:] in ([False], [])
    assert list(node.iter_board(query)) == whole
    created = [(v.created, v.entry) for v in whole]
    assert [c for c, _e in created] == sorted((c for c, _e in created), reverse=True)


def test_a_board_migrated_from_before_search_text_finds_its_old_entries(
    node: Any, tmp_path: Path
) -> None:
    node.post(PostRequest("need", "Niños necesitan agua"))
    engine = create_store_engine(node.home.db_file)
    try:
        command.downgrade(alembic_config(engine), "0003")
        migrate(engine)
    finally:
        engine.dispose()
    assert texts(node, "ninos") == ["Niños necesitan agua"]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 2**32 - 1), st.integers(1, 2**32 - 1))
def test_entry_codes_are_the_digests_first_65_bits_five_at_a_time(origin: int, seq: int) -> None:
    import hashlib

    from meshaid.protocol.record import EntryId

    digest = hashlib.sha256(origin.to_bytes(4, "big") + seq.to_bytes(4, "big")).digest()
    bits = int.from_bytes(digest[:9], "big") >> 7
    expected = "".join(codes.ALPHABET[(bits >> (5 * (12 - i))) & 31] for i in range(13))
    assert codes.entry_code(EntryId(origin, seq)) == expected
