"""The tamper-evident chain: each stored event's hash covers the one before it in log order.

A link is SHA-256 over the previous link, the stream, the version, the topic and the stored
state (content, its digest and the record time) serialised with sorted keys. The link is
kept in the state under "h"; verification drops it, serialises the rest the same way and
recomputes, so it needs no decoding of events (a streaming pass, flat memory). An event
altered, removed, inserted or moved breaks the first link after the change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

__all__ = ["GENESIS", "ChainReport", "link", "seal", "verify_rows"]

GENESIS = ""  # the link before the first chained event


def link(previous: str, stream: str, version: int, topic: str, unsealed: bytes) -> str:
    """The link of one event: its place (stream, version, after `previous`) and its stored bytes."""
    # One buffer hashed in one call: the same bytes as hashing the parts in turn, one
    # sha256 object and one update instead of three per event.
    return hashlib.sha256(f"{previous}\0{stream}\0{version}\0{topic}\0".encode() + unsealed).hexdigest()


def seal(previous: str, stream: str, version: int, topic: str, unsealed: bytes) -> tuple[bytes, str]:
    """The state (serialised with sorted keys) as stored, carrying its link, and the link."""
    h = link(previous, stream, version, topic, unsealed)
    # Append the link as the last key: verification reads it back and re-serialises the rest.
    return unsealed[:-1] + b',"h":"' + h.encode() + b'"}', h


@dataclass
class ChainReport:
    """What a verification found: events checked, the head, and the first break if any."""

    events: int = 0
    unchained: int = 0  # events stored before the chain existed (a prefix of the log)
    head: str = GENESIS
    broken_at: int | None = None  # log position of the first event whose link does not hold
    broken_ref: str | None = None

    @property
    def ok(self) -> bool:
        """True when every chained link holds."""
        return self.broken_at is None


def verify_rows(rows: Iterable[tuple[int, str, int, str, bytes]]) -> ChainReport:
    """Check (position, stream, version, topic, state) rows given in log order; stops at the first break."""
    report = ChainReport()
    chained = False
    for position, stream, version, topic, blob in rows:
        report.events += 1
        try:
            state = orjson.loads(blob)
            stored = state.pop("h", None) if isinstance(state, dict) else None
        except orjson.JSONDecodeError:
            stored = None
        if stored is None and not chained:
            report.unchained += 1
            continue
        chained = True
        expected = None if stored is None else link(
            report.head, stream, version, topic, orjson.dumps(state, option=orjson.OPT_SORT_KEYS))
        if stored is None or stored != expected:
            report.broken_at, report.broken_ref = position, f"{stream}#{version}"
            return report
        report.head = stored
    return report
