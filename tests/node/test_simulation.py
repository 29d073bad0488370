import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshaid.cli.sim import sim
from meshaid.node.sim.measures import Percentiles, covered
from meshaid.node.sim.scenarios import (
    SCENARIOS,
    START_UNIX,
    YEAR,
    Identity,
    Outage,
    Partition,
    Scenario,
    load_scenario,
    make_text,
    plan,
)
from meshaid.node.sim.simulation import (
    PROTOCOLS,
    Simulation,
    build_topology,
    run_scenario,
    split_in_two,
)
from meshaid.protocol import timebase
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.errors import UsageError
from meshaid.protocol.record import (
    MAX_TEXT_BYTES,
    Category,
    Kind,
    RecordBody,
    SignedRecord,
    Status,
    sign,
)
from meshaid.sync.api import FrameDropped, RecordsAccepted
from meshaid.sync.baselines import (
    FRAGMENT_FRAME,
    RECORDS_FRAME,
    NaiveFlooding,
    PeriodicRebroadcast,
    pack_frames,
)
from meshaid.sync.merge import Board

SMALL = SCENARIOS["small"]


@pytest.fixture(scope="module")
def small_results():  # type: ignore[no-untyped-def]
    return {r.protocol: r for r in run_scenario(SMALL)}


def test_small_scenario_engine_delivers_everything_within_budget(small_results) -> None:  # type: ignore[no-untyped-def]
    engine = small_results["engine"]
    assert engine.delivery == 1.0
    assert engine.lost == 0
    assert engine.resurrected == 0
    assert engine.boards_identical
    assert engine.over_budget_nodes == 0
    assert engine.over_duty_cycle_nodes == 0
    assert engine.unknown_records == 0
    assert engine.copies_expected == engine.copies_delivered > 0
    assert engine.convergence["new"].max is not None


def test_small_scenario_periodic_rebroadcast_also_gets_there(small_results) -> None:  # type: ignore[no-untyped-def]
    periodic = small_results["periodic"]
    assert periodic.delivery == 1.0
    assert periodic.resurrected == 0
    assert periodic.over_budget_nodes == 0
    # It pays for it: every node repeats its whole store.
    assert periodic.airtime_total > small_results["engine"].airtime_total


def test_naive_flooding_has_no_repair() -> None:
    lossy = replace(SMALL, loss=0.3)
    flooding, engine = run_scenario(lossy, ("flooding", "engine"))
    assert flooding.delivery < 1.0
    assert flooding.lost > 0
    # Some records never reached everyone.
    assert any(p.max is None for p in flooding.convergence.values())
    assert engine.delivery == 1.0


def test_same_seed_gives_the_same_figures() -> None:
    tiny = replace(SMALL, hours=0.5, settle_hours=0.25)
    first = run_scenario(tiny, ("engine",))[0].as_dict()
    again = run_scenario(tiny, ("engine",))[0].as_dict()
    for timing in ("wall_seconds", "cpu_seconds"):
        first.pop(timing)
        again.pop(timing)
    assert first == again


def test_a_wiped_node_catches_up() -> None:
    sc = replace(
        SMALL,
        name="wipe",
        nodes=5,
        hours=1.5,
        settle_hours=0.5,
        outages=(Outage(node=2, start=0.25, end=0.5, wipe=True),),
    )
    work = plan(sc)
    assert [r.node for r in work.rejoins] == [2]
    assert work.rejoins[0].identity.origin != work.identities[2].origin
    assert all(not (p.node == 2 and 0.25 * 3600 <= p.at < 0.5 * 3600) for p in work.planned)
    result = Simulation(sc, PROTOCOLS["engine"], workload=work).run()
    assert result.rejoin is not None
    before = work.existing + [p.record for p in work.planned if p.at < 0.5 * 3600]
    live = {r.entry_id for r in before + [p.record for p in work.planned]
            if work.expires(r) > sc.end}
    # The catch-up counts what the node is owed: the records of entries live at the end.
    assert result.rejoin.count == sum(1 for r in before if r.entry_id in live)
    assert result.rejoin.max is not None
    assert result.delivery == 1.0
    assert result.resurrected == 0


def test_clocks_years_off_and_a_partition_heal() -> None:
    sc = replace(
        SMALL,
        name="split",
        nodes=6,
        topology="line",
        loss=0.1,
        hours=1.5,
        settle_hours=1,
        existing_entries=20,
        clock_offsets=((0, 5 * YEAR), (5, -float(START_UNIX))),
        partitions=(Partition(start=0.25, end=0.75, entries=12),),
    )
    work = plan(sc)
    by_node = {p.node: p.record.body.created for p in work.planned}
    if 0 in by_node:
        assert by_node[0] > timebase.to_minutes(START_UNIX + 4 * YEAR)
    if 5 in by_node:
        assert by_node[5] == 0  # 1970 is before the on-air epoch: the earliest minute
    halves = split_in_two(build_topology(sc))
    makers = {p.node for p in work.planned if 0.25 * 3600 <= p.at < 0.75 * 3600}
    assert makers & halves[0] and makers & halves[1]
    result = Simulation(sc, PROTOCOLS["engine"], workload=work).run()
    assert result.delivery == 1.0
    assert result.resurrected == 0
    assert result.boards_identical


