"""Row derivation: one entity's stream -> its view rows, resolved and folded once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from tracker.events import MeetingHeld, Recorded, Source
from tracker.projections.folds import FOLDS, EntityFold, fold, kind_of
from tracker.projections.folds.base import partial_text
from tracker.projections.model import DevelopmentSummary, ReviewItem
from tracker.projections.reduce import (
    body_status,
    commitment_status,
    document_status,
    meeting_status,
    organization_status,
    proposal_status,
)
from tracker.projections.resolution import AMENDMENTS, Resolution, counted, resolve
from tracker.projections.timeline import timeline_of
from tracker.projections.views.batch import RowBatch
from tracker.projections.views.schema import (
    COMMITMENT,
    DOCUMENT,
    MEETING,
    PROPOSAL,
    CommitmentViewRow,
    DevelopmentViewRow,
    DocumentViewRow,
    EntityIndexRow,
    MeetingViewRow,
    ProposalViewRow,
    ReviewItemViewRow,
)

__all__ = ["END_OF_TIME", "derive_entity", "development_doc", "record_microseconds"]

# Views hold each entity as of the end of time, as known now; the asked date is judged per query.
END_OF_TIME = date(9999, 12, 31)


@dataclass
class _Entity:
    """One entity being derived: its stream, scope, and its fold as of the end of time."""

    stream: str
    state: EntityFold
    organization_id: str | None = None
    body_id: str | None = None
    latest_world: date = END_OF_TIME  # the last world date its known events name


def _organization(entity: _Entity, batch: RowBatch, _: Callable[[str], str | None]) -> bool:
    status = organization_status(entity.state)  # type: ignore[arg-type]
    if status is None:
        return False
    entity.organization_id = status.organization_id
    return True


def _body(entity: _Entity, batch: RowBatch, _: Callable[[str], str | None]) -> bool:
    status = body_status(entity.state)  # type: ignore[arg-type]
    if status is None:
        return False
    entity.organization_id, entity.body_id = status.organization_id, status.body_id
    batch.bodies[status.body_id] = status.organization_id
    return True


def _meeting(entity: _Entity, batch: RowBatch, organization_of: Callable[[str], str | None]) -> bool:
    created = entity.state.created
    organization_id = organization_of(str(getattr(created.event, "body_id", ""))) if created else None
    status = meeting_status(entity.state, organization_id=organization_id or "")  # type: ignore[arg-type]
    if status is None:
        return False
    entity.organization_id, entity.body_id = organization_id, status.body_id
    batch.add(MeetingViewRow.__table__, {
        "meeting_id": status.meeting_id, "organization_id": organization_id or "", "body_id": status.body_id,
        "doc": MEETING.dump_json(status).decode(), "latest_world": entity.latest_world,
        "number": status.number, "status": status.status,
        "starts_on": status.starts_on.text, "ends_on": partial_text(status.ends_on),
        "held_on": partial_text(status.held_on), "host_state": status.host_state, "chaired_by": status.chaired_by,
    })
    return True


def _proposal(entity: _Entity, batch: RowBatch, _: Callable[[str], str | None]) -> bool:
    status = proposal_status(entity.state)  # type: ignore[arg-type]
    if status is None:
        return False
    entity.organization_id, entity.body_id = status.organization_id, status.body_id
    batch.add(ProposalViewRow.__table__, {
        "proposal_id": status.proposal_id, "organization_id": status.organization_id, "body_id": status.body_id,
        "doc": PROPOSAL.dump_json(status).decode(), "latest_world": entity.latest_world,
    })
    return True


def _commitment(entity: _Entity, batch: RowBatch, _: Callable[[str], str | None]) -> bool:
    status = commitment_status(entity.state)  # type: ignore[arg-type]  # facts only: not judged for a date
    if status is None:
        return False
    entity.organization_id, entity.body_id = status.organization_id, status.body_id
    batch.add(CommitmentViewRow.__table__, {
        "commitment_id": status.commitment_id, "organization_id": status.organization_id,
        "body_id": status.body_id, "doc": COMMITMENT.dump_json(status).decode(), "latest_world": entity.latest_world,
    })
    return True


def _document(entity: _Entity, batch: RowBatch, _: Callable[[str], str | None]) -> bool:
    status = document_status(entity.state)  # type: ignore[arg-type]
    if status is None:
        return False
    entity.organization_id, entity.body_id = status.organization_id, status.body_id
    batch.add(DocumentViewRow.__table__, {
        "document_id": status.document_id, "organization_id": status.organization_id, "body_id": status.body_id,
        "doc": DOCUMENT.dump_json(status).decode(), "latest_world": entity.latest_world,
    })
    return True


_DERIVE: dict[str, Callable[[_Entity, RowBatch, Callable[[str], str | None]], bool]] = {
    "organization": _organization,
    "body": _body,
    "meeting": _meeting,
    "proposal": _proposal,
    "commitment": _commitment,
    "document": _document,
}


def _latest_world(resolution: Resolution) -> date:
    """The last world date the entity's known events name, corrected content included (as_of bound)."""
    return max(r.event.occurred_on.earliest for r in resolution.known)


