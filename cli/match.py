"""Committee commands: match offers with needs, renew and edit entries, the emergency view.

Each calls one function of meshaid.node.committee and formats its result.
"""

from __future__ import annotations

import time

import click

from meshaid.cli import output
from meshaid.cli.context import CliContext
from meshaid.cli.errors import library_errors, reports_errors
from meshaid.node.services import URGENCIES

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
MATCH_VERBS = ("confirm", "complete", "undo")


@click.command(name="match")
@click.argument("args", nargs=-1, metavar="[NEED OFFER | confirm|complete|undo MATCH | list]")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Suggestions to show.")
@click.option("--community", help="Only needs of this community (offers from anywhere).")
@click.option("--note", default="", help="With NEED OFFER: a short note that travels with it.")
@json_option
@click.pass_obj
@reports_errors
def match(obj: CliContext, args: tuple[str, ...], limit: int, community: str | None, note: str,
          as_json: bool) -> None:
    """Suggest offers for open needs, best first, and record matches.

    With no arguments, lists suggested pairs with the reasons for each: same category,
    community and zone, the need's urgency and age, words that mean the same in English
    and Spanish, quantities. NEED OFFER records a match: a record that spreads to every
    node, where both entries then show as matched. A match is then confirmed, completed
    (both entries fulfilled) or undone; `list` shows the recorded matches.

    Example:

    \b
        meshaid match --community "Magnolia Flats" --limit 10
        meshaid match K7FQ 3QD2 --note "pick up at the church, 5pm"
        meshaid match confirm M4XT
        meshaid match complete M4XT
        meshaid match undo M4XT
    """
    with obj.open_node() as node:
        if not args:
            from meshaid.node.committee.matching import suggestions

            found = suggestions(node, limit, community)
            if as_json:
                click.echo(output.to_json([s.to_json() for s in found]))
                return
            if not found:
                click.echo("No suggestions: no open need has an open offer of its kind.")
                return
            for number, s in enumerate(found, start=1):
                click.echo(f"{number}. need {s.need.code} <-> offer {s.offer.code}   "
                           f"score {s.score:g}")
                need = _side(s.need.text, s.need.category, s.need.community, s.need.urgency)
                offer = _side(s.offer.text, s.offer.category, s.offer.community, "")
                click.echo(f"   need:  {need}")
                click.echo(f"   offer: {offer}")
                why = "; ".join(f"{r.text} ({r.points:+g})" for r in s.reasons)
                click.echo(f"   why:   {why}")
                click.echo(f"   record it: meshaid match {s.need.code} {s.offer.code}")
            return
        from meshaid.node.committee import changes  # the write side: only when asked for

        if args[0] == "list" and len(args) == 1:
            views = changes.list_matches(node)
            if as_json:
                click.echo(output.to_json([v.to_json() for v in views]))
                return
            if not views:
                click.echo("No matches recorded.")
            for v in views:
                click.echo(_match_line(v))
            return
        if args[0] in MATCH_VERBS:
            if len(args) != 2:
                raise click.UsageError(f"give one match code: meshaid match {args[0]} CODE")
            verb = {"confirm": changes.confirm_match, "complete": changes.complete_match,
                    "undo": changes.undo_match}[args[0]]
            view = verb(node, args[1])
        elif len(args) == 2:
            view = changes.make_match(node, args[0], args[1], note)
        else:
            raise click.UsageError(
                "give NEED OFFER, or confirm|complete|undo MATCH, or list, or nothing")
    if as_json:
        click.echo(output.to_json(view.to_json()))
    else:
        click.echo(_match_line(view))


def _side(text: str, category: str, community: str, urgency: str) -> str:
    about = ", ".join(x for x in (category, community, urgency) if x and x != "normal")
    clipped = " ".join(text.split())
    if len(clipped) > 70:
        clipped = clipped[:69] + "…"
    return f"{clipped} ({about})"


def _match_line(view: object) -> str:
    from meshaid.node.committee.changes import MatchView

    assert isinstance(view, MatchView)
    need = view.need.code if view.need is not None else "(not here yet)"
    offer = view.offer.code if view.offer is not None else "(not here yet)"
    note = f' "{view.note}"' if view.note else ""
    return f"match {view.code}: need {need} <-> offer {offer}, {view.state}{note}"


@click.command()
@click.argument("code")
@click.option("--days", type=click.IntRange(min=1), default=14, show_default=True,
              help="Days from now the entry lives.")
@json_option
@click.pass_obj
@reports_errors
def renew(obj: CliContext, code: str, days: int, as_json: bool) -> None:
    """Let an entry live longer: a new version that expires DAYS from now.

    Entries live at most 90 days from their posting. A committee node may renew an entry
    taken on another node; other nodes only their own.

    Example:

    \b
        meshaid renew K7FQ --days 7
    """
    from meshaid.node.committee.changes import renew as renew_entry

    with obj.open_node() as node:
        entry = renew_entry(node, code, days)
    if as_json:
        click.echo(output.to_json(entry.to_json()))
    else:
        click.echo(f"Renewed {entry.code}: expires {output.long_time(entry.expires)}.")


@click.command()
@click.argument("code")
@click.option("--text", help="The entry's new text (at most 200 bytes).")
@click.option("--urgency", type=click.Choice(URGENCIES, case_sensitive=False))
@click.option("--zone", help="Zone name: one from meshaid.toml, or any short place name.")
@json_option
@click.pass_obj
@reports_errors
def edit(obj: CliContext, code: str, text: str | None, urgency: str | None, zone: str | None,
         as_json: bool) -> None:
    """Change an entry's text, urgency or zone: a new version that replaces it everywhere.

    A committee node may edit an entry taken on another node; other nodes only their own.

    Example:

    \b
        meshaid edit K7FQ --urgency critical
        meshaid edit K7FQ --text "2 cases of water for 3 households, north block"
    """
    from meshaid.node.committee.changes import edit as edit_entry

    with obj.open_node() as node:
        entry = edit_entry(node, code, text=text, urgency=urgency, zone=zone)
    if as_json:
        click.echo(output.to_json(entry.to_json()))
    else:
        click.echo(f"Changed {entry.code} (version {entry.version}).")


@click.command()
@click.option("--watch", "watch", type=click.IntRange(min=1), default=None, is_flag=False,
              flag_value=30, metavar="[SECONDS]",
              help="Show it again every SECONDS (default 30) until Ctrl-C.")
@click.option("--community", help="Only this community's alerts and needs.")
@json_option
@click.pass_obj
@reports_errors
def emergency(obj: CliContext, watch: int | None, community: str | None, as_json: bool) -> None:
    """In a crisis: open alerts and critical needs, who holds them, who pledged what, what
    is missing, and a plan pairing available offers with them by community.

    Meant for the first hours: run it with --watch on a node's screen while the committee
    works down the plan with `meshaid match NEED OFFER`.

    Example:

    \b
        meshaid emergency
        meshaid emergency --watch 60 --community "Magnolia Flats"
    """
    from meshaid.node.committee.emergency import render, situation

    try:
        while True:
            with obj.open_node() as node, library_errors():
                found = situation(node, community)
            if as_json:
                click.echo(output.to_json(found.to_json()))
            else:
                if watch is not None:
                    click.clear()
                click.echo(render(found))
            if watch is None:
                return
            time.sleep(watch)
    except KeyboardInterrupt:
        click.echo()
