"""FakeDevice on its own: the firmware's answers to a client, with no sockets or threads."""

from __future__ import annotations

import pytest
from meshtastic.protobuf import mesh_pb2, portnums_pb2, telemetry_pb2

from meshaid.hardware.fake_radio import AirFrame, FakeDevice, LocalAir
from meshaid.hardware.fake_radio.device import ERRNO_UNKNOWN, TX_QUEUE_LEN, expand_psk
from meshaid.hardware.meshtastic_radio import MTU, TEXT_MTU

Error = mesh_pb2.Routing.Error
PRIVATE = portnums_pb2.PortNum.PRIVATE_APP
TEXT = portnums_pb2.PortNum.TEXT_MESSAGE_APP
BROADCAST = 0xFFFFFFFF


class RecordingLink:
    def __init__(self) -> None:
        self.messages: list[mesh_pb2.FromRadio] = []
        self.logs: list[str] = []
        self.resets = 0

    def send_from_radio(self, data: bytes) -> None:
        self.messages.append(mesh_pb2.FromRadio.FromString(data))

    def send_log(self, line: str) -> None:
        self.logs.append(line)

    def reset(self) -> None:
        self.resets += 1

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


def packet(
    packet_id: int, payload: bytes = b"x", port: int = PRIVATE, to: int = BROADCAST,
    channel: int = 0, want_ack: bool = False,
) -> bytes:
    p = mesh_pb2.MeshPacket(
        to=to, id=packet_id, channel=channel, want_ack=want_ack,
        decoded=mesh_pb2.Data(portnum=port, payload=payload),
    )
    return to_radio(packet=p)


def connected(device: FakeDevice) -> RecordingLink:
    link = RecordingLink()
    device.attach(link)
    device.handle_to_radio(to_radio(want_config_id=7))
    link.take()
    return link


def statuses(messages: list[mesh_pb2.FromRadio]) -> list[tuple[int, int, int]]:
    return [
        (m.queueStatus.res, m.queueStatus.free, m.queueStatus.mesh_packet_id)
        for m in messages if m.HasField("queueStatus")
    ]


def naks(messages: list[mesh_pb2.FromRadio]) -> list[tuple[int, int]]:
    out = []
    for m in messages:
        if m.HasField("packet") and m.packet.decoded.portnum == portnums_pb2.PortNum.ROUTING_APP:
            routing = mesh_pb2.Routing.FromString(m.packet.decoded.payload)
            out.append((m.packet.decoded.request_id, routing.error_reason))
    return out


def test_config_stream_follows_the_firmware_order_and_ends_with_the_nonce() -> None:
    device = FakeDevice(0x1234, firmware_version="2.6.11.test", channels=[("", b"\x01")])
    link = RecordingLink()
    device.attach(link)
    device.handle_to_radio(to_radio(want_config_id=4242))
    kinds = [m.WhichOneof("payload_variant") for m in link.messages]
    order = []
    for kind in kinds:
        if not order or order[-1] != kind:
            order.append(kind)
    assert order == [
        "my_info", "node_info", "metadata", "channel", "config", "moduleConfig",
        "config_complete_id",
    ]
    assert kinds.count("channel") == 8
    first = link.messages[0].my_info
    own = link.messages[1].node_info
    assert first.my_node_num == own.num == 0x1234
    assert own.user.id == "!00001234"
    assert link.messages[2].metadata.firmware_version == "2.6.11.test"
    channels = [m.channel for m in link.messages if m.HasField("channel")]
    assert channels[0].settings.psk == b"\x01"
    assert channels[0].role == channels[0].Role.PRIMARY
    assert {c.role for c in channels[1:]} == {channels[0].Role.DISABLED}
    lora = next(m.config.lora for m in link.messages if m.config.HasField("lora"))
    assert (lora.region, lora.hop_limit) == (lora.RegionCode.EU_868, 3)
    assert link.messages[-1].config_complete_id == 4242
    assert link.logs == ["INFO  | Client wants config, nonce=4242"]
    assert device.client_active


def test_heartbeat_is_answered_with_the_queue_status() -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.handle_to_radio(to_radio(heartbeat=mesh_pb2.Heartbeat()))
    assert statuses(link.take()) == [(0, TX_QUEUE_LEN, 0)]


def test_a_packet_is_acknowledged_by_queue_status_and_put_on_air() -> None:
    air = LocalAir()
    device, other = FakeDevice(0x10, air=air), FakeDevice(0x20, air=air)
    link, other_link = connected(device), connected(other)
    device.handle_to_radio(packet(0xAB, b"gossip"))
    assert statuses(link.take()) == [(0, TX_QUEUE_LEN - 1, 0xAB)]
    assert [f.packet_id for f in device.transmitted] == [0xAB]
    heard = [m.packet for m in other_link.take()]
    assert len(heard) == 1
    assert getattr(heard[0], "from") == 0x10
    assert heard[0].decoded.payload == b"gossip"
    assert heard[0].decoded.portnum == PRIVATE
    # hop_limit 0 from the client stays 0, as Router::sendLocal leaves it
    assert (heard[0].rx_rssi, heard[0].rx_snr, heard[0].hop_limit) == (-70, 8.0, 0)


