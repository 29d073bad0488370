"""The Radio interface on a real Meshtastic device, over the unmodified ``meshtastic`` library.

``MeshtasticRadio`` connects by USB serial (``/dev/ttyUSB*``/``/dev/ttyACM*``, found on its
own when exactly one exists) or TCP (``host[:port]``, port 4403 by default), sends our
gossip frames on PRIVATE_APP (256) on one channel and residents' texts as direct messages
on TEXT_MESSAGE_APP (1), and hands what it receives to the daemon's asyncio loop.

What the firmware does to a client, and what this package does about it:

* it holds at most 16 packets to transmit and says how many slots are free in a
  QueueStatus after each packet from the client (and after a heartbeat): we keep our own
  queue and hand it a packet only while a slot is free, asking with a heartbeat when full;
* it takes one text per 2 s from the client, refusing others with a RATE_LIMIT_EXCEEDED
  NAK: texts are paced, and a refused one waits and goes again;
* past the regional duty cycle it refuses with DUTY_CYCLE_LIMIT: everything waits, for
  longer each time it happens again, and goes again;
* TOO_LARGE cannot succeed on a retry: the packet is dropped and counted.

Nothing handed to ``send`` is lost to a refusal or to the link going down: packets the
radio had not confirmed go back to the front of the queue. When the device is unplugged,
reset, or the TCP connection drops, ``connected`` turns False, ``status`` says why, and a
worker thread reconnects with exponential backoff (1, 2, 4, ... 60 s by default).

The modules, by job:

* ``firmware``: the library's numbers we rely on, the payload limits, channel key kinds
  and preset names;
* ``target``: radio addresses as users write them, and finding the one serial port;
* ``send_queue``: the sans-I/O queue, retry policy and counters;
* ``hooks``: the library's interface classes with our hooks in their private methods;
* ``info``: what the device says about itself (RadioInfo, RadioMetrics);
* ``worker``: the thread that keeps the link and writes the queue;
* ``adapter``: ``MeshtasticRadio``, the Radio interface on top.

``firmware``, ``target`` and ``send_queue`` do not import ``meshtastic``, which takes a
quarter of a second to load: the names from ``adapter`` and ``info`` are imported here only
when first used, so code that only parses a target or uses the queue does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from meshaid.hardware.meshtastic_radio.firmware import (
    ERRNO_UNKNOWN,
    GOSSIP_PORT,
    MAX_HOP_LIMIT,
    MTU,
    PKC_OVERHEAD,
    REGIONS,
    TEXT_MTU,
    TEXT_PORT,
    preset_display_name,
    psk_kind,
)
from meshaid.hardware.meshtastic_radio.send_queue import (
    Pending,
    RetryPolicy,
    SendCounters,
    SendQueue,
)
from meshaid.hardware.meshtastic_radio.target import (
    SERIAL_PATTERNS,
    SerialTarget,
    Target,
    TcpTarget,
    find_serial_port,
    parse_target,
)
from meshaid.hardware.radio import RadioStatus

if TYPE_CHECKING:
    from meshaid.hardware.meshtastic_radio.adapter import MeshtasticRadio, MeshtasticStats
    from meshaid.hardware.meshtastic_radio.info import LoRaConfig

# Names whose modules import meshtastic: loaded on first use (PEP 562).
_LAZY = {
    "MeshtasticRadio": "adapter",
    "MeshtasticStats": "adapter",
    "LoRaConfig": "info",
}

__all__ = [
    "ERRNO_UNKNOWN",
    "GOSSIP_PORT",
    "MAX_HOP_LIMIT",
    "MTU",
    "PKC_OVERHEAD",
    "REGIONS",
    "SERIAL_PATTERNS",
    "TEXT_MTU",
    "TEXT_PORT",
    "LoRaConfig",
    "MeshtasticRadio",
    "MeshtasticStats",
    "Pending",
    "RadioStatus",
    "RetryPolicy",
    "SendCounters",
    "SendQueue",
    "SerialTarget",
    "Target",
    "TcpTarget",
    "find_serial_port",
    "parse_target",
    "preset_display_name",
    "psk_kind",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
