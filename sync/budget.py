"""A rolling-hour airtime budget with shares reserved for alerts and for fresh records.

Every frame sent is charged its airtime at the moment it is handed to the radio. Frames
come in three classes with nested caps: alerts may use the whole budget; ordinary frames
(pushes, relays, digests, requests) the budget less the alert reserve; bulk frames
(answers to neighbours catching up) only a share of that, so that a neighbour's cold
start cannot hold back the relaying of new records for an hour.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from enum import IntEnum

from meshaid.protocol.errors import UsageError

HOUR = 3600.0
_EPSILON = 1e-9


class Share(IntEnum):
    ALERT = 0
    ORDINARY = 1
    BULK = 2


class AirtimeBudget:
    def __init__(
        self, limit: float, alert_reserve: float, bulk_share: float = 1.0, window: float = HOUR
    ) -> None:
        if limit <= 0 or window <= 0:
            raise UsageError("airtime budget and window must be positive")
        if not 0 <= alert_reserve < 1:
            raise UsageError("alert reserve is a share of the budget, 0 <= share < 1")
        if not 0 < bulk_share <= 1:
            raise UsageError("bulk share is a share of the ordinary budget, 0 < share <= 1")
        self.limit = limit
        self.window = window
        self._caps = {
            Share.ALERT: limit,
            Share.ORDINARY: limit * (1 - alert_reserve),
            Share.BULK: limit * (1 - alert_reserve) * bulk_share,
        }
        self._spent: deque[tuple[float, float]] = deque()  # (when, seconds), oldest first
        self._used = 0.0

    def _forget(self, now: float) -> None:
        while self._spent and self._spent[0][0] + self.window <= now:
            self._used -= self._spent.popleft()[1]
        if not self._spent:
            self._used = 0.0  # no float drift once the window is empty

    def used(self, now: float) -> float:
        """Airtime spent in the window that ends at ``now``."""
        self._forget(now)
        return self._used

    def cap(self, share: Share) -> float:
        return self._caps[share]

    def allows(self, now: float, airtime: float, share: Share = Share.ORDINARY) -> bool:
        return self.used(now) + airtime <= self._caps[share] + _EPSILON

    def available_at(self, now: float, airtime: float, share: Share = Share.ORDINARY) -> float:
        """The earliest time, not before ``now``, at which ``allows`` would say yes.

        Infinity when a frame of that airtime can never fit its share.
        """
        cap = self._caps[share]
        if airtime > cap:
            return float("inf")
        used = self.used(now)
        if used + airtime <= cap + _EPSILON:
            return now
        for when, seconds in self._spent:
            used -= seconds
            if used + airtime <= cap + _EPSILON:
                return when + self.window
        return now  # unreachable: an empty window always has room

    def spend(self, now: float, airtime: float) -> None:
        self._forget(now)
        self._spent.append((now, airtime))
        self._used += airtime


class SenderBudgets:
    """A rolling-window airtime budget per sender (AirtimeBudget, no reserve), for the
    ``max_senders`` charged most lately: at most ``limit`` seconds answering any one
    requester in any ``window``. Senders are radio ids, which anyone can make up: the
    table is bounded, least recently charged out first, and a sender forgotten starts
    again with nothing spent (the node's own bulk cap still holds)."""

    def __init__(self, limit: float, window: float, max_senders: int) -> None:
        if limit < 0 or window <= 0 or max_senders < 1:
            raise UsageError("sender budgets need limit >= 0, window > 0, one sender")
        self.limit = limit
        self.window = window
        self.max_senders = max_senders
        self._budgets: OrderedDict[int, AirtimeBudget] = OrderedDict()

    def __len__(self) -> int:
        return len(self._budgets)

    def left(self, sender: int, now: float) -> float:
        """Seconds ``sender`` may still draw in the window that ends at ``now``."""
        budget = self._budgets.get(sender)
        return self.limit if budget is None else self.limit - budget.used(now)

    def spend(self, sender: int, seconds: float, now: float) -> None:
        if seconds <= 0:
            return
        budget = self._budgets.get(sender)
        if budget is None:
            budget = self._budgets[sender] = AirtimeBudget(
                max(self.limit, _EPSILON), 0.0, window=self.window
            )
            while len(self._budgets) > self.max_senders:
                self._budgets.popitem(last=False)
        self._budgets.move_to_end(sender)
        budget.spend(now, seconds)