def test_a_packet_id_seen_recently_is_ignored_without_an_answer() -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.handle_to_radio(packet(5))
    device.handle_to_radio(packet(5))
    assert len(statuses(link.take())) == 1
    assert device.counters.duplicate_ids == 1
    assert len(device.transmitted) == 1


def test_a_second_text_within_two_seconds_is_rate_limited_like_the_firmware() -> None:
    clock = Clock()
    device = FakeDevice(0x10, clock=clock)
    link = connected(device)
    device.handle_to_radio(packet(1, b"hi", port=TEXT, to=0x20))
    clock.now += 1.9
    device.handle_to_radio(packet(2, b"again", port=TEXT, to=0x20))
    messages = link.take()
    assert statuses(messages) == [(0, 15, 1), (0, 16, 2)]
    assert naks(messages) == [(2, Error.RATE_LIMIT_EXCEEDED)]
    clock.now += 0.2
    device.handle_to_radio(packet(3, b"later", port=TEXT, to=0x20))
    assert naks(link.take()) == []
    assert [f.packet_id for f in device.transmitted] == [1, 3]


def test_gossip_is_not_rate_limited() -> None:
    device = FakeDevice(0x10, clock=Clock())
    link = connected(device)
    for i in range(1, 6):
        device.handle_to_radio(packet(i))
    assert naks(link.take()) == []
    assert len(device.transmitted) == 5


@pytest.mark.parametrize("reason", [Error.DUTY_CYCLE_LIMIT, Error.NO_CHANNEL])
def test_a_forced_router_refusal_sets_res_and_naks(reason: int) -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.fail_next(reason)
    device.handle_to_radio(packet(9))
    messages = link.take()
    assert statuses(messages) == [(reason, 16, 9)]
    assert naks(messages) == [(9, reason)]
    assert device.transmitted == []
    device.handle_to_radio(packet(10))
    assert naks(link.take()) == []


def test_a_forced_failure_can_target_one_port() -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.fail_next(Error.RATE_LIMIT_EXCEEDED, portnum=TEXT)
    device.handle_to_radio(packet(1))
    device.handle_to_radio(packet(2, port=TEXT, to=0x20))
    assert naks(link.take()) == [(2, Error.RATE_LIMIT_EXCEEDED)]


def test_frame_size_limit_is_header_plus_data_with_bitfield() -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.handle_to_radio(packet(1, bytes(MTU)))
    device.handle_to_radio(packet(2, bytes(MTU + 1)))
    messages = link.take()
    assert naks(messages) == [(2, Error.TOO_LARGE)]
    assert [f.phy_payload_len for f in device.transmitted] == [255]


def test_text_limit_of_the_adapter_leaves_room_for_pki_overhead() -> None:
    device = FakeDevice(0x10, clock=Clock())
    connected(device)
    device.handle_to_radio(packet(1, bytes(TEXT_MTU), port=TEXT, to=0x20))
    # The fake does not encrypt DMs with PKI; on air the real one adds 12 bytes.
    assert device.transmitted[0].phy_payload_len + 12 == 255


def test_a_full_tx_queue_refuses_with_errno_unknown_and_no_nak() -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.hold_transmissions()
    for i in range(1, TX_QUEUE_LEN + 2):
        device.handle_to_radio(packet(i))
    messages = link.take()
    assert statuses(messages)[-2:] == [(0, 0, TX_QUEUE_LEN), (ERRNO_UNKNOWN, 0, TX_QUEUE_LEN + 1)]
    assert naks(messages) == []
    assert device.tx_queue_free == 0
    device.release_transmissions()
    assert [f.packet_id for f in device.transmitted] == list(range(1, TX_QUEUE_LEN + 1))
    assert device.tx_queue_free == TX_QUEUE_LEN


def test_the_tx_queue_drains_in_order_even_when_a_packet_arrives_mid_release() -> None:
    class RecordingAir:
        def __init__(self) -> None:
            self.ids: list[int] = []

        def join(self, radio: object) -> None: ...

        def leave(self, radio: object) -> None: ...

        def transmit(self, frame: AirFrame) -> None:
            self.ids.append(frame.packet_id)
            if len(self.ids) == 1:  # the client writes while the first frame is on air
                device.handle_to_radio(packet(99))

    air = RecordingAir()
    device = FakeDevice(0x10, air=air)
    connected(device)
    device.hold_transmissions()
    for i in (1, 2, 3):
        device.handle_to_radio(packet(i))
    device.release_transmissions()
    assert air.ids == [1, 2, 3, 99]


def test_only_broadcasts_and_packets_for_this_node_reach_the_client() -> None:
    air = LocalAir()
    a, b, c = (FakeDevice(n, air=air) for n in (0x10, 0x20, 0x30))
    connected(a)
    link_b, link_c = connected(b), connected(c)
    a.handle_to_radio(packet(1, b"to b", to=0x20))
    assert [m.packet.decoded.payload for m in link_b.take()] == [b"to b"]
    assert link_c.take() == []
    assert c.counters.heard == 1


