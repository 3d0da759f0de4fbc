"""Server-rendered pages: every one answers as of `as_of` and as known at `known_at`, and works without script."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import TypeAdapter

from tracker.errors import NotFound, TrackerError
from tracker.events import PartialDate
from tracker.projections.model import CommitmentStatus
from tracker.projections.reports import FORMATS, Format, build_report, render
from tracker.projections.reports.data import shown_expectation
from tracker.projections.reports.i18n import DEFAULT_LANGUAGE, Texts, texts
from tracker.projections.review_queue import REVIEW_STATES, ReviewEntry
from tracker.projections.views import KIND_ORDER
from tracker.reminders.calendar import calendar_from_read_model
from tracker.web.auth import ROLES, Account, Accounts, allows
from tracker.web.common import (
    SESSION_COOKIE,
    CommitmentFilter,
    Refused,
    Times,
    page_after,
    parse_times,
    principal,
    read_model,
    require,
    safe_next,
    tracker_of,
)
from tracker.web.feeds import atom_feed
from tracker.web.writes import find_review_entry, record_decision, record_developments

__all__ = ["render_error", "router"]

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LOGIN_CSRF_COOKIE = "tracker_login_csrf"
_REPORT_CSS = files("tracker.projections.reports").joinpath("templates", "report.css")
COMMITMENT_STATES = ("undertaken", "fulfilled", "lapsed", "withdrawn", "superseded")
LEVELS = ("no_evidence", "not_started", "limited", "substantial", "complete")
_MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
          "json": "application/json", "csv": "text/csv; charset=utf-8"}


def _pd(value: PartialDate | None) -> str:
    return value.describe() if value is not None else ""


@cache
def _texts() -> Texts:
    # The pages are in English; state names come from the reports' own source (CLDR via Babel),
    # so a page and the report it links name a state alike ("Russia (RUS)", not ISO's long form).
    return texts(DEFAULT_LANGUAGE)


def _state(code: str | None) -> str:
    return _texts().state(code)


def _states(codes: Any) -> str:
    return _texts().states(tuple(codes))


# Status fields whose values are state codes: shown with their names, as the reports show them.
_STATE_FIELDS = frozenset({"by_state", "supporters", "parties", "in_force_for", "host_state", "chaired_by"})


@cache
def _env() -> Environment:
    # autoescape for every template: user text (titles, reasons, quotes) is escaped wherever it lands.
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pd"] = _pd
    env.filters["state"] = _state
    env.filters["states"] = _states
    # The rule's expectation beside a term only where it differs from who chaired: the reports' one rule.
    env.globals["shown_expectation"] = shown_expectation
    return env


@cache
def _stylesheet() -> bytes:
    # The report's own stylesheet first, so the site and the HTML report look alike.
    return _REPORT_CSS.read_bytes() + b"\n" + (STATIC / "site.css").read_bytes()


def _path_of(text: str) -> str:
    return quote(text, safe="/:")


class Page:
    """What every page's template gets: who asks, the times, and links that keep them."""

    def __init__(self, request: Request, times: Times, scope: dict[str, str | None] | None = None) -> None:
        self.request = request
        self.times = times
        self.scope = {k: v for k, v in (scope or {}).items() if v}
        try:
            self.me = principal(request)
        except Refused:
            self.me = None

    def link(self, path: str, **params: Any) -> str:
        """A link to `path` keeping the two times (and the given parameters)."""
        query = {**self.times.query(), **{k: v for k, v in params.items() if v not in (None, "")}}
        target = _path_of(path)
        return f"{target}?{urlencode(query)}" if query else target

    def context(self, **values: Any) -> dict[str, Any]:
        """The template context: helpers, times, report/feed links for the page's scope."""
        req = self.request
        report_query = {**self.times.query(), **{k: v for k, v in self.scope.items()
                                                 if k in ("organization", "body")}}
        suffix = f"?{urlencode(report_query)}" if report_query else ""
        calendar_query = {k: v for k, v in report_query.items() if k != "known_at"}  # the feed is as known now
        feed_scope = {k: v for k, v in self.scope.items() if k in ("organization", "body", "commitment")}
        keep = {k: v for k, v in req.query_params.items() if k not in ("as_of", "known_at", "cursor")}
        day, moment = self.times.effective()
        return {
            "me": self.me,
            "csrf": self.me.csrf if self.me else "",
            "can": lambda permission: self.me is not None and allows(self.me.role, permission),
            "link": self.link,
            "times": self.times,
            "times_query": self.times.query(),
            "when": f"as of {day.isoformat()}, as known at {moment.strftime('%Y-%m-%d %H:%M')} UTC",
            "path": req.url.path,
            "here": req.url.path + (f"?{req.url.query}" if req.url.query else ""),
            "keep": keep,
            "report_links": [(fmt, f"/report.{fmt}{suffix}") for fmt in FORMATS],
            "calendar_url": "/calendar.ics" + (f"?{urlencode(calendar_query)}" if calendar_query else ""),
            "feed_url": "/feeds/developments.atom" + (f"?{urlencode(feed_scope)}" if feed_scope else ""),
            **values,
        }

    def render(self, template: str, http_status: int = 200, **values: Any) -> HTMLResponse:
        """Render a template with the page's context."""
        html = _env().get_template(template).render(self.context(**values))
        return HTMLResponse(html, status_code=http_status, headers={"Cache-Control": "no-store"})


