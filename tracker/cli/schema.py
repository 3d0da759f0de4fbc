"""`tracker schema [TYPE]`: every development type with its fields, types and an example."""

from __future__ import annotations

import difflib

import click
import orjson

__all__ = ["schema"]


@click.command("schema")
@click.argument("type_name", metavar="[TYPE]", required=False)
@click.option("--markdown", "as_markdown", is_flag=True, help="The whole reference as Markdown (docs/developments.md).")
@click.option("--json-schema", "as_json_schema", is_flag=True,
              help="The JSON Schema of one JSON Lines line (docs/events.schema.json).")
def schema(type_name: str | None, as_markdown: bool, as_json_schema: bool) -> None:
    """Reference of every development type: fields, types, required, an example."""
    from tracker.events.reference import json_schema, markdown, type_docs

    if as_markdown:
        click.echo(markdown(), nl=False)
        return
    if as_json_schema:
        click.echo(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2).decode())
        return
    docs = {doc.name: doc for doc in type_docs()}
    if type_name is None:
        width = max(len(name) for name in docs)
        for listed in docs.values():
            click.echo(f"{listed.name:<{width}}  {listed.summary}")
        click.echo("\nFields and an example of one: tracker schema TYPE (e.g. tracker schema MeetingHeld).")
        return
    doc = docs.get(type_name) or next((d for n, d in docs.items() if n.lower() == type_name.lower()), None)
    if doc is None:
        from tracker.errors import InvalidInput

        close = difflib.get_close_matches(type_name, list(docs), n=2, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}?" if close else "see `tracker schema` for the list"
        raise InvalidInput([("TYPE", type_name, f"unknown development type: {hint}")])
    _print_type(doc.name)


def _print_type(name: str) -> None:
    from tracker.events.base import Development
    from tracker.events.reference import type_docs

    doc = next(d for d in type_docs() if d.name == name)
    common = set(Development.model_fields)
    click.echo(f"{doc.name}: {doc.summary}\n")
    rows = [f for f in doc.fields if f.name not in common]
    width = max((len(f.name) for f in rows), default=0)
    click.echo("Fields (besides the common " + ", ".join(sorted(common)) + "):")
    for f in rows:
        extra = "required" if f.required else f"optional{f' (default {f.default})' if f.default else ''}"
        meaning = f" - {f.description}" if f.description else ""
        click.echo(f"  {f.name:<{width}}  {f.type}; {extra}{meaning}")
    click.echo("\nExample (one line of JSON Lines; `tracker record` takes it as is):")
    click.echo(orjson.dumps(doc.example).decode())
