"""LoRa time on air of Meshtastic frames: what every send costs on the shared channel.

The Semtech formula (SX127x/SX126x datasheets, LoRa Design Guide section 4):

    Tsym   = 2^SF / BW
    Tpre   = (Npreamble + 4.25) * Tsym
    Nsym   = 8 + max(ceil((8*PL - 4*SF + 28 + 16*CRC - 20*IH) / (4*(SF - 2*DE))) * (CR + 4), 0)
    T      = Tpre + Nsym * Tsym

with PL the PHY payload in bytes, CRC on (1), explicit header (IH 0), CR 1..4 for coding
rates 4/5..4/8, and DE (low data rate optimisation) 1 when a symbol lasts over 16 ms.

What Meshtastic puts in PL: a 16-byte clear header (to, from, packet id, flags, channel
hash, next hop, relay node; firmware ``PacketHeader``) followed by the encrypted protobuf
``Data`` message that wraps the application payload. AES-CTR keeps the length, so the
wrapper's size is what the encoding of ``Data`` adds around our bytes:

* ``portnum`` (field 1, varint): 1 tag byte + 2 bytes for PRIVATE_APP = 256;
* ``payload`` (field 2, bytes): 1 tag byte + a length varint (1 byte below 128 bytes, 2 above);
* ``bitfield`` (field 9, varint): the firmware sets it on every packet a node originates
  (``perhapsEncode`` in Router.cpp, the ok-to-MQTT flag): 1 tag byte + 1 value byte.

So a 231-byte payload fills the 255-byte LoRa maximum exactly: 16 + 3 + 3 + 2 + 231 = 255.
Modem presets are those of the firmware (``modemPresetToParams`` in MeshRadio.h), for the
sub-GHz regions; all of them use a 16-symbol preamble there.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from meshaid.protocol.errors import UsageError

MESHTASTIC_HEADER_BYTES = 16
MAX_PHY_PAYLOAD = 255  # the SX12xx FIFO limit
PRIVATE_APP_PORT = 256
PREAMBLE_SYMBOLS = 16
LOW_DATA_RATE_SYMBOL_SECONDS = 0.016


@dataclass(frozen=True)
class Preset:
    """A Meshtastic modem preset: spreading factor, bandwidth and coding rate 4/``cr``."""

    name: str
    sf: int
    bandwidth_hz: float
    cr: int  # coding rate denominator, 5..8 for 4/5..4/8 (the firmware's convention)

    @property
    def symbol_seconds(self) -> float:
        return float(2**self.sf) / self.bandwidth_hz

    @property
    def low_data_rate(self) -> bool:
        return self.symbol_seconds > LOW_DATA_RATE_SYMBOL_SECONDS


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("SHORT_TURBO", 7, 500_000, 5),
        Preset("SHORT_FAST", 7, 250_000, 5),
        Preset("SHORT_SLOW", 8, 250_000, 5),
        Preset("MEDIUM_FAST", 9, 250_000, 5),
        Preset("MEDIUM_SLOW", 10, 250_000, 5),
        Preset("LONG_FAST", 11, 250_000, 5),
        Preset("LONG_MODERATE", 11, 125_000, 8),
        Preset("LONG_SLOW", 12, 125_000, 8),
        Preset("LONG_TURBO", 11, 500_000, 8),
        # Removed from current firmware, still found on old nodes.
        Preset("VERY_LONG_SLOW", 12, 62_500, 8),
    )
}
DEFAULT_PRESET = "LONG_FAST"


def preset_named(preset: str | Preset) -> Preset:
    """The preset called ``preset`` (a Preset passes through)."""
    if isinstance(preset, Preset):
        return preset
    found = PRESETS.get(preset.upper())
    if found is None:
        raise UsageError(f"unknown modem preset {preset!r}; known: {', '.join(PRESETS)}")
    return found


def _varint_size(value: int) -> int:
    size = 1
    while value >= 0x80:
        value >>= 7
        size += 1
    return size


def data_overhead(payload_bytes: int, portnum: int = PRIVATE_APP_PORT) -> int:
    """Bytes the protobuf ``Data`` wrapper adds around an application payload."""
    if payload_bytes < 0:
        raise UsageError("payload size cannot be negative")
    portnum_field = 1 + _varint_size(portnum)
    payload_field = 1 + _varint_size(payload_bytes)
    bitfield_field = 2
    return portnum_field + payload_field + bitfield_field


def phy_payload_bytes(payload_bytes: int, portnum: int = PRIVATE_APP_PORT) -> int:
    """The LoRa PHY payload (PL) that carries ``payload_bytes`` of application data."""
    return MESHTASTIC_HEADER_BYTES + data_overhead(payload_bytes, portnum) + payload_bytes


def _largest_payload() -> int:
    size = MAX_PHY_PAYLOAD
    while phy_payload_bytes(size) > MAX_PHY_PAYLOAD:
        size -= 1
    return size


MAX_APP_PAYLOAD = _largest_payload()  # 231 bytes on port 256


def frame_airtime(pl_bytes: int, preset: str | Preset = DEFAULT_PRESET) -> float:
    """Seconds on air of one LoRa frame whose PHY payload is ``pl_bytes`` long."""
    if not 0 <= pl_bytes <= MAX_PHY_PAYLOAD:
        raise UsageError(f"a LoRa frame carries 0..{MAX_PHY_PAYLOAD} bytes, not {pl_bytes}")
    return _frame_airtime(pl_bytes, preset_named(preset))


# Every frame sent is charged its airtime, so the few hundred possible answers are kept.
@functools.lru_cache(maxsize=1024)
def _frame_airtime(pl_bytes: int, p: Preset) -> float:
    tsym = p.symbol_seconds
    de = 1 if p.low_data_rate else 0
    crc, implicit_header = 1, 0
    numerator = 8 * pl_bytes - 4 * p.sf + 28 + 16 * crc - 20 * implicit_header
    blocks = max(math.ceil(numerator / (4 * (p.sf - 2 * de))), 0)
    n_payload = 8 + blocks * p.cr  # p.cr is CR + 4 in the datasheet's terms
    return (PREAMBLE_SYMBOLS + 4.25) * tsym + n_payload * tsym


@functools.lru_cache(maxsize=4096)
def airtime_seconds(payload_bytes: int, preset: str | Preset = DEFAULT_PRESET) -> float:
    """Seconds on air of a Meshtastic packet carrying ``payload_bytes`` on port 256.

    The 16-byte header and the ``Data`` wrapper are added here. Raises UsageError for a
    payload over MAX_APP_PAYLOAD (231 bytes), which no single frame can carry.
    """
    if payload_bytes > MAX_APP_PAYLOAD:
        raise UsageError(
            f"payload of {payload_bytes} bytes is over the {MAX_APP_PAYLOAD}-byte frame limit"
        )
    return frame_airtime(phy_payload_bytes(payload_bytes), preset)
