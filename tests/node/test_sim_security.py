"""The simulated neighbourhood runs as a formed one: roster checks and sealed frames."""

from __future__ import annotations

from meshaid.node.sim.scenarios import SCENARIOS, Identity, plan
from meshaid.node.sim.security import SimNeighbourhood
from meshaid.node.sim.simulation import PROTOCOLS, Simulation, build_topology
from meshaid.protocol import seal
from meshaid.protocol.errors import DecodeError

SMALL = SCENARIOS["small"]


def test_the_roster_names_every_identity_of_the_run_and_nobody_else() -> None:
    workload = plan(SMALL)
    hood = SimNeighbourhood(SMALL.seed, list(workload.keys.values()))
    for origin, key in workload.keys.items():
        assert hood.trust(origin, 1) == key
    stranger = Identity.derive(SMALL.seed + 1, 0, 0)
    assert hood.trust(stranger.origin, 1) is None


def test_a_secure_run_seals_every_frame_and_still_delivers_everything() -> None:
    workload, topology = plan(SMALL), build_topology(SMALL)
    sim = Simulation(SMALL, PROTOCOLS["engine"], workload=workload, topology=topology)
    assert sim.security is not None
    key = sim.security.epoch_key
    heard: list[bytes] = []
    for radio in sim.mesh.radios:
        send = radio.send

        def sealed_send(payload: bytes, *args: object, _send=send, **kw: object) -> None:  # type: ignore[no-untyped-def]
            heard.append(payload)
            _send(payload, *args, **kw)

        radio.send = sealed_send  # type: ignore[method-assign]
    result = sim.run()
    assert result.delivery == 1.0
    assert heard
    for payload in heard:
        seal.open_sealed(key, payload)  # raises on a frame not sealed with the epoch key
    try:
        seal.open_sealed(bytes(32), heard[0])
    except DecodeError:
        pass
    else:
        raise AssertionError("a frame opened with the wrong key")
    plain = Simulation(SMALL, PROTOCOLS["engine"], workload=workload, topology=topology,
                       secure=False).run()
    assert plain.delivery == 1.0
    assert result.bytes_total > plain.bytes_total  # 45 bytes a frame, and their airtime
