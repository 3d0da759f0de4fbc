"""A meeting's fold: dates, place, and whether it was held."""

from __future__ import annotations

from typing_extensions import override

from tracker.events import (
    MeetingCancelled,
    MeetingHeld,
    MeetingRelocated,
    MeetingRescheduled,
    MeetingScheduled,
    PartialDate,
    Recorded,
)
from tracker.projections.folds.base import EntityFold, Fields, partial_text
from tracker.projections.model import (
    Attendance,
    MeetingState,
    Message,
    params,
)
from tracker.projections.summaries import date_span, join_states

__all__ = ["MeetingFold", "attendance"]


def attendance(event: MeetingHeld) -> int | None:
    """Delegations present: the count a source gives, else the names it lists (None: neither)."""
    return event.attendance_count or (len({a.state for a in event.attendees}) or None)


class MeetingFold(EntityFold):
    """Folds a meeting's effective events in world order."""

    creator = MeetingScheduled

    def __init__(self) -> None:
        super().__init__()
        self.status: MeetingState = "scheduled"
        self.starts_on: PartialDate | None = None
        self.ends_on: PartialDate | None = None
        self.city: str | None = None
        self.venue: str | None = None
        self.host_state: str | None = None
        self.number: int | None = None
        # None until a schedule or relocation gives it: a meeting known only from the report
        # that it was held has no known format (shown as "unknown", never guessed in_person).
        self.format: str | None = None
        # Which development gave each number or place fact, so a report that disagrees can cite it.
        self.fact_refs: dict[str, str] = {}
        self.held: Recorded | None = None
        self.cancelled: Recorded | None = None
        self.reschedules = 0
        self.previous_starts: list[PartialDate] = []

    @override
    def _take(self, record: Recorded) -> bool:
        event = record.event
        # A meeting never scheduled is created by the report that it was held (it names its body).
        if self.created is None and isinstance(event, MeetingHeld) and event.body_id is not None:
            self.count += 1
            self.last = record
            self._check_early(record)
            return True
        return super()._take(record)

    @override
    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            self.created = record
            if isinstance(event, MeetingHeld):
                # Created from the report that it was held: its dates and place are the report's.
                self.starts_on = event.occurred_on
                self._report_facts(record)
                self.held = record
                self.status = "held"
                return
            assert isinstance(event, MeetingScheduled)
            if self.reschedules == 0:
                self.starts_on, self.ends_on = event.starts_on, event.ends_on
            elif event.starts_on != self.starts_on:
                # Rescheduled before the announcement in world order (a month-precision announcement
                # sorts after a day in that month): the announced date is still the earlier one.
                self.previous_starts.insert(0, event.starts_on)
            self._set_facts(record, number=event.number, city=self.city or event.city,
                            venue=self.venue or event.venue, host_state=self.host_state or event.host_state)
            self.format = event.format
            return
        match event:
            case MeetingRescheduled():
                if self.starts_on is not None and self.starts_on != event.starts_on:
                    self.previous_starts.append(self.starts_on)
                self.starts_on, self.ends_on = event.starts_on, event.ends_on
                self.reschedules += 1
                self._set_status("rescheduled")
            case MeetingRelocated():
                self._set_facts(record, city=event.city or self.city, venue=event.venue or self.venue,
                                host_state=event.host_state or self.host_state)
                self.format = event.format or self.format
                self._set_status("relocated")
            case MeetingCancelled():
                self.cancelled = record
                if self.held is not None:
                    self._review("status_conflict", record, Message(
                        "cancelled_after_held", params(ref=record.ref, held=self.held.ref),
                        f"{record.ref} cancels a meeting already held ({self.held.ref})",
                    ), self.held.ref)
                self._set_status("cancelled")
            case MeetingHeld():
                self._check_held(record)
                if self.held is not None:
                    self._compare_reports(self.held, record)
                self._report_facts(record)
                self.held = record
                self.status = "held"

    def _set_facts(self, record: Recorded, **facts: str | int | None) -> None:
        """Take number and place facts, noting which development gave each new value."""
        for name, value in facts.items():
            if value is not None and value != getattr(self, name):
                self.fact_refs[name] = record.ref
            setattr(self, name, value)

    def _report_facts(self, record: Recorded) -> None:
        """The number and place a report of the meeting gives are facts of that source.

        Where the meeting's record says otherwise (its schedule, a relocation, an earlier
        report), the sources disagree: the report of the meeting held is shown, and a review
        item names the field, both values and both developments.
        """
        event = record.event
        assert isinstance(event, MeetingHeld)
        given = {"number": event.number, "city": event.city, "host_state": event.host_state}
        for name, value in given.items():
            if value is None:
                continue
            known = getattr(self, name)
            earlier = self.fact_refs.get(name)
            # An earlier report's value is compared with this one's by _compare_reports.
            if known is not None and known != value and earlier not in (None, self.held and self.held.ref):
                self._review("report_conflict", record, Message(
                    "report_fact_differs",
                    params(ref=record.ref, field=name.replace("_", " "), value=value, earlier=earlier, known=known),
                    f"{record.ref} reports the meeting's {name.replace('_', ' ')} as {value}, {earlier} as {known}",
                ), *((earlier,) if earlier else ()))
        self._set_facts(record, **{name: value for name, value in given.items() if value is not None})

    def _compare_reports(self, first: Recorded, second: Recorded) -> None:
        """Two reports of one meeting held: a review item naming what they disagree on, if anything."""
        a, b = first.event, second.event
        assert isinstance(a, MeetingHeld) and isinstance(b, MeetingHeld)
        differences = [
            f"{name}: {x} vs {y}"
            for name, x, y in (
                ("date", a.occurred_on.text, b.occurred_on.text),
                ("number", a.number, b.number),
                ("city", a.city, b.city),
                ("host state", a.host_state, b.host_state),
                ("chaired by", a.chaired_by, b.chaired_by),
                ("delegations", attendance(a), attendance(b)),
                ("attendees", join_states(sorted({x.state for x in a.attendees})) or None,
                 join_states(sorted({x.state for x in b.attendees})) or None),
            )
            if x is not None and y is not None and x != y
        ]
        if differences:
            self._review("report_conflict", second, Message(
                "reported_differently", params(ref=second.ref, first=first.ref, differences="; ".join(differences)),
                f"{second.ref} and {first.ref} report the meeting differently ({'; '.join(differences)})",
            ), first.ref)

    def _set_status(self, status: MeetingState) -> None:
        # Held beats everything: later news about a meeting that took place changes no status.
        if self.held is None:
            self.status = status

    def _check_held(self, record: Recorded) -> None:
        on = record.event.occurred_on
        if self.cancelled is not None:
            self._review("status_conflict", record, Message(
                "held_after_cancelled", params(ref=record.ref, cancelled=self.cancelled.ref),
                f"{record.ref} records as held a meeting cancelled by {self.cancelled.ref}",
            ), self.cancelled.ref)
        if self.starts_on is None:
            return
        last = (self.ends_on or self.starts_on).latest
        if on.latest < self.starts_on.earliest or on.earliest > last:
            span = self.ends_on is not None and self.ends_on != self.starts_on
            self._review("date_conflict", record, Message(
                "held_outside_dates" if span else "held_outside_day",
                params(ref=record.ref, on=on, start_on=self.starts_on, end_on=self.ends_on),
                f"{record.ref} says the meeting was held on {on}, outside its dates "
                f"{date_span(self.starts_on, self.ends_on)}",
            ))

    def attendees(self) -> tuple[Attendance, ...]:
        """Who attended, from the latest MeetingHeld."""
        if self.held is None:
            return ()
        event = self.held.event
        assert isinstance(event, MeetingHeld)
        return tuple(Attendance(a.state, a.person, a.office, a.level) for a in event.attendees)

    @override
    def fields(self) -> Fields:
        if self.created is None:
            return {}
        return {
            "status": self.status, "starts_on": partial_text(self.starts_on), "ends_on": partial_text(self.ends_on),
            "city": self.city, "venue": self.venue, "host_state": self.host_state, "format": self.format,
            "held_on": partial_text(self.held.event.occurred_on) if self.held else None,
        }

