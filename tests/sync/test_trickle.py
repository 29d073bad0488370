import random

import pytest

from meshaid.protocol.errors import UsageError
from meshaid.sync.trickle import Trickle


def run(t: Trickle, until: float, hear: dict[int, int] | None = None) -> list[float]:
    """Transmission times up to ``until``, stepping one second; ``hear`` maps a whole
    second to how many consistent transmissions are heard in it."""
    sent = []
    now = 0.0
    while now <= until:
        for _ in range((hear or {}).get(int(now), 0)):
            t.hear_consistent()
        if t.advance(now):
            sent.append(now)
        now += 1.0
    return sent


def test_intervals_double_up_to_imax_with_one_send_each() -> None:
    t = Trickle(10, 80, 1, random.Random(1))
    t.start(0.0)
    sent = run(t, 400)
    # Intervals [0,10) [10,30) [30,70) [70,150) [150,230) [230,310) [310,390): one send
    # in the second half of each.
    starts = [0, 10, 30, 70, 150, 230, 310, 390]
    for a, b, when in zip(starts, starts[1:], sent, strict=False):
        assert a + (b - a) / 2 <= when < b
    assert len(sent) == 7 and t.interval == 80


def test_hearing_k_consistent_suppresses() -> None:
    t = Trickle(100, 100, 2, random.Random(2))
    t.start(0.0)
    # Heard within each interval's first half, before its t: counted in that interval.
    twice = {s: 2 for s in range(1, 1000, 100)}
    assert run(t, 999, twice) == []
    t2 = Trickle(100, 100, 2, random.Random(2))
    t2.start(0.0)
    once = {s: 1 for s in range(1, 1000, 100)}
    assert len(run(t2, 999, once)) == 10  # only 1 < k heard


def test_inconsistency_resets_to_imin_once() -> None:
    t = Trickle(10, 1000, 1, random.Random(3))
    t.start(0.0)
    run(t, 500)
    assert t.interval > 10
    t.hear_inconsistent(501.0)
    assert t.interval == 10 and t.interval_start == 501.0
    deadline = t.next_deadline()
    assert deadline is not None and 506.0 <= deadline < 511.0
    t.hear_inconsistent(502.0)  # already at Imin: nothing changes (RFC 6206 rule 6)
    assert t.interval_start == 501.0


def test_a_long_pause_does_not_replay_missed_intervals() -> None:
    t = Trickle(10, 100, 1, random.Random(4))
    t.start(0.0)
    assert t.advance(100_000.0)  # one send, not thousands
    assert t.interval_start == 100_000.0


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(UsageError):
        Trickle(0, 10, 1, random.Random())
    with pytest.raises(UsageError):
        Trickle(10, 5, 1, random.Random())
    with pytest.raises(UsageError):
        Trickle(1, 5, 0, random.Random())


def test_an_announcement_is_one_short_interval_then_the_interrupted_one() -> None:
    t = Trickle(10, 1000, 1, random.Random(5))
    t.start(0.0, 1000)
    t.announce(100.0, 60)
    assert t.interval == 60 and t.interval_start == 100.0
    # One send in [130, 160), then the 1000 s interval again from 160 (no 120, 240, ...).
    first = run_from(t, 100.0, 159.0)
    assert len(first) == 1 and 130.0 <= first[0] < 160.0
    second = run_from(t, 160.0, 1159.0)
    assert t.interval == 1000 and t.interval_start == 160.0
    assert len(second) == 1 and 660.0 <= second[0] < 1160.0


def test_announcing_again_keeps_the_interval_to_resume() -> None:
    t = Trickle(10, 1000, 1, random.Random(6))
    t.start(0.0, 1000)
    t.announce(100.0, 60)
    t.announce(120.0, 60)  # already that short: nothing changes
    assert t.interval_start == 100.0
    t.announce(150.0, 30)  # shorter: restarts, still resuming 1000 afterwards
    run_from(t, 150.0, 200.0)
    assert t.interval == 1000


def test_an_announcement_does_not_lengthen_a_short_interval() -> None:
    t = Trickle(10, 1000, 1, random.Random(7))
    t.start(0.0)  # Imin
    t.announce(1.0, 60)
    assert t.interval == 10 and t.interval_start == 0.0


def test_an_inconsistency_during_an_announcement_doubles_up_again() -> None:
    t = Trickle(10, 1000, 1, random.Random(8))
    t.start(0.0, 1000)
    t.announce(100.0, 60)
    t.hear_inconsistent(110.0, 60)  # same length: kept, but Trickle doubles from here
    assert t.interval_start == 100.0
    run_from(t, 110.0, 170.0)
    assert t.interval == 120
    t.announce(300.0, 60)
    t.hear_inconsistent(301.0)  # an alert: Imin, then doubling
    assert t.interval == 10
    run_from(t, 301.0, 320.0)
    assert t.interval == 20


def run_from(t: Trickle, start: float, until: float) -> list[float]:
    """Like ``run``, from ``start``."""
    sent = []
    now = start
    while now <= until:
        if t.advance(now):
            sent.append(now)
        now += 1.0
    return sent
