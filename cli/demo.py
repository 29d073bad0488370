"""``meshaid demo``: the README's first command."""

from __future__ import annotations

import contextlib
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import click

from meshaid.cli import output
from meshaid.cli.errors import library_errors
from meshaid.node.sim import demo as demo_run


@click.command()
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Make the node homes (A, B, C, D) and daemon logs in this directory and keep them.",
)
@click.option("--loss", type=click.FloatRange(0.0, 0.5), default=0.1, show_default=True,
              help="Probability that a radio link loses a frame.")
@click.option("--time-scale", type=click.FloatRange(1.0, 100.0), default=10.0,
              show_default=True, help="Frames spend their LoRa airtime divided by this.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the simulated losses.")
def demo(keep: Path | None, loss: float, time_scale: float, seed: int) -> None:
    """Run a neighbourhood of four node daemons on simulated radios until posts are everywhere.

    Starts `meshaid run` for nodes A, B, C and D, each on a fake Meshtastic radio (B's on
    a serial port, the others on TCP). The radios stand in a line, each hearing only the
    next, over a lossy simulated LoRa mesh. Residents text offers, needs and an alert to
    their nodes from their phones; each node answers with a code and the entries spread
    node by node. Shows the records each node holds every second, then the board as D
    sees it, and stops everything: usually within a minute or so of the first post, and
    after at most two minutes even if a lost frame is still being repaired. Needs no
    radio; nothing outside a temporary directory changes (unless --keep). Ctrl-C stops it
    cleanly.

    Example:

    \b
        meshaid demo
        meshaid demo --keep /tmp/hood && meshaid --home /tmp/hood/D board --json
    """
    with _terminate_as_interrupt():
        if keep is not None:
            if keep.exists() and any(keep.iterdir()):
                # Homes of an earlier run would count their records again.
                raise click.ClickException(f"{keep} is not empty; give a new or empty directory")
            _show(keep, loss, time_scale, seed)
            return
        with tempfile.TemporaryDirectory(prefix="meshaid-demo-") as tmp:
            _show(Path(tmp), loss, time_scale, seed)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the daemons and the temporary directory go too."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (e.g. inside a test runner): leave it alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _show(root: Path, loss: float, time_scale: float, seed: int) -> None:
    events = demo_run.run(root, loss=loss, time_scale=time_scale, seed=seed)
    try:
        with library_errors(), contextlib.closing(events):
            for event in events:
                _render(event)
    except KeyboardInterrupt:
        click.echo("\nInterrupted: daemons stopped.", err=True)
        raise click.Abort() from None


def _render(event: demo_run.DemoEvent) -> None:
    if isinstance(event, demo_run.Setup):
        line = " - ".join(event.nodes)
        click.echo(f"A neighbourhood of {len(event.nodes)} nodes in {event.root}")
        click.echo(f"  radios in a line, each hears only the next: {line}")
        click.echo(f"  simulated LoRa: {event.preset} airtime played {event.time_scale:g}x "
                   f"faster, {event.loss:.0%} of frames lost on each link, hop limit 3")
        serial = ", ".join(event.serial) or "none"
        click.echo(f"  each node runs `meshaid run` on a fake radio (serial: {serial}; "
                   "the others over TCP)")
        click.echo("Starting the daemons...")
    elif isinstance(event, demo_run.Connected):
        click.echo(f"All radios connected after {event.seconds:.1f} s. Residents start texting:")
    elif isinstance(event, demo_run.Texted):
        click.echo(f"t={event.t:4.1f}s  phone -> {event.node}: {event.text}")
    elif isinstance(event, demo_run.Answered):
        click.echo(f"t={event.t:4.1f}s  {event.node} -> phone: {event.text}")
    elif isinstance(event, demo_run.Progress):
        counts = "  ".join(
            f"{name}:{'-' if n is None else n}" for name, n in event.records.items()
        )
        click.echo(f"t={event.t:4.0f}s  records held  {counts}")
    elif isinstance(event, demo_run.Finished):
        air = event.air
        how = "every node holds every post" if event.complete else (
            "time is up before every node held every post (the daemons keep repairing "
            "gaps; run again with --loss 0 to compare)"
        )
        click.echo(f"After {event.t:.0f} s: {how}.")
        click.echo(f"The air carried {air.transmissions} frames ({air.relays} relays, "
                   f"{air.airtime:.1f} s of LoRa airtime at full speed)"
                   f"; {air.lost} arrivals were lost.")
        stopped = sum(1 for code in event.exit_codes.values() if code == 0)
        click.echo(f"{stopped} of {len(event.exit_codes)} daemons stopped cleanly.")
        click.echo("")
        click.echo(f"The board as node {event.viewer} sees it (open entries):")
        click.echo(output.board_table(event.board))
