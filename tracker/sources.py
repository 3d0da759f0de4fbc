"""Sources that last: local copies kept in the database by content, and a check of cited web pages.

- `SourceFiles` stores a file under the SHA-256 of its content in the `source_files` table of
  the tracker's own database (one URL holds everything), so a `Source` citing `file_sha256`
  can always be turned back into the bytes it cites. Storing the same content twice stores it
  once.
- `cited_urls` lists every `url` and `archive_url` cited across the log, read through the
  Tracker; `check_urls` asks each one over HTTP with bounded concurrency, a timeout per
  request and a deadline for the whole run. It only reads the log, and holds no database
  connection while it waits on the network, so recording is never blocked by it.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.db import write_transaction
from tracker.errors import InvalidInput, SourceFileRefused, UnknownSourceFile

if TYPE_CHECKING:
    import httpx

    from tracker.events.base import Recorded

__all__ = [
    "CHUNK",
    "SOURCE_FILES",
    "CitedUrl",
    "SourceFiles",
    "StoredFile",
    "UrlCheck",
    "UrlOutcome",
    "check_urls",
    "cited_urls",
    "create_source_files",
    "metadata",
]

CHUNK = 1 << 20
"""Bytes read (and hashed) at a time, from files and from HTTP responses."""

metadata = MetaData()
"""The source files' own metadata: create with `create_source_files(engine)`."""

SOURCE_FILES = Table(
    "source_files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("name", String(500), nullable=False),
    Column("media_type", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    # LargeBinary is BLOB on SQLite and bytea on PostgreSQL.
    Column("content", LargeBinary, nullable=False),
    Column("added_at", DateTime, nullable=False),  # naive UTC, as the outbox stores times
)

_DDL_LOCK_KEY = 0x7472_6B73_6F75_7263  # "trksourc": serialises concurrent first-time table creation


def create_source_files(engine: Engine) -> None:
    """Create the `source_files` table if missing; safe when several processes start at once."""
    with engine.connect() as conn:
        if inspect(conn).has_table(SOURCE_FILES.name):
            return
    with write_transaction(engine) as conn:
        # As for the outbox: a lock around create_all's check-then-create, so a second starter
        # sees the first one's table instead of failing on a duplicate.
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DDL_LOCK_KEY})
        metadata.create_all(conn)


@dataclass(frozen=True)
class StoredFile:
    """A local copy of a source as stored: its digest, name, media type, size, when first added."""

    sha256: str
    name: str
    media_type: str
    size: int
    added_at: datetime
    stored: bool = True
    """False when the same content was already stored (nothing was written)."""


def _check_digest(sha256: str) -> str:
    value = sha256.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidInput([("sha256", sha256, "a SHA-256 is 64 hexadecimal characters")])
    return value


