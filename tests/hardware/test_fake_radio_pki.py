"""Direct messages between fake radios that know each other's keys arrive PKI-encrypted, as
firmware 2.5+ hands them to its client, and the adapter carries that to the desk."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from meshtastic.protobuf import mesh_pb2, portnums_pb2
from waiting import TIMEOUT

from meshaid.hardware.fake_radio import FakeDevice, LocalAir, TcpPort
from meshaid.hardware.fake_radio.pki import PkiKeys, fake_public_key
from meshaid.hardware.meshtastic_radio import MeshtasticRadio, TcpTarget
from meshaid.hardware.radio import RadioAddressError, Received

TEXT = portnums_pb2.PortNum.TEXT_MESSAGE_APP
RESIDENT, NODE, SPOOFER = 0x5048_0001, 0x4D41_0001, 0x5048_0001


class Client:
    """A client that finished the config handshake: keeps every packet its device passes."""

    def __init__(self, device: FakeDevice) -> None:
        self.device = device
        self.packets: list[mesh_pb2.MeshPacket] = []
        self.infos: list[mesh_pb2.NodeInfo] = []
        device.attach(self)
        device.handle_to_radio(mesh_pb2.ToRadio(want_config_id=7).SerializeToString())

    def send_from_radio(self, data: bytes) -> None:
        message = mesh_pb2.FromRadio.FromString(data)
        if message.HasField("packet"):
            self.packets.append(message.packet)
        if message.HasField("node_info"):
            self.infos.append(message.node_info)

    def send_log(self, line: str) -> None:
        return

    def reset(self) -> None:
        return

    def text(self, to: int, text: str, packet_id: int = 1) -> None:
        packet = mesh_pb2.MeshPacket(
            to=to, id=packet_id, want_ack=True,
            decoded=mesh_pb2.Data(portnum=TEXT, payload=text.encode()),
        )
        self.device.handle_to_radio(mesh_pb2.ToRadio(packet=packet).SerializeToString())

    def texts(self) -> list[mesh_pb2.MeshPacket]:
        return [p for p in self.packets if p.decoded.portnum == TEXT]


def pair(know: bool) -> tuple[Client, Client]:
    air = LocalAir()
    resident, node = FakeDevice(RESIDENT, air=air), FakeDevice(NODE, air=air)
    if know:
        resident.pki.learn(NODE, node.pki.public_key)
        node.pki.learn(RESIDENT, resident.pki.public_key)
    return Client(resident), Client(node)


def test_a_dm_between_radios_that_know_each_others_keys_arrives_pki_encrypted() -> None:
    resident, node = pair(know=True)
    resident.text(NODE, "need water")
    [got] = node.texts()
    assert got.pki_encrypted
    assert got.public_key == resident.device.pki.public_key == fake_public_key(RESIDENT)
    assert got.decoded.payload == b"need water"


def test_a_dm_to_a_radio_without_the_key_goes_plain_on_the_channel_key() -> None:
    resident, node = pair(know=False)
    resident.text(NODE, "need water")
    [got] = node.texts()
    assert not got.pki_encrypted and got.public_key == b""


def test_broadcasts_are_never_pki_encrypted() -> None:
    resident, node = pair(know=True)
    resident.text(0xFFFF_FFFF, "hello all")
    [got] = node.texts()
    assert not got.pki_encrypted


def test_a_radio_claiming_a_known_node_number_with_another_key_is_not_heard() -> None:
    _, node = pair(know=True)
    air = LocalAir()
    node_device = node.device
    air.join(node_device)
    # Same node number as the resident, a key of its own, and the node's key learnt.
    spoofer = FakeDevice(SPOOFER, air=air)
    spoofer.pki = PkiKeys(SPOOFER, bytes(32))
    spoofer.pki.learn(NODE, node_device.pki.public_key)
    before = node_device.counters.undecodable
    Client(spoofer).text(NODE, "done 4F2K", packet_id=99)
    assert node.texts() == []
    assert node_device.counters.undecodable == before + 1


def test_own_node_info_carries_the_public_key() -> None:
    resident, _ = pair(know=True)
    own = [i for i in resident.infos if i.num == RESIDENT]
    assert own and own[0].user.public_key == resident.device.pki.public_key


def test_the_radio_hands_the_pki_flag_and_key_to_its_text_callback() -> None:
    air = LocalAir()
    node_device, resident_device = FakeDevice(NODE, air=air), FakeDevice(RESIDENT, air=air)
    node_device.pki.learn(RESIDENT, resident_device.pki.public_key)
    resident_device.pki.learn(NODE, node_device.pki.public_key)
    resident = Client(resident_device)
    plain = Client(FakeDevice(0x5048_0002, air=air))
    got: list[Received] = []
    lock = threading.Lock()

    def inbox(item: Received) -> None:
        with lock:
            got.append(item)

    with TcpPort(node_device) as port:
        r = MeshtasticRadio(TcpTarget("127.0.0.1", port.port), backoff_initial=0.05,
                            queue_poll_interval=0.05, connect_timeout=5)
        try:
            assert r.wait_connected(TIMEOUT), r.status

            async def listen() -> None:
                r.on_text(inbox)  # delivered on this loop
                resident.text(NODE, "need water", packet_id=5)
                plain.text(NODE, "list", packet_id=6)
                for _ in range(int(TIMEOUT / 0.02)):
                    if len(got) == 2:
                        return
                    await asyncio.sleep(0.02)

            asyncio.run(listen())
        finally:
            r.close()
    by_sender = {item.sender: item for item in got}
    sealed, clear = by_sender[RESIDENT], by_sender[0x5048_0002]
    assert sealed.pki_encrypted and sealed.public_key == resident_device.pki.public_key
    assert sealed.payload == b"need water"
    assert not clear.pki_encrypted and clear.public_key == b""


def _wait(cond: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_keys_pinned_through_the_radio_open_a_residents_dm_at_once_and_are_not_replaced(
) -> None:
    air = LocalAir()
    node_device, resident_device = FakeDevice(NODE, air=air), FakeDevice(RESIDENT, air=air)
    resident_device.pki.learn(NODE, node_device.pki.public_key)  # it heard our NodeInfo
    resident = Client(resident_device)
    with TcpPort(node_device) as port:
        r = MeshtasticRadio(TcpTarget("127.0.0.1", port.port), backoff_initial=0.05,
                            queue_poll_interval=0.05, connect_timeout=5)
        try:
            assert r.wait_connected(TIMEOUT), r.status
            on_air = node_device.counters.transmitted
            r.pin_keys({RESIDENT: resident_device.pki.public_key})
            assert _wait(lambda: RESIDENT in node_device.pki.pinned)
            # Admin to the device itself: nothing went on air.
            assert node_device.counters.transmitted == on_air
            # A NodeInfo heard later claiming another key for that number changes nothing.
            node_device.pki.learn(RESIDENT, bytes(32))
            assert node_device.pki.known[RESIDENT] == resident_device.pki.public_key
            got: list[Received] = []
            r.on_text(got.append)
            resident.text(NODE, "need water", packet_id=7)
            assert _wait(lambda: bool(got))
            assert got[0].pki_encrypted and got[0].sender == RESIDENT
        finally:
            r.close()
    with pytest.raises(RadioAddressError):
        r.pin_keys({RESIDENT: b"short"})


def test_pinned_keys_go_to_the_radio_again_after_it_reconnects() -> None:
    device = FakeDevice(NODE, air=LocalAir())
    with TcpPort(device) as port:
        r = MeshtasticRadio(TcpTarget("127.0.0.1", port.port), backoff_initial=0.05,
                            queue_poll_interval=0.05, connect_timeout=5)
        try:
            r.pin_keys({RESIDENT: fake_public_key(RESIDENT)})
            assert r.wait_connected(TIMEOUT), r.status
            assert _wait(lambda: RESIDENT in device.pki.pinned)
            port.unplug()
            assert _wait(lambda: not r.connected)
            device.pki = PkiKeys(NODE)  # as a radio reset while the link was down
            port.replug()
            assert r.wait_connected(TIMEOUT), r.status
            assert _wait(lambda: RESIDENT in device.pki.pinned)
        finally:
            r.close()
