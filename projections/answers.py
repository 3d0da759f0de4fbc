"""One entity's answers from its events alone: a status, a body's presidency, a timeline.

`EventAnswers` needs no view and no SQL toolkit: only an `EventSource` that loads a stream and
lists the streams of a kind. It is the events path of the read model: `Queries` (the views)
inherits these answers and replaces only how streams are listed and how a body's meetings
are read, from the views when they hold the answer. So a question has one implementation,
whichever path reads its inputs; the contract tests ask both and require equal answers.

Kept free of SQLAlchemy on purpose: `tracker status ID` on SQLite answers through it with the
standard library's sqlite3, and importing SQLAlchemy alone cost 0.17-0.20 s of CPU (measured
here), most of the 0.3 s a command may take to start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from tracker.events import Recorded
from tracker.projections.clock import SYSTEM_CLOCK, Clock
from tracker.projections.errors import QueryRefused, Refusal
from tracker.projections.model import DevelopmentSummary, EntityStatus, MeetingStatus, PresidencyStatus
from tracker.projections.presidency import PresidencyMeeting, compute_body_presidency, presidency_inputs
from tracker.projections.reduce import (
    reduce_body,
    reduce_commitment,
    reduce_document,
    reduce_meeting,
    reduce_organization,
    reduce_proposal,
)
from tracker.projections.rotation import DEFAULT_HORIZON, Presidency
from tracker.projections.timeline import timeline

__all__ = ["Ask", "EventAnswers", "EventSource"]


class EventSource(Protocol):
    """Reads entity streams from the event log."""

    def load(self, stream: str) -> Sequence[Recorded]:
        """All events of one stream, in version order."""
        ...

    def streams(self, kind: str | None = None) -> list[str]:
        """Every stream in the log (of one kind when given), sorted."""
        ...


@dataclass(frozen=True)
class Ask:
    """One question's times and scope, and whether the views may answer it."""

    day: date
    known: datetime | None  # None: everything recorded
    views: bool
    organization_id: str | None
    body_id: str | None


class EventAnswers:
    """A status, a presidency and a timeline of one entity, reduced from its events."""

    def __init__(
        self,
        source: EventSource,
        *,
        stale_days: int = 365,
        clock: Clock = SYSTEM_CLOCK,
        refuse: Refusal = QueryRefused,
    ) -> None:
        self.source = source
        self.stale_days = stale_days
        self.clock = clock
        # What a question asked wrongly raises: the owner's error (the tracker gives its
        # InvalidInput), so a caller of the tracker meets only the tracker's errors.
        self.refuse = refuse

    def _ask(
        self, as_of: date | None, known_at: datetime | None,
        organization_id: str | None = None, body_id: str | None = None,
    ) -> Ask:
        return Ask(as_of or self.clock.today(), known_at, False, organization_id, body_id)

    def status(
        self, stream: str, *, as_of: date | None = None, known_at: datetime | None = None,
    ) -> EntityStatus | None:
        """The status of one entity (a body's is its presidency); None if it did not exist then."""
        ask = self._ask(as_of, known_at)
        kind, _, entity_id = stream.partition(":")
        answer: Callable[[], EntityStatus | None] | None = {
            "commitment": lambda: reduce_commitment(
                self.source.load(stream), as_of=ask.day, known_at=ask.known, stale_days=self.stale_days),
            "proposal": lambda: reduce_proposal(self.source.load(stream), as_of=ask.day, known_at=ask.known),
            "document": lambda: reduce_document(self.source.load(stream), as_of=ask.day, known_at=ask.known),
            "meeting": lambda: self._meeting(stream, ask, {}),
            "body": lambda: self.presidency(entity_id, as_of=ask.day, known_at=known_at),
            "organization": lambda: reduce_organization(self.source.load(stream), as_of=ask.day, known_at=ask.known),
        }.get(kind)
        if answer is None:
            raise self.refuse([("id", stream, f"no status for kind {kind!r}: give commitment, proposal, "
                                             "document, meeting, body or organization")])
        return answer()

    def presidency(
        self, body_id: str, *, as_of: date | None = None, known_at: datetime | None = None,
        horizon: int = DEFAULT_HORIZON,
    ) -> PresidencyStatus | None:
        """One body's presidency, with `horizon` upcoming terms (None if it had not been established)."""
        answer = self._body_presidency(f"body:{body_id}", self._ask(as_of, known_at, None, body_id), horizon)
        return None if answer is None else answer[0]

    def timeline(
        self, stream: str, *, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[DevelopmentSummary]:
        """Every event of one entity in world order, retracted and corrected ones marked."""
        ask = self._ask(as_of, known_at)
        return timeline(self.source.load(stream), as_of=ask.day, known_at=ask.known)

    # --- what the views replace ------------------------------------------------------------

    def _body_presidency(
        self, stream: str, ask: Ask, horizon: int,
    ) -> tuple[PresidencyStatus, Presidency] | None:
        """A body's presidency and the judgement behind it (its review items), or None."""
        inputs = presidency_inputs(self.source.load, stream, as_of=ask.day, known_at=ask.known)
        if inputs is None:
            return None
        meetings = self._presidency_meetings(inputs.body.body_id, ask)
        return compute_body_presidency(
            inputs.body, inputs.organization, meetings, as_of=ask.day, horizon=horizon,
            party_names=inputs.party_names,
        )

    def _presidency_meetings(self, body_id: str, ask: Ask) -> Sequence[PresidencyMeeting]:
        """A body's meetings as a presidency reads them, in meeting id order: every meeting of the log, reduced.

        The log knows a meeting's body only from its events, so each is reduced and those of
        other bodies dropped (the views' index lists a body's meetings without reducing).
        """
        organizations: dict[str, str] = {}
        found = (self._meeting(stream, ask, organizations) for stream in self.source.streams("meeting"))
        return [meeting for meeting in found if meeting is not None and meeting.body_id == body_id]

    def _meeting(self, stream: str, ask: Ask, organizations: dict[str, str]) -> MeetingStatus | None:
        """A meeting reduced from its events, its organization read from its body's (once per body)."""
        records = self.source.load(stream)
        if not records:
            return None
        body_id = str(getattr(records[0].event, "body_id", ""))
        if body_id not in organizations:
            body = reduce_body(self.source.load(f"body:{body_id}"), as_of=ask.day, known_at=ask.known)
            organizations[body_id] = body.organization_id if body else ""
        return reduce_meeting(records, as_of=ask.day, known_at=ask.known, organization_id=organizations[body_id])
