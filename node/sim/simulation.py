"""Run gossip protocols over the simulated LoRa mesh and measure what they achieve.

Each node of a scenario gets a SimRadio, a board (sync.merge.Board, standing in for the
store) and one GossipProtocol. The driver here moves frames between them in simulated
time, as the daemon's pump does with a real radio: it asks the protocol for a frame when
the node's radio has none of its own waiting, calls ``handle_timer`` at
``next_deadline``, hands every received frame to ``receive``, and stores the records the
protocol accepts. Nodes create the records of the scenario's workload at their planned
times; nodes are switched off, wiped and partitioned as the scenario says.

What is measured, per protocol (see BENCHMARKS.md for the exact definitions):

* delivery: of the copies that should exist at the end (each record created during the
  run, on every node but its creator; every record, on a wiped node that came back),
  the share whose content the node's board shows (the record or a newer version).
  Entries that expire before the end may be pruned, so they are owed to nobody;
* convergence: for each record created during the run, the time until the last node
  that should have it had it, by action (new entry, edit, withdrawal, alert);
* lost (records some node never got), resurrected (withdrawn entries some node shows
  open at the end), and whether all boards end identical;
* airtime: each node's worst sliding hour, nodes over the protocol budget or the duty
  cycle, channel utilisation, bytes and airtime on air per delivered copy, and the
  efficiency eta = lower bound x delivery / airtime actually used.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from meshaid.hardware.sim import topology as topo
from meshaid.hardware.sim.lorasim import LoraMesh, worst_window_share
from meshaid.node.daemon.pump import Pump, PumpConfig
from meshaid.node.errors import NodeError
from meshaid.node.sim.measures import (
    Percentiles,
    RunResult,
    Tracker,
    covered,
    live_hash,
    record_airtime,
)
from meshaid.node.sim.scenarios import (
    HOUR,
    START_UNIX,
    Identity,
    Planned,
    Rejoin,
    Scenario,
    Workload,
    plan,
)
from meshaid.node.sim.security import SimNeighbourhood
from meshaid.protocol import timebase
from meshaid.protocol.airtime import MAX_APP_PAYLOAD, airtime_seconds
from meshaid.protocol.errors import UsageError
from meshaid.protocol.record import RecordId, SignedRecord, Status
from meshaid.sync.api import GossipProtocol, KeyLookup, Trust
from meshaid.sync.baselines import NaiveFlooding, PeriodicRebroadcast
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine
from meshaid.sync.merge import Board
from meshaid.sync.verify import VerifyCache

# The pump prunes with wall time this often here (the daemon: every minute); expiry is
# far coarser than either, and pruning every node every minute would dominate the run.
PRUNE_EVERY = 600.0
STUCK_TIMER_FIRES = 10_000  # timer calls at one instant before the run is called stuck


class SimulationError(NodeError):
    """A protocol misbehaved in a way that stops the simulation (e.g. a timer loop)."""


@dataclass(frozen=True)
class NodeSetup:
    """What a protocol gets when a node (re)starts."""

    node_id: int
    origin: int
    records: tuple[SignedRecord, ...]
    keys: KeyLookup
    rng: random.Random
    now: float
    scenario: Scenario
    verify_cache: VerifyCache
    known: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    first_seen: dict[RecordId, int] = field(default_factory=dict)
    trust: Trust | None = None  # the roster's key for (origin, seq); None: ``keys``
    mtu: int = MAX_APP_PAYLOAD  # what a frame may carry (less the sealing overhead)
    overhead: int = 0  # bytes sealing adds to each frame


@dataclass(frozen=True)
class ProtocolSpec:
    name: str  # as the CLI spells it
    title: str  # as tables show it
    hop_limit: int | None  # for every frame it sends; None: the radios' default
    make: Callable[[NodeSetup], GossipProtocol]


def _make_engine(setup: NodeSetup) -> GossipProtocol:
    sc = setup.scenario
    config = SyncConfig(preset=sc.preset, budget_share=sc.budget_share)
    config = dataclasses.replace(config, mtu=min(config.mtu, setup.mtu))
    # Its budget counts what goes on air: the frame as sealed, when it is.
    overhead = setup.overhead
    engine = SyncEngine(setup.keys, setup.rng, config, verify_cache=setup.verify_cache,
                        node_id=setup.node_id, trust=setup.trust,
                        airtime=lambda size: airtime_seconds(size + overhead, sc.preset))
    # What the daemon loads from its store: records, known runs, first-seen minutes.
    engine.load(setup.records, known=setup.known, first_seen=setup.first_seen)
    return engine


def _make_flooding(setup: NodeSetup) -> GossipProtocol:
    return NaiveFlooding(setup.keys, setup.records, rng=setup.rng,
                         verify_cache=setup.verify_cache, mtu=setup.mtu)


def _make_periodic(setup: NodeSetup) -> GossipProtocol:
    sc = setup.scenario
    return PeriodicRebroadcast(setup.keys, setup.records, rng=setup.rng, now=setup.now,
                               budget_share=sc.budget_share, preset=sc.preset,
                               verify_cache=setup.verify_cache, mtu=setup.mtu)


PROTOCOLS: dict[str, ProtocolSpec] = {
    # The engine relays and repairs by itself, so its frames go to neighbours only.
    "engine": ProtocolSpec("engine", "sync engine", 0, _make_engine),
    "flooding": ProtocolSpec("flooding", "(a) naive flooding", None, _make_flooding),
    "periodic": ProtocolSpec("periodic", "(b) periodic rebroadcast", 0, _make_periodic),
}


class _Node:
    def __init__(self, index: int, identity: Identity) -> None:
        self.index = index
        self.identity = identity
        self.life = 0
        self.board = Board()
        self.pump: Pump | None = None
        self.up = True
        self.timer_at: float | None = None
        self.timer_gen = 0
        self.fires_at = -1.0
        self.fires = 0
        self.handed: list[tuple[float, float]] = []  # (when, airtime) of frames sent
        # What the daemon keeps in its store across a restart, besides the records.
        self.known: dict[int, list[tuple[int, int]]] = {}
        self.first_seen: dict[RecordId, int] = {}
        self.dropped = 0  # frames dropped by the pumps of earlier lives


class _SimBoard:
    """The pump's board on a simulated node: its in-memory Board, and the tracker."""

    def __init__(self, sim: Simulation, node: _Node) -> None:
        self.sim = sim
        self.node = node

    def accept(self, records: Sequence[SignedRecord], now: float) -> None:
        sim, node = self.sim, self.node
        minute = sim._wall_minutes(node)
        for rec in records:
            if rec.raw not in sim.known_raw:
                sim.unknown_records += 1
            node.board.apply(rec)
            node.first_seen.setdefault(rec.record_id, minute)
            sim.tracker.check(node.index, node.board, rec.entry_id, now)

    def keep_known(self, runs: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        self.node.known = {origin: list(r) for origin, r in runs.items()}


Progress = Callable[[str, float, float], None]  # (protocol, hours done, hours in all)


class Simulation:
    """One protocol on one scenario. ``run`` once; it returns the RunResult."""

    def __init__(
        self,
        scenario: Scenario,
        spec: ProtocolSpec,
        *,
        workload: Workload | None = None,
        topology: topo.Topology | None = None,
        progress: Progress | None = None,
        secure: bool = True,
    ) -> None:
        """``secure``: nodes trust only the roster and seal every frame, as daemons do
        (node/sim/security.py); off, they take any key of the run and send frames plain,
        which is what security costs against."""
        sc = scenario
        self.sc = sc
        self.spec = spec
        self.workload = workload if workload is not None else plan(sc)
        self.topology = topology if topology is not None else build_topology(sc)
        if self.topology.size != sc.nodes:
            raise UsageError("the topology does not have the scenario's number of nodes")
        self.progress = progress
        self.mesh = LoraMesh(
            self.topology, random.Random(f"air/{sc.seed}"), preset=sc.preset,
            hop_limit=sc.hop_limit, duty_cycle=sc.duty_cycle,
        )
        self.verify_cache = VerifyCache(1 << 16)
        self.tracker = Tracker(sc.nodes)
        self.nodes = [_Node(i, ident) for i, ident in enumerate(self.workload.identities)]
        self.known_raw = {r.raw for r in self.workload.existing}
        self.known_raw.update(p.record.raw for p in self.workload.planned)
        self.withdrawn = {p.record.entry_id for p in self.workload.planned
                          if p.record.body.status == Status.WITHDRAWN}
        self.all_records: list[SignedRecord] = list(self.workload.existing)
        self.unknown_records = 0
        for node in self.nodes:
            node.board.apply_all(self.workload.existing)
        self.security = (SimNeighbourhood(sc.seed, list(self.workload.keys.values()))
                         if secure else None)
        self._ran = False

    # -- driving ---------------------------------------------------------------------------

    def run(self) -> RunResult:
        if self._ran:
            raise UsageError("a Simulation runs once")
        self._ran = True
        started = time.perf_counter()
        cpu_started = time.process_time()
        mesh = self.mesh
        for node in self.nodes:
            self._start(node)
        for planned in self.workload.planned:
            mesh.schedule(planned.at, self._create, planned)
        rejoin_of = {(r.node, r.at): r for r in self.workload.rejoins}
        for out in self.sc.outages:
            mesh.schedule(out.start * HOUR, self._power_off, self.nodes[out.node])
            rejoin = rejoin_of.get((out.node, out.end * HOUR)) if out.wipe else None
            mesh.schedule(out.end * HOUR, self._power_on, self.nodes[out.node], rejoin)
        for part in self.sc.partitions:
            halves = split_in_two(self.topology)
            mesh.schedule(part.start * HOUR, mesh.partition, halves)
            mesh.schedule(part.end * HOUR, mesh.heal)
        end = self.sc.end
        hours = math.ceil(end / HOUR)
        for h in range(1, hours + 1):
            mesh.run_until(min(h * HOUR, end))
            if self.progress is not None:
                self.progress(self.spec.name, min(h * HOUR, end) / HOUR, end / HOUR)
        return self._result(time.perf_counter() - started, time.process_time() - cpu_started)

    def _wall_minutes(self, node: _Node) -> int:
        return timebase.to_minutes(START_UNIX + self.mesh.now + self.sc.clock_offset(node.index))

    def _start(self, node: _Node) -> None:
        radio = self.mesh.radios[node.index]
        setup = NodeSetup(
            node_id=radio.node_id, origin=node.identity.origin,
            records=tuple(node.board.records.values()), keys=self.workload.key_of,
            rng=random.Random(f"{self.sc.seed}/{self.spec.name}/{node.index}/{node.life}"),
            now=self.mesh.now, scenario=self.sc, verify_cache=self.verify_cache,
            known=node.known, first_seen=node.first_seen,
        )
        sealer = None
        if self.security is not None:
            sealer = self.security.keyring(f"{self.sc.seed}/{node.index}/{node.life}")
            setup = dataclasses.replace(setup, trust=self.security.trust,
                                        mtu=radio.mtu - sealer.overhead,
                                        overhead=sealer.overhead)
        node.up = True
        node.timer_at = None
        node.timer_gen += 1
        config = pump_config(self.sc, self.spec)
        pump = Pump(
            self.spec.make(setup), radio, _SimBoard(self, node),
            wall_minutes=functools.partial(self._wall_minutes, node),
            wall=functools.partial(self._wall, node), config=config,
            on_sent=functools.partial(self._handed, node), sealer=sealer,
        )
        pump._wake = functools.partial(self._wake, node, pump)
        node.pump = pump
        self._wake(node, pump)

    def _wall(self, node: _Node) -> float:
        return START_UNIX + self.mesh.now + self.sc.clock_offset(node.index)

    def _handed(self, node: _Node, now: float, size: int) -> None:
        node.handed.append((now, self.mesh.airtime_of(size)))

    def _power_off(self, node: _Node) -> None:
        node.up = False
        if node.pump is not None:
            node.dropped += node.pump.counters["frames_dropped"]
        node.pump = None
        node.timer_gen += 1
        self.mesh.power_off(node.index)

    def _power_on(self, node: _Node, rejoin: Rejoin | None) -> None:
        self.mesh.power_on(node.index)
        if rejoin is not None:
            node.identity = rejoin.identity
            node.life += 1
            node.board = Board()
            node.known = {}
            node.first_seen = {}
            self.tracker.rejoin(node.index, self.mesh.now, list(self.all_records))
        self._start(node)

    def _create(self, planned: Planned) -> None:
        node = self.nodes[planned.node]
        if not node.up or node.pump is None:
            raise SimulationError(f"node {node.index} is planned to create a record while off")
        rec = planned.record
        self.all_records.append(rec)
        self.tracker.created(planned, node.life)
        node.board.apply(rec)
        node.first_seen.setdefault(rec.record_id, self._wall_minutes(node))
        node.pump.add_local(rec, self.mesh.now)
        self._schedule(node, node.pump)

    def _wake(self, node: _Node, pump: Pump) -> None:
        """The radio heard something or has room again: run the node's pump now."""
        if not node.up or node.pump is not pump:
            return  # a pump of a node switched off since
        pump.step(self.mesh.now)
        self._schedule(node, pump)

    def _schedule(self, node: _Node, pump: Pump) -> None:
        at = pump.next_wakeup(self.mesh.now)
        if at is None:
            # Nothing pending, or a frame waiting for the radio: the end of the radio's
            # current frame wakes the pump again.
            node.timer_at = None
            node.timer_gen += 1
        elif at != node.timer_at:
            node.timer_at = at
            node.timer_gen += 1
            self.mesh.schedule(max(at, self.mesh.now), self._fire, node, node.timer_gen)

    def _fire(self, node: _Node, gen: int) -> None:
        if gen != node.timer_gen or not node.up or node.pump is None:
            return
        now = self.mesh.now
        if now == node.fires_at:
            node.fires += 1
            if node.fires > STUCK_TIMER_FIRES:
                raise SimulationError(
                    f"{self.spec.name} on node {node.index} asks for its timer again and "
                    f"again at t={now:.3f} s without moving on"
                )
        else:
            node.fires_at, node.fires = now, 0
        node.timer_at = None
        pump = node.pump
        pump.step(now)
        self._schedule(node, pump)

    # -- measuring -------------------------------------------------------------------------

    def _result(self, wall_seconds: float, cpu_seconds: float) -> RunResult:
        sc = self.sc
        mesh = self.mesh
        up = [n for n in self.nodes if n.up]
        end = sc.end
        # Entries that expired during the run may be pruned, so nobody owes them.
        work = self.workload
        live = {rec.entry_id for rec in self.all_records if work.expires(rec) > end}
        run_records = [p.record for p in work.planned if p.record.entry_id in live]
        expired = sum(1 for p in work.planned if p.record.entry_id not in live)
        # Copies owed: each record made during the run, to every node but its maker; and
        # every record made before, to a wiped node that came back.
        owed: list[tuple[_Node, SignedRecord]] = [
            (node, rec) for rec in run_records for node in up
            if (node.index, node.life) != self.tracker.creator[rec.record_id]
        ]
        owed += [(node, rec) for node in up if node.index in self.tracker.rejoined_at
                 for rec in work.existing if rec.entry_id in live]
        expected, delivered = len(owed), 0
        lost: set[RecordId] = set()
        for node, rec in owed:
            if covered(node.board, rec):
                delivered += 1
            else:
                lost.add(rec.record_id)

        resurrected = 0
        for eid in self.withdrawn & live:
            for node in up:
                state = node.board.entries.get(eid)
                if state is not None and state.status in (Status.OPEN, Status.MATCHED):
                    resurrected += 1
                    break

        hashes = {live_hash(n.board, live) for n in up}

        by_action: dict[str, list[float]] = {a: [] for a in ("new", "edit", "withdraw", "alert")}
        for rec in run_records:
            rid = rec.record_id
            maker, life = self.tracker.creator[rid]
            covers = self.tracker.first_cover[rid]
            should = [n.index for n in up if not (n.index == maker and n.life == life)]
            if all(i in covers for i in should):
                latest = max((covers[i] for i in should), default=self.tracker.created_at[rid])
                value = latest - self.tracker.created_at[rid]
            else:
                value = math.inf
            by_action[self.tracker.action[rid]].append(value)
        convergence = {a: Percentiles.of(v) for a, v in by_action.items()}
        rejoin = None
        if self.tracker.rejoined_at:
            # Over the records the wiped node was owed: those of entries live at the end.
            entry_of = {rec.record_id: rec.entry_id for rec in self.all_records}
            times = [t for rid, t in self.tracker.rejoin_times if entry_of[rid] in live]
            missing = sum(1 for pending in self.tracker.rejoin_pending.values()
                          for rid in pending if entry_of[rid] in live)
            rejoin = Percentiles.of(times + [math.inf] * missing)

        stats = [r.stats() for r in mesh.radios]
        shares = [mesh.worst_hour_share(i) for i in range(sc.nodes)]
        airtime_total = sum(s.airtime_sent for s in stats)
        bytes_total = sum(s.bytes_sent for s in stats)
        utilisation = [s.channel_busy_seconds / end for s in stats]

        loss_factor = 1.0 / (1.0 - sc.loss)
        cover = {n: self.topology.broadcast_cover(n) for n in range(sc.nodes)}
        bound = 0.0
        for planned in work.planned:
            if planned.record.entry_id in live:
                bound += record_airtime(planned.record, sc.preset) * cover[planned.node]
        for rj in work.rejoins:
            before = work.existing + [p.record for p in work.planned if p.at < rj.at]
            bound += sum(record_airtime(r, sc.preset) for r in before if r.entry_id in live)
        bound *= loss_factor
        delivery = delivered / expected if expected else 1.0

        return RunResult(
            scenario=sc.name, protocol=self.spec.name, title=self.spec.title,
            delivery=delivery,
            copies_expected=expected, copies_delivered=delivered, lost=len(lost),
            resurrected=resurrected, boards_identical=len(hashes) <= 1,
            distinct_boards=len(hashes), convergence=convergence, rejoin=rejoin,
            worst_hour_airtime_share=max(shares),
            over_budget_nodes=sum(
                1 for n in self.nodes if worst_window_share(n.handed, HOUR) > sc.budget_share + 1e-9
            ),
            over_duty_cycle_nodes=sum(
                1 for s, st in zip(shares, stats, strict=True)
                if s > sc.duty_cycle + 1e-9 or st.refused_duty_cycle
            ),
            channel_utilisation=sum(utilisation) / len(utilisation),
            channel_utilisation_max=max(utilisation),
            airtime_total=airtime_total, bytes_total=bytes_total,
            frames_sent=sum(s.frames_sent for s in stats),
            frames_relayed=sum(s.frames_relayed for s in stats),
            collisions=sum(s.collisions for s in stats),
            bytes_per_delivered_copy=bytes_total / delivered if delivered else None,
            airtime_per_delivered_copy=airtime_total / delivered if delivered else None,
            airtime_lower_bound=bound,
            # A protocol earns the bound only for what it delivered.
            eta=bound * delivery / airtime_total if airtime_total > 0 and bound > 0 else None,
            airtime_per_hour=airtime_total / (end / HOUR),
            hourly_airtime=tuple(mesh.hourly_airtime),
            frames_dropped=sum(n.dropped for n in self.nodes) + sum(
                n.pump.counters["frames_dropped"] for n in self.nodes if n.pump is not None),
            unknown_records=self.unknown_records,
            expired_records=expired,
            simulated_hours=end / HOUR, wall_seconds=wall_seconds, cpu_seconds=cpu_seconds,
        )


def pump_config(sc: Scenario, spec: ProtocolSpec) -> PumpConfig:
    """How a simulated node's pump is set up: as the daemon's, but for the prune cadence."""
    return PumpConfig(prune_every=PRUNE_EVERY, hop_limit=spec.hop_limit,
                      budget_seconds=sc.budget_share * HOUR, preset=sc.preset)


def build_topology(sc: Scenario) -> topo.Topology:
    rng = random.Random(f"topology/{sc.seed}")
    if sc.topology == "random":
        return topo.random_geometric(sc.nodes, sc.loss, rng, min_hops=sc.min_hops,
                                     max_hops=sc.max_hops)
    return topo.build(sc.topology, sc.nodes, sc.loss, rng)


def split_in_two(topology: topo.Topology) -> list[set[int]]:
    """Two halves of a mesh: west and east when nodes have places, else by number."""
    order = list(range(topology.size))
    if topology.positions is not None:
        pos = topology.positions
        order.sort(key=lambda i: (pos[i][0], pos[i][1], i))
    half = topology.size // 2
    return [set(order[:half]), set(order[half:])]


def run_scenario(
    scenario: Scenario,
    protocols: Sequence[str] = tuple(PROTOCOLS),
    *,
    progress: Progress | None = None,
    texts: Sequence[str] | None = None,
    secure: bool = True,
) -> list[RunResult]:
    """Run ``scenario`` once per protocol, on the same mesh and the same workload
    (``secure``: see Simulation)."""
    for name in protocols:
        if name not in PROTOCOLS:
            raise UsageError(f"unknown protocol {name!r}; choose from {', '.join(PROTOCOLS)}")
    workload = plan(scenario, texts)
    topology = build_topology(scenario)
    return [
        Simulation(scenario, PROTOCOLS[name], workload=workload, topology=topology,
                   progress=progress, secure=secure).run()
        for name in protocols
    ]
