"""Views derived by other code are derived again: the fingerprint covers the code that derives rows."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import create_engine, select, update

from tests.integration.test_meeting_report_facts import _held, _world
from tracker import projector
from tracker.app import Tracker
from tracker.projections.views.schema import MeetingViewRow, TrackingRow
from tracker.settings import Settings


def _stored_format(database_url: str) -> str:
    """The meeting's format as the views answer it, from a tracker opened afresh (as a new release would)."""
    tracker = Tracker(Settings(database_url=database_url))
    try:
        (meeting,) = tracker.read_model(use_views=True).meetings(body_id="sco-pg")
        return meeting.format
    finally:
        tracker.close()


def _as_an_older_release_left_it(database_url: str, fingerprint: int) -> None:
    """A row as older code derived it (format guessed in_person), under that code's fingerprint."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for meeting_id, doc in conn.execute(select(MeetingViewRow.meeting_id, MeetingViewRow.doc)).all():
            conn.execute(update(MeetingViewRow).where(MeetingViewRow.meeting_id == meeting_id)
                         .values(doc={**doc, "format": "in_person"}))
        conn.execute(update(TrackingRow).where(TrackingRow.name == projector.EVENT_SCHEMA).values(position=fingerprint))
    engine.dispose()


def test_rows_from_older_derivation_code_are_derived_again(database_url: str) -> None:
    tracker = Tracker(Settings(database_url=database_url))
    try:
        _world(tracker, _held(body_id="sco-pg", number=22, city="Bishkek"))
    finally:
        tracker.close()
    assert _stored_format(database_url) == "unknown"

    # Same fingerprint: the views are trusted as they are (this is what makes the next step a test).
    _as_an_older_release_left_it(database_url, projector._event_schema())
    assert _stored_format(database_url) == "in_person"

    # Another fingerprint, as a release whose fold guessed the format would have written it.
    _as_an_older_release_left_it(database_url, projector._event_schema() ^ 1)
    assert _stored_format(database_url) == "unknown"


def test_the_fingerprint_reads_the_deriving_code_and_not_the_renderers() -> None:
    root = resources.files("tracker.projections")
    names = {str(p).split("projections/", 1)[1] for p in projector._sources(root)}
    assert {"folds/meeting.py", "resolution.py", "views/rows.py", "reduce.py"} <= names
    assert not any(n.startswith(("reports/", "interchange/")) for n in names), sorted(names)
