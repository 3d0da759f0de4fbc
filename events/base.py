"""The envelope every development shares: world date, sources, who recorded it, idempotency key."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from tracker.events.dates import WorldDate

__all__ = [
    "ENTITY_KINDS",
    "EXCERPT_CHARS",
    "Development",
    "EventRef",
    "Problem",
    "Recorded",
    "Slug",
    "Source",
    "describe_problems",
    "excerpt",
    "parse_event_ref",
    "validation_problems",
]

Problem = tuple[str, Any, str]
"""(field, value, message): what every error a user can meet lists."""

EXCERPT_CHARS = 200
"""How much of a value an error echoes; a 10 MB field must not come back as a 10 MB message."""

_MESSAGE_CHARS = 500
# Room for the "… (N characters in all)" an excerpt already carries, so it is not cut twice.
_ECHO_CHARS = EXCERPT_CHARS + 40


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> Any:
    """The value itself when short; else its first `limit` characters and its total length, as text."""
    if isinstance(value, str | bytes | bytearray):
        if len(value) <= limit:
            return value
        head = value[:limit]
        shown = head if isinstance(head, str) else repr(bytes(head))
        return f"{shown}… ({len(value)} {'characters' if isinstance(value, str) else 'bytes'} in all)"
    if isinstance(value, dict | list | tuple | set | frozenset):
        text = repr(value)
        return value if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters in all)"
    return value


def describe_problems(problems: list[Problem]) -> str:
    """One line for a list of problems: `field: message (value: ...)`, each value a bounded excerpt."""
    return "; ".join(
        f"{field}: {excerpt(message, _MESSAGE_CHARS)} (value: {excerpt(value, _ECHO_CHARS)!r})"
        for field, value, message in problems
    )


def validation_problems(exc: ValidationError, *, root: str = "(event)", prefix: str = "") -> list[Problem]:
    """The one flattening of a pydantic ValidationError into (field, bounded value, message)."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(part) for part in err["loc"]) or root
        # Our own validators raise ValueError; pydantic prefixes their text with its class.
        message = err["msg"].removeprefix("Value error, ")
        problems.append((f"{prefix}{field}", excerpt(err.get("input")), excerpt(message, _MESSAGE_CHARS)))
    return problems

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*(?:/[a-z0-9]+(?:[-_.][a-z0-9]+)*)*$")
_EVENT_REF = re.compile(r"^(?P<stream>[a-z]+:.+)#(?P<version>[1-9][0-9]*)$")


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a readable identifier: use lower-case letters, digits and "
            "hyphens, with '/' between parts (e.g. sco-prosecutors-general/22)"
        )
    return value


Slug = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_check_slug)]
"""A user-chosen readable identifier such as `sco-prosecutors-general/22`."""


def parse_event_ref(value: str) -> tuple[str, int]:
    """Split an event reference 'commitment:some-id#3' into its stream and version."""
    match = _EVENT_REF.match(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not an event reference: expected KIND:ID#VERSION, "
            "e.g. commitment:sco-joint-action-extremism-2018#2"
        )
    return match.group("stream"), int(match.group("version"))


def _check_event_ref(value: str) -> str:
    parse_event_ref(value)
    return value


EventRef = Annotated[str, AfterValidator(_check_event_ref)]
"""A reference to one recorded event: its stream and version, e.g. `meeting:x/1#2`."""


_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


