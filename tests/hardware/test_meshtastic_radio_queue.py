"""The adapter's send queue and small helpers, without threads, sockets or a clock."""

from __future__ import annotations

import subprocess
import sys

import pytest
from meshtastic.protobuf import config_pb2, mesh_pb2, portnums_pb2
from meshtastic.serial_interface import SerialInterface
from meshtastic.tcp_interface import DEFAULT_TCP_PORT, TCPInterface
from meshtastic.util import DEFAULT_KEY

from meshaid.hardware.meshtastic_radio import (
    ERRNO_UNKNOWN,
    GOSSIP_PORT,
    MTU,
    TEXT_MTU,
    TEXT_PORT,
    Pending,
    RetryPolicy,
    SendQueue,
    SerialTarget,
    TcpTarget,
    find_serial_port,
    firmware,
    parse_target,
    preset_display_name,
    psk_kind,
)
from meshaid.hardware.meshtastic_radio.hooks import PRIVATE_METHODS, TCP_PRIVATE_METHODS
from meshaid.hardware.radio import RadioAddressError, RadioInfo, RadioQueueFullError

Error = mesh_pb2.Routing.Error
POLICY = RetryPolicy(
    text_interval=2.0, rate_limit_delay=3.0, duty_cycle_delay=60.0, duty_cycle_max=200.0,
    refused_delay=1.0, confirm_timeout=10.0, nak_window=30.0,
)


def gossip(tag: bytes) -> Pending:
    return Pending(GOSSIP_PORT, tag, None)


def text(tag: bytes) -> Pending:
    return Pending(TEXT_PORT, tag, 0x20)


class Radio:
    """Plays the radio's side: hands out packet ids and remembers which packet had which."""

    def __init__(self, queue: SendQueue) -> None:
        self.queue = queue
        self.next_id = 100
        self.ids: dict[bytes, int] = {}

    def send_ready(self, now: float) -> list[bytes]:
        out = []
        while (item := self.queue.next_ready(now)) is not None:
            self.next_id += 1
            self.ids[item.payload] = self.next_id
            self.queue.sent(item, self.next_id, now)
            out.append(item.payload)
        return out

    def status(self, tag: bytes, res: int = 0, free: int = 15, now: float = 0.0) -> None:
        self.queue.queue_status(self.ids[tag], res, free, now)

    def nak(self, tag: bytes, error: int, now: float = 0.0) -> None:
        self.queue.routing(self.ids[tag], error, now)


def setup(*items: Pending) -> tuple[SendQueue, Radio]:
    queue = SendQueue(POLICY)
    for item in items:
        queue.push(item)
    return queue, Radio(queue)


def test_gossip_goes_in_order_and_texts_go_first() -> None:
    _, radio = setup(gossip(b"g1"), gossip(b"g2"), text(b"t1"))
    assert radio.send_ready(0.0) == [b"t1", b"g1", b"g2"]


def test_texts_are_paced_but_gossip_is_not() -> None:
    queue, radio = setup(text(b"t1"), text(b"t2"), gossip(b"g1"))
    assert radio.send_ready(0.0) == [b"t1", b"g1"]
    assert queue.next_deadline(0.0) == 2.0
    assert radio.send_ready(1.9) == []
    assert radio.send_ready(2.0) == [b"t2"]


def test_nothing_goes_while_the_radio_has_no_free_slot() -> None:
    queue, radio = setup(*(gossip(bytes([i])) for i in range(4)))
    queue.queue_status(0, 0, 2, 0.0)  # a heartbeat's answer: 2 slots free
    assert radio.send_ready(0.0) == [b"\x00", b"\x01"]
    assert queue.free_slots == 0
    assert queue.blocked_on_slots(0.0)
    radio.status(b"\x00", free=0)  # the radio's queue filled up meanwhile
    radio.status(b"\x01", free=0)
    assert radio.send_ready(1.0) == []
    queue.queue_status(0, 0, 16, 2.0)  # transmitted: a heartbeat says so
    assert not queue.blocked_on_slots(2.0)
    assert radio.send_ready(2.0) == [b"\x02", b"\x03"]


