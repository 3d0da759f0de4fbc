"""Accounts, roles, browser sessions and API tokens, in tables of our own in the tracker's database.

Passwords are hashed with Argon2id (argon2-cffi); session ids and API token secrets are random
256-bit values of which only a SHA-256 digest is stored (they are not guessable, so a fast digest
suffices), so a copy of the database lets nobody log in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, DateTime, Engine, ForeignKey, Integer, String, delete, func, insert, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tracker.db import write_transaction
from tracker.errors import AlreadyExists, InvalidInput, LoginFailed, LoginThrottled, NotFound
from tracker.store import schema_lock

# LoginFailed and LoginThrottled live in tracker.errors' tree; still importable from here.
__all__ = [
    "PERMISSIONS",
    "ROLES",
    "Account",
    "Accounts",
    "LoginFailed",
    "LoginThrottled",
    "Permission",
    "Role",
    "TokenInfo",
    "allows",
]

Role = Literal["reader", "editor", "reviewer", "admin"]
Permission = Literal["read", "record", "review", "admin"]
ROLES: tuple[Role, ...] = ("reader", "editor", "reviewer", "admin")
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "reader": frozenset({"read"}),
    "editor": frozenset({"read", "record"}),
    "reviewer": frozenset({"read", "review"}),
    "admin": frozenset({"read", "record", "review", "admin"}),
}
"""What each role may do: editors record developments, reviewers decide review items, admins everything."""

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_MIN_PASSWORD = 10
SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_FAILURES = 5  # per user name
THROTTLE_ADDRESS_FAILURES = 20  # per address: colleagues behind one NAT share it


def allows(role: str | None, permission: Permission) -> bool:
    """True when `role` may do `permission`."""
    return role in PERMISSIONS and permission in PERMISSIONS[role]


class WebBase(DeclarativeBase):
    """Base of the web face's own tables (created idempotently next to the views)."""


