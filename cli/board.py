"""Committee commands: init, post, board, show, close. Each calls one node service."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import click

from meshaid.cli import output
from meshaid.cli.context import CliContext
from meshaid.cli.errors import reports_errors
from meshaid.node.errors import InputError
from meshaid.node.home import NodeHome
from meshaid.node.services import (
    CATEGORIES,
    KINDS,
    URGENCIES,
    BoardQuery,
    PostRequest,
    init_node,
)
from meshaid.node.store.board import STATUS_FILTERS
from meshaid.node.store.views import EntryView

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
PAGE_SIZE = 50


@click.command()
@click.option("--name", help="This node's name, shown to other nodes' operators.")
@click.option(
    "--community",
    "communities",
    multiple=True,
    help="A community this node serves; repeat for several. Numbered 1, 2, ... in order.",
)
@click.option(
    "--zone", "zones", multiple=True, help="A zone (cross streets, landmark); repeat for several."
)
@click.option(
    "--timezone", help='Time zone for dates, e.g. "America/Chicago". Default: this machine\'s.'
)
@click.option(
    "--new-neighbourhood", "new_neighbourhood", metavar="NAME",
    help="Found a neighbourhood with this node as its first node and committee member.",
)
@json_option
@click.pass_obj
@reports_errors
def init(
    obj: CliContext,
    name: str | None,
    communities: tuple[str, ...],
    zones: tuple[str, ...],
    timezone: str | None,
    new_neighbourhood: str | None,
    as_json: bool,
) -> None:
    """Set up this node: its key, its board database and meshaid.toml.

    Creates the node home with a new Ed25519 key (mode 0600), an empty board and a
    configuration file to edit later. Run again on an existing home, it completes
    whatever is missing and never replaces the key or the configuration. With
    --new-neighbourhood it also founds a neighbourhood: the roster's first version, signed
    by this node, and the first key that seals the neighbourhood's gossip. A node that
    joins an existing neighbourhood runs `meshaid init`, then `meshaid join INVITE`.

    Example:

    \b
        meshaid init --name "north porch" --community "Magnolia Flats" \\
            --zone "north block" --zone "Elm & 5th" --timezone America/Chicago \\
            --new-neighbourhood "Magnolia Flats"
    """
    result = init_node(
        obj.home_dir,
        name=name,
        timezone=timezone,
        communities=communities,
        zones=zones,
        wall=obj.wall,
        new_key=obj.new_key,
        busy_timeout_ms=obj.busy_timeout_ms,
        config_path=obj.config_file,
    )
    founded = None
    if new_neighbourhood is not None:
        from meshaid.node.membership import commands  # only when founding one

        with obj.open_node() as node:
            founded = commands.found(node, new_neighbourhood).roster
    if as_json:
        data = result.to_json()
        if founded is not None:
            data["neighbourhood"] = {"name": founded.name, "id": founded.neighbourhood.hex()}
        click.echo(output.to_json(data))
        return
    home = NodeHome(result.home)
    click.echo(
        output.init_report(result, str(home.key_file), str(home.db_file), str(home.config_file))
    )
    if founded is not None:
        click.echo(f"founded neighbourhood {founded.name!r} ({founded.neighbourhood.hex()}); "
                   "add nodes with `meshaid members add-node KEY --name NAME`")


@click.command()
@click.argument("kind", type=click.Choice(KINDS, case_sensitive=False))
@click.argument("text", nargs=-1, required=True)
@click.option("--category", help=f"One of: {', '.join(CATEGORIES)}. Default: other.")
@click.option("--community", help="Community name or number. Default: the first configured.")
@click.option("--zone", help="Zone name: one from meshaid.toml, or any short place name.")
@click.option(
    "--urgency", type=click.Choice(URGENCIES, case_sensitive=False), help="Default: normal."
)
@click.option("--when", help='Trades: date and time of the event, e.g. "2026-11-22 10:00".')
@click.option(
    "--expires", help="When the entry expires: a date/time, or a duration such as 3d or 12h."
)
@json_option
@click.pass_obj
@reports_errors
def post(
    obj: CliContext,
    kind: str,
    text: tuple[str, ...],
    category: str | None,
    community: str | None,
    zone: str | None,
    urgency: str | None,
    when: str | None,
    expires: str | None,
    as_json: bool,
) -> None:
    """Post an offer, need, trade or alert to the board, signed by this node.

    TEXT is at most 200 bytes of UTF-8. Dates are local time in the configured time
    zone. Entries expire by default after 30 days (offers), 14 (needs), 2 (alerts),
    or a day after a trade's date; never later than 90 days.

    Example:

    \b
        meshaid post need "2 cases of water for 3 households" --category water \\
            --zone "north block" --urgency high
        meshaid post trade "seed swap at the church hall" --when "2026-11-22 10:00"
    """
    request = PostRequest(
        kind=kind,
        text=" ".join(text),
        category=category,
        community=community,
        zone=zone,
        urgency=urgency,
        when=when,
        expires=expires,
    )
    with obj.open_node() as node:
        entry = node.post(request)
    if as_json:
        click.echo(output.to_json(entry.to_json()))
    else:
        click.echo(f"Posted {entry.kind} {entry.code}, expires {output.long_time(entry.expires)}.")


BOARD_FORMATS = ("table", "csv", "markdown", "json")


@click.command(name="board")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS, case_sensitive=False),
    help="Only this kind; repeat for several.",
)
@click.option("--category", "categories", multiple=True, help="Only this category; repeatable.")
@click.option("--community", "communities", multiple=True, help="Only this community; repeatable.")
@click.option(
    "--status",
    type=click.Choice(STATUS_FILTERS, case_sensitive=False),
    default="active",
    show_default=True,
    help="active: open or matched, not expired. expired: ran out while still open.",
)
@click.option(
    "--search",
    help="Only entries whose text or zone contains this (any case, accents or not).",
)
@click.option("--since", help='Only entries posted on or after this date, e.g. "2026-11-20".')
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=PAGE_SIZE,
    show_default=True,
    help="Entries to a page.",
)
@click.option("--page", type=click.IntRange(min=1), default=1, help="Which page, from 1.")
@click.option("--all", "show_all", is_flag=True, help="Every matching entry, not one page.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(BOARD_FORMATS, case_sensitive=False),
    default="table",
    show_default=True,
    help="table fits the terminal; csv and markdown hold every field and the whole text.",
)
@click.option("--wide", is_flag=True, help="In the table, every column and the whole text.")
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.pass_obj
@reports_errors
def board_command(
    obj: CliContext,
    kinds: tuple[str, ...],
    categories: tuple[str, ...],
    communities: tuple[str, ...],
    status: str,
    search: str | None,
    since: str | None,
    limit: int,
    page: int,
    show_all: bool,
    fmt: str,
    wide: bool,
    as_json: bool,
) -> None:
    """List the board: alerts and critical needs first, then newest first, a page at a time.

    The table fits the terminal's width, cutting long texts with "…" (--wide shows them
    whole); it shows a trade's date (WHEN), when each entry expires, and which node posted
    it (BY), by the roster's name where it has one. Codes are the shortest prefix that
    tells an entry apart (at least 4 characters). Dates are local time in the configured
    time zone. A board with more matches than a page says how many there are and how to
    see the next page; --all lists every one, in any format.

    Example:

    \b
        meshaid board --kind need --status active
        meshaid board --status expired --since 2026-11-01 --json
        meshaid board --search ninos --page 2 --wide
        meshaid board --all --format csv > board.csv
        meshaid board --format markdown --kind need
    """
    from meshaid.node.committee.listing import iter_ranked, ranked_page
    from meshaid.node.committee.names import node_names

    if show_all and page != 1:
        raise click.UsageError("give --all or --page, not both")
    fmt = "json" if as_json else fmt.lower()
    query = BoardQuery(
        kinds=kinds,
        categories=categories,
        communities=communities,
        status=status.lower(),
        search=search,
        since=since,
    )
    with obj.open_node() as node:
        names = {f"{origin:08x}": name for origin, name in node_names(node).items()}
        if show_all and fmt != "table":
            # Written as it is read: a whole large board never sits in memory.
            _stream(fmt, iter_ranked(node, query), names)
            return
        result = ranked_page(node, query, limit=None if show_all else limit, page=page)
    if not result.entries and result.total:
        pages = -(-result.total // limit)
        raise InputError(
            f"page {page} is past the end: {result.total} entries match, "
            f"{pages} page{'s' if pages > 1 else ''} of {limit}"
        )
    if fmt == "table":
        width = _terminal_width()
        click.echo(output.board_table(result.entries, names, width=width, wide=wide))
        if result.more:
            click.echo(output.more_note(result, page))
        return
    _stream(fmt, iter(result.entries), names)
    if result.more:
        click.echo(output.more_note(result, page), err=True)


def _terminal_width() -> int:
    """The terminal's width as shutil.get_terminal_size gives it ($COLUMNS, else the
    terminal of stdout, else 80), without importing shutil and its compression modules."""
    with contextlib.suppress(KeyError, ValueError):
        columns = int(os.environ["COLUMNS"])
        if columns > 0:
            return columns
    with contextlib.suppress(AttributeError, ValueError, OSError):
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        if columns > 0:
            return columns
    return 80


def _stream(fmt: str, entries: Iterator[EntryView], names: dict[str, str]) -> None:
    """Exports: JSON (each entry with "by", the name of the node that posted it), CSV or
    markdown, written a piece at a time."""
    if fmt == "json":
        chunks = output.json_list(
            {**e.to_json(), "by": output.export_row(e, names)["by"]} for e in entries
        )
        for chunk in chunks:
            click.echo(chunk, nl=False)
        click.echo()
    elif fmt == "csv":
        for chunk in output.board_csv(entries, names):
            click.echo(chunk, nl=False)
    else:
        for line in output.board_markdown(entries, names):
            click.echo(line)


@click.command()
@click.argument("code")
@json_option
@click.pass_obj
@reports_errors
def show(obj: CliContext, code: str, as_json: bool) -> None:
    """Show one entry in full.

    CODE is the code from `meshaid board`, in any case; O reads as 0, I and L as 1.

    Example:

    \b
        meshaid show 7qkm
    """
    with obj.open_node() as node:
        entry = node.show(code)
    if as_json:
        click.echo(output.to_json(entry.to_json()))
    else:
        click.echo(output.entry_detail(entry))


@click.command()
@click.argument("code")
@click.option("--fulfilled", is_flag=True, help="The need was met or the offer taken.")
@click.option("--withdrawn", is_flag=True, help="The poster takes the entry back.")
@json_option
@click.pass_obj
@reports_errors
def close(obj: CliContext, code: str, fulfilled: bool, withdrawn: bool, as_json: bool) -> None:
    """Close one of this node's entries as fulfilled or withdrawn.

    A closed entry stays closed on every node, even when an older copy turns up later.

    Example:

    \b
        meshaid close 7QKM --fulfilled
    """
    if fulfilled == withdrawn:
        raise click.UsageError("give exactly one of --fulfilled or --withdrawn")
    outcome = "fulfilled" if fulfilled else "withdrawn"
    with obj.open_node() as node:
        entry = node.close_entry(code, outcome)
    if as_json:
        click.echo(output.to_json(entry.to_json()))
    else:
        click.echo(f"Closed {entry.code} as {outcome}.")


COMMANDS = (init, post, board_command, show, close)
