"""A radio in memory, for tests: what is sent waits in a list, what is heard is handed in.

Like httpx's MockTransport: a test builds a daemon or a pump on a ``MemoryRadio``, moves
frames by hand (``take_sent`` what one node sent, ``hear`` it at another), loses a frame by
not handing it on, and unplugs the radio with ``set_connected(False)``. No threads, no
clock: the test owns time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from meshaid.hardware.radio import (
    BROADCAST,
    BROADCAST_NUM,
    PayloadTooLargeError,
    RadioAddressError,
    RadioInfo,
    RadioMetrics,
    RadioNotConnectedError,
    RadioQueueFullError,
    RadioStatus,
    ReceiveCallback,
    Received,
    StatusCallback,
    checked_pins,
)
from meshaid.protocol.airtime import MAX_APP_PAYLOAD

MAX_HOP_LIMIT = 7
TEXT_MTU = 200


@dataclass(frozen=True)
class Sent:
    """A gossip frame handed to ``send``."""

    payload: bytes
    dest: int | None
    hop_limit: int | None


@dataclass(frozen=True)
class SentText:
    text: str
    dest: int


class MemoryRadio:
    """A Radio whose air is the test. ``capacity``: frames it holds before it is not
    ``ready`` (None: always ready while connected), until the test takes them."""

    def __init__(
        self,
        node_id: int,
        *,
        mtu: int = MAX_APP_PAYLOAD,
        text_mtu: int = TEXT_MTU,
        capacity: int | None = None,
        connected: bool = True,
        info: RadioInfo | None = None,
    ) -> None:
        self._node_id = node_id
        self._mtu = mtu
        self._text_mtu = text_mtu
        self.capacity = capacity
        self._connected = connected
        self._status = "connected" if connected else "not connected"
        self._info = info
        self.metrics_now = RadioMetrics()
        self.sent: deque[Sent] = deque()
        self.texts: deque[SentText] = deque()
        self._on_receive: ReceiveCallback | None = None
        self._on_text: ReceiveCallback | None = None
        self._on_status: StatusCallback | None = None
        self.pinned: dict[int, bytes] = {}  # what pin_keys was last given

    # -- the Radio interface --------------------------------------------------------------

    @property
    def node_id(self) -> int:
        return self._node_id

    @property
    def mtu(self) -> int:
        return self._mtu

    @property
    def text_mtu(self) -> int:
        return self._text_mtu

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def status(self) -> str:
        return self._status

    @property
    def address(self) -> str:
        return f"memory:!{self._node_id:08x}"

    @property
    def info(self) -> RadioInfo | None:
        return self._info

    @property
    def metrics(self) -> RadioMetrics:
        return self.metrics_now

    @property
    def pending(self) -> int:
        return len(self.sent) + len(self.texts)

    def ready(self) -> bool:
        return self._connected and (self.capacity is None or len(self.sent) < self.capacity)

    def send(
        self, payload: bytes, dest: int | None = BROADCAST, *, hop_limit: int | None = None
    ) -> None:
        if len(payload) > self._mtu:
            raise PayloadTooLargeError(
                f"payload of {len(payload)} bytes is over the MTU of {self._mtu}")
        self._check(dest)
        if hop_limit is not None and not 0 <= hop_limit <= MAX_HOP_LIMIT:
            raise RadioAddressError(f"hop limit must be 0..{MAX_HOP_LIMIT}, not {hop_limit}")
        if self.capacity is not None and len(self.sent) >= self.capacity:
            raise RadioQueueFullError(f"send queue is full ({self.capacity} frames)")
        self.sent.append(Sent(bytes(payload), dest, hop_limit))

    def send_text(self, text: str, dest: int) -> None:
        size = len(text.encode("utf-8"))
        if size > self._text_mtu:
            raise PayloadTooLargeError(
                f"text of {size} UTF-8 bytes is over the {self._text_mtu}-byte limit")
        if dest is None or dest == BROADCAST_NUM:
            raise RadioAddressError("texts go to one node, not to everyone")
        self._check(dest)
        self.texts.append(SentText(text, dest))

    def pin_keys(self, keys: Mapping[int, bytes]) -> None:
        self.pinned = checked_pins(keys)

    def on_receive(self, callback: ReceiveCallback) -> None:
        self._on_receive = callback

    def on_text(self, callback: ReceiveCallback) -> None:
        self._on_text = callback

    def on_status(self, callback: StatusCallback) -> None:
        self._on_status = callback

    # -- for the test ---------------------------------------------------------------------

    def take_sent(self) -> list[Sent]:
        """The frames sent since the last call; the radio has room again."""
        out = list(self.sent)
        self.sent.clear()
        if out:
            self._changed()
        return out

    def take_texts(self) -> list[SentText]:
        out = list(self.texts)
        self.texts.clear()
        return out

    def hear(self, payload: bytes, sender: int, *, dest: int | None = None) -> None:
        """A gossip frame from ``sender`` arrives."""
        if self._on_receive is not None and self._connected:
            self._on_receive(Received(bytes(payload), sender, -80.0, 5.0, 0, dest))

    def hear_text(self, text: str, sender: int, *, public_key: bytes | None = None) -> None:
        """A resident's direct message arrives: PKI-encrypted by the key ``public_key``
        when one is given, else a plain message any radio could have sent as ``sender``."""
        if self._on_text is not None and self._connected:
            self._on_text(Received(
                text.encode("utf-8"), sender, -80.0, 5.0, 0, self._node_id,
                pki_encrypted=public_key is not None, public_key=public_key or b""))

    def set_connected(self, connected: bool, text: str | None = None) -> None:
        self._connected = connected
        self._status = text or ("connected" if connected else "unplugged")
        self._changed()

    def _changed(self) -> None:
        if self._on_status is not None:
            self._on_status(RadioStatus(self._connected, self._status))

    def _check(self, dest: int | None) -> None:
        if dest is not None and not 0 < dest < BROADCAST_NUM:
            raise RadioAddressError(f"{dest} is not a node number")
        if dest is not None and dest == self._node_id:
            raise RadioAddressError("a radio cannot send to itself")
        if not self._connected:
            raise RadioNotConnectedError(f"radio not connected: {self._status}")
