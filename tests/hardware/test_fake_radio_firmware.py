"""The fake device's hop limits and duty cycle, as the Meshtastic firmware has them.

Hop limits: ``Router::sendLocal`` keeps hop_limit 0 from the client (only a packet that
wants an ACK gets the configured hop limit), and ``FloodingRouter`` rebroadcasts only while
hop_limit > 0. Duty cycle: ``Router::send`` refuses while the last hour's own airtime is
above the region's limit (10 % in EU_868), telling the client with a QueueStatus, a
ClientNotification and a NAK; relays are dropped silently.
"""

from __future__ import annotations

import random
import time

from meshtastic.protobuf import config_pb2, mesh_pb2, portnums_pb2
from waiting import wait_until

from meshaid.hardware.fake_radio import FakeDevice, LocalAir
from meshaid.hardware.fake_radio.air import BROADCAST_NUM, AirFrame
from meshaid.hardware.fake_radio.mesh_air import MeshAir
from meshaid.hardware.fake_radio.routing import (
    TxAirtime,
    airtime_of,
    outgoing_hop_limit,
    region_duty_cycle,
)
from meshaid.hardware.sim.topology import line

Error = mesh_pb2.Routing.Error
LoRaConfig = config_pb2.Config.LoRaConfig
PRIVATE = portnums_pb2.PortNum.PRIVATE_APP


class RecordingLink:
    def __init__(self) -> None:
        self.messages: list[mesh_pb2.FromRadio] = []

    def send_from_radio(self, data: bytes) -> None:
        self.messages.append(mesh_pb2.FromRadio.FromString(data))

    def send_log(self, line: str) -> None:
        pass

    def reset(self) -> None:
        pass

    def take(self) -> list[mesh_pb2.FromRadio]:
        out, self.messages = self.messages, []
        return out


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def to_radio(**fields: object) -> bytes:
    return mesh_pb2.ToRadio(**fields).SerializeToString()  # type: ignore[arg-type]


def connected(device: FakeDevice) -> RecordingLink:
    link = RecordingLink()
    device.attach(link)
    device.handle_to_radio(to_radio(want_config_id=7))
    link.take()
    return link


def naks(messages: list[mesh_pb2.FromRadio]) -> list[tuple[int, int]]:
    out = []
    for m in messages:
        if m.HasField("packet") and m.packet.decoded.portnum == portnums_pb2.PortNum.ROUTING_APP:
            routing = mesh_pb2.Routing.FromString(m.packet.decoded.payload)
            out.append((m.packet.decoded.request_id, routing.error_reason))
    return out


def gossip(packet_id: int, hop_limit: int = 0, want_ack: bool = False,
           to: int = BROADCAST_NUM, size: int = 200) -> bytes:
    p = mesh_pb2.MeshPacket(
        to=to, id=packet_id, hop_limit=hop_limit, want_ack=want_ack,
        decoded=mesh_pb2.Data(portnum=PRIVATE, payload=bytes(size)),
    )
    return to_radio(packet=p)


def test_hop_limit_zero_from_the_client_goes_out_as_zero() -> None:
    device = FakeDevice(0x10, air=LocalAir())
    connected(device)
    device.handle_to_radio(gossip(1, hop_limit=0))
    device.handle_to_radio(gossip(2, hop_limit=2))
    assert [(f.hop_limit, f.hop_start) for f in device.transmitted] == [(0, 0), (2, 2)]


def test_hop_limit_zero_with_want_ack_takes_the_configured_default() -> None:
    device = FakeDevice(0x10, air=LocalAir(), hop_limit=5)
    connected(device)
    device.handle_to_radio(gossip(1, hop_limit=0, want_ack=True, to=0x20))
    assert device.transmitted[0].hop_limit == 5
    assert outgoing_hop_limit(0, True, 9) == 7  # at most HOP_MAX
    assert outgoing_hop_limit(0, False, 3) == 0


def test_a_hop_limit_zero_frame_stays_with_the_senders_neighbours_on_a_mesh() -> None:
    # Before, the device turned 0 into its default of 3 and the line relayed it 3 hops.
    air = MeshAir(line(4, 0.0, random.Random(0)), random.Random(1), time_scale=100.0,
                  relay_window=0.05)
    with air:
        devices = [FakeDevice(0x10 + i, air=air) for i in range(4)]
        links = [connected(d) for d in devices]
        devices[0].handle_to_radio(gossip(0xAB, hop_limit=0))
        wait_until(lambda: any(m.HasField("packet") for m in links[1].messages))
        devices[0].handle_to_radio(gossip(0xAC, hop_limit=1))
        wait_until(lambda: any(m.HasField("packet") for m in links[2].messages))
        time.sleep(0.2)
        heard = [sorted(m.packet.id for m in link.messages if m.HasField("packet"))
                 for link in links]
    assert heard == [[], [0xAB, 0xAC], [0xAC], []]
    assert air.counters.relays == 1


