"""A reference of every development type, generated from the event models themselves.

One source for `tracker schema`, the page docs/developments.md and the JSON Schema of the JSON
Lines format (docs/events.schema.json): a test fails when the checked-in files fall out of
step with the models. Examples are built from each field's type and validated by the model.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import orjson
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.json_schema import models_json_schema

from tracker.events.base import Development, EventRef, Slug, Source
from tracker.events.dates import WorldDate
from tracker.events.states import PartyCode, StateCode

__all__ = [
    "SCHEMA_ID",
    "FieldDoc",
    "TypeDoc",
    "describe_type",
    "example",
    "json_schema",
    "markdown",
    "type_docs",
]

SCHEMA_ID = "https://commitments-tracker.example/schemas/events.jsonl.schema.json"
"""The `$id` of the JSON Schema of one line of the JSON Lines format."""

_NAMED: tuple[tuple[Any, str], ...] = (
    (StateCode, "state (ISO 3166-1 code or name: KAZ, KZ, Kazakhstan, Казахстан)"),
    (PartyCode, "state (ISO 3166-1 code or name: KAZ, KZ, Kazakhstan) or recorded organization (org:eu)"),
    (WorldDate, "world date (EDTF: 2024-07-25, 2024-07, 2024, with ? ~ %)"),
    (Slug, "id (lower-case letters, digits, hyphens; '/' between parts)"),
    (EventRef, "event reference (kind:id#version)"),
)

# Readable example ids per field name, so examples read like the demo's.
_IDS = {
    "organization_id": "sco",
    "body_id": "sco-prosecutors-general",
    "meeting_id": "sco-prosecutors-general/22",
    "proposal_id": "sco-internet-terrorism-2018",
    "commitment_id": "sco-joint-action-extremism-2018",
    "by_commitment_id": "sco-joint-action-extremism-2024",
    "document_id": "sco-prosecutors-general/22/protocol",
}
_STATES = {"from_state": "KGZ", "to_state": "PAK", "states": ("KAZ",)}
# Fields whose value must satisfy a rule across its parts: a whole value, as a user would write it.
_WHOLE: dict[str, Any] = {
    "rotation": {"kind": "alphabetical", "language": "ru", "term": "per_meeting"},
    "override": "skip",
}
# Values an example of a type must name: one of its optional fields that the type requires
# (ProposalSupported), or text with a pattern of its own (ReviewDecided).
_ONE_OF: dict[str, dict[str, Any]] = {
    "ProposalSupported": {"state": "KAZ"},
    "ReviewDecided": {"item_id": "0123456789abcdef", "entity": "commitment:sco-joint-action-extremism-2018",
                      "decision": "explained", "reason": "the later source corrects the earlier date"},
}
_SOURCE = {"publisher": "BNews.kz", "url": "https://bnews.kz/en/news/example", "published_on": "2024-07-26"}


@dataclass(frozen=True)
class FieldDoc:
    """One field of a development: its name, type in words, whether required, default, meaning."""

    name: str
    type: str
    required: bool
    default: str
    description: str


@dataclass(frozen=True)
class TypeDoc:
    """One development type: its name, what it records, its fields and a valid example line."""

    name: str
    summary: str
    fields: tuple[FieldDoc, ...]
    example: dict[str, Any]


def describe_type(annotation: Any) -> str:
    """A field's type in words (`list of state`, `one of: member, observer`, ...)."""
    for alias, words in _NAMED:
        if annotation == alias:
            return words
    origin = get_origin(annotation)
    if origin is not None:
        return _describe_generic(origin, get_args(annotation))
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return f"{annotation.__name__} (object)"
    return {str: "text", int: "integer", bool: "true or false", float: "number"}.get(annotation, "any JSON value")


def _describe_generic(origin: Any, args: tuple[Any, ...]) -> str:
    """A parametrised type (Annotated, union, Literal, list, dict) in words."""
    if origin is Annotated:
        return describe_type(args[0])
    if origin in (Union, types.UnionType):
        return " or ".join(describe_type(a) for a in args if a is not type(None))
    if origin is Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin in (tuple, list):
        return f"list of {describe_type(args[0])}"
    if origin is dict:
        return f"object of {describe_type(args[0])} -> {describe_type(args[1])}"
    return "any JSON value"


def _hints(model: type[BaseModel]) -> dict[str, Any]:
    hints = get_type_hints(model, include_extras=True)
    return {name: hints[name] for name in model.model_fields}


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return ""
    value = info.get_default(call_default_factory=True)
    return "" if value is None else orjson.dumps(value, default=str).decode()


# Values of the named types, by field name where the name says more than the type.
_ALIAS_VALUES: tuple[tuple[Any, Callable[[str], Any]], ...] = (
    (StateCode, lambda name: _STATES.get(name, "KAZ")),
    (PartyCode, lambda name: _STATES.get(name, "KAZ")),
    (WorldDate, lambda _: "2024-07-25"),
    (Slug, lambda name: _IDS.get(name, "x")),
    (EventRef, lambda _: "commitment:sco-joint-action-extremism-2018#2"),
)


def _value(name: str, annotation: Any) -> Any:
    """A plausible value of a type, for examples."""
    if name in _WHOLE:
        return _WHOLE[name]
    for alias, make in _ALIAS_VALUES:
        if annotation == alias:
            return make(name)
    origin = get_origin(annotation)
    if origin is not None:
        return _generic_value(name, origin, get_args(annotation))
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return _required_values(annotation)
    return {str: name.replace("_", " "), int: 1, bool: False, float: 1.0}.get(annotation, {})


