"""How pressing a need or an alert sounds, from its words.

Low when the resident says there is no rush; critical for danger to a person or a home
right now (emergency, hurt, fire, evicted tonight, la migra); high for asap, tonight,
now, ya; otherwise normal for needs and high for alerts (an alert is news people should
see first). Offers and trades are always normal.
"""

from __future__ import annotations

from collections.abc import Sequence

from meshaid.node.phone.tokens import has_any
from meshaid.node.phone.vocabulary import CRITICAL, HIGH, LOW
from meshaid.protocol.record import Kind, Urgency


def guess_urgency(words: Sequence[str], kind: Kind) -> Urgency:
    """The urgency of a post of ``kind`` made of canonical ``words``."""
    if kind not in (Kind.NEED, Kind.ALERT):
        return Urgency.NORMAL
    listed = list(words)
    if has_any(listed, LOW):
        return Urgency.LOW
    if has_any(listed, CRITICAL):
        return Urgency.CRITICAL
    # Spanish "ya" means "now" at the end of a request ("lo ocupo ya"), "already" elsewhere.
    if has_any(listed, HIGH) or listed[-1:] == ["ya"] or kind is Kind.ALERT:
        return Urgency.HIGH
    return Urgency.NORMAL