def eu_device(clock: Clock, region: int = LoRaConfig.RegionCode.EU_868) -> FakeDevice:
    return FakeDevice(0x10, air=LocalAir(), region=region, clock=clock, text_interval=0.0)


def fill_the_hour(device: FakeDevice, link: RecordingLink, clock: Clock) -> int:
    """Send 200-byte frames a minute apart until the device refuses; how many went."""
    for packet_id in range(1, 2000):
        device.handle_to_radio(gossip(packet_id))
        if naks(link.take()):
            return packet_id - 1
        clock.now += 2.0
    raise AssertionError("the duty cycle never refused")


def test_past_the_eu_duty_cycle_the_device_refuses_as_the_firmware_does() -> None:
    clock = Clock()
    device = eu_device(clock)
    link = connected(device)
    sent = fill_the_hour(device, link, clock)
    one = airtime_of(device.transmitted[0])
    # Refused once the hour's airtime went above 10 %: 360 s of it.
    assert sent == int(360 / one) + 1
    assert device.tx_percent() > 10.0
    device.handle_to_radio(gossip(5000))
    messages = link.take()
    kinds = [m.WhichOneof("payload_variant") for m in messages]
    assert kinds == ["queueStatus", "clientNotification", "packet"]
    assert messages[0].queueStatus.res == Error.DUTY_CYCLE_LIMIT
    notice = messages[1].clientNotification
    assert notice.reply_id == 5000 and notice.level == mesh_pb2.LogRecord.Level.WARNING
    assert notice.message.startswith("Duty cycle limit exceeded. You can send again in ")
    assert naks(messages) == [(5000, Error.DUTY_CYCLE_LIMIT)]
    assert device.counters.refused[Error.DUTY_CYCLE_LIMIT] == 2
    # An hour later the oldest minutes have left the window: sending works again.
    clock.now += 3600.0
    device.handle_to_radio(gossip(5001))
    assert not naks(link.take())


def test_relays_past_the_duty_cycle_are_dropped_silently() -> None:
    clock = Clock()
    device = eu_device(clock)
    link = connected(device)
    fill_the_hour(device, link, clock)
    heard = AirFrame(sender=0x99, dest=BROADCAST_NUM, packet_id=9, hop_limit=2, hop_start=3,
                     want_ack=False, channel_hash=0, channel_key=b"", region=device.lora.region,
                     modem_preset=device.lora.modem_preset, data=bytes(40))
    assert device.may_relay(heard) is False
    assert device.counters.relays_refused == 1
    assert link.take() == []  # the client is not told


def test_regions_without_a_duty_cycle_never_refuse() -> None:
    clock = Clock()
    device = eu_device(clock, region=LoRaConfig.RegionCode.US)
    link = connected(device)
    for packet_id in range(1, 400):
        device.handle_to_radio(gossip(packet_id))
        clock.now += 1.0
    assert not naks(link.take())
    assert device.tx_percent() > 10.0
    override = LoRaConfig(region=LoRaConfig.RegionCode.EU_868, override_duty_cycle=True)
    assert region_duty_cycle(override) == 100.0
    assert region_duty_cycle(LoRaConfig(region=LoRaConfig.RegionCode.EU_866)) == 2.5


def test_the_silent_minutes_count_down_as_old_minutes_leave_the_hour() -> None:
    window = TxAirtime()
    frame = AirFrame(sender=1, dest=BROADCAST_NUM, packet_id=1, hop_limit=0, hop_start=0,
                     want_ack=False, channel_hash=0, channel_key=b"", region=3,
                     modem_preset=LoRaConfig.ModemPreset.LONG_FAST, data=bytes(200))
    per_frame = airtime_of(frame)
    for _ in range(int(400 / per_frame)):  # about 400 s in the first minute
        window.note(frame, 0.0)
    assert window.silent_minutes(30.0, 10.0) == 60  # all of it in the oldest minute
    assert window.silent_minutes(59 * 60 + 1, 10.0) == 1
    assert window.silent_minutes(3600.0, 10.0) is None
    assert window.silent_minutes(30.0, 100.0) is None