def render_error(request: Request, status: int, message: str, *, login: bool = False) -> Response:
    """An error page (the same layout), with a login link when the asker must log in."""
    try:
        times = parse_times(request.query_params.get("as_of"), request.query_params.get("known_at"))
    except TrackerError:
        times = Times(None, None)
    titles = {401: "Login required", 403: "Not allowed", 404: "Not found", 422: "Invalid input",
              429: "Too many attempts"}
    return Page(request, times).render("error.html.j2", http_status=status, title=titles.get(status, "Error"),
                                       message=message, login=login)


def _times(request: Request) -> Times:
    return parse_times(request.query_params.get("as_of"), request.query_params.get("known_at"))


def _param(request: Request, name: str) -> str | None:
    return request.query_params.get(name) or None


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _check_csrf(account: Account | None, form: dict[str, str]) -> None:
    # Every form that changes something carries the session's token; a cross-site post cannot know it.
    if account is None or account.via != "session" or not account.csrf:
        raise Refused(403, "csrf: this form needs a logged-in browser session")
    if not secrets.compare_digest(form.get("csrf", ""), account.csrf):
        raise Refused(403, "csrf: the form's token is missing or stale; reload the page and try again")


# --- reading ---------------------------------------------------------------------------------


@router.get("/static/site.css")
def stylesheet() -> Response:
    """The site's stylesheet (the report's, plus the site's own rules)."""
    return Response(_stylesheet(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    """The report's headline for the scope, with the open review count."""
    require(request, "read")
    times = _times(request)
    organization, body = _param(request, "organization"), _param(request, "body")
    model = read_model(request)
    report = build_report(model, organization_id=organization, body_id=body, as_of=times.as_of,
                          known_at=times.known_at)
    queue = model.review_queue(organization_id=organization, body_id=body, as_of=times.as_of,
                               known_at=times.known_at)
    page = Page(request, times, {"organization": organization, "body": body})
    return page.render("dashboard.html.j2", title=report.title, report=report,
                       open_review=sum(1 for e in queue if e.state != "decided"))


@router.get("/organizations", response_class=HTMLResponse)
def organizations(request: Request) -> Response:
    """Every organization with its bodies and their chairs."""
    require(request, "read")
    times = _times(request)
    tracker = tracker_of(request)
    model = read_model(request)
    found = []
    for stream in tracker.streams("organization"):
        org = model.status(stream, as_of=times.as_of, known_at=times.known_at)
        if org is None:
            continue
        bodies = model.presidencies(organization_id=org.organization_id, as_of=times.as_of, known_at=times.known_at)
        found.append((org, bodies))
    return Page(request, times).render("organizations.html.j2", title="Organizations", organizations=found)


@router.get("/bodies/{body_id:path}", response_class=HTMLResponse)
def body(request: Request, body_id: str) -> Response:
    """A body's presidency: current and next chair, terms, deviations, gaps; and its meetings."""
    require(request, "read")
    times = _times(request)
    model = read_model(request)
    presidency = model.presidency(body_id, as_of=times.as_of, known_at=times.known_at)
    if presidency is None:
        raise NotFound(f"body: no body {body_id!r} as of this date (value: {body_id!r})")
    meetings = model.meetings(body_id=body_id, as_of=times.as_of, known_at=times.known_at)
    page = Page(request, times, {"organization": presidency.organization_id, "body": body_id})
    return page.render("body.html.j2", title=body_id, p=presidency, meetings=meetings)


@router.get("/commitments", response_class=HTMLResponse)
def commitments(request: Request) -> Response:
    """Commitments with filters and pagination."""
    require(request, "read")
    times = _times(request)
    f = CommitmentFilter.parse(dict(request.query_params))
    model = read_model(request)
    found = [c for c in model.commitments(organization_id=f.organization, body_id=f.body, as_of=times.as_of,
                                          known_at=times.known_at) if f.keep(c)]
    size: int = request.app.state.web_settings.page_size
    cursor = _param(request, "cursor")
    items, next_cursor = page_after(found, lambda c: c.commitment_id, cursor, size)
    page = Page(request, times, {"organization": f.organization, "body": f.body})
    return page.render(
        "commitments.html.j2", title="Commitments", f=f, total=len(found), page_items=items,
        statuses=COMMITMENT_STATES, levels=LEVELS, cursor=cursor,
        first_url=page.link("/commitments", **f.query()),
        next_url=page.link("/commitments", **f.query(), cursor=next_cursor) if next_cursor else None,
    )


def _fields(status: Any) -> list[tuple[str, str]]:
    data = TypeAdapter(Any).dump_python(status, mode="python")
    rows = []
    for key, value in data.items():
        if key in ("parties", "attendees") and isinstance(value, list | tuple) and value and isinstance(value[0], dict):
            continue
        rows.append((key, _state_value(value) if key in _STATE_FIELDS else _plain(value)))
    return rows


def _state_value(value: Any) -> str:
    """A state code, or a list of them, with the names the reports give them."""
    if isinstance(value, str):
        return _state(value)
    return _states(value) if isinstance(value, list | tuple) else _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, PartialDate):
        return value.describe()
    if isinstance(value, dict):
        return _plain_object(value)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return "" if value is None else str(value)


def _plain_object(value: dict[str, Any]) -> str:
    """A development summary as its line, a partial date as its text, anything else as its fields."""
    if "summary" in value and "ref" in value:
        return f"{value['summary']} ({_plain(value.get('occurred_on'))}, {value['ref']})"
    if "precision" in value and "text" in value:
        return str(value["text"])
    return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())


