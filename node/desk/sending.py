"""The desk's replies on their way out: into the outbox, and worded for the pump.

``Sending.queue`` writes what one message's answer holds to the outbox
(meshaid.node.desk.outbox), skipping the post's acknowledgement that the post's own
transaction queued already, and dropping (counted) what is over the rate of texts to its
radio or over the outbox's bounds. ``Sending.due`` gives the pump the oldest replies,
wording each acknowledgement from its entry as it is now (with its code as the board shows
it), or dropping it, counted, when the entry is gone.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from meshaid.node.desk.outbox import Outbox, Queued, RateLimit
from meshaid.node.errors import NodeError
from meshaid.node.phone import replies
from meshaid.node.phone.messages import CATALOGUES
from meshaid.node.phone.replies import fit
from meshaid.node.services import Node
from meshaid.protocol.record import Kind


@dataclass(frozen=True)
class Reply:
    """One text to send: to radio ``dest``, at most MAX_REPLY_BYTES of UTF-8."""

    dest: int
    text: str
    queued: bool = False  # in the outbox already (a post's acknowledgement)


@dataclass(frozen=True)
class OutgoingText:
    """A reply from the outbox, worded, for the pump to hand to the radio."""

    item: Queued
    dest: int
    text: str


class Sending:
    """Between the desk and the pump; see the module docstring."""

    def __init__(
        self,
        node: Node,
        outbox: Outbox,
        counters: Counter[str],
        to_radio: RateLimit,
        *,
        lang_of: Callable[[int], str],
        stranger: Callable[[int], bool],
    ) -> None:
        self.node = node
        self.outbox = outbox
        self.counters = counters
        self.to_radio = to_radio
        self.lang_of = lang_of
        self.stranger = stranger

    def queue(self, out: list[Reply], now: float, acked: str | None) -> list[Reply]:
        """Queue ``out``; ``acked`` is the text of an acknowledgement queued already.
        Returns the replies that will be sent."""
        kept = []
        for reply in out:
            if acked is not None and reply.text == acked:
                acked = None
                kept.append(dataclasses.replace(reply, queued=True))
                continue
            if not self.to_radio.take(reply.dest, now):
                self.counters["replies.dropped.radio_rate"] += 1
                continue
            try:
                queued = self.outbox.put(reply.dest, reply.text, self.lang_of(reply.dest), now,
                                         stranger=self.stranger(reply.dest))
            except NodeError:
                self.counters["replies.dropped.store"] += 1
                continue
            if queued:
                kept.append(reply)
        return kept

    def due(self, wall: float) -> list[OutgoingText]:
        out = []
        for item in self.outbox.due(wall):
            text = item.text if item.text is not None else self._ack_text(item)
            if text is None:
                self.outbox.drop(item, "entry_gone")
                continue
            out.append(OutgoingText(item, item.dest, text))
        return out

    def _ack_text(self, item: Queued) -> str | None:
        if item.entry is None:
            return None
        row = self.node.store.entry(item.entry)
        if row is None:
            return None
        view = self.node.show(row.code)
        lang = item.lang if item.lang in CATALOGUES else self.node.config.language
        return fit(replies.posted(lang, Kind[view.kind.upper()], view.code, view.text,
                                  view.when))
