"""Writes from the web, through the Tracker only: developments (one or a JSON Lines batch) and review decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from tracker.app import Tracker
from tracker.errors import InvalidInput, NotFound
from tracker.events import ReviewDecided
from tracker.projections.review_queue import ReviewEntry
from tracker.web.auth import Account

__all__ = ["Recorded", "find_review_entry", "record_decision", "record_developments"]

MAX_BATCH_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Recorded:
    """What a write did: the reference of a single development (batches have none), and counts."""

    ref: str | None
    stored: int
    already_present: int


def _attributed(data: Any, account: Account) -> Any:
    # recorded_by comes from the authenticated account, never from the client: a value sent
    # by the client is replaced, so every write is attributable to whoever made it.
    if isinstance(data, dict):
        return {**data, "recorded_by": account.username}
    return data


def record_developments(tracker: Tracker, account: Account, payload: bytes) -> Recorded:
    """Record one development (a JSON object) or a JSON Lines batch (all or nothing, idempotent by key or content)."""
    if len(payload) > MAX_BATCH_BYTES:
        raise InvalidInput([("(body)", f"{len(payload)} bytes", f"is larger than {MAX_BATCH_BYTES} bytes")])
    lines = [line for line in payload.splitlines() if line.strip()]
    if not lines:
        raise InvalidInput([("(body)", "", "is empty: send one development as JSON, or JSON Lines")])
    try:
        whole = orjson.loads(payload)
    except orjson.JSONDecodeError:
        whole = None  # not one JSON document: JSON Lines (the import names any bad line)
    if isinstance(whole, dict):
        result = tracker.record(_attributed(whole, account))
        return Recorded(result.ref, 1 if result.stored else 0, 0 if result.stored else 1)
    return _batch(tracker, account, lines)


def _batch(tracker: Tracker, account: Account, lines: list[bytes]) -> Recorded:
    prepared: list[bytes] = []
    for line in lines:
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            prepared.append(line)  # the import names the line and why it is not JSON
            continue
        prepared.append(orjson.dumps(_attributed(data, account)))
    report = tracker.import_events(prepared, all_or_nothing=True)
    return Recorded(None, report.stored, report.already_present)


def find_review_entry(
    tracker: Tracker, item_id: str, *, as_of: Any = None, known_at: datetime | None = None
) -> ReviewEntry:
    """The review item with this id (and its decisions), or NotFound."""
    for entry in tracker.read_model().review_queue(as_of=as_of, known_at=known_at):
        if entry.item_id == item_id:
            return entry
    raise NotFound(f"item_id: no review item {item_id!r} (value: {item_id!r})")


def record_decision(
    tracker: Tracker, account: Account, item_id: str, *, decision: str, reason: str, preferred_ref: str | None = None
) -> str:
    """Record a reviewer's decision on a current review item as an immutable event; returns its reference."""
    entry = find_review_entry(tracker, item_id)
    if decision == "preferred_source" and preferred_ref not in entry.item.refs:
        raise InvalidInput([("preferred_ref", preferred_ref, f"must be one of the item's events: "
                                                             f"{', '.join(entry.item.refs) or '(none)'}")])
    if decision == "reopened" and entry.state != "decided":
        raise InvalidInput([("decision", decision, f"only a decided item can be reopened (this one is {entry.state})")])
    fields: dict[str, Any] = {
        "type": ReviewDecided.type_name(),
        "item_id": item_id,
        "entity": entry.item.entity,
        "decision": decision,
        "reason": reason,
        "occurred_on": datetime.now(UTC).date().isoformat(),
        "unsourced": True,
        "recorded_by": account.username,
        "note": f"{entry.item.kind}: {entry.item.message}"[:5000],
    }
    if preferred_ref:
        fields["preferred_ref"] = preferred_ref
    return tracker.record(fields).ref