def _entity_page(request: Request, kind: str, entity_id: str) -> Response:
    require(request, "read")
    times = _times(request)
    tracker = tracker_of(request)
    stream = tracker.resolve(f"{kind}:{entity_id}")
    model = read_model(request)
    status = model.status(stream, as_of=times.as_of, known_at=times.known_at)
    timeline = model.timeline(stream, as_of=times.as_of, known_at=times.known_at)
    organization = getattr(status, "organization_id", None)
    entries = model.review_queue(organization_id=organization, entity=stream, as_of=times.as_of,
                                 known_at=times.known_at)
    heading = getattr(status, "title", None) or entity_id
    parties = getattr(status, "parties", ()) if kind == "document" else ()
    scope = {"organization": organization, "body": getattr(status, "body_id", None)}
    if kind == "commitment":
        scope["commitment"] = entity_id
    page = Page(request, times, scope)
    return page.render("entity.html.j2", title=f"{kind} {entity_id}", heading=heading, stream=stream,
                       status=status, fields=_fields(status) if status is not None else [], parties=parties,
                       timeline=timeline, entries=entries)


@router.get("/commitments/{entity_id:path}", response_class=HTMLResponse)
def commitment(request: Request, entity_id: str) -> Response:
    """One commitment: status, parties, timeline with sources and quotes, review items."""
    return _entity_page(request, "commitment", entity_id)


