"""`tracker report`: write a status report of an organization, a body or everything."""

from __future__ import annotations

import sys
from datetime import date, datetime
from typing import IO, Any, cast

import click

from tracker.cli.options import as_date, as_datetime
from tracker.cli.output import check_output, output_options, write_output
from tracker.projections.reports import FORMATS, Format, ReportData, stream_report
from tracker.projections.reports.i18n import languages

__all__ = ["report"]


def _as_since(ctx: click.Context, param: click.Parameter, value: str | None) -> date | datetime | None:
    if value is None:
        return None
    # A bare date is a world date ("what happened after"); anything with a time is a record time
    # ("what we learned after").
    if len(value) == 10:
        return as_date(ctx, param, value)
    return as_datetime(ctx, param, value)


@click.command("report")
@click.option("--org", "organization_id", metavar="ORG_ID", help="Only this organization, e.g. sco.")
@click.option("--body", "body_id", metavar="BODY_ID", help="Only this body, e.g. sco-prosecutors-general.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True,
    help="md for email and wikis, html for one offline file, json for machines, csv for spreadsheets.",
)
@output_options(stdout_default=True, help_text="File to write; - for standard output.")
@click.option("--as-of", callback=as_date, metavar="YYYY-MM-DD", help="World date the report describes [today].")
@click.option(
    "--known-at", callback=as_datetime, metavar="DATETIME",
    help="Answer with what was recorded by this time (ISO 8601, UTC unless an offset is given) [now].",
)
@click.option(
    "--since", callback=_as_since, metavar="DATE|DATETIME",
    help="Add 'Changes since': a date is a world date, a date and time is a record time.",
)
@click.option(
    "--lang", type=click.Choice(languages()), default=None,
    help="Language of the report [the report_language setting, TRACKER_REPORT_LANGUAGE, else en].",
)
@click.pass_context
def report(
    ctx: click.Context,
    organization_id: str | None,
    body_id: str | None,
    fmt: str,
    output: str,
    force: bool,
    mkdir: bool,
    as_of: date | None,
    known_at: datetime | None,
    since: date | datetime | None,
    lang: str | None,
) -> None:
    """Write a status report (headline, commitments, documents, presidency, meetings, review, sources)."""
    obj: Any = ctx.obj
    if obj is None or not hasattr(obj, "read_model"):
        raise click.UsageError("no read model is configured for this command")
    settings = getattr(obj, "settings", None)
    language = lang or getattr(settings, "report_language", None) or "en"
    if language not in languages():
        raise click.BadParameter(
            f"no report catalogue for {language!r} (have {', '.join(languages())})", param_hint="report_language"
        )
    if output != "-":
        check_output(output, force=force, mkdir=mkdir)  # refuse before building the whole report

    def write(handle: IO[bytes]) -> ReportData:
        # Written as it is read and rendered, a page of rows at a time: memory stays flat however
        # large the report. Always UTF-8, whatever the terminal's locale: Cyrillic names must
        # survive a redirect.
        return stream_report(
            obj.read_model(), cast(Format, fmt), handle.write, lang=language, organization_id=organization_id,
            body_id=body_id, as_of=as_of, known_at=known_at, since=since,
        )

    if output == "-":
        stream = click.get_binary_stream("stdout")
        data = write(stream)
        stream.flush()
    else:
        data = write_output(output, write, force=force, mkdir=mkdir)
        click.echo(f"Wrote {fmt} report to {output}", err=True)
    if data.headline.overdue:
        # Said on stderr so scripts piping the report still see it, without corrupting the output.
        click.echo(f"{data.headline.overdue} overdue commitment(s)", err=True)
    sys.stdout.flush()
