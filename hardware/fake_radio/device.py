"""The state of one fake Meshtastic device and its answers to a client, as the firmware gives them.

``FakeDevice`` is the firmware's ``PhoneAPI`` and ``MeshService`` boiled down to what a
client can observe: it answers ``want_config_id`` with the config stream in the firmware's
order, answers heartbeats with the TX queue status, takes MeshPackets from the client,
refuses some the way the firmware does (text rate limit, full TX queue, frame too large,
and whatever a test asks for with ``fail_next``), hands the rest to its Air, and passes
frames it hears to the client. It does no I/O itself: a port (pseudo-terminal or TCP)
feeds it ToRadio bytes and carries its FromRadio bytes back through a ``ClientLink``.

Firmware behaviour mirrored here, with the source it comes from:

* config order: my_info, own node_info, metadata, 8 channels, config, module config,
  other node infos, config_complete_id (``PhoneAPI::getFromRadio``);
* a heartbeat gets a QueueStatus back (``PhoneAPI::getFromRadio``, ``heartbeatReceived``);
* a packet id seen among the last 20 from the client is ignored silently
  (``PhoneAPI::wasSeenRecently``);
* a second text within 2 s: QueueStatus with res 0, then a ROUTING_APP NAK with
  RATE_LIMIT_EXCEEDED (``PhoneAPI::handleToRadioPacket``);
* refusals inside the router (duty cycle, too large, no channel): QueueStatus with res set
  to the error, and a NAK to the client (``Router::send``, ``abortSendAndNak``);
* hop limits and the duty cycle as ``Router::send`` has them (fake_radio/routing.py): past
  the duty cycle, QueueStatus res DUTY_CYCLE_LIMIT, a ClientNotification and a NAK to the
  client; a relay is dropped silently (``may_relay``);
* a full 16-packet TX queue: QueueStatus with res ERRNO_UNKNOWN (32) and no NAK
  (``RadioLibInterface::send``);
* a frame is too large when the 16-byte header plus the encoded Data, with the bitfield
  the firmware adds to every packet it originates, exceeds 255 bytes (``perhapsEncode``);
* only broadcasts and packets addressed to this node go to the client.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from google.protobuf.message import DecodeError
from meshtastic.protobuf import (
    channel_pb2,
    config_pb2,
    mesh_pb2,
    module_config_pb2,
    portnums_pb2,
    telemetry_pb2,
)

from meshaid.hardware.fake_radio.air import BROADCAST_NUM, Air, AirFrame
from meshaid.hardware.fake_radio.channel_keys import channel_hash_of, expand_psk
from meshaid.hardware.fake_radio.pki import PkiKeys
from meshaid.hardware.fake_radio.routing import (
    TxAirtime,
    duty_cycle_notice,
    outgoing_hop_limit,
    region_duty_cycle,
)
from meshaid.hardware.meshtastic_radio.firmware import preset_display_name
from meshaid.protocol.airtime import MAX_PHY_PAYLOAD, MESHTASTIC_HEADER_BYTES

Routing = mesh_pb2.Routing
LoRaConfig = config_pb2.Config.LoRaConfig

NUM_CHANNELS = 8  # MAX_NUM_CHANNELS
TX_QUEUE_LEN = 16  # MAX_TX_QUEUE
ERRNO_OK = 0
ERRNO_UNKNOWN = 32  # what RadioLibInterface::send returns when the TX queue is full
RECENT_CLIENT_IDS = 20  # PhoneAPI::recentToRadioPacketIds
TEXT_INTERVAL = 2.0  # PhoneAPI: one TEXT_MESSAGE_APP packet from the client per 2 s
SEEN_ON_AIR = 256  # how many (sender, id) pairs a fake device remembers to drop repeats
DEFAULT_FIRMWARE = "2.7.15.fake"  # the oldest release checks.py accepts quietly


class ClientLink(Protocol):
    """Where a device's answers go: a port that frames them for the connected client."""

    def send_from_radio(self, data: bytes) -> None:
        """One serialized FromRadio, to be framed and written."""

    def send_log(self, line: str) -> None:
        """A debug log line, written as plain text outside frames (serial only)."""

    def reset(self) -> None:
        """A client started a new session: drop output not yet written."""


