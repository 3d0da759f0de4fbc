"""The read models' tables (SQLAlchemy 2, in the events' database) and the codecs of their JSON documents.

Views hold only facts that do not depend on the asked date: each entity as of the end of
time, as known now. A query judges what depends on its `as_of` (overdue, stale, presidencies
and their review items) when it answers. Typed columns exist only where a query filters,
joins or sorts; the rest of an answer is its JSON document.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import JSON, BigInteger, Date, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tracker.events import ENTITY_KINDS
from tracker.projections.model import (
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    MeetingStatus,
    ProposalStatus,
)

__all__ = [
    "COMMITMENT",
    "DEVELOPMENT",
    "DOCUMENT",
    "KIND_ORDER",
    "MEETING",
    "PROPOSAL",
    "CommitmentViewRow",
    "DevelopmentViewRow",
    "DocumentViewRow",
    "EntityIndexRow",
    "MeetingViewRow",
    "ProposalViewRow",
    "ReviewItemViewRow",
    "TrackingRow",
    "ViewBase",
]

KIND_ORDER = {kind: order for order, kind in enumerate(ENTITY_KINDS)}

COMMITMENT: TypeAdapter[CommitmentStatus] = TypeAdapter(CommitmentStatus)
PROPOSAL: TypeAdapter[ProposalStatus] = TypeAdapter(ProposalStatus)
DOCUMENT: TypeAdapter[DocumentStatus] = TypeAdapter(DocumentStatus)
MEETING: TypeAdapter[MeetingStatus] = TypeAdapter(MeetingStatus)
DEVELOPMENT: TypeAdapter[DevelopmentSummary] = TypeAdapter(DevelopmentSummary)


class ViewBase(DeclarativeBase):
    """Base of every read-model table."""


class TrackingRow(ViewBase):
    """How far in the event log the views have applied (committed with their rows)."""

    __tablename__ = "view_tracking"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class EntityIndexRow(ViewBase):
    """Every entity with its scope, and the last world date any of its events names (for as_of)."""

    __tablename__ = "view_entities"

    stream: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    organization_id: Mapped[str | None] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    latest_world: Mapped[date] = mapped_column(Date)


class CommitmentViewRow(ViewBase):
    """A commitment's facts (CommitmentStatus as JSON, overdue and stale not yet judged)."""

    __tablename__ = "view_commitments"

    commitment_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    # As in view_entities: a listing reads it beside the document, with no join on the stream.
    latest_world: Mapped[date] = mapped_column(Date)


class ProposalViewRow(ViewBase):
    """A proposal's status (ProposalStatus as JSON)."""

    __tablename__ = "view_proposals"

    proposal_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    # As in view_entities: a listing reads it beside the document, with no join on the stream.
    latest_world: Mapped[date] = mapped_column(Date)


class DocumentViewRow(ViewBase):
    """A document with each party's standing (DocumentStatus as JSON)."""

    __tablename__ = "view_documents"

    document_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    # As in view_entities: a listing reads it beside the document, with no join on the stream.
    latest_world: Mapped[date] = mapped_column(Date)


class MeetingViewRow(ViewBase):
    """A meeting (MeetingStatus as JSON), with what a presidency reads of it in typed columns."""

    __tablename__ = "view_meetings"

    meeting_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(250), index=True)
    body_id: Mapped[str] = mapped_column(String(250), index=True)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    # As in view_entities: a listing reads it beside the document, with no join on the stream.
    latest_world: Mapped[date] = mapped_column(Date)
    # A presidency reads every meeting of its body: these columns answer it without parsing
    # and validating each row's document (partial dates as their EDTF text).
    number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[str] = mapped_column(Text)
    ends_on: Mapped[str | None] = mapped_column(Text)
    held_on: Mapped[str | None] = mapped_column(Text)
    host_state: Mapped[str | None] = mapped_column(String(20))
    chaired_by: Mapped[str | None] = mapped_column(String(20))


class ReviewItemViewRow(ViewBase):
    """Something within one entity for a person to look at (presidency items are judged per query)."""

    __tablename__ = "view_review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(300), index=True)
    organization_id: Mapped[str | None] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    refs: Mapped[list[str]] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(60))  # the message as a code and parameters (reports translate it)
    params: Mapped[list[list[str]]] = mapped_column(JSON)


class DevelopmentViewRow(ViewBase):
    """One development of an entity as timelines and reports show it (retracted ones marked)."""

    __tablename__ = "view_developments"
    # (stream, recorded_us) rather than stream alone: "first recorded" (a MIN per stream, asked
    # for every reminder's lateness) is answered from the index without reading a row
    # (6.4-7.3 -> 5.2 us a commitment in a first reminder scan, measured here).
    __table_args__ = (Index("ix_view_developments_stream_recorded", "stream", "recorded_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(300))
    ref: Mapped[str] = mapped_column(String(320))  # a catch-up replaces only the rows of its new events
    organization_id: Mapped[str | None] = mapped_column(String(250), index=True)
    body_id: Mapped[str | None] = mapped_column(String(250), index=True)
    occurred_earliest: Mapped[date] = mapped_column(Date)
    # Its record time in microseconds since 1970 (UTC): "when was this entity first recorded"
    # is a MIN per stream in SQL, not a JSON field read out of every one of its rows.
    recorded_us: Mapped[int] = mapped_column(BigInteger)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
