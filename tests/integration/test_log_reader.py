"""The standard-library SQLite reader reads what the store reads, creates nothing, and steps aside for old stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.app import Tracker
from tracker.cli import cli
from tracker.demo import demo_lines
from tracker.errors import NotFound, StoreUnavailable
from tracker.log_reader import SQLiteLogReader, resolve
from tracker.settings import Settings


@pytest.fixture
def demo_store(sqlite_url: str) -> Tracker:
    """The demo recorded in a fresh SQLite file, in two imports (so two record times split the log)."""
    tracker = Tracker(Settings(database_url=sqlite_url))
    lines = list(demo_lines())
    tracker.import_events(lines[:20])
    tracker.import_events(lines[20:])
    return tracker


def test_reads_what_the_store_reads(demo_store: Tracker, tmp_path: Path) -> None:
    reader = SQLiteLogReader(tmp_path / "tracker.sqlite")
    try:
        assert reader.table.name == demo_store.event_log.table.name  # eventsourcing's table
        assert reader.has_record_times()
        for kind in (None, "meeting", "body", "nothing"):
            assert reader.streams(kind) == demo_store.event_log.streams(kind)
        streams = demo_store.event_log.streams()
        assert len(streams) > 10
        log = list(demo_store.iter_log())
        between = log[19].recorded_at  # the first import's record time: the second one not yet known
        for stream in streams:
            assert reader.exists(stream)
            assert reader.load(stream) == demo_store.event_log.load(stream)
            assert reader.load(stream, known_at=between) == demo_store.event_log.load(stream, known_at=between)
        assert sum(len(reader.load(s, known_at=between)) for s in streams) == 20
        assert reader.load(streams[0], known_at=log[0].recorded_at.replace(year=2000)) == []
        assert not reader.exists("commitment:nothing") and reader.load("commitment:nothing") == []
    finally:
        reader.close()
        demo_store.close()


def test_resolves_ids_as_the_tracker_does(demo_store: Tracker, tmp_path: Path) -> None:
    reader = SQLiteLogReader(tmp_path / "tracker.sqlite")
    try:
        for entity in ("sco-prosecutors-general", "body:sco-prosecutors-general", "sco"):
            assert resolve(entity, reader.exists) == demo_store.resolve(entity)
        for entity in ("nothing", "body:nothing", "planet:sco"):
            with pytest.raises(NotFound, match="nothing recorded as"):
                resolve(entity, reader.exists)
    finally:
        reader.close()
        demo_store.close()


def test_a_missing_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="cannot open sqlite:///.*missing.sqlite: unable to open database file"):
        SQLiteLogReader(tmp_path / "missing.sqlite")
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_database_is_named_in_a_clear_error(tmp_path: Path) -> None:
    """`tracker status` on a file that is not an SQLite database: one line naming it, exit 1, no traceback."""
    path = tmp_path / "notes.sqlite"
    path.write_text("not a database\n")
    url = f"sqlite:///{path}"
    result = CliRunner().invoke(cli, ["--database-url", url, "status", "sco"])
    assert result.exit_code == 1
    assert f"database_url: cannot open {url}: file is not a database" in result.stderr
    assert path.read_text() == "not a database\n"


def test_reads_beside_an_open_write_transaction(demo_store: Tracker, tmp_path: Path) -> None:
    """A reader is not blocked by a writer holding the write lock (WAL), and sees only committed events."""
    path = tmp_path / "tracker.sqlite"
    writer = sqlite3.connect(path)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM stored_events")  # uncommitted: the reader must still see every event
        reader = SQLiteLogReader(path)
        try:
            body = "body:sco-prosecutors-general"
            assert reader.load(body) == demo_store.event_log.load(body)
        finally:
            reader.close()
    finally:
        writer.rollback()
        writer.close()
        demo_store.close()


def test_status_on_a_store_without_record_times_is_answered_by_the_tracker(demo_store: Tracker, tmp_path: Path) -> None:
    """A store from before the record-time table: the quick reader steps aside, opening the tracker adds the table."""
    path = tmp_path / "tracker.sqlite"
    demo_store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE tracker_record_times")
    url = f"sqlite:///{path}"
    result = CliRunner().invoke(cli, ["--database-url", url, "status", "sco-prosecutors-general", "--json"])
    assert result.exit_code == 0, result.output
    assert '"body_id": "sco-prosecutors-general"' in result.stdout
    reader = SQLiteLogReader(path)
    try:
        assert reader.has_record_times()  # the tracker opened and filled it
    finally:
        reader.close()
