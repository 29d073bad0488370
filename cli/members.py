"""Neighbourhood commands: ``key``, ``join``, ``members``, ``committee``, ``roster``.

Each calls one service of meshaid.node.membership.commands and prints its result; every
read command takes ``--json``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from meshaid.cli import output
from meshaid.cli.context import CliContext
from meshaid.cli.errors import reports_errors
from meshaid.node.errors import InputError
from meshaid.node.membership import commands
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import Node
from meshaid.protocol.record import Kind
from meshaid.sync.lifetime import MINUTES_PER_DAY
from meshaid.sync.roster import Roster

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
qr_option = click.option("--qr", is_flag=True, help="Also print it as a QR code.")


def _qr(text: str) -> str:
    import io

    import segno  # only when asked: nothing else needs the QR code library

    # Upper case: QR codes hold upper-case letters and digits in their compact mode.
    out = io.StringIO()
    segno.make(text.upper(), error="m").terminal(out=out, compact=True)
    return out.getvalue().rstrip("\n")


def _radio_number(text: str) -> int:
    t = text.strip().lower().lstrip("!")
    try:
        return int(t, 16) if not t.isdigit() or text.strip().startswith("!") else int(t)
    except ValueError:
        raise InputError(f"{text!r} is not a radio's node number (e.g. !a1b2c3d4)") from None


def roster_json(roster: Roster, nb: Neighbourhood | None = None) -> dict[str, Any]:
    return {
        "neighbourhood": roster.neighbourhood.hex(),
        "name": roster.name,
        "version": roster.version,
        "head": roster.head.hex()[:16],
        "threshold": roster.threshold,
        "epoch": roster.epoch,
        "frozen": roster.conflict is not None,
        "nodes": [
            {"name": n.name, "origin": f"{n.origin:08x}", "committee": n.origin in roster.committee,
             "active": n.active, "last_seq": n.last_seq, "floor": n.floor}
            for n in sorted(roster.nodes.values(), key=lambda n: n.name)
        ],
        "radios": [
            {"radio": f"!{r.radio:08x}", "name": r.name, "pinned": bool(r.key)}
            for r in sorted(roster.radios.values(), key=lambda r: r.radio)
        ],
        "communities": {str(n): c for n, c in sorted(roster.communities.items())},
        "zones": {str(n): z for n, z in sorted(roster.zones.items())},
        # Days each kind lives when its poster gives no expiry, where the roster sets it.
        "lifetimes": {Kind(k).name.lower(): round(m / MINUTES_PER_DAY, 3)
                      for k, m in sorted(roster.lifetimes.items())},
        "pending": [] if nb is None else [
            {"id": rec.digest.hex()[:8], "version": rec.what.version,  # type: ignore[union-attr]
             "signed_by": sorted(nb.name_of(o) or f"{o:08x}" for o in signers)}
            for rec, signers in nb.book.pending()
        ],
    }


def _roster_text(data: dict[str, Any]) -> str:
    lines = [f"neighbourhood {data['name']!r} ({data['neighbourhood']}), roster version "
             f"{data['version']}, epoch {data['epoch']}; changes need {data['threshold']} "
             "committee signature(s)"]
    if data["frozen"]:
        lines.append("FROZEN: two different changes were signed for the next version; the "
                     "committee must agree which stands")
    rows = [[n["name"], n["origin"], "committee" if n["committee"] else "node",
             "active" if n["active"] else f"removed after seq {n['last_seq']}"]
            for n in data["nodes"]]
    if rows:
        lines.append(output.table(["node", "origin", "role", "state"], rows))
    if data["radios"]:
        lines.append(output.table(["radio", "name", "key"], [
            [r["radio"], r["name"], "pinned" if r["pinned"] else "not pinned"]
            for r in data["radios"]]))
    for what in ("communities", "zones"):
        if data[what]:
            lines.append(f"{what}: " + ", ".join(f"{n} {name}"
                                                 for n, name in data[what].items()))
    if data["lifetimes"]:
        lines.append("entries live, unless their poster says: " + ", ".join(
            f"{kind} {days:g} days" for kind, days in data["lifetimes"].items()))
    for p in data["pending"]:
        lines.append(f"waiting: change {p['id']} (version {p['version']}), signed by "
                     f"{', '.join(p['signed_by'])}; approve with `meshaid roster approve "
                     f"{p['id']}`")
    return "\n".join(lines)


def _change(obj: CliContext, as_json: bool, change: Callable[[Node], Roster]) -> None:
    """Run one roster change on this node and say whether it is in force."""
    with obj.open_node() as node:
        before = Neighbourhood(node).roster.version
        roster = change(node)
        _changed(roster, before, as_json, Neighbourhood(node))


def _changed(roster: Roster, before: int, as_json: bool, nb: Neighbourhood) -> None:
    if as_json:
        click.echo(output.to_json(roster_json(roster, nb)))
    elif roster.version > before:
        click.echo(f"roster version {roster.version} is in force")
    else:
        click.echo(f"signed; the change waits for {roster.threshold} committee signatures "
                   "(`meshaid roster approve ID` on another committee node)")


@click.command()
@qr_option
@json_option
@click.pass_obj
@reports_errors
def key(obj: CliContext, qr: bool, as_json: bool) -> None:
    """Print this node's public key, to give to a committee member.

    One line with a checksum: read it aloud, type it, or show it as a QR code.

    Example:

    \b
        meshaid key
        meshaid key --qr
    """
    with obj.open_node() as node:
        text = commands.node_key_text(node)
    if as_json:
        click.echo(output.to_json({"key": text}))
        return
    click.echo(text)
    if qr:
        click.echo(_qr(text))


@click.command()
@click.argument("invite")
@click.pass_obj
@reports_errors
def join(obj: CliContext, invite: str) -> None:
    """Join a neighbourhood with an invite made for this node.

    INVITE is the text `meshaid members add-node` printed, or a file holding it. The node
    then gets the roster and the board from its neighbours over the air.

    Example:

    \b
        meshaid join mi1-....
        meshaid join /media/usb/south-porch.invite
    """
    text = invite
    path = Path(invite)
    if not invite.lower().startswith("mi1") and path.is_file():
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot be read ({exc})") from exc
    with obj.open_node() as node:
        membership = commands.join(node, text)
    click.echo(f"joined neighbourhood {membership.neighbourhood.hex()}; run `meshaid run` and "
               "the roster and board will arrive from the neighbours")


@click.group()
def members() -> None:
    """The nodes and residents' radios on the roster."""