def test_workload_follows_the_rates_and_owners() -> None:
    sc = Scenario(
        name="rates",
        nodes=8,
        hours=50,
        existing_entries=30,
        new_per_hour=10,
        edits_per_hour=2,
        withdrawals_per_hour=1,
        alerts_per_hour=1,
    )
    work = plan(sc)
    counts = {
        a: sum(1 for p in work.planned if p.action == a)
        for a in ("new", "edit", "withdraw", "alert")
    }
    assert 400 < counts["new"] < 600
    assert 60 < counts["edit"] < 140
    assert 25 < counts["withdraw"] < 75
    assert 25 < counts["alert"] < 75
    origins = {i.origin: n for n, i in enumerate(work.identities)}
    for p in work.planned:
        body = p.record.body
        assert origins[body.origin] == p.node  # only owners change their entries
        p.record.verify(work.keys[body.origin])
        if p.action == "withdraw":
            assert body.status == Status.WITHDRAWN and body.version >= 1
        if p.action == "alert":
            assert body.kind == Kind.ALERT
    assert plan(sc).planned == work.planned  # the seed decides everything


def test_made_up_texts_fit_a_record() -> None:
    rng = random.Random(3)
    sizes = sorted(len(make_text(rng).encode()) for _ in range(500))
    assert sizes[-1] <= MAX_TEXT_BYTES
    assert 55 <= sizes[250] <= 90  # median near the corpus's 72 bytes


def test_delivery_counts_newer_versions_as_covering_older_ones() -> None:
    ident = Identity.derive(1, 0, 0)
    body = RecordBody(
        origin=ident.origin,
        seq=1,
        kind=Kind.NEED,
        category=Category.FOOD,
        text="rice",
        created=1000,
    )
    first = sign(body, ident.key)
    second = sign(replace(body, seq=2, entry_seq=1, version=1, text="rice and beans"), ident.key)
    board = Board()
    assert not covered(board, first)
    board.apply(second)
    assert covered(board, first)
    assert covered(board, second)


def test_percentiles_use_nearest_rank_and_say_never() -> None:
    p = Percentiles.of([float(v) for v in range(1, 101)])
    assert (p.p50, p.p90, p.p99, p.max) == (50.0, 90.0, 99.0, 100.0)
    q = Percentiles.of([1.0, 2.0, float("inf")])
    assert q.p50 == 2.0 and q.max is None
    assert Percentiles.of([]).p50 is None


def test_scenarios_validate_and_load_from_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="loss"):
        Scenario(name="x", nodes=4, loss=1.5)
    with pytest.raises(UsageError, match="topology"):
        Scenario(name="x", nodes=4, topology="ring")
    with pytest.raises(UsageError, match="node 9"):
        Scenario(name="x", nodes=4, outages=(Outage(9, 0, 1),))
    toml = tmp_path / "storm.toml"
    toml.write_text(
        'base = "S2"\nhours = 2\n[clock_offsets]\n3 = 60\n'
        "[[outages]]\nnode = 1\nstart = 0.5\nend = 1\nwipe = true\n"
    )
    sc = load_scenario(toml)
    assert (sc.nodes, sc.hours, sc.clock_offset(3), sc.outages[0].wipe) == (50, 2, 60.0, True)
    js = tmp_path / "tiny.json"
    js.write_text(json.dumps({"nodes": 4, "topology": "line", "hours": 1}))
    assert load_scenario(js).name == "tiny"
    bad = tmp_path / "bad.toml"
    bad.write_text("nodes = 4\nspeed = 3\n")
    with pytest.raises(UsageError, match="speed"):
        load_scenario(bad)


# -- baselines ---------------------------------------------------------------------------


def _records(n: int, text_bytes: int = 40) -> tuple[Identity, list[SignedRecord]]:
    ident = Identity.derive(9, 0, 0)
    rng = random.Random(1)
    out: list[SignedRecord] = []
    for seq in range(1, n + 1):
        text = "".join(rng.choice("abcdefghij ") for _ in range(text_bytes))
        out.append(
            sign(
                RecordBody(
                    origin=ident.origin,
                    seq=seq,
                    kind=Kind.OFFER,
                    category=Category.FOOD,
                    text=text,
                    created=1000,
                ),
                ident.key,
            )
        )
    return ident, out


