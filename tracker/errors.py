"""Errors the tracker raises at its boundary.

The hierarchy::

    TrackerError
    ├── InvalidInput                 bad input: names the field and the value; nothing stored
    │   └── ImportFailed             a JSON Lines import stopped; names the line, field and value
    ├── NotFound                     an identifier that names nothing
    │   ├── UnknownEntity            a reference to an organization, body, meeting, ... not recorded
    │   └── UnknownEvent             an event reference (stream#version) that names no event
    ├── RuleViolation                the world timeline makes the development impossible
    │   ├── NotAParty                a state that is not a party to the commitment or document
    │   ├── AlreadyExists            an entity recorded twice
    │   └── KeyConflict              an idempotency key reused for different content
    ├── ConcurrencyConflict          another writer kept winning the race for the same entity
    ├── StoreBusy                    another writer (an import) held the store's lock past the timeout
    ├── ChainBroken                  the log's hash chain does not hold: an event altered, removed or moved
    └── ConfigurationError           settings that cannot work (bad URL, unreachable database)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlreadyExists",
    "ChainBroken",
    "ConcurrencyConflict",
    "ConfigurationError",
    "ImportFailed",
    "InvalidInput",
    "KeyConflict",
    "NotAParty",
    "NotFound",
    "RuleViolation",
    "StoreBusy",
    "TrackerError",
    "UnknownEntity",
    "UnknownEvent",
]


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """(field, value, message) triples; a single '(event)' entry when no field applies."""
        return [("(event)", None, str(self))]


class InvalidInput(TrackerError, ValueError):
    """Input that does not validate; `problems` lists (field, value, message)."""

    def __init__(self, problems: list[tuple[str, Any, str]]) -> None:
        self._problems = problems
        super().__init__("; ".join(f"{field}: {message} (value: {value!r})" for field, value, message in problems))


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


class NotFound(TrackerError, LookupError):
    """Something named by an identifier does not exist."""


class UnknownEntity(NotFound):
    """A reference to an entity that has not been recorded."""

    def __init__(self, kind: str, entity_id: str, field: str | None = None) -> None:
        self.kind, self.entity_id, self.field = kind, entity_id, field or "id"
        super().__init__(f"{self.field}: unknown {kind} {entity_id!r} (value: {entity_id!r})")

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """The field naming the unknown entity."""
        return [(self.field, self.entity_id, f"unknown {self.kind}: record it first")]


class UnknownEvent(NotFound):
    """An event reference that names no recorded event."""

    def __init__(self, ref: str, field: str = "target") -> None:
        self.ref, self.field = ref, field
        super().__init__(f"{field}: no recorded event {ref!r} (value: {ref!r})")

    @property
    def problems(self) -> list[tuple[str, Any, str]]:
        """The field naming the missing event."""
        return [(self.field, self.ref, "no such recorded event")]


class RuleViolation(TrackerError):
    """A development the world timeline makes impossible."""

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.field, self.value, self.message = field, value, message
        super().__init__(f"{field}: {message} (value: {value!r})")

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


class ConfigurationError(TrackerError):
    """Settings that cannot work."""
