"""Plain results of the node services, for the CLI, the daemon and JSON output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="minutes")


@dataclass(frozen=True)
class EntryView:
    """One entry as a person sees it. Times are aware datetimes in the node's time zone."""

    code: str  # as shown: the shortest unambiguous prefix, at least 4 characters
    full_code: str
    entry: str  # "origin/seq", origin in hex
    kind: str
    category: str
    community: str  # "" when none
    zone: str  # "" when none
    text: str
    urgency: str
    status: str  # open, matched, fulfilled, withdrawn, or expired (open/matched past expiry)
    created: datetime
    expires: datetime
    when: datetime | None  # trades: the event
    version: int
    origin: str
    mine: bool  # created by this node

    @property
    def unmet(self) -> bool:
        """A need that expired before anyone met it: it stays countable for reports."""
        return self.status == "expired" and self.kind == "need"

    @property
    def status_label(self) -> str:
        return "expired (unmet)" if self.unmet else self.status

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "full_code": self.full_code,
            "entry": self.entry,
            "kind": self.kind,
            "category": self.category,
            "community": self.community,
            "zone": self.zone,
            "text": self.text,
            "urgency": self.urgency,
            "status": self.status,
            "unmet": self.unmet,
            "created": _iso(self.created),
            "expires": _iso(self.expires),
            "when": _iso(self.when),
            "version": self.version,
            "origin": self.origin,
            "mine": self.mine,
        }


@dataclass(frozen=True)
class BoardPage:
    """One page of a board listing: its entries, and how many match in all."""

    entries: list[EntryView]
    total: int
    offset: int  # how many matching entries come before this page
    limit: int | None  # entries to a page; None: the page holds every match

    @property
    def more(self) -> bool:
        """Whether entries after this page match too."""
        return self.offset + len(self.entries) < self.total


@dataclass(frozen=True)
class InitResult:
    """What ``init`` found or made."""

    home: Path
    origin: str
    public_key: str  # hex
    name: str
    created: tuple[str, ...]  # which of "home", "key", "config", "database" were new
    ignored: tuple[str, ...] = ()  # options given that differ from the existing config
    config_file: Path | None = None  # the configuration file in force

    @property
    def already_initialised(self) -> bool:
        return not self.created

    def to_json(self) -> dict[str, Any]:
        return {
            "home": str(self.home),
            "origin": self.origin,
            "public_key": self.public_key,
            "name": self.name,
            "created": list(self.created),
            **({"ignored": list(self.ignored)} if self.ignored else {}),
        }