def test_frames_batch_short_records_and_split_long_ones() -> None:
    _, short = _records(5, 20)
    frames = pack_frames(short, 231, 0)
    assert all(f[0] == RECORDS_FRAME and len(f) <= 231 for f in frames)
    assert len(frames) < 5
    _, long = _records(1, 200)
    parts = pack_frames(long, 100, 7)
    assert len(parts) >= 2 and all(p[0] == FRAGMENT_FRAME and len(p) <= 100 for p in parts)


def test_baselines_reassemble_verify_and_drop_garbage() -> None:
    ident, recs = _records(3, 200)
    keys = {ident.origin: ident.public_key}.get
    rx = NaiveFlooding(keys, rng=random.Random(1))
    for frame in pack_frames(recs, 100, 0):
        rx.receive(frame, 5, 0.0)
    accepted = [r for e in rx.drain_events() if isinstance(e, RecordsAccepted) for r in e.records]
    assert accepted == recs
    junk = random.Random(2)
    for _ in range(300):
        rx.receive(bytes(junk.randrange(256) for _ in range(junk.randrange(0, 60))), 6, 1.0)
    rx.receive(bytes([RECORDS_FRAME, 0, 5]) + b"abcde", 6, 1.0)
    rx.receive(b"", 6, 1.0)
    events = rx.drain_events()
    assert not any(isinstance(e, RecordsAccepted) for e in events)
    assert sum(isinstance(e, FrameDropped) for e in events) == rx.dropped > 100
    stranger = NaiveFlooding(lambda origin: None, rng=random.Random(1))
    stranger.receive(pack_frames(recs[:1], 231 * 2, 0)[0], 5, 0.0)
    assert [e.reason for e in stranger.drain_events() if isinstance(e, FrameDropped)] == [
        f"record from unknown origin {ident.origin:#010x}"
    ]
    forged = bytearray(pack_frames(recs[:1], 231 * 2, 0)[0])
    forged[-1] ^= 1
    fresh = NaiveFlooding(keys, rng=random.Random(1))
    fresh.receive(bytes(forged), 5, 0.0)
    assert [e.reason for e in fresh.drain_events() if isinstance(e, FrameDropped)] == [
        "bad signature"
    ]


def test_periodic_rebroadcast_stays_within_its_budget() -> None:
    ident, recs = _records(400, 120)
    keys = {ident.origin: ident.public_key}.get
    node = PeriodicRebroadcast(keys, recs, rng=random.Random(4), budget_share=0.05)
    sent: list[tuple[float, int]] = []
    now = 0.0
    while now < 3 * 3600:
        deadline = node.next_deadline()
        if deadline is not None and deadline <= now:
            node.handle_timer(now)
        out = node.poll_transmit(now)
        if out is not None:
            sent.append((now, len(out.payload)))
            now += 2.0
        else:
            now = max(now + 1.0, node.next_deadline() or now + 1.0)
    for start, _ in sent:
        hour = sum(airtime_seconds(n) for t, n in sent if start <= t < start + 3600)
        assert hour <= 0.05 * 3600 + 1e-6
    assert len(sent) > 100


# -- the command line --------------------------------------------------------------------


def test_sim_command_prints_a_table_and_json() -> None:
    runner = CliRunner()
    result = runner.invoke(
        sim, ["small", "--hours", "0.5", "--protocol", "engine", "--protocol", "flooding"]
    )
    assert result.exit_code == 0, result.output
    assert "sync engine" in result.stdout and "(a) naive flooding" in result.stdout
    assert "delivery" in result.stdout and "periodic" not in result.stdout
    assert "simulated hours" in result.stderr
    out = runner.invoke(
        sim,
        [
            "--nodes",
            "4",
            "--topology",
            "line",
            "--hours",
            "0.5",
            "--seed",
            "3",
            "--protocol",
            "engine",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    figures = json.loads(out.stdout)
    assert figures["scenario"]["nodes"] == 4
    engine = figures["protocols"]["engine"]
    for key in (
        "delivery",
        "resurrected",
        "lost",
        "worst_hour_airtime_share",
        "over_budget_nodes",
        "channel_utilisation",
        "bytes_per_delivered_copy",
        "airtime_per_delivered_copy",
        "eta",
    ):
        assert key in engine
    assert set(engine["convergence"]) == {"new", "edit", "withdraw", "alert"}
    assert set(engine["convergence"]["new"]) >= {"p50", "p90", "p99", "max"}


def test_sim_command_rejects_bad_input_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_loss = runner.invoke(sim, ["small", "--loss", "1.5"])
    assert bad_loss.exit_code == 1
    assert bad_loss.stderr.strip() == "Error: loss must be in [0, 1), not 1.5"
    unknown = runner.invoke(sim, ["S9"])
    assert unknown.exit_code == 2
    assert "unknown scenario 'S9'" in unknown.stderr
    missing = runner.invoke(sim, ["--scenario", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: cannot read")
    help_text = runner.invoke(sim, ["--help"]).stdout
    assert "Example:" in help_text and "meshaid sim S2" in help_text