def test_a_direct_message_with_want_ack_is_acked_back_over_the_air() -> None:
    air = LocalAir()
    a, b = FakeDevice(0x10, air=air), FakeDevice(0x20, air=air)
    link_a = connected(a)
    connected(b)
    a.handle_to_radio(packet(77, b"hello", port=TEXT, to=0x20, want_ack=True))
    assert naks(link_a.take()) == [(77, Error.NONE)]


def test_radios_on_another_key_or_preset_do_not_hear_each_other() -> None:
    air = LocalAir()
    a = FakeDevice(0x10, air=air)
    other_key = FakeDevice(0x20, air=air, channels=[("", bytes(range(16)))])
    other_preset = FakeDevice(0x30, air=air, modem_preset=1)
    links = [connected(d) for d in (a, other_key, other_preset)]
    a.handle_to_radio(packet(1))
    assert links[1].take() == [] and links[2].take() == []
    assert other_key.counters.undecodable == 1
    assert other_preset.counters.heard == 0


def test_a_repeated_frame_is_delivered_once() -> None:
    device = FakeDevice(0x20)
    link = connected(device)
    data = mesh_pb2.Data(portnum=PRIVATE, payload=b"p").SerializeToString()
    frame = AirFrame(
        sender=0x10, dest=BROADCAST, packet_id=3, hop_limit=2, hop_start=3, want_ack=False,
        channel_hash=device._channel_hash(0), channel_key=expand_psk(b"\x01"),
        region=device.lora.region, modem_preset=device.lora.modem_preset, data=data,
    )
    device.hear(frame, -90, 1.5)
    device.hear(frame, -80, 3.0)
    received = [m.packet for m in link.take()]
    assert len(received) == 1
    assert (received[0].hop_start - received[0].hop_limit, received[0].rx_rssi) == (1, -90)
    assert device.counters.heard_repeats == 1


def test_packets_heard_while_no_client_wait_for_the_next_handshake() -> None:
    air = LocalAir()
    a, b = FakeDevice(0x10, air=air), FakeDevice(0x20, air=air)
    connected(a)
    a.handle_to_radio(packet(1, b"while away"))
    link_b = RecordingLink()
    b.attach(link_b)
    assert link_b.messages == []
    b.handle_to_radio(to_radio(want_config_id=1))
    kinds = [m.WhichOneof("payload_variant") for m in link_b.messages]
    assert kinds[-1] == "packet"
    assert kinds.index("config_complete_id") < kinds.index("packet")
    other_nodes = [m.node_info.num for m in link_b.messages if m.HasField("node_info")]
    assert other_nodes == [0x20, 0x10]


def test_disconnect_stops_delivery_until_the_client_configures_again() -> None:
    air = LocalAir()
    a, b = FakeDevice(0x10, air=air), FakeDevice(0x20, air=air)
    connected(a)
    link_b = connected(b)
    b.handle_to_radio(to_radio(disconnect=True))
    a.handle_to_radio(packet(1))
    assert link_b.take() == []
    b.handle_to_radio(to_radio(want_config_id=2))
    assert link_b.take()[-1].HasField("packet")


def test_metrics_reach_the_client_as_telemetry_and_the_next_handshake() -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.report_metrics(channel_utilisation=31.5, own_airtime_share=4.25)
    (message,) = link.take()
    assert message.packet.decoded.portnum == portnums_pb2.PortNum.TELEMETRY_APP
    metrics = telemetry_pb2.Telemetry.FromString(message.packet.decoded.payload).device_metrics
    assert (metrics.channel_utilization, metrics.air_util_tx) == (31.5, 4.25)
    device.handle_to_radio(to_radio(want_config_id=3))
    own = next(m.node_info for m in link.take() if m.HasField("node_info"))
    assert own.device_metrics.channel_utilization == 31.5


def test_reboot_tells_the_client_and_forgets_the_tx_queue() -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.hold_transmissions()
    device.handle_to_radio(packet(1))
    link.take()
    device.reboot()
    assert [m.rebooted for m in link.take()] == [True]
    assert device.tx_queue_free == TX_QUEUE_LEN
    assert not device.client_active


def test_garbage_from_the_client_is_counted_not_raised() -> None:
    device = FakeDevice(0x10)
    link = connected(device)
    device.handle_to_radio(b"\xff\xff\xff")
    assert device.counters.malformed == 1
    assert link.take() == []


@pytest.mark.parametrize(
    ("psk", "key_len"), [(b"", 0), (b"\x00", 0), (b"\x01", 16), (b"\x05", 16), (bytes(32), 32)]
)
def test_psk_shorthands_expand_like_the_firmware(psk: bytes, key_len: int) -> None:
    assert len(expand_psk(psk)) == key_len
    if len(psk) == 1 and psk[0] > 1:
        assert expand_psk(psk)[-1] == expand_psk(b"\x01")[-1] + psk[0] - 1