class SourceFiles:
    """The local copies of sources, content-addressed in the tracker's database."""

    def __init__(self, engine: Engine, *, max_bytes: int) -> None:
        self.engine = engine
        self.max_bytes = max_bytes
        create_source_files(engine)

    def _read(self, path: Path) -> tuple[str, bytes]:
        """The digest and content of `path`, read in chunks and refused past the size limit."""
        too_large = (f"is larger than the limit of {self.max_bytes} bytes "
                     "(TRACKER_SOURCE_FILE_MAX_BYTES); nothing was stored")
        try:
            if not path.is_file():
                raise SourceFileRefused(path, "is not a regular file")
            if path.stat().st_size > self.max_bytes:
                raise SourceFileRefused(path, f"{path.stat().st_size} bytes {too_large}")
            digest = hashlib.sha256()
            content = bytearray()
            with path.open("rb") as handle:
                # Counted while reading too: the file may grow after the stat above.
                while chunk := handle.read(CHUNK):
                    if len(content) + len(chunk) > self.max_bytes:
                        raise SourceFileRefused(path, too_large)
                    digest.update(chunk)
                    content += chunk
        except OSError as exc:
            raise SourceFileRefused(path, f"cannot read: {exc.strerror or exc}") from None
        return digest.hexdigest(), bytes(content)

    def add(self, path: str | Path, *, name: str | None = None, media_type: str | None = None) -> StoredFile:
        """Store the file's content under its SHA-256 (once: the same content again stores nothing)."""
        path = Path(path)
        sha256, content = self._read(path)
        row = {
            "sha256": sha256,
            "name": name or path.name,
            "media_type": media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            "size": len(content),
            "content": content,
            "added_at": datetime.now(UTC).replace(tzinfo=None),
        }
        with write_transaction(self.engine) as conn:
            dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            # ON CONFLICT DO NOTHING: two processes adding the same content both succeed, one row.
            # RETURNING says whether a row went in: rowcount is not reliable for DO NOTHING on every driver.
            inserted = conn.execute(
                dialect_insert(SOURCE_FILES).values(**row).on_conflict_do_nothing(index_elements=["sha256"])
                .returning(SOURCE_FILES.c.sha256)
            ).first() is not None
        stored = self.info(sha256)
        return StoredFile(stored.sha256, stored.name, stored.media_type, stored.size, stored.added_at,
                          stored=inserted)

    def info(self, sha256: str) -> StoredFile:
        """What is stored under `sha256` (without its content); UnknownSourceFile if nothing."""
        digest = _check_digest(sha256)
        columns = [SOURCE_FILES.c.sha256, SOURCE_FILES.c.name, SOURCE_FILES.c.media_type, SOURCE_FILES.c.size,
                   SOURCE_FILES.c.added_at]
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(SOURCE_FILES.c.sha256 == digest)).one_or_none()
        if row is None:
            raise UnknownSourceFile(sha256) from None
        return StoredFile(row.sha256, row.name, row.media_type, row.size, row.added_at.replace(tzinfo=UTC))

    def content(self, sha256: str) -> bytes:
        """The stored bytes under `sha256`, checked against the digest; UnknownSourceFile if nothing."""
        digest = _check_digest(sha256)
        with self.engine.connect() as conn:
            content = conn.execute(
                select(SOURCE_FILES.c.content).where(SOURCE_FILES.c.sha256 == digest)
            ).scalar_one_or_none()
        if content is None:
            raise UnknownSourceFile(sha256) from None
        data = bytes(content)
        if hashlib.sha256(data).hexdigest() != digest:
            # The row was altered in the database: say so rather than hand out other bytes.
            raise InvalidInput([("sha256", sha256, "the stored copy no longer matches its digest")])
        return data

    def write_to(self, sha256: str, out: IO[bytes]) -> int:
        """Write the stored bytes under `sha256` to `out`; returns how many."""
        data = self.content(sha256)
        out.write(data)
        return len(data)


# --- checking cited web pages ------------------------------------------------------------------

UrlOutcome = Literal["ok", "changed", "failed", "unreachable", "timeout", "not checked"]


@dataclass
class CitedUrl:
    """One URL cited as `url` or `archive_url`, with the hashes recorded for it and who cites it."""

    url: str
    fields: set[str] = field(default_factory=set)
    expected_sha256: set[str] = field(default_factory=set)
    cited_by: list[str] = field(default_factory=list)


def cited_urls(log: Iterable[Recorded]) -> list[CitedUrl]:
    """Every URL cited across `log` (`url` and `archive_url`), once each, in order of first citation."""
    found: dict[str, CitedUrl] = {}
    for record in log:
        for source in record.event.sources:
            for name in ("url", "archive_url"):
                url = getattr(source, name)
                if url is None:
                    continue
                cited = found.setdefault(url, CitedUrl(url))
                cited.fields.add(name)
                if record.ref not in cited.cited_by:
                    cited.cited_by.append(record.ref)
                # content_sha256 is the hash of the page at `url`, not of its archived copy.
                if name == "url" and source.content_sha256 is not None:
                    cited.expected_sha256.add(source.content_sha256)
    return list(found.values())


