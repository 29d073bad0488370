"""``meshaid bench commands``: how well phone commands are understood."""

from __future__ import annotations

import json
from pathlib import Path

import click

from meshaid.cli.errors import reports_errors
from meshaid.node.bench.commands import bench_file, format_result, result_dict


@click.command("commands")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@reports_errors
def commands(file: Path, as_json: bool) -> None:
    """Parse each labelled phone message in FILE and report how many are understood.

    FILE holds one JSON object a line: text, intent (post_offer, post_need, post_trade,
    post_alert, list, search, show, close, withdraw, help, reply or unknown) and lang
    where known. "more" counts as list. Codes are recognised by their shape alone (no
    board lookup). The report gives the share understood, a table per intent, every
    miss (a harmful one is acted on unasked: a post, close, withdrawal or message to a
    poster nobody meant), and the longest answer the node would send for any line
    against a small fake board, which must fit one 200-byte text; then whether each goal
    is met (understood ≥ 95 %, no harmful miss, every reply ≤ 200 bytes).

    Example:

    \b
        meshaid bench commands commands.jsonl
        meshaid bench commands commands.jsonl --json
    """
    result = bench_file(file)
    if as_json:
        click.echo(json.dumps(result_dict(result), ensure_ascii=False, indent=2))
        return
    for line in format_result(result):
        click.echo(line)
