"""The versioned HTTP API, `/api/v1`: the CLI's `--json` answers, lists with cursors, and writes.

Every answer is an envelope `{"schema": "tracker.api/1", "as_of", "known_at", "log_position",
"chain_head", <answer>}` (the log it was read from, also in the X-Tracker-Log-Position and
X-Tracker-Chain-Head headers of every /api/v1 response) whose answer
fields are those of the result types in `projections/model.py`, as in the CLI's `tracker.cli/1`.
Fields are only ever added within `tracker.api/1`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, Protocol, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from tracker.errors import InvalidInput, NotFound
from tracker.projections.model import (
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    LogHead,
    MeetingStatus,
    PresidencyStatus,
    ProposalStatus,
)
from tracker.projections.queries import Queries
from tracker.projections.reduce import OrganizationStatus
from tracker.projections.review_queue import REVIEW_STATES, ReviewEntry
from tracker.web.auth import Account
from tracker.web.common import (
    CommitmentFilter,
    Refused,
    Times,
    etag_for,
    page_after,
    read_model,
    require,
    tracker_of,
)
from tracker.web.writes import find_review_entry, record_decision, record_developments

__all__ = ["SCHEMA", "router"]

SCHEMA = "tracker.api/1"
_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)
_T_contra = TypeVar("_T_contra", contravariant=True)


class Problem(BaseModel):
    """One thing wrong with a request: the field, the value given, and what is wrong."""

    field: str
    value: Any = None
    message: str


class ErrorBody(BaseModel):
    """Every error: its kind, one readable message, the problems, and the JSON Lines line if any."""

    error: str
    message: str
    problems: list[Problem]
    line: int | None = None


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid session or API token"},
    403: {"model": ErrorBody, "description": "The role does not allow this"},
    404: {"model": ErrorBody, "description": "Nothing by that name"},
    422: {"model": ErrorBody, "description": "Invalid input, naming the field and the value"},
}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS, 409: {"model": ErrorBody, "description": "The development breaks a rule of the world timeline"},
}

router = APIRouter(prefix="/api/v1", tags=["tracker"], responses=_ERRORS)


class _Envelope(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, populate_by_name=True)

    schema_: str = Field(SCHEMA, alias="schema")
    as_of: date
    known_at: datetime
    log_position: int = Field(0, description="the log position the answer was read from (as the "
                              "X-Tracker-Log-Position header)")
    chain_head: str | None = Field(None, description="the chain link at log_position, as `tracker verify` "
                                   "prints it (as the X-Tracker-Chain-Head header); null for an empty log")


class StatusAnswer(_Envelope):
    """`GET /status/{entity}`."""

    status: CommitmentStatus | ProposalStatus | DocumentStatus | MeetingStatus | PresidencyStatus | OrganizationStatus


class PresidencyAnswer(_Envelope):
    """`GET /presidency/{body_id}`."""

    presidency: PresidencyStatus


class TimelineAnswer(_Envelope):
    """`GET /timeline/{entity}`."""

    timeline: list[DevelopmentSummary]


class _Page(_Envelope):
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null on the last")


class CommitmentsPage(_Page):
    """`GET /commitments`."""

    commitments: list[CommitmentStatus]


class ProposalsPage(_Page):
    """`GET /proposals`."""

    proposals: list[ProposalStatus]


class DocumentsPage(_Page):
    """`GET /documents`."""

    documents: list[DocumentStatus]


class MeetingsPage(_Page):
    """`GET /meetings`."""

    meetings: list[MeetingStatus]


class PresidenciesPage(_Page):
    """`GET /presidencies`."""

    presidencies: list[PresidencyStatus]


class DevelopmentsPage(_Page):
    """`GET /developments`."""

    developments: list[DevelopmentSummary]


class ReviewPage(_Page):
    """`GET /review`."""

    review: list[ReviewEntry]


class ReviewItemAnswer(_Envelope):
    """`GET /review/{item_id}`."""

    review: ReviewEntry


class DecisionIn(BaseModel):
    """A reviewer's decision on a review item."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["preferred_source", "explained", "dismissed", "reopened"]
    reason: str = Field(min_length=1, max_length=5000)
    preferred_ref: str | None = Field(None, description="with preferred_source: the event whose source is preferred")


