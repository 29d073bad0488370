"""An entry as the phone desk shows it: its id, and the summary the replies are made of."""

from __future__ import annotations

from meshaid.node.phone.replies import EntrySummary
from meshaid.node.store.views import EntryView
from meshaid.protocol.record import Category, EntryId, Kind, Status, Urgency


def entry_id(view: EntryView) -> EntryId:
    origin, seq = view.entry.split("/")
    return EntryId(int(origin, 16), int(seq))


def summary(view: EntryView, now: float) -> EntrySummary:
    # Only open/matched entries past their expiry are "expired"; the desk never lists them.
    status = Status.OPEN if view.status == "expired" else Status[view.status.upper()]
    return EntrySummary(
        code=view.code,
        kind=Kind[view.kind.upper()],
        category=Category[view.category.upper()],
        text=view.text,
        zone=view.zone,
        status=status,
        age_minutes=max(0, int((now - view.created.timestamp()) // 60)),
        urgency=Urgency[view.urgency.upper()],
        when=view.when,
        expires=view.expires,
    )
