"""``meshaid bench``: measurements of the on-air formats."""

from __future__ import annotations

import json
from pathlib import Path

import click

from meshaid.cli.bench_commands import commands
from meshaid.cli.errors import reports_errors
from meshaid.node.bench import encode as bench_encode


@click.group()
def bench() -> None:
    """Measure meshaid's on-air formats on sample data.

    Example:

    \b
        meshaid bench encode posts.jsonl
        meshaid bench commands commands.jsonl
    """


bench.add_command(commands)


@bench.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@reports_errors
def encode(file: Path, as_json: bool) -> None:
    """Sign each post in FILE as a board record and report the sizes in bytes.

    FILE holds one post a line as JSON: kind, category, community, zone, text, and
    urgency or when where they apply. Communities and zones are numbered in order of
    first appearance, as a neighbourhood's configuration would number them; records are
    signed with a fixed throwaway key, so the figures are the same on every run.

    The report gives the median, p95 (nearest rank on the sorted sizes) and largest
    signed record, how many fit one 231-byte LoRa frame, the same for compact JSON and
    msgpack encodings of the same fields, and whether the size goal is met
    (median ≤ 130 and p95 ≤ 200 bytes).

    Example:

    \b
        meshaid bench encode posts.jsonl
        meshaid bench encode posts.jsonl --json
    """
    result = bench_encode.bench_file(file)
    if as_json:
        click.echo(json.dumps(bench_encode.result_dict(result), indent=2, ensure_ascii=False))
        return
    for line in bench_encode.format_result(result):
        click.echo(line)
