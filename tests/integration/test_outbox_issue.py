"""Issuing into the outbox on SQLite and PostgreSQL: rows stored as SQLAlchemy stores them, each key once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, cast, func, insert, select
from sqlalchemy.types import Text

from tracker.db import make_engine, write_transaction
from tracker.projections.reminders import Attachment, Reminder
from tracker.reminders.outbox import OUTBOX, create_outbox, existing_keys, issue, list_rows, outbox_key

NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    create_outbox(eng)
    yield eng
    eng.dispose()


def reminder(key: str, *, late: bool = False, due: date = date(2025, 5, 30), recipients: tuple[str, ...] = (),
             attachments: tuple[Attachment, ...] = (), channels: tuple[str, ...] = ("log",)) -> Reminder:
    return Reminder(
        key=key, rule="overdue", kind="overdue", entity=f"commitment:{key}", subject=f"Overdue: {key}",
        body=f"Commitment {key} — still open.", recipients=recipients, groups=("desk",), channels=channels,
        due_on=due, late=late, attachments=attachments,
    )


STORED = (OUTBOX.c.reminder_key, OUTBOX.c.channel, OUTBOX.c.rule, OUTBOX.c.kind, OUTBOX.c.entity,
          OUTBOX.c.subject, OUTBOX.c.body, OUTBOX.c.due_on, OUTBOX.c.late, OUTBOX.c.status, OUTBOX.c.attempts,
          OUTBOX.c.next_attempt_at, OUTBOX.c.created_at)


def stored(engine: Engine, key: str) -> tuple[Any, ...]:
    """A row's values as the database holds them: as text, so a format difference shows."""
    columns = [cast(c, Text) for c in STORED] + [cast(OUTBOX.c.recipients, Text), cast(OUTBOX.c.attachments, Text)]
    with engine.connect() as conn:
        row = conn.execute(select(*columns).where(OUTBOX.c.key == key)).one()
    *plain, recipients, attachments = row
    # JSON as values: PostgreSQL's json type keeps the text it was given, spaces included.
    return (*plain, json.loads(recipients), json.loads(attachments))


def test_issued_rows_are_stored_as_sqlalchemy_core_stores_them(engine: Engine) -> None:
    page = Attachment("digest.html", "text/html", "<p>Ça va — \"quoted\"</p>")
    cases = [
        reminder("a"),
        reminder("b", late=True, due=date(2025, 1, 31), recipients=("x@example.org", "y@example.org")),
        reminder("c", attachments=(page,), due=date(999, 12, 31)),
    ]
    with write_transaction(engine) as conn:
        written = issue(conn, cases, now=NOW)
        # The same values through SQLAlchemy Core, keyed apart.
        stamp = NOW.astimezone(UTC).replace(tzinfo=None)
        conn.execute(insert(OUTBOX), [
            {"key": f"core:{r.key}", "reminder_key": r.key, "channel": "log", "rule": r.rule, "kind": r.kind,
             "entity": r.entity, "subject": r.subject, "body": r.body, "recipients": list(r.recipients),
             "attachments": [{"filename": a.filename, "content_type": a.content_type, "content": a.content}
                             for a in r.attachments],
             "due_on": r.due_on, "late": r.late, "status": "pending", "attempts": 0,
             "next_attempt_at": stamp, "created_at": stamp}
            for r in cases
        ])
    assert written == [outbox_key(r.key, "log") for r in cases]
    for r in cases:
        assert stored(engine, outbox_key(r.key, "log")) == stored(engine, f"core:{r.key}")
    rows = {row.key: row for row in list_rows(engine)}
    assert rows["b@log"].recipients == ("x@example.org", "y@example.org")
    assert rows["b@log"].late is True and rows["a@log"].late is False
    assert rows["c@log"].attachments == (page,)
    assert rows["a@log"].next_attempt_at == NOW and rows["a@log"].due_on == date(2025, 5, 30)


def test_keys_written_since_the_caller_read_are_not_written_again_nor_counted(engine: Engine) -> None:
    # Another scanner wrote "a" and "c" after this one read the outbox (it passes `known` without them).
    with write_transaction(engine) as conn:
        assert issue(conn, [reminder("a"), reminder("c")], now=NOW) == ["a@log", "c@log"]
    with write_transaction(engine) as conn:
        late_comer = issue(conn, [reminder(k) for k in "abcd"], now=NOW, known=set())
    assert late_comer == ["b@log", "d@log"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OUTBOX)).scalar_one() == 4
        assert existing_keys(conn, [f"{k}@log" for k in "abcde"]) == {f"{k}@log" for k in "abcd"}
    # And with every key already there, nothing is written or counted.
    with write_transaction(engine) as conn:
        assert issue(conn, [reminder(k) for k in "abcd"], now=NOW, known=set()) == []


def test_existing_keys_answers_for_more_keys_than_one_statement_binds(engine: Engine) -> None:
    many = [reminder(f"k{i}", channels=("log", "file")) for i in range(1_500)]
    with write_transaction(engine) as conn:
        written = issue(conn, many[::2], now=NOW)
    assert len(written) == 1_500
    asked = [outbox_key(r.key, ch) for r in many for ch in r.channels]
    with engine.connect() as conn:
        assert existing_keys(conn, asked) == set(written)
        assert existing_keys(conn, []) == set()
    with write_transaction(engine) as conn:
        assert len(issue(conn, many, now=NOW)) == 1_500  # only the odd ones were missing
