"""The daemon and the simulator run one pump: same inputs and clock, same frames handed."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from membership_kit import form

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.pump import Pump
from meshaid.node.daemon.radio_config import RadioConfig
from meshaid.node.daemon.service import Daemon, first_unannounced
from meshaid.node.membership import commands
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import PostRequest, init_node, open_node
from meshaid.node.sim.scenarios import SCENARIOS
from meshaid.node.sim.simulation import PROTOCOLS, Simulation, pump_config
from meshaid.node.store.sync_state import load_sync_state
from meshaid.protocol import frames, keytext, seal
from meshaid.protocol.record import SignedRecord
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine
from meshaid.sync.merge import Board
from recordgen import Signer

NODE, NEIGHBOUR = 0x4D41_0001, 0x4D41_0002


class MemoryBoard:
    def __init__(self) -> None:
        self.board = Board()

    def accept(self, records: Sequence[SignedRecord], now: float) -> None:
        self.board.apply_all(records)

    def keep_known(self, runs: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        pass


class OnceLocal:
    """Own records to hand the engine at the first look, then none."""

    def __init__(self, records: list[SignedRecord]) -> None:
        self._records = records

    def take_new(self) -> list[SignedRecord]:
        out, self._records = self._records, []
        return out


def test_the_daemon_and_the_simulator_hand_the_radio_the_same_frames(tmp_path: Path) -> None:
    init_node(tmp_path / "a", name="a", timezone="UTC", zones=("north block",))
    node = open_node(tmp_path / "a")
    init_node(tmp_path / "b", name="b", timezone="UTC", zones=("north block",))
    other = open_node(tmp_path / "b")
    form(node, [other])  # the daemon's node in a neighbourhood; "other" speaks for it
    neighbour = Signer(7)
    # The neighbour is on the roster, so the daemon's node takes its records as the
    # simulator's engine does (which is given every key): both see the same inputs.
    commands.add_node(node, keytext.encode(keytext.KEY_PREFIX, neighbour.public_key),
                      "neighbour")
    # The daemon seals its frames: the engine plans them smaller by the seal's overhead.
    config = SyncConfig(mtu=MemoryRadio(1).mtu - seal.OVERHEAD)
    nb = Neighbourhood(node)
    keys = {origin: nb.trust(origin)
            for origin in (node.store.origin, other.store.origin, neighbour.origin)}
    daemon_radio = MemoryRadio(NODE, capacity=1)
    daemon = Daemon(node, daemon_radio, RadioConfig(), sync_config=config, rng=random.Random(5),
                    control_path=tmp_path / "a" / "control.sock")
    sim_radio = MemoryRadio(NODE, capacity=1)
    engine = SyncEngine(keys.get, random.Random(5), config, node_id=NODE)
    # What the daemon loads at start as held, and what it pushes as new: its own records
    # no engine had yet (the roster records the membership commands signed).
    state = load_sync_state(node.store)
    first_new = first_unannounced(state.known, node.store.origin, node.store.next_seq())
    fresh = [r for r in state.records if r.body.origin == node.store.origin
             and r.body.seq >= first_new]
    assert fresh, "the roster records signed before the daemon ran"
    engine.load([r for r in state.records if r not in fresh])
    spec = PROTOCOLS["engine"]
    sim_pump = Pump(engine, sim_radio, MemoryBoard(), config=pump_config(SCENARIOS["S1"], spec),
                    local=OnceLocal(fresh))

    daemon.step(0.0)
    assert type(daemon.pump) is type(sim_pump) is Pump
    assert daemon.neighbourhood is not None
    epoch_key = daemon.neighbourhood.keyring.current()
    assert epoch_key is not None
    sent: dict[str, list[tuple[float, bytes]]] = {"daemon": [], "sim": []}
    heard = [neighbour.create(f"tarps and rope, lot {i}") for i in range(3)]
    t = 0.0
    while t < 600.0:
        if t == 20.0:  # a post made here: the daemon reads it from the store
            node.post(PostRequest(kind="need", text="insulin cooler", category="medicine"))
            own = node.store.records_of(node.store.origin)[-1]
            assert daemon.pump is not None
            daemon.pump.pick_up_local()
            sim_pump.add_local(own, t)
        if t in (40.0, 41.0, 300.0):  # frames from the neighbour, heard by both
            rec = heard.pop(0)
            frame = frames.encode(frames.RecordsFrame((rec.raw,), relay=True))
            daemon_radio.hear(seal.seal(epoch_key.key, epoch_key.epoch, bytes(24), frame),
                              NEIGHBOUR)
            sim_radio.hear(frame, NEIGHBOUR)
        daemon.step(t)
        sim_pump.step(t)
        sent["daemon"] += [(t, seal.open_sealed(epoch_key.key, f.payload))
                           for f in daemon_radio.take_sent()]
        sent["sim"] += [(t, f.payload) for f in sim_radio.take_sent()]
        t += 0.25
    assert sent["daemon"], "the node should have said something in ten minutes"
    assert sent["daemon"] == sent["sim"]
    node.close()
    other.close()


def test_the_simulator_runs_its_nodes_on_the_pump() -> None:
    sim = Simulation(SCENARIOS["small"], PROTOCOLS["engine"])
    result = sim.run()
    assert all(isinstance(n.pump, Pump) for n in sim.nodes if n.up)
    assert result.delivery == 1.0