def derive_entity(
    batch: RowBatch, stream: str, records: Sequence[Recorded], organization_of: Callable[[str], str | None],
    *, new: Sequence[Recorded] | None = None,
) -> None:
    """Add the rows derived from one entity's stream to `batch` (nothing when it no longer exists).

    The stream is resolved once and folded once; the entity's status, its developments and its
    review items all come from that one resolution. With `new` (the stream's events a catch-up
    applies, at its end), only their development rows are written when no earlier one can have
    changed: none of them amends an event or creates the entity (which may move its scope).
    """
    kind = kind_of(stream)
    if kind not in _DERIVE:
        raise ValueError(f"stream: unknown entity kind in {stream!r}")
    fresh: set[str] | None = None
    if new is not None and len(new) < len(records) and not any(_reaches_back(kind, r) for r in new):
        fresh = {r.ref for r in new}
        batch.partial[stream] = sorted(fresh)
    else:
        batch.streams.append(stream)
    resolution = resolve(records)
    if not resolution.known:
        return
    entity = _Entity(stream, fold(FOLDS[kind], counted(resolution, END_OF_TIME)),
                     latest_world=_latest_world(resolution))
    if not _DERIVE[kind](entity, batch, organization_of):
        return
    scope = {"organization_id": entity.organization_id, "body_id": entity.body_id}
    batch.add(EntityIndexRow.__table__, {
        "stream": stream, "kind": kind, **scope, "latest_world": entity.latest_world,
    })
    shown = resolution
    if fresh is not None:
        # Only the new events' developments: the earlier ones' rows stand, unchanged by this batch.
        latest = resolution.known[len(resolution.known) - len(fresh):]  # version order: the new ones are last
        shown = dataclasses.replace(resolution, known=tuple(r for r in latest if r.ref in fresh))
    for development in timeline_of(shown, as_of=END_OF_TIME):
        batch.add(DevelopmentViewRow.__table__, {
            "stream": stream, "ref": development.ref, **scope, "occurred_earliest": development.occurred_on.earliest,
            "recorded_us": record_microseconds(development.recorded_at), "doc": development_doc(development),
        })
    for item in [*resolution.problems, *entity.state.problems]:
        batch.add(ReviewItemViewRow.__table__, _review_row(stream, scope, item))


def _reaches_back(kind: str, record: Recorded) -> bool:
    """True when a new event can change the rows of the entity's earlier events (an amendment, a creation)."""
    event = record.event
    if isinstance(event, MeetingHeld):
        return event.body_id is not None  # names its body: may create the meeting
    return isinstance(event, (*AMENDMENTS, FOLDS[kind].creator))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def record_microseconds(recorded_at: datetime) -> int:
    """A record time as whole microseconds since 1970 UTC (exact, unlike a float timestamp)."""
    return (recorded_at - _EPOCH) // timedelta(microseconds=1)


def development_doc(development: DevelopmentSummary) -> str:
    """A development's JSON document, as DEVELOPMENT dumps it, without pydantic's per-row walk (one per event)."""
    return orjson.dumps({
        "ref": development.ref, "type": development.type, "entity": development.entity,
        "occurred_on": development.occurred_on, "recorded_at": development.recorded_at,
        "summary": development.summary, "sources": [_source_doc(source) for source in development.sources],
        "retracted": development.retracted, "corrected_by": development.corrected_by,
    }, option=orjson.OPT_UTC_Z).decode()


# By identity: the store's decoder shares one instance per distinct source, and the entry keeps
# its source alive, so an id here can never be another object's (no pydantic hash or eq per event).
_SOURCE_DOCS: dict[int, tuple[Source, dict[str, Any]]] = {}


def _source_doc(source: Source) -> dict[str, Any]:
    """A source's JSON form, dumped once per source instance (a log cites the same ones again and again)."""
    found = _SOURCE_DOCS.get(id(source))
    if found is None:
        if len(_SOURCE_DOCS) > 50_000:
            _SOURCE_DOCS.clear()
        found = _SOURCE_DOCS[id(source)] = (source, source.model_dump(mode="json"))
    return found[1]


def _review_row(stream: str, scope: dict[str, str | None], item: ReviewItem) -> dict[str, Any]:
    return {"stream": stream, **scope, "kind": item.kind, "message": item.message, "refs": list(item.refs),
            "code": item.code, "params": [list(pair) for pair in item.params]}
