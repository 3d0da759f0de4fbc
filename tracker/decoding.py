"""Events our own store wrote, rebuilt without pydantic validation.

A stored event's body is `model_dump(mode="json", exclude_defaults=True)` of an event that was
validated when it was recorded: every value already passed its validators, and the ones that
normalise (state codes, DOIs, stripped text) are idempotent. Reading it back therefore needs
only the conversions from JSON to the fields' types (partial dates, dates, tuples, nested
models) and the defaults, which is what `constructor` builds once per class. Validating each
row again cost more than reading it (issue 11). A class whose validators reshape their input
(`mode="before"` on the model, or on a field other than the known idempotent ones) is
validated as before, and so is any body this plan does not cover (an unknown key, a missing
required field): the slow path gives the same answer, or the same error.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from typing import Any

from pydantic import BaseModel

from tracker.events import PartialDate, parse_partial_date
from tracker.projections.decoding import (
    Convert,
    Unsupported,
    dict_of,
    identity,
    optional,
    partial_date,
    pydantic_instance,
    tuple_of,
)

__all__ = ["constructor"]

_M = typing.TypeVar("_M", bound=BaseModel)


def _converter(annotation: Any, metadata: Sequence[Any]) -> Convert:
    """How a JSON value of `annotation` becomes the field's value (raises Unsupported)."""
    if any(getattr(m, "func", None) is parse_partial_date for m in metadata) or annotation is PartialDate:
        return partial_date
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        return _converter(inner, more)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise Unsupported(annotation)
        convert = _converter(args[0], ())
        return convert if convert is identity else optional(convert)
    return _container(annotation, origin) if origin in (tuple, dict) else _plain(annotation, origin)


def _container(annotation: Any, origin: Any) -> Convert:
    args = typing.get_args(annotation)
    if origin is dict:
        return dict_of(_converter(args[1], ()))
    if len(args) != 2 or args[1] is not Ellipsis:
        raise Unsupported(annotation)
    return tuple_of(_converter(args[0], ()))


def _plain(annotation: Any, origin: Any) -> Convert:
    if origin is typing.Literal or annotation in (str, int, bool, typing.Any):
        return identity
    if annotation is date:
        return date.fromisoformat
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        shareable = annotation.model_config.get("frozen") and all(
            _is_text(info.annotation) for info in annotation.model_fields.values())
        return _shared(constructor(annotation)) if shareable else constructor(annotation)
    raise Unsupported(annotation)


def _is_text(annotation: Any) -> bool:
    """True when the field's JSON value is text or null (so equal keys mean equal bodies: 1 == True is not text)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_text(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return all(a is type(None) or _is_text(a) for a in typing.get_args(annotation))
    if origin is typing.Literal:
        return all(isinstance(a, str) for a in typing.get_args(annotation))
    return annotation in (str, date, PartialDate)


def _shared(build: Convert) -> Convert:
    """A nested frozen value (a source, an attendee) built once per distinct flat body and shared.

    Sources repeat across a log (one publication cited by many events); an immutable instance
    can be shared by all of them. Bodies with nested values (unhashable) are built each time.
    """
    made: dict[tuple[tuple[str, Any], ...], Any] = {}

    def build_shared(body: Any) -> Any:
        try:
            key = tuple(body.items())
            found = made.get(key)
        except (TypeError, AttributeError):  # a nested list or dict, or not an object at all
            return build(body)
        if found is None:
            if len(made) > 50_000:
                made.clear()
            found = made[key] = build(body)
        return found

    return build_shared


def _reshapes_input(cls: type[BaseModel]) -> bool:
    """True when a validator of the class itself rewrites what it is given (not idempotent by design)."""
    decorators = cls.__pydantic_decorators__
    return any(d.info.mode in ("before", "wrap", "plain") for d in decorators.model_validators.values()) or any(
        d.info.mode in ("before", "wrap", "plain") for d in decorators.field_validators.values()
    )


@cache
def constructor(cls: type[_M]) -> Callable[[dict[str, Any]], _M]:
    """A function turning a stored JSON body of `cls` into an instance, validating only what it cannot rebuild."""
    validate: Callable[[dict[str, Any]], _M] = cls.model_validate
    if _reshapes_input(cls) or cls.__private_attributes__ or cls.model_config.get("extra") != "forbid":
        return validate
    try:
        converters = [
            (name, convert) for name, info in cls.model_fields.items()
            if (convert := _converter(info.annotation, info.metadata)) is not identity
        ]
    except Unsupported:
        return validate
    fields = cls.model_fields
    required = frozenset(name for name, info in fields.items() if info.is_required())
    known = frozenset(fields)
    # Every field in the class's order with its default: updating it from the body keeps that
    # order, as validation does. Factories (a fresh dict per instance) run per row.
    template = {name: None if info.is_required() or info.default_factory else info.default
                for name, info in fields.items()}
    fresh = [(name, info.default_factory) for name, info in fields.items() if info.default_factory is not None]

    def build(body: dict[str, Any]) -> _M:
        keys = body.keys()
        if not (required <= keys <= known):
            return validate(body)  # a key no field has, or a required one missing: the validator reports it
        values = template.copy()
        values.update(body)
        for name, convert in converters:
            if name in body:
                values[name] = convert(body[name])
        for name, default in fresh:
            if name not in body:
                values[name] = default()  # type: ignore[call-arg]  # no factory here takes the data
        return pydantic_instance(cls, values, keys)

    return build
