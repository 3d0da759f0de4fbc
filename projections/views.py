"""The read models: SQLAlchemy 2 typed tables in the events' database, and how one entity refreshes them.

Every view is derived by reducing whole entity streams, so refreshing an entity twice
gives the same rows: re-applying is harmless, and the tracking position (committed in
the same transaction as the rows) says what has been applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

from pydantic import TypeAdapter
from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from events import Recorded
from projections.model import CommitmentStatus, DevelopmentSummary, DocumentStatus, MeetingStatus, ProposalStatus
from projections.presidency import compute_body_presidency, presidency_review_items
from projections.reduce import (
    reduce_body,
    reduce_commitment,
    reduce_document,
    reduce_meeting,
    reduce_organization,
    reduce_proposal,
    review_items,
)
from projections.timeline import timeline

__all__ = [
    "COMMITMENT",
    "DEVELOPMENT",
    "DOCUMENT",
    "END_OF_TIME",
    "KIND_ORDER",
    "MEETING",
    "PROPOSAL",
    "CommitmentRow",
    "DevelopmentRow",
    "DocumentPartyRow",
    "DocumentRow",
    "EntityRow",
    "EventSource",
    "MeetingRow",
    "PresidencyTermRow",
    "ProposalRow",
    "ReviewItemRow",
    "RowBatch",
    "TrackingRow",
    "ViewBase",
    "derive_entity",
    "organization_of_body",
    "refresh_presidency",
]

# Views hold each entity as of the end of time and as known now; queries for "today"
# recompute only the date-dependent flags (overdue, stale) from the stored facts.
END_OF_TIME = date(9999, 12, 31)
KIND_ORDER = {"organization": 0, "body": 1, "meeting": 2, "proposal": 3, "commitment": 4, "document": 5}

COMMITMENT: TypeAdapter[CommitmentStatus] = TypeAdapter(CommitmentStatus)
PROPOSAL: TypeAdapter[ProposalStatus] = TypeAdapter(ProposalStatus)
DOCUMENT: TypeAdapter[DocumentStatus] = TypeAdapter(DocumentStatus)
MEETING: TypeAdapter[MeetingStatus] = TypeAdapter(MeetingStatus)
DEVELOPMENT: TypeAdapter[DevelopmentSummary] = TypeAdapter(DevelopmentSummary)


class ViewBase(DeclarativeBase):
    """Base of every read-model table."""


class TrackingRow(ViewBase):
    """How far in the event log a projection has applied (committed with its rows)."""

    __tablename__ = "view_tracking"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class EntityRow(ViewBase):
    """Every entity, with its scope (organization, body) and the last world date it has an event on."""

    __tablename__ = "view_entities"
    __table_args__ = (Index("ix_view_entities_kind_entity", "kind", "entity_id"),)

    stream: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    entity_id: Mapped[str] = mapped_column(String(250))
    organization_id: Mapped[str | None] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    latest_world: Mapped[date] = mapped_column(Date)
    events: Mapped[int] = mapped_column(Integer)


class CommitmentRow(ViewBase):
    """A commitment's status: what it is, who is party, how far implemented, when due."""

    __tablename__ = "view_commitments"

    commitment_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    level: Mapped[str] = mapped_column(String(20))
    parties: Mapped[list[str]] = mapped_column(JSON)
    due_on: Mapped[str | None] = mapped_column(String(20))
    due_latest: Mapped[date | None] = mapped_column(Date, index=True)
    last_development_on: Mapped[date] = mapped_column(Date)
    last_development_ref: Mapped[str] = mapped_column(String(320))
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class ProposalRow(ViewBase):
    """A proposal's status and supporters."""

    __tablename__ = "view_proposals"

    proposal_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    by_state: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    supporters: Mapped[list[str]] = mapped_column(JSON)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class DocumentRow(ViewBase):
    """A document and whether it is in force."""

    __tablename__ = "view_documents"

    document_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    in_force: Mapped[bool] = mapped_column(Boolean)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class DocumentPartyRow(ViewBase):
    """One state's standing toward one document, reduced as the UN Treaty Collection does."""

    __tablename__ = "view_document_parties"

    document_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    state: Mapped[str] = mapped_column(String(3), primary_key=True)
    status: Mapped[str | None] = mapped_column(String(20))
    signed_on: Mapped[str | None] = mapped_column(String(20))
    consent_on: Mapped[str | None] = mapped_column(String(20))
    denounced_on: Mapped[str | None] = mapped_column(String(20))