@dataclass(frozen=True)
class UrlCheck:
    """What asking one cited URL gave: an outcome, the HTTP status, the content hash, why."""

    url: str
    outcome: UrlOutcome
    status: int | None
    sha256: str | None
    detail: str
    cited_by: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when the page answered and, if a hash was recorded, still has that content."""
        return self.outcome == "ok"

    def to_json_dict(self) -> dict[str, object]:
        """The check as plain JSON values."""
        return {"url": self.url, "outcome": self.outcome, "status": self.status, "sha256": self.sha256,
                "detail": self.detail, "cited_by": list(self.cited_by), "seconds": round(self.seconds, 3)}


async def _check_one(client: httpx.AsyncClient, cited: CitedUrl, timeout: float) -> UrlCheck:
    import httpx

    started = time.monotonic()

    def result(outcome: UrlOutcome, detail: str, status: int | None = None, sha: str | None = None) -> UrlCheck:
        return UrlCheck(cited.url, outcome, status, sha, detail, tuple(cited.cited_by), time.monotonic() - started)

    digest = hashlib.sha256()
    try:
        # httpx's timeout is per read: a server trickling bytes never trips it, so the whole
        # request (headers and body) is bounded here as well.
        async with asyncio.timeout(timeout), client.stream("GET", cited.url) as response:
            if response.status_code >= 400:
                return result("failed", f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                              response.status_code)
            async for chunk in response.aiter_bytes(CHUNK):
                digest.update(chunk)
            status = response.status_code
    except (TimeoutError, httpx.TimeoutException):
        return result("timeout", f"no complete answer within {timeout:g} s")
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        return result("unreachable", f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    sha = digest.hexdigest()
    if cited.expected_sha256 and sha not in cited.expected_sha256:
        recorded = ", ".join(sorted(h[:12] for h in cited.expected_sha256))
        return result("changed", f"content changed: recorded {recorded}..., now {sha[:12]}...", status, sha)
    return result("ok", f"HTTP {status}", status, sha)


async def _check_all(urls: list[CitedUrl], *, timeout: float, deadline: float, concurrency: int) -> list[UrlCheck]:
    import httpx

    limit = asyncio.Semaphore(concurrency)
    started = time.monotonic()

    async with httpx.AsyncClient(
        follow_redirects=True, timeout=httpx.Timeout(timeout),
        headers={"User-Agent": "commitments-tracker sources check"},
        limits=httpx.Limits(max_connections=concurrency),
    ) as client:

        async def bounded(cited: CitedUrl) -> UrlCheck:
            async with limit:
                return await _check_one(client, cited, timeout)

        tasks = [asyncio.create_task(bounded(cited)) for cited in urls]
        if tasks:
            await asyncio.wait(tasks, timeout=deadline)
        results = []
        for cited, task in zip(urls, tasks, strict=True):
            if task.done():
                results.append(task.result())
                continue
            task.cancel()
            results.append(UrlCheck(cited.url, "not checked", None, None,
                                    f"the run's deadline of {deadline:g} s passed first", tuple(cited.cited_by),
                                    time.monotonic() - started))
        # Let the cancelled requests close their connections before the client goes.
        await asyncio.gather(*tasks, return_exceptions=True)
    return results


def check_urls(urls: list[CitedUrl], *, timeout: float = 10.0, deadline: float = 120.0,
               concurrency: int = 8) -> list[UrlCheck]:
    """Ask every URL (GET, redirects followed), at most `concurrency` at once, each within `timeout` s.

    The run ends by `deadline` s: URLs not answered by then are reported "not checked". A 4xx or
    5xx status is "failed", a connection error "unreachable", a recorded `content_sha256` that
    the page no longer has "changed".
    """
    problems = [(name, value, "must be greater than 0")
                for name, value in (("timeout", timeout), ("deadline", deadline), ("concurrency", concurrency))
                if value <= 0]
    if problems:
        raise InvalidInput(problems)
    return asyncio.run(_check_all(urls, timeout=timeout, deadline=deadline, concurrency=concurrency))
