"""A fake ReadModel and builders of read-model results, for the reminder tests and shells."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from tracker.events import PartialDate, parse_partial_date
from tracker.projections.model import (
    ChairTerm,
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    EntityNames,
    LogHead,
    MeetingStatus,
    PresidencyStatus,
    ProposalStatus,
    ReviewItem,
    StatusChange,
)

__all__ = ["FakeReadModel", "commitment", "development", "meeting", "pd", "presidency", "status_change"]

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@cache
def pd(text: str) -> PartialDate:
    # The EDTF parser takes milliseconds per date; fakes reuse the same few dates thousands of times.
    return parse_partial_date(text)


def development(ref: str = "commitment:c#1", *, occurred: str = "2025-01-01", recorded_at: datetime = T0,
                summary: str = "Undertaken", entity: str | None = None) -> DevelopmentSummary:
    return DevelopmentSummary(
        ref=ref, type="CommitmentUndertaken", entity=entity or ref.split("#")[0], occurred_on=pd(occurred),
        recorded_at=recorded_at, summary=summary,
    )


def commitment(cid: str = "c", *, due: str | None = "2025-06-30", due_version: int = 1, org: str = "sco",
               body: str | None = None, status: Any = "undertaken", overdue: bool = False, stale: bool = False,
               last: DevelopmentSummary | None = None) -> CommitmentStatus:
    return CommitmentStatus(
        commitment_id=cid, organization_id=org, body_id=body, title=f"Commitment {cid}", text="...",
        parties=("KAZ", "KGZ"), origin=None, topics=(), undertaken_on=pd("2024-01-01"), status=status,
        superseded_by=None, level="limited", party_levels={}, due_on=pd(due) if due else None,
        due_version=due_version, overdue=overdue, stale=stale,
        last_development=last or development(f"commitment:{cid}#1", occurred="2024-01-01"), developments=1,
    )


def meeting(mid: str = "m", *, starts: str = "2025-07-04", ends: str | None = None, count: int = 0,
            org: str = "sco", body: str = "sco-hos", status: Any = "scheduled") -> MeetingStatus:
    return MeetingStatus(
        meeting_id=mid, body_id=body, organization_id=org, number=24, city="Astana", venue=None, host_state="KAZ",
        starts_on=pd(starts), ends_on=pd(ends) if ends else None, format="in_person", theme=None, status=status,
        held_on=None, attendees=(), reschedule_count=count, last_development=development(f"meeting:{mid}#1"),
    )


def presidency(body: str = "sco-hos", *, state: str = "KAZ", start: str = "2024-07-04", end: str | None = "2025-07-04",
               expected_next: str | None = "CHN", org: str = "sco") -> PresidencyStatus:
    term = ChairTerm(state=state, start=pd(start), end=pd(end) if end else None, expected_state=state,
                     deviation=False, refs=())
    return PresidencyStatus(
        body_id=body, organization_id=org, rule="alphabetical (ru), per_meeting", current=term, terms=(term,),
        expected_next=expected_next, upcoming=((expected_next or "?", None),), deviations=(), gaps=(),
        chain_conflicts=(),
    )


def status_change(entity: str = "commitment:c", *, ref: str = "commitment:c#2", recorded_at: datetime = T0,
                  before: str | None = "undertaken", after: str | None = "fulfilled") -> StatusChange:
    return StatusChange(entity=entity, ref=ref, occurred_on=pd("2025-01-01"), recorded_at=recorded_at,
                        field="status", before=before, after=after)


FAKE_HEAD = LogHead(42, "5f1c" + "0" * 60)  # a well-formed head the fake answers from

@dataclass
class FakeReadModel:
    """Answers from lists; scoping by organization/body, and recorded_after for developments and changes."""

    commitment_rows: list[CommitmentStatus] = field(default_factory=list)
    meeting_rows: list[MeetingStatus] = field(default_factory=list)
    presidency_rows: list[PresidencyStatus] = field(default_factory=list)
    development_rows: list[tuple[str, DevelopmentSummary]] = field(default_factory=list)  # (organization, dev)
    change_rows: list[tuple[str, StatusChange]] = field(default_factory=list)
    # When each entity ("commitment:c", "meeting:m", "body:b") was recorded as the rows show it;
    # unlisted entities were recorded long ago. Asked as known before that, the entity is unknown.
    recorded: dict[str, datetime] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def status(self, stream: str, *, as_of: date | None = None, known_at: datetime | None = None) -> Any:
        self.calls.append(f"status:{stream}")
        if known_at is not None and self.recorded.get(stream, datetime.min.replace(tzinfo=UTC)) > known_at:
            return None
        kind, _, key = stream.partition(":")
        rows: dict[str, Any] = {
            **{f"commitment:{c.commitment_id}": c for c in self.commitment_rows},
            **{f"meeting:{m.meeting_id}": m for m in self.meeting_rows},
            **{f"body:{p.body_id}": p for p in self.presidency_rows},
        }
        return rows.get(f"{kind}:{key}")

    def _scope(self, rows: list[Any], organization_id: str | None, body_id: str | None) -> list[Any]:
        return [r for r in rows if (organization_id is None or r.organization_id == organization_id)
                and (body_id is None or r.body_id == body_id)]

    def commitments(self, *, organization_id: str | None = None, body_id: str | None = None,
                    as_of: date | None = None, known_at: datetime | None = None) -> list[CommitmentStatus]:
        self.calls.append("commitments")
        rows = self._scope(self.commitment_rows, organization_id, body_id)
        if as_of is None:
            return rows
        # Recompute overdue as of the date asked, as the real read model does.
        return [replace(c, overdue=c.due_on is not None and c.status == "undertaken" and c.due_on.latest < as_of)
                for c in rows]

    def proposals(self, *, organization_id: str | None = None, body_id: str | None = None,
                  as_of: date | None = None, known_at: datetime | None = None) -> list[ProposalStatus]:
        return []

    def documents(self, *, organization_id: str | None = None, body_id: str | None = None,
                  as_of: date | None = None, known_at: datetime | None = None) -> list[DocumentStatus]:
        return []

    def meetings(self, *, organization_id: str | None = None, body_id: str | None = None,
                 as_of: date | None = None, known_at: datetime | None = None) -> list[MeetingStatus]:
        self.calls.append("meetings")
        return self._scope(self.meeting_rows, organization_id, body_id)

    def presidencies(self, *, organization_id: str | None = None, body_id: str | None = None,
                     as_of: date | None = None, known_at: datetime | None = None) -> list[PresidencyStatus]:
        self.calls.append("presidencies")
        return self._scope(self.presidency_rows, organization_id, body_id)

    def review_items(self, *, organization_id: str | None = None, body_id: str | None = None,
                     as_of: date | None = None, known_at: datetime | None = None) -> list[ReviewItem]:
        return []

    def entity_names(self, *, organization_id: str | None = None, body_id: str | None = None,
                     as_of: date | None = None, known_at: datetime | None = None) -> list[EntityNames]:
        # No names recorded in this fake: reports show the ids.
        return []

    def developments(self, *, organization_id: str | None = None, body_id: str | None = None,
                     recorded_after: datetime | None = None, occurred_after: date | None = None,
                     as_of: date | None = None, known_at: datetime | None = None) -> list[DevelopmentSummary]:
        return [d for org, d in self.development_rows
                if (organization_id is None or org == organization_id)
                and (recorded_after is None or d.recorded_at > recorded_after)]

    def log_head(self) -> LogHead:
        """A fixed log position and chain head, as if read from a log of FAKE_HEAD's length."""
        return FAKE_HEAD

    def status_changes(self, *, organization_id: str | None = None, body_id: str | None = None,
                       recorded_after: datetime | None = None, occurred_after: date | None = None,
                       as_of: date | None = None, known_at: datetime | None = None) -> list[StatusChange]:
        return [c for org, c in self.change_rows
                if (organization_id is None or org == organization_id)
                and (recorded_after is None or c.recorded_at > recorded_after)]
