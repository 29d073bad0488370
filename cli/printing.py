"""`meshaid print`: the open board as a page to print and post."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import click

from meshaid.cli.context import CliContext
from meshaid.cli.errors import reports_errors
from meshaid.cli.report import lang_option
from meshaid.node.errors import InputError, NodeError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PDF_MISSING = ("a PDF needs a headless Chromium to render the page: apt-get install chromium "
               "(Debian, Raspberry Pi OS); or write --out FILE.html and print it from a browser")


def html_to_pdf(page: str, out: Path) -> None:
    """Print the page to ``out`` with headless Chromium, when one is installed."""
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    if browser is None:
        raise InputError(PDF_MISSING)
    with tempfile.TemporaryDirectory(prefix="meshaid-print-") as scratch:
        source = Path(scratch) / "board.html"
        source.write_text(page, encoding="utf-8")
        argv = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={scratch}/profile",
                "--no-pdf-header-footer", f"--print-to-pdf={out.resolve()}", source.as_uri()]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise NodeError(f"{browser} could not print the page: {exc}") from exc
    if done.returncode != 0 or not out.exists():
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise NodeError(f"{browser} could not print the page: {tail[0]}")


@click.command(name="print")
@lang_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write FILE.html, or FILE.pdf (needs Chromium). Default: HTML on stdout.")
@click.option("--limit", type=click.IntRange(min=1), default=40, show_default=True,
              help="At most this many entries of each kind (alerts, needs, offers, trades).")
@click.pass_obj
@reports_errors
def print_board(obj: CliContext, lang: str, out: Path | None, limit: int) -> None:
    """Make the open board into a page to print and post, with codes to answer by radio.

    Alerts come first, then needs, offers and trades, each grouped by category, with
    alerts and critical needs first and then the newest; each kind prints at most
    --limit entries and says how many more the board has. A box shows the texts the node
    reads, so that people can post from their phones. The page is HTML with print
    styles, for A4 or Letter; --out FILE.pdf prints it with headless Chromium.

    Example:

    \b
        meshaid print --lang both --out board.html
        meshaid print --lang es --out tablero.pdf
    """
    from meshaid.node.committee import pages
    from meshaid.node.committee.printable import PRINT_CSS_EXTRA, board_paper, read_board
    from meshaid.node.committee.words import LANGS, words

    suffix = out.suffix.lower() if out is not None else ""
    if out is not None and suffix not in (".html", ".htm", ".pdf"):
        raise click.UsageError(f"--out {out}: give a file ending in .html or .pdf")
    with obj.open_node() as node:
        board = read_board(node, limit)
    paper = board_paper(board, [words(x) for x in LANGS[lang.lower()]])
    page = pages.as_html([paper], paper.title, pages.PRINT_CSS + PRINT_CSS_EXTRA)
    if out is None:
        click.echo(page, nl=False)
        return
    try:
        if suffix == ".pdf":
            html_to_pdf(page, out)
        else:
            out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise NodeError(f"cannot write {out}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {out}.", err=True)
