"""Holdings: which record a node keeps for each (origin, seq), and when it prunes it."""

from __future__ import annotations

from meshaid.sync.holdings import Holdings
from recordgen import Signer

DAY = 24 * 60


def test_replacing_a_record_keeps_the_new_one_until_its_own_expiry() -> None:
    signer = Signer(7)
    short = signer.create("soup tonight", created=1_500_000, lifetime=DAY)
    signer.seq -= 1
    long = signer.create("soup all week", created=1_500_000, lifetime=7 * DAY)
    held = Holdings(prune_margin_minutes=0)
    held.store(short, first_seen=1_500_000)
    assert held.replace(long) == short
    assert held.get(long.record_id) == long and held.is_evidence(short)
    assert held.id_of(short.raw) is None and held.id_of(long.raw) == long.record_id
    assert held.is_newest(long)
    assert held.prune(1_500_000 + 2 * DAY) == []  # the short one's expiry passed: not pruned
    assert held.prune(1_500_000 + 8 * DAY) == [long.record_id]
    assert held.vector.knows(long.record_id.origin, long.record_id.seq)


def test_loading_two_records_for_one_seq_holds_the_lower_digest() -> None:
    signer = Signer(8)
    one = signer.create("ride to the clinic")
    signer.seq -= 1
    other = signer.create("ride to the market")
    for order in ((one, other), (other, one)):
        held = Holdings(prune_margin_minutes=0)
        held.load(order)
        assert list(held) == [min(one, other, key=lambda r: r.digest)]