class MeetingRow(ViewBase):
    """A meeting: where, when, and whether it was held."""

    __tablename__ = "view_meetings"

    meeting_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    body_id: Mapped[str] = mapped_column(String(250), index=True)
    status: Mapped[str] = mapped_column(String(20))
    starts_earliest: Mapped[date] = mapped_column(Date, index=True)
    host_state: Mapped[str | None] = mapped_column(String(3))
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class PresidencyTermRow(ViewBase):
    """One chair term of a body, with the events behind it and whether it deviates from the rule."""

    __tablename__ = "view_presidency_terms"

    body_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    state: Mapped[str] = mapped_column(String(3))
    start: Mapped[str] = mapped_column(String(20))
    end: Mapped[str | None] = mapped_column(String(20))
    expected_state: Mapped[str | None] = mapped_column(String(3))
    deviation: Mapped[bool] = mapped_column(Boolean)
    refs: Mapped[list[str]] = mapped_column(JSON)


class ReviewItemRow(ViewBase):
    """Something the sources disagree on, or a broken rule, for a person to look at."""

    __tablename__ = "view_review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(300), index=True)
    source: Mapped[str] = mapped_column(String(20))  # "entity" or "presidency": who wrote it
    organization_id: Mapped[str | None] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    refs: Mapped[list[str]] = mapped_column(JSON)


class DevelopmentRow(ViewBase):
    """One development of an entity as timelines and reports show it (retracted ones marked)."""

    __tablename__ = "view_developments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(300), index=True)
    organization_id: Mapped[str | None] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    ref: Mapped[str] = mapped_column(String(320))
    occurred_earliest: Mapped[date] = mapped_column(Date)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)


class EventSource(Protocol):
    """Reads entity streams from the event log."""

    def load(self, stream: str) -> Sequence[Recorded]:
        """All events of one stream, in version order."""
        ...


_NOW = datetime.max.replace(tzinfo=UTC)


class RowBatch:
    """View rows derived from a batch of entities, written with one executemany per table."""

    def __init__(self) -> None:
        self.rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        self.streams: list[str] = []
        self.bodies: dict[str, str] = {}  # body id -> organization id, for meetings later in the batch

    def add(self, table: Any, row: dict[str, Any]) -> None:
        """Queue one row for `table`."""
        self.rows[table].append(row)

    def write(self, conn: Connection, *, replace: bool = True) -> None:
        """Delete the batch's entities' old rows (unless the views were just emptied), then insert."""
        if replace and self.streams:
            _clear(conn, self.streams)
        # Parents first, in metadata order; one statement per table keeps compilation and
        # cache-key work per batch rather than per row (the JSON docs differ in every row).
        for table in ViewBase.metadata.sorted_tables:
            items = self.rows.get(table)
            if items:
                conn.execute(insert(table), items)


def _clear(conn: Connection, streams: Sequence[str]) -> None:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for stream in streams:
        kind, _, entity_id = stream.partition(":")
        by_kind[kind].append(entity_id)
    keys: dict[str, Any] = {
        "commitment": CommitmentRow.commitment_id,
        "proposal": ProposalRow.proposal_id,
        "document": DocumentRow.document_id,
        "meeting": MeetingRow.meeting_id,
    }
    for start in range(0, len(streams), 500):  # stay under the bound-parameter limits
        chunk = list(streams[start : start + 500])
        conn.execute(delete(ReviewItemRow).where(ReviewItemRow.stream.in_(chunk), ReviewItemRow.source == "entity"))
        conn.execute(delete(EntityRow).where(EntityRow.stream.in_(chunk)))
        conn.execute(delete(DevelopmentRow).where(DevelopmentRow.stream.in_(chunk)))
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            if kind in keys:
                conn.execute(delete(keys[kind].class_).where(keys[kind].in_(chunk)))
            if kind == "document":
                conn.execute(delete(DocumentPartyRow).where(DocumentPartyRow.document_id.in_(chunk)))


