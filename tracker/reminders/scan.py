"""The scan: ask the read model, let the pure core decide what is due, write it to the outbox once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from projections.clock import SYSTEM_CLOCK, Clock
from projections.model import ReadModel
from projections.reminders import Reminder, digest_reminders, digest_slot, due_reminders
from tracker.db import write_transaction
from tracker.reminders import digest as digest_hook
from tracker.reminders.config import RemindersConfig
from tracker.reminders.outbox import create_outbox, existing_keys, issue, last_digest_at, outbox_key

__all__ = ["ScanReport", "due_digests", "issue_digests", "scan"]


@dataclass(frozen=True)
class ScanReport:
    """What a scan found due and what it newly wrote (outbox keys: reminder key @ channel)."""

    due: int
    issued: tuple[str, ...]
    late: int


def due_digests(engine: Engine, read_model: ReadModel, config: RemindersConfig, *, now: datetime) -> list[Reminder]:
    """The digests whose weekly slot has come and that were not issued yet, contents rendered."""
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
    with write_transaction(engine) as conn:
        issued = issue(conn, due, now=now)
    issued_set = set(issued)
    late = sum(1 for r in due if r.late and any(outbox_key(r.key, ch) in issued_set for ch in r.channels))
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
