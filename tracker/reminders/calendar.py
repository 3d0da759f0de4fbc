"""`tracker calendar`: meetings and commitment deadlines as an iCalendar feed that apps update in place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from tracker.events import PartialDate
from tracker.projections.model import CommitmentStatus, MeetingStatus, ReadModel

__all__ = ["UID_DOMAIN", "build_calendar", "calendar_from_read_model"]

UID_DOMAIN = "commitments-tracker"
"""Right-hand side of every UID: UIDs never change for an entity, so apps update rather than duplicate."""


def _precision_note(d: PartialDate) -> str:
    return "" if d.precision == "day" else f" ({d.describe()})"


def _all_day(event: Event, start: PartialDate, end: PartialDate | None) -> None:
    # Month/year precision: the earliest possible day, as one all-day event; the summary says so.
    first = start.earliest
    last = end.earliest if end is not None and start.precision == "day" and end.precision == "day" else first
    event.add("dtstart", first)
    event.add("dtend", max(last, first) + timedelta(days=1))  # DTEND is exclusive for all-day events


def _meeting_event(m: MeetingStatus, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"meeting:{m.meeting_id}@{UID_DOMAIN}")
    event.add("sequence", m.reschedule_count)  # raised on every date change: apps replace the old entry
    event.add("dtstamp", stamp)
    name = f"{m.body_id} meeting" + (f" no. {m.number}" if m.number else "")
    event.add("summary", name + _precision_note(m.starts_on) + (" [cancelled]" if m.status == "cancelled" else ""))
    _all_day(event, m.starts_on, m.ends_on)
    location = ", ".join(p for p in (m.venue, m.city, m.host_state) if p)
    if location:
        event.add("location", location)
    lines = [f"{m.organization_id} / {m.body_id}", f"Format: {m.format}", f"Status: {m.status}"]
    if m.theme:
        lines.append(f"Theme: {m.theme}")
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if m.status == "cancelled" else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def _deadline_event(c: CommitmentStatus, due: PartialDate, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"commitment-deadline:{c.commitment_id}@{UID_DOMAIN}")
    event.add("sequence", c.due_version)  # bumps whenever the due date changes
    event.add("dtstamp", stamp)
    event.add("summary", f"Deadline: {c.title}{_precision_note(due)}")
    _all_day(event, due, None)
    event.add("description", f"{c.commitment_id} ({c.organization_id})\nStatus: {c.status}; level: {c.level}\n"
                             f"Parties: {', '.join(c.parties)}")
    # A commitment no longer open keeps its UID with STATUS:CANCELLED so apps drop the reminder.
    event.add("status", "CONFIRMED" if c.status == "undertaken" else "CANCELLED")
    event.add("transp", "TRANSPARENT")
    return event


def build_calendar(
    meetings: Sequence[MeetingStatus], commitments: Sequence[CommitmentStatus], *, now: datetime | None = None,
) -> bytes:
    """The feed's bytes: one VEVENT per meeting and per commitment with a due date, stable UIDs, SEQUENCE versions."""
    stamp = (datetime.now(UTC) if now is None else now).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", "-//commitments-tracker//reminders//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Commitments tracker")
    for m in sorted(meetings, key=lambda m: (m.starts_on.sort_key(), m.meeting_id)):
        cal.add_component(_meeting_event(m, stamp))
    for c in sorted(commitments, key=lambda c: c.commitment_id):
        if c.due_on is not None:
            cal.add_component(_deadline_event(c, c.due_on, stamp))
    return bytes(cal.to_ical())


def calendar_from_read_model(
    read_model: ReadModel, *, organization_id: str | None = None, body_id: str | None = None,
    as_of: date | None = None, now: datetime | None = None,
) -> bytes:
    """The feed for everything in scope, as known now."""
    return build_calendar(
        read_model.meetings(organization_id=organization_id, body_id=body_id, as_of=as_of),
        read_model.commitments(organization_id=organization_id, body_id=body_id, as_of=as_of),
        now=now,
    )