def organization_of_body(conn: Connection, batch: RowBatch, body_id: str) -> str | None:
    """The organization of a body: from this batch if it is being written, else from the views."""
    if body_id in batch.bodies:
        return batch.bodies[body_id]
    return conn.execute(
        select(EntityRow.organization_id).where(EntityRow.stream == f"body:{body_id}")
    ).scalar_one_or_none()


def derive_entity(conn: Connection, batch: RowBatch, stream: str, records: Sequence[Recorded]) -> None:
    """Add the rows derived from one entity's stream to `batch` (nothing when it no longer exists)."""
    batch.streams.append(stream)
    kind, _, entity_id = stream.partition(":")
    organization_id: str | None = None
    body_id: str | None = None
    title: str | None = None
    if kind == "organization":
        organization = reduce_organization(records, as_of=END_OF_TIME, known_at=_NOW)
        if organization is None:
            return
        organization_id = organization.organization_id
        title = organization.names.get("en") or next(iter(organization.names.values()))
    elif kind == "body":
        body = reduce_body(records, as_of=END_OF_TIME, known_at=_NOW)
        if body is None:
            return
        organization_id, body_id = body.organization_id, body.body_id
        batch.bodies[body.body_id] = body.organization_id
        title = body.names.get("en") or next(iter(body.names.values()))
    elif kind == "meeting":
        body_of_meeting = records[0].event.body_id if records else None  # type: ignore[attr-defined]
        organization_id = organization_of_body(conn, batch, body_of_meeting) if body_of_meeting else None
        meeting = reduce_meeting(records, as_of=END_OF_TIME, known_at=_NOW, organization_id=organization_id or "")
        if meeting is None:
            return
        body_id, title = meeting.body_id, meeting.theme
        batch.add(
            MeetingRow.__table__,
            dict(
                meeting_id=meeting.meeting_id,
                organization_id=organization_id or "",
                body_id=meeting.body_id,
                status=meeting.status,
                starts_earliest=meeting.starts_on.earliest,
                host_state=meeting.host_state,
                doc=MEETING.dump_python(meeting, mode="json"),
            ),
        )
    elif kind == "proposal":
        proposal = reduce_proposal(records, as_of=END_OF_TIME, known_at=_NOW)
        if proposal is None:
            return
        organization_id, body_id, title = proposal.organization_id, proposal.body_id, proposal.title
        batch.add(
            ProposalRow.__table__,
            dict(
                proposal_id=proposal.proposal_id,
                organization_id=proposal.organization_id,
                body_id=proposal.body_id,
                by_state=proposal.by_state,
                status=proposal.status,
                supporters=list(proposal.supporters),
                doc=PROPOSAL.dump_python(proposal, mode="json"),
            ),
        )
    elif kind == "commitment":
        commitment = reduce_commitment(records, as_of=END_OF_TIME, known_at=_NOW)
        if commitment is None:
            return
        organization_id, body_id, title = commitment.organization_id, commitment.body_id, commitment.title
        batch.add(
            CommitmentRow.__table__,
            dict(
                commitment_id=commitment.commitment_id,
                organization_id=commitment.organization_id,
                body_id=commitment.body_id,
                title=commitment.title,
                status=commitment.status,
                level=commitment.level,
                parties=list(commitment.parties),
                due_on=commitment.due_on.text if commitment.due_on else None,
                due_latest=commitment.due_on.latest if commitment.due_on else None,
                last_development_on=commitment.last_development.occurred_on.latest,
                last_development_ref=commitment.last_development.ref,
                doc=COMMITMENT.dump_python(commitment, mode="json"),
            ),
        )
    elif kind == "document":
        document = reduce_document(records, as_of=END_OF_TIME, known_at=_NOW)
        if document is None:
            return
        organization_id, body_id, title = document.organization_id, document.body_id, document.title
        batch.add(
            DocumentRow.__table__,
            dict(
                document_id=document.document_id,
                organization_id=document.organization_id,
                body_id=document.body_id,
                kind=document.kind,
                in_force=document.in_force,
                doc=DOCUMENT.dump_python(document, mode="json"),
            ),
        )
        for p in document.parties:
            batch.add(
                DocumentPartyRow.__table__,
                {
                    "document_id": document.document_id,
                    "state": p.state,
                    "status": p.status,
                    "signed_on": p.signed_on.text if p.signed_on else None,
                    "consent_on": p.consent_on.text if p.consent_on else None,
                    "denounced_on": p.denounced_on.text if p.denounced_on else None,
                },
            )
    else:
        raise ValueError(f"stream: unknown entity kind in {stream!r}")

    batch.add(
        EntityRow.__table__,
        dict(
            stream=stream,
            kind=kind,
            entity_id=entity_id,
            organization_id=organization_id,
            body_id=body_id,
            title=title,
            latest_world=max(r.event.occurred_on.earliest for r in records),
            events=len(records),
        ),
    )
    for development in timeline(records, as_of=END_OF_TIME, known_at=_NOW):
        batch.add(DevelopmentRow.__table__, {
            "stream": stream, "organization_id": organization_id, "body_id": body_id, "ref": development.ref,
            "occurred_earliest": development.occurred_on.earliest,
            "doc": DEVELOPMENT.dump_python(development, mode="json"),
        })
    for item in review_items(stream, records, as_of=END_OF_TIME, known_at=_NOW):
        batch.add(
            ReviewItemRow.__table__,
            {
                "stream": stream,
                "source": "entity",
                "organization_id": organization_id,
                "body_id": body_id,
                "kind": item.kind,
                "message": item.message,
                "refs": list(item.refs),
            },
        )


