"""The numbers of the Meshtastic firmware and library this package relies on, written out.

Importing anything from ``meshtastic``, even one protobuf module, loads the whole library
(a quarter of a second). The target parser and the send queue need only a few of its
numbers, so they are copied here; tests/hardware/test_meshtastic_radio_queue.py checks
each against the library. Also here: the payload limits, what kind of key a channel has
(``psk_kind``), the name a channel without one shows (``preset_display_name``) and the
LoRa regions (``REGIONS``).
"""

from __future__ import annotations

from enum import IntEnum

from meshaid.protocol import airtime

DEFAULT_TCP_PORT = 4403  # meshtastic.tcp_interface.DEFAULT_TCP_PORT
DEFAULT_KEY = bytes.fromhex("d4f1bb3a20290759f0bcffabcf4e6901")  # meshtastic.util.DEFAULT_KEY

# PortNum values.
TEXT_PORT = 1  # TEXT_MESSAGE_APP: what residents' phones read and write
ROUTING_PORT = 5  # ROUTING_APP: ACKs and NAKs
TELEMETRY_PORT = 67  # TELEMETRY_APP
GOSSIP_PORT = 256  # PRIVATE_APP: ours, never throttled by the firmware


class RoutingError(IntEnum):
    """The Routing.Error values the send queue tells apart (others drop the packet)."""

    NONE = 0
    TOO_LARGE = 7
    DUTY_CYCLE_LIMIT = 9
    RATE_LIMIT_EXCEEDED = 38


ERRNO_UNKNOWN = 32  # QueueStatus.res when the firmware's TX queue was full
MAX_HOP_LIMIT = 7
MAX_CHANNELS = 8  # channel indexes 0..7
PKC_OVERHEAD = 12  # MESHTASTIC_PKC_OVERHEAD: a DM to a node with a known key is PKI-encrypted
MTU = airtime.MAX_APP_PAYLOAD  # 231 bytes on port 256 (see meshaid.protocol.airtime)


def _largest_text() -> int:
    size = airtime.MAX_PHY_PAYLOAD
    while airtime.phy_payload_bytes(size, TEXT_PORT) + PKC_OVERHEAD > airtime.MAX_PHY_PAYLOAD:
        size -= 1
    return size


TEXT_MTU = _largest_text()  # 220 bytes of UTF-8 in one PKI-encrypted direct message

# Config.LoRaConfig.RegionCode names, in the enum's order, but UNSET: what a radio can be
# set to (for checking a configuration without loading the library).
REGIONS = (
    "US", "EU_433", "EU_868", "CN", "JP", "ANZ", "KR", "TW", "RU", "IN", "NZ_865", "TH",
    "LORA_24", "UA_433", "UA_868", "MY_433", "MY_919", "SG_923", "PH_433", "PH_868", "PH_915",
    "ANZ_433", "KZ_433", "KZ_863", "NP_865", "BR_902", "ITU1_2M", "ITU2_2M", "EU_866",
    "EU_874", "EU_917", "EU_N_868", "ITU3_2M",
)

# Config.LoRaConfig.ModemPreset values and DisplayFormatters::getModemPresetDisplayName:
# the name a channel with no name of its own shows (and hashes) as.
_PRESET_NAMES = {
    0: "LongFast",  # LONG_FAST
    1: "LongSlow",  # LONG_SLOW
    2: "VLongSlow",  # VERY_LONG_SLOW, gone from current firmware
    3: "MediumSlow",  # MEDIUM_SLOW
    4: "MediumFast",  # MEDIUM_FAST
    5: "ShortSlow",  # SHORT_SLOW
    6: "ShortFast",  # SHORT_FAST
    7: "LongMod",  # LONG_MODERATE
    8: "ShortTurbo",  # SHORT_TURBO
    9: "LongTurbo",  # LONG_TURBO
    10: "LiteFast",  # LITE_FAST
    11: "LiteSlow",  # LITE_SLOW
    12: "NarrowFast",  # NARROW_FAST
    13: "NarrowSlow",  # NARROW_SLOW
}


def preset_display_name(preset: int) -> str:
    """The name the firmware shows for a ModemPreset value ("Invalid" for an unknown one)."""
    return _PRESET_NAMES.get(preset, "Invalid")


def psk_kind(psk: bytes) -> str:
    """How secret a channel key is: "none", "default", "simple" (simple1..9), or "private".

    All but "private" are public: the default key (``AQ==``, one byte 0x01, or its
    16-byte expansion) is printed in the firmware, and simpleN keys are derived from it.
    """
    if len(psk) == 0 or psk == b"\x00":
        return "none"
    if psk == b"\x01" or psk == DEFAULT_KEY:
        return "default"
    if len(psk) == 1:
        return "simple"
    return "private"
