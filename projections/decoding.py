"""View documents our own projector wrote, read back into the result types without pydantic validation.

A view row's document is `TypeAdapter(T).dump_json` of a result that the reductions built (or,
for developments, `views.rows.development_doc`, which writes the same JSON): every value is
already what its field holds, in JSON form. Reading it back needs only the conversions from
JSON to the fields' types (partial dates, datetimes, tuples, nested results and sources),
which `decoder` plans once per type from its annotations. Validating a document per row cost
more than reading it (issue 11). A document this plan does not cover (a missing or unknown
key) is validated as before, so it gives the same answer or the same error;
tests/integration/test_view_decoding.py checks the result equals validation for every row type.
"""

from __future__ import annotations

import dataclasses
import gc
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, TypeAdapter

from tracker.events import PartialDate, parse_partial_date

__all__ = [
    "Convert", "Unsupported", "collector_paused", "dataclass_instance", "decoder", "dict_of", "identity", "optional",
    "partial_date", "pydantic_instance", "tuple_of",
]

_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)
Convert = Callable[[Any], Any]
_set = object.__setattr__
_new = object.__new__


class Unsupported(Exception):
    """A field type the plan does not cover: the type is validated instead."""


def identity(value: Any) -> Any:
    """The value as JSON gave it (a string, number, bool or a dict nothing else holds)."""
    return value


_DATES: dict[str, PartialDate] = {}


def partial_date(value: Any) -> PartialDate:
    """A partial date from its JSON form (its EDTF text, or the dataclass's fields), made once per distinct text."""
    text = value if isinstance(value, str) else value["text"]
    # A dict lookup, not the parser's own cache behind its type checks: a report decodes about
    # five dates a commitment, and the parser's entry cost 1.5 us a call (measured here).
    found = _DATES.get(text)
    if found is None:
        if len(_DATES) > 100_000:
            _DATES.clear()
        found = _DATES[text] = parse_partial_date(text)
    return found


@cache
def _pydantic_utc() -> Any:
    """The UTC tzinfo pydantic gives a 'Z' timestamp, so decoded datetimes are the validator's to the type."""
    return TypeAdapter(datetime).validate_python("2000-01-01T00:00:00Z").tzinfo


_TIMES: dict[str, datetime] = {}


def _datetime(text: str) -> datetime:
    """A record time, parsed once per distinct text: an import stamps all its events with one."""
    found = _TIMES.get(text)
    if found is None:
        if len(_TIMES) > 100_000:
            _TIMES.clear()
        if text.endswith("Z"):
            found = datetime.fromisoformat(text[:-1]).replace(tzinfo=_pydantic_utc())
        else:  # another offset: pydantic's own tzinfo for it
            found = TypeAdapter(datetime).validate_python(text)
        _TIMES[text] = found
    return found


def optional(convert: Convert) -> Convert:
    """A conversion that lets None through."""
    return lambda value: None if value is None else convert(value)


def tuple_of(convert: Convert) -> Convert:
    """A JSON list converted item by item into a tuple."""
    return tuple if convert is identity else lambda value: tuple([convert(item) for item in value])


def dict_of(convert: Convert) -> Convert:
    """A JSON object's values converted (orjson gives a fresh dict per document: nothing else holds it)."""
    return identity if convert is identity else lambda value: {k: convert(v) for k, v in value.items()}


def _converter(annotation: Any) -> Convert:
    """How a JSON value of `annotation` becomes the field's value (raises Unsupported)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *metadata = typing.get_args(annotation)
        if inner is PartialDate or any(getattr(m, "func", None) is parse_partial_date for m in metadata):
            return partial_date
        return _converter(inner)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise Unsupported(annotation)
        convert = _converter(args[0])
        return convert if convert is identity else optional(convert)
    if origin in (tuple, dict):
        return _container(origin, typing.get_args(annotation))
    if origin is typing.Literal or annotation in (str, int, bool, typing.Any):
        return identity
    return _leaf(annotation)


_LEAVES: dict[Any, Convert] = {PartialDate: partial_date, datetime: _datetime, date: date.fromisoformat}


def _leaf(annotation: Any) -> Convert:
    """A value type that is not a container: a date, a nested result, a nested pydantic value."""
    if annotation in _LEAVES:
        return _LEAVES[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model(annotation)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return _dataclass(annotation)
    raise Unsupported(annotation)


def _container(origin: Any, args: tuple[Any, ...]) -> Convert:
    if origin is dict:
        return dict_of(_converter(args[1]))
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple_of(_converter(args[0]))
    converts = [_converter(arg) for arg in args]
    if all(c is identity for c in converts):
        return tuple
    return lambda value: tuple([c(item) for c, item in zip(converts, value, strict=True)])


def _dataclass(cls: type[Any]) -> Convert:
    """A frozen result from its document: fields converted in place, the instance's dict set once."""
    if any(f.init is False for f in dataclasses.fields(cls)) or hasattr(cls, "__post_init__") or hasattr(
            cls, "__slots__"):
        raise Unsupported(cls)
    hints = typing.get_type_hints(cls)
    names = frozenset(f.name for f in dataclasses.fields(cls))
    converters = [(f.name, c) for f in dataclasses.fields(cls) if (c := _converter(hints[f.name])) is not identity]
    validate = _validator(cls)

    def build(body: dict[str, Any]) -> Any:
        if body.keys() != names:
            return validate(body)  # a document of another layout: the validator decides (or names the problem)
        for name, convert in converters:
            body[name] = convert(body[name])
        return dataclass_instance(cls, body)

    return build


