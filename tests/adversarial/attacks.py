"""The adversarial suite: each class of attack, injected into a daemon as the air brings it.

A target neighbourhood of three nodes formed by the committee's own commands (A founds,
B and R join; R is then removed, so A holds epoch 2 and R only epoch 1). A's daemon runs
in-process on an in-memory radio, clocked by hand. Each attack class builds ``count``
variants from a seeded random generator; each variant is a list of frames heard by A's
radio from some radio id, and the records in them that must not get through. After each
class the daemon runs for a simulated minute, answering whatever it answers, and the
suite checks that

* A's store holds exactly what it held before (records and entries),
* A's engine holds none of the bad records, and
* no frame A sent (opened with its own keys) carries a bad record.

``run_suite`` returns one Outcome per class: what was injected and what got through;
tests/adversarial/test_attacks.py asserts nothing got through, and SECURITY.md gives the
counts (scripts/security_suite.py prints them).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from membership_kit import carry, form, new_node
from nacl.signing import SigningKey

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.radio_config import RadioConfig
from meshaid.node.daemon.service import Daemon
from meshaid.node.home import KEY_FILE
from meshaid.node.keys import load_key
from meshaid.node.membership import commands
from meshaid.node.membership.keyring import Keyring
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import Node, PostRequest
from meshaid.protocol import fragment, frames, seal
from meshaid.protocol.errors import DecodeError
from meshaid.protocol.frames import (
    DigestEntry,
    DigestFrame,
    GoneFrame,
    RecordsFrame,
    RequestFrame,
    SeqRange,
)
from meshaid.protocol.record import (
    SIGN_DOMAIN,
    Category,
    Kind,
    RecordBody,
    SignedRecord,
    Status,
    origin_id,
    sign,
)
from meshaid.sync.config import SyncConfig

RADIO_A, RADIO_B, RADIO_R, PHONE = 0x4D41_0001, 0x4D41_0002, 0x4D41_0003, 0x5048_0009
VERSION = b"\x01"


@dataclass
class Member:
    """A node's signing key as an attacker holding it would use it."""

    key: SigningKey
    origin: int
    seq: int

    @classmethod
    def of(cls, node: Node) -> Member:
        key = load_key(node.home.root / KEY_FILE)
        return cls(key, origin_id(bytes(key.verify_key)), node.store.next_seq() + 100)

    def sign(self, **fields: object) -> SignedRecord:
        self.seq += 1
        values: dict[str, object] = {"kind": Kind.OFFER, "category": Category.FOOD,
                                     "text": "rice and beans", "created": 1_500_000}
        values.update(fields)
        return sign(RecordBody(origin=self.origin, seq=self.seq, **values), self.key)  # type: ignore[arg-type]


@dataclass
class Variant:
    frames: list[bytes]  # payloads as A's radio hears them
    bad: list[bytes]  # raw records that must not be stored, held or relayed
    sender: int = RADIO_B
    texts: tuple[str, ...] = ()  # direct messages from PHONE instead of frames


@dataclass(frozen=True)
class Outcome:
    name: str
    variants: int
    frames: int
    bad_records: int
    stored: int  # bad records found in A's store afterwards
    held: int  # ... held by A's engine
    relayed: int  # ... in frames A sent
    store_changed: bool
    equivocations: int  # the store's count so far: the origins it flagged