def test_a_rate_limit_nak_after_res_0_sends_the_text_again_after_the_delay() -> None:
    queue, radio = setup(text(b"t1"), text(b"t2"))
    assert radio.send_ready(0.0) == [b"t1"]
    radio.status(b"t1", res=0)
    radio.nak(b"t1", Error.RATE_LIMIT_EXCEEDED, now=0.1)
    assert queue.counters.rate_limited == 1
    assert radio.send_ready(3.0) == []
    assert radio.send_ready(3.1) == [b"t1"]  # first in line again
    assert radio.send_ready(5.1) == [b"t2"]
    assert queue.counters.retries == 1
    assert queue.counters.sent == 3


def test_duty_cycle_refusal_holds_everything_and_backs_off_while_it_lasts() -> None:
    queue, radio = setup(gossip(b"a"), gossip(b"b"), text(b"t"))
    assert radio.send_ready(0.0) == [b"t", b"a", b"b"]
    radio.status(b"t", res=0)
    radio.status(b"a", res=Error.DUTY_CYCLE_LIMIT)
    radio.nak(b"a", Error.DUTY_CYCLE_LIMIT)  # the same refusal twice: one retry
    radio.status(b"b", res=Error.DUTY_CYCLE_LIMIT)  # same burst: no longer hold
    assert queue.counters.duty_cycle == 2
    assert queue.pending == 2
    queue.push(text(b"t2"))
    assert queue.next_deadline(0.0) == 60.0  # texts wait too
    assert radio.send_ready(59.0) == []
    assert radio.send_ready(60.0) == [b"t2", b"a", b"b"]  # back at the front, in order
    for tag in (b"t2", b"a", b"b"):  # still over the limit: hold twice as long
        radio.status(tag, res=Error.DUTY_CYCLE_LIMIT, now=60.0)
    assert queue.next_deadline(60.0) == 180.0
    assert radio.send_ready(180.0) == [b"t2", b"a", b"b"]
    radio.status(b"t2", res=0, now=180.0)
    for tag in (b"a", b"b"):  # an accepted packet between refusals starts over
        radio.status(tag, res=Error.DUTY_CYCLE_LIMIT, now=180.0)
    assert queue.next_deadline(180.0) == 240.0
    assert radio.send_ready(240.0) == [b"a", b"b"]
    radio.status(b"a", res=Error.DUTY_CYCLE_LIMIT, now=240.0)
    radio.status(b"b", res=Error.DUTY_CYCLE_LIMIT, now=240.0)
    assert queue.next_deadline(240.0) == 360.0
    assert radio.send_ready(360.0) == [b"a", b"b"]
    radio.status(b"a", res=Error.DUTY_CYCLE_LIMIT, now=360.0)
    radio.status(b"b", res=Error.DUTY_CYCLE_LIMIT, now=360.0)
    assert queue.next_deadline(360.0) == 560.0  # 240 s, capped at 200


@pytest.mark.parametrize("how", ["status", "nak"])
def test_too_large_is_dropped_and_counted_not_retried(how: str) -> None:
    queue, radio = setup(gossip(b"big"))
    radio.send_ready(0.0)
    if how == "status":
        radio.status(b"big", res=Error.TOO_LARGE)
    else:
        radio.status(b"big", res=0)
        radio.nak(b"big", Error.TOO_LARGE)
    assert queue.counters.too_large == 1
    assert queue.pending == 0
    assert radio.send_ready(100.0) == []


def test_a_full_radio_queue_sends_the_packet_again_shortly() -> None:
    queue, radio = setup(gossip(b"a"))
    radio.send_ready(0.0)
    radio.status(b"a", res=ERRNO_UNKNOWN, free=0)
    assert queue.counters.refused == 1
    queue.queue_status(0, 0, 4, 0.5)
    assert radio.send_ready(0.5) == []
    assert radio.send_ready(1.0) == [b"a"]


def test_other_naks_drop_the_packet_and_acks_are_counted() -> None:
    queue, radio = setup(text(b"dm"), gossip(b"g"))
    radio.send_ready(0.0)
    radio.status(b"dm")
    radio.status(b"g")
    radio.nak(b"dm", Error.MAX_RETRANSMIT)
    radio.nak(b"g", Error.NONE)
    assert (queue.counters.failed, queue.counters.acked) == (1, 1)
    assert queue.pending == 0


