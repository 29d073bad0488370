"""MeshtasticRadio over the unmodified meshtastic library, against fake radios on one air."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from meshtastic.protobuf import mesh_pb2
from waiting import TIMEOUT, wait_until

from meshaid.hardware.fake_radio import FakeDevice, LocalAir, PtyPort, TcpPort
from meshaid.hardware.fake_radio.device import TX_QUEUE_LEN
from meshaid.hardware.meshtastic_radio import (
    MTU,
    TEXT_MTU,
    MeshtasticRadio,
    RetryPolicy,
    SerialTarget,
    TcpTarget,
)
from meshaid.hardware.meshtastic_radio.hooks import PRIVATE_ATTRIBUTES
from meshaid.hardware.radio import (
    PayloadTooLargeError,
    Radio,
    RadioAddressError,
    RadioError,
    RadioNotConnectedError,
    RadioQueueFullError,
    RadioStatus,
    Received,
)

Error = mesh_pb2.Routing.Error

POLICY = RetryPolicy(
    text_interval=0.3, rate_limit_delay=0.3, duty_cycle_delay=0.3, duty_cycle_max=1.0,
    refused_delay=0.1, confirm_timeout=5.0, nak_window=5.0,
)
FAST: dict[str, Any] = {
    "policy": POLICY, "backoff_initial": 0.05, "backoff_max": 0.2,
    "queue_poll_interval": 0.05, "connect_timeout": 5,
}


class Inbox:
    """A thread-safe list of what a radio handed to a callback."""

    def __init__(self) -> None:
        self.items: list[Received] = []
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def __call__(self, item: Received) -> None:
        with self._lock:
            self.items.append(item)
            self.threads.add(threading.get_ident())

    def payloads(self) -> list[bytes]:
        with self._lock:
            return [item.payload for item in self.items]


class Statuses:
    """A thread-safe list of what a radio told its on_status callback."""

    def __init__(self) -> None:
        self._items: list[RadioStatus] = []
        self._lock = threading.Lock()

    def __call__(self, status: RadioStatus) -> None:
        with self._lock:
            self._items.append(status)

    @property
    def items(self) -> list[RadioStatus]:
        with self._lock:
            return list(self._items)


@contextlib.contextmanager
def radio(target: Any, **kwargs: Any) -> Iterator[MeshtasticRadio]:
    r = MeshtasticRadio(target, **{**FAST, **kwargs})
    try:
        assert isinstance(r, Radio)
        assert r.wait_connected(TIMEOUT), r.status
        yield r
    finally:
        r.close()


@contextlib.contextmanager
def tcp_radio(device: FakeDevice, **kwargs: Any) -> Iterator[tuple[MeshtasticRadio, TcpPort]]:
    with TcpPort(device) as port, radio(TcpTarget("127.0.0.1", port.port), **kwargs) as r:
        yield r, port


@contextlib.contextmanager
def serial_radio(
    device: FakeDevice, link: Path, **kwargs: Any
) -> Iterator[tuple[MeshtasticRadio, PtyPort]]:
    with PtyPort(device, link_path=link) as port, radio(SerialTarget(str(link)), **kwargs) as r:
        yield r, port


def test_gossip_crosses_from_tcp_to_serial_and_back_into_the_asyncio_loop(tmp_path: Path) -> None:
    air = LocalAir(rssi=-101, snr=-7.25)
    a, b = FakeDevice(0xA1, air=air), FakeDevice(0xB2, air=air)
    with tcp_radio(a) as (ra, _), serial_radio(b, tmp_path / "tty") as (rb, _):
        assert isinstance(ra, Radio) and isinstance(rb, Radio)
        assert (ra.node_id, rb.node_id, ra.mtu, ra.text_mtu) == (0xA1, 0xB2, MTU, TEXT_MTU)
        assert ra.address.startswith("127.0.0.1:") and rb.address == str(tmp_path / "tty")

        async def exchange() -> tuple[Received, Received, int, set[int]]:
            loop_thread = threading.get_ident()
            got_a: asyncio.Queue[Received] = asyncio.Queue()
            got_b: asyncio.Queue[Received] = asyncio.Queue()
            threads: set[int] = set()

            def into(queue: asyncio.Queue[Received]) -> Callable[[Received], None]:
                def callback(item: Received) -> None:
                    threads.add(threading.get_ident())
                    queue.put_nowait(item)
                return callback

            ra.on_receive(into(got_a))
            rb.on_receive(into(got_b))
            ra.send(bytes(range(MTU)))
            first = await asyncio.wait_for(got_b.get(), TIMEOUT)
            rb.send(b"reply", dest=0xA1, hop_limit=1)
            second = await asyncio.wait_for(got_a.get(), TIMEOUT)
            return first, second, loop_thread, threads

        first, second, loop_thread, threads = asyncio.run(exchange())
    assert first == Received(bytes(range(MTU)), 0xA1, -101.0, -7.25, 0, None, 0)
    assert (second.payload, second.sender, second.dest) == (b"reply", 0xB2, 0xA1)
    assert [f.hop_limit for f in b.transmitted] == [1]
    assert threads == {loop_thread}


def test_the_radio_reports_what_the_device_said_about_itself() -> None:
    device = FakeDevice(0xC3, long_name="Corner shop", firmware_version="2.6.11.abc")
    device.report_metrics(channel_utilisation=12.5, own_airtime_share=1.5)
    with tcp_radio(device) as (r, _):
        info = r.info
        assert info is not None
        assert (info.node_num, info.long_name, info.firmware_version) == (
            0xC3, "Corner shop", "2.6.11.abc",
        )
        assert (info.region, info.modem_preset, info.hop_limit) == ("EU_868", "LONG_FAST", 3)
        assert (r.channel_name, r.firmware_version) == ("LongFast", "2.6.11.abc")
        assert r.uses_default_key and info.channel_is_public
        assert "connected to Corner shop (!000000c3" in r.status
        assert r.metrics.channel_utilisation == 12.5
        device.report_metrics(channel_utilisation=48.0, own_airtime_share=6.5)
        wait_until(lambda: r.metrics.channel_utilisation == 48.0)
        assert r.metrics.own_airtime_share == 6.5


def test_a_private_key_is_not_reported_as_public() -> None:
    device = FakeDevice(0xC4, channels=[("", b"\x01"), ("neighbours", bytes(range(32)))])
    with tcp_radio(device, channel_index=1) as (r, _):
        assert r.channel_name == "neighbours"
        assert not r.uses_default_key
        assert r.info is not None and not r.info.channel_is_public


def test_gossip_from_another_channel_is_not_taken() -> None:
    air = LocalAir()
    channels = [("", b"\x01"), ("neighbours", bytes(range(16)))]
    a = FakeDevice(0xD1, air=air, channels=channels)
    b = FakeDevice(0xD2, air=air, channels=channels)
    with tcp_radio(a, channel_index=1) as (ra, _), tcp_radio(b) as (rb, _):
        inbox = Inbox()
        rb.on_receive(inbox)
        ra.send(b"on channel 1")
        wait_until(lambda: rb.stats().received_dropped == 1)
        assert inbox.items == []


def test_the_radios_tx_queue_is_never_overfilled(tmp_path: Path) -> None:
    air = LocalAir()
    a, b = FakeDevice(0xE1, air=air), FakeDevice(0xE2, air=air)
    with tcp_radio(a) as (ra, _), serial_radio(b, tmp_path / "tty") as (rb, _):
        inbox = Inbox()
        rb.on_receive(inbox)
        a.hold_transmissions()
        frames = [b"frame %02d" % i for i in range(TX_QUEUE_LEN + 4)]
        for frame in frames:
            ra.send(frame)
        wait_until(lambda: a.tx_queue_free == 0 and ra.pending == 4)
        heartbeats = a.counters.heartbeats
        wait_until(lambda: a.counters.heartbeats >= heartbeats + 3)  # asking, not sending
        assert a.counters.refused == {}
        assert ra.pending == 4
        a.release_transmissions()
        wait_until(lambda: len(inbox.items) == len(frames))
        assert inbox.payloads() == frames
        assert a.counters.refused == {}


def test_ready_waits_until_the_radio_took_every_gossip_frame_and_on_status_says_so() -> None:
    air = LocalAir()
    a, b = FakeDevice(0xE3, air=air), FakeDevice(0xE4, air=air)
    with tcp_radio(a) as (ra, _), tcp_radio(b) as (rb, _):
        inbox, statuses = Inbox(), Statuses()
        rb.on_receive(inbox)
        ra.on_status(statuses)
        assert ra.ready()
        a.hold_transmissions()
        frames = [b"frame %02d" % i for i in range(TX_QUEUE_LEN + 1)]
        for frame in frames:
            ra.send(frame)
        assert not ra.ready()
        wait_until(lambda: a.tx_queue_free == 0 and ra.pending == 1)
        told = len(statuses.items)  # the radio may have taken the first before the rest came
        heartbeats = a.counters.heartbeats
        wait_until(lambda: a.counters.heartbeats >= heartbeats + 3)
        assert not ra.ready()  # the last frame still waits in our queue
        assert len(statuses.items) == told
        a.release_transmissions()
        wait_until(lambda: len(statuses.items) == told + 1)
        assert ra.ready() and ra.pending == 0
        assert statuses.items[-1] == RadioStatus(True, ra.status)
        wait_until(lambda: len(inbox.items) == len(frames))
        # Texts do not hold gossip back, so their confirmations say nothing.
        ra.send_text("hello", dest=0xE4)
        assert ra.ready()
        wait_until(lambda: ra.stats().send.acked == 1)
        assert len(statuses.items) == told + 1


def test_a_gossip_frame_refused_for_the_duty_cycle_is_not_ready_until_it_went() -> None:
    device = FakeDevice(0xE5)
    slow = RetryPolicy(duty_cycle_delay=0.5, confirm_timeout=5.0)
    with tcp_radio(device, policy=slow) as (r, _):
        statuses = Statuses()
        r.on_status(statuses)
        device.fail_next(Error.DUTY_CYCLE_LIMIT)
        r.send(b"refused once")
        wait_until(lambda: r.stats().send.duty_cycle == 1)
        assert not r.ready()
        wait_until(lambda: r.ready())
        assert r.stats().send.accepted == 1
        wait_until(lambda: len(statuses.items) >= 1)
        assert statuses.items[-1].connected


def test_texts_are_paced_and_a_rate_limit_nak_is_retried(tmp_path: Path) -> None:
    air = LocalAir()
    # This firmware wants 0.5 s between texts; the adapter was told 0.1 s.
    a, b = FakeDevice(0xF1, air=air, text_interval=0.5), FakeDevice(0xF2, air=air)
    eager = RetryPolicy(text_interval=0.1, rate_limit_delay=0.2, confirm_timeout=5.0)
    with serial_radio(a, tmp_path / "tty", policy=eager) as (ra, _), tcp_radio(b) as (rb, _):
        texts = Inbox()
        rb.on_text(texts)
        for word in ("first", "second", "third"):
            ra.send_text(word, dest=0xF2)
        wait_until(lambda: len(texts.items) == 3)
        assert texts.payloads() == [b"first", b"second", b"third"]
        assert all(t.dest == 0xF2 and t.sender == 0xF1 for t in texts.items)
        refused = a.counters.refused.get(Error.RATE_LIMIT_EXCEEDED, 0)
        assert refused >= 1
        # Over serial the library returns 0.1 s after writing: let the counts catch up.
        wait_until(lambda: ra.stats().send.retries == refused)
        wait_until(lambda: ra.stats().send.acked == 3)  # the fake acks direct messages
        assert ra.stats().send.rate_limited == refused


def test_well_paced_texts_are_never_refused() -> None:
    air = LocalAir()
    a, b = FakeDevice(0xF3, air=air, text_interval=0.25), FakeDevice(0xF4, air=air)
    with tcp_radio(a) as (ra, _), tcp_radio(b) as (rb, _):
        texts = Inbox()
        rb.on_text(texts)
        for word in ("one", "two", "three"):
            ra.send_text(word, dest=0xF4)
        wait_until(lambda: len(texts.items) == 3)
        assert a.counters.refused == {}


def test_a_duty_cycle_refusal_is_retried_until_delivered() -> None:
    air = LocalAir()
    a, b = FakeDevice(0x101, air=air), FakeDevice(0x102, air=air)
    with tcp_radio(a) as (ra, _), tcp_radio(b) as (rb, _):
        inbox = Inbox()
        rb.on_receive(inbox)
        a.fail_next(Error.DUTY_CYCLE_LIMIT, count=2)
        ra.send(b"one")
        ra.send(b"two")
        wait_until(lambda: sorted(inbox.payloads()) == [b"one", b"two"])
        wait_until(lambda: ra.pending == 0)  # the radio's last answer may still be on its way
        stats = ra.stats().send
        assert stats.duty_cycle == 2
        assert stats.retries == 2


def test_too_large_is_dropped_and_counted() -> None:
    air = LocalAir()
    a, b = FakeDevice(0x111, air=air), FakeDevice(0x112, air=air)
    with tcp_radio(a) as (ra, _), tcp_radio(b) as (rb, _):
        inbox = Inbox()
        rb.on_receive(inbox)
        a.fail_next(Error.TOO_LARGE)
        ra.send(b"refused")
        ra.send(b"fine")
        wait_until(lambda: inbox.payloads() == [b"fine"])
        wait_until(lambda: ra.pending == 0)
        assert ra.stats().send.too_large == 1
        assert ra.stats().send.retries == 0


def test_tcp_drop_then_return_loses_nothing_that_was_queued() -> None:
    air = LocalAir()
    a, b = FakeDevice(0x121, air=air), FakeDevice(0x122, air=air)
    statuses: list[RadioStatus] = []
    with tcp_radio(a) as (ra, port), tcp_radio(b) as (rb, _):
        ra.on_status(statuses.append)
        inbox = Inbox()
        rb.on_receive(inbox)
        a.hold_transmissions()
        frames = [b"queued %02d" % i for i in range(TX_QUEUE_LEN + 3)]
        for frame in frames:
            ra.send(frame)
        wait_until(lambda: ra.pending == 3)
        port.unplug()
        wait_until(lambda: not ra.connected)
        assert not ra.ready()
        assert str(port.port) in ra.status
        with pytest.raises(RadioNotConnectedError, match="not connected"):
            ra.send(b"while away")
        wait_until(lambda: "cannot reach radio" in ra.status)
        # The radio sends what it took while the host is away. Released only once the
        # host is back, its full queue raced our first write after the return: that
        # packet was refused and the next one, written before the refusal came back,
        # overtook it (order is kept in our queue, not across writes in flight).
        a.release_transmissions()
        wait_until(lambda: len(inbox.items) == TX_QUEUE_LEN)
        port.replug()
        assert ra.wait_connected(TIMEOUT), ra.status
        wait_until(lambda: len(inbox.items) == len(frames))
        assert inbox.payloads() == frames
        assert ra.stats().reconnects == 1
    assert [s.connected for s in statuses][:2] == [False, False]
    assert any(s.connected for s in statuses)


def test_serial_unplug_then_replug_reconnects_and_delivers_the_queue(tmp_path: Path) -> None:
    air = LocalAir()
    a, b = FakeDevice(0x131, air=air), FakeDevice(0x132, air=air)
    with serial_radio(a, tmp_path / "ttyUSB0") as (ra, port), tcp_radio(b) as (rb, _):
        inbox = Inbox()
        rb.on_receive(inbox)
        a.hold_transmissions()
        frames = [b"frame %02d" % i for i in range(TX_QUEUE_LEN + 2)]
        for frame in frames:
            ra.send(frame)
        wait_until(lambda: ra.pending == 2)
        port.unplug()
        wait_until(lambda: "unplugged" in ra.status)
        assert not ra.connected
        port.replug()
        assert ra.wait_connected(TIMEOUT), ra.status
        a.release_transmissions()
        wait_until(lambda: len(inbox.items) == len(frames))
        assert inbox.payloads() == frames


def test_a_device_reboot_is_survived() -> None:
    air = LocalAir()
    a, b = FakeDevice(0x141, air=air), FakeDevice(0x142, air=air)
    with tcp_radio(a) as (ra, _), tcp_radio(b) as (rb, _):
        inbox = Inbox()
        rb.on_receive(inbox)
        requests = a.counters.config_requests
        a.reboot()
        wait_until(lambda: a.counters.config_requests == requests + 1 and ra.connected)
        ra.send(b"after reboot")
        wait_until(lambda: inbox.payloads() == [b"after reboot"])


def test_a_radio_plugged_in_after_start_is_found_and_used(tmp_path: Path) -> None:
    # Before, no USB serial port at start was an error at once (a Pi booting before the
    # radio enumerated): now the worker looks again with its backoff and says so.
    pattern = str(tmp_path / "ttyUSB*")
    r = MeshtasticRadio(None, serial_patterns=[pattern], **FAST)
    port = None
    try:
        wait_until(lambda: "no radio found" in r.status and "retrying" in r.status)
        assert not r.connected
        port = PtyPort(FakeDevice(0x150), link_path=tmp_path / "ttyUSB0").__enter__()
        assert r.wait_connected(TIMEOUT), r.status
        assert r.node_id == 0x150
    finally:
        r.close()
        if port is not None:
            port.__exit__(None, None, None)


def test_the_one_usb_serial_port_is_found_and_used(tmp_path: Path) -> None:
    pattern = str(tmp_path / "ttyUSB*")
    device = FakeDevice(0x151)
    with PtyPort(device, link_path=tmp_path / "ttyUSB0"), radio(
        None, serial_patterns=[pattern]
    ) as r:
        assert r.node_id == 0x151
    with PtyPort(FakeDevice(0x152), link_path=tmp_path / "ttyUSB0"), PtyPort(
        FakeDevice(0x153), link_path=tmp_path / "ttyUSB1"
    ), pytest.raises(RadioAddressError, match=r"ttyUSB0, .*ttyUSB1"):
        MeshtasticRadio(None, serial_patterns=[pattern])


def test_a_disabled_gossip_channel_is_reported_not_used() -> None:
    device = FakeDevice(0x161)
    with TcpPort(device) as port:
        r = MeshtasticRadio(TcpTarget("127.0.0.1", port.port), channel_index=2, **FAST)
        try:
            wait_until(lambda: "disabled" in r.status)
            assert not r.connected
        finally:
            r.close()


def test_bad_sends_are_clear_errors() -> None:
    device = FakeDevice(0x171)
    slow = RetryPolicy(duty_cycle_delay=60.0)
    with tcp_radio(device, capacity=1, policy=slow) as (r, port):
        with pytest.raises(PayloadTooLargeError, match="over the MTU"):
            r.send(bytes(MTU + 1))
        with pytest.raises(RadioAddressError, match="hop limit"):
            r.send(b"x", hop_limit=8)
        with pytest.raises(RadioAddressError, match="itself"):
            r.send(b"x", dest=0x171)
        with pytest.raises(RadioAddressError, match="not a node number"):
            r.send(b"x", dest=0)
        with pytest.raises(PayloadTooLargeError, match="limit"):
            r.send_text("é" * (TEXT_MTU // 2 + 1), dest=0x20)
        with pytest.raises(RadioAddressError, match="one node"):
            r.send_text("hello", dest=0xFFFFFFFF)
        device.fail_next(Error.DUTY_CYCLE_LIMIT)  # keeps the frame in our queue for 60 s
        r.send(b"held")
        with pytest.raises(RadioQueueFullError, match="full"):
            r.send(b"one too many")
    with pytest.raises(RadioNotConnectedError, match="closed"):
        r.send(b"x")
    with pytest.raises(RadioAddressError, match="channel index"):
        MeshtasticRadio(TcpTarget("127.0.0.1", port.port), channel_index=8)
    with pytest.raises(RadioAddressError, match="port"):
        MeshtasticRadio("radio:99999")
    assert issubclass(RadioQueueFullError, RadioError)


def test_the_library_attributes_the_hooks_rely_on_exist() -> None:
    with tcp_radio(FakeDevice(0x175)) as (r, _):
        link = r._iface
        assert [name for name in PRIVATE_ATTRIBUTES if not hasattr(link, name)] == []


def test_an_unreachable_radio_is_retried_with_backoff() -> None:
    device = FakeDevice(0x181)
    port = TcpPort(device)
    number = port.port
    port.unplug()
    r = MeshtasticRadio(TcpTarget("127.0.0.1", number), **FAST)
    try:
        wait_until(lambda: "retrying in 0.2 s" in r.status)  # 0.05, 0.1, 0.2 (the cap)
        assert not r.connected
        port.replug()
        assert r.wait_connected(TIMEOUT), r.status
        assert r.stats().reconnects == 0  # the first connection is not a reconnection
    finally:
        r.close()
        port.close()


@pytest.mark.radio
def test_a_real_radio_on_the_usb_port() -> None:
    target = os.environ.get("MESHAID_TEST_RADIO")
    with radio(target, backoff_initial=1.0, connect_timeout=30) as r:
        assert r.node_id != 0
        assert r.firmware_version
        r.send(b"meshaid radio test")
        wait_until(lambda: r.stats().send.accepted + r.stats().send.unconfirmed >= 1, 30)
