"""The node daemon: the pump (node/daemon/pump.py) on a radio, driven by asyncio.

What this module adds to the pump, which the simulator shares:

* the board store as the pump's board: accepted records are merged by ``apply_all`` (the
  store verifies them again before merging); the engine's known seq runs are kept in it;
* this node's own records, made by ``meshaid post`` in another process or by the phone
  desk, read from the store: at once when the control socket or the desk says so, and
  every few seconds for posts made while the socket was not used;
* the sync engine, built with the radio's node id once the radio has told it, and loaded
  from the store with each record's first-seen minute and the known runs;
* the control socket (status, post) and the loop: one asyncio loop whose ``time()`` is the
  pump's ``now``; radio callbacks wake it.

Nothing is acknowledged before the store has committed it, so stopping at any point loses
nothing that was acknowledged: frames not yet handled are simply heard again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from meshaid.hardware.radio import Radio, RadioError
from meshaid.node.committee.notices import Notice, store_notices
from meshaid.node.config import load_config
from meshaid.node.daemon.checks import Check, machine_checks, problems, radio_checks, refused
from meshaid.node.daemon.control import ControlServer, socket_path
from meshaid.node.daemon.lock import DaemonLock
from meshaid.node.daemon.pump import Pump, PumpConfig
from meshaid.node.daemon.radio_config import RadioConfig, load_radio_config
from meshaid.node.daemon.status import radio_status, radio_warnings, summary_rows
from meshaid.node.desk.allowlist import load_allow, load_plain_dm
from meshaid.node.desk.desk import PhoneDesk
from meshaid.node.desk.identity import PLAIN_DM_WARNING
from meshaid.node.errors import InputError, NodeError
from meshaid.node.membership.local import membership_path
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import Node, PostRequest, open_node
from meshaid.node.store.board import BoardStore
from meshaid.node.store.sync_state import bulk_load, keep_known_runs, load_sync_state
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.record import SignedRecord
from meshaid.sync.authority import authorised_by
from meshaid.sync.budget import HOUR
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine

logger = logging.getLogger(__name__)

# How often the records table is checked for posts made without the control socket. A
# post from the CLI then goes on air within this long even when the daemon was not told.
LOCAL_POLL_SECONDS = 3.0
# Shortest sleep of the loop: guards against spinning should a deadline stay in the past.
MIN_SLEEP = 0.01
# Longest sleep: the loop looks at the radio at least this often.
MAX_SLEEP = 60.0
_POST_FIELDS = {f.name for f in dataclasses.fields(PostRequest)}


class StoreBoard:
    """The pump's board on the node's store; control records stored go to the roster."""

    def __init__(self, store: BoardStore, counters: Counter[str],
                 neighbourhood: Neighbourhood, engine: SyncEngine | None = None) -> None:
        self.store = store
        self.counters = counters
        self.neighbourhood = neighbourhood
        self.engine = engine  # told when a new roster version trusts more origins
        self._kept: dict[int, list[tuple[int, int]]] | None = None

    def accept(self, records: Sequence[SignedRecord], now: float) -> None:
        try:
            results = self.store.apply_all(records)
        except NodeError as exc:  # e.g. the database stayed locked: neighbours will resend
            self.counters["store_failed"] += len(records)
            logger.error("%d records not stored: %s", len(records), exc)
            return
        stored = {r.record_id for r in results if r.outcome == "new"}
        version = self.neighbourhood.roster.version
        if (self.neighbourhood.refresh(r for r in records if r.record_id in stored)
                and self.neighbourhood.roster.version != version):
            logger.info("roster version %d in force", self.neighbourhood.roster.version)
            if self.engine is not None:
                self.engine.trust_changed(now)
        for result in results:
            self.counters[f"records_{result.outcome}"] += 1
            if result.outcome == "new" and result.record_id is not None:
                rid = result.record_id
                logger.info("stored record %08x/%d", rid.origin, rid.seq)
            elif not result.accepted:
                logger.warning("record refused by the store: %s", result.reason)

    def notices(self, records: Sequence[SignedRecord]) -> Sequence[Notice]:
        """Texts for residents whose posts a match in ``records`` names (the pump sends
        them as direct messages)."""
        lang = self.neighbourhood.node.config.language
        return store_notices(self.store, records, lang)

    def keep_known(self, runs: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        kept = {origin: list(spans) for origin, spans in runs.items()}
        if kept != self._kept:
            keep_known_runs(self.store, kept)
            self._kept = kept


# Own records no engine has had yet are pushed at start, at most this many (the newest).
PUSH_AT_START = 64


def first_unannounced(known: Mapping[int, Sequence[tuple[int, int]]], origin: int,
                      next_seq: int) -> int:
    """The first of this node's seqs to hand the engine as new at start.

    Records this node signed while no daemon ran (posts from the command line, the roster
    records of ``init --new-neighbourhood`` and ``members add-node``, posts taken before the
    radio's handshake) are above the runs the last daemon kept. Loaded as held, they would
    leave only by digests, a Trickle interval a hop: pushed, they go at once, as a post
    made while the daemon runs does. Only the newest PUSH_AT_START: a store whose runs were
    never kept must not spend hours of airtime on history its neighbours can ask for."""
    announced = max((last for _first, last in known.get(origin, ())), default=0)
    return max(announced + 1, next_seq - PUSH_AT_START, 1)


class StoreLocal:
    """This node's records made since the last look, read from the store; and the
    membership file, which ``meshaid join`` may have written meanwhile."""

    def __init__(self, store: BoardStore, next_seq: int, neighbourhood: Neighbourhood) -> None:
        self.store = store
        self.next_seq = next_seq  # the first seq of ours not yet handed to the engine
        self.neighbourhood = neighbourhood
        self._membership_seen = _mtime(membership_path(neighbourhood.node.home.root))

    def take_new(self) -> list[SignedRecord]:
        seen = _mtime(membership_path(self.neighbourhood.node.home.root))
        if seen != self._membership_seen:
            self._membership_seen = seen
            self.neighbourhood.reload()
            logger.info("membership changed: neighbourhood %s, epoch keys %s",
                        "joined" if self.neighbourhood.joined else "none",
                        self.neighbourhood.keyring.epochs)
        top = self.store.next_seq()
        if top <= self.next_seq:
            return []
        mine = [r for r in self.store.records_of(self.store.origin) if r.body.seq >= self.next_seq]
        self.next_seq = top
        self.neighbourhood.refresh(mine)  # roster changes signed by the CLI
        return mine


def _return_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim). Loading the
    store and the first prune free what they read, but glibc keeps those pages for later
    use: measured at 100,000 entries, about 3 MiB of the daemon's resident memory for its
    whole life. Elsewhere than glibc, nothing is done."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols: libc's
    except (OSError, AttributeError, TypeError):
        return
    trim(0)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


class RosterRadios(Collection[int]):
    """The radios that may post by text: those on the member roster in force (as it
    changes), and those of the older ``[phone] allow`` list in the node's config."""

    def __init__(self, legacy: Collection[int]) -> None:
        self.neighbourhood: Neighbourhood | None = None  # the daemon's, once it started
        self.legacy = frozenset(legacy)

    def __contains__(self, radio: object) -> bool:
        nb = self.neighbourhood
        return radio in self.legacy or (
            isinstance(radio, int) and nb is not None and nb.radio_allowed(radio))

    def pinned_key(self, radio: int) -> bytes:
        """The Meshtastic public key the roster pins for ``radio`` (b"": none)."""
        nb = self.neighbourhood
        entry = nb.roster.radios.get(radio) if nb is not None else None
        return entry.key if entry is not None else b""

    def _all(self) -> set[int]:
        nb = self.neighbourhood
        return set(self.legacy) | (set(nb.roster.radios) if nb is not None else set())

    def __iter__(self) -> Iterator[int]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class Daemon:
    """One node: ``run`` until ``stop`` is set, or ``step`` by hand (tests); the caller
    closes radio and node."""

    def __init__(
        self,
        node: Node,
        radio: Radio,
        radio_config: RadioConfig,
        *,
        sync_config: SyncConfig | None = None,
        rng: random.Random | None = None,
        poll_interval: float = LOCAL_POLL_SECONDS,
        control_path: Path | None = None,
        desk: PhoneDesk | None = None,
        radios: RosterRadios | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.node = node
        self.store = node.store
        self.radio = radio
        self.radio_config = radio_config
        self.sync_config = sync_config or radio_config.sync_config()
        self.poll_interval = poll_interval
        self.desk = desk
        self.radios = radios
        self._rng = rng or random.Random()
        self._wall = wall  # wall-clock seconds, for the ages the desk shows residents
        self.control = ControlServer(
            control_path or socket_path(node.home.root),
            {"status": self._op_status, "post": self._op_post},
        )
        self.counters: Counter[str] = Counter()
        self.pump: Pump | None = None
        self.engine: SyncEngine | None = None
        self.neighbourhood: Neighbourhood | None = None
        self._wake = asyncio.Event()
        self._started = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._warned: list[str] = []
        self._pinned_version = -1  # the roster version whose radio keys the radio holds
        self.machine_checks: list[Check] = []  # made by run_node before the radio opened

    # -- the pump -------------------------------------------------------------------------

    def start(self, now: float) -> bool:
        """Build the engine and the pump once the radio has said its node id."""
        if self.pump is not None:
            return True
        if not self.radio.node_id:
            return False
        nb = self.neighbourhood = Neighbourhood(self.node)
        nb.frame_mtu = self.radio.mtu
        self.store.trust = nb.trust
        # Who may sign a record about an entry: its owner or the committee in force, for
        # the store and the engine alike (meshaid.sync.authority).
        authorised = self.store.authorised = authorised_by(lambda: nb.roster)
        if self.radios is not None:
            self.radios.neighbourhood = nb
        if not nb.joined:
            logger.warning("this node is in no neighbourhood: nothing is sent or accepted until "
                           "`meshaid join INVITE` (or `meshaid init --new-neighbourhood`)")
        # Sealing takes its overhead out of every frame the engine plans.
        self.sync_config = dataclasses.replace(
            self.sync_config, mtu=min(self.sync_config.mtu, self.radio.mtu - nb.overhead))
        with bulk_load():
            state = load_sync_state(self.store)
            # The roster in force decides each record's key (revocations, sequence floors),
            # for the engine as for the store: nothing refused here is relayed either.
            # Its budget counts what goes on air: the frame as sealed.
            preset, overhead = self.sync_config.preset, nb.overhead
            engine = SyncEngine(nb.key_of, self._rng, self.sync_config,
                                node_id=self.radio.node_id, trust=nb.trust,
                                authorised=authorised,
                                airtime=lambda size: airtime_seconds(size + overhead, preset))
            first_new = first_unannounced(state.known, self.store.origin, self.store.next_seq())
            held_records = state.records.without(self.store.origin, first_new)
            engine.load(held_records, known=state.known, first_seen=state.first_seen)
            held = len(held_records)
            del state, held_records
        # What was loaded stays for the daemon's life: later collections need not walk it.
        gc.freeze()
        # The process's CPU so far, start-up included: what scripts/bench_store.py reads.
        logger.info("loaded %d records from the board store (%.2f s of CPU since the process "
                    "started)", held, time.process_time())
        cfg = self.sync_config
        config = PumpConfig(local_poll_every=self.poll_interval, budget_seconds=cfg.budget_seconds,
                            preset=cfg.preset)
        self.engine = engine
        self.pump = Pump(
            engine, self.radio, StoreBoard(self.store, self.counters, nb, engine),
            wall_minutes=self.store.now_minute, wall=self._wall, config=config,
            local=StoreLocal(self.store, first_new, nb), desk=self.desk,
            sealer=nb, wake=self._wake.set,
        )
        self.pump.step(now)  # the first prune too: a node back after a week drops many
        _return_freed_memory()
        logger.info("first step done: %d expired records pruned (%.2f s of CPU since the "
                    "process started)", engine.stats.records_pruned, time.process_time())
        return True

    def step(self, now: float) -> float:
        """Do what is due at ``now``; returns how long to sleep at most."""
        if not self.start(now):
            return 1.0  # waiting for the radio's first handshake
        assert self.pump is not None
        self._log_warnings()
        self.pump.step(now)
        self._pin_radio_keys()
        at = self.pump.next_wakeup(now)
        return MAX_SLEEP if at is None else min(max(at - now, MIN_SLEEP), MAX_SLEEP)

    def _pin_radio_keys(self) -> None:
        """Give the radio the keys the roster pins for residents' radios, at start and
        whenever a roster version comes into force (from the air or the CLI), so their
        PKI-encrypted texts open before a NodeInfo of theirs is heard, and a NodeInfo that
        claims another key for them changes nothing (meshaid.hardware.meshtastic_radio.
        contacts)."""
        nb = self.neighbourhood
        if nb is None or nb.roster.version == self._pinned_version:
            return
        self._pinned_version = nb.roster.version
        keys = {r.radio: r.key for r in nb.roster.radios.values() if r.key}
        try:
            self.radio.pin_keys(keys)
        except RadioError as exc:  # keys are checked when added to the roster: unexpected
            logger.warning("residents' radio keys not given to the radio: %s", exc)

    async def run(self, stop: asyncio.Event) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._started = loop.time()
        # Until the pump exists, radio changes just wake the loop (the pump then takes over).
        self.radio.on_status(lambda _status: self._wake.set())
        await self.control.start()
        logger.info("daemon started for node %s (origin %08x), control socket %s",
                    self.node.config.name, self.store.origin, self.control.path)
        waker = asyncio.create_task(self._wake_on(stop))
        try:
            while not stop.is_set():
                timeout = self.step(loop.time())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                self._wake.clear()
        finally:
            waker.cancel()
            await self.control.close()
            logger.info("daemon stopped")

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    def _log_warnings(self) -> None:
        warnings = self.warnings() if self.radio.connected else []
        for warning in warnings:
            if warning not in self._warned:
                logger.warning("%s", warning)
        self._warned = warnings

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
        if self.pump is not None:
            self.pump.pick_up_local()
        logger.info("posted %s %s through the control socket", entry.kind, entry.code)
        return entry.to_json()

    async def _op_status(self, request: dict[str, Any]) -> Any:
        loop = self._loop or asyncio.get_running_loop()
        return self.status(loop.time())

    def warnings(self) -> list[str]:
        return [
            *radio_warnings(self.radio, self.radio_config.region, self.sync_config.preset),
            *problems(radio_checks(self.radio.info)),
        ]

    def checks(self) -> list[Check]:
        """The start-up safety checks: the machine's, and the radio's once it answered."""
        return [*self.machine_checks, *radio_checks(self.radio.info)]

    def status(self, now: float) -> dict[str, Any]:
        """What ``meshaid status`` shows; plain values only (it goes out as msgpack)."""
        pump, engine = self.pump, self.engine
        local = pump.local if pump is not None else None
        waiting = 0
        if isinstance(local, StoreLocal):
            waiting = max(self.store.next_seq() - local.next_seq, 0)
        frames_sent = sum(engine.stats.frames_sent.values()) if engine is not None else 0
        frames_received = sum(engine.stats.frames_received.values()) if engine else 0
        neighbours = pump.neighbours.values() if pump is not None else ()
        return {
            "daemon": {"running": True, "pid": os.getpid(), "uptime": now - self._started},
            "node": {"name": self.node.config.name, "origin": f"{self.store.origin:08x}"},
            "radio": radio_status(self.radio),
            "warnings": self.warnings(),
            "checks": [c.to_json() for c in self.checks()],
            "neighbours": [
                {"node": f"!{n.node:08x}", "last_heard_ago": now - n.last_heard,
                 "frames": n.frames}
                for n in sorted(neighbours, key=lambda n: -n.last_heard)
            ],
            "store": summary_rows(self.store),
            "neighbourhood": self._neighbourhood_status(),
            "airtime": {
                "used": pump.airtime.used(now) if pump is not None else 0.0,
                "budget": self.sync_config.budget_seconds,
                "window": HOUR,
                "frames_sent": frames_sent,
            },
            "pending": {"own_records_waiting": waiting, "radio_frames": self.radio.pending},
            "counters": {
                **dict(self.counters),
                **(dict(pump.counters) if pump is not None else {}),
                **({f"desk.{k}": v for k, v in self.desk.counters.items()}
                   if self.desk is not None else {}),
                "frames_received": frames_received,
                "bad_requests": self.control.bad_requests,
            },
        }


    def _neighbourhood_status(self) -> dict[str, Any]:
        nb = self.neighbourhood
        if nb is None or not nb.joined:
            return {"joined": False}
        roster = nb.roster
        return {
            "joined": True, "name": roster.name, "roster_version": roster.version,
            "frozen": roster.conflict is not None, "epochs": nb.keyring.epochs,
            "nodes": len(roster.active_nodes()), "frames_not_opened": dict(nb.keyring.counters),
        }


def run_node(
    home: Path,
    *,
    port: str | None = None,
    host: str | None = None,
    config_path: Path | None = None,
    sync_config: SyncConfig | None = None,
) -> None:
    """Run the daemon for the node at ``home`` on its Meshtastic radio until SIGTERM/SIGINT.

    ``config_path`` replaces the home's meshaid.toml (the service reads
    /etc/meshaid/meshaid.toml); ``port`` or ``host`` replace its [radio] address.
    NodeError or RadioError when the node or the radio cannot be opened.
    """
    # The meshtastic library is imported only by the command that talks to a radio.
    from meshaid.hardware.meshtastic_radio import MeshtasticRadio

    lock = DaemonLock(home)
    if home.is_dir():  # else open_node says there is no node here
        lock.acquire()  # before the store and any device: one daemon per node home
    try:
        node = open_node(home, config_path=config_path)
    except BaseException:
        lock.release()
        raise
    try:
        checks = _machine_checks(node)
        if config_path is not None:
            node.config = load_config(config_path)
        radio_config = load_radio_config(config_path or node.home.config_file)
        radio_config = radio_config.with_target(port, host)
        radios = RosterRadios(load_allow(config_path or node.home.config_file))
        plain_dm = load_plain_dm(config_path or node.home.config_file)
        desk = PhoneDesk(node, radios, allow_plain_dm=plain_dm)
        if plain_dm:
            logger.warning("%s", PLAIN_DM_WARNING)
        radio = MeshtasticRadio(radio_config.target, channel_index=radio_config.channel)
        try:
            daemon = Daemon(node, radio, radio_config, sync_config=sync_config, desk=desk,
                            radios=radios)
            daemon.machine_checks = checks
            asyncio.run(_until_signalled(daemon))
        finally:
            radio.close()
    finally:
        node.close()
        lock.release()


def _machine_checks(node: Node) -> list[Check]:
    """The start-up checks that need no radio, logged; NodeError if one refuses."""
    from meshaid.node.store.database import pragma

    checks = machine_checks(node.home.root, lambda name: pragma(node.store.path, name))
    for check in checks:
        if check.level == "ok":
            logger.info("check %s: %s", check.name, check.message)
        else:
            logger.warning("check %s: %s", check.name, check.message)
    stop = refused(checks)
    if stop:
        raise NodeError("refusing to start: " + "; ".join(c.message for c in stop))
    return checks


async def _until_signalled(daemon: Daemon) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _stopping, stop, signum)
    await daemon.run(stop)


def _stopping(stop: asyncio.Event, signum: int) -> None:
    logger.info("%s received, stopping", signal.Signals(signum).name)
    stop.set()