class Written(BaseModel):
    """What a write stored: the reference (one development or a decision) and counts."""

    ref: str | None
    stored: int
    already_present: int


_ALREADY: dict[int | str, dict[str, Any]] = {
    200: {"model": Written, "description": "Nothing new: already recorded (same key or content)"},
}

AsOf = Annotated[date | None, Query(description="World date the answer describes (YYYY-MM-DD) [today]")]
KnownAt = Annotated[datetime | None, Query(
    description="Answer with what was recorded by this time (ISO 8601, UTC unless an offset is given) [now]")]
Org = Annotated[str | None, Query(description="Only this organization, e.g. sco")]
BodyId = Annotated[str | None, Query(description="Only this body, e.g. sco-prosecutors-general")]
Cursor = Annotated[str | None, Query(description="From a previous page's next_cursor")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page")]


def _times(as_of: date | None, known_at: datetime | None) -> Times:
    if known_at is not None and known_at.tzinfo is None:
        known_at = known_at.replace(tzinfo=UTC)
    return Times(as_of, known_at)


def _not_modified(request: Request, account: Account | None) -> tuple[str, Response | None]:
    tag = etag_for(request, account)
    if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return tag, Response(status_code=304, headers={"ETag": tag})
    return tag, None


def _answer(model: type[_Envelope], tag: str, times: Times, request: Request, **answer: Any) -> Response:
    day, moment = times.effective()
    # The head of the read model the answer came from (left by common.read_model), not a fresh
    # read: a write landing meanwhile must not be claimed by an answer computed before it.
    head: LogHead = getattr(request.state, "log_head", None) or read_model(request).log_head()
    body = model.model_construct(schema_=SCHEMA, as_of=day, known_at=moment, log_position=head.position,
                                 chain_head=head.chain_head, **answer)
    return Response(body.model_dump_json(by_alias=True), media_type="application/json",
                    headers={"ETag": tag, "Cache-Control": "private, no-cache"})


def _get(
    request: Request, as_of: date | None, known_at: datetime | None, model: type[_Envelope],
    ask: Callable[[Times], dict[str, Any]],
) -> Response:
    """Every read: the asker may read, an unchanged answer is a 304, else `ask`'s fields in the envelope."""
    # `ask` runs only after the asker is known, so a stranger learns nothing from its errors.
    account = require(request, "read")
    tag, cached = _not_modified(request, account)
    if cached is not None:
        return cached
    times = _times(as_of, known_at)
    return _answer(model, tag, times, request, **ask(times))


# --- one entity ---------------------------------------------------------------------------------


@router.get("/status/{entity:path}", response_model=StatusAnswer, summary="Status of one entity")
def status(request: Request, entity: Annotated[str, Path(description="an id, or kind:id")],
           as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Status of a commitment, proposal, document, meeting, body (its presidency) or organization."""

    def ask(times: Times) -> dict[str, Any]:
        stream = tracker_of(request).resolve(entity)
        answer = read_model(request).status(stream, as_of=times.as_of, known_at=times.known_at)
        if answer is None:
            raise NotFound(f"id: {stream} did not exist at that time (value: {entity!r})")
        return {"status": answer}

    return _get(request, as_of, known_at, StatusAnswer, ask)


@router.get("/presidency/{body_id:path}", response_model=PresidencyAnswer, summary="A body's presidency")
def presidency(request: Request, body_id: str, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Who chairs the body and since when, its terms, who is expected next, deviations and gaps."""

    def ask(times: Times) -> dict[str, Any]:
        answer = read_model(request).presidency(body_id, as_of=times.as_of, known_at=times.known_at)
        if answer is None:
            raise NotFound(f"body: no body {body_id!r} at that time (value: {body_id!r})")
        return {"presidency": answer}

    return _get(request, as_of, known_at, PresidencyAnswer, ask)


@router.get("/timeline/{entity:path}", response_model=TimelineAnswer, summary="One entity's developments")
def timeline(request: Request, entity: str, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Every development of one entity in world order, retracted and corrected ones marked."""
    return _get(request, as_of, known_at, TimelineAnswer, lambda times: {"timeline": read_model(request).timeline(
        tracker_of(request).resolve(entity), as_of=times.as_of, known_at=times.known_at)})


# --- lists ------------------------------------------------------------------------------------------


class _ListQuery(Protocol[_T_co]):
    """A list question of the read model for a scope and times, e.g. `Queries.proposals`."""

    def __call__(self, queries: Queries, /, *, organization_id: str | None, body_id: str | None,
                 as_of: date | None, known_at: datetime | None) -> Sequence[_T_co]: ...


class _Filter(Protocol[_T_contra]):
    """A list's scope (which narrows the query itself) and what else an item must pass."""

    @property
    def organization(self) -> str | None: ...

    @property
    def body(self) -> str | None: ...

    def keep(self, item: _T_contra, /) -> bool: ...


@dataclass(frozen=True)
class _Scope(Generic[_T]):
    """A list's scope, and a test an item must pass if any."""

    organization: str | None
    body: str | None
    test: Callable[[_T], bool] | None = None

    def keep(self, item: _T, /) -> bool:
        """True when the item passes the test (every item when there is none)."""
        return self.test is None or self.test(item)


@dataclass(frozen=True)
class _Paging:
    """Which page of a list, and the times it is asked for."""

    cursor: str | None
    limit: int
    as_of: date | None
    known_at: datetime | None


@dataclass(frozen=True)
class _Listing(Generic[_T]):
    """One list's page type and each item's stable id, the order of its pages."""

    page: type[_Page]
    key: Callable[[_T], str]

    @property
    def field(self) -> str:
        """The page's one field holding the items (the field it adds to every page's)."""
        [name] = self.page.model_fields.keys() - _Page.model_fields.keys()
        return name


def _list(
    request: Request, listing: _Listing[_T], query: _ListQuery[_T], paging: _Paging,
    narrow: Callable[[], _Filter[_T]],
) -> Response:
    """Every list: `query` for the scope `narrow` gives (parsed once the asker may read), filtered, paged by id."""

    def ask(times: Times) -> dict[str, Any]:
        scope = narrow()
        found = query(read_model(request), organization_id=scope.organization, body_id=scope.body,
                      as_of=times.as_of, known_at=times.known_at)
        page, next_cursor = page_after([item for item in found if scope.keep(item)], listing.key, paging.cursor,
                                       paging.limit)
        return {"next_cursor": next_cursor, listing.field: page}

    return _get(request, paging.as_of, paging.known_at, listing.page, ask)


def _development_key(d: DevelopmentSummary) -> str:
    when = d.occurred_on
    return f"{when.earliest.isoformat()}|{when.latest.isoformat()}|{d.recorded_at.isoformat()}|{d.ref}"


_COMMITMENTS: _Listing[CommitmentStatus] = _Listing(CommitmentsPage, lambda c: c.commitment_id)
_PROPOSALS: _Listing[ProposalStatus] = _Listing(ProposalsPage, lambda p: p.proposal_id)
_DOCUMENTS: _Listing[DocumentStatus] = _Listing(DocumentsPage, lambda d: d.document_id)
_MEETINGS: _Listing[MeetingStatus] = _Listing(MeetingsPage, lambda m: m.meeting_id)
_PRESIDENCIES: _Listing[PresidencyStatus] = _Listing(PresidenciesPage, lambda p: p.body_id)
_DEVELOPMENTS: _Listing[DevelopmentSummary] = _Listing(DevelopmentsPage, _development_key)
_REVIEW: _Listing[ReviewEntry] = _Listing(ReviewPage, lambda e: e.item_id)


@router.get("/commitments", response_model=CommitmentsPage, summary="Commitments, filtered, by cursor")
def commitments(
    request: Request, organization: Org = None, body: BodyId = None,
    party: Annotated[str | None, Query(description="A party state (code or name)")] = None,
    status: Annotated[Literal["undertaken", "fulfilled", "lapsed", "withdrawn", "superseded"] | None, Query()] = None,
    level: Annotated[Literal["no_evidence", "not_started", "limited", "substantial", "complete"] | None,
                     Query()] = None,
    overdue: bool | None = None, stale: bool | None = None,
    q: Annotated[str | None, Query(description="Text in the id, title, text or topics")] = None,
    cursor: Cursor = None, limit: Limit = 50, as_of: AsOf = None, known_at: KnownAt = None,
) -> Response:
    """Commitments in scope passing the filters, ordered by id."""

    def narrow() -> CommitmentFilter:
        parsed = CommitmentFilter.parse({"organization": organization, "body": body, "party": party,
                                         "status": status, "level": level, "q": q})
        return replace(parsed, overdue=overdue, stale=stale)

    return _list(request, _COMMITMENTS, Queries.commitments, _Paging(cursor, limit, as_of, known_at), narrow)


@router.get("/proposals", response_model=ProposalsPage, summary="Proposals, by cursor")
def proposals(request: Request, organization: Org = None, body: BodyId = None, cursor: Cursor = None,
              limit: Limit = 50, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Proposals in scope, ordered by id."""
    return _list(request, _PROPOSALS, Queries.proposals, _Paging(cursor, limit, as_of, known_at),
                 lambda: _Scope(organization, body))


@router.get("/documents", response_model=DocumentsPage, summary="Documents, by cursor")
def documents(request: Request, organization: Org = None, body: BodyId = None, cursor: Cursor = None,
              limit: Limit = 50, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Documents in scope with each party's standing, ordered by id."""
    return _list(request, _DOCUMENTS, Queries.documents, _Paging(cursor, limit, as_of, known_at),
                 lambda: _Scope(organization, body))


@router.get("/meetings", response_model=MeetingsPage, summary="Meetings, by cursor")
def meetings(request: Request, organization: Org = None, body: BodyId = None, cursor: Cursor = None,
             limit: Limit = 50, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """Meetings in scope, ordered by id."""
    return _list(request, _MEETINGS, Queries.meetings, _Paging(cursor, limit, as_of, known_at),
                 lambda: _Scope(organization, body))


@router.get("/presidencies", response_model=PresidenciesPage, summary="Presidencies, by cursor")
def presidencies(request: Request, organization: Org = None, body: BodyId = None, cursor: Cursor = None,
                 limit: Limit = 50, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """The presidency of every body in scope, ordered by body id."""
    return _list(request, _PRESIDENCIES, Queries.presidencies, _Paging(cursor, limit, as_of, known_at),
                 lambda: _Scope(organization, body))


@router.get("/developments", response_model=DevelopmentsPage, summary="Developments since a time, by cursor")
def developments(
    request: Request, organization: Org = None, body: BodyId = None,
    since: Annotated[datetime | None, Query(description="Only those recorded after this time")] = None,
    occurred_after: Annotated[date | None, Query(description="Only those that happened after this date")] = None,
    cursor: Cursor = None, limit: Limit = 50, as_of: AsOf = None, known_at: KnownAt = None,
) -> Response:
    """Developments in scope in world order, optionally only those recorded after `since`."""
    recorded_after = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since

    def query(queries: Queries, /, **scope: Any) -> list[DevelopmentSummary]:
        return queries.developments(recorded_after=recorded_after, occurred_after=occurred_after, **scope)

    return _list(request, _DEVELOPMENTS, query, _Paging(cursor, limit, as_of, known_at),
                 lambda: _Scope(organization, body))


@router.get("/review", response_model=ReviewPage, summary="The review queue, by cursor")
def review(
    request: Request, organization: Org = None, body: BodyId = None,
    state: Annotated[Literal["open", "decided", "reopened"] | None, Query()] = None,
    cursor: Cursor = None, limit: Limit = 50, as_of: AsOf = None, known_at: KnownAt = None,
) -> Response:
    """What needs review, each item with its stable id, state and decisions."""
    assert state is None or state in REVIEW_STATES

    def in_state(entry: ReviewEntry) -> bool:
        return state is None or entry.state == state

    return _list(request, _REVIEW, Queries.review_queue, _Paging(cursor, limit, as_of, known_at),
                 lambda: _Scope(organization, body, in_state))


@router.get("/review/{item_id}", response_model=ReviewItemAnswer, summary="One review item")
def review_item(request: Request, item_id: str, as_of: AsOf = None, known_at: KnownAt = None) -> Response:
    """One review item with its decisions."""
    return _get(request, as_of, known_at, ReviewItemAnswer, lambda times: {"review": find_review_entry(
        tracker_of(request), item_id, as_of=times.as_of, known_at=times.known_at)})


# --- writes -------------------------------------------------------------------------------------------


def _check_api_csrf(request: Request, account: Account) -> None:
    # Tokens come from programs (no ambient credentials); a browser session must prove it is not cross-site.
    if account.via == "session" and not secrets.compare_digest(
        request.headers.get("x-csrf-token", ""), account.csrf or ""
    ):
        raise Refused(403, "csrf: send the session's token in the X-CSRF-Token header")


_DEVELOPMENTS_BODY = {
    "requestBody": {
        "required": True,
        "description": "One development as a JSON object, or several as JSON Lines (stored all or nothing).",
        "content": {
            "application/json": {"schema": {"type": "object", "required": ["type"],
                                            "properties": {"type": {"type": "string"}},
                                            "additionalProperties": True}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


@router.post("/developments", response_model=Written, status_code=201, responses={**_WRITE_ERRORS, **_ALREADY},
             openapi_extra=_DEVELOPMENTS_BODY, summary="Record developments")
async def record(request: Request) -> Response:
    """Record one development or a JSON Lines batch, as the authenticated account (recorded_by is set here)."""
    account = require(request, "record")
    assert account is not None
    _check_api_csrf(request, account)
    payload = await request.body()
    done = await run_in_threadpool(record_developments, tracker_of(request), account, payload)
    body = Written(ref=done.ref, stored=done.stored, already_present=done.already_present)
    return Response(body.model_dump_json(), status_code=201 if done.stored else 200, media_type="application/json")


_DECISION_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": DecisionIn.model_json_schema()}}},
}


@router.post("/review/{item_id}/decisions", response_model=Written, status_code=201, responses=_WRITE_ERRORS,
             openapi_extra=_DECISION_BODY, summary="Decide a review item")
async def decide(request: Request, item_id: str) -> Response:
    """Record a reviewer's decision (preferred source, explained, dismissed, or reopened) with its reason."""
    account = require(request, "review")  # before looking at the body: strangers learn nothing from errors
    assert account is not None
    _check_api_csrf(request, account)
    try:
        decision = DecisionIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise InvalidInput([(".".join(str(p) for p in e["loc"]) or "(body)", e.get("input"), e["msg"])
                            for e in exc.errors()]) from None
    ref = await run_in_threadpool(lambda: record_decision(
        tracker_of(request), account, item_id, decision=decision.decision, reason=decision.reason,
        preferred_ref=decision.preferred_ref))
    body = Written(ref=ref, stored=1, already_present=0)
    return Response(body.model_dump_json(), status_code=201, media_type="application/json")
