"""What the interchange exports read: the read model's answers, plus organizations and bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import select

from tracker.projections.model import (
    DevelopmentSummary,
    DocumentStatus,
    MeetingStatus,
    PresidencyStatus,
    ProposalStatus,
)
from tracker.projections.queries import Queries
from tracker.projections.reduce import BodyStatus, OrganizationStatus, reduce_body, reduce_organization
from tracker.projections.views import EntityIndexRow

__all__ = ["InterchangeReader", "QueriesReader", "Snapshot", "snapshot"]


class InterchangeReader(Protocol):
    """The answers an export is built from, each as of a world date and as known at a record time."""

    def organizations(self, *, as_of: date, known_at: datetime) -> list[OrganizationStatus]:
        """Every organization."""
        ...

    def bodies(self, *, as_of: date, known_at: datetime) -> list[BodyStatus]:
        """Every body."""
        ...

    def meetings(self, *, as_of: date | None = None, known_at: datetime | None = None) -> list[MeetingStatus]:
        """Every meeting."""
        ...

    def proposals(self, *, as_of: date | None = None, known_at: datetime | None = None) -> list[ProposalStatus]:
        """Every proposal."""
        ...

    def documents(self, *, as_of: date | None = None, known_at: datetime | None = None) -> list[DocumentStatus]:
        """Every document."""
        ...

    def presidencies(
        self, *, as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[PresidencyStatus]:
        """Every body's presidency."""
        ...

    def timeline(
        self, stream: str, *, as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[DevelopmentSummary]:
        """One entity's developments, with their sources."""
        ...


class QueriesReader:
    """InterchangeReader over projections.queries.Queries: its answers, and its organization and body reductions."""

    def __init__(self, queries: Queries) -> None:
        self.queries = queries

    def _ids(self, kind: str) -> list[str]:
        with self.queries.engine.connect() as conn:
            query = select(EntityIndexRow.stream).where(EntityIndexRow.kind == kind).order_by(EntityIndexRow.stream)
            return list(conn.execute(query).scalars())

    def organizations(self, *, as_of: date, known_at: datetime) -> list[OrganizationStatus]:
        """Every organization, reduced as the read model reduces it for any as_of/known_at."""
        found = (reduce_organization(self.queries.source.load(s), as_of=as_of, known_at=known_at)
                 for s in self._ids("organization"))
        return [o for o in found if o is not None]

    def bodies(self, *, as_of: date, known_at: datetime) -> list[BodyStatus]:
        """Every body, reduced as the read model reduces it for any as_of/known_at."""
        found = (reduce_body(self.queries.source.load(s), as_of=as_of, known_at=known_at) for s in self._ids("body"))
        return [b for b in found if b is not None]

    def meetings(self, *, as_of: date | None = None, known_at: datetime | None = None) -> list[MeetingStatus]:
        """Every meeting."""
        return self.queries.meetings(as_of=as_of, known_at=known_at)

    def proposals(self, *, as_of: date | None = None, known_at: datetime | None = None) -> list[ProposalStatus]:
        """Every proposal."""
        return self.queries.proposals(as_of=as_of, known_at=known_at)

    def documents(self, *, as_of: date | None = None, known_at: datetime | None = None) -> list[DocumentStatus]:
        """Every document."""
        return self.queries.documents(as_of=as_of, known_at=known_at)

    def presidencies(
        self, *, as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[PresidencyStatus]:
        """Every body's presidency."""
        return self.queries.presidencies(as_of=as_of, known_at=known_at)

    def timeline(
        self, stream: str, *, as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[DevelopmentSummary]:
        """One entity's developments in world order, retracted ones marked."""
        return self.queries.timeline(stream, as_of=as_of, known_at=known_at)


@dataclass(frozen=True)
class Snapshot:
    """Everything an export shows, read once at one (as_of, known_at)."""

    as_of: date
    known_at: datetime
    organizations: tuple[OrganizationStatus, ...]
    bodies: tuple[BodyStatus, ...]
    meetings: tuple[MeetingStatus, ...]
    proposals: tuple[ProposalStatus, ...]
    documents: tuple[DocumentStatus, ...]
    presidencies: tuple[PresidencyStatus, ...]
    timelines: dict[str, tuple[DevelopmentSummary, ...]]  # stream -> its live developments

    def developments(self, stream: str) -> tuple[DevelopmentSummary, ...]:
        """An entity's live (not retracted) developments."""
        return self.timelines.get(stream, ())


def snapshot(reader: InterchangeReader, *, as_of: date, known_at: datetime) -> Snapshot:
    """Read every answer an export needs, at one (as_of, known_at)."""
    organizations = tuple(reader.organizations(as_of=as_of, known_at=known_at))
    bodies = tuple(reader.bodies(as_of=as_of, known_at=known_at))
    meetings = tuple(reader.meetings(as_of=as_of, known_at=known_at))
    proposals = tuple(reader.proposals(as_of=as_of, known_at=known_at))
    documents = tuple(reader.documents(as_of=as_of, known_at=known_at))
    streams = [f"organization:{o.organization_id}" for o in organizations]
    streams += [f"meeting:{m.meeting_id}" for m in meetings]
    streams += [f"proposal:{p.proposal_id}" for p in proposals]
    streams += [f"document:{d.document_id}" for d in documents]
    streams += [f"body:{b.body_id}" for b in bodies]
    timelines = {
        s: tuple(d for d in reader.timeline(s, as_of=as_of, known_at=known_at) if not d.retracted) for s in streams
    }
    return Snapshot(
        as_of=as_of, known_at=known_at, organizations=organizations, bodies=bodies, meetings=meetings,
        proposals=proposals, documents=documents,
        presidencies=tuple(reader.presidencies(as_of=as_of, known_at=known_at)), timelines=timelines,
    )
