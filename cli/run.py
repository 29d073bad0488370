"""Daemon commands: ``run`` (the node daemon on a radio) and ``status`` (what it is doing)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from meshaid.cli import output
from meshaid.cli.context import CliContext
from meshaid.cli.errors import library_errors
from meshaid.node.daemon.control import ControlError, DaemonNotRunning, request, socket_path
from meshaid.node.daemon.status import summary_rows

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"  # the journal adds the time itself


@click.command()
@click.option("--port", help="Serial device of the radio, e.g. /dev/meshtastic. "
              "Default: [radio] port in meshaid.toml, else the only USB serial port.")
@click.option("--host", help="Network radio as HOST[:PORT] (port 4403 by default), "
              "instead of a serial one.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Configuration file to use instead of the node home's meshaid.toml.")
@click.option("--debug", is_flag=True, help="Log every frame dropped, not only events.")
@click.pass_obj
def run(
    obj: CliContext, port: str | None, host: str | None, config_path: Path | None, debug: bool
) -> None:
    """Run the node daemon: gossip the board over the radio until stopped.

    Logs one line per event to stderr (the journal under systemd). Posts made with
    `meshaid post` while it runs go on air within a few seconds. SIGTERM or Ctrl-C stop
    it cleanly. If the radio is unplugged it keeps running and reconnects.

    Example:

    \b
        meshaid run --port /dev/meshtastic
        meshaid run --host 192.168.1.40:4403
        meshaid run --config /etc/meshaid/meshaid.toml
    """
    if port is not None and host is not None:
        raise click.UsageError("give --port or --host, not both")
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format=LOG_FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl" noise
    # The daemon (its desk, the radio) is imported only to run it: `meshaid status`, in
    # this module too, must not pay for it.
    from meshaid.node.daemon.service import run_node

    with library_errors():
        run_node(obj.home_dir, port=port, host=host, config_path=config_path or obj.config_file)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def status(obj: CliContext, as_json: bool) -> None:
    """Show the daemon's radio, neighbours, airtime and the board store.

    Asks the running daemon through its control socket; when none answers, reads the
    board store directly and says the daemon is not running.

    Example:

    \b
        meshaid status
        meshaid status --json
    """
    try:
        result = request(socket_path(obj.home_dir), {"op": "status"})
    except (DaemonNotRunning, ControlError) as exc:
        why = "not running" if isinstance(exc, DaemonNotRunning) else str(exc)
        with obj.open_node() as node:
            result = {
                "daemon": {"running": False, "reason": why},
                "node": {"name": node.config.name, "origin": f"{node.store.origin:08x}"},
                "store": summary_rows(node.store),
            }
    if as_json:
        click.echo(output.to_json(result))
    else:
        click.echo(render_status(result))


def render_status(s: dict[str, Any]) -> str:
    node, daemon = s["node"], s["daemon"]
    lines = [f"node {node['name']} (origin {node['origin']})"]
    if not daemon["running"]:
        lines.append(f"daemon: {daemon['reason']}")
    else:
        lines.append(f"daemon: running (pid {daemon['pid']}, up {_duration(daemon['uptime'])})")
        radio = s["radio"]
        state = "connected" if radio["connected"] else "NOT CONNECTED"
        lines.append(f"radio: {state}: {radio['status']}")
        if "firmware" in radio:
            lines.append(
                f"  {radio['node']} {radio['name']!r}, firmware {radio['firmware'] or 'unknown'}, "
                f"{radio['region']} {radio['preset']}, channel {radio['channel']} "
                f"{radio['channel_name']!r} (key: {radio['channel_key']})"
            )
        lines += [f"WARNING: {w}" for w in s["warnings"]]
        checks = s.get("checks", [])
        if checks:
            good = sum(c["level"] == "ok" for c in checks)
            lines.append(f"start-up checks: {good} of {len(checks)} ok")
            lines += [f"WARNING: {c['message']}" for c in checks
                      if c["level"] != "ok" and c["message"] not in s["warnings"]]
        neighbours = s["neighbours"]
        lines.append(f"neighbours heard: {len(neighbours)}")
        lines += [
            f"  {n['node']}  {_duration(n['last_heard_ago'])} ago, {n['frames']} frames"
            for n in neighbours
        ]
        util = radio.get("channel_utilisation")
        if util is not None:
            lines.append(f"channel utilisation (radio, last minute): {util:.1f} %")
        air = s["airtime"]
        share = 100 * air["used"] / air["budget"] if air["budget"] else 0.0
        lines.append(
            f"airtime, last hour: {air['used']:.1f} s of {air['budget']:.0f} s budget "
            f"({share:.1f} %), {air['frames_sent']} frames since start"
        )
        pending = s["pending"]
        lines.append(
            f"pending: {pending['own_records_waiting']} own records, "
            f"{pending['radio_frames']} frames at the radio"
        )
    rows = s["store"]
    total = sum(r["records"] for r in rows)
    lines.append(f"store: {total} records from {len(rows)} origins")
    if rows:
        table = output.table(
            ["origin", "records", "max seq"],
            [
                [r["origin"] + (" (this node)" if r["own"] else ""), str(r["records"]),
                 str(r["max_seq"])]
                for r in rows
            ],
        )
        lines += ["  " + line for line in table.splitlines()]
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