@dataclass
class DeviceCounters:
    """What a fake device saw, for tests and the command line."""

    to_radio: int = 0
    malformed: int = 0
    duplicate_ids: int = 0
    accepted: int = 0
    refused: dict[int, int] = field(default_factory=dict)  # by Routing.Error / ErrorCode
    transmitted: int = 0
    heard: int = 0
    heard_repeats: int = 0
    undecodable: int = 0
    to_client: int = 0
    to_client_dropped: int = 0
    heartbeats: int = 0
    config_requests: int = 0
    relays_refused: int = 0  # rebroadcasts dropped for the duty cycle


@dataclass(frozen=True)
class _Failure:
    reason: int
    portnum: int | None


class FakeDevice:
    """One fake Meshtastic node: firmware state and the client-facing protocol."""

    def __init__(
        self,
        node_num: int,
        *,
        air: Air | None = None,
        long_name: str | None = None,
        short_name: str | None = None,
        firmware_version: str = DEFAULT_FIRMWARE,
        region: int = LoRaConfig.RegionCode.EU_868,
        modem_preset: int = LoRaConfig.ModemPreset.LONG_FAST,
        hop_limit: int = 3,
        channels: Sequence[tuple[str, bytes]] = (("", b"\x01"),),
        text_interval: float = TEXT_INTERVAL,
        to_client_capacity: int = 32,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < node_num < BROADCAST_NUM:
            raise ValueError(f"node number must be 1..{BROADCAST_NUM - 1:#x}, not {node_num}")
        if not 1 <= len(channels) <= NUM_CHANNELS:
            raise ValueError(f"a device has 1..{NUM_CHANNELS} channels, not {len(channels)}")
        self._node_num = node_num
        self.long_name = long_name or f"Meshtastic {node_num & 0xFFFF:04x}"
        self.short_name = short_name or f"{node_num & 0xFFFF:04x}"
        self.firmware_version = firmware_version
        self.lora = LoRaConfig(
            use_preset=True, modem_preset=modem_preset, region=region, hop_limit=hop_limit,
            tx_enabled=True,
        )
        self.channels = [
            channel_pb2.ChannelSettings(name=name, psk=psk) for name, psk in channels
        ]
        self.text_interval = text_interval
        self.channel_utilisation = 0.0  # percent, as the firmware's device metrics
        self.own_airtime_share = 0.0
        self.counters = DeviceCounters()
        self._air = air
        self._clock = clock
        self._rng = random.Random(node_num)
        self._lock = threading.RLock()
        self._link: ClientLink | None = None
        self._client_active = False  # the client finished the config handshake
        self._to_client: deque[mesh_pb2.FromRadio] = deque(maxlen=to_client_capacity)
        self._recent_ids: deque[int] = deque(maxlen=RECENT_CLIENT_IDS)
        self._last_text_at: float | None = None
        self._failures: deque[_Failure] = deque()
        self._tx_queue: deque[AirFrame] = deque()
        self._tx_held = False
        self._pumping = False
        self._seen_on_air: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._heard_nodes: dict[int, mesh_pb2.NodeInfo] = {}
        self._from_radio_num = 0
        self._reboots = 0
        self._tx_airtime = TxAirtime()
        self.pki = PkiKeys(node_num)  # its key and those learnt; DMs sealed as 2.5+ does
        self.transmitted: list[AirFrame] = []
        if air is not None:
            air.join(self)

    # -- identity -------------------------------------------------------------------------

    @property
    def node_num(self) -> int:
        return self._node_num

    @property
    def client_active(self) -> bool:
        with self._lock:
            return self._client_active

    @property
    def tx_queue_free(self) -> int:
        with self._lock:
            return TX_QUEUE_LEN - len(self._tx_queue)

    def tx_percent(self) -> float:
        """This device's airtime over the last hour, in percent of it."""
        with self._lock:
            return self._tx_airtime.percent(self._clock())

    # -- the client side --------------------------------------------------------------------

    def attach(self, link: ClientLink) -> None:
        """A client connected (TCP accepted, serial port opened)."""
        with self._lock:
            self._link = link
            self._client_active = False

    def detach(self, link: ClientLink) -> None:
        """The client behind ``link`` went away."""
        with self._lock:
            if self._link is link:
                self._link = None
                self._client_active = False

    def handle_to_radio(self, data: bytes) -> None:
        """One ToRadio frame from the client."""
        with self._lock:
            self.counters.to_radio += 1
            try:
                msg = mesh_pb2.ToRadio.FromString(data)
            except DecodeError:
                self.counters.malformed += 1
                return
            kind = msg.WhichOneof("payload_variant")
            if kind == "want_config_id":
                self._start_config(msg.want_config_id)
            elif kind == "heartbeat":
                self.counters.heartbeats += 1
                self._send_queue_status(ERRNO_OK, 0)
            elif kind == "disconnect":
                self._client_active = False
            elif kind == "packet":
                self._packet_from_client(msg.packet)
            # xmodem, MQTT proxy and unknown variants: ignored, as a device without them does
        self._pump_air()

    # -- test hooks -------------------------------------------------------------------------

    def fail_next(self, reason: int, count: int = 1, portnum: int | None = None) -> None:
        """Refuse the next ``count`` packets from the client (of ``portnum``, if given).

        ``reason`` is a Routing.Error: RATE_LIMIT_EXCEEDED is answered like the firmware's
        text throttle, anything else like a refusal inside the router (DUTY_CYCLE_LIMIT,
        TOO_LARGE, NO_CHANNEL...).
        """
        with self._lock:
            for _ in range(count):
                self._failures.append(_Failure(reason, portnum))

    def hold_transmissions(self) -> None:
        """Keep accepted packets in the TX queue (as if the channel were busy)."""
        with self._lock:
            self._tx_held = True

    def release_transmissions(self) -> None:
        """Send everything held in the TX queue and stop holding."""
        with self._lock:
            self._tx_held = False
        self._pump_air()

    def report_metrics(self, channel_utilisation: float, own_airtime_share: float) -> None:
        """New device metrics, sent to the client as the device telemetry module does."""
        with self._lock:
            self.channel_utilisation = channel_utilisation
            self.own_airtime_share = own_airtime_share
            telemetry = telemetry_pb2.Telemetry(device_metrics=self._device_metrics())
            self._to_client_packet(self._local_packet(
                BROADCAST_NUM, portnums_pb2.PortNum.TELEMETRY_APP, telemetry.SerializeToString(),
            ))

    def reboot(self) -> None:
        """Restart the firmware: queues are lost, the client is told and must reconfigure."""
        with self._lock:
            self._reboots += 1
            self._tx_queue.clear()
            self._to_client.clear()
            self._recent_ids.clear()
            self._last_text_at = None
            self._client_active = False
            if self._link is not None:
                self._emit(mesh_pb2.FromRadio(rebooted=True))

    def log(self, line: str) -> None:
        """Print a debug line on the client link (serial shows it as text)."""
        with self._lock:
            if self._link is not None:
                self._link.send_log(line)

    # -- the radio side ---------------------------------------------------------------------

    def hear(self, frame: AirFrame, rssi: float, snr: float) -> None:
        """A frame arrived over the air."""
        with self._lock:
            if frame.sender == self._node_num:
                return
            if frame.region != self.lora.region or frame.modem_preset != self.lora.modem_preset:
                return  # another modulation: not even noise a LoRa receiver would decode
            key = (frame.sender, frame.packet_id)
            if key in self._seen_on_air:
                self.counters.heard_repeats += 1
                return
            self._seen_on_air[key] = None
            while len(self._seen_on_air) > SEEN_ON_AIR:
                self._seen_on_air.popitem(last=False)
            index, sender_key = self.pki.channel(frame, self._channel_for)
            if index is None:
                self.counters.undecodable += 1
                return
            try:
                data = mesh_pb2.Data.FromString(frame.data)
            except DecodeError:
                self.counters.undecodable += 1
                return
            self.counters.heard += 1
            self._note_heard(frame.sender, snr, frame.hop_start - frame.hop_limit)
            if frame.dest not in (BROADCAST_NUM, self._node_num):
                return  # a direct message for another node: not the client's business
            packet = mesh_pb2.MeshPacket(
                to=frame.dest, id=frame.packet_id, channel=index, rx_snr=snr, rx_rssi=int(rssi),
                hop_limit=frame.hop_limit, hop_start=frame.hop_start, want_ack=frame.want_ack,
                decoded=data, pki_encrypted=bool(sender_key), public_key=sender_key,
            )
            setattr(packet, "from", frame.sender)  # "from" is a Python keyword
            self._to_client_packet(packet)
            if frame.want_ack and frame.dest == self._node_num:
                self._tx_queue.append(self._ack_frame(frame, index))
        self._pump_air()

    # -- internals ------------------------------------------------------------------------

    def _start_config(self, nonce: int) -> None:
        self.counters.config_requests += 1
        if self._link is None:
            return
        self._link.reset()
        self._link.send_log(f"INFO  | Client wants config, nonce={nonce}")
        self._client_active = False
        for message in self._config_stream(nonce):
            self._emit(message)
        self._client_active = True
        while self._to_client:
            self._emit(self._to_client.popleft())

    def _config_stream(self, nonce: int) -> list[mesh_pb2.FromRadio]:
        fr = mesh_pb2.FromRadio
        out = [
            fr(my_info=mesh_pb2.MyNodeInfo(
                my_node_num=self._node_num, reboot_count=self._reboots, min_app_version=30200,
                pio_env="fake", nodedb_count=1 + len(self._heard_nodes),
            )),
            fr(node_info=self._own_node_info()),
            fr(metadata=mesh_pb2.DeviceMetadata(
                firmware_version=self.firmware_version, hw_model=mesh_pb2.HardwareModel.PRIVATE_HW,
                hasPKC=True,
            )),
        ]
        for index in range(NUM_CHANNELS):
            channel = channel_pb2.Channel(index=index)
            if index < len(self.channels):
                channel.settings.CopyFrom(self.channels[index])
                channel.role = (
                    channel_pb2.Channel.Role.PRIMARY if index == 0
                    else channel_pb2.Channel.Role.SECONDARY
                )
            else:
                channel.role = channel_pb2.Channel.Role.DISABLED
            out.append(fr(channel=channel))
        for name in config_pb2.Config.DESCRIPTOR.oneofs_by_name["payload_variant"].fields:
            config = config_pb2.Config()
            if name.name == "lora":
                config.lora.CopyFrom(self.lora)
            else:
                getattr(config, name.name).SetInParent()
            out.append(fr(config=config))
        module_fields = module_config_pb2.ModuleConfig.DESCRIPTOR.oneofs_by_name["payload_variant"]
        for name in module_fields.fields:
            module = module_config_pb2.ModuleConfig()
            getattr(module, name.name).SetInParent()
            out.append(fr(moduleConfig=module))
        out.extend(fr(node_info=info) for info in self._heard_nodes.values())
        out.append(fr(config_complete_id=nonce))
        return out

    def _own_node_info(self) -> mesh_pb2.NodeInfo:
        return mesh_pb2.NodeInfo(
            num=self._node_num,
            user=mesh_pb2.User(
                id=f"!{self._node_num:08x}", long_name=self.long_name, short_name=self.short_name,
                hw_model=mesh_pb2.HardwareModel.PRIVATE_HW, public_key=self.pki.public_key,
            ),
            device_metrics=self._device_metrics(),
            is_favorite=True,
        )

    def _device_metrics(self) -> telemetry_pb2.DeviceMetrics:
        # The protobuf's field names, spelled the firmware's way.
        return telemetry_pb2.DeviceMetrics(
            channel_utilization=self.channel_utilisation, air_util_tx=self.own_airtime_share,
        )

    def _note_heard(self, node: int, snr: float, hops: int) -> None:
        info = self._heard_nodes.setdefault(node, mesh_pb2.NodeInfo(num=node))
        info.snr = snr
        info.hops_away = max(hops, 0)

    def _packet_from_client(self, p: mesh_pb2.MeshPacket) -> None:
        if p.id and p.id in self._recent_ids:
            self.counters.duplicate_ids += 1
            return
        if p.id:
            self._recent_ids.append(p.id)
        if self.pki.take_admin(p, self._node_num):
            return  # nothing goes on air
        p.id = p.id or self._new_packet_id()
        port = p.decoded.portnum
        now = self._clock()
        if (
            port == portnums_pb2.PortNum.TEXT_MESSAGE_APP
            and self._last_text_at is not None
            and now - self._last_text_at < self.text_interval
        ):
            self._refuse(p, Routing.Error.RATE_LIMIT_EXCEEDED)
            return
        failure = self._take_failure(port)
        if failure is None and self._silent_minutes() is not None:
            failure = _Failure(Routing.Error.DUTY_CYCLE_LIMIT, None)
        if failure is not None and failure.reason == Routing.Error.RATE_LIMIT_EXCEEDED:
            self._refuse(p, failure.reason)
            return
        self._last_text_at = now if port == portnums_pb2.PortNum.TEXT_MESSAGE_APP else (
            self._last_text_at
        )
        if failure is not None:
            self._refuse(p, failure.reason)
            return
        if not p.HasField("decoded"):
            self._refuse(p, Routing.Error.BAD_REQUEST)
            return
        data = mesh_pb2.Data()
        data.CopyFrom(p.decoded)
        data.bitfield = data.bitfield  # sets it present: the firmware adds it to every packet
        if MESHTASTIC_HEADER_BYTES + data.ByteSize() > MAX_PHY_PAYLOAD:
            self._refuse(p, Routing.Error.TOO_LARGE)
            return
        if p.channel >= len(self.channels):
            self._refuse(p, Routing.Error.NO_CHANNEL)
            return
        if len(self._tx_queue) >= TX_QUEUE_LEN:
            self._refuse(p, ERRNO_UNKNOWN)
            return
        broadcast = p.to == BROADCAST_NUM
        hop_limit = outgoing_hop_limit(p.hop_limit, p.want_ack, self.lora.hop_limit)
        frame = AirFrame(
            sender=self._node_num, dest=p.to, packet_id=p.id, hop_limit=hop_limit,
            hop_start=hop_limit, want_ack=p.want_ack and not broadcast,
            channel_hash=self._channel_hash(p.channel),
            channel_key=expand_psk(self.channels[p.channel].psk),
            region=self.lora.region, modem_preset=self.lora.modem_preset,
            data=data.SerializeToString(), pki=self.pki.seal(p.to, port, broadcast),
        )
        self._tx_queue.append(frame)
        self.counters.accepted += 1
        self._send_queue_status(ERRNO_OK, p.id)

    def _take_failure(self, port: int) -> _Failure | None:
        for failure in self._failures:
            if failure.portnum is None or failure.portnum == port:
                self._failures.remove(failure)
                return failure
        return None

    def _refuse(self, p: mesh_pb2.MeshPacket, reason: int) -> None:
        self.counters.refused[reason] = self.counters.refused.get(reason, 0) + 1
        if reason == Routing.Error.RATE_LIMIT_EXCEEDED:
            # The throttle answers "queued fine" first, then NAKs (PhoneAPI.cpp).
            self._send_queue_status(ERRNO_OK, p.id)
            self._nak(p, reason)
        elif reason == ERRNO_UNKNOWN:
            self._send_queue_status(ERRNO_UNKNOWN, p.id)
        elif reason == Routing.Error.DUTY_CYCLE_LIMIT:
            self._send_queue_status(reason, p.id)
            self._emit(duty_cycle_notice(p.id, self._silent_minutes()))
            self._nak(p, reason)
        else:
            self._send_queue_status(reason, p.id)
            self._nak(p, reason)

    def _nak(self, p: mesh_pb2.MeshPacket, reason: int) -> None:
        packet = self._local_packet(
            self._node_num, portnums_pb2.PortNum.ROUTING_APP,
            Routing(error_reason=reason).SerializeToString(), channel=p.channel,
        )
        packet.decoded.request_id = p.id
        packet.priority = mesh_pb2.MeshPacket.Priority.ACK
        self._to_client_packet(packet)

    def _ack_frame(self, frame: AirFrame, channel: int) -> AirFrame:
        data = mesh_pb2.Data(
            portnum=portnums_pb2.PortNum.ROUTING_APP,
            payload=Routing(error_reason=Routing.Error.NONE).SerializeToString(),
            request_id=frame.packet_id,
        )
        hops = self.lora.hop_limit
        return AirFrame(
            sender=self._node_num, dest=frame.sender, packet_id=self._new_packet_id(),
            hop_limit=hops, hop_start=hops, want_ack=False,
            channel_hash=self._channel_hash(channel),
            channel_key=expand_psk(self.channels[channel].psk),
            region=self.lora.region, modem_preset=self.lora.modem_preset,
            data=data.SerializeToString(),
        )

    def _local_packet(self, to: int, portnum: int, payload: bytes,
                      channel: int = 0) -> mesh_pb2.MeshPacket:
        packet = mesh_pb2.MeshPacket(
            to=to, id=self._new_packet_id(), channel=channel,
            decoded=mesh_pb2.Data(portnum=portnum, payload=payload),
        )
        setattr(packet, "from", self._node_num)  # "from" is a Python keyword
        return packet

    def _to_client_packet(self, packet: mesh_pb2.MeshPacket) -> None:
        message = mesh_pb2.FromRadio(packet=packet)
        if self._client_active and self._link is not None:
            self._emit(message)
            return
        if len(self._to_client) == self._to_client.maxlen:
            self.counters.to_client_dropped += 1
        self._to_client.append(message)

    def _send_queue_status(self, res: int, packet_id: int) -> None:
        status = mesh_pb2.QueueStatus(
            res=res, free=TX_QUEUE_LEN - len(self._tx_queue), maxlen=TX_QUEUE_LEN,
            mesh_packet_id=packet_id,
        )
        self._emit(mesh_pb2.FromRadio(queueStatus=status))

    def _emit(self, message: mesh_pb2.FromRadio) -> None:
        if self._link is None:
            return
        self._from_radio_num += 1
        message.id = self._from_radio_num
        if message.HasField("packet"):
            self.counters.to_client += 1
        self._link.send_from_radio(message.SerializeToString())

    def _pump_air(self) -> None:
        """Transmit the TX queue in order, one frame at a time, unless held.

        One thread pumps at a time (whoever finds no pump running); the others only
        append. No lock is held while the Air delivers: a receiver may answer (an ACK)
        straight back into this device, or two devices may send to each other at once.
        """
        with self._lock:
            if self._pumping:
                return  # the running pump will get to what was just queued
            self._pumping = True
        while True:
            with self._lock:
                if self._tx_held or not self._tx_queue:
                    self._pumping = False
                    return
                frame = self._tx_queue.popleft()
                self.transmitted.append(frame)
                self.counters.transmitted += 1
                self._tx_airtime.note(frame, self._clock())
                air = self._air
            if air is None:
                continue
            try:
                air.transmit(frame)
            except BaseException:
                with self._lock:
                    self._pumping = False
                raise

    def may_relay(self, frame: AirFrame) -> bool:
        """Whether this device rebroadcasts ``frame`` now (asked by an Air that floods):
        not past the duty cycle (then the relay counts in its airtime)."""
        with self._lock:
            if self._silent_minutes() is not None:
                self.counters.relays_refused += 1
                return False
            self._tx_airtime.note(frame, self._clock())
            return True

    def _silent_minutes(self) -> int | None:
        return self._tx_airtime.silent_minutes(self._clock(), region_duty_cycle(self.lora))

    def _channel_hash(self, index: int) -> int:
        settings = self.channels[index]
        name = settings.name or preset_display_name(self.lora.modem_preset)
        return channel_hash_of(name, settings.psk)

    def _channel_for(self, channel_hash: int, key: bytes) -> int | None:
        for index, settings in enumerate(self.channels):
            if self._channel_hash(index) == channel_hash and expand_psk(settings.psk) == key:
                return index
        return None

    def _new_packet_id(self) -> int:
        return self._rng.randrange(1, 0xFFFF_FFFF)
