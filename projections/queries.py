"""The ReadModel: answers from the views for "now", and from the entity's own events for any other time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Text, cast, literal, select

from projections.model import (
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    EntityNames,
    MeetingStatus,
    PresidencyStatus,
    ProposalStatus,
    ReviewItem,
    StatusChange,
)
from projections.presidency import compute_body_presidency, presidency_review_items
from projections.reduce import (
    reduce_body,
    reduce_commitment,
    reduce_document,
    reduce_meeting,
    reduce_organization,
    reduce_proposal,
    review_items,
    status_changes,
)
from projections.review import ReviewEntry, decisions_of, review_entry, review_item_id, review_stream
from projections.rotation import DEFAULT_HORIZON
from projections.timeline import timeline
from projections.views import (
    COMMITMENT,
    DEVELOPMENT,
    DOCUMENT,
    MEETING,
    PROPOSAL,
    CommitmentRow,
    DevelopmentRow,
    DocumentRow,
    EntityRow,
    EventSource,
    MeetingRow,
    ProposalRow,
    ReviewItemRow,
)

__all__ = ["Queries"]

_T = TypeVar("_T")


def _raw(column: Any) -> Any:
    """A JSON column as text (CAST in SQL, so PostgreSQL's driver does not parse it either):
    pydantic then parses and validates it in one native pass."""
    return cast(column, Text)


def _today() -> date:
    return datetime.now(UTC).date()


class Queries:
    """Implements projections.model.ReadModel over the views and the event log."""

    def __init__(
        self,
        engine: Engine,
        source: EventSource,
        *,
        stale_days: int = 365,
        today: Callable[[], date] = _today,
        views_known_at: datetime | None = None,
    ) -> None:
        self.engine = engine
        self.source = source
        self.stale_days = stale_days
        self.today = today
        # The record time of the last event the views hold, when they hold the whole log:
        # asked "as known at" that time or later, the views' answer is the answer.
        self.views_known_at = views_known_at

    # --- scope and time -----------------------------------------------------------------

    def _streams(self, kind: str, organization_id: str | None, body_id: str | None) -> list[str]:
        query = select(EntityRow.stream).where(EntityRow.kind == kind)
        if organization_id is not None:
            query = query.where(EntityRow.organization_id == organization_id)
        if body_id is not None:
            query = query.where(EntityRow.body_id == body_id)
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(EntityRow.stream)).scalars())

    def _times(self, as_of: date | None, known_at: datetime | None) -> tuple[date, datetime, bool]:
        """The effective times, and whether the views (current as known now) can answer."""
        today = self.today()
        known_now = known_at is None or (self.views_known_at is not None and known_at >= self.views_known_at)
        current = (as_of is None or as_of >= today) and known_now
        return as_of or today, known_at or datetime.now(UTC), current

    def _fast(
        self,
        kind: str,
        table: Any,
        key: Any,
        adapter: Any,
        *,
        organization_id: str | None,
        body_id: str | None,
        as_of: date,
        fallback: Callable[[str], _T | None],
    ) -> list[_T]:
        # Joined on the entity index's primary key, so a scope filter on the view table
        # (body_id, organization_id) drives the query rather than a walk over every entity.
        query = select(_raw(table.doc), EntityRow.latest_world, EntityRow.stream).join(
            EntityRow, EntityRow.stream == literal(f"{kind}:") + key
        )
        if organization_id is not None:
            query = query.where(table.organization_id == organization_id)
        if body_id is not None:
            query = query.where(table.body_id == body_id)
        results: list[_T] = []
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(key)).all()
        for doc, latest_world, stream in rows:
            if latest_world > as_of:
                # The entity has events dated after today (announced ahead): the stored
                # row holds them already, so answer this one from its own events.
                item = fallback(stream)
                if item is not None:
                    results.append(item)
            else:
                results.append(adapter.validate_json(doc))
        return results

    # --- ReadModel ------------------------------------------------------------------------

    def _entities(
        self,
        kind: str,
        table: Any,
        key: Any,
        adapter: Any,
        *,
        organization_id: str | None,
        body_id: str | None,
        as_of: date | None,
        known_at: datetime | None,
        reduce: Callable[[str, date, datetime], _T | None],
    ) -> list[_T]:
        """Entities of one kind in scope: from the views when they can answer, else from their events."""
        day, known, current = self._times(as_of, known_at)
        if not current:
            found = (reduce(stream, day, known) for stream in self._streams(kind, organization_id, body_id))
            return [item for item in found if item is not None]
        return self._fast(
            kind, table, key, adapter, organization_id=organization_id, body_id=body_id, as_of=day,
            fallback=lambda stream: reduce(stream, day, known),
        )

    def commitments(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[CommitmentStatus]:
        """Every commitment in scope, with overdue and stale judged on `as_of`."""
        found = self._entities(
            "commitment", CommitmentRow, CommitmentRow.commitment_id, COMMITMENT,
            organization_id=organization_id, body_id=body_id, as_of=as_of, known_at=known_at,
            reduce=lambda stream, day, known: reduce_commitment(
                self.source.load(stream), as_of=day, known_at=known, stale_days=self.stale_days),
        )
        day = self._times(as_of, known_at)[0]
        return [self._flags(c, day) for c in found]

    def _flags(self, status: CommitmentStatus, day: date) -> CommitmentStatus:
        # Same judgement as reduce_commitment, on the day asked about: views hold each
        # commitment as of the end of time, so their flags are recomputed here.
        open_ = status.status == "undertaken"
        quiet = (day - status.last_development.occurred_on.latest).days
        return dataclasses.replace(
            status,
            overdue=open_ and status.due_on is not None and status.due_on.latest < day,
            stale=open_ and quiet > self.stale_days,
        )

    def proposals(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[ProposalStatus]:
        """Every proposal in scope, with stale judged on `as_of` as for commitments."""
        found = self._entities(
            "proposal", ProposalRow, ProposalRow.proposal_id, PROPOSAL,
            organization_id=organization_id, body_id=body_id, as_of=as_of, known_at=known_at,
            reduce=lambda stream, day, known: reduce_proposal(self.source.load(stream), as_of=day, known_at=known),
        )
        day = self._times(as_of, known_at)[0]
        return [self._proposal_flags(p, day) for p in found]

    def _proposal_flags(self, status: ProposalStatus, day: date) -> ProposalStatus:
        # A proposal still waiting for a decision goes stale on the same clock as a commitment.
        waiting = status.status in ("tabled", "deferred")
        quiet = (day - status.last_development.occurred_on.latest).days
        return dataclasses.replace(status, stale=waiting and quiet > self.stale_days)

    def entity_names(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[EntityNames]:
        """The recorded names of the bodies in scope and of their organizations (the scoped one included)."""
        day, known, _ = self._times(as_of, known_at)
        found: list[EntityNames] = []
        organizations: set[str] = set() if organization_id is None else {organization_id}
        for stream in self._streams("body", organization_id, body_id):
            body = reduce_body(self.source.load(stream), as_of=day, known_at=known)
            if body is not None:
                found.append(EntityNames(stream, dict(body.names), {}, body.organization_id))
                organizations.add(body.organization_id)
        if organization_id is None and body_id is None:
            organizations.update(s.partition(":")[2] for s in self._streams("organization", None, None))
        for org in sorted(organizations):
            status = reduce_organization(self.source.load(f"organization:{org}"), as_of=day, known_at=known)
            if status is not None:
                found.append(EntityNames(f"organization:{org}", dict(status.names), dict(status.abbreviations)))
        return found

    def documents(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[DocumentStatus]:
        """Every document in scope, with each party's standing."""
        return self._entities(
            "document", DocumentRow, DocumentRow.document_id, DOCUMENT,
            organization_id=organization_id, body_id=body_id, as_of=as_of, known_at=known_at,
            reduce=lambda stream, day, known: reduce_document(self.source.load(stream), as_of=day, known_at=known),
        )

    def meetings(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[MeetingStatus]:
        """Every meeting in scope."""
        organizations: dict[str, str] = {}  # a body's organization, reduced once per body
        return self._entities(
            "meeting", MeetingRow, MeetingRow.meeting_id, MEETING,
            organization_id=organization_id, body_id=body_id, as_of=as_of, known_at=known_at,
            reduce=lambda stream, day, known: self._meeting(stream, day, known, organizations),
        )

    def _meeting(
        self, stream: str, day: date, known: datetime, organizations: dict[str, str] | None = None
    ) -> MeetingStatus | None:
        records = self.source.load(stream)
        if not records:
            return None
        body_id = str(getattr(records[0].event, "body_id", ""))
        organizations = {} if organizations is None else organizations
        if body_id not in organizations:
            body = reduce_body(self.source.load(f"body:{body_id}"), as_of=day, known_at=known)
            organizations[body_id] = body.organization_id if body else ""
        return reduce_meeting(records, as_of=day, known_at=known, organization_id=organizations[body_id])

    def presidencies(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[PresidencyStatus]:
        """The presidency of every body in scope, computed for `as_of`."""
        return [p for p, _ in self._presidencies(organization_id, body_id, as_of, known_at)]

    def _presidencies(
        self, organization_id: str | None, body_id: str | None, as_of: date | None, known_at: datetime | None,
        horizon: int = DEFAULT_HORIZON,
    ) -> list[tuple[PresidencyStatus, Any]]:
        day, known, _ = self._times(as_of, known_at)
        answers = []
        for stream in self._streams("body", organization_id, body_id):
            body = reduce_body(self.source.load(stream), as_of=day, known_at=known)
            if body is None:
                continue
            organization = reduce_organization(
                self.source.load(f"organization:{body.organization_id}"), as_of=day, known_at=known
            )
            if organization is None:
                continue
            # From the views when they can answer, else reduced (the body once, not per meeting).
            meetings = self.meetings(body_id=body.body_id, as_of=as_of, known_at=known_at)
            answers.append(compute_body_presidency(body, organization, meetings, as_of=day, horizon=horizon))
        return answers

    def presidency(
        self, body_id: str, *, as_of: date | None = None, known_at: datetime | None = None,
        horizon: int = DEFAULT_HORIZON,
    ) -> PresidencyStatus | None:
        """One body's presidency, with `horizon` upcoming terms."""
        found = self._presidencies(None, body_id, as_of, known_at, horizon)
        return next((p for p, _ in found if p.body_id == body_id), None)

    def review_items(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[ReviewItem]:
        """What needs a person's review, from the entities and the presidencies."""
        day, known, current = self._times(as_of, known_at)
        if current:
            query = select(ReviewItemRow.kind, ReviewItemRow.stream, ReviewItemRow.message, ReviewItemRow.refs)
            if organization_id is not None:
                query = query.where(ReviewItemRow.organization_id == organization_id)
            if body_id is not None:
                query = query.where(ReviewItemRow.body_id == body_id)
            with self.engine.connect() as conn:
                rows = conn.execute(query.order_by(ReviewItemRow.stream, ReviewItemRow.id)).all()
            return [ReviewItem(kind, stream, message, tuple(refs)) for kind, stream, message, refs in rows]
        items: list[ReviewItem] = []
        for kind in ("organization", "body", "meeting", "proposal", "commitment", "document"):
            for stream in self._streams(kind, organization_id, body_id):
                items.extend(review_items(stream, self.source.load(stream), as_of=day, known_at=known))
        for presidency, result in self._presidencies(organization_id, body_id, as_of, known_at):
            items.extend(presidency_review_items(f"body:{presidency.body_id}", result))
        return items

    def review_queue(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        entity: str | None = None,
    ) -> list[ReviewEntry]:
        """The review items in scope (optionally about one entity), each with its stable id, decisions and state."""
        day, known, _ = self._times(as_of, known_at)
        items = self.review_items(organization_id=organization_id, body_id=body_id, as_of=as_of, known_at=known_at)
        entries = []
        for item in items:
            if entity is not None and item.entity != entity:
                continue
            records = self.source.load(review_stream(review_item_id(item)))
            entries.append(review_entry(item, decisions_of(records, as_of=day, known_at=known)))
        return entries

    def _all_streams(self, organization_id: str | None, body_id: str | None) -> Iterable[str]:
        for kind in ("organization", "body", "meeting", "proposal", "commitment", "document"):
            if organization_id is not None and body_id is None and kind == "organization":
                yield f"organization:{organization_id}"
                continue
            yield from self._streams(kind, organization_id, body_id)

    def developments(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        recorded_after: datetime | None = None,
        occurred_after: date | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[DevelopmentSummary]:
        """Developments in scope, in world order (then record time, then reference)."""
        day, known, current = self._times(as_of, known_at)
        found: list[DevelopmentSummary] = []
        if current:
            query = select(_raw(DevelopmentRow.doc)).where(DevelopmentRow.occurred_earliest <= day)
            if organization_id is not None:
                query = query.where(DevelopmentRow.organization_id == organization_id)
            if body_id is not None:
                query = query.where(DevelopmentRow.body_id == body_id)
            with self.engine.connect() as conn:
                docs = conn.execute(query).scalars().all()
            for doc in docs:
                item = DEVELOPMENT.validate_json(doc)
                if recorded_after is not None and item.recorded_at <= recorded_after:
                    continue
                if occurred_after is not None and item.occurred_on.earliest <= occurred_after:
                    continue
                found.append(item)
            found.sort(key=lambda d: (d.occurred_on.earliest, d.occurred_on.latest, d.recorded_at, d.ref))
            return found
        for stream in self._all_streams(organization_id, body_id):
            for item in timeline(self.source.load(stream), as_of=day, known_at=known):
                if recorded_after is not None and item.recorded_at <= recorded_after:
                    continue
                if occurred_after is not None and item.occurred_on.earliest <= occurred_after:
                    continue
                found.append(item)
        found.sort(key=lambda d: (d.occurred_on.earliest, d.occurred_on.latest, d.recorded_at, d.ref))
        return found

    def status_changes(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        recorded_after: datetime | None = None,
        occurred_after: date | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[StatusChange]:
        """Status changes that developments in the window caused."""
        day, known, _ = self._times(as_of, known_at)
        changes: list[StatusChange] = []
        for stream in self._all_streams(organization_id, body_id):
            changes.extend(
                status_changes(
                    self.source.load(stream),
                    as_of=day,
                    known_at=known,
                    known_since=recorded_after,
                    occurred_after=occurred_after,
                )
            )
        changes.sort(key=lambda c: (c.occurred_on.earliest, c.recorded_at, c.entity, c.ref, c.field))
        return changes

    # --- one entity -------------------------------------------------------------------------

    def status(self, stream: str, *, as_of: date | None = None, known_at: datetime | None = None) -> Any:
        """The status of one commitment, proposal, document or meeting (None if it did not exist then)."""
        day, known, _ = self._times(as_of, known_at)
        kind = stream.partition(":")[0]
        records = self.source.load(stream)
        if kind == "commitment":
            return reduce_commitment(records, as_of=day, known_at=known, stale_days=self.stale_days)
        if kind == "proposal":
            return reduce_proposal(records, as_of=day, known_at=known)
        if kind == "document":
            return reduce_document(records, as_of=day, known_at=known)
        if kind == "meeting":
            return self._meeting(stream, day, known)
        if kind == "body":
            return self.presidency(stream.partition(":")[2], as_of=as_of, known_at=known_at)
        if kind == "organization":
            return reduce_organization(records, as_of=day, known_at=known)
        raise ValueError(f"id: no status for {stream!r}")

    def timeline(
        self, stream: str, *, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[DevelopmentSummary]:
        """Every event of one entity in world order, retracted and corrected ones marked."""
        day, known, _ = self._times(as_of, known_at)
        return timeline(self.source.load(stream), as_of=day, known_at=known)