@router.get("/proposals/{entity_id:path}", response_class=HTMLResponse)
def proposal(request: Request, entity_id: str) -> Response:
    """One proposal."""
    return _entity_page(request, "proposal", entity_id)


@router.get("/documents/{entity_id:path}", response_class=HTMLResponse)
def document(request: Request, entity_id: str) -> Response:
    """One document, with each party's standing."""
    return _entity_page(request, "document", entity_id)


@router.get("/meetings/{entity_id:path}", response_class=HTMLResponse)
def meeting(request: Request, entity_id: str) -> Response:
    """One meeting."""
    return _entity_page(request, "meeting", entity_id)


@router.get("/calendar", response_class=HTMLResponse)
def calendar(request: Request) -> Response:
    """Meetings and deadlines, with the iCalendar feed."""
    require(request, "read")
    times = _times(request)
    organization, body_id = _param(request, "organization"), _param(request, "body")
    model = read_model(request)
    meetings = sorted(model.meetings(organization_id=organization, body_id=body_id, as_of=times.as_of,
                                     known_at=times.known_at), key=lambda m: (m.starts_on.sort_key(), m.meeting_id))
    deadlines: list[CommitmentStatus] = sorted(
        (c for c in model.commitments(organization_id=organization, body_id=body_id, as_of=times.as_of,
                                      known_at=times.known_at) if c.due_on is not None),
        key=lambda c: (cast(PartialDate, c.due_on).sort_key(), c.commitment_id))
    page = Page(request, times, {"organization": organization, "body": body_id})
    return page.render("calendar.html.j2", title="Calendar", meetings=meetings, deadlines=deadlines)


@router.get("/review", response_class=HTMLResponse)
def review(request: Request) -> Response:
    """The review queue, filterable by state (open, decided, reopened), organization and body."""
    require(request, "read")
    times = _times(request)
    organization, body_id, state = _param(request, "organization"), _param(request, "body"), _param(request, "state")
    if state is not None and state not in REVIEW_STATES:
        from tracker.errors import InvalidInput

        raise InvalidInput([("state", state, f"must be one of {', '.join(REVIEW_STATES)}")])
    queue = read_model(request).review_queue(
        organization_id=organization, body_id=body_id, as_of=times.as_of, known_at=times.known_at)
    counts = [f"{s}: {sum(1 for e in queue if e.state == s)}" for s in REVIEW_STATES]
    entries = [e for e in queue if state is None or e.state == state]
    page = Page(request, times, {"organization": organization, "body": body_id})
    return page.render("review.html.j2", title="Review queue", entries=entries, states=REVIEW_STATES, state=state,
                       organization=organization, body=body_id, counts=counts)


def _entity_url(page: Page, entity: str) -> str:
    kind, _, entity_id = entity.partition(":")
    plural = {"commitment": "commitments", "proposal": "proposals", "document": "documents",
              "meeting": "meetings", "body": "bodies"}
    if kind in plural:
        return page.link(f"/{plural[kind]}/{entity_id}")
    return page.link("/organizations") + f"#{quote(entity_id)}"


def _review_page(request: Request, entry: ReviewEntry, times: Times, status: int = 200, **extra: Any) -> Response:
    tracker = tracker_of(request)
    events = []
    for ref in entry.item.refs:
        stream, _, version = ref.rpartition("#")
        record = None
        if stream.partition(":")[0] in KIND_ORDER and version.isdigit():
            try:
                record = next((r for r in tracker.history(stream) if r.version == int(version)), None)
            except NotFound:
                record = None
        events.append((ref, record))
    page = Page(request, times)
    return page.render("review_item.html.j2", http_status=status, title=f"Review item {entry.item_id}", e=entry,
                       events=events, entity_url=_entity_url(page, entry.item.entity), **extra)


