"""What the firmware's ``Router::send`` decides for a fake device: hop limits, duty cycle.

Hop limits (``Router::sendLocal``, src/mesh/Router.cpp): a packet from the client with
hop_limit 0 goes out with 0, heard by neighbours and rebroadcast by nobody
(``FloodingRouter`` relays only while hop_limit > 0); only one that asks for an ACK gets
the configured hop limit instead (``Default::getConfiguredOrDefaultHopLimit``, at most 7).

A Meshtastic device adds the airtime of each frame it transmits (its own and the ones it
relays) to one of 60 per-minute buckets and, before each send, compares the last hour's sum
with the region's duty cycle (``AirTime::utilizationTXPercent``, ``Router::send`` in
src/airtime.cpp and src/mesh/Router.cpp). Above it, ``Router::send`` refuses: the client is
told how many minutes to stay silent (``AirTime::getSilentMinutes``).

The duty cycle of each region is the firmware's RDEF table (src/mesh/RadioInterface.cpp):
10 % in EU_433, EU_868, EU_N_868, TH and UA_433; EU_866 2.5 % for a client (10 % for a
router); no limit elsewhere, nor with ``override_duty_cycle``.
"""

from __future__ import annotations

from meshtastic.protobuf import config_pb2, mesh_pb2

from meshaid.hardware.fake_radio.air import AirFrame
from meshaid.protocol.airtime import DEFAULT_PRESET, PRESETS, frame_airtime

LoRaConfig = config_pb2.Config.LoRaConfig

MINUTES_IN_HOUR = 60
HOP_MAX = 7
HOUR_SECONDS = MINUTES_IN_HOUR * 60
DUTY_CYCLE_PERCENT = {
    LoRaConfig.RegionCode.EU_433: 10.0,
    LoRaConfig.RegionCode.EU_868: 10.0,
    LoRaConfig.RegionCode.EU_N_868: 10.0,
    LoRaConfig.RegionCode.EU_866: 2.5,
    LoRaConfig.RegionCode.TH: 10.0,
    LoRaConfig.RegionCode.UA_433: 10.0,
}


def outgoing_hop_limit(requested: int, want_ack: bool, configured: int) -> int:
    """The hop limit a packet from the client goes on air with."""
    if requested == 0 and want_ack:
        return min(configured, HOP_MAX)
    return requested


def duty_cycle_notice(packet_id: int, minutes: int | None) -> mesh_pb2.FromRadio:
    """The ClientNotification ``Router::send`` gives the client when it refuses a packet."""
    wait = MINUTES_IN_HOUR if minutes is None else minutes
    return mesh_pb2.FromRadio(clientNotification=mesh_pb2.ClientNotification(
        reply_id=packet_id, level=mesh_pb2.LogRecord.Level.WARNING,
        message=f"Duty cycle limit exceeded. You can send again in {wait} mins",
    ))


def region_duty_cycle(lora: config_pb2.Config.LoRaConfig) -> float:
    """The duty cycle in force for a LoRa config, in percent of an hour (100: none)."""
    if lora.override_duty_cycle:
        return 100.0
    return DUTY_CYCLE_PERCENT.get(lora.region, 100.0)


def airtime_of(frame: AirFrame) -> float:
    """Seconds ``frame`` takes on air, on its preset."""
    name = LoRaConfig.ModemPreset.Name(frame.modem_preset)
    return frame_airtime(frame.phy_payload_len, name if name in PRESETS else DEFAULT_PRESET)


class TxAirtime:
    """One device's transmit airtime in per-minute buckets over the last hour.

    ``now`` is the device's clock in seconds; not thread-safe (the device's lock covers it).
    """

    def __init__(self) -> None:
        self._minutes: dict[int, float] = {}  # minute (now // 60) -> seconds on air

    def note(self, frame: AirFrame, now: float) -> None:
        minute = int(now // 60)
        window = self._window(now)
        window[minute] = window.get(minute, 0.0) + airtime_of(frame)

    def percent(self, now: float) -> float:
        """Airtime over the last hour, in percent of it."""
        return 100.0 * sum(self._window(now).values()) / HOUR_SECONDS

    def silent_minutes(self, now: float, limit: float) -> int | None:
        """None while sending is allowed under ``limit`` percent; else the minutes until
        the hour's airtime is back under it, the oldest minutes leaving the window first."""
        if limit >= 100:
            return None
        percent = self.percent(now)
        if percent <= limit:  # Router::send refuses only above the limit
            return None
        window = self._minutes
        current = int(now // 60)
        oldest = current - MINUTES_IN_HOUR + 1
        for waited, minute in enumerate(range(oldest, current + 1), start=1):
            percent -= 100.0 * window.get(minute, 0.0) / HOUR_SECONDS
            if percent <= limit:
                return waited
        return MINUTES_IN_HOUR

    def _window(self, now: float) -> dict[int, float]:
        current = int(now // 60)
        for minute in [m for m in self._minutes if m <= current - MINUTES_IN_HOUR]:
            del self._minutes[minute]
        return self._minutes
