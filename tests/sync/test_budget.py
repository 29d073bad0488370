import pytest

from meshaid.protocol.errors import UsageError
from meshaid.sync.budget import AirtimeBudget, Share


def test_ordinary_frames_stop_at_the_share_left_for_them() -> None:
    b = AirtimeBudget(limit=10.0, alert_reserve=0.2)
    for i in range(4):
        assert b.allows(float(i), 2.0)
        b.spend(float(i), 2.0)
    assert b.used(4.0) == 8.0
    assert not b.allows(4.0, 0.5)  # 8 of the 8 ordinary seconds are spent
    assert b.allows(4.0, 2.0, Share.ALERT)  # alerts may use the reserve
    assert b.available_at(4.0, 0.5) == 3600.0  # when the first 2 s leave the window
    assert b.available_at(4.0, 3.0) == 3601.0  # needs two of them gone
    assert b.available_at(4.0, 9.0) == float("inf")  # never fits the ordinary share
    assert b.used(3600.0) == 6.0 and b.allows(3600.0, 2.0)


def test_bulk_frames_stop_first() -> None:
    b = AirtimeBudget(limit=10.0, alert_reserve=0.2, bulk_share=0.5)  # caps 10, 8, 4
    b.spend(0.0, 4.0)
    assert not b.allows(1.0, 0.5, Share.BULK)
    assert b.allows(1.0, 4.0, Share.ORDINARY)
    assert b.available_at(1.0, 0.5, Share.BULK) == 3600.0
    assert (b.cap(Share.ALERT), b.cap(Share.ORDINARY), b.cap(Share.BULK)) == (10.0, 8.0, 4.0)


def test_window_forgets_old_spending_exactly() -> None:
    b = AirtimeBudget(limit=5.0, alert_reserve=0.0, window=100.0)
    b.spend(0.0, 5.0)
    assert not b.allows(99.999, 0.1)
    assert b.allows(100.0, 5.0)


def test_bad_budgets_are_refused() -> None:
    with pytest.raises(UsageError):
        AirtimeBudget(0.0, 0.2)
    with pytest.raises(UsageError):
        AirtimeBudget(10.0, 1.0)
    with pytest.raises(UsageError):
        AirtimeBudget(10.0, 0.2, bulk_share=0.0)
