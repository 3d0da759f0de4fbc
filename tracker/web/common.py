"""What pages and the API share: the two times, filters, cursors, who is asking, and refusals."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request

from tracker.errors import InvalidInput
from tracker.projections.model import CommitmentStatus
from tracker.web.auth import Account, Accounts, Permission, allows

if TYPE_CHECKING:
    from tracker.app import Tracker
    from tracker.projections.queries import Queries
    from tracker.web.settings import WebSettings

__all__ = [
    "COMMITMENT_FILTERS",
    "SESSION_COOKIE",
    "CommitmentFilter",
    "Refused",
    "Times",
    "decode_cursor",
    "encode_cursor",
    "page_after",
    "parse_times",
    "principal",
    "require",
    "safe_next",
]

SESSION_COOKIE = "tracker_session"
COMMITMENT_FILTERS = ("organization", "body", "party", "status", "level", "overdue", "stale", "q")
_T = TypeVar("_T")


class Refused(Exception):
    """A request the asker may not make: 401 (who are you?) or 403 (not with your role)."""

    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message
        super().__init__(message)


@dataclass(frozen=True)
class Times:
    """The two times every answer takes: a world date and a record time (None: today / now)."""

    as_of: date | None
    known_at: datetime | None

    def query(self) -> dict[str, str]:
        """The times as URL parameters (only those given), so a link reproduces the answer."""
        found = {}
        if self.as_of is not None:
            found["as_of"] = self.as_of.isoformat()
        if self.known_at is not None:
            found["known_at"] = self.known_at.isoformat()
        return found

    def effective(self) -> tuple[date, datetime]:
        """The times the answer is for, defaults filled in."""
        return self.as_of or datetime.now(UTC).date(), self.known_at or datetime.now(UTC)


def parse_times(as_of: str | None, known_at: str | None) -> Times:
    """Parse `as_of` (YYYY-MM-DD) and `known_at` (ISO 8601, UTC unless an offset is given); empty means default."""
    day: date | None = None
    moment: datetime | None = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise InvalidInput([("as_of", as_of, "is not a date: use YYYY-MM-DD, e.g. 2024-07-25")]) from None
    if known_at:
        try:
            moment = datetime.fromisoformat(known_at)
        except ValueError:
            raise InvalidInput([("known_at", known_at, "is not a date and time: use ISO 8601, e.g. "
                                 "2024-07-26T09:00 or 2024-07-26T09:00+05:00")]) from None
        # Read as UTC when no offset is given, as the CLI does: the same link, the same answer everywhere.
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return Times(day, moment)


def _flag(name: str, value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise InvalidInput([(name, value, "use true or false")])


@dataclass(frozen=True)
class CommitmentFilter:
    """The commitments list's filters; organization and body narrow the query itself."""

    organization: str | None = None
    body: str | None = None
    party: str | None = None
    status: str | None = None
    level: str | None = None
    overdue: bool | None = None
    stale: bool | None = None
    q: str | None = None

    @classmethod
    def parse(cls, values: dict[str, str | None]) -> CommitmentFilter:
        """From URL parameters (empty ones ignored), naming a bad one."""
        party = values.get("party") or None
        if party:
            from tracker.events import normalize_party

            try:
                party = normalize_party(party)
            except ValueError:
                raise InvalidInput([("party", party, "is not a state we know, nor org:<organization id>")]) from None
        return cls(
            organization=values.get("organization") or None,
            body=values.get("body") or None,
            party=party,
            status=values.get("status") or None,
            level=values.get("level") or None,
            overdue=_flag("overdue", values.get("overdue")),
            stale=_flag("stale", values.get("stale")),
            q=(values.get("q") or "").strip() or None,
        )

    def query(self) -> dict[str, str]:
        """The filters as URL parameters."""
        found: dict[str, str] = {}
        for name in COMMITMENT_FILTERS:
            value = getattr(self, name)
            if value is None:
                continue
            found[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return found

    def keep(self, c: CommitmentStatus) -> bool:
        """True when the commitment passes every filter."""
        if self.party is not None and self.party not in c.parties:
            return False
        wanted = ((self.status, c.status), (self.level, c.level), (self.overdue, c.overdue), (self.stale, c.stale))
        if any(want is not None and want != have for want, have in wanted):
            return False
        if self.q is not None:
            needle = self.q.casefold()
            return any(needle in text.casefold() for text in (c.commitment_id, c.title, c.text, *c.topics))
        return True


def encode_cursor(key: str) -> str:
    """An opaque cursor naming the last item of a page."""
    return base64.urlsafe_b64encode(f"c1:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor names (None for the first page), or InvalidInput naming the cursor."""
    if not cursor:
        return None
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("c1:"):
        raise InvalidInput([("cursor", cursor, "is not a cursor this server gave out")])
    return text[3:]


def page_after(
    items: Sequence[_T], key: Callable[[_T], str], cursor: str | None, limit: int
) -> tuple[list[_T], str | None]:
    """One page of items sorted by key, after the cursor's key; and the next page's cursor (None at the end)."""
    after = decode_cursor(cursor)
    ordered = sorted(items, key=key)
    start = 0
    if after is not None:
        start = next((i for i, item in enumerate(ordered) if key(item) > after), len(ordered))
    page = ordered[start:start + limit]
    more = start + limit < len(ordered)
    return page, (encode_cursor(key(page[-1])) if more and page else None)


def principal(request: Request) -> Account | None:
    """Who is asking: an API token (Authorization: Bearer) or a browser session cookie, else None."""
    cached: Any = getattr(request.state, "account", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    accounts: Accounts = request.app.state.accounts
    account: Account | None = None
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        account = accounts.token(header[7:].strip())
        if account is None:
            raise Refused(401, "authorization: the API token is unknown or revoked")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            account = accounts.session(cookie)
    request.state.account = account
    return account


def require(request: Request, permission: Permission) -> Account | None:
    """The asker, if allowed to do `permission`; else Refused (401 anonymous, 403 role too low)."""
    account = principal(request)
    web: WebSettings = request.app.state.web_settings
    if account is None:
        if permission == "read" and web.public_read:
            return None
        raise Refused(401, "login required")
    if not allows(account.role, permission):
        raise Refused(403, f"role: {account.role} may not {permission} (value: {account.username!r})")
    return account


def safe_next(value: str | None) -> str:
    """Where to go after login: only a path on this site (no scheme, no host, no '//' or backslash)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    # Browsers drop tabs and newlines from URLs: "/\t/evil.example" would become "//evil.example".
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "/"
    return value


def tracker_of(request: Request) -> Tracker:
    """The process's Tracker."""
    return request.app.state.tracker  # type: ignore[no-any-return]


def read_model(request: Request) -> Queries:
    """The Tracker's read model, caught up with the log; reused while the log has not grown.

    `Tracker.read_model()` checks the views' freshness with several queries; while the log's last
    position is the one seen last time, the views it returned are still current for this process.
    """
    tracker = tracker_of(request)
    position = tracker.event_log.max_position()
    cached: tuple[int, Queries] | None = getattr(request.app.state, "read_model", None)
    if cached is not None and cached[0] == position:
        model = cached[1]
    else:
        model = tracker.read_model()
        request.app.state.read_model = (position, model)
    # The API states the head its answer was read from (web.app.LogHeadHeaders reads it here).
    request.state.log_head = model.log_head()
    return model


def etag_for(request: Request, account: Account | None) -> str:
    """A weak ETag for a GET answer: changes with the log, the day, the URL and the asker's role.

    Computed without computing the answer, so an unchanged answer costs one small query.
    """
    tracker = tracker_of(request)
    position = tracker.event_log.max_position()
    role = account.role if account else "anonymous"
    basis = f"{position}|{datetime.now(UTC).date()}|{request.url.path}?{request.url.query}|{role}"
    return 'W/"' + hashlib.sha256(basis.encode()).hexdigest()[:32] + '"'
