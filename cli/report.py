"""`meshaid report`: the committee's weekly or monthly report."""

from __future__ import annotations

import click

from meshaid.cli.context import CliContext
from meshaid.cli.errors import reports_errors
from meshaid.node.committee.words import LANG_CHOICES

FORMATS = ("text", "markdown", "html", "json")
lang_option = click.option(
    "--lang", type=click.Choice(LANG_CHOICES, case_sensitive=False), default="en",
    show_default=True, help="Language of the paper: English, Spanish, or both one after "
    "the other.")


@click.command()
@click.option("--week", "period", flag_value="week", help="The 7 days ending now.")
@click.option("--month", "period", flag_value="month", help="The 30 days ending now.")
@click.option("--community", help="Only this community (name or number). Default: all.")
@click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
              default="text", show_default=True, help="text fits 80 columns; html prints "
              "on one or two pages.")
@lang_option
@click.pass_obj
@reports_errors
def report(obj: CliContext, period: str | None, community: str | None, fmt: str,
           lang: str) -> None:
    """Report what flowed, what is missing, what is scheduled, what changed, and successes.

    A period is the 7 (--week) or 30 (--month) days ending now, not a calendar week or
    month; "what changed" compares it with the same length of time just before, and
    "what is scheduled" looks the same length ahead. Matched and fulfilled entries are
    dated by when this node first stored the change. Counts are of the entries this node
    holds.

    Example:

    \b
        meshaid report --week
        meshaid report --month --community Riverside --format html --lang both > month.html
        meshaid report --month --format markdown --lang es
    """
    if period is None:
        raise click.UsageError("give --week or --month")
    from meshaid.node.committee.reports import build_report

    with obj.open_node() as node:
        made = build_report(node, period, community)
    fmt = fmt.lower()
    if fmt == "json":
        from meshaid.cli import output

        click.echo(output.to_json(made.to_json()))
        return
    from meshaid.node.committee import pages
    from meshaid.node.committee.report_pages import REPORT_CSS_EXTRA, report_paper
    from meshaid.node.committee.words import LANGS, words

    papers = [report_paper(made, words(lang)) for lang in LANGS[lang.lower()]]
    if fmt == "html":
        click.echo(pages.as_html(papers, papers[0].title, pages.PRINT_CSS + REPORT_CSS_EXTRA),
                   nl=False)
    elif fmt == "markdown":
        click.echo("\n".join(pages.as_markdown(p) for p in papers), nl=False)
    else:
        click.echo(("\n\n" + "~" * 80 + "\n\n").join(pages.as_text(p) for p in papers))
