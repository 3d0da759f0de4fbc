"""`tracker sources`: keep local copies of sources in the database, and check the cited web pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker.cli.output import output_options, write_output

if TYPE_CHECKING:
    from tracker.cli.context import CliContext
    from tracker.sources import SourceFiles

__all__ = ["sources"]

CHECK_FAILED_EXIT = 3
"""Exit code of `sources check` when a cited URL failed, changed or was not reached (1 stays for mistakes)."""


def _files(obj: CliContext, *, create: bool = False) -> SourceFiles:
    from tracker.sources import SourceFiles

    tracker = obj.tracker(create=create)
    return SourceFiles(tracker.engine, max_bytes=obj.settings.source_file_max_bytes)


@click.group()
def sources() -> None:
    """Keep local copies of sources in the database by content; check that cited web pages still answer."""


@sources.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--publisher", required=True, help="Who published it (the Source's required field).")
@click.option("--title", default=None, help="Its title.")
@click.option("--name", default=None, help="The name to keep with it (default: the file's name).")
@click.option("--media-type", default=None, help="Its media type (default: guessed from the name).")
@click.option("--url", default=None, help="The web page it is a copy of.")
@click.option("--archive-url", default=None, help="An archived copy of that page.")
@click.option("--retrieved-on", default=None, help="The day it was retrieved (YYYY-MM-DD).")
@click.option("--published-on", default=None, help="When it was published (a date: 2024-07-25, 2024-07, 2024).")
@click.option("--language", default=None, help="Its language (en, ru, ...).")
@click.pass_obj
def add(obj: CliContext, file: Path, publisher: str, title: str | None, name: str | None, media_type: str | None,
        url: str | None, archive_url: str | None, retrieved_on: str | None, published_on: str | None,
        language: str | None) -> None:
    """Store FILE in the database by its SHA-256 (once) and print the Source JSON that cites it."""
    import orjson

    from tracker.events.base import Source

    given: dict[str, Any] = {"title": title, "url": url, "archive_url": archive_url, "retrieved_on": retrieved_on,
                             "published_on": published_on, "language": language}
    fields = {key: value for key, value in given.items() if value is not None}
    Source(publisher=publisher, **fields)  # validated first: a bad --url stores no file
    stored = _files(obj, create=True).add(file, name=name, media_type=media_type)
    source = Source(publisher=publisher, file_sha256=stored.sha256, file_name=stored.name, **fields)
    verb = "Stored" if stored.stored else "Already stored"
    click.echo(f"{verb}: {stored.name} ({stored.size} bytes, {stored.media_type}) sha256 {stored.sha256}", err=True)
    click.echo(orjson.dumps(source.model_dump(mode="json", exclude_none=True), option=orjson.OPT_INDENT_2).decode())


@sources.command()
@click.argument("sha256")
@output_options(required=True, help_text="File to write the stored copy to.")
@click.pass_obj
def get(obj: CliContext, sha256: str, output: str, force: bool, mkdir: bool) -> None:
    """Write the local copy stored under SHA256 to a file, byte for byte."""
    files = _files(obj)
    info = files.info(sha256)
    count = write_output(output, lambda handle: files.write_to(info.sha256, handle), force=force, mkdir=mkdir)
    click.echo(f"Wrote {count} bytes of {info.name} to {output}", err=True)


@sources.command()
@click.option("--timeout", type=click.FloatRange(min=0.001), default=10.0, show_default=True,
              help="Seconds each request may take, body included.")
@click.option("--deadline", type=click.FloatRange(min=0.001), default=120.0, show_default=True,
              help="Seconds the whole check may take; URLs not reached by then are reported 'not checked'.")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=8, show_default=True,
              help="Requests at once.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema tracker.cli/1).")
@click.pass_obj
def check(obj: CliContext, timeout: float, deadline: float, concurrency: int, as_json: bool) -> None:
    """Ask every cited URL (url and archive_url): report those that no longer answer or have changed.

    It only reads the log (recording goes on meanwhile). Exit code 3 when any URL failed,
    changed or was not reached by the deadline.
    """
    import orjson

    from tracker.sources import check_urls, cited_urls

    tracker = obj.tracker()
    read_at = datetime.now(UTC)
    # The whole list is read before the first request: no database connection waits on the network.
    urls = cited_urls(tracker.iter_log())
    results = check_urls(urls, timeout=timeout, deadline=deadline, concurrency=concurrency)
    bad = [r for r in results if not r.ok]
    if as_json:
        envelope = {"schema": "tracker.cli/1", "as_of": read_at.date().isoformat(), "known_at": read_at.isoformat(),
                    "sources_check": [r.to_json_dict() for r in results]}
        click.echo(orjson.dumps(envelope, option=orjson.OPT_INDENT_2).decode())
    else:
        from tracker.projections.safety import safe_text as shown

        for r in results:
            click.echo(f"{r.outcome:<11}  {shown(r.url)}  {shown(r.detail)}  (cited by {shown(', '.join(r.cited_by))})")
        click.echo(f"{len(results)} cited URLs checked, {len(bad)} not answering as recorded", err=True)
    if bad:
        raise click.exceptions.Exit(CHECK_FAILED_EXIT)