class AccountRow(WebBase):
    """A person (or program owner) who can log in."""

    __tablename__ = "web_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TokenRow(WebBase):
    """An API token: its public id, the digest of its secret, the role it is scoped to."""

    __tablename__ = "web_tokens"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("web_accounts.id", ondelete="CASCADE"), index=True)
    secret_digest: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SessionRow(WebBase):
    """A browser session: the digest of its cookie value, its CSRF token and expiry."""

    __tablename__ = "web_sessions"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("web_accounts.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginFailureRow(WebBase):
    """A failed login, kept for throttling."""

    __tablename__ = "web_login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Account:
    """Who is asking, and with which role (a token's scope, or the account's role)."""

    username: str
    role: Role
    via: Literal["session", "token"]
    csrf: str | None = None  # the session's CSRF token (None for tokens)


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed (never its secret)."""

    token_id: str
    username: str
    role: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns: they were stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Accounts:
    """Accounts, sessions, tokens and login throttling over the tracker's engine."""

    def __init__(self, engine: Engine, database_url: str, *, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.database_url = database_url
        self.hasher = hasher or PasswordHasher()

    def ensure_schema(self) -> None:
        """Create the tables if they are missing (idempotent, safe with several processes)."""
        with schema_lock(self.database_url):
            WebBase.metadata.create_all(self.engine)

    # --- accounts ----------------------------------------------------------------------------

    def add_user(self, username: str, password: str, role: str) -> None:
        """Create an account; the name must be new, the password at least 10 characters."""
        if not _USERNAME.match(username):
            raise InvalidInput([("username", username, "use 2-64 lower-case letters, digits, '.', '_', '@', '-'")])
        if role not in ROLES:
            raise InvalidInput([("role", role, f"must be one of {', '.join(ROLES)}")])
        if len(password) < _MIN_PASSWORD:
            raise InvalidInput([("password", "(hidden)", f"must be at least {_MIN_PASSWORD} characters")])
        hashed = self.hasher.hash(password)
        with write_transaction(self.engine) as conn:
            if conn.execute(select(AccountRow.id).where(AccountRow.username == username)).first():
                raise AlreadyExists("username", username, "is already an account")
            conn.execute(insert(AccountRow).values(
                username=username, password_hash=hashed, role=role, created_at=_now()))

    def users(self) -> list[tuple[str, str, datetime]]:
        """Every account: (username, role, created_at)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(AccountRow.username, AccountRow.role, AccountRow.created_at)
                                .order_by(AccountRow.username)).all()
        return [(u, r, _aware(c)) for u, r, c in rows]

    def _account_id(self, conn: Connection, username: str) -> tuple[int, str]:
        row = conn.execute(select(AccountRow.id, AccountRow.role).where(AccountRow.username == username)).first()
        if row is None:
            raise NotFound(f"username: no account {username!r} (value: {username!r})")
        return int(row[0]), str(row[1])

    # --- logging in --------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, address: str) -> None:
        """Check a password; refuse while too many recent failures name this user or address."""
        since = _now() - THROTTLE_WINDOW
        with self.engine.connect() as conn:
            by_name = conn.execute(select(func.count()).select_from(LoginFailureRow).where(
                LoginFailureRow.at > since, LoginFailureRow.username == username)).scalar_one()
            by_address = conn.execute(select(func.count()).select_from(LoginFailureRow).where(
                LoginFailureRow.at > since, LoginFailureRow.address == address)).scalar_one()
            row = conn.execute(select(AccountRow.password_hash).where(AccountRow.username == username)).first()
        if by_name >= THROTTLE_FAILURES or by_address >= THROTTLE_ADDRESS_FAILURES:
            raise LoginThrottled(f"login: too many failed attempts; try again in {THROTTLE_WINDOW.seconds // 60} "
                                 f"minutes (value: {username!r})")
        try:
            if row is None:
                # Spend the same time as a real check, so timing does not tell which names exist.
                self.hasher.verify(self.hasher.hash("not-a-password"), password + "x")
            self.hasher.verify(row[0] if row else "", password)
        except (VerificationError, InvalidHashError):
            with write_transaction(self.engine) as conn:
                conn.execute(insert(LoginFailureRow).values(username=username[:200], address=address[:64], at=_now()))
            raise LoginFailed("login: wrong user name or password") from None

    def start_session(self, username: str) -> tuple[str, str]:
        """A new session for the account: (cookie value, CSRF token). Always a fresh id (no fixation)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with write_transaction(self.engine) as conn:
            account_id, _ = self._account_id(conn, username)
            now = _now()
            conn.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            conn.execute(delete(LoginFailureRow).where(LoginFailureRow.username == username))
            conn.execute(insert(SessionRow).values(
                digest=_digest(token), account_id=account_id, csrf=csrf, expires_at=now + SESSION_LIFETIME))
        return token, csrf

    def session(self, token: str) -> Account | None:
        """The account behind a session cookie, or None when unknown or expired."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(AccountRow.username, AccountRow.role, SessionRow.csrf, SessionRow.expires_at)
                .join(AccountRow, AccountRow.id == SessionRow.account_id)
                .where(SessionRow.digest == _digest(token))
            ).first()
        if row is None or _aware(row[3]) < _now():
            return None
        return Account(row[0], cast(Role, row[1]), "session", row[2])

    def end_session(self, token: str) -> None:
        """Log out: the cookie value stops working at once."""
        with write_transaction(self.engine) as conn:
            conn.execute(delete(SessionRow).where(SessionRow.digest == _digest(token)))

    # --- API tokens --------------------------------------------------------------------------

    def create_token(self, username: str, role: str, label: str = "") -> str:
        """A new API token scoped to `role` (no more than the account may do); returned once, stored hashed."""
        if role not in ROLES:
            raise InvalidInput([("role", role, f"must be one of {', '.join(ROLES)}")])
        token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with write_transaction(self.engine) as conn:
            account_id, account_role = self._account_id(conn, username)
            if not PERMISSIONS[role] <= PERMISSIONS[cast(Role, account_role)]:
                raise InvalidInput([("role", role, f"exceeds what {username} may do ({account_role})")])
            conn.execute(insert(TokenRow).values(
                id=token_id, account_id=account_id, secret_digest=_digest(secret), role=role,
                label=label[:200], created_at=_now()))
        return f"trk_{token_id}_{secret}"

    def token(self, presented: str) -> Account | None:
        """The account and scope behind a presented token, or None (unknown, wrong secret, revoked)."""
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != "trk":
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(AccountRow.username, AccountRow.role, TokenRow.role, TokenRow.secret_digest, TokenRow.revoked_at)
                .join(AccountRow, AccountRow.id == TokenRow.account_id)
                .where(TokenRow.id == parts[1])
            ).first()
        if row is None or row[4] is not None or not hmac.compare_digest(row[3], _digest(parts[2])):
            return None
        # A token never does more than its account may do now (its role may have been lowered since).
        scope = cast(Role, row[2])
        if not PERMISSIONS[scope] <= PERMISSIONS[cast(Role, row[1])]:
            return None
        return Account(row[0], scope, "token")

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        """API tokens (optionally of one account), newest first; never their secrets."""
        query = select(TokenRow.id, AccountRow.username, TokenRow.role, TokenRow.label, TokenRow.created_at,
                       TokenRow.revoked_at).join(AccountRow, AccountRow.id == TokenRow.account_id)
        if username is not None:
            query = query.where(AccountRow.username == username)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(TokenRow.created_at.desc())).all()
        return [TokenInfo(r[0], r[1], r[2], r[3], _aware(r[4]), _aware(r[5]) if r[5] else None) for r in rows]

    def revoke_token(self, token_id: str) -> None:
        """Revoke a token: it stops working at once (the row stays, for the record)."""
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                update(TokenRow).where(TokenRow.id == token_id, TokenRow.revoked_at.is_(None)).values(revoked_at=_now())
            ).rowcount
            if not done:
                exists = conn.execute(select(TokenRow.id).where(TokenRow.id == token_id)).first()
                if exists is None:
                    raise NotFound(f"token: no API token {token_id!r} (value: {token_id!r})")
