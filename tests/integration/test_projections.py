"""The views and the ReadModel on real databases (SQLite and PostgreSQL run the same tests).

Also home of the two helpers the rebuild and follower tests share: `answers` (every
ReadModel answer) and `view_rows` (every row of every view table).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.builders import event, sco_world
from tracker.app import Tracker
from tracker.demo import demo_lines
from tracker.projections.rotation import alphabetical_order, load_names, order_names
from tracker.projections.views import ReviewItemViewRow, ViewBase

BODY = "sco-prosecutors-general"
EXTREMISM = "sco-joint-action-extremism-2018"
ROOT = Path(__file__).resolve().parents[2]


# --- shared helpers ------------------------------------------------------------------------


def view_rows(tracker: Tracker) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table, sorted; review items without their autoincrement id."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with tracker.engine.connect() as conn:
        for table in ViewBase.metadata.sorted_tables:
            # Autoincrement ids only tell insertion order, which a rebuild legitimately changes.
            columns = [c for c in table.columns if c.name != "id"]
            found = conn.execute(select(*columns)).all()
            rows[table.name] = sorted(tuple(repr(v) for v in row) for row in found)
    return rows


def answers(tracker: Tracker, *, catch_up: bool = False, known_at: datetime | None = None) -> dict[str, Any]:
    """Every ReadModel answer about the whole store: the current ones (from the views) and a past one."""
    model = tracker.read_model(catch_up=catch_up)
    now = known_at or datetime.now(UTC)
    streams = tracker.streams()
    found: dict[str, Any] = {
        "commitments": model.commitments(),
        "proposals": model.proposals(),
        "documents": model.documents(),
        "meetings": model.meetings(),
        "presidencies": model.presidencies(),
        "review_items": sorted(model.review_items(), key=repr),
        "review_items_known_now": sorted(model.review_items(known_at=now), key=repr),
        "developments": model.developments(),
        "status_changes": model.status_changes(),
        "commitments_2020": model.commitments(as_of=date(2020, 6, 30)),
        "meetings_2020": model.meetings(as_of=date(2020, 6, 30)),
        "presidencies_2020": model.presidencies(as_of=date(2020, 6, 30)),
    }
    for stream in streams:
        kind, _, entity_id = stream.partition(":")
        found[f"timeline {stream}"] = model.timeline(stream)
        if kind != "body":
            found[f"status {stream}"] = model.status(stream)
        else:
            found[f"presidency {stream}"] = model.presidency(entity_id)
    return found


def assert_rebuild_matches(tracker: Tracker) -> None:
    """Views built incrementally (caught up now) equal the views of a full rebuild."""
    tracker.projector.catch_up()
    incremental_rows, incremental = view_rows(tracker), answers(tracker)
    tracker.projector.rebuild()
    rebuilt_rows, rebuilt = view_rows(tracker), answers(tracker)
    assert rebuilt_rows == incremental_rows
    assert rebuilt.keys() == incremental.keys()
    for key in incremental:
        assert rebuilt[key] == incremental[key], key
    assert tracker.projector.position() == tracker.event_log.max_position()


def _load_demo(tracker: Tracker) -> None:
    report = tracker.import_events(demo_lines())
    assert report.stored == 38 and not report.rejected


def _world(tracker: Tracker, commitment_due: str | None = None) -> None:
    for data in sco_world(commitment_due):
        assert tracker.record(data).stored


def _commitment(tracker: Tracker, commitment_id: str = "c", **query: Any) -> Any:
    found = [c for c in tracker.read_model().commitments(**query) if c.commitment_id == commitment_id]
    assert len(found) == 1, found
    return found[0]


def _recorded_at(tracker: Tracker, ref: str) -> datetime:
    stream, _, version = ref.partition("#")
    return tracker.history(stream)[int(version) - 1].recorded_at


# --- read-your-writes ----------------------------------------------------------------------


def test_read_your_writes(tracker: Tracker) -> None:
    _world(tracker)
    assert [c.commitment_id for c in tracker.read_model().commitments()] == ["c"]
    tracker.record(event("CommitmentUndertaken", "2019-05-01", commitment_id="d", organization_id="sco",
                         parties=["KAZ", "RUS"], title="Another", text="Another one"))
    assert [c.commitment_id for c in tracker.read_model().commitments()] == ["c", "d"]
    tracker.record(event("CommitmentFulfilled", "2020-01-01", commitment_id="d"))
    assert _commitment(tracker, "d").status == "fulfilled"
    assert tracker.projector.position() == tracker.event_log.max_position()


def test_without_catch_up_the_views_lag_until_caught_up(tracker: Tracker) -> None:
    _world(tracker)
    tracker.read_model()
    tracker.record(event("CommitmentFulfilled", "2020-01-01", commitment_id="c"))
    stale = tracker.read_model(catch_up=False).commitments()
    assert [c.status for c in stale] == ["undertaken"]
    assert [c.status for c in tracker.read_model().commitments()] == ["fulfilled"]


# --- two times: as_of (world) and known_at (record) -------------------------------------------


def test_as_of_ignores_events_dated_after_it(tracker: Tracker) -> None:
    _world(tracker)
    tracker.record(event("ProgressAssessed", "2020-05-01", commitment_id="c", level="limited"))
    assert _commitment(tracker, as_of=date(2020, 4, 30)).level == "no_evidence"
    assert _commitment(tracker, as_of=date(2020, 5, 1)).level == "limited"
    assert _commitment(tracker).level == "limited"
    status = tracker.read_model().status("commitment:c", as_of=date(2018, 9, 19))
    assert status is None  # undertaken on 2018-09-20: it did not exist yet


def test_a_month_precision_date_counts_from_its_first_day_and_keeps_its_precision(tracker: Tracker) -> None:
    _world(tracker)
    tracker.record(event("ProgressAssessed", "2020-06", commitment_id="c", level="substantial"))
    assert _commitment(tracker, as_of=date(2020, 5, 31)).level == "no_evidence"
    assert _commitment(tracker, as_of=date(2020, 6, 1)).level == "substantial"
    tracker.record(event("ChairmanshipHandedOver", "2024-07", body_id=BODY, to_state="PAK"))
    model = tracker.read_model()
    assert model.presidency(BODY, as_of=date(2024, 6, 30)).current is None  # type: ignore[union-attr]
    current = model.presidency(BODY, as_of=date(2024, 7, 1)).current  # type: ignore[union-attr]
    assert current is not None and current.state == "PAK"
    assert current.start.describe() == "2024-07, month precision"
    assert model.presidency(BODY).current.start.describe() == "2024-07, month precision"  # type: ignore[union-attr]


def test_backfilled_events_take_their_world_place_whatever_the_recording_order(tracker: Tracker) -> None:
    _world(tracker)
    tracker.record(event("ProgressAssessed", "2022-03-01", commitment_id="c", level="substantial"))
    tracker.record(event("ProgressAssessed", "2021-03-01", commitment_id="c", level="limited"))  # backfill
    current = _commitment(tracker)
    assert current.level == "substantial"  # latest in world order, though recorded first
    assert current.last_development.occurred_on.text == "2022-03-01"
    assert _commitment(tracker, as_of=date(2021, 12, 31)).level == "limited"
    assert [d.occurred_on.text for d in tracker.read_model().timeline("commitment:c")] == [
        "2018-09-20", "2021-03-01", "2022-03-01"]
    # A backfilled handover before the known one: the chain reads in world order too.
    tracker.record(event("ChairmanshipHandedOver", "2021-10-01", body_id=BODY, from_state="KGZ", to_state="PAK"))
    tracker.record(event("ChairmanshipHandedOver", "2020-10-01", body_id=BODY, to_state="KGZ"))
    model = tracker.read_model()
    assert model.presidency(BODY).current.state == "PAK"  # type: ignore[union-attr]
    assert model.presidency(BODY, as_of=date(2021, 1, 1)).current.state == "KGZ"  # type: ignore[union-attr]
    assert [t.state for t in model.presidency(BODY).terms] == ["KGZ", "PAK"]  # type: ignore[union-attr]
    # The world's meeting 16 is scheduled and never reported held: that alone is for review.
    assert [i.kind for i in model.review_items(known_at=datetime.now(UTC))] == ["meeting_unconfirmed"]


def test_a_retraction_changes_the_answer_from_its_record_time_on(tracker: Tracker) -> None:
    _world(tracker)
    fulfilled = tracker.record(event("CommitmentFulfilled", "2020-01-01", commitment_id="c"))
    assert _commitment(tracker).status == "fulfilled"
    before = _recorded_at(tracker, fulfilled.ref)
    retraction = tracker.record(event("EventRetracted", "2020-02-01", target=fulfilled.ref, reason="misreported"))
    retracted_at = _recorded_at(tracker, retraction.ref)
    assert retracted_at > before
    assert _commitment(tracker).status == "undertaken"  # views, now
    assert _commitment(tracker, known_at=retracted_at).status == "undertaken"
    assert _commitment(tracker, known_at=before).status == "fulfilled"  # as known before the retraction
    assert tracker.read_model().status("commitment:c", known_at=before).status == "fulfilled"
    timeline = tracker.read_model().timeline("commitment:c")
    assert [d.retracted for d in timeline if d.ref == fulfilled.ref] == [True]


def test_a_correction_changes_the_answer_from_its_record_time_on(tracker: Tracker) -> None:
    _world(tracker, commitment_due="2025-12-31")
    wrong = event("ProgressAssessed", "2020-05-01", commitment_id="c", level="complete")
    assessed = tracker.record(wrong)
    before = _recorded_at(tracker, assessed.ref)
    fixed = {**wrong, "level": "limited"}
    correction = tracker.record(event("EventCorrected", "2020-06-01", target=assessed.ref, reason="misread",
                                      replacement=fixed))
    corrected_at = _recorded_at(tracker, correction.ref)
    assert _commitment(tracker).level == "limited"
    assert _commitment(tracker, known_at=corrected_at).level == "limited"
    assert _commitment(tracker, known_at=before).level == "complete"
    # Retracting the correction brings the original content back, from then on.
    undo = tracker.record(event("EventRetracted", "2020-07-01", target=correction.ref, reason="the first was right"))
    assert _commitment(tracker).level == "complete"
    assert _commitment(tracker, known_at=_recorded_at(tracker, undo.ref) - timedelta(microseconds=1)).level == "limited"


# --- the demo ------------------------------------------------------------------------------


def test_demo_presidency_now_then_and_the_sco_order(tracker: Tracker) -> None:
    _load_demo(tracker)
    model = tracker.read_model()
    now = model.presidency(BODY)
    assert now is not None and now.current is not None
    assert (now.current.state, now.current.start.text, now.current.end) == ("PAK", "2024-07-25", None)
    assert now.expected_next == "RUS"
    assert [s for s, _ in now.upcoming][:3] == ["RUS", "TJK", "UZB"]
    assert not now.deviations and not now.chain_conflicts
    then = model.presidency(BODY, as_of=date(2024, 1, 1))
    assert then is not None and then.current is not None and then.current.state == "KGZ"
    assert model.presidency(BODY, as_of=date(2024, 7, 24)).current.state == "KGZ"  # type: ignore[union-attr]
    assert model.presidency(BODY, as_of=date(2024, 7, 25)).current.state == "PAK"  # type: ignore[union-attr]
    # Russian alphabetical order of the SCO's own names: Казахстан, Китай, Кыргызстан, Пакистан, Россия.
    states = ["RUS", "PAK", "KGZ", "CHN", "KAZ"]
    names = order_names("ru", states, recorded={}, reference=load_names("sco"))
    assert alphabetical_order(states, names) == ("KAZ", "CHN", "KGZ", "PAK", "RUS")
    assert {p.body_id for p in model.presidencies()} == {BODY, "ots-prosecutors-general"}


def test_demo_commitment_is_undertaken_stale_and_not_overdue(tracker: Tracker) -> None:
    _load_demo(tracker)
    commitment = _commitment(tracker, EXTREMISM)
    assert (commitment.status, commitment.stale, commitment.overdue) == ("undertaken", True, False)
    assert commitment.due_on is None and commitment.level == "no_evidence"
    # Stale only once more than 365 days passed without a development.
    assert not _commitment(tracker, EXTREMISM, as_of=date(2019, 9, 20)).stale
    assert _commitment(tracker, EXTREMISM, as_of=date(2019, 9, 21)).stale
    status = tracker.read_model().status(f"commitment:{EXTREMISM}")
    assert (status.status, status.stale, status.overdue) == ("undertaken", True, False)
    # A development makes it fresh again, from its world date.
    tracker.record(event("ProgressAssessed", "2024-07-25", commitment_id=EXTREMISM, level="limited"))
    assert not _commitment(tracker, EXTREMISM, as_of=date(2025, 7, 25)).stale


def test_overdue_and_deadline_changes(tracker: Tracker) -> None:
    _world(tracker, commitment_due="2020-06")
    assert _commitment(tracker).overdue  # now, from the views
    assert not _commitment(tracker, as_of=date(2020, 6, 30)).overdue  # month: due until its last day
    assert _commitment(tracker, as_of=date(2020, 7, 1)).overdue
    first = _commitment(tracker).due_version
    tracker.record(event("DeadlineChanged", "2020-05-01", commitment_id="c", due_on="2099-12-31"))
    moved = _commitment(tracker)
    assert moved.due_version == first + 1
    assert moved.due_on.text == "2099-12-31" and not moved.overdue
    assert _commitment(tracker, as_of=date(2020, 4, 30)).due_version == first
    tracker.record(event("CommitmentFulfilled", "2021-01-01", commitment_id="c"))
    done = _commitment(tracker, as_of=date(2100, 1, 1))
    assert done.status == "fulfilled" and not done.overdue and not done.stale


def test_demo_document_party_status_and_entry_into_force(tracker: Tracker) -> None:
    _load_demo(tracker)
    protocol_id = "sco-prosecutors-general/22/protocol"

    def protocol() -> Any:
        return next(d for d in tracker.read_model().documents() if d.document_id == protocol_id)

    before = protocol()
    assert {p.state: p.status for p in before.parties}["KGZ"] == "signed"
    assert not before.in_force
    tracker.record(event("PartyActionTaken", "2024-10-01", document_id=protocol_id, state="KGZ",
                         action="ratification"))
    ratified = protocol()
    party = {p.state: p for p in ratified.parties}
    assert party["KGZ"].status == "ratified" and party["KGZ"].consent_on.text == "2024-10-01"
    assert party["KAZ"].status == "signed"
    events_only = next(d for d in tracker.read_model(use_views=False).documents() if d.document_id == protocol_id)
    assert events_only == ratified
    tracker.record(event("DocumentEnteredIntoForce", "2024-11-01", document_id=protocol_id))
    in_force = protocol()
    assert in_force.in_force and in_force.in_force_on.text == "2024-11-01" and in_force.in_force_for == ()
    assert not tracker.read_model().status(f"document:{protocol_id}", as_of=date(2024, 10, 31)).in_force


def test_meeting_rescheduled_bumps_reschedule_count(tracker: Tracker) -> None:
    _load_demo(tracker)
    meeting_id = "sco-prosecutors-general/23"
    tracker.record(event("MeetingScheduled", "2025-01-10", meeting_id=meeting_id, body_id=BODY, number=23,
                         host_state="PAK", starts_on="2025-09"))
    meeting = next(m for m in tracker.read_model().meetings() if m.meeting_id == meeting_id)
    assert (meeting.status, meeting.reschedule_count, meeting.organization_id) == ("scheduled", 0, "sco")
    tracker.record(event("MeetingRescheduled", "2025-03-01", meeting_id=meeting_id, starts_on="2025-10-15"))
    moved = next(m for m in tracker.read_model().meetings() if m.meeting_id == meeting_id)
    assert moved.reschedule_count == 1 and moved.starts_on.text == "2025-10-15"
    assert tracker.read_model().status(f"meeting:{meeting_id}", as_of=date(2025, 2, 1)).reschedule_count == 0


def test_proposal_supported_then_adopted(tracker: Tracker) -> None:
    _load_demo(tracker)
    proposal_id = "sco-internet-counterterrorism-instrument"

    def proposal(**query: Any) -> Any:
        return next(p for p in tracker.read_model().proposals(**query) if p.proposal_id == proposal_id)

    assert (proposal().status, proposal().supporters) == ("tabled", ())
    tracker.record(event("ProposalSupported", "2019-10-01", proposal_id=proposal_id, states=["RUS", "CHN"]))
    supported = proposal()
    assert sorted(supported.supporters) == ["CHN", "RUS"] and supported.status in ("tabled", "supported")
    tracker.record(event("ProposalAdopted", "2024-07-25", proposal_id=proposal_id,
                         into_commitment_id=EXTREMISM))
    adopted = proposal()
    assert adopted.status == "adopted" and adopted.adopted_into == ("commitment", EXTREMISM)
    assert proposal(as_of=date(2024, 7, 24)).status != "adopted"


# --- review items ------------------------------------------------------------------------


def test_a_handover_from_a_state_not_in_the_chair_is_a_chain_conflict(tracker: Tracker) -> None:
    _world(tracker)
    tracker.record(event("ChairmanshipHandedOver", "2019-10-01", body_id=BODY, to_state="KGZ"))
    bad = tracker.record(event("ChairmanshipHandedOver", "2020-10", body_id=BODY, from_state="RUS", to_state="UZB"))
    items = tracker.read_model().review_items(known_at=datetime.now(UTC))
    conflicts = [i for i in items if i.kind == "chain_conflict"]
    assert len(conflicts) == 1 and conflicts[0].refs == (bad.ref,)
    assert "RUS" in conflicts[0].message and "KGZ" in conflicts[0].message
    # Presidency items are judged per query for the asked date, never stored in the views.
    with tracker.engine.connect() as conn:
        stored = conn.execute(select(ReviewItemViewRow.kind).where(ReviewItemViewRow.stream == f"body:{BODY}")).all()
    assert stored == []
    assert not [i for i in tracker.read_model().review_items(as_of=date(2020, 9, 30)) if i.kind == "chain_conflict"]
    # Known before the bad handover, there was nothing to review.
    # (bar the world's meeting 16, scheduled and never reported held)
    before = tracker.read_model().review_items(known_at=_recorded_at(tracker, bad.ref) - timedelta(microseconds=1))
    assert [i.kind for i in before] == ["meeting_unconfirmed"]


def test_a_deviation_from_the_alphabetical_rule_names_who_was_expected(tracker: Tracker) -> None:
    _world(tracker)
    tracker.record(event("ChairmanshipHandedOver", "2019-10-01", body_id=BODY, to_state="KGZ"))
    tracker.record(event("ChairmanshipHandedOver", "2020-10", body_id=BODY, from_state="KGZ", to_state="UZB"))
    model = tracker.read_model()
    deviations = [i for i in model.review_items(known_at=datetime.now(UTC)) if i.kind == "deviation"]
    assert len(deviations) == 1
    assert "UZB" in deviations[0].message and "expected PAK" in deviations[0].message
    current = model.presidency(BODY).current  # type: ignore[union-attr]
    assert current is not None and current.deviation and current.expected_state == "PAK"
    assert not [i for i in model.review_items(known_at=datetime.now(UTC)) if i.kind == "chain_conflict"]


def test_review_items_from_the_views_equal_those_from_the_events(tracker: Tracker) -> None:
    _world(tracker)
    tracker.record(event("ChairmanshipHandedOver", "2019-10-01", body_id=BODY, to_state="KGZ"))
    tracker.record(event("ChairmanshipHandedOver", "2020-10", body_id=BODY, from_state="RUS", to_state="UZB"))
    views, events = tracker.read_model(), tracker.read_model(use_views=False)
    assert views.review_items() == events.review_items()
    assert {i.kind for i in views.review_items(body_id=BODY)} == {"chain_conflict", "deviation", "meeting_unconfirmed"}


# --- rebuild and crash recovery ----------------------------------------------------------------


def _busy_history(tracker: Tracker) -> None:
    """The demo and a world with every kind of development, backfills and amendments."""
    _load_demo(tracker)
    tracker.record(event("CommitmentUndertaken", "2019-10-01", commitment_id="c2", organization_id="sco",
                         body_id=BODY, parties=["KAZ", "RUS"], title="Exchange", text="Exchange data",
                         due_on="2021"))
    assessed = tracker.record(event("ProgressAssessed", "2020-03", commitment_id="c2", level="limited"))
    tracker.record(event("ProgressAssessed", "2019-12-01", commitment_id="c2", party="KAZ", level="substantial"))
    tracker.record(event("EventCorrected", "2020-04-01", target=assessed.ref, reason="typo",
                         replacement=event("ProgressAssessed", "2020-03", commitment_id="c2", level="substantial")))
    tracker.record(event("DeadlineChanged", "2020-12-01", commitment_id="c2", due_on="2022-06"))
    done = tracker.record(event("CommitmentFulfilled", "2022-01-01", commitment_id="c2"))
    tracker.record(event("EventRetracted", "2022-02-01", target=done.ref, reason="not yet"))
    tracker.record(event("ChairmanshipHandedOver", "2025-07", body_id=BODY, from_state="RUS", to_state="TJK"))
    tracker.record(event("MeetingScheduled", "2025-01-10", meeting_id=f"{BODY}/23", body_id=BODY, starts_on="2025-09"))
    tracker.record(event("MeetingRescheduled", "2025-02-01", meeting_id=f"{BODY}/23", starts_on="2025-10"))
    tracker.record(event("PartyActionTaken", "2024-10-01", document_id=f"{BODY}/22/protocol", state="KGZ",
                         action="ratification"))
    tracker.record(event("ProposalSupported", "2019-10-01", proposal_id="sco-internet-counterterrorism-instrument",
                         states=["RUS"]))


def test_rebuild_gives_the_incrementally_built_views(tracker: Tracker) -> None:
    _busy_history(tracker)
    tracker.projector.catch_up()
    # Catch up in small steps too: views built over many batches must equal one rebuild.
    tracker.projector.batch_size = 3
    tracker.record(event("ProgressAssessed", "2023-01-01", commitment_id=EXTREMISM, level="limited"))
    assert_rebuild_matches(tracker)
    rows = view_rows(tracker)
    assert len(rows["view_commitments"]) == 2
    assert tracker.read_model().review_items()  # judged per query: the presidency's, not stored


def test_scoped_commitments(tracker: Tracker) -> None:
    _busy_history(tracker)
    model = tracker.read_model()
    assert [c.commitment_id for c in model.commitments(body_id=BODY)] == ["c2", EXTREMISM]
    assert [c.commitment_id for c in model.commitments(organization_id="ots")] == []


def _wait_for(condition: Any, timeout: float, what: str, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


CATCH_UP_ONE_BY_ONE = """
import sys
from tracker.app import Tracker
from tracker.projector import Projector
from tracker.settings import Settings
url = sys.argv[1]
tracker = Tracker(Settings(database_url=url))
Projector(tracker.engine, tracker.event_log, url, batch_size=1).catch_up()
print("finished", flush=True)
"""


def test_a_projector_killed_mid_catch_up_resumes_with_nothing_lost_or_doubled(
    tracker: Tracker, database_url: str
) -> None:
    _busy_history(tracker)
    for i in range(60):
        tracker.record(event("ProgressAssessed", f"2020-01-{i % 28 + 1:02d}", commitment_id=EXTREMISM,
                             party=["KAZ", "RUS", "CHN"][i % 3], level=["limited", "substantial"][i % 2],
                             evidence=f"report {i}"))
    total = tracker.event_log.max_position()
    assert tracker.projector.position() == 0
    child = subprocess.Popen([sys.executable, "-c", CATCH_UP_ONE_BY_ONE, database_url], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: tracker.projector.position() >= 15 or child.poll() is not None, 60, "some batches")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    stopped_at = tracker.projector.position()
    assert 15 <= stopped_at < total, (stopped_at, total, child.stderr.read() if child.stderr else "")
    # Whatever the kill left uncommitted is not visible; the committed prefix is.
    applied = tracker.projector.catch_up()
    assert applied == total - stopped_at  # resumed from the committed position, not from 0
    assert tracker.projector.position() == total
    incremental = view_rows(tracker)
    extremism = _commitment(tracker, EXTREMISM)
    assert extremism.developments == 61
    assert_rebuild_matches(tracker)
    assert view_rows(tracker) == incremental
