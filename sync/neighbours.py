"""Who hears whom, two hops deep: the knowledge behind relay pruning.

Each node remembers the radios it hears (its neighbours) and the neighbour lists they
advertise in their digests. A node that heard a pushed record from senders S1..Sk can
then tell whether its own relay would reach anyone they did not: every neighbour of ours
that is one of the senders, or on one of their lists, heard the record already (loss
aside). That is self-pruning (Wu and Dai's generic self-pruning; OLSR's MPR, RFC 3626
section 8, is of the same family), here with coverage judged when the relay falls due,
so the relays heard meanwhile count too.

Lists name radios by ``frames.short_id`` (16 bits). A sender whose list we do not have
covers only itself, so a node with no lists relays as it would without pruning.

Lists come off a public channel and anyone can forge one, under any sender id. What a
forged list can do is bounded: it only ever makes us skip a relay (never ask, answer or
accept anything), only of records whose copy came from that sender id, it names at most
``frames.MAX_NEIGHBOUR_IDS`` radios, it counts only while that sender is a neighbour we
hear ourselves, and it is forgotten with the rest of the table. A skipped relay is owed
(relaying.py): when a neighbour shows it lacks the record, the relay goes after all. The
table keeps a bounded number of radios, the least recently heard out first: made-up
sender ids cannot grow it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from meshaid.protocol.frames import MAX_NEIGHBOUR_IDS, short_id


class NeighbourTable:
    """Radios heard within ``memory`` seconds, and the neighbour lists they advertised."""

    def __init__(self, memory: float) -> None:
        self.memory = memory
        # radio id -> last heard, the least recently heard first
        self._heard: OrderedDict[int, float] = OrderedDict()
        self._lists: dict[int, frozenset[int]] = {}  # radio id -> short ids it advertised
        self._purged_at = float("-inf")

    def heard(self, sender: int, now: float, cap: int | None = None) -> None:
        """``sender`` was heard; at most ``cap`` radios are kept."""
        self._heard[sender] = now
        self._heard.move_to_end(sender)
        while cap is not None and len(self._heard) > cap:
            radio, _ = self._heard.popitem(last=False)
            self._lists.pop(radio, None)

    def learn(self, sender: int, shorts: Iterable[int]) -> None:
        """``sender`` advertised these short ids (a later list replaces an earlier one)."""
        listed = frozenset(shorts)
        if sender in self._heard and len(listed) <= MAX_NEIGHBOUR_IDS:
            self._lists[sender] = listed

    def _purge(self, now: float) -> None:
        if now < self._purged_at + 60.0:
            return  # once a minute is enough for a memory of hours
        horizon = now - self.memory
        while self._heard and next(iter(self._heard.values())) < horizon:
            radio, _ = self._heard.popitem(last=False)
            self._lists.pop(radio, None)
        self._purged_at = now

    def advertised(self, now: float) -> tuple[int, ...]:
        """Our list: the short ids of the radios heard within the memory, ascending; the
        most recently heard first when there are more than a list can carry."""
        self._purge(now)
        recent = sorted(self._heard, key=lambda n: -self._heard[n])
        shorts: set[int] = set()
        for radio in recent:
            if len(shorts) >= MAX_NEIGHBOUR_IDS:
                break
            shorts.add(short_id(radio))
        return tuple(sorted(shorts))

    def knows_list(self, sender: int) -> bool:
        return sender in self._lists

    def _covered(self, senders: Iterable[int], me: int | None) -> set[int]:
        covered: set[int] = set()
        for sender in senders:
            covered.add(short_id(sender))
            covered |= self._lists.get(sender, frozenset())
        if me is not None:
            covered.add(short_id(me))
        return covered

    def uncovered(self, senders: Iterable[int], me: int | None, now: float) -> int:
        """How many of our neighbours neither sent a copy (``senders``) nor are on the list
        of a radio that did; ``me``, our own radio id, is not counted."""
        self._purge(now)
        covered = self._covered(senders, me)
        return sum(1 for n in self._heard if short_id(n) not in covered)

    def others_reach_further(self, senders: Iterable[int], me: int | None, now: float) -> bool:
        """Whether a neighbour of ours that the copies reached has, by its list, neighbours
        they did not reach: it will relay, and we will most likely hear it."""
        self._purge(now)
        senders = set(senders)
        covered = self._covered(senders, me)
        for radio, listed in self._lists.items():
            if radio not in senders and short_id(radio) in covered and listed - covered:
                return True
        return False