def test_a_failed_write_goes_again_after_a_pause_unless_a_reset_took_it_back() -> None:
    queue, radio = setup(gossip(b"a"), gossip(b"b"))
    assert radio.send_ready(0.0) == [b"a", b"b"]
    queue.write_failed(radio.ids[b"a"], 0.0)
    assert queue.counters.send_errors == 1
    assert radio.send_ready(0.5) == []
    queue.link_reset()  # b was in flight too
    queue.write_failed(radio.ids[b"b"], 0.5)  # already back in the queue: no double
    assert queue.pending == 2
    assert radio.send_ready(1.0) == [b"a", b"b"]


def test_answers_about_unknown_packets_are_ignored() -> None:
    queue, radio = setup(gossip(b"a"))
    radio.send_ready(0.0)
    queue.queue_status(12345, Error.DUTY_CYCLE_LIMIT, 9, 0.0)
    queue.routing(12345, Error.RATE_LIMIT_EXCEEDED, 0.0)
    assert queue.pending == 1
    assert queue.free_slots == 8
    assert (queue.counters.duty_cycle, queue.counters.rate_limited) == (0, 0)


def test_a_reset_link_sends_unconfirmed_packets_again_in_order() -> None:
    queue, radio = setup(gossip(b"a"), gossip(b"b"), gossip(b"c"))
    queue.queue_status(0, 0, 2, 0.0)
    assert radio.send_ready(0.0) == [b"a", b"b"]
    radio.status(b"a")
    queue.link_reset()
    assert queue.free_slots is None
    assert radio.send_ready(1.0) == [b"b", b"c"]


def test_no_queue_status_means_old_firmware_the_packet_counts_as_taken() -> None:
    queue, radio = setup(gossip(b"a"))
    radio.send_ready(0.0)
    assert queue.next_deadline(0.0) == 10.0
    queue.expire(10.0)
    assert (queue.counters.unconfirmed, queue.pending) == (1, 0)
    radio.nak(b"a", Error.RATE_LIMIT_EXCEEDED, now=20.0)  # still within the NAK window
    assert queue.pending == 1
    assert radio.send_ready(23.0) == [b"a"]
    queue.expire(40.0)
    queue.expire(70.0)
    radio.nak(b"a", Error.RATE_LIMIT_EXCEEDED, now=70.0)  # too late: the packet is gone
    assert queue.pending == 0


def test_gossip_is_outstanding_until_the_radio_confirms_or_drops_it() -> None:
    queue, radio = setup(gossip(b"a"), gossip(b"b"), text(b"t"))
    assert (queue.outstanding(GOSSIP_PORT), queue.outstanding(TEXT_PORT)) == (2, 1)
    radio.send_ready(0.0)
    assert queue.outstanding(GOSSIP_PORT) == 2  # written, not yet confirmed
    radio.status(b"a")
    radio.status(b"t")
    assert (queue.outstanding(GOSSIP_PORT), queue.outstanding(TEXT_PORT)) == (1, 0)
    radio.status(b"b", res=Error.TOO_LARGE)
    assert queue.outstanding(GOSSIP_PORT) == 0
    radio.nak(b"a", Error.DUTY_CYCLE_LIMIT)  # refused after all: waiting again
    assert queue.outstanding(GOSSIP_PORT) == 1


def test_gossip_without_a_queue_status_stops_being_outstanding_at_the_timeout() -> None:
    queue, radio = setup(gossip(b"a"))
    radio.send_ready(0.0)
    queue.expire(9.9)
    assert queue.outstanding(GOSSIP_PORT) == 1
    queue.expire(10.0)
    assert queue.outstanding(GOSSIP_PORT) == 0


def test_a_full_send_queue_refuses_more() -> None:
    queue = SendQueue(POLICY, capacity=2)
    queue.push(gossip(b"a"))
    queue.push(text(b"b"))
    with pytest.raises(RadioQueueFullError, match="full"):
        queue.push(gossip(b"c"))


@pytest.mark.parametrize(
    ("text", "target"),
    [
        (None, SerialTarget(None)),
        ("", SerialTarget(None)),
        ("auto", SerialTarget(None)),
        ("/dev/ttyUSB0", SerialTarget("/dev/ttyUSB0")),
        ("./radio", SerialTarget("./radio")),
        ("meshtastic.local", TcpTarget("meshtastic.local", 4403)),
        ("192.168.1.20:4404", TcpTarget("192.168.1.20", 4404)),
        ("tcp://radio:9000/", TcpTarget("radio", 9000)),
        ("[::1]:4403", TcpTarget("::1", 4403)),
        ("[fe80::1]", TcpTarget("fe80::1", 4403)),
    ],
)
def test_radio_addresses_are_read_as_users_write_them(text: str | None, target: object) -> None:
    assert parse_target(text) == target


