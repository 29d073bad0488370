"""The meshaid command line: the root group, and where commands are registered.

A committee member types a command during an outage and waits for it, so a command
imports only what it needs: the board commands (init, post, board, show, close) are
loaded with the group, every other command only when it is run or its own help is asked
for. ``meshaid --help`` lists those from ``LAZY_COMMANDS`` without importing them (a test
checks that each entry's summary is its command's own). The meshtastic library, the
simulator and the daemon are thus never loaded by ``meshaid board``.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from meshaid.cli import board
from meshaid.cli.context import CliContext
from meshaid.cli.errors import as_json_error, library_errors, usage_error
from meshaid.node.text_rules import has_surrogates, printable

# name: (module, attribute, the first paragraph of the command's help, on one line).
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "bench": ("meshaid.cli.bench", "bench", "Measure meshaid's on-air formats on sample data."),
    "committee": (
        "meshaid.cli.members",
        "committee",
        "The committee: the nodes whose signatures change the roster.",
    ),
    "join": (
        "meshaid.cli.members",
        "join",
        "Join a neighbourhood with an invite made for this node.",
    ),
    "key": (
        "meshaid.cli.members",
        "key",
        "Print this node's public key, to give to a committee member.",
    ),
    "edit": (
        "meshaid.cli.match",
        "edit",
        "Change an entry's text, urgency or zone: a new version that replaces it everywhere.",
    ),
    "emergency": (
        "meshaid.cli.match",
        "emergency",
        "In a crisis: open alerts and critical needs, who holds them, who pledged what, what "
        "is missing, and a plan pairing available offers with them by community.",
    ),
    "match": (
        "meshaid.cli.match",
        "match",
        "Suggest offers for open needs, best first, and record matches.",
    ),
    "renew": (
        "meshaid.cli.match",
        "renew",
        "Let an entry live longer: a new version that expires DAYS from now.",
    ),
    "members": (
        "meshaid.cli.members",
        "members",
        "The nodes and residents' radios on the roster.",
    ),
    "roster": (
        "meshaid.cli.members",
        "roster",
        "The roster's versions, and changes waiting for signatures.",
    ),
    "demo": (
        "meshaid.cli.demo",
        "demo",
        "Run a neighbourhood of four node daemons on simulated radios until posts are everywhere.",
    ),
    "map": (
        "meshaid.cli.needs_map",
        "needs_map",
        "Chart each community's strengths (open offers) against its needs.",
    ),
    "print": (
        "meshaid.cli.printing",
        "print_board",
        "Make the open board into a page to print and post, with codes to answer by radio.",
    ),
    "report": (
        "meshaid.cli.report",
        "report",
        "Report what flowed, what is missing, what is scheduled, what changed, and successes.",
    ),
    "run": (
        "meshaid.cli.run",
        "run",
        "Run the node daemon: gossip the board over the radio until stopped.",
    ),
    "sim": (
        "meshaid.cli.sim",
        "sim",
        "Simulate the board on a LoRa mesh and compare the sync engine with two baselines: "
        "(a) naive flooding, each post sent once and relayed by the mesh, and (b) periodic "
        "rebroadcast of everything a node holds.",
    ),
    "status": (
        "meshaid.cli.run",
        "status",
        "Show the daemon's radio, neighbours, airtime and the board store.",
    ),
}


class MeshaidGroup(click.Group):
    """The root group: a library error from any command is one line, no traceback, and so
    is a mistake in the command line; with ``--json``, either is ``{"error": ...}``.

    Commands report their own errors (``meshaid.cli.errors.reports_errors``), so that they
    also do when invoked without this group; this catches, in the same way, whatever
    escapes a command that does not. Arguments that are not UTF-8 (on Linux they arrive
    as lone surrogates) are refused before any command sees them. Commands in ``lazy``
    are imported when first asked for by name.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str, str]] = {}

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        argv = tuple(args)
        with _one_line(argv):
            for number, arg in enumerate(argv, 1):
                if has_surrogates(arg):
                    raise click.UsageError(
                        f"argument {number} ({printable(arg)!r}) is not valid UTF-8; "
                        "check the terminal's character encoding"
                    )
            ctx = super().make_context(info_name, args, parent, **extra)
        ctx.ensure_object(CliContext).argv = argv
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        with _one_line(ctx.ensure_object(CliContext).argv), library_errors():
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, attribute, _summary = self.lazy[cmd_name]
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The list of commands, with each lazy one's summary from the table: its help is
        # shortened exactly as click shortens the command's own first paragraph.
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                command = click.Command(name, help=self.lazy[name][2])
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])


@contextlib.contextmanager
def _one_line(argv: tuple[str, ...]) -> Iterator[None]:
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise  # `meshaid` alone: the help it shows is what was asked for
    except click.ClickException as exc:
        if "--json" in argv:
            raise as_json_error(exc) from exc
        if isinstance(exc, click.UsageError):
            raise usage_error(exc) from exc
        raise


@click.group(cls=MeshaidGroup)
@click.version_option(package_name="meshaid")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Node home directory. Default: $MESHAID_HOME; /var/lib/meshaid when running as "
    "the meshaid service user or with MESHAID_SERVICE=1; else the user data directory, "
    "or the service's node when the user has none of their own.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file, for every command and the daemon alike. Default: "
    "$MESHAID_CONFIG; /etc/meshaid/meshaid.toml for the service's node when it exists; "
    "else meshaid.toml in the node home.",
)
@click.pass_context
def cli(ctx: click.Context, home: Path | None, config_path: Path | None) -> None:
    """meshaid: a neighbourhood mutual aid board over LoRa radios.

    Committee commands to set up a node, post to the board, list it, and close entries.

    Example:

    \b
        meshaid init --community "Magnolia Flats" --timezone America/Chicago
        meshaid post need "2 cases of water for 3 households" --category water
        meshaid board --status active
    """
    settings = ctx.ensure_object(CliContext)
    if home is not None:
        settings.home = home
    if config_path is not None:
        settings.config = config_path


for command in board.COMMANDS:
    cli.add_command(command)

assert isinstance(cli, MeshaidGroup)
cli.lazy.update(LAZY_COMMANDS)


def main() -> None:
    cli()