class Target:
    """A's daemon, and the keys an attacker in each role holds."""

    def __init__(self, tmp: Path) -> None:
        self.a, self.b, self.r = (new_node(tmp / n, n) for n in ("a", "b", "r"))
        form(self.a, [self.b, self.r])
        for text in ("tarps for two roofs", "water for the block", "rides to the clinic"):
            self.a.post(PostRequest(kind="offer", text=text, category="shelter"))
        self.b.post(PostRequest(kind="need", text="diapers size 3", category="childcare"))
        carry(self.b, [self.a])
        commands.remove_node(self.a, self.r.config.name)
        self.radio = MemoryRadio(RADIO_A)
        self.daemon = Daemon(self.a, self.radio, RadioConfig(), sync_config=SyncConfig(),
                             rng=random.Random(1), control_path=tmp / "a" / "control.sock")
        self.now = 0.0
        self.sent: list[bytes] = []
        self.run(5)
        nb = Neighbourhood(self.a)
        self.keyring: Keyring = nb.keyring
        current = self.keyring.current()
        assert current is not None and current.epoch == 2
        self.epoch = current
        old = Neighbourhood(self.r).keyring.current()
        assert old is not None and old.epoch == 1
        self.old_epoch = old
        self.member_b, self.removed_r = Member.of(self.b), Member.of(self.r)
        self.a_entries = [r for r in self.a.store.records_of(self.a.store.origin)
                          if not r.body.control]

    def close(self) -> None:
        for n in (self.a, self.b, self.r):
            n.close()

    def run(self, seconds: float) -> None:
        end = self.now + seconds
        while self.now < end:
            self.daemon.step(self.now)
            self.sent += [s.payload for s in self.radio.take_sent()]
            self.radio.take_texts()
            self.now += 0.5

    def sealed(self, payload: bytes, rng: random.Random, old: bool = False) -> bytes:
        held = self.old_epoch if old else self.epoch
        return seal.seal(held.key, held.epoch, rng.randbytes(seal.NONCE_BYTES), payload)

    def push(self, records: list[bytes], rng: random.Random, old: bool = False) -> bytes:
        return self.sealed(frames.encode(RecordsFrame(tuple(records), relay=True)), rng, old)

    def fingerprint(self) -> str:
        with self.a.store.reading() as conn:
            rows = conn.execute("SELECT origin, seq, raw FROM records ORDER BY origin, seq")
            h = hashlib.sha256()
            for origin, seq, raw in rows:
                h.update(f"{origin}/{seq}/".encode() + bytes(raw))
            for row in conn.execute("SELECT * FROM entries ORDER BY 1, 2"):
                h.update(repr(tuple(row)).encode())
        return h.hexdigest()

    def relayed_records(self) -> set[bytes]:
        """Every record in a frame A sent, as A's own keys open it."""
        out: set[bytes] = set()
        parts = fragment.Reassembler(max_messages=64, max_bytes=1 << 16,
                                     max_message_bytes=1 << 15)
        for frame in self.sent:
            payload = self.keyring.open(frame)
            if payload is None:
                continue
            try:
                decoded = frames.decode(payload)
            except DecodeError:
                continue
            if isinstance(decoded, frames.FragmentFrame):
                whole = parts.add(RADIO_A, decoded.fragment, 0.0)
                if whole is None:
                    continue
                try:
                    decoded = frames.decode(whole)
                except DecodeError:
                    continue
            if isinstance(decoded, RecordsFrame):
                out.update(decoded.records)
        return out


# -- the attack classes ----------------------------------------------------------------------

Build = Callable[[Target, random.Random], Variant]