@pytest.mark.parametrize("text", ["host:0", "host:99999", "host:http", ":4403", "[::1]x"])
def test_bad_radio_addresses_are_clear_errors(text: str) -> None:
    with pytest.raises(RadioAddressError):
        parse_target(text)


def test_the_one_serial_port_is_found() -> None:
    ports = {"/dev/ttyUSB*": [], "/dev/ttyACM*": ["/dev/ttyACM0"]}
    assert find_serial_port(glob_fn=ports.__getitem__) == "/dev/ttyACM0"


def test_no_serial_port_is_an_error_saying_where_it_looked() -> None:
    with pytest.raises(RadioAddressError, match=r"/dev/ttyUSB\*, /dev/ttyACM\*"):
        find_serial_port(glob_fn=lambda pattern: [])


def test_several_serial_ports_are_an_error_listing_them(tmp_path: object) -> None:
    ports = {"/dev/ttyUSB*": ["/dev/ttyUSB1", "/dev/ttyUSB0"], "/dev/ttyACM*": ["/dev/ttyACM0"]}
    with pytest.raises(RadioAddressError, match="/dev/ttyACM0, /dev/ttyUSB0, /dev/ttyUSB1"):
        find_serial_port(glob_fn=ports.__getitem__)


@pytest.mark.parametrize(
    ("psk", "kind"),
    [(b"", "none"), (b"\x00", "none"), (b"\x01", "default"), (b"\x02", "simple"),
     (bytes.fromhex("d4f1bb3a20290759f0bcffabcf4e6901"), "default"), (bytes(16), "private"),
     (bytes(range(32)), "private")],
)
def test_public_keys_are_recognised(psk: bytes, kind: str) -> None:
    assert psk_kind(psk) == kind
    info = RadioInfo(1, "", "", "", "EU_868", "LONG_FAST", 3, 0, "LongFast", kind)
    assert info.uses_default_key == (kind == "default")
    assert info.channel_is_public == (kind != "private")


def test_preset_names_are_those_the_firmware_shows() -> None:
    assert preset_display_name(0) == "LongFast"
    assert preset_display_name(7) == "LongMod"
    assert preset_display_name(99) == "Invalid"


def test_payload_limits() -> None:
    assert MTU == 231
    assert TEXT_MTU == 220


def test_the_numbers_copied_from_the_library_are_the_librarys() -> None:
    port = portnums_pb2.PortNum
    assert (firmware.TEXT_PORT, firmware.ROUTING_PORT, firmware.TELEMETRY_PORT) == (
        port.TEXT_MESSAGE_APP, port.ROUTING_APP, port.TELEMETRY_APP,
    )
    assert firmware.GOSSIP_PORT == port.PRIVATE_APP
    for error in firmware.RoutingError:
        assert error == mesh_pb2.Routing.Error.Value(error.name)
    assert (firmware.DEFAULT_TCP_PORT, firmware.DEFAULT_KEY) == (DEFAULT_TCP_PORT, DEFAULT_KEY)
    presets = config_pb2.Config.LoRaConfig.ModemPreset
    assert all(preset_display_name(value) != "Invalid" for _, value in presets.items())
    regions = config_pb2.Config.LoRaConfig.RegionCode
    assert tuple(name for name, _ in regions.items() if name != "UNSET") == firmware.REGIONS


def test_the_private_library_methods_the_hooks_rely_on_exist() -> None:
    for cls in (SerialInterface, TCPInterface):
        assert [name for name in PRIVATE_METHODS if not callable(getattr(cls, name, None))] == []
    assert all(callable(getattr(TCPInterface, name, None)) for name in TCP_PRIVATE_METHODS)


def test_parsing_a_target_and_queueing_do_not_import_meshtastic() -> None:
    code = (
        "import sys\n"
        "from meshaid.hardware.meshtastic_radio import parse_target, SendQueue, Pending, MTU\n"
        "from meshaid.hardware.meshtastic_radio.target import find_serial_port\n"
        "SendQueue().push(Pending(256, b'x', None))\n"
        "parse_target('radio:4403')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('meshtastic', 'pubsub')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
