"""The event vocabulary of the commitments tracker: pydantic v2 models, importing nothing of ours."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from tracker.events.base import (
    ENTITY_KINDS,
    EXCERPT_CHARS,
    Development,
    EventRef,
    Problem,
    Recorded,
    Slug,
    Source,
    describe_problems,
    excerpt,
    parse_event_ref,
    validation_problems,
)
from tracker.events.dates import PartialDate, Precision, WorldDate, parse_partial_date
from tracker.events.states import (
    PartyCode,
    StateCode,
    normalize_party,
    normalize_state,
    party_entity,
    party_name,
    party_organization,
    state_name,
)
from tracker.events.upcasting import REPLACEMENT_VERSION, upcast
from tracker.events.vocabulary import *  # noqa: F403 - the vocabulary's own __all__ is the list
from tracker.events.vocabulary import __all__ as _vocabulary

__all__ = [
    "ENTITY_KINDS",
    "EVENT_TYPES",
    "EXCERPT_CHARS",
    "Development",
    "EventRef",
    "InvalidEvent",
    "PartialDate",
    "PartyCode",
    "Precision",
    "Problem",
    "Recorded",
    "Slug",
    "Source",
    "StateCode",
    "WorldDate",
    "describe_problems",
    "event_type",
    "excerpt",
    "normalize_party",
    "normalize_state",
    "parse_event",
    "parse_event_ref",
    "parse_partial_date",
    "parse_replacement",
    "party_entity",
    "party_name",
    "party_organization",
    "state_name",
    "upcast",
    "validation_problems",
]
__all__ += _vocabulary  # noqa: PLE0605 - the vocabulary module's own list, extended once

EVENT_TYPES: dict[str, type[Development]] = {
    cls.__name__: cls
    for cls in (globals()[name] for name in _vocabulary)
    if isinstance(cls, type) and issubclass(cls, Development)
}
"""Every event class by its `type` name."""


class InvalidEvent(ValueError):
    """An event that does not validate; `problems` lists (field, value, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(describe_problems(problems))


def event_type(name: str) -> type[Development]:
    """The event class called `name`, or InvalidEvent naming the unknown type."""
    try:
        return EVENT_TYPES[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(EVENT_TYPES), n=2, cutoff=0.75) if len(name) < 100 else []
        hint = f": did you mean {' or '.join(close)}?" if close else ""
        raise InvalidEvent([("type", excerpt(name), f"unknown event type{hint}")]) from None


def parse_event(data: dict[str, Any]) -> Development:
    """Validate one event in its JSON form (`{"type": ..., ...}`) into its class."""
    if not isinstance(data, dict):
        raise InvalidEvent([("(event)", excerpt(data), "an event must be a JSON object")])
    body = dict(data)
    name = body.pop("type", None)
    if not isinstance(name, str):
        raise InvalidEvent([("type", excerpt(name), "missing or not a string")])
    cls = event_type(name)
    try:
        return cls.model_validate(body)
    except ValidationError as exc:
        raise InvalidEvent(validation_problems(exc)) from None


def parse_replacement(replacement: dict[str, Any]) -> Development:
    """A correction's replacement as its event (already upcast by EventCorrected); InvalidEvent if it is not one."""
    body = dict(replacement)
    version = body.pop(REPLACEMENT_VERSION, None)
    name = body.get("type")
    cls = EVENT_TYPES.get(name) if isinstance(name, str) else None
    if cls is not None and version is not None and version != cls.class_version:
        raise InvalidEvent([(REPLACEMENT_VERSION, version, f"is not a version of {name} this tracker can read")])
    return parse_event(body)
