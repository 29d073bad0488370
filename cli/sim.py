"""``meshaid sim``: the board's gossip on a simulated LoRa mesh, against two baselines."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import click

from meshaid.cli.errors import click_error, library_errors
from meshaid.cli.figures import number, percent, spread
from meshaid.cli.output import table
from meshaid.hardware.sim.topology import TOPOLOGIES
from meshaid.node.sim import scenarios
from meshaid.node.sim.measures import RunResult
from meshaid.node.sim.scenarios import SCENARIOS, Scenario
from meshaid.node.sim.simulation import (
    PROTOCOLS,
    SimulationError,
    build_topology,
    run_scenario,
)

# A scenario given only by flags starts from this.
CUSTOM = Scenario(
    name="custom", nodes=10, topology="clique", loss=0.2, hours=6, existing_entries=200,
    new_per_hour=10, edits_per_hour=3, withdrawals_per_hour=1, alerts_per_hour=1,
)


def results_table(sc: Scenario, results: list[RunResult]) -> str:
    """One column per protocol, one row per figure."""
    rows: list[tuple[str, list[str]]] = [
        ("delivery", [percent(r.delivery) for r in results]),
        ("records lost", [str(r.lost) for r in results]),
        ("entries resurrected", [str(r.resurrected) for r in results]),
        ("boards identical", ["yes" if r.boards_identical else f"no ({r.distinct_boards})"
                              for r in results]),
    ]
    for action, label in (("new", "new entry"), ("edit", "edit"), ("withdraw", "withdrawal"),
                          ("alert", "alert")):
        count = results[0].convergence[action].count if results else 0
        rows.append((f"{label} ({count}) p50/p90/p99/max",
                     [spread(r.convergence[action]) for r in results]))
    if any(r.rejoin is not None for r in results):
        rows.append(("rejoin catch-up p50/p90/p99/max", [spread(r.rejoin) for r in results]))
    rows += [
        ("worst hour airtime share", [percent(r.worst_hour_airtime_share) for r in results]),
        (f"nodes over budget ({100 * sc.budget_share:g} %)",
         [str(r.over_budget_nodes) for r in results]),
        (f"nodes over duty cycle ({100 * sc.duty_cycle:g} %)",
         [str(r.over_duty_cycle_nodes) for r in results]),
        ("channel utilisation mean / max",
         [f"{percent(r.channel_utilisation, 1)} / {percent(r.channel_utilisation_max, 1)}"
          for r in results]),
        ("airtime per hour, all nodes (s)", [number(r.airtime_per_hour) for r in results]),
        ("frames sent / relayed", [f"{r.frames_sent} / {r.frames_relayed}" for r in results]),
        ("bytes per delivered copy", [number(r.bytes_per_delivered_copy) for r in results]),
        ("airtime per delivered copy (s)",
         [number(r.airtime_per_delivered_copy, 3) for r in results]),
        ("eta (bound x delivery / airtime)", [number(r.eta, 3) for r in results]),
        ("CPU time (s)", [number(r.cpu_seconds) for r in results]),
    ]
    headers = ["", *(r.title for r in results)]
    return table(headers, [[label, *cells] for label, cells in rows])


def describe(sc: Scenario) -> str:
    topology = build_topology(sc)
    across = topology.diameter()
    parts = [
        f"{sc.name}: {sc.nodes} nodes, {sc.topology} topology "
        f"{across} hop{'s' if across != 1 else ''} across",
        f"{100 * sc.loss:g} % link loss",
        f"{sc.hours:g} h of workload + {sc.settle_hours:g} h to settle",
        f"{sc.existing_entries} entries at the start",
        f"{sc.new_per_hour:g} new, {sc.edits_per_hour:g} edits, "
        f"{sc.withdrawals_per_hour:g} withdrawals, {sc.alerts_per_hour:g} alerts an hour",
        f"seed {sc.seed}",
    ]
    text = ", ".join(parts)
    return f"{text}\n{sc.description}" if sc.description else text


def _progress(scenario_name: str) -> Any:
    tty = sys.stderr.isatty()

    def report(protocol: str, done: float, total: float) -> None:
        if tty:
            end = "\n" if done >= total else ""
            click.echo(f"\r{scenario_name} {protocol}: {done:g} of {total:g} simulated hours",
                       err=True, nl=False)
            click.echo(end, err=True, nl=False)
        elif done >= total:
            click.echo(f"{scenario_name} {protocol}: {total:g} simulated hours done", err=True)

    return report


def _choose(name: str | None, scenario_file: Path | None) -> Scenario:
    if name is not None and scenario_file is not None:
        raise click.UsageError("give a scenario name or --scenario FILE, not both")
    if scenario_file is not None:
        return scenarios.load_scenario(scenario_file)
    if name is None:
        return CUSTOM
    by_folded = {key.lower(): sc for key, sc in SCENARIOS.items()}
    found = by_folded.get(name.lower())
    if found is None:
        raise click.UsageError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")
    return found


@click.command()
@click.argument("name", metavar="[SCENARIO]", required=False)
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the scenario from a TOML or JSON file instead.")
@click.option("--nodes", type=int, help="Number of nodes.")
@click.option("--topology", type=click.Choice(TOPOLOGIES), help="Who hears whom.")
@click.option("--loss", type=float, help="Share of frames each link loses, 0 <= loss < 1.")
@click.option("--hours", type=float, help="Hours of workload (a settle time follows).")
@click.option("--seed", type=int, help="Seed for the mesh, the workload and the protocols.")
@click.option("--protocol", "protocols", multiple=True, type=click.Choice(list(PROTOCOLS)),
              help="Run only this protocol (repeat for several). Default: all three.")
@click.option("--texts", type=click.Path(dir_okay=False, path_type=Path),
              help="Take post texts from this JSON-lines file (a \"text\" field a line).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def sim(
    name: str | None,
    scenario_file: Path | None,
    nodes: int | None,
    topology: str | None,
    loss: float | None,
    hours: float | None,
    seed: int | None,
    protocols: tuple[str, ...],
    texts: Path | None,
    as_json: bool,
) -> None:
    """Simulate the board on a LoRa mesh and compare the sync engine with two baselines:
    (a) naive flooding, each post sent once and relayed by the mesh, and (b) periodic
    rebroadcast of everything a node holds.

    SCENARIO is one of small, S1, S2, S3, S4 and idle (see BENCHMARKS.md); flags change
    it, or describe a mesh of their own when no scenario is named. A scenario file (TOML
    or JSON) sets the same fields: nodes, topology, loss, hours, seed, existing_entries,
    new_per_hour, edits_per_hour, withdrawals_per_hour, alerts_per_hour, outages,
    partitions, clock_offsets; base = "S2" starts from a named scenario. The same seed
    gives the same figures. Progress goes to stderr.

    Example:

    \b
        meshaid sim S2
        meshaid sim S1 --loss 0.3 --json
        meshaid sim --nodes 12 --topology grid --loss 0.1 --hours 3 --seed 7
        meshaid sim --scenario storm.toml --protocol engine
    """
    with library_errors():
        sc = _choose(name, scenario_file)
        changes: dict[str, Any] = {
            key: value
            for key, value in (("nodes", nodes), ("topology", topology), ("loss", loss),
                               ("hours", hours), ("seed", seed))
            if value is not None
        }
        if changes:
            sc = replace(sc, **changes)
        post_texts = scenarios.load_texts(texts) if texts is not None else None
        heading = describe(sc)
        if not as_json:
            click.echo(heading)
        try:
            results = run_scenario(sc, protocols or tuple(PROTOCOLS),
                                   progress=_progress(sc.name), texts=post_texts)
        except SimulationError as exc:
            raise click_error(exc, "simulation stopped: ") from None
    if as_json:
        scenario_fields = asdict(sc)
        scenario_fields.pop("description")
        click.echo(json.dumps(
            {"scenario": scenario_fields,
             "protocols": {r.protocol: r.as_dict() for r in results}},
            indent=2,
        ))
        return
    click.echo()
    click.echo(results_table(sc, results))
