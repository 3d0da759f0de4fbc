"""The scan: ask the read model, let the pure core decide what is due, write it to the outbox once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Engine

from tracker.db import write_transaction
from tracker.projections.clock import SYSTEM_CLOCK, Clock
from tracker.projections.decoding import collector_paused
from tracker.projections.model import CommitmentStatus, MeetingStatus, PresidencyStatus, ReadModel
from tracker.projections.reminders import (
    RecipientGroup,
    Reminder,
    digest_reminders,
    digest_slot,
    due_reminders,
    fact_token,
    settle_lateness,
)
from tracker.reminders import digest as digest_hook
from tracker.reminders.config import RemindersConfig
from tracker.reminders.outbox import create_outbox, existing_keys, issue, last_digest_at, outbox_key

__all__ = ["EntityStatus", "EntityStatuses", "ScanReport", "due_digests", "issue_digests", "known_in_time", "scan"]


@runtime_checkable
class EntityStatus(Protocol):
    """A read model that answers for one entity as known at a past time (projections.queries.Queries does)."""

    def status(self, stream: str, *, as_of: date | None = None, known_at: datetime | None = None) -> Any:
        """The entity's status (commitment, meeting, body's presidency), or None if not known then."""
        ...


@dataclass(frozen=True)
class ScanReport:
    """What a scan found due and what it newly wrote (outbox keys: reminder key @ channel)."""

    due: int
    issued: tuple[str, ...]
    late: int


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


@runtime_checkable
class EntityStatuses(Protocol):
    """A read model that answers many "as known at" questions in one batch (Queries does)."""

    def statuses_known_at(
        self, asks: Sequence[tuple[str, datetime]], *, as_of: date | None = None,
    ) -> list[Any]:
        """`status(stream, as_of=as_of, known_at=moment)` for each (stream, moment), in order."""
        ...


def _matches(then: Any, reminder: Reminder) -> bool:
    if not isinstance(then, CommitmentStatus | MeetingStatus | PresidencyStatus):
        return False  # the entity itself was not recorded yet
    return fact_token(then, reminder.kind) == reminder.fact


def known_in_time(read_model: ReadModel, reminder: Reminder, *, today: date) -> bool:
    """Whether the fact a reminder is about was already recorded at the end of the day it was due.

    Asked of the read model "as known at" that moment, so the answer is the read model's one
    answer to "what did we know then"; a read model that cannot answer for one entity counts
    the fact as known (the reminder stays late, as it always was).
    """
    return _known_in_time(read_model, [reminder], today=today)[0]


def _known_in_time(read_model: ReadModel, reminders: Sequence[Reminder], *, today: date) -> list[bool]:
    """known_in_time for each reminder, asked of the read model as one batch when it can take one."""
    asks = [(r.entity, _end_of(r.due_on)) for r in reminders]
    if isinstance(read_model, EntityStatuses):
        then = read_model.statuses_known_at(asks, as_of=today)
    elif isinstance(read_model, EntityStatus):
        then = [read_model.status(stream, as_of=today, known_at=moment) for stream, moment in asks]
    else:
        return [True] * len(reminders)
    return [_matches(status, r) for status, r in zip(then, reminders, strict=True)]


def _unissued(engine: Engine, due: Sequence[Reminder]) -> tuple[list[Reminder], set[str]]:
    """The due reminders with a channel not in the outbox yet, and the outbox keys found (one read)."""
    keys = [[outbox_key(r.key, ch) for ch in r.channels] for r in due]
    with engine.connect() as conn:
        # One lookup of every key, outside the write transaction: a reminder issued earlier is
        # neither asked about nor built again, so a scan with nothing new stays a key lookup.
        have = existing_keys(conn, [key for per in keys for key in per])
    if not have:
        return list(due), have
    return [r for r, per in zip(due, keys, strict=True) if any(key not in have for key in per)], have


def _settle(read_model: ReadModel, fresh: Sequence[Reminder], *, today: date) -> list[Reminder]:
    """Reminders not issued yet with lateness decided (digests are late by their slot alone)."""
    missed = [r for r in fresh if r.late and r.kind != "digest"]
    if not missed:
        return list(fresh)
    # One batch for every missed reminder: the read model reads when each entity was first
    # recorded once, rather than reducing each entity's stream as known at its due day.
    in_time = dict(zip((r.key for r in missed), _known_in_time(read_model, missed, today=today), strict=True))
    return [settle_lateness(r, known_in_time=in_time[r.key]) if r.key in in_time else r for r in fresh]


# (database, scope, slot) found empty: record times only grow, so a slot with nothing recorded
# before it stays so; a long-running scheduler reads the developments once per slot, not per scan.
_EMPTY_BEFORE: dict[tuple[str, str, datetime], None] = {}


def _recorded_before(read_model: ReadModel, group: RecipientGroup | None, moment: datetime) -> bool:
    """Whether anything in the group's scope was recorded at or before `moment`."""
    scopes: list[tuple[str | None, str | None]] = [(None, None)]
    if group is not None and (group.organizations or group.bodies):
        scopes = [(org, None) for org in group.organizations] + [(None, body) for body in group.bodies]
    for org, body in scopes:
        if any(d.recorded_at <= moment for d in read_model.developments(organization_id=org, body_id=body)):
            return True
    return False


