"""``meshaid demo``: the README's first command."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from meshaid.node import demo as demo_run

from . import output


@click.command()
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Make the demo node in this directory and keep it, instead of a throw-away one.",
)
def demo(keep: Path | None) -> None:
    """Run a small demo: a throw-away node, residents' posts, and the board it shows.

    Sets up a node home (key, database, configuration) in a temporary directory, posts
    what residents of a made-up neighbourhood might post after a storm, settles two of
    the entries, and prints the board. Nothing outside the temporary directory changes.

    Example:

    \b
        meshaid demo
        meshaid demo --keep /tmp/demo-node && meshaid --home /tmp/demo-node board --json
    """
    if keep is not None:
        _show(keep)
        return
    with tempfile.TemporaryDirectory(prefix="meshaid-demo-") as tmp:
        _show(Path(tmp) / "node")


def _show(root: Path) -> None:
    click.echo(f"A demo node in {root}")
    click.echo("Residents post (each entry is a signed record; the code is what they type):")
    for step in demo_run.run(root):
        e = step.entry
        if step.what == "posted":
            click.echo(f"  {e.code}  {e.kind:<6} {e.category:<10} {e.text}")
        else:
            click.echo(f"  {e.code}  marked {step.what}")
    click.echo("")
    click.echo("The board (open entries):")
    click.echo(output.board_table(demo_run.board(root)))
