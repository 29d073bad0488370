"""The neighbour table behind relay pruning (sync/neighbours.py)."""

from meshaid.protocol.frames import MAX_NEIGHBOUR_IDS, short_id
from meshaid.sync.neighbours import NeighbourTable

ME, S, T, U, V = 0x1_0001, 0x2_0002, 0x3_0003, 0x4_0004, 0x5_0005


def table_hearing(*radios: int, now: float = 0.0) -> NeighbourTable:
    table = NeighbourTable(memory=3600.0)
    for radio in radios:
        table.heard(radio, now)
    return table


def test_our_list_is_the_short_ids_of_the_radios_we_hear_ascending() -> None:
    table = table_hearing(U, S, T)
    assert table.advertised(1.0) == tuple(sorted(short_id(r) for r in (S, T, U)))


def test_radios_not_heard_for_the_memory_are_forgotten_with_their_lists() -> None:
    table = table_hearing(S, T)
    table.learn(S, [short_id(T)])
    table.heard(T, 3000.0)
    assert table.advertised(3700.0) == (short_id(T),)
    assert not table.knows_list(S)


def test_a_sender_whose_list_we_lack_covers_only_itself() -> None:
    table = table_hearing(S, T, U)
    assert table.uncovered([S], ME, 1.0) == 2


def test_a_senders_list_covers_the_neighbours_on_it() -> None:
    table = table_hearing(S, T, U)
    table.learn(S, [short_id(ME), short_id(T)])
    assert table.uncovered([S], ME, 1.0) == 1  # U is beyond S
    table.learn(T, [short_id(U)])
    assert table.uncovered([S, T], ME, 1.0) == 0  # T's copy reached U


def test_a_later_list_replaces_the_earlier_one() -> None:
    table = table_hearing(S, T)
    table.learn(S, [short_id(T)])
    table.learn(S, [])
    assert table.uncovered([S], ME, 1.0) == 1


def test_lists_from_radios_we_do_not_hear_or_too_long_are_ignored() -> None:
    table = table_hearing(S, T)
    table.learn(V, [short_id(T)])
    assert not table.knows_list(V)
    table.learn(S, range(MAX_NEIGHBOUR_IDS + 1))
    assert not table.knows_list(S)
    assert table.uncovered([V], ME, 1.0) == 2


def test_a_crowded_neighbourhood_lists_the_most_recently_heard() -> None:
    table = NeighbourTable(memory=3600.0)
    radios = [0x100 + i for i in range(MAX_NEIGHBOUR_IDS + 5)]
    for when, radio in enumerate(radios):
        table.heard(radio, float(when))
    listed = table.advertised(100.0)
    assert len(listed) == MAX_NEIGHBOUR_IDS
    assert listed == tuple(short_id(r) for r in radios[5:])


def test_a_covered_neighbour_with_radios_beyond_the_copy_will_relay() -> None:
    # S reached us and T; T also hears U, whom S's copy did not reach.
    table = table_hearing(S, T)
    table.learn(S, [short_id(ME), short_id(T)])
    table.learn(T, [short_id(ME), short_id(S), short_id(U)])
    assert table.uncovered([S], ME, 1.0) == 0
    assert table.others_reach_further([S], ME, 1.0)
    table.learn(T, [short_id(ME), short_id(S)])  # a clique: nobody reaches further
    assert not table.others_reach_further([S], ME, 1.0)