def _varint(value: int) -> bytes:
    """A protobuf varint of any size (frames.varint stops at 32 bits, as records do)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _text(rng: random.Random) -> str:
    return rng.choice(["free bread at the church", "need a ride to the clinic",
                       "tarps and rope", "agua para tres familias"]) + f" #{rng.randrange(999)}"


def bad_signature(t: Target, rng: random.Random) -> Variant:
    rec = t.member_b.sign(text=_text(rng))
    raw = bytearray(rec.raw)
    raw[-1 - rng.randrange(64)] ^= 1 << rng.randrange(8)
    return Variant([t.push([bytes(raw)], rng)], [bytes(raw)])


def unknown_origin(t: Target, rng: random.Random) -> Variant:
    stranger = Member(SigningKey(rng.randbytes(32)), 0, 0)
    stranger.origin = origin_id(bytes(stranger.key.verify_key))
    rec = stranger.sign(text=_text(rng))
    return Variant([t.push([rec.raw], rng)], [rec.raw])


def revoked_past_cutoff(t: Target, rng: random.Random) -> Variant:
    rec = t.removed_r.sign(text=_text(rng))
    # R still holds epoch 1, which A still opens: only the roster stops it.
    return Variant([t.push([rec.raw], rng, old=True)], [rec.raw], sender=RADIO_R)


def replayed_record(t: Target, rng: random.Random) -> Variant:
    rec = rng.choice(t.a_entries)
    # Held already: taken as a duplicate, not stored again nor relayed as news.
    return Variant([t.push([rec.raw], rng)], [])


def equivocation(t: Target, rng: random.Random) -> Variant:
    # B signs another record for a seq it already used: kept as evidence only.
    held = t.b.store.records_of(t.b.store.origin)[-1]
    twin = sign(replace(held.body, text=_text(rng)), t.member_b.key)
    return Variant([t.push([twin.raw], rng)], [])


def wrong_neighbourhood(t: Target, rng: random.Random) -> Variant:
    rec = t.member_b.sign(text=_text(rng))
    other = seal.seal(rng.randbytes(32), t.epoch.epoch, rng.randbytes(24),
                      frames.encode(RecordsFrame((rec.raw,))))
    return Variant([other], [rec.raw])


def unknown_epoch(t: Target, rng: random.Random) -> Variant:
    rec = t.member_b.sign(text=_text(rng))
    frame = seal.seal(rng.randbytes(32), rng.choice([3, 7, 65535]), rng.randbytes(24),
                      frames.encode(RecordsFrame((rec.raw,))))
    return Variant([frame], [rec.raw])


def outsider_claims(t: Target, rng: random.Random) -> Variant:
    """Digest, request and pruned-range frames as an outsider sends them: in clear, or
    sealed with a key of its own."""
    origin = rng.choice([t.a.store.origin, t.b.store.origin])
    claims: list[frames.Frame] = [
        DigestFrame(rng.randbytes(frames.HASH_BYTES), 2**32 - 2, (DigestEntry(origin, 2**32 - 2),)),
        GoneFrame((SeqRange(origin, 1, 2**32 - 2),)),
        RequestFrame((SeqRange(origin, 1, 0),)),
    ]
    out = []
    for claim in claims:
        payload = frames.encode(claim)
        out.append(payload if rng.random() < 0.5 else
                   seal.seal(rng.randbytes(32), t.epoch.epoch, rng.randbytes(24), payload))
    return Variant(out, [])


def truncated_or_oversized(t: Target, rng: random.Random) -> Variant:
    rec = t.member_b.sign(text=_text(rng))
    whole = frames.encode(RecordsFrame((rec.raw,)))
    cut = t.sealed(whole[: rng.randrange(1, len(whole) - 1)], rng)
    long = t.sealed(whole + rng.randbytes(rng.randrange(1, 40)), rng)
    sealed = t.sealed(whole, rng)
    return Variant([cut, long, sealed[: rng.randrange(1, len(sealed) - 1)],
                    rng.randbytes(300)], [rec.raw])


def fragment_bomb(t: Target, rng: random.Random) -> Variant:
    out = []
    for _ in range(40):
        count = rng.randrange(2, 256)
        head = bytes([frames.header(frames.FrameType.FRAGMENT), rng.randrange(256),
                      rng.randrange(count), count])
        out.append(t.sealed(head + rng.randbytes(rng.randrange(1, 150)), rng))
    return Variant(out, [], sender=rng.randrange(1, 2**32 - 2))


def _raw_body(t: Target, member: Member, body: bytes) -> bytes:
    """A record whose body bytes are ``body``, validly signed by ``member``."""
    return VERSION + body + member.key.sign(SIGN_DOMAIN + VERSION + body).signature


def deep_nesting(t: Target, rng: random.Random) -> Variant:
    # Unknown groups (wire type 3) nested far deeper than a parser should recurse, after a
    # valid body; and a control record whose roster change nests the same way.
    depth = rng.randrange(60, 90)
    groups = b"\xf3\x01" * depth + b"\xf4\x01" * depth
    body = t.member_b.sign(text="x").raw[1:-64]
    raw = _raw_body(t, t.member_b, body + groups)
    control = b"\x9a\x01" + frames.varint(len(groups)) + groups  # field 19, bytes
    raw2 = _raw_body(t, t.member_b, body + control)
    return Variant([t.push([raw], rng), t.push([raw2], rng)], [raw, raw2])


def invalid_utf8(t: Target, rng: random.Random) -> Variant:
    body = bytearray(t.member_b.sign(text="x").raw[1:-64])
    bad = rng.choice([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x80abc"])
    zone = b"\x92\x01" + bytes([len(bad)]) + bad  # zone_name (18), not valid UTF-8
    raw = _raw_body(t, t.member_b, bytes(body) + zone)
    return Variant([t.push([raw], rng)], [raw])


def integers_out_of_range(t: Target, rng: random.Random) -> Variant:
    body = t.member_b.sign(text="x").raw[1:-64]
    extra = rng.choice([
        b"\x28" + _varint(rng.randrange(4, 2**20)),  # kind beyond ALERT
        b"\x30" + _varint(rng.randrange(14, 2**20)),  # category beyond OTHER
        b"\x60" + _varint(rng.randrange(4, 2**20)),  # urgency
        b"\x70" + _varint(rng.randrange(4, 2**20)),  # status
        b"\x10" + _varint(2**33),  # seq beyond 32 bits
        b"\x50" + _varint(2**40),  # created beyond 32 bits
    ])
    raw = _raw_body(t, t.member_b, body + extra)
    return Variant([t.push([raw], rng)], [raw])


def spoofed_sender(t: Target, rng: random.Random) -> Variant:
    """Claims under a member's radio id by an outsider (the header is not signed)."""
    rec = SigningKey(rng.randbytes(32))
    stranger = Member(rec, origin_id(bytes(rec.verify_key)), 0)
    record = stranger.sign(text=_text(rng))
    payload = frames.encode(RecordsFrame((record.raw,)))
    return Variant([payload, seal.seal(rng.randbytes(32), 2, rng.randbytes(24), payload)],
                   [record.raw], sender=RADIO_B)


