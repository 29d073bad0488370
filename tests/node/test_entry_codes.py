"""Human codes: the same on every node, short, forgiving to type, never silently ambiguous."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest

from meshaid.node.codes import ALPHABET, display_codes, entry_code, normalise
from meshaid.node.errors import AmbiguousCodeError, InputError, UnknownCodeError
from meshaid.node.services import BoardQuery
from meshaid.protocol.record import Category, EntryId, Kind, RecordBody, sign
from recordgen import SIGNERS


def test_code_is_crockford_base32_of_sha256_of_the_entry_id() -> None:
    # SHA-256(1a2b3c4d 00000001) starts f1be3491...: 11110 00110 11110 ... -> Y 6 Y ...
    assert entry_code(EntryId(0x1A2B3C4D, 1)) == "Y6Z394CRR3JVV"
    codes = {entry_code(EntryId(o, s)) for o in (1, 2**32 - 1) for s in range(1, 200)}
    assert len(codes) == 398
    assert all(len(c) == 13 and set(c) <= set(ALPHABET) for c in codes)
    assert not set("ILOU") & set(ALPHABET)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("y6z3", "Y6Z3"), ("Y6Z3 94", "Y6Z394"), ("y6z-394c", "Y6Z394C"), ("oIlo", "0110")],
)
def test_typed_codes_are_normalised(typed: str, code: str) -> None:
    assert normalise(typed) == code


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("7QK", "'7QK' is too short: entry codes have at least 4 characters"),
        ("7QKU", "'7QKU' is not an entry code (codes use 0-9 and A-Z without I, L, O, U)"),
        ("7QK!", "'7QK!' is not an entry code (codes use 0-9 and A-Z without I, L, O, U)"),
        ("7" * 14, f"'{'7' * 14}' is not an entry code (codes use 0-9 and A-Z without I, L, O, U)"),
        ("  ", "give an entry code, e.g. 7QKM"),
    ],
)
def test_bad_codes_are_refused_with_a_reason(typed: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        normalise(typed)
    assert str(err.value) == message


def test_display_codes_grow_only_where_prefixes_are_shared() -> None:
    shown = display_codes(["ABCDE12", "ABCDF34", "ABCXY00", "ZZZZ999", "ABCDE12"])
    assert shown == {
        "ABCDE12": "ABCDE",
        "ABCDF34": "ABCDF",
        "ABCXY00": "ABCX",
        "ZZZZ999": "ZZZZ",
    }


def two_entries_sharing_a_prefix(origin: int) -> tuple[int, int]:
    """Two seqs of ``origin`` whose entry codes share their first 4 characters."""
    seen: dict[str, int] = {}
    for seq in count(1):
        prefix = entry_code(EntryId(origin, seq))[:4]
        if prefix in seen:
            return seen[prefix], seq
        seen[prefix] = seq
    raise AssertionError("unreachable")


def test_an_ambiguous_short_code_lists_the_candidates(node: Any) -> None:
    peer = SIGNERS[0]
    first, second = two_entries_sharing_a_prefix(peer.origin)
    created = node.store.now_minute()
    for seq, text in ((first, "tarp for a roof"), (second, "blue tarp, 3x4 m")):
        body = RecordBody(
            origin=peer.origin,
            seq=seq,
            kind=Kind.NEED,
            category=Category.SHELTER,
            text=text,
            created=created,
        )
        assert node.store.apply(sign(body, peer.key)).outcome == "new"
    code_a = entry_code(EntryId(peer.origin, first))
    code_b = entry_code(EntryId(peer.origin, second))
    shared = next(i for i, (a, b) in enumerate(zip(code_a, code_b, strict=True)) if a != b)
    short_a, short_b = code_a[: shared + 1], code_b[: shared + 1]

    with pytest.raises(AmbiguousCodeError) as err:
        node.show(code_a[:4].lower())
    assert str(err.value) == (
        f"code {code_a[:4]} matches 2 entries: "
        + "; ".join(
            text
            for _code, text in sorted(
                [
                    (code_a, f"{short_a} (need: tarp for a roof)"),
                    (code_b, f"{short_b} (need: blue tarp, 3x4 m)"),
                ]
            )
        )
        + "; type more characters"
    )
    assert node.show(short_b).text == "blue tarp, 3x4 m"
    assert node.show(code_a).text == "tarp for a roof"
    assert sorted(e.code for e in node.board(BoardQuery())) == sorted([short_a, short_b])


def test_an_unknown_code_says_so(node: Any) -> None:
    with pytest.raises(UnknownCodeError) as err:
        node.show("zzzz")
    assert str(err.value) == "no entry has code ZZZZ"
