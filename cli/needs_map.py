"""`meshaid map`: the needs map, as a table and as a chart to print."""

from __future__ import annotations

from pathlib import Path

import click

from meshaid.cli.context import CliContext
from meshaid.cli.errors import reports_errors
from meshaid.cli.report import lang_option
from meshaid.node.errors import InputError, NodeError

PNG_MISSING = (
    "a PNG needs the cairosvg package and the cairo library: "
    "pip install 'meshaid[png]' (and on Debian, apt-get install libcairo2); "
    "or write an SVG with --out FILE.svg"
)


def svg_to_png(svg: str, path: Path) -> None:
    """Render the chart with cairosvg, an optional extra that needs the cairo library."""
    try:
        import cairosvg  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except (ImportError, OSError) as exc:  # OSError: the package is there, libcairo is not
        raise InputError(PNG_MISSING) from exc
    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(path), output_width=1400)


@click.command(name="map")
@click.option("--month", is_flag=True,
              help="Count needs that expired unmet in the last 30 days (default: 7).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the chart: FILE.svg, or FILE.png (needs cairosvg).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@lang_option
@click.pass_obj
@reports_errors
def needs_map(obj: CliContext, month: bool, out: Path | None, as_json: bool,
              lang: str) -> None:
    """Chart each community's strengths (open offers) against its needs.

    A cell is a community and a category: its open offers against its needs, which are
    the needs open now plus those that expired unmet in the last 7 days (--month: 30).
    The terminal shows a table, "offers/needs" in each cell and ▲ where needs outnumber
    offers; --out writes the same as a chart to print in black and white: offers hatched,
    needs solid, each bar with its number.

    Example:

    \b
        meshaid map
        meshaid map --month --out needs-map.svg --lang both
        meshaid map --month --out needs-map.png
    """
    from meshaid.cli import output
    from meshaid.node.committee.needs_map import as_svg, as_table, build_map
    from meshaid.node.committee.words import LANGS, words

    suffix = out.suffix.lower() if out is not None else ""
    if out is not None and suffix not in (".svg", ".png"):
        raise click.UsageError(f"--out {out}: give a file ending in .svg or .png")
    with obj.open_node() as node:
        made = build_map(node, "month" if month else "week")
        when = output.short_time(node.local_time(made.period.end - 1))
    if as_json:
        click.echo(output.to_json(made.to_json()))
    else:
        ws = [words(lang) for lang in LANGS[lang.lower()]]
        click.echo(as_table(made, ws))
    if out is None:
        return
    svg = as_svg(made, [words(lang) for lang in LANGS[lang.lower()]], when)
    try:
        if suffix == ".svg":
            out.write_text(svg, encoding="utf-8")
        else:
            svg_to_png(svg, out)
    except OSError as exc:
        raise NodeError(f"cannot write {out}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {out}.", err=True)
