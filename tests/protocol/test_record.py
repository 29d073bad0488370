import contextlib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.signing import SigningKey

from meshaid.protocol import board_pb2, fragment
from meshaid.protocol.errors import DecodeError, SignatureError, UsageError
from meshaid.protocol.record import (
    MAX_RECORD_BYTES,
    SIGNATURE_BYTES,
    WIRE_VERSION,
    decode,
    origin_id,
    sign,
)
from recordgen import SIGNERS, bodies

KEY = SigningKey(bytes(range(32)))
ORIGIN = origin_id(bytes(KEY.verify_key))


@given(bodies())
def test_signed_record_round_trips(body):  # type: ignore[no-untyped-def]
    body = replace(body, origin=ORIGIN)
    rec = sign(body, KEY)
    assert rec.raw[0] == WIRE_VERSION
    back = decode(rec.raw)
    assert back.body == body
    assert back.raw == rec.raw
    back.verify(bytes(KEY.verify_key))


@given(st.binary(max_size=600))
def test_garbage_raises_only_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode(data)


def test_signature_covers_every_byte() -> None:
    rec = SIGNERS[0].create("need tarp for roof")
    for i in range(len(rec.raw) - SIGNATURE_BYTES):
        flipped = bytearray(rec.raw)
        flipped[i] ^= 0x01
        try:
            decode(bytes(flipped)).verify(SIGNERS[0].public_key)
        except DecodeError:
            continue
        raise AssertionError(f"flipping byte {i} went unnoticed")


def test_wrong_key_is_refused() -> None:
    rec = SIGNERS[0].create()
    with pytest.raises(SignatureError):
        rec.verify(SIGNERS[1].public_key)


def test_size_is_checked_before_parsing() -> None:
    with pytest.raises(DecodeError, match="size"):
        decode(b"\x01" + b"\x00" * MAX_RECORD_BYTES)
    with pytest.raises(DecodeError, match="size"):
        decode(b"\x01" * 10)


def test_non_canonical_encoding_is_refused() -> None:
    rec = SIGNERS[0].create("blankets")
    body = rec.raw[1:-SIGNATURE_BYTES]
    # The same fields with the origin written twice: valid protobuf, not canonical.
    origin_field = board_pb2.Record(origin=rec.body.origin).SerializeToString()
    with pytest.raises(DecodeError, match="canonical"):
        decode(rec.raw[:1] + origin_field + body + rec.signature)


def test_fields_from_a_newer_node_survive_and_verify() -> None:
    signer = SIGNERS[0]
    signer.seq += 1
    msg = board_pb2.Record(origin=signer.origin, seq=signer.seq, packed_text=b"\x00hi")
    # Field 40, a varint this version does not know, as a newer node might add.
    body = msg.SerializeToString(deterministic=True) + bytes([40 << 3 & 0x7F | 0x80, 40 >> 4, 7])
    signed = bytes([WIRE_VERSION]) + body
    raw = signed + signer.key.sign(b"meshaid/record/v1\x00" + signed).signature
    rec = decode(raw)
    rec.verify(signer.public_key)
    assert rec.raw == raw and rec.body.text == "hi"


def test_text_over_the_limit_says_by_how_much() -> None:
    with pytest.raises(UsageError, match="5 over the limit of 200"):
        SIGNERS[0].create("x" * 205)


def test_unknown_enum_values_are_refused() -> None:
    # A node cannot show a value it does not know truthfully (a status 7 as "open").
    signer = SIGNERS[1]
    for field, value in (("category", 99), ("kind", 9), ("urgency", 4), ("status", 7)):
        signer.seq += 1
        msg = board_pb2.Record(origin=signer.origin, seq=signer.seq)
        setattr(msg, field, value)
        signed = bytes([WIRE_VERSION]) + msg.SerializeToString(deterministic=True)
        raw = signed + signer.key.sign(b"meshaid/record/v1\x00" + signed).signature
        with pytest.raises(DecodeError, match="out of range"):
            decode(raw)


def test_groups_and_known_fields_of_another_wire_type_are_refused_unknown_fields_kept() -> None:
    signer = SIGNERS[1]
    for extra, ok in ((b"\xf3\x01" * 40 + b"\xf4\x01" * 40, False),  # nested groups
                      (b"\x48\x05", False),  # packed_text (9) as a varint
                      (b"\xa8\x02\x05", True)):  # field 37, a varint: a newer node's
        signer.seq += 1
        body = board_pb2.Record(origin=signer.origin, seq=signer.seq,
                                created=5).SerializeToString(deterministic=True) + extra
        signed = bytes([WIRE_VERSION]) + body
        raw = signed + signer.key.sign(b"meshaid/record/v1\x00" + signed).signature
        if ok:
            assert decode(raw).raw == raw
        else:
            with pytest.raises(DecodeError):
                decode(raw)


@given(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=60,
               max_size=66), st.randoms(use_true_random=False))
def test_a_post_of_200_bytes_that_will_not_compress_travels_in_fragments(text, rnd) -> None:  # type: ignore[no-untyped-def]
    rec = SIGNERS[2].create(text, community=3, zone_id=12)
    assert len(rec.raw) > fragment.DEFAULT_MTU
    parts = fragment.split(rec.raw, msg_id=9)
    parts = parts + parts[:1]
    rnd.shuffle(parts)
    reassembler = fragment.Reassembler()
    out = [reassembler.add(1, part, 0.0) for part in parts]
    (whole,) = [o for o in out if o is not None]
    assert decode(whole).body == rec.body
