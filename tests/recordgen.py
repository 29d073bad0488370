"""Keys, records and Hypothesis strategies shared by the tests."""

from __future__ import annotations

from hypothesis import strategies as st
from nacl.signing import SigningKey

from meshaid.protocol.record import (
    MAX_TIME_MINUTES,
    Category,
    EntryId,
    Kind,
    RecordBody,
    SignedRecord,
    Status,
    Urgency,
    origin_id,
    sign,
)


class Signer:
    """A test node: a deterministic key and its own sequence counter."""

    def __init__(self, n: int) -> None:
        self.key = SigningKey(bytes([n]) * 32)
        self.public_key = bytes(self.key.verify_key)
        self.origin = origin_id(self.public_key)
        self.seq = 0

    def make(self, **fields: object) -> SignedRecord:
        self.seq += 1
        values: dict[str, object] = {
            "kind": Kind.OFFER, "category": Category.FOOD, "text": "", "created": 1_500_000,
        }
        values.update(fields)
        return sign(RecordBody(origin=self.origin, seq=self.seq, **values), self.key)  # type: ignore[arg-type]

    def create(self, text: str = "rice and beans", **fields: object) -> SignedRecord:
        return self.make(text=text, **fields)

    def change(self, entry: SignedRecord, version: int, **fields: object) -> SignedRecord:
        body = entry.body
        values: dict[str, object] = {
            "kind": body.kind, "category": body.category, "text": body.text,
            "created": body.created, "community": body.community, "zone_id": body.zone_id,
        }
        values.update(fields)
        return self.make(entry_seq=body.seq, version=version, **values)


SIGNERS = [Signer(n) for n in range(1, 5)]
KEYS = {s.origin: s.public_key for s in SIGNERS}

# Records carry no control characters but tab and newline (record.py refuses them).
_RECORD_CHARS = st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n")
texts = st.text(_RECORD_CHARS, max_size=60).filter(lambda t: len(t.encode("utf-8")) <= 200)


@st.composite
def bodies(draw: st.DrawFn) -> RecordBody:
    creating = draw(st.booleans())
    ref = draw(st.none() | st.builds(EntryId, st.integers(1, 2**32 - 1), st.integers(1, 2**32 - 1)))
    return RecordBody(
        origin=draw(st.integers(1, 2**32 - 1)),
        seq=draw(st.integers(1, 2**32 - 1)),
        entry_seq=0 if creating else draw(st.integers(1, 2**32 - 1)),
        version=0 if creating else draw(st.integers(1, 2**32 - 1)),
        kind=draw(st.sampled_from(Kind)),
        category=draw(st.sampled_from(Category)),
        text=draw(texts),
        created=draw(st.integers(0, MAX_TIME_MINUTES)),
        community=draw(st.integers(0, 2**32 - 1)),
        zone_id=draw(st.integers(0, 2**32 - 1)),
        zone_name=draw(st.text(_RECORD_CHARS, max_size=10)),
        lifetime=draw(st.integers(0, MAX_TIME_MINUTES)),
        urgency=draw(st.sampled_from(Urgency)),
        when=draw(st.integers(0, MAX_TIME_MINUTES)),
        status=draw(st.sampled_from(Status)),
        ref=ref,
    )