def _validator(cls: type[Any]) -> Convert:
    """Pydantic's validation of `cls`, built when a document first needs it (our own never do)."""

    def validate(body: Any) -> Any:
        return TypeAdapter(cls).validate_python(body)

    return validate


def _model(cls: type[BaseModel]) -> Convert:
    """A nested pydantic value (a source) from its dump, as tracker.decoding rebuilds one from an event's body."""
    decorators = cls.__pydantic_decorators__
    if (cls.__private_attributes__ or cls.model_config.get("extra") != "forbid"
            or any(d.info.mode != "after" for d in decorators.model_validators.values())
            or any(d.info.mode != "after" for d in decorators.field_validators.values())):
        raise Unsupported(cls)
    fields = cls.model_fields
    converters = [(name, c) for name, info in fields.items()
                  if (c := _field_converter(info.annotation, info.metadata)) is not identity]
    required = frozenset(name for name, info in fields.items() if info.is_required())
    known = frozenset(fields)
    if any(info.default_factory is not None for info in fields.values()):
        raise Unsupported(cls)
    template = {name: None if info.is_required() else info.default for name, info in fields.items()}
    validate = cls.model_validate

    def build(body: dict[str, Any]) -> Any:
        keys = body.keys()
        if keys == known:  # a whole dump (the usual case): already in the fields' order
            values = body
        elif required <= keys <= known:
            values = template.copy()
            values.update(body)
        else:
            return validate(body)
        for name, convert in converters:
            value = values[name]
            if value is not None:
                values[name] = convert(value)
        return pydantic_instance(cls, values, keys)

    return build


def dataclass_instance(cls: type[_T], values: dict[str, Any]) -> _T:
    """An instance of a frozen result dataclass from all its fields' values, without its generated __init__.

    That __init__ sets each field through object.__setattr__ (2.5 us for a commitment row's 16
    fields, 0.5 us this way). Equal to what __init__ makes only for a class with no __post_init__,
    no field outside __init__ and no __slots__: the one place the reductions, reports and
    reminders rely on that layout (tests compare with __init__'s instances). `values` is kept.
    """
    instance = _new(cls)
    _set(instance, "__dict__", values)
    return instance


def pydantic_instance(cls: type[_M], values: dict[str, Any], fields_set: Iterable[str]) -> _M:
    """An instance of a pydantic model from values already of its fields' types, without validation.

    What pydantic's own `model_construct` sets, without its per-field default handling: the one
    place the decoders rely on pydantic's instance layout (pinned; tests compare with validation).
    """
    instance = _new(cls)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", set(fields_set))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


def _field_converter(annotation: Any, metadata: list[Any]) -> Convert:
    """A pydantic field's converter: its metadata (kept apart from the annotation) may make it a partial date."""
    if any(getattr(m, "func", None) is parse_partial_date for m in metadata):
        convert = partial_date
        return optional(convert) if _is_optional(annotation) else convert
    return _converter(annotation)


def _is_optional(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in typing.get_args(
        annotation)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a listing is decoded (restored as it was).

    Decoded results hold no cycles, but each allocates containers the collector tracks: with a
    long list of them alive, its passes cost twice the decoding itself (100k developments).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_DECODERS: dict[Any, Callable[[str | bytes], Any]] = {}


def decoder(cls: type[_T]) -> Callable[[str | bytes], _T]:
    """A function turning a view document of `cls` (JSON text) into the instance validation would give."""
    found = _DECODERS.get(cls)
    if found is None:
        found = _DECODERS[cls] = _plan(cls)
    return found


def _plan(cls: type[_T]) -> Callable[[str | bytes], _T]:
    try:
        build = _dataclass(cls)
    except Unsupported:
        return TypeAdapter(cls).validate_json
    loads = orjson.loads

    def decode(doc: str | bytes) -> _T:
        body = loads(doc)
        if not isinstance(body, dict):
            return TypeAdapter(cls).validate_json(doc)  # not a document at all: the validator names it
        return typing.cast(_T, build(body))

    return decode
