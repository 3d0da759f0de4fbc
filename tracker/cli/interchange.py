"""`tracker export --format quickstatements|popolo`: the read model in the conventions of the field."""

from __future__ import annotations

import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
import orjson

from tracker.cli.output import write_output
from tracker.projections.interchange.popolo import build_popolo
from tracker.projections.interchange.quickstatements import build_quickstatements
from tracker.projections.interchange.source import QueriesReader, snapshot

if TYPE_CHECKING:
    from tracker.cli.context import CliContext

__all__ = ["FORMATS", "export_interchange", "load_wikidata_ids"]

FORMATS = ("quickstatements", "popolo")
"""The interchange formats `tracker export --format` writes besides JSON Lines."""


def load_wikidata_ids(path: Path) -> dict[str, str]:
    """A TOML table `[ids]` of "kind:id" (document:..., organization:..., state:KAZ) -> Wikidata item."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--wikidata-ids") from None
    ids = data.get("ids", {})
    if not isinstance(ids, dict):
        raise click.BadParameter(f"[ids] must be a table (value: {ids!r})", param_hint="--wikidata-ids")
    for key, value in ids.items():
        kind = key.partition(":")[0]
        if kind not in ("document", "organization", "state") or ":" not in key:
            raise click.BadParameter(f"ids: a key is kind:id with kind document, organization or state "
                                     f"(value: {key!r})", param_hint="--wikidata-ids")
        if not isinstance(value, str) or not value.startswith("Q") or not value[1:].isdigit():
            raise click.BadParameter(f"ids.{key}: not a Wikidata item id like Q485207 (value: {value!r})",
                                     param_hint="--wikidata-ids")
    return {str(k): str(v) for k, v in ids.items()}


def export_interchange(obj: CliContext, fmt: str, output: str, wikidata_ids: Path | None, *,
                       force: bool = False, mkdir: bool = False) -> None:
    """Write the export in `fmt` to `output` (or stdout); entities without a Wikidata id go to stderr."""
    entity_ids = load_wikidata_ids(wikidata_ids) if wikidata_ids is not None else {}
    queries = obj.tracker().read_model()  # the Queries themselves: organizations and bodies come through them
    now = datetime.now(UTC)
    snap = snapshot(QueriesReader(queries), as_of=now.date(), known_at=now)
    if fmt == "quickstatements":
        export = build_quickstatements(snap, entity_ids=entity_ids)
        data = export.text().encode("utf-8")
        summary = f"{len(export.commands)} QuickStatements commands"
        for missing in export.missing:
            click.echo(f"no Wikidata id for {missing.entity}: left out {missing.left_out}", err=True)
        for note in export.notes:
            click.echo(f"note: {note}", err=True)
    else:
        document = build_popolo(snap)
        data = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
        summary = "Popolo JSON: " + ", ".join(
            f"{len(document[k])} {k}" for k in ("organizations", "posts", "memberships", "events", "motions"))
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_output(output, lambda handle: handle.write(data), force=force, mkdir=mkdir)
    click.echo(f"Exported {summary}" + (f" to {output}" if output != "-" else ""), err=True)
