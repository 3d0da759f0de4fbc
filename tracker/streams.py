"""What a writer keeps of one stream: its next version, the keys and digests seen, and the events the rules read.

`record()` and `import_events()` both judge repeats with `StreamIndex.repeat_of`: one
idempotency rule. The index is compact on purpose. Decoding an event (pydantic validation)
costs far more than reading it, and an import over many interleaved streams used to evict
whole decoded histories and decode them again every round. A stream without retractions or
corrections keeps decoded only the events `check` reads (`consulted_by_rules`); every other
event costs a digest. A stream with amendments is kept whole, since any event may be named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from tracker.domain import consulted_by_rules, effective_history
from tracker.errors import KeyConflict
from tracker.events import EVENT_TYPES, Development, Recorded
from tracker.store import StoredRow, decode_row

__all__ = ["AMENDMENT_TOPICS", "DECODED_COST", "StreamIndex"]

AMENDMENT_TOPICS = frozenset({"EventRetracted", "EventCorrected"})
# A decoded event weighs about as much as this many digests (measured: ~3 KiB against ~200-300 B).
DECODED_COST = 15


@dataclass(frozen=True, slots=True)
class Seen:
    """An event already in the stream, as a repeat of it is answered."""

    stream: str  # shared with the index: no copy per event
    version: int
    digest: str
    position: int | None

    @property
    def ref(self) -> str:
        """The event's reference, `kind:id#version`."""
        return f"{self.stream}#{self.version}"


class StreamIndex:
    """One stream as a writer needs it: next version, keys and digests seen, and what the rules read."""

    __slots__ = ("_by_digest", "_by_key", "_effective", "full", "next_version", "records", "stream")

    def __init__(self, stream: str, *, full: bool = False) -> None:
        self.stream = stream
        self.full = full
        self.next_version = 1
        self.records: list[Recorded] = []  # every event when `full`, else those the rules read
        self._by_key: dict[str, Seen] = {}
        self._by_digest: dict[str, Seen] = {}
        self._effective: list[Recorded] | None = None

    @property
    def cost(self) -> int:
        """What the index holds, in digest-sized units (for a memory bound)."""
        return DECODED_COST * len(self.records) + len(self._by_digest)

    def needs_rows(self, rows: Iterable[StoredRow], event: Development | None = None) -> bool:
        """True when these new rows (or the event about to be judged) need the whole history decoded."""
        if self.full:
            return False
        return (event is not None and event.type_name() in AMENDMENT_TOPICS) or any(
            row.topic in AMENDMENT_TOPICS for row in rows
        )

    def absorb(self, rows: Iterable[StoredRow]) -> None:
        """Take stored rows that follow what the index holds, decoding only what the rules read."""
        for row in rows:
            if row.version != self.next_version:
                raise AssertionError(f"{self.stream}: expected version {self.next_version}, read {row.version}")
            if self.full or consulted_by_rules(EVENT_TYPES[row.topic]):
                record, digest = decode_row(row)
                self.add(record, digest, row.position)
                continue
            state = orjson.loads(row.state)
            self._note(row.version, state["event"].get("key"), str(state["digest"]), row.position)
            self.next_version += 1

    def add(self, record: Recorded, digest: str, position: int | None = None) -> None:
        """Append an event just stored (or read back), keeping the indexes current."""
        if record.version != self.next_version:
            raise AssertionError(f"{self.stream}: expected version {self.next_version}, got {record.version}")
        event = record.event
        if event.type_name() in AMENDMENT_TOPICS and not self.full:
            raise AssertionError(f"{self.stream}: an amendment needs the whole history first")
        self._note(record.version, event.key, digest, position)
        self.next_version += 1
        if self.full or consulted_by_rules(type(event)):
            self.records.append(record)
            if event.type_name() in AMENDMENT_TOPICS:
                self._effective = None  # an amendment can change any earlier answer: recompute
            elif self._effective is not None:
                self._effective.append(record)

    def _note(self, version: int, key: str | None, digest: str, position: int | None) -> None:
        seen = Seen(self.stream, version, digest, position)
        if key is not None:
            self._by_key.setdefault(key, seen)
        self._by_digest.setdefault(digest, seen)

    @property
    def effective(self) -> list[Recorded]:
        """The events the rules read, as known now (retractions and corrections applied)."""
        if not self.full:
            return self.records  # no amendments: nothing to resolve
        if self._effective is None:
            self._effective = effective_history(self.records)
        return self._effective

    def repeat_of(self, event: Development, digest: str) -> Seen | None:
        """The stored event `event` repeats: the same key, or without a key the same content."""
        if event.key is not None:
            found = self._by_key.get(event.key)
            if found is None:
                return None
            if found.digest != digest:
                raise KeyConflict("key", event.key, f"was already used for different content ({found.ref})")
            return found
        return self._by_digest.get(digest)
