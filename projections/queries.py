"""The ReadModel: every question answered once, from the views when they hold the answer, else from events.

Two modes give the same answers (a contract test runs every query in both): with `use_views`,
an entity whose events all fall on or before the asked `as_of` is read from its view row (the
views hold facts as of the end of time, as known now); an entity with later-dated events, or
any question asked as known before the views' last event, is reduced from its own events.
What depends on the asked date (overdue, stale, presidencies, their gaps and deviations) is
judged here, per query, for that date; "today" and "now" come from the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, TypeVar, overload

import orjson
from sqlalchemy import Engine, Select, Text, cast, func, select

from tracker.events import PartialDate, parse_partial_date
from tracker.projections.answers import Ask, EventAnswers, EventSource
from tracker.projections.changes import status_changes
from tracker.projections.clock import SYSTEM_CLOCK, Clock
from tracker.projections.decoding import collector_paused, decoder
from tracker.projections.errors import QueryRefused, Refusal
from tracker.projections.model import (
    EMPTY_LOG,
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    EntityNames,
    EntityStatus,
    LogHead,
    MeetingStatus,
    PresidencyStatus,
    ProposalStatus,
    ReviewItem,
    StatusChange,
)
from tracker.projections.presidency import (
    PresidencyMeeting,
    presidency_review_items,
)
from tracker.projections.reduce import (
    judge_commitment,
    judge_proposal,
    reduce_body,
    reduce_commitment,
    reduce_document,
    reduce_organization,
    reduce_proposal,
)
from tracker.projections.review import review_items
from tracker.projections.review_queue import ReviewEntry, decisions_of, review_entry, review_item_id, review_stream
from tracker.projections.rotation import DEFAULT_HORIZON
from tracker.projections.timeline import timeline
from tracker.projections.views import (
    KIND_ORDER,
    CommitmentViewRow,
    DevelopmentViewRow,
    DocumentViewRow,
    EntityIndexRow,
    MeetingViewRow,
    ProposalViewRow,
    ReviewItemViewRow,
)

__all__ = ["EventSource", "Queries"]  # EventSource: where it was first defined, for callers

_T = TypeVar("_T")


def _raw(column: Any) -> Any:
    """A JSON column as text (CAST in SQL, so PostgreSQL's driver does not parse it either):
    orjson then parses it and `decoding` builds the result, with no validation per row."""
    return cast(column, Text)


@dataclass(frozen=True)
class _Kind:
    """How one entity kind is read from its view table."""

    name: str
    table: Any
    key: Any
    result: type[Any]  # the result type its documents hold


_COMMITMENTS = _Kind("commitment", CommitmentViewRow, CommitmentViewRow.commitment_id, CommitmentStatus)
_PROPOSALS = _Kind("proposal", ProposalViewRow, ProposalViewRow.proposal_id, ProposalStatus)
_DOCUMENTS = _Kind("document", DocumentViewRow, DocumentViewRow.document_id, DocumentStatus)
_MEETINGS = _Kind("meeting", MeetingViewRow, MeetingViewRow.meeting_id, MeetingStatus)


class _MeetingFacts(NamedTuple):
    """A meeting as a presidency reads it, from the views' typed columns (no document parsed)."""

    meeting_id: str
    number: int | None
    starts_on: PartialDate
    ends_on: PartialDate | None
    host_state: str | None
    status: str
    held_on: PartialDate | None
    chaired_by: str | None


@overload
def _date(text: str) -> PartialDate: ...
@overload
def _date(text: None) -> None: ...
def _date(text: str | None) -> PartialDate | None:
    """A partial date from its stored EDTF text (the parser caches by text)."""
    return None if text is None else parse_partial_date(text)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # views keep record times as microseconds since


# Bound parameters per IN (...) query: SQLite allows 32,766, PostgreSQL 65,535; smaller keeps plans simple.
_IN_CHUNK = 500


def _development_key(d: DevelopmentSummary) -> tuple[date, date, datetime, str]:
    return (d.occurred_on.earliest, d.occurred_on.latest, d.recorded_at, d.ref)


class Queries(EventAnswers):
    """Implements projections.model.ReadModel over the views and the event log."""

    def __init__(
        self,
        engine: Engine,
        source: EventSource,
        *,
        stale_days: int = 365,
        clock: Clock = SYSTEM_CLOCK,
        views_known_at: datetime | None = None,
        use_views: bool = True,
        head: LogHead = EMPTY_LOG,
        refuse: Refusal = QueryRefused,
    ) -> None:
        super().__init__(source, stale_days=stale_days, clock=clock, refuse=refuse)
        self.engine = engine
        self.head = head
        # The record time of the last event the views hold, when they hold the whole log:
        # asked "as known at" that time or later, the views' answer is the answer.
        self.views_known_at = views_known_at
        self.use_views = use_views

    def log_head(self) -> LogHead:
        """The log position and chain head read when these queries were built (the owner supplies it)."""
        return self.head

    # --- scope and time -----------------------------------------------------------------

    def _ask(
        self, as_of: date | None, known_at: datetime | None,
        organization_id: str | None = None, body_id: str | None = None,
    ) -> Ask:
        known_now = known_at is None or (self.views_known_at is not None and known_at >= self.views_known_at)
        return Ask(as_of or self.clock.today(), known_at, self.use_views and known_now, organization_id, body_id)

    def _streams(self, kind: str, ask: Ask) -> list[str]:
        query = _scoped(select(EntityIndexRow.stream).where(EntityIndexRow.kind == kind), EntityIndexRow, ask)
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(EntityIndexRow.stream)).scalars())

    def _entities(self, kind: _Kind, ask: Ask, reduce: Callable[[str], _T | None]) -> list[_T]:
        """Entities of one kind in scope: from their view rows when dated by the asked day, else reduced."""
        if not ask.views:
            found = (reduce(stream) for stream in self._streams(kind.name, ask))
            return [item for item in found if item is not None]
        with collector_paused(), self.engine.connect() as conn:
            rows = conn.execute(_listing(kind, ask).order_by(kind.key)).all()
        return _decoded(kind, rows, reduce)

    # --- ReadModel ------------------------------------------------------------------------

    def commitments(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[CommitmentStatus]:
        """Every commitment in scope, with overdue and stale judged on `as_of`."""
        ask = self._ask(as_of, known_at, organization_id, body_id)
        found = self._entities(_COMMITMENTS, ask, lambda stream: reduce_commitment(
            self.source.load(stream), as_of=ask.day, known_at=ask.known, stale_days=self.stale_days))
        with collector_paused():  # judged copies of fresh results: nothing for the collector to find
            return [judge_commitment(c, as_of=ask.day, stale_days=self.stale_days) for c in found]

    def proposals(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[ProposalStatus]:
        """Every proposal in scope, with stale judged on `as_of` as for commitments."""
        ask = self._ask(as_of, known_at, organization_id, body_id)
        found = self._entities(_PROPOSALS, ask, lambda stream: reduce_proposal(
            self.source.load(stream), as_of=ask.day, known_at=ask.known))
        return [judge_proposal(p, as_of=ask.day, stale_days=self.stale_days) for p in found]

    # --- pages: the same answers as the lists above, for readers that stream (reports) ---------

    def commitment_pages(
        self, *, organization_id: str | None = None, body_id: str | None = None, as_of: date | None = None,
        known_at: datetime | None = None, size: int = 1000, ids: Sequence[str] | None = None,
    ) -> Iterator[list[CommitmentStatus]]:
        """`commitments()` in pages of up to `size`, by id; only those of `ids` (in scope) when given."""
        ask = self._ask(as_of, known_at, organization_id, body_id)
        def reduce(stream: str) -> CommitmentStatus | None:
            return reduce_commitment(self.source.load(stream), as_of=ask.day, known_at=ask.known,
                                     stale_days=self.stale_days)
        for page in self._entity_pages(_COMMITMENTS, ask, reduce, size, ids):
            with collector_paused():
                judged = [judge_commitment(c, as_of=ask.day, stale_days=self.stale_days) for c in page]
            yield judged

    def proposal_pages(
        self, *, organization_id: str | None = None, body_id: str | None = None, as_of: date | None = None,
        known_at: datetime | None = None, size: int = 1000, ids: Sequence[str] | None = None,
    ) -> Iterator[list[ProposalStatus]]:
        """`proposals()` in pages of up to `size`, by id; only those of `ids` (in scope) when given."""
        ask = self._ask(as_of, known_at, organization_id, body_id)
        def reduce(stream: str) -> ProposalStatus | None:
            return reduce_proposal(self.source.load(stream), as_of=ask.day, known_at=ask.known)
        for page in self._entity_pages(_PROPOSALS, ask, reduce, size, ids):
            yield [judge_proposal(p, as_of=ask.day, stale_days=self.stale_days) for p in page]

    def _entity_pages(
        self, kind: _Kind, ask: Ask, reduce: Callable[[str], _T | None], size: int, ids: Sequence[str] | None,
    ) -> Iterator[list[_T]]:
        """`_entities` a page at a time: by key ranges (or chunks of `ids`), each page one query."""
        if not ask.views:
            streams = self._streams(kind.name, ask)
            if ids is not None:
                wanted = {f"{kind.name}:{i}" for i in ids}
                streams = [s for s in streams if s in wanted]
            for start in range(0, len(streams), size):
                found = (reduce(stream) for stream in streams[start:start + size])
                yield [item for item in found if item is not None]
            return
        query = _listing(kind, ask)
        chunks: Iterable[Sequence[str] | None] = (
            (ids[i:i + size] for i in range(0, len(ids), size)) if ids is not None else iter(lambda: None, 0)
        )
        after: str | None = None
        for chunk in chunks:
            page = query.where(kind.key.in_(chunk)) if chunk is not None else (
                query if after is None else query.where(kind.key > after)).order_by(kind.key).limit(size)
            with collector_paused(), self.engine.connect() as conn:
                rows = conn.execute(page).all()
            if chunk is None and not rows:
                return
            after = rows[-1][2] if chunk is None else after
            yield _decoded(kind, rows, reduce)

    def developments_of(
        self, streams: Sequence[str], *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[DevelopmentSummary]:
        """`developments()` of these entities only, in the same order."""
        ask = self._ask(as_of, known_at, organization_id, body_id)
        if not ask.views:
            found = [item for stream in streams
                     for item in timeline(self.source.load(stream), as_of=ask.day, known_at=ask.known)]
        else:
            found = []
            query = _developments_listing(ask)
            with collector_paused(), self.engine.connect() as conn:
                for start in range(0, len(streams), _IN_CHUNK):
                    chunk = query.where(DevelopmentViewRow.stream.in_(streams[start:start + _IN_CHUNK]))
                    found.extend(map(decoder(DevelopmentSummary), conn.execute(chunk).scalars()))
        with collector_paused():  # a key per development: the collector would walk them all again
            found.sort(key=_development_key)
        return found

    def entity_names(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[EntityNames]:
        """The recorded names of the bodies in scope and of their organizations (the scoped one included)."""
        ask = self._ask(as_of, known_at, organization_id, body_id)
        found: list[EntityNames] = []
        organizations: set[str] = set() if organization_id is None else {organization_id}
        for stream in self._streams("body", ask):
            body = reduce_body(self.source.load(stream), as_of=ask.day, known_at=ask.known)
            if body is not None:
                found.append(EntityNames(stream, dict(body.names), {}, body.organization_id))
                organizations.add(body.organization_id)
        if organization_id is None and body_id is None:
            organizations.update(s.partition(":")[2] for s in self._streams("organization", ask))
        for org in sorted(organizations):
            status = reduce_organization(self.source.load(f"organization:{org}"), as_of=ask.day, known_at=ask.known)
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
        ask = self._ask(as_of, known_at, organization_id, body_id)
        return self._entities(_DOCUMENTS, ask, lambda stream: reduce_document(
            self.source.load(stream), as_of=ask.day, known_at=ask.known))

    def meetings(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[MeetingStatus]:
        """Every meeting in scope."""
        ask = self._ask(as_of, known_at, organization_id, body_id)
        organizations: dict[str, str] = {}  # a body's organization, reduced once per body
        return self._entities(_MEETINGS, ask, lambda stream: self._meeting(stream, ask, organizations))

    def presidencies(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[PresidencyStatus]:
        """The presidency of every body in scope, judged for `as_of`."""
        return [p for p, _ in self._presidencies(self._ask(as_of, known_at, organization_id, body_id), known_at)]

    def _presidencies(
        self, ask: Ask, known_at: datetime | None, horizon: int = DEFAULT_HORIZON,
    ) -> list[tuple[PresidencyStatus, Any]]:
        found = (self._body_presidency(stream, ask, horizon) for stream in self._streams("body", ask))
        return [answer for answer in found if answer is not None]

    def _presidency_meetings(self, body_id: str, ask: Ask) -> Sequence[PresidencyMeeting]:
        """A body's meetings as a presidency reads them, in meeting id order as `meetings()` gives them."""
        scoped = Ask(ask.day, ask.known, ask.views, None, body_id)
        organizations: dict[str, str] = {}
        if not ask.views:
            return self._entities(_MEETINGS, scoped, lambda stream: self._meeting(stream, scoped, organizations))
        table = MeetingViewRow
        query = select(
            table.meeting_id, table.number, table.starts_on, table.ends_on, table.host_state, table.status,
            # Compared in SQL: converting each row's date column back in Python cost more than the rest of the read.
            table.held_on, table.chaired_by, (table.latest_world > ask.day).label("later"),
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query.where(table.body_id == body_id).order_by(table.meeting_id)).all()
        found: list[PresidencyMeeting] = []
        for meeting_id, number, starts_on, ends_on, host, status, held_on, chaired_by, later in rows:
            if later:  # events dated after the asked day: reduced, as in `meetings()`
                reduced = self._meeting(f"meeting:{meeting_id}", scoped, organizations)
                if reduced is not None:
                    found.append(reduced)
                continue
            found.append(_MeetingFacts(
                meeting_id, number, _date(starts_on), _date(ends_on), host, status, _date(held_on), chaired_by))
        return found

    def review_items(
        self,
        *,
        organization_id: str | None = None,
        body_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> list[ReviewItem]:
        """What needs a person's review: each entity's items (by kind, then id), then each presidency's."""
        ask = self._ask(as_of, known_at, organization_id, body_id)
        by_stream = self._entity_items_from_views(ask) if ask.views else {}
        for kind in KIND_ORDER:
            for stream in self._streams(kind, ask):
                if stream not in by_stream:
                    records = self.source.load(stream)
                    by_stream[stream] = review_items(stream, records, as_of=ask.day, known_at=ask.known)
        items = [item for stream in sorted(by_stream, key=_stream_order) for item in by_stream[stream]]
        for presidency, result in self._presidencies(ask, known_at):
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
        ask = self._ask(as_of, known_at, organization_id, body_id)
        known = ask.known if ask.known is not None else self.clock.now()
        items = self.review_items(organization_id=organization_id, body_id=body_id, as_of=as_of, known_at=known_at)
        entries = []
        for item in items:
            if entity is not None and item.entity != entity:
                continue
            records = self.source.load(review_stream(review_item_id(item)))
            entries.append(review_entry(item, decisions_of(records, as_of=ask.day, known_at=known)))
        return entries

    def _entity_items_from_views(self, ask: Ask) -> dict[str, list[ReviewItem]]:
        """Items of the entities whose events all fall by the asked day (the others are left out)."""
        query = _scoped(select(EntityIndexRow.stream).where(EntityIndexRow.latest_world <= ask.day),
                        EntityIndexRow, ask)
        items = select(ReviewItemViewRow.stream, ReviewItemViewRow.kind, ReviewItemViewRow.message,
                       _raw(ReviewItemViewRow.refs), ReviewItemViewRow.code, _raw(ReviewItemViewRow.params),
                       ).join(EntityIndexRow, EntityIndexRow.stream == ReviewItemViewRow.stream)
        items = _scoped(items.where(EntityIndexRow.latest_world <= ask.day), ReviewItemViewRow, ask)
        with collector_paused(), self.engine.connect() as conn:
            found: dict[str, list[ReviewItem]] = {stream: [] for stream in conn.execute(query).scalars()}
            loads = orjson.loads
            for stream, kind, message, refs, code, pairs in conn.execute(items.order_by(ReviewItemViewRow.id)):
                found[stream].append(ReviewItem(kind, stream, message, tuple(loads(refs)), code,
                                                tuple([(name, value) for name, value in loads(pairs)])))
        return found

    def _all_streams(self, ask: Ask) -> Iterable[str]:
        for kind in KIND_ORDER:
            if ask.organization_id is not None and ask.body_id is None and kind == "organization":
                yield f"organization:{ask.organization_id}"
                continue
            yield from self._streams(kind, ask)

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
        ask = self._ask(as_of, known_at, organization_id, body_id)
        found = [
            item for item in (self._developments_from_views(ask) if ask.views else self._developments_from_events(ask))
            if (recorded_after is None or item.recorded_at > recorded_after)
            and (occurred_after is None or item.occurred_on.earliest > occurred_after)
        ]
        with collector_paused():
            found.sort(key=_development_key)
        return found

    def _developments_from_views(self, ask: Ask) -> list[DevelopmentSummary]:
        query = _developments_listing(ask)
        with collector_paused(), self.engine.connect() as conn:
            return list(map(decoder(DevelopmentSummary), conn.execute(query).scalars()))

    def _developments_from_events(self, ask: Ask) -> list[DevelopmentSummary]:
        return [
            item for stream in self._all_streams(ask)
            for item in timeline(self.source.load(stream), as_of=ask.day, known_at=ask.known)
        ]

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
        ask = self._ask(as_of, known_at, organization_id, body_id)
        changes = [
            change for stream in self._all_streams(ask)
            for change in status_changes(self.source.load(stream), as_of=ask.day, known_at=ask.known,
                                         known_since=recorded_after, occurred_after=occurred_after)
        ]
        changes.sort(key=lambda c: (c.occurred_on.earliest, c.recorded_at, c.entity, c.ref, c.field))
        return changes

    # --- one entity -------------------------------------------------------------------------

    def statuses_known_at(
        self, asks: Sequence[tuple[str, datetime]], *, as_of: date | None = None,
    ) -> list[EntityStatus | None]:
        """`status(stream, as_of=as_of, known_at=moment)` for each (stream, moment), in order, asked as one batch.

        An entity whose first event was recorded after its moment was not known then (None); the
        views say when each entity was first recorded in one read, so only the entities known by
        their moment are reduced from their events.
        """
        first = self._first_recorded(asks)
        return [
            None if stream in first and first[stream] > moment else self.status(stream, as_of=as_of, known_at=moment)
            for stream, moment in asks
        ]

    def _first_recorded(self, asks: Sequence[tuple[str, datetime]]) -> dict[str, datetime]:
        """When streams were first recorded, by the views (a stream they hold no row of is left out).

        Only for streams asked at a moment the views cover: they hold every event recorded by
        the time of their last one, as record times grow with the log position.
        """
        covered = self.views_known_at
        if not self.use_views or covered is None:
            return {}
        streams = sorted({stream for stream, moment in asks if moment <= covered})
        found: dict[str, datetime] = {}
        first = func.min(DevelopmentViewRow.recorded_us)
        with self.engine.connect() as conn:
            for start in range(0, len(streams), _IN_CHUNK):
                chunk = streams[start:start + _IN_CHUNK]
                query = select(DevelopmentViewRow.stream, first).where(
                    DevelopmentViewRow.stream.in_(chunk)).group_by(DevelopmentViewRow.stream)
                for stream, microseconds in conn.execute(query):
                    found[stream] = _EPOCH + timedelta(microseconds=microseconds)
        return found

def _scoped(query: Select[Any], table: Any, ask: Ask) -> Select[Any]:
    """`query` narrowed to the asked organization and body, on `table`'s columns of those names."""
    if ask.organization_id is not None:
        query = query.where(table.organization_id == ask.organization_id)
    if ask.body_id is not None:
        query = query.where(table.body_id == ask.body_id)
    return query


def _listing(kind: _Kind, ask: Ask) -> Select[Any]:
    """The view rows of one kind in scope: (document as text, dated after the asked day, key).

    The row's own latest world date, compared in SQL: no join on the stream (PostgreSQL
    hash-joined a full scan of view_entities on 'kind:' || id) and no date parsed per row.
    """
    later = (kind.table.latest_world > ask.day).label("later")
    return _scoped(select(_raw(kind.table.doc), later, kind.key), kind.table, ask)


def _developments_listing(ask: Ask) -> Select[Any]:
    """Developments in scope dated by the asked day, as document text."""
    query = select(_raw(DevelopmentViewRow.doc)).where(DevelopmentViewRow.occurred_earliest <= ask.day)
    return _scoped(query, DevelopmentViewRow, ask)


def _decoded(kind: _Kind, rows: Sequence[Any], reduce: Callable[[str], _T | None]) -> list[_T]:
    """The entities of listed view rows (document, later, key): decoded, or reduced when dated after the asked day."""
    decode = decoder(kind.result)
    with collector_paused():
        # Events dated after the asked day: the row (as of the end of time) holds them, so
        # those entities are answered from their own events, below, with the collector running.
        found: list[_T | None] = [None if later else decode(doc) for doc, later, _ in rows]
    for at, (_, later, key) in enumerate(rows):
        if later:
            found[at] = reduce(f"{kind.name}:{key}")
    return [item for item in found if item is not None]


def _stream_order(stream: str) -> tuple[int, str]:
    kind, _, entity_id = stream.partition(":")
    return (KIND_ORDER.get(kind, len(KIND_ORDER)), entity_id)