def phone_post_from_a_stranger(t: Target, rng: random.Random) -> Variant:
    return Variant([], [], texts=(f"need {_text(rng)}", "offer soup for 10 tonight"))


def status_change_by_another(t: Target, rng: random.Random) -> Variant:
    entry = rng.choice(t.a_entries)
    change = t.member_b.sign(
        kind=entry.body.kind, category=entry.body.category, text=entry.body.text,
        created=entry.body.created, entry_seq=entry.body.seq, entry_origin=t.a.store.origin,
        version=entry.body.version + 1, status=Status.WITHDRAWN)
    return Variant([t.push([change.raw], rng)], [change.raw])


ATTACKS: dict[str, Build] = {
    "bad signature": bad_signature,
    "unknown origin": unknown_origin,
    "revoked origin past its cutoff (on the old epoch it still holds)": revoked_past_cutoff,
    "replayed record": replayed_record,
    "equivocation (a member signs two records for one seq)": equivocation,
    "wrong neighbourhood (another key)": wrong_neighbourhood,
    "unknown epoch": unknown_epoch,
    "forged digest / request / pruned range from an outsider": outsider_claims,
    "truncated and oversized frames": truncated_or_oversized,
    "fragment bomb": fragment_bomb,
    "deep nesting": deep_nesting,
    "invalid UTF-8": invalid_utf8,
    "integers out of range": integers_out_of_range,
    "spoofed sender id": spoofed_sender,
    "phone post from a radio not on the roster": phone_post_from_a_stranger,
    "status change by another member": status_change_by_another,
}


def run_attack(t: Target, name: str, count: int, seed: int = 1) -> Outcome:
    rng = random.Random(f"{seed}/{name}")
    before = t.fingerprint()
    bad: list[bytes] = []
    heard = 0
    for _ in range(count):
        v = ATTACKS[name](t, rng)
        for payload in v.frames:
            t.radio.hear(payload, v.sender)
            heard += 1
        for text in v.texts:
            t.radio.hear_text(text, PHONE)
            heard += 1
        bad += v.bad
        t.run(1)
    t.run(60)
    with t.a.store.reading() as conn:
        stored = sum(1 for raw in bad if conn.execute(
            "SELECT 1 FROM records WHERE raw = ?", (raw,)).fetchone())
    engine = t.daemon.engine
    assert engine is not None
    held = sum(1 for raw in bad if any(r.raw == raw for r in engine.records()))
    relayed_now = t.relayed_records()
    relayed = sum(1 for raw in bad if raw in relayed_now)
    flagged = t.a.store.counters().get("records.equivocation", 0)
    return Outcome(name, count, heard, len(bad), stored, held, relayed,
                   t.fingerprint() != before, flagged)


def run_suite(tmp: Path, count: int = 10, seed: int = 1) -> list[Outcome]:
    t = Target(tmp)
    try:
        return [run_attack(t, name, count, seed) for name in ATTACKS]
    finally:
        t.close()