def refresh_presidency(
    conn: Connection, body_id: str, load: Callable[[str], Sequence[Recorded]], *, as_of: date
) -> None:
    """Rewrite a body's chair terms and its presidency review items (idempotent)."""
    stream = f"body:{body_id}"
    conn.execute(delete(PresidencyTermRow).where(PresidencyTermRow.body_id == body_id))
    conn.execute(delete(ReviewItemRow).where(ReviewItemRow.stream == stream, ReviewItemRow.source == "presidency"))
    body = reduce_body(load(stream), as_of=as_of, known_at=_NOW)
    if body is None:
        return
    organization = reduce_organization(load(f"organization:{body.organization_id}"), as_of=as_of, known_at=_NOW)
    if organization is None:
        return
    meeting_streams = (
        conn.execute(select(EntityRow.stream).where(EntityRow.kind == "meeting", EntityRow.body_id == body_id))
        .scalars()
        .all()
    )
    meetings = [
        m
        for m in (
            reduce_meeting(load(s), as_of=as_of, known_at=_NOW, organization_id=body.organization_id)
            for s in meeting_streams
        )
        if m is not None
    ]
    status, result = compute_body_presidency(body, organization, meetings, as_of=as_of)
    if status.terms:
        conn.execute(
            insert(PresidencyTermRow),
            [
                {
                    "body_id": body_id,
                    "seq": i,
                    "organization_id": body.organization_id,
                    "state": t.state,
                    "start": t.start.text,
                    "end": t.end.text if t.end else None,
                    "expected_state": t.expected_state,
                    "deviation": t.deviation,
                    "refs": list(t.refs),
                }
                for i, t in enumerate(status.terms, start=1)
            ],
        )
    items = presidency_review_items(stream, result)
    if items:
        conn.execute(
            insert(ReviewItemRow),
            [
                {
                    "stream": stream,
                    "source": "presidency",
                    "organization_id": body.organization_id,
                    "body_id": body_id,
                    "kind": i.kind,
                    "message": i.message,
                    "refs": list(i.refs),
                }
                for i in items
            ],
        )