def due_digests(engine: Engine, read_model: ReadModel, config: RemindersConfig, *, now: datetime) -> list[Reminder]:
    """The digests whose weekly slot has come and that were not issued yet, contents rendered.

    A scope's first digest is owed only if something in it was recorded before its slot: a
    new database's first scan starts with the next slot instead of a backlog marked late.
    """
    out: list[Reminder] = []
    for rule in config.core_rules():
        if rule.kind != "digest":
            continue
        slot = digest_slot(rule, now)
        contents = []
        for group in rule.recipients or (None,):
            entity = f"digest:{group.name if group else '*'}"
            key = f"{rule.name}:{entity}:{slot.date().isoformat()}"
            with engine.connect() as conn:
                if existing_keys(conn, [outbox_key(key, ch) for ch in rule.channels]):
                    continue
                previous = last_digest_at(conn, entity, rule.name)
            if previous is None:
                seen_empty = (engine.url.render_as_string(hide_password=True), entity, slot)
                if seen_empty in _EMPTY_BEFORE:
                    continue
                if not _recorded_before(read_model, group, slot):
                    if len(_EMPTY_BEFORE) > 10_000:
                        _EMPTY_BEFORE.clear()
                    _EMPTY_BEFORE[seen_empty] = None
                    continue
            # First digest ever: the week before its slot.
            since = previous if previous is not None else slot - timedelta(days=7)
            contents.append((group, since, digest_hook.render_digest(read_model, group, since, now)))
        out.extend(digest_reminders(rule, slot=slot, now=now, contents=contents))
    return out


def scan(
    engine: Engine, read_model: ReadModel, config: RemindersConfig, *, now: datetime | None = None,
    digests: bool = True, clock: Clock = SYSTEM_CLOCK,
) -> ScanReport:
    """Issue every reminder due at `now` (default: the clock's) and not yet issued, in one transaction."""
    now = clock.now() if now is None else now
    create_outbox(engine)
    # Like a report, a scan builds rows that free themselves when done (no cycles), while the
    # cyclic collector's passes over them cost as much as the scan (first scan 25.6x -> 13.8x a
    # raw read, 10,000 commitments): paused while it runs. The work is a function of its own so
    # its rows are freed before the collector resumes: resumed with them alive, its first pass
    # walked them all (120 ms of a 600 ms first scan, as much of a second).
    with collector_paused():
        return _scan(engine, read_model, config, now=now, digests=digests)


def _scan(
    engine: Engine, read_model: ReadModel, config: RemindersConfig, *, now: datetime, digests: bool,
) -> ScanReport:
    today = now.astimezone(UTC).date()
    rules = config.core_rules()
    kinds = {r.kind for r in rules}
    # Only ask the read model for what some rule needs: the scan's cost is the read's cost.
    commitments = (
        read_model.commitments(as_of=today)
        if kinds & {"deadline_approaching", "overdue", "stale"} else []
    )
    meetings = read_model.meetings(as_of=today) if "meeting_upcoming" in kinds else []
    presidencies = read_model.presidencies(as_of=today) if "chair_term_ending" in kinds else []
    due = due_reminders(rules, commitments=commitments, meetings=meetings, presidencies=presidencies, now=now)
    if digests:
        due += due_digests(engine, read_model, config, now=now)
    fresh, have = _unissued(engine, due)
    fresh = _settle(read_model, fresh, today=today)
    with write_transaction(engine) as conn:
        # The keys just read are not read again: ON CONFLICT (and, on SQLite, the ids
        # written) still decide when another scanner wrote one of them since.
        issued = issue(conn, fresh, now=now, known=have)
    issued_set = set(issued)
    late = sum(1 for r in fresh if r.late and any(outbox_key(r.key, ch) in issued_set for ch in r.channels))
    return ScanReport(due=len(due), issued=tuple(issued), late=late)


def issue_digests(
    engine: Engine, read_model: ReadModel, config: RemindersConfig, *, now: datetime | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> ScanReport:
    """Issue the digests whose slot has come (the scheduler's weekly digest job); idempotent per slot."""
    now = clock.now() if now is None else now
    create_outbox(engine)
    due = due_digests(engine, read_model, config, now=now)
    with write_transaction(engine) as conn:
        issued = issue(conn, due, now=now)
    return ScanReport(due=len(due), issued=tuple(issued), late=sum(1 for r in due if r.late))