@router.get("/review/{item_id}", response_class=HTMLResponse)
def review_item(request: Request, item_id: str) -> Response:
    """One review item: the events and their sources side by side, its decisions, and the decision form."""
    require(request, "read")
    times = _times(request)
    entry = find_review_entry(tracker_of(request), item_id, as_of=times.as_of, known_at=times.known_at)
    return _review_page(request, entry, times)


@router.post("/review/{item_id}")
async def decide(request: Request, item_id: str) -> Response:
    """Record a reviewer's decision (an immutable event naming its author and reason)."""
    account = require(request, "review")
    form = await _form(request)
    _check_csrf(account, form)
    assert account is not None
    choice = form.get("choice", "")
    decision, _, preferred = choice.partition(" ")
    from starlette.concurrency import run_in_threadpool

    await run_in_threadpool(lambda: record_decision(tracker_of(request), account, item_id, decision=decision,
                                                    reason=form.get("reason", ""), preferred_ref=preferred or None))
    return RedirectResponse(f"/review/{quote(item_id)}", status_code=303)


# --- reports and feeds -----------------------------------------------------------------------------


@router.get("/report.{fmt}")
def report(request: Request, fmt: str) -> Response:
    """The status report of the page's scope, in one of the four formats (the same builder as the CLI)."""
    require(request, "read")
    chosen: Format | None = next((f for f in FORMATS if f == fmt), None)
    if chosen is None:
        raise NotFound(f"format: no report format {fmt!r}; use {', '.join(FORMATS)} (value: {fmt!r})")
    times = _times(request)
    data = build_report(read_model(request), organization_id=_param(request, "organization"),
                        body_id=_param(request, "body"), as_of=times.as_of, known_at=times.known_at)
    rendered = render(data, chosen)
    headers = {"Content-Disposition": f'inline; filename="report.{fmt}"'}
    if fmt == "html":
        # The report carries its own, stricter policy (no stylesheet link: its CSS is inline).
        headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return Response(rendered, media_type=_MEDIA[fmt], headers=headers)


@router.get("/calendar.ics")
def calendar_feed(request: Request) -> Response:
    """Meetings and deadlines as an iCalendar feed (the reminders' calendar builder)."""
    require(request, "read")
    times = _times(request)
    body_bytes = calendar_from_read_model(read_model(request),
                                          organization_id=_param(request, "organization"),
                                          body_id=_param(request, "body"), as_of=times.as_of)
    return Response(body_bytes, media_type="text/calendar; charset=utf-8")


@router.get("/feeds/developments.atom")
def developments_feed(request: Request) -> Response:
    """An Atom feed of developments, newest recorded first (per organization, body or commitment)."""
    require(request, "read")
    commitment_id = _param(request, "commitment")
    xml = atom_feed(tracker_of(request), base_url=str(request.base_url).rstrip("/"),
                    organization_id=_param(request, "organization"), body_id=_param(request, "body"),
                    commitment_id=commitment_id, self_url=str(request.url))
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


# --- writing -----------------------------------------------------------------------------------


@router.get("/record", response_class=HTMLResponse)
def record_form(request: Request) -> Response:
    """The form to record developments."""
    require(request, "record")
    return Page(request, _times(request)).render("record.html.j2", title="Record", result=None, error=None, text="")


@router.post("/record", response_class=HTMLResponse)
async def record_post(request: Request) -> Response:
    """Record what the form holds, as the logged-in account."""
    account = require(request, "record")
    form = await _form(request)
    _check_csrf(account, form)
    assert account is not None
    text = form.get("events", "")
    page = Page(request, Times(None, None))
    from starlette.concurrency import run_in_threadpool

    try:
        done = await run_in_threadpool(record_developments, tracker_of(request), account, text.encode())
    except TrackerError as exc:
        return page.render("record.html.j2", http_status=422, title="Record", result=None, error=str(exc), text=text)
    if done.ref is not None:
        message = f"{'Recorded' if done.stored else 'Already recorded'}: {done.ref}"
    else:
        message = f"Stored {done.stored} development(s); {done.already_present} already present."
    return page.render("record.html.j2", title="Record", result=message, error=None, text="")