def _generic_value(name: str, origin: Any, args: tuple[Any, ...]) -> Any:
    """A plausible value of a parametrised type (Annotated, union, Literal, list, dict)."""
    if origin is Annotated:
        return _value(name, args[0])
    if origin in (Union, types.UnionType):
        return _value(name, next(a for a in args if a is not type(None)))
    if origin is Literal:
        return args[0]
    if origin in (tuple, list):
        return list(_STATES[name]) if name in _STATES else [_value(name.removesuffix("s"), args[0])]
    if origin is dict:
        return {"en": "Shanghai Cooperation Organisation"} if name in ("names", "abbreviations") else {}
    return {}


def _required_values(model: type[BaseModel]) -> dict[str, Any]:
    hints = _hints(model)
    return {name: _value(name, hints[name]) for name, info in model.model_fields.items() if info.is_required()}


def example(cls: type[Development]) -> dict[str, Any]:
    """A valid example of `cls` in its JSON Lines form: the required fields and one source."""
    body = {"occurred_on": "2024-07-25", "sources": [_SOURCE], **_required_values(cls), **_ONE_OF.get(cls.__name__, {})}
    if cls.__name__ == "EventCorrected":
        body["replacement"] = {"type": "DeadlineChanged", **_required_values(_vocabulary("DeadlineChanged"))}
        body["replacement"].update(occurred_on="2024-07-25", unsourced=True)
    cls.model_validate(body)  # an example that does not validate is a bug here, not in the reader
    return {"type": cls.type_name(), **body}


def _vocabulary(name: str) -> type[Development]:
    from tracker.events import EVENT_TYPES  # the package imports this module's neighbours first

    return EVENT_TYPES[name]


def _field_docs(model: type[BaseModel]) -> tuple[FieldDoc, ...]:
    hints = _hints(model)
    return tuple(
        FieldDoc(name, describe_type(hints[name]), info.is_required(), _default(info), info.description or "")
        for name, info in model.model_fields.items()
    )


def _summary(cls: type[Any]) -> str:
    return (inspect.getdoc(cls) or "").strip().splitlines()[0] if inspect.getdoc(cls) else ""


def type_docs() -> list[TypeDoc]:
    """Every development type, in alphabetical order."""
    from tracker.events import EVENT_TYPES

    return [
        TypeDoc(name, _summary(cls), _field_docs(cls), example(cls)) for name, cls in sorted(EVENT_TYPES.items())
    ]


def _parts() -> list[type[BaseModel]]:
    """The nested objects fields use (Source, RotationRule, ...), in alphabetical order."""
    from tracker.events import EVENT_TYPES

    seen: dict[str, type[BaseModel]] = {"Source": Source}
    pending: list[type[BaseModel]] = list(EVENT_TYPES.values())
    while pending:
        model = pending.pop()
        for annotation in _hints(model).values():
            for part in _models_in(annotation):
                if part.__name__ not in seen and not issubclass(part, Development):
                    seen[part.__name__] = part
                    pending.append(part)
    return [seen[name] for name in sorted(seen)]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]


def _table(fields: tuple[FieldDoc, ...]) -> list[str]:
    lines = ["| field | type | required | default | meaning |", "|---|---|---|---|---|"]
    for f in fields:
        cells = (f"`{f.name}`", f.type, "yes" if f.required else "no", f"`{f.default}`" if f.default else "",
                 f.description)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return lines


def markdown() -> str:
    """The reference page (docs/developments.md): every type's fields and an example line."""
    out = [
        "# Developments: the reference",
        "",
        "Generated from the event models by `tracker schema --markdown`; do not edit by hand (a test",
        "compares this page with the models). One development is one line of JSON Lines,",
        '`{"type": "<TypeName>", ...fields}`, given to `tracker record`, `tracker import` or',
        "`Tracker.record()`. The JSON Schema of a line is `docs/events.schema.json`",
        "(`tracker schema --json-schema`).",
        "",
        "Every development has the common fields below; `sources` needs at least one entry unless",
        "`unsourced` is true. The types, in alphabetical order:",
        "",
    ]
    docs = type_docs()
    out += [f"- [`{d.name}`](#{d.name.lower()}): {d.summary}" for d in docs]
    out += ["", "## Common fields", ""]
    common = {f.name for f in _field_docs(Development)}
    out += _table(_field_docs(Development))
    for d in docs:
        out += ["", f"## {d.name}", "", d.summary, ""]
        out += _table(tuple(f for f in d.fields if f.name not in common))
        out += ["", "```json", orjson.dumps(d.example).decode(), "```"]
    out += ["", "## Parts", "", "Objects that fields above contain.", ""]
    for part in _parts():
        out += [f"### {part.__name__}", "", _summary(part), "", *_table(_field_docs(part)), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of one JSON Lines line: any development, told apart by `type`."""
    from tracker.events import EVENT_TYPES

    classes = [EVENT_TYPES[name] for name in sorted(EVENT_TYPES)]
    _, top = models_json_schema([(cls, "validation") for cls in classes], ref_template="#/$defs/{model}")
    definitions: dict[str, Any] = top.get("$defs", {})
    for cls in classes:
        definition = definitions[cls.__name__]
        definition["properties"] = {"type": {"const": cls.__name__}, **definition.get("properties", {})}
        definition["required"] = ["type", *definition.get("required", [])]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "One development (one line of the tracker's JSON Lines format)",
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": [cls.__name__ for cls in classes]}},
        "oneOf": [{"$ref": f"#/$defs/{cls.__name__}"} for cls in classes],
        "$defs": definitions,
    }
