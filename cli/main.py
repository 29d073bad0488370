"""The meshaid command line: the root group, and where commands are registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from meshaid.cli import board
from meshaid.cli.bench import bench
from meshaid.cli.context import CliContext
from meshaid.cli.demo import demo
from meshaid.cli.errors import library_errors
from meshaid.cli.run import run, status
from meshaid.cli.sim import sim


class MeshaidGroup(click.Group):
    """The root group: a library error from any command is one line, no traceback.

    Commands report their own errors (``meshaid.cli.errors.reports_errors``), so that they
    also do when invoked without this group; this catches, in the same way, whatever
    escapes a command that does not.
    """

    def invoke(self, ctx: click.Context) -> Any:
        with library_errors():
            return super().invoke(ctx)


@click.group(cls=MeshaidGroup)
@click.version_option(package_name="meshaid")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Node home directory. Default: $MESHAID_HOME; /var/lib/meshaid when running as "
    "the meshaid service user or with MESHAID_SERVICE=1; else the user data directory.",
)
@click.pass_context
def cli(ctx: click.Context, home: Path | None) -> None:
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


for command in board.COMMANDS:
    cli.add_command(command)

cli.add_command(bench)
cli.add_command(demo)
cli.add_command(sim)
cli.add_command(run)
cli.add_command(status)


def main() -> None:
    cli()
