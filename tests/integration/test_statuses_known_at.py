"""The batched "as known at" question (reminders' lateness) gives status()'s answer for each item, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.builders import event, sco_world
from tracker.app import Tracker

SCO = ["KAZ", "KGZ"]


def test_statuses_known_at_equal_status_per_item(tracker: Tracker) -> None:
    """Before, between and after two commitments were recorded: the batch answers as status() does, in order."""
    before = datetime.now(UTC) - timedelta(seconds=1)
    for ev in sco_world():
        tracker.record(ev)
    between = datetime.now(UTC)
    tracker.record(event("CommitmentUndertaken", commitment_id="d", organization_id="sco",
                         body_id="sco-prosecutors-general", parties=SCO, title="Second", text="Act"))
    after = datetime.now(UTC)
    read_model = tracker.read_model()
    today = date.today()
    asks = [(stream, moment) for stream in ("commitment:c", "commitment:d", "meeting:sco-prosecutors-general/16",
                                             "body:sco-prosecutors-general", "commitment:nobody")
            for moment in (before, between, after)]
    asks.append(("commitment:d", after + timedelta(days=30)))  # later than the views' last event
    batch = read_model.statuses_known_at(asks, as_of=today)
    one_by_one = [read_model.status(stream, as_of=today, known_at=moment) for stream, moment in asks]
    assert batch == one_by_one
    # The question is not vacuous: some answers are None (not known yet), some are statuses.
    assert batch[0] is None and batch[2] is not None
    assert batch[3] is None and batch[4] is None and batch[5] is not None