# --- logging in and out ---------------------------------------------------------------------------


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """The login form, with a CSRF token bound to a cookie of its own (there is no session yet)."""
    token = secrets.token_urlsafe(32)
    response = Page(request, Times(None, None)).render(
        "login.html.j2", title="Log in", error=None, login_csrf=token, next=safe_next(_param(request, "next")))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        max_age=3600, path="/login")
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password (throttled), then start a brand-new session and go where the user was going."""
    form = await _form(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(form.get("csrf", ""), cookie):
        raise Refused(403, "csrf: the login form's token is missing or stale; reload the page and try again")
    accounts: Accounts = request.app.state.accounts
    username = form.get("username", "").strip()
    address = request.client.host if request.client else "unknown"
    from starlette.concurrency import run_in_threadpool

    try:
        await run_in_threadpool(accounts.authenticate, username, form.get("password", ""), address)
    except TrackerError as exc:
        token = secrets.token_urlsafe(32)
        status = 429 if type(exc).__name__ == "LoginThrottled" else 401
        response = Page(request, Times(None, None)).render(
            "login.html.j2", http_status=status, title="Log in", error=str(exc), login_csrf=token,
            next=safe_next(form.get("next")))
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                            max_age=3600, path="/login")
        return response
    # Any session cookie the browser brought is dropped and a new id issued: no session fixation.
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        accounts.end_session(old)
    session, _ = accounts.start_session(username)
    redirect = RedirectResponse(safe_next(form.get("next")), status_code=303)
    redirect.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=12 * 3600, path="/")
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return redirect


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session (its id stops working at once)."""
    account = principal(request)
    form = await _form(request)
    _check_csrf(account, form)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        request.app.state.accounts.end_session(cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- accounts (admins) -----------------------------------------------------------------------------


def _admin_page(request: Request, status: int = 200, **extra: Any) -> Response:
    accounts: Accounts = request.app.state.accounts
    values: dict[str, Any] = {"new_token": None, "error": None, **extra}
    return Page(request, Times(None, None)).render("admin.html.j2", http_status=status, title="Accounts",
                                                   users=accounts.users(), tokens=accounts.tokens(), roles=ROLES,
                                                   **values)


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> Response:
    """Accounts and tokens, for admins."""
    require(request, "admin")
    return _admin_page(request)


@router.post("/admin/users", response_class=HTMLResponse)
async def admin_add_user(request: Request) -> Response:
    """Add an account."""
    account = require(request, "admin")
    form = await _form(request)
    _check_csrf(account, form)
    from starlette.concurrency import run_in_threadpool

    try:
        await run_in_threadpool(request.app.state.accounts.add_user, form.get("username", "").strip(),
                                form.get("password", ""), form.get("role", ""))
    except TrackerError as exc:
        return _admin_page(request, status=422, error=str(exc))
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/tokens", response_class=HTMLResponse)
async def admin_create_token(request: Request) -> Response:
    """Create an API token; its secret is shown on this page once and never again."""
    account = require(request, "admin")
    form = await _form(request)
    _check_csrf(account, form)
    try:
        token = request.app.state.accounts.create_token(form.get("username", "").strip(), form.get("role", ""),
                                                        form.get("label", ""))
    except TrackerError as exc:
        return _admin_page(request, status=422, error=str(exc))
    return _admin_page(request, new_token=token)


@router.post("/admin/tokens/{token_id}/revoke")
async def admin_revoke_token(request: Request, token_id: str) -> Response:
    """Revoke an API token."""
    account = require(request, "admin")
    form = await _form(request)
    _check_csrf(account, form)
    request.app.state.accounts.revoke_token(token_id)
    return RedirectResponse("/admin", status_code=303)


def _now() -> datetime:
    return datetime.now(UTC)
