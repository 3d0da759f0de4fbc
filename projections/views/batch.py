"""Writing view rows: a batch of entities' rows, one executemany per table, old rows replaced."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import orjson
from sqlalchemy import JSON, Date, delete, select
from sqlalchemy.engine import Connection

from tracker.projections.views.schema import (
    CommitmentViewRow,
    DevelopmentViewRow,
    DocumentViewRow,
    EntityIndexRow,
    MeetingViewRow,
    ProposalViewRow,
    ReviewItemViewRow,
    ViewBase,
)

__all__ = ["RowBatch", "organization_of_body"]

_CHUNK = 500  # stay under the drivers' bound-parameter limits
_KEYS: dict[str, Any] = {
    "commitment": CommitmentViewRow.commitment_id,
    "proposal": ProposalViewRow.proposal_id,
    "document": DocumentViewRow.document_id,
    "meeting": MeetingViewRow.meeting_id,
}


class RowBatch:
    """View rows derived from a batch of entities, written with one executemany per table."""

    def __init__(self) -> None:
        self.rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        self.streams: list[str] = []  # entities whose rows are all replaced
        self.partial: dict[str, list[str]] = {}  # entities whose development rows of these refs are replaced
        self.bodies: dict[str, str] = {}  # body id -> organization id, for meetings later in the batch

    def add(self, table: Any, row: dict[str, Any]) -> None:
        """Queue one row for `table`."""
        self.rows[table].append(row)

    def write(self, conn: Connection, *, replace: bool = True) -> None:
        """Delete the batch's entities' old rows (unless the views were just emptied), then insert."""
        if replace and (self.streams or self.partial):
            _clear(conn, self.streams, self.partial)
        # Parents first, in metadata order; one driver-level executemany per table: SQLAlchemy's
        # per-row parameter processing cost more than the inserts themselves (issue 11).
        for table in ViewBase.metadata.sorted_tables:
            items = self.rows.get(table)
            if items:
                statement, encode = _insert_plan(table, conn.dialect.name)
                conn.exec_driver_sql(statement, [encode(row) for row in items])


@cache
def _insert_plan(table: Any, dialect: str) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """An INSERT in the driver's parameter style and how a row dict becomes its parameters."""
    postgres = dialect == "postgresql"
    columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
    names = [c.name for c in columns]
    json = [isinstance(c.type, JSON) for c in columns]
    # SQLite keeps dates as ISO text (SQLAlchemy's own format); PostgreSQL takes them as they are.
    dates = [isinstance(c.type, Date) and not postgres for c in columns]
    marker = "%s" if postgres else "?"
    values = ", ".join(f"CAST({marker} AS JSON)" if postgres and j else marker for j in json)
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({values})"  # noqa: S608 - our own table metadata
    plan = list(zip(names, json, dates, strict=True))

    def encode(row: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, is_json, is_date in plan:
            value = row.get(name)
            if is_json:
                value = value if isinstance(value, str) else orjson.dumps(value).decode()
            elif is_date and value is not None:
                value = value.isoformat()
            out.append(value)
        return tuple(out)

    return statement, encode


def _clear(conn: Connection, streams: Sequence[str], partial: dict[str, list[str]]) -> None:
    by_kind: dict[str, list[str]] = defaultdict(list)
    every = [*streams, *partial]
    for stream in every:
        kind, _, entity_id = stream.partition(":")
        by_kind[kind].append(entity_id)
    for start in range(0, len(every), _CHUNK):
        chunk = every[start : start + _CHUNK]
        for table in (ReviewItemViewRow, EntityIndexRow):
            conn.execute(delete(table).where(table.stream.in_(chunk)))
    for start in range(0, len(streams), _CHUNK):
        chunk = list(streams[start : start + _CHUNK])
        conn.execute(delete(DevelopmentViewRow).where(DevelopmentViewRow.stream.in_(chunk)))
    for stream, refs in partial.items():
        for start in range(0, len(refs), _CHUNK):
            conn.execute(delete(DevelopmentViewRow).where(
                DevelopmentViewRow.stream == stream, DevelopmentViewRow.ref.in_(refs[start : start + _CHUNK])))
    for kind, ids in by_kind.items():
        key = _KEYS.get(kind)
        if key is None:
            continue
        for start in range(0, len(ids), _CHUNK):
            conn.execute(delete(key.class_).where(key.in_(ids[start : start + _CHUNK])))


def organization_of_body(conn: Connection, batch: RowBatch, body_id: str) -> str | None:
    """The organization of a body: from this batch if it is being written, else from the views."""
    if body_id in batch.bodies:
        return batch.bodies[body_id]
    return conn.execute(
        select(EntityIndexRow.organization_id).where(EntityIndexRow.stream == f"body:{body_id}")
    ).scalar_one_or_none()