@members.command("list")
@json_option
@click.pass_obj
@reports_errors
def members_list(obj: CliContext, as_json: bool) -> None:
    """List the nodes and radios on the roster in force."""
    with obj.open_node() as node:
        nb = Neighbourhood(node)
        data = roster_json(nb.roster, nb)
    click.echo(output.to_json(data) if as_json else _roster_text(data))


@members.command("add-node")
@click.argument("key_text", metavar="KEY")
@click.option("--name", required=True, help="The node's name, as boards will show it.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the invite to this file (e.g. on a USB stick).")
@qr_option
@click.pass_obj
@reports_errors
def add_node(obj: CliContext, key_text: str, name: str, out: Path | None, qr: bool) -> None:
    """Put a node on the roster and print its invite (committee nodes only).

    KEY is what `meshaid key` printed on the new node. The invite holds the epoch key
    sealed to that node: it is useless to anyone who copies it.

    Example:

    \b
        meshaid members add-node mk1-.... --name "south porch" --out /media/usb/sp.invite
    """
    with obj.open_node() as node:
        roster, invite = commands.add_node(node, key_text, name)
    text = invite.to_text()
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{out}: cannot be written ({exc})") from exc
    click.echo(text)
    if qr:
        click.echo(_qr(text))
    click.echo(f"on {name}: meshaid join INVITE  (roster version {roster.version})", err=True)


@members.command("remove")
@click.argument("node_name", metavar="NODE")
@json_option
@click.pass_obj
@reports_errors
def remove(obj: CliContext, node_name: str, as_json: bool) -> None:
    """Take a node off the roster; a new key goes to every other node."""
    _change(obj, as_json, lambda n: commands.remove_node(n, node_name))


@members.command("add-radio")
@click.argument("radio")
@click.option("--public-key", "--key", "radio_key",
              help="The radio's public key, base64 as the Meshtastic app shows it (32 bytes): "
                   "only PKI-encrypted messages with this key may then post or close.")
@click.option("--name", default="resident", help="Who it belongs to, for the committee.")
@json_option
@click.pass_obj
@reports_errors
def add_radio(obj: CliContext, radio: str, radio_key: str | None, name: str,
              as_json: bool) -> None:
    """Allow a resident's radio (e.g. !a1b2c3d4) to post by text."""
    _change(obj, as_json, lambda n: commands.radio(n, _radio_number(radio), True, radio_key, name))


