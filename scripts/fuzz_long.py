"""Long coverage-guided fuzzing of what a node takes from the air and from residents' phones.

Targets (the same the Hypothesis tests in tests/reliability/test_fuzz_*.py run briefly):

* ``frames``: ``protocol.frames.decode``; only DecodeError may come out, and what decodes
  encodes back to the same frame;
* ``record``: ``protocol.record.decode`` and ``decode_stored``; only DecodeError;
* ``fragment``: a Reassembler fed the input as fragments from several senders; never
  raises, stays within its bounds;
* ``engine``: a SyncEngine holding a few records fed the input as frames from several
  senders, its timers run after each; never raises;
* ``desk``: the phone desk on a real node home, the input as texts from a member and a
  stranger; never raises, every reply fits one LoRa text.

Needs atheris (``pip install -e '.[fuzz]'``, or ``pip install atheris``):

    python scripts/fuzz_long.py frames -max_total_time=300
    python scripts/fuzz_long.py desk -max_total_time=300 -rss_limit_mb=4096

Arguments after the target go to libFuzzer, which prints its executions and coverage and,
on a crash, the input that caused it (``crash-<hash>``, replayed by giving its path).
"""

from __future__ import annotations

import contextlib
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris  # type: ignore[import-untyped]

from meshaid.protocol import fragment, frames, record
from meshaid.protocol.errors import DecodeError
from meshaid.protocol.record import Category, Kind, RecordBody, origin_id, sign
from meshaid.sync.engine import SyncEngine

SENDERS = (0x11, 0x22, 0x33)


def _signed(n: int, text: str, seq: int) -> record.SignedRecord:
    from nacl.signing import SigningKey

    key = SigningKey(bytes([n]) * 32)
    origin = origin_id(bytes(key.verify_key))
    body = RecordBody(origin=origin, seq=seq, kind=Kind.OFFER, category=Category.FOOD,
                      text=text, created=1_500_000 + seq)
    return sign(body, key)


def fuzz_frames(data: bytes) -> None:
    try:
        frame = frames.decode(data)
    except DecodeError:
        return
    if frames.decode(frames.encode(frame)) != frame:
        raise AssertionError("a decoded frame does not encode back to itself")


def fuzz_record(data: bytes) -> None:
    for decode in (record.decode, record.decode_stored):
        with contextlib.suppress(DecodeError):
            decode(data)


def fuzz_fragment(data: bytes) -> None:
    r = fragment.Reassembler(max_messages=8, max_bytes=4096, max_message_bytes=2048)
    fdp = atheris.FuzzedDataProvider(data)
    now = 0.0
    while fdp.remaining_bytes():
        sender = SENDERS[fdp.ConsumeIntInRange(0, len(SENDERS) - 1)]
        chunk = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 240))
        now += fdp.ConsumeIntInRange(0, 400) / 4
        r.add(sender, chunk, now)
        if r.buffered_bytes > r.max_bytes or r.pending > r.max_messages:
            raise AssertionError("reassembler over its bounds")


_RECORDS = [_signed(n, f"jump leads {n}", seq) for n in (1, 2) for seq in (1, 2)]


def _engine() -> SyncEngine:
    from nacl.signing import SigningKey

    keys = {origin_id(bytes(SigningKey(bytes([n]) * 32).verify_key)):
            bytes(SigningKey(bytes([n]) * 32).verify_key) for n in (1, 2)}
    engine = SyncEngine(keys.get, random.Random(0), node_id=0x5EED)
    engine.add_local(_RECORDS[0], 0.0)
    return engine


def fuzz_engine(data: bytes) -> None:
    engine = _engine()
    fdp = atheris.FuzzedDataProvider(data)
    now = 1.0
    while fdp.remaining_bytes():
        sender = SENDERS[fdp.ConsumeIntInRange(0, len(SENDERS) - 1)]
        engine.receive(fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 240)), sender, now)
        now += fdp.ConsumeIntInRange(0, 600) / 10
        engine.handle_timer(now)
        while engine.poll_transmit(now) is not None:
            pass
        engine.drain_events()


def desk_target() -> Callable[[bytes], None]:
    from meshaid.node.desk.desk import PhoneDesk
    from meshaid.node.phone.replies import MAX_REPLY_BYTES
    from meshaid.node.services import init_node, open_node

    home = Path(tempfile.mkdtemp(prefix="meshaid-fuzz-")) / "home"
    init_node(home, name="fuzz", timezone="UTC", zones=("north block",))
    node = open_node(home)
    member, stranger = 0xA1B2C3D4, 0xBEEF
    desk = PhoneDesk(node, {member})
    clock = [1_780_000_000.0]

    def fuzz_desk(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        sender = member if fdp.ConsumeBool() else stranger
        text = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
        clock[0] += 7.0
        for reply in desk.handle(sender, text, clock[0]):
            if len(reply.text.encode("utf-8")) > MAX_REPLY_BYTES:
                raise AssertionError(f"reply over {MAX_REPLY_BYTES} bytes")

    return fuzz_desk


TARGETS: dict[str, Callable[[], Callable[[bytes], None]]] = {
    "frames": lambda: fuzz_frames,
    "record": lambda: fuzz_record,
    "fragment": lambda: fuzz_fragment,
    "engine": lambda: fuzz_engine,
    "desk": desk_target,
}


def seeds(name: str) -> list[bytes]:
    """Valid inputs to start from: the fuzzer mutates them toward the corners."""
    raws = [r.raw for r in _RECORDS]
    if name == "record":
        return raws
    if name == "fragment":
        return fragment.split(b"".join(raws), 3, mtu=120)
    if name == "desk":
        return [b"\x01offer: 3 blue tarps", b"\x01need ride to clinic tue 6am", b"\x00list",
                b"\x01show ABCD", b"\x01trade: seed swap sun 2pm"]
    return [frames.encode(frames.RecordsFrame(tuple(raws[:2]))),
            frames.encode(frames.DigestFrame(bytes(4), 2, (frames.DigestEntry(
                _RECORDS[0].body.origin, 2),))),
            frames.encode(frames.RequestFrame((frames.SeqRange(
                _RECORDS[0].body.origin, 1, 2),)))]


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: fuzz_long.py {{{','.join(TARGETS)}}} [libFuzzer options] [corpus]")
    name = sys.argv[1]
    target = TARGETS[name]()
    args = sys.argv[2:]
    if not any(not arg.startswith("-") for arg in args):  # no corpus given: a seeded one
        corpus = Path(tempfile.mkdtemp(prefix=f"meshaid-fuzz-{name}-"))
        for i, seed in enumerate(seeds(name)):
            (corpus / f"seed{i}").write_bytes(seed)
        args.append(str(corpus))
    atheris.instrument_all()
    atheris.Setup([sys.argv[0], *args], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
