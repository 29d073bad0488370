"""The node daemon: an asyncio pump between the radio, the sync engine and the board store.

The engine (meshaid.sync.engine) decides what to say and when; the radio
(meshaid.hardware.meshtastic_radio) moves frames; the store keeps what was accepted. This
module only carries things between them, on one asyncio loop whose ``time()`` is the
engine's monotonic ``now``:

* frames heard on air -> ``engine.receive``;
* the engine's events -> ``store.apply_all`` for accepted records (the store verifies
  them again before merging), the neighbour table for peers heard;
* ``engine.poll_transmit`` -> ``radio.send``, while the radio is connected (otherwise the
  frames wait in the engine; the radio reconnects by itself and wakes the pump);
* residents' direct text messages -> the phone desk (meshaid.node.desk.desk), whose
  replies go back as direct messages;
* records this node created (by ``meshaid post`` in another process, or through the
  control socket) -> ``engine.add_local``: the socket's post hands them over at once, and
  the records table is polled every few seconds for posts made while the socket was not used.

Nothing is acknowledged before the store has committed it, so stopping at any point loses
nothing that was acknowledged: frames not yet handled are simply heard again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import signal
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from meshaid.hardware.meshtastic_radio import MeshtasticRadio, RadioStatus
from meshaid.hardware.radio import RadioError, Received
from meshaid.node.config import load_config
from meshaid.node.daemon.channel_manners import ChannelManners
from meshaid.node.daemon.control import ControlServer, socket_path
from meshaid.node.daemon.radio_config import RadioConfig, load_radio_config
from meshaid.node.desk.allowlist import load_allow
from meshaid.node.desk.desk import PhoneDesk
from meshaid.node.errors import InputError, NodeError
from meshaid.node.services import Node, PostRequest, open_node
from meshaid.node.store.board import BoardStore
from meshaid.node.store.database import read_session
from meshaid.node.store.models import RecordRow
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.errors import UsageError
from meshaid.protocol.record import SignedRecord
from meshaid.sync.api import FrameDropped, PeerSeen, RecordsAccepted
from meshaid.sync.budget import HOUR, AirtimeBudget
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine

logger = logging.getLogger(__name__)

# How often the records table is checked for posts made without the control socket. A
# post from the CLI then goes on air within this long even when the daemon was not told.
LOCAL_POLL_SECONDS = 3.0
# Shortest sleep of the pump: guards against spinning should a deadline stay in the past.
MIN_SLEEP = 0.01
# While the radio is away, due frames wait; the radio's status callback wakes the pump.
DISCONNECTED_SLEEP = 1.0
_POST_FIELDS = {f.name for f in dataclasses.fields(PostRequest)}


@dataclass
class Neighbour:
    node: int
    first_heard: float  # loop time
    last_heard: float
    frames: int = 0


def store_summary(store: BoardStore) -> dict[int, tuple[int, int]]:
    """Per origin: (records held, highest seq)."""
    with read_session(store.db) as s:
        rows = s.execute(
            select(RecordRow.origin, func.count(), func.max(RecordRow.seq)).group_by(
                RecordRow.origin
            )
        ).all()
    return {int(origin): (int(count), int(top)) for origin, count, top in rows}


def summary_rows(store: BoardStore) -> list[dict[str, Any]]:
    """The store summary as status shows it, this node's own origin first."""
    own = store.origin
    rows = [
        {"origin": f"{origin:08x}", "records": count, "max_seq": top, "own": origin == own}
        for origin, (count, top) in store_summary(store).items()
    ]
    rows.sort(key=lambda r: (not r["own"], r["origin"]))
    return rows