def _normalize_doi(value: Any) -> Any:
    """Accept a DOI as `10.x/y`, `doi:10.x/y` or a doi.org link; store the bare `10.x/y`."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    for prefix in _DOI_PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
            break
    if not _DOI.match(text):
        raise ValueError(f"{excerpt(value)!r} is not a DOI: expected 10.NNNN/suffix, e.g. 10.1093/ejil/chy012")
    return text


_HTTP_URL = r"^https?://\S+$"


class Source(BaseModel):
    """A citation: where a development was reported.

    Any of: a web page (`url`, and `archive_url` for a saved copy such as web.archive.org, with
    `retrieved_on` and the `content_sha256` of the page as retrieved, so a later check can tell
    it changed), a DOI, a local file identified by its content (`file_sha256`, with `file_name`; see
    `Source.for_file`), or a printed publication (`publisher`, `title`, `published_on`, with
    `issue` and `pages`). Only `publisher` is required, so sources stored before the other
    kinds existed read as they did.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    publisher: str = Field(min_length=1, max_length=300, description="who published it (agency, journal, body)")
    url: str | None = Field(default=None, pattern=_HTTP_URL, max_length=2000, description="web page, http(s)")
    archive_url: str | None = Field(
        default=None, pattern=_HTTP_URL, max_length=2000, description="an archived copy, e.g. https://web.archive.org/..."
    )
    doi: Annotated[str | None, BeforeValidator(_normalize_doi)] = Field(
        default=None, max_length=300, description="a DOI, 10.NNNN/suffix (doi: and https://doi.org/ accepted)"
    )
    file_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of a local copy (hex), so the copy can be found"
    )
    file_name: str | None = Field(default=None, max_length=500, description="name of the local copy, for people")
    retrieved_on: date | None = Field(
        default=None, description="the day the web page (url or archive_url) was retrieved, YYYY-MM-DD"
    )
    content_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 (hex) of the page at url as retrieved; `tracker sources check` reports a change",
    )
    title: str | None = Field(default=None, max_length=1000)
    published_on: WorldDate | None = None
    issue: str | None = Field(default=None, max_length=200, description="volume or issue of a printed publication")
    pages: str | None = Field(default=None, max_length=100, description="pages cited, e.g. 12-14")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    quote: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _file_name_needs_hash(self) -> Source:
        if self.file_name is not None and self.file_sha256 is None:
            raise ValueError("file_name: a local file is cited by its content: give file_sha256 too")
        if self.content_sha256 is not None and self.url is None:
            raise ValueError("content_sha256: the hash is of the page at url: give url too")
        if self.retrieved_on is not None and self.url is None and self.archive_url is None:
            raise ValueError("retrieved_on: the day a web page was retrieved: give url or archive_url too")
        return self

    @classmethod
    def for_file(cls, path: str | Path, publisher: str, **fields: Any) -> Source:
        """A source citing a local file by the SHA-256 of its content (read in chunks)."""
        digest = hashlib.sha256()
        with Path(path).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        fields.setdefault("file_name", Path(path).name)
        return cls(publisher=publisher, file_sha256=digest.hexdigest(), **fields)


ENTITY_KINDS: tuple[str, ...] = ("organization", "body", "meeting", "proposal", "commitment", "document")
"""The kinds of entity an event's stream can be (`kind:id`), in the order answers list them."""


class Development(BaseModel):
    """Base of every event: something that happened in the world, as recorded by a person."""

    # defer_build: each class's validator is built when first used, not at import, so a
    # command that reads a few event types does not pay for the whole vocabulary at start-up.
    # Safe with threads (web workers, the projector) since pydantic 2.14 locks that first build.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, defer_build=True)

    # Bumped when a class's schema changes; older stored versions are upcast on read
    # through `upcast_vN_vN+1(state: dict) -> None` static methods on the class.
    class_version: ClassVar[int] = 1
    # The kind of entity whose stream the event belongs to, and the field naming it.
    stream_kind: ClassVar[str] = ""
    stream_field: ClassVar[str] = ""
    # True for the event that brings an entity into existence.
    creates_stream: ClassVar[bool] = False

    occurred_on: WorldDate
    sources: tuple[Source, ...] = ()
    unsourced: bool = Field(
        default=False,
        description="Set explicitly to record a development with no citation.",
    )
    recorded_by: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=5000)
    key: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _sources_or_explicit_waiver(self) -> Development:
        if not self.sources and not self.unsourced:
            raise ValueError(
                "sources: at least one source is required; "
                "set unsourced=true to record a development without one"
            )
        if self.sources and self.unsourced:
            raise ValueError("unsourced: cannot be true when sources are given")
        return self

    @classmethod
    def type_name(cls) -> str:
        """The name written in the `type` field of the JSON Lines format."""
        return cls.__name__

    @property
    def stream(self) -> str:
        """The stream (entity) this event belongs to, e.g. 'commitment:some-id'."""
        return f"{self.stream_kind}:{getattr(self, self.stream_field)}"

    def to_json_dict(self) -> dict[str, Any]:
        """The interchange form: `{"type": ..., fields...}`, defaults left out."""
        body = self.model_dump(mode="json", exclude_defaults=True)
        return {"type": self.type_name(), **body}


class Recorded(BaseModel):
    """A development as the store holds it: its stream, version, record time and position."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, defer_build=True)

    stream: str
    version: int = Field(ge=1)
    recorded_at: datetime
    event: Development
    position: int | None = Field(default=None, description="notification id in the global log")

    @property
    def ref(self) -> str:
        """This event's reference, e.g. 'commitment:some-id#2'."""
        return f"{self.stream}#{self.version}"
