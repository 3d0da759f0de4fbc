"""Errors the tracker raises at its boundary.

The hierarchy::

    TrackerError
    ├── InvalidInput                 bad input: names the field and the value; nothing stored
    │   ├── ImportFailed             a JSON Lines import stopped; names the line, field and value
    │   ├── OutputRefused            an output path (-o) that would clobber, follow a link or lacks a directory
    │   └── SourceFileRefused        a file `tracker sources add` cannot store (too large, unreadable); names it
    ├── NotFound                     an identifier that names nothing
    │   ├── UnknownEntity            a reference to an organization, body, meeting, ... not recorded
    │   ├── UnknownEvent             an event reference (stream#version) that names no event
    │   └── UnknownSourceFile        a SHA-256 that names no stored source file (tracker.sources)
    ├── RuleViolation                the world timeline makes the development impossible
    │   ├── NotAParty                a state that is not a party to the commitment or document
    │   ├── AlreadyExists            an entity recorded twice
    │   └── KeyConflict              an idempotency key reused for different content
    ├── ConcurrencyConflict          another writer kept winning the race for the same entity
    ├── StoreBusy                    another writer (an import) held the store's lock past the timeout; names the holder
    ├── ChainBroken                  the log's hash chain does not hold: an event altered, removed or moved
    ├── LoginFailed                  wrong user name or password, not saying which (tracker.web.auth)
    ├── LoginThrottled               too many failed logins for a user name or address; try again later
    ├── ConfigurationError           settings that cannot work (bad URL, bad settings)
    │   ├── StoreUnavailable         the database cannot be reached or does not exist; names it and why
    │   └── ReminderConfigError      reminders.toml unreadable or invalid (tracker.reminders.config)
    └── DeliveryError                a reminder could not be sent; retried or dead-lettered (tracker.reminders.channels)

Every problem is a (field, value, message) triple; messages echo at most a bounded excerpt of
a value (`events.base.EXCERPT_CHARS` characters and the value's total length). Validation
errors are flattened by one function, `events.base.validation_problems`. The lower layers cannot
import this module, so each has an error of its own carrying the same (field, value, message)
problems: `events.InvalidEvent` (the vocabulary) and `projections.errors.QueryRefused` (a
question the read model cannot answer as asked, when no owner gave it an error: the Tracker's
read model raises `InvalidInput` itself); they, and pydantic's `ValidationError`, become
`InvalidInput` at the boundary through `as_tracker_error`.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tracker.events import InvalidEvent
from tracker.events.base import EXCERPT_CHARS, Problem, describe_problems, excerpt, validation_problems
from tracker.projections.errors import QueryRefused

__all__ = [
    "EXCERPT_CHARS",
    "AlreadyExists",
    "ChainBroken",
    "ConcurrencyConflict",
    "ConfigurationError",
    "ImportFailed",
    "InvalidInput",
    "KeyConflict",
    "LoginFailed",
    "LoginThrottled",
    "NotAParty",
    "NotFound",
    "OutputRefused",
    "RuleViolation",
    "SourceFileRefused",
    "StoreBusy",
    "StoreUnavailable",
    "TrackerError",
    "UnknownEntity",
    "UnknownEvent",
    "UnknownSourceFile",
    "as_tracker_error",
    "excerpt",
]


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """(field, value, message) triples; a single '(event)' entry when no field applies."""
        return [("(event)", None, str(self))]


class InvalidInput(TrackerError, ValueError):
    """Input that does not validate; `problems` lists (field, value, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        self._problems = problems
        super().__init__(describe_problems(problems))

    @classmethod
    def from_validation(cls, exc: ValidationError, *, root: str = "(event)", prefix: str = "") -> InvalidInput:
        """The InvalidInput naming each field, value excerpt and message of a pydantic ValidationError."""
        return cls(validation_problems(exc, root=root, prefix=prefix))

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """(field, value, message) for each problem found."""
        return self._problems


class ImportFailed(InvalidInput):
    """A line of a JSON Lines import failed; nothing of the file was stored."""

    def __init__(self, line: int, problems: list[tuple[str, Any, str]]) -> None:
        self.line = line
        super().__init__(problems)
        self.args = (f"line {line}: {self.args[0]}",)


class OutputRefused(InvalidInput):
    """An output file that cannot be written safely; names the path and why."""

    def __init__(self, path: Any, message: str) -> None:
        self.path = str(path)
        super().__init__([("output", self.path, message)])


class SourceFileRefused(InvalidInput):
    """A local copy of a source that cannot be stored (too large, unreadable); names the file and why."""

    def __init__(self, path: Any, message: str) -> None:
        self.path = str(path)
        super().__init__([("file", self.path, message)])


class NotFound(TrackerError, LookupError):
    """Something named by an identifier does not exist."""


class UnknownEntity(NotFound):
    """A reference to an entity that has not been recorded."""

    def __init__(self, kind: str, entity_id: str, field: str | None = None) -> None:
        self.kind, self.entity_id, self.field = kind, entity_id, field or "id"
        super().__init__(f"{self.field}: unknown {kind} {excerpt(entity_id)!r} (value: {excerpt(entity_id)!r})")

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """The field naming the unknown entity."""
        return [(self.field, self.entity_id, f"unknown {self.kind}: record it first")]


class UnknownEvent(NotFound):
    """An event reference that names no recorded event."""

    def __init__(self, ref: str, field: str = "target") -> None:
        self.ref, self.field = ref, field
        super().__init__(f"{field}: no recorded event {excerpt(ref)!r} (value: {excerpt(ref)!r})")

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """The field naming the missing event."""
        return [(self.field, self.ref, "no such recorded event")]


class UnknownSourceFile(NotFound):
    """A SHA-256 that names no local copy stored with `tracker sources add`."""

    def __init__(self, sha256: str) -> None:
        self.sha256 = sha256
        super().__init__(f"sha256: no stored source file {excerpt(sha256)!r} (value: {excerpt(sha256)!r})")

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """The digest that names nothing."""
        return [("sha256", self.sha256, "no stored source file: store it with `tracker sources add FILE`")]


class RuleViolation(TrackerError):
    """A development the world timeline makes impossible."""

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.field, self.value, self.message = field, value, message
        super().__init__(describe_problems([(field, value, message)]))

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """The field and value that break the rule."""
        return [(self.field, self.value, self.message)]


class NotAParty(RuleViolation):
    """A state acting on a commitment or document it is not a party to."""


class AlreadyExists(RuleViolation):
    """An entity recorded a second time."""


class KeyConflict(RuleViolation):
    """An idempotency key already used for a different development."""


class ConcurrencyConflict(TrackerError):
    """Concurrent writers kept changing the same entity; the development was not stored."""


class StoreBusy(TrackerError):
    """Another writer held the store's write lock longer than the lock timeout; nothing was stored."""

    def __init__(self, store: str, waited: float, holders: list[str] | None = None) -> None:
        self.store, self.waited, self.holders = store, waited, holders or []
        who = f"held by {', '.join(self.holders)}" if self.holders else "held by another writer (an import or a write)"
        super().__init__(
            f"store busy: waited {waited:g} s for the write lock on {store}, {who}; nothing was stored, "
            "try again when it finishes (or raise TRACKER_LOCK_TIMEOUT)"
        )


class ChainBroken(TrackerError):
    """The log's hash chain does not hold at a position: the store was altered behind the tracker's back."""

    def __init__(self, store: str, position: int | None, ref: str | None) -> None:
        self.store, self.position, self.ref = store, position, ref
        super().__init__(
            f"chain broken at log position {position} ({ref}) of {store}: that event, or its place in the log, "
            "was altered, or an event before it was removed or inserted"
        )


class LoginFailed(TrackerError):
    """Wrong user name or password (which of the two is not said)."""


class LoginThrottled(TrackerError):
    """Too many failed logins for this user name or address; try again later."""


class ConfigurationError(TrackerError):
    """Settings that cannot work."""


class StoreUnavailable(ConfigurationError):
    """The database cannot be opened: names it (password hidden) and the cause."""

    def __init__(self, database: str, cause: str) -> None:
        self.database, self.cause = database, cause
        super().__init__(f"database_url: cannot open {database}: {cause}")

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """The database and why it cannot be opened."""
        return [("database_url", self.database, self.cause)]


def as_tracker_error(exc: Exception) -> TrackerError | None:
    """Our error for a foreign one a user can cause (InvalidEvent, QueryRefused, ValidationError), else None."""
    if isinstance(exc, TrackerError):
        return exc
    if isinstance(exc, ValidationError):
        return InvalidInput.from_validation(exc, root="(input)")
    if isinstance(exc, InvalidEvent | QueryRefused):
        return InvalidInput(exc.problems)
    return None