class Daemon:
    """One node's pump. ``run`` until ``stop`` is set; the caller closes radio and node."""

    def __init__(
        self,
        node: Node,
        radio: MeshtasticRadio,
        radio_config: RadioConfig,
        *,
        sync_config: SyncConfig | None = None,
        rng: random.Random | None = None,
        poll_interval: float = LOCAL_POLL_SECONDS,
        control_path: Path | None = None,
        desk: PhoneDesk | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.node = node
        self.store = node.store
        self.radio = radio
        self.radio_config = radio_config
        self.sync_config = sync_config or radio_config.sync_config()
        self.engine = SyncEngine(self.store.key_of, rng or random.Random(), self.sync_config)
        self.poll_interval = poll_interval
        self.desk = desk
        self._wall = wall  # wall-clock seconds, for the ages the desk shows residents
        self.control = ControlServer(
            control_path or socket_path(node.home.root),
            {"status": self._op_status, "post": self._op_post},
        )
        # What this daemon handed to the radio in the last hour, charged as the engine does.
        self.airtime = AirtimeBudget(self.sync_config.budget_seconds, 0.0)
        self.neighbours: dict[int, Neighbour] = {}
        self.manners = ChannelManners()
        self.counters: Counter[str] = Counter()
        self._inbox: deque[Received] = deque()
        self._texts: deque[Received] = deque()
        self._wake = asyncio.Event()
        self._local_next = 0  # the first seq of ours not yet handed to the engine
        self._next_poll = 0.0
        self._started = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- the pump -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._started = loop.time()
        self.radio.on_receive(self._heard)  # frames heard meanwhile wait in the inbox
        self.radio.on_status(self._radio_status)
        if self.desk is not None:
            self.radio.on_text(self._text_heard)
        if self.radio.connected:  # connected before we listened: that change was not heard
            self._radio_status(RadioStatus(True, self.radio.status))
        self._load()
        await self.control.start()
        logger.info("daemon started for node %s (origin %08x), control socket %s",
                    self.node.config.name, self.store.origin, self.control.path)
        waker = asyncio.create_task(self._wake_on(stop))
        try:
            while not stop.is_set():
                now = loop.time()
                self._step(now)
                await self._sleep(self._sleep_for(loop.time()))
        finally:
            waker.cancel()
            await self.control.close()
            logger.info("daemon stopped")

    def _step(self, now: float) -> None:
        while self._inbox:
            rx = self._inbox.popleft()
            self.engine.receive(rx.payload, rx.sender, now)
        if self._texts:
            self._answer_texts(now)
        if now >= self._next_poll:
            self._next_poll = now + self.poll_interval
            self._pick_up_local(now)
            try:
                self.engine.prune(self.store.now_minute())
            except NodeError as exc:  # a busy database: try again at the next poll
                logger.error("cannot read the board store's clock: %s", exc)
        self.engine.handle_timer(now)
        self._handle_events()
        self._transmit(now)

    def _sleep_for(self, now: float) -> float:
        timeout = self._next_poll - now
        deadline = self.engine.next_deadline()
        if deadline is not None:
            wait = deadline - now
            if not self.radio.connected:
                wait = max(wait, DISCONNECTED_SLEEP)
            held = self.manners.wait(self.radio.metrics.channel_utilization, now)
            if held is not None:
                wait = max(wait, held)
            timeout = min(timeout, wait)
        return max(timeout, MIN_SLEEP)

    async def _sleep(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    def _transmit(self, now: float) -> None:
        while self.radio.connected:
            utilisation = self.radio.metrics.channel_utilization
            if not self.manners.may_send(utilisation, now):
                self.counters["held_for_busy_channel"] += 1
                return
            out = self.engine.poll_transmit(now)
            if out is None:
                return
            self.airtime.spend(now, airtime_seconds(len(out.payload), self.sync_config.preset))
            try:
                # Hop limit 0: the engine relays what its neighbours lack itself; letting the
                # firmware flood every gossip frame three hops too would multiply the airtime.
                self.radio.send(out.payload, out.dest, hop_limit=0)
            except RadioError as exc:  # went down meanwhile: digests repair what is lost
                self.counters["send_failed"] += 1
                logger.warning("frame of %d bytes not sent: %s", len(out.payload), exc)
                return
            self.counters["frames_sent"] += 1
            self.manners.sent(utilisation, now)

    # -- what comes in ----------------------------------------------------------------------

    def _heard(self, rx: Received) -> None:
        self._inbox.append(rx)
        self._wake.set()

    def _text_heard(self, rx: Received) -> None:
        if rx.dest is None:  # channel chat, not a message to this node
            self.counters["texts_ignored"] += 1
            return
        self._texts.append(rx)
        self._wake.set()

    def _answer_texts(self, now: float) -> None:
        assert self.desk is not None
        while self._texts:
            rx = self._texts.popleft()
            text = rx.payload.decode("utf-8", errors="replace")
            self.counters["texts_received"] += 1
            logger.info("text from !%08x (%d bytes)", rx.sender, len(rx.payload))
            try:
                replies = self.desk.handle(rx.sender, text, self._wall())
            except Exception:  # the desk answers everything; a bug must not stop the node
                self.counters["texts_failed"] += 1
                logger.exception("phone desk failed on a text from !%08x", rx.sender)
                continue
            for reply in replies:
                try:
                    self.radio.send_text(reply.text, reply.dest)
                except RadioError as exc:
                    self.counters["replies_failed"] += 1
                    logger.warning("reply to !%08x not sent: %s", reply.dest, exc)
                else:
                    self.counters["replies_sent"] += 1
        self._pick_up_local(now)  # a resident's post goes on air at once

    def _radio_status(self, status: RadioStatus) -> None:
        if status.connected:
            self.engine.node_id = self.radio.node_id or None
            for warning in self.warnings():
                logger.warning("%s", warning)
        self._wake.set()

    def _handle_events(self) -> None:
        for event in self.engine.drain_events():
            if isinstance(event, RecordsAccepted):
                self._store_records(event.records)
            elif isinstance(event, PeerSeen):
                known = self.neighbours.get(event.node)
                if known is None:
                    known = Neighbour(event.node, event.now, event.now)
                    self.neighbours[event.node] = known
                    logger.info("neighbour !%08x heard", event.node)
                known.last_heard = event.now
                known.frames += 1
            elif isinstance(event, FrameDropped):
                self.counters["frames_dropped"] += 1
                logger.debug("frame from !%08x dropped: %s", event.sender, event.reason)

    def _store_records(self, records: tuple[SignedRecord, ...]) -> None:
        try:
            results = self.store.apply_all(records)
        except NodeError as exc:  # e.g. the database stayed locked: neighbours will resend
            self.counters["store_failed"] += len(records)
            logger.error("%d records not stored: %s", len(records), exc)
            return
        outcomes = Counter(r.outcome for r in results)
        for outcome, n in outcomes.items():
            self.counters[f"records_{outcome}"] += n
        for result in results:
            if result.outcome == "new" and result.record_id is not None:
                rid = result.record_id
                logger.info("stored record %08x/%d", rid.origin, rid.seq)
            elif not result.accepted:
                logger.warning("record refused by the store: %s", result.reason)

    # -- records of this node ---------------------------------------------------------------

    def _load(self) -> None:
        records: list[SignedRecord] = []
        for origin in store_summary(self.store):
            records += self.store.records_of(origin)
        self.engine.load(records)
        self._local_next = self.store.next_seq()
        logger.info("loaded %d records from the board store", len(records))

    def _pick_up_local(self, now: float) -> int:
        """Hand records this node created since the last look to the engine."""
        try:
            top = self.store.next_seq()
            mine = self.store.records_of(self.store.origin) if top > self._local_next else []
        except NodeError as exc:  # a busy database: the next poll tries again
            logger.error("cannot read this node's records: %s", exc)
            return 0
        if top <= self._local_next:
            return 0
        handed = 0
        for rec in mine:
            if rec.body.seq < self._local_next:
                continue
            try:
                self.engine.add_local(rec, now)
            except UsageError as exc:
                logger.error("own record %d not sent: %s", rec.body.seq, exc)
                continue
            handed += 1
            logger.info("own record %08x/%d queued for the air", rec.body.origin, rec.body.seq)
        self._local_next = top
        self._wake.set()
        return handed

    # -- control requests -------------------------------------------------------------------

    async def _op_post(self, request: dict[str, Any]) -> Any:
        fields = request.get("post")
        if not isinstance(fields, dict):
            raise InputError('a post request needs "post": a map of the post\'s fields')
        unknown = sorted(str(k) for k in set(fields) - _POST_FIELDS)
        if unknown:
            raise InputError(f"unknown post field {unknown[0]!r}; known: "
                             f"{', '.join(sorted(_POST_FIELDS))}")
        for name in ("kind", "text"):
            if name not in fields:
                raise InputError(f"a post needs {name!r}")
        for name, value in fields.items():
            if not (value is None or isinstance(value, str)) or (
                value is None and name in ("kind", "text")
            ):
                raise InputError(f"post field {name!r} must be text")
        entry = self.node.post(PostRequest(**fields))  # committed when this returns
        loop = self._loop or asyncio.get_running_loop()
        self._pick_up_local(loop.time())
        logger.info("posted %s %s through the control socket", entry.kind, entry.code)
        return entry.to_json()

    async def _op_status(self, request: dict[str, Any]) -> Any:
        loop = self._loop or asyncio.get_running_loop()
        return self.status(loop.time())

    def warnings(self) -> list[str]:
        out: list[str] = []
        info = self.radio.info
        if info is None:
            return out
        if info.uses_default_key:
            out.append(
                f"gossip channel {info.channel_index} ({info.channel_name!r}) uses the public "
                "default key AQ==: anyone can read and inject frames; set a private channel key"
            )
        elif info.channel_is_public:
            out.append(f"gossip channel {info.channel_index} uses a publicly known key "
                       f"({info.channel_key})")
        wanted = self.radio_config.region
        if wanted is not None and info.region != wanted:
            out.append(f"radio region is {info.region}, the configuration says {wanted}")
        if info.modem_preset != self.sync_config.preset:
            out.append(f"radio preset is {info.modem_preset}, airtime is counted for "
                       f"{self.sync_config.preset}; set preset in [radio]")
        return out

    def status(self, now: float) -> dict[str, Any]:
        """What ``meshaid status`` shows; plain values only (it goes out as msgpack)."""
        info = self.radio.info
        radio: dict[str, Any] = {
            "connected": self.radio.connected,
            "status": self.radio.status,
            "target": str(self.radio.target),
            "pending_frames": self.radio.pending,
            # The radio's own measurements, in percent (None until it reported them).
            "channel_utilisation": self.radio.metrics.channel_utilization,
            "own_airtime_share": self.radio.metrics.air_util_tx,
        }
        if info is not None:
            radio.update(
                node=f"!{info.node_num:08x}", name=info.long_name,
                firmware=info.firmware_version, region=info.region, preset=info.modem_preset,
                channel=info.channel_index, channel_name=info.channel_name,
                channel_key=info.channel_key, default_key=info.uses_default_key,
            )
        stats = self.engine.stats
        return {
            "daemon": {"running": True, "pid": os.getpid(), "uptime": now - self._started},
            "node": {"name": self.node.config.name, "origin": f"{self.store.origin:08x}"},
            "radio": radio,
            "warnings": self.warnings(),
            "neighbours": [
                {"node": f"!{n.node:08x}", "last_heard_ago": now - n.last_heard,
                 "frames": n.frames}
                for n in sorted(self.neighbours.values(), key=lambda n: -n.last_heard)
            ],
            "store": summary_rows(self.store),
            "airtime": {
                "used": self.airtime.used(now),
                "budget": self.sync_config.budget_seconds,
                "window": HOUR,
                "frames_sent": sum(stats.frames_sent.values()),
            },
            "pending": {"own_records_waiting": max(self.store.next_seq() - self._local_next, 0),
                        "radio_frames": self.radio.pending},
            "counters": {
                **dict(self.counters),
                "frames_received": sum(stats.frames_received.values()),
                "bad_requests": self.control.bad_requests,
            },
        }


def run_node(
    home: Path,
    *,
    port: str | None = None,
    host: str | None = None,
    config_path: Path | None = None,
    sync_config: SyncConfig | None = None,
) -> None:
    """Run the daemon for the node at ``home`` until SIGTERM or SIGINT.

    ``config_path`` replaces the home's meshaid.toml (the service reads
    /etc/meshaid/meshaid.toml); ``port`` or ``host`` replace its [radio] address.
    NodeError or RadioError when the node or the radio cannot be opened.
    """
    node = open_node(home)
    try:
        if config_path is not None:
            node.config = load_config(config_path)
        radio_config = load_radio_config(config_path or node.home.config_file)
        radio_config = radio_config.with_target(port, host)
        desk = PhoneDesk(node, load_allow(config_path or node.home.config_file))
        radio = MeshtasticRadio(radio_config.target, channel_index=radio_config.channel)
        try:
            daemon = Daemon(node, radio, radio_config, sync_config=sync_config, desk=desk)
            asyncio.run(_until_signalled(daemon))
        finally:
            radio.close()
    finally:
        node.close()


async def _until_signalled(daemon: Daemon) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _stopping, stop, signum)
    await daemon.run(stop)


def _stopping(stop: asyncio.Event, signum: int) -> None:
    logger.info("%s received, stopping", signal.Signals(signum).name)
    stop.set()
