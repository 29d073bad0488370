"""Whether a resident's text really comes from the radio it names.

Meshtastic's "from" is a number any radio can put in a packet, so on its own it proves
nothing. Firmware 2.5 and later seal a direct message with the sender's and receiver's
own keys (PKI) when each knows the other's public key; the receiving radio then marks the
packet ``pki_encrypted`` and gives the sender's public key it holds. A message that
arrived so, with the key the member roster pins for that radio, was written by the holder
of that radio's private key: only such a message may post, close or withdraw
(SECURITY.md: residents' phones).

A neighbourhood whose residents' radios are older than 2.5 may take plain direct
messages from roster radios whose key is not pinned (``[phone] allow_plain_dm = true``):
then anyone who knows such a radio's number can post and close as it, and the daemon
says so when it starts. A radio with a pinned key is always held to it.

Reading the board (list, search, show, help) needs none of this.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import Enum
from typing import Protocol, runtime_checkable

from meshaid.node.desk.allowlist import radio_label
from meshaid.node.phone import replies
from meshaid.node.phone.messages import say

PLAIN_DM_WARNING = (
    "[phone] allow_plain_dm is on: posts and closes are taken from plain direct messages "
    "of roster radios whose key is not pinned, and anyone who knows such a radio's number "
    "can send them as that radio (pin keys with `meshaid members add-radio --public-key`)"
)


class Standing(Enum):
    """What the desk makes of one message's sender."""

    VERIFIED = "verified"  # PKI-encrypted with the key the roster pins
    PLAIN = "plain"  # a roster radio without a pinned key, plain DMs allowed by setting
    STRANGER = "stranger"  # not on the roster (or the allow-list)
    NOT_ENCRYPTED = "not_encrypted"  # a roster radio, but the message came plain
    KEY_MISMATCH = "key_mismatch"  # PKI-encrypted, but not with the pinned key
    NOT_PINNED = "not_pinned"  # a roster radio with no pinned key, plain DMs not allowed

    @property
    def may_act(self) -> bool:
        """Whether the sender may post, close, withdraw, or answer as a poster."""
        return self in (Standing.VERIFIED, Standing.PLAIN)


@runtime_checkable
class PinnedRadios(Protocol):
    """The radios that may post by text, and the Meshtastic public key pinned for each."""

    def __contains__(self, radio: object) -> bool: ...

    def pinned_key(self, radio: int) -> bytes:
        """The radio's pinned public key; b"" when none is pinned (or it is not listed)."""


class FixedRadios:
    """A fixed table of radios: ``{radio: key}`` (b"": not pinned), or radio ids alone
    (none pinned), as the older ``[phone] allow`` list gives them."""

    def __init__(self, radios: Mapping[int, bytes] | Collection[int]) -> None:
        if isinstance(radios, Mapping):
            self._keys = {int(r): bytes(k) for r, k in radios.items()}
        else:
            self._keys = dict.fromkeys((int(r) for r in radios), b"")

    def __contains__(self, radio: object) -> bool:
        return radio in self._keys

    def pinned_key(self, radio: int) -> bytes:
        return self._keys.get(radio, b"")


def as_pinned(radios: PinnedRadios | Mapping[int, bytes] | Collection[int]) -> PinnedRadios:
    if isinstance(radios, PinnedRadios):
        return radios
    return FixedRadios(radios)


def standing(
    radios: PinnedRadios, radio: int, key: bytes | None, *, allow_plain_dm: bool
) -> Standing:
    """How far a message from ``radio`` is to be trusted; ``key`` is the sender's public
    key when it arrived PKI-encrypted, None when it came plain."""
    if radio not in radios:
        return Standing.STRANGER
    pinned = radios.pinned_key(radio)
    if pinned:
        if key is None:
            return Standing.NOT_ENCRYPTED
        return Standing.VERIFIED if key == pinned else Standing.KEY_MISMATCH
    return Standing.PLAIN if allow_plain_dm else Standing.NOT_PINNED


def refusal(st: Standing, radio: int, lang: str) -> str:
    """What the resident is told when a message of standing ``st`` may not act: the radio
    id to give the committee, or why the message does not prove it is that radio."""
    if st is Standing.STRANGER:
        return replies.not_allowed(lang, radio)
    key = "key_not_pinned" if st is Standing.NOT_PINNED else "not_verified"
    return replies.fit(say(lang, key, radio=radio_label(radio)))