@members.command("remove-radio")
@click.argument("radio")
@json_option
@click.pass_obj
@reports_errors
def remove_radio(obj: CliContext, radio: str, as_json: bool) -> None:
    """Stop taking posts from a resident's radio."""
    _change(obj, as_json, lambda n: commands.radio(n, _radio_number(radio), False))


@click.group()
def committee() -> None:
    """The committee: the nodes whose signatures change the roster."""


@committee.command("list")
@json_option
@click.pass_obj
@reports_errors
def committee_list(obj: CliContext, as_json: bool) -> None:
    """List the committee."""
    with obj.open_node() as node:
        roster = Neighbourhood(node).roster
    names = sorted(roster.nodes[o].name for o in roster.committee if o in roster.nodes)
    if as_json:
        click.echo(output.to_json({"committee": names, "threshold": roster.threshold}))
    else:
        click.echo("\n".join(names) + f"\nchanges need {roster.threshold} signature(s)")


@committee.command("add")
@click.argument("node_name", metavar="NODE")
@json_option
@click.pass_obj
@reports_errors
def committee_add(obj: CliContext, node_name: str, as_json: bool) -> None:
    """Put a node on the committee."""
    _change(obj, as_json, lambda n: commands.committee(n, node_name, True))


@committee.command("remove")
@click.argument("node_name", metavar="NODE")
@json_option
@click.pass_obj
@reports_errors
def committee_remove(obj: CliContext, node_name: str, as_json: bool) -> None:
    """Take a node off the committee; a new key goes to every node."""
    _change(obj, as_json, lambda n: commands.committee(n, node_name, False))


@click.group()
def roster() -> None:
    """The roster's versions, and changes waiting for signatures."""


@roster.command("show")
@json_option
@click.pass_obj
@reports_errors
def roster_show(obj: CliContext, as_json: bool) -> None:
    """Show the roster in force and the changes waiting for signatures."""
    with obj.open_node() as node:
        nb = Neighbourhood(node)
        data = roster_json(nb.roster, nb)
    click.echo(output.to_json(data) if as_json else _roster_text(data))


@roster.command("log")
@json_option
@click.pass_obj
@reports_errors
def roster_log(obj: CliContext, as_json: bool) -> None:
    """Every roster version in force so far, and who signed it."""
    with obj.open_node() as node:
        nb = Neighbourhood(node)
        rows: list[dict[str, Any]] = [
                {"version": r.version, "head": r.head.hex()[:8], "nodes": len(r.active_nodes()),
                 "committee": len(r.committee), "epoch": r.epoch,
                 "signed_by": [nb.name_of(o) or f"{o:08x}" for o in r.signers]}
                for r in nb.book.history]
    if as_json:
        click.echo(output.to_json(rows))
        return
    click.echo(output.table(["version", "id", "nodes", "committee", "epoch", "signed by"], [
        [str(r["version"]), r["head"], str(r["nodes"]), str(r["committee"]), str(r["epoch"]),
         ", ".join(r["signed_by"])] for r in rows]))


@roster.command("approve")
@click.argument("change_id", metavar="ID")
@json_option
@click.pass_obj
@reports_errors
def roster_approve(obj: CliContext, change_id: str, as_json: bool) -> None:
    """Sign a change another committee member proposed (see `roster show` for its ID)."""
    _change(obj, as_json, lambda n: commands.approve(n, change_id))


@roster.command("set-lifetime")
@click.argument("kind", type=click.Choice(["offer", "need", "trade", "alert"],
                                          case_sensitive=False))
@click.argument("days", type=float)
@json_option
@click.pass_obj
@reports_errors
def roster_set_lifetime(obj: CliContext, kind: str, days: float, as_json: bool) -> None:
    """How many DAYS entries of KIND live on every node when their poster gives no expiry
    (0: back to the default: alerts 2, needs 14, offers and undated trades 30)."""
    _change(obj, as_json, lambda n: commands.set_lifetime(n, kind, days))


def _add_place(what: str) -> None:
    @roster.command(f"add-{what}", help=f"Number a new {what} for the whole neighbourhood.")
    @click.argument("name")
    @json_option
    @click.pass_obj
    @reports_errors
    def add(obj: CliContext, name: str, as_json: bool) -> None:
        _change(obj, as_json, lambda n: commands.add_place(n, what, name))


_add_place("community")
_add_place("zone")
