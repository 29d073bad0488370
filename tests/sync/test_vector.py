import random

from hypothesis import given
from hypothesis import strategies as st

from meshaid.sync.vector import KnownSeqs, VersionVector


def test_known_seqs_keep_gaps() -> None:
    k = KnownSeqs()
    for seq in (1, 2, 5, 7, 3):
        assert k.add(seq)
    assert not k.add(2)
    assert (k.upto, k.gaps, k.highest, k.count) == (3, 2, 7, 5)
    assert k.missing(9) == [(4, 4), (6, 6), (8, 9)]
    assert list(k.known_runs()) == [(1, 3), (5, 5), (7, 7)]
    assert k.add_range(4, 6) == 2  # 4 and 6 were missing
    assert (k.upto, k.gaps) == (7, 0)


def test_a_long_run_joining_the_front_costs_nothing_per_seq() -> None:
    k = KnownSeqs()
    assert k.add_range(1, 4_000_000_000) == 4_000_000_000
    assert k.gaps == 0 and k.missing(4_000_000_001) == [(4_000_000_001, 4_000_000_001)]


@given(st.lists(st.integers(1, 60), max_size=80), st.integers(0, 2**32 - 1))
def test_hash_depends_on_the_set_not_the_order(seqs: list[int], seed: int) -> None:
    a, b = VersionVector(), VersionVector()
    for seq in seqs:
        a.add(seq % 3 + 1, seq)
    shuffled = list(seqs)
    random.Random(seed).shuffle(shuffled)
    for seq in shuffled:
        b.add(seq % 3 + 1, seq)
    assert a.digest_hash() == b.digest_hash() and a.total == b.total == len(set(seqs))
    if seqs:
        b.add(4, 1)
        assert a.digest_hash() != b.digest_hash()


def test_missing_matches_a_plain_set() -> None:
    rng = random.Random(3)
    for _ in range(200):
        held = {rng.randint(1, 40) for _ in range(rng.randint(0, 40))}
        k = KnownSeqs()
        for seq in held:
            k.add(seq)
        through = rng.randint(0, 45)
        expected = [s for s in range(1, through + 1) if s not in held]
        got = [s for a, b in k.missing(through) for s in range(a, b + 1)]
        assert got == expected
        assert [s for a, b in k.known_runs() for s in range(a, b + 1)] == sorted(held)
