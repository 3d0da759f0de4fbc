"""Unit and property tests of the pure status reductions (projections.reduce, projections.timeline)."""

from __future__ import annotations

import functools
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.events import (
    Attendee,
    BodyEstablished,
    ChairmanshipHandedOver,
    CommitmentFulfilled,
    CommitmentLapsed,
    CommitmentSuperseded,
    CommitmentUndertaken,
    CommitmentWithdrawn,
    DeadlineChanged,
    Development,
    DocumentDrafted,
    DocumentEnteredIntoForce,
    DocumentSigned,
    EventCorrected,
    EventRetracted,
    MeetingCancelled,
    MeetingHeld,
    MeetingRelocated,
    MeetingRescheduled,
    MeetingScheduled,
    MembershipChanged,
    OrganizationRegistered,
    PartyActionTaken,
    ProgressAssessed,
    ProposalAdopted,
    ProposalDeferred,
    ProposalRejected,
    ProposalSupported,
    ProposalTabled,
    Recorded,
    RotationOverridden,
    RotationRule,
    RotationRuleChanged,
    Signatory,
    parse_partial_date,
)
from tracker.projections.changes import status_changes, status_fields
from tracker.projections.reduce import (
    reduce_body,
    reduce_commitment,
    reduce_document,
    reduce_meeting,
    reduce_organization,
    reduce_proposal,
)
from tracker.projections.resolution import effective_events
from tracker.projections.review import review_items
from tracker.projections.summaries import summarize
from tracker.projections.timeline import timeline

T0 = datetime(2025, 1, 1, tzinfo=UTC)
LATER = datetime(2100, 1, 1, tzinfo=UTC)
FAR = date(2100, 1, 1)
CID = "sco-extremism-2018"


_parse_date = functools.cache(parse_partial_date)
_DATE_FIELDS = ("occurred_on", "due_on", "until", "starts_on", "ends_on")


def ev(cls: type[Development], **fields: Any) -> Development:
    """An event with the citation waiver, so tests only name what matters."""
    # Dates parsed once per text: EDTF parsing dominates the cost of building events.
    for name in _DATE_FIELDS:
        if isinstance(fields.get(name), str):
            fields[name] = _parse_date(fields[name])
    return cls(unsourced=True, **fields)


class Stream:
    """A tiny builder: appends Recorded events to one stream, one hour apart by default."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.records: list[Recorded] = []

    def add(self, event: Development, at: datetime | None = None) -> Recorded:
        version = len(self.records) + 1
        record = Recorded(stream=self.stream, version=version,
                          recorded_at=at or T0 + timedelta(hours=version), event=event)
        self.records.append(record)
        return record

    def retract(self, target: Recorded, on: str = "2025-01-01", at: datetime | None = None) -> Recorded:
        return self.add(ev(EventRetracted, occurred_on=on, target=target.ref, reason="wrong"), at)

    def correct(self, target: Recorded, replacement: Development, at: datetime | None = None) -> Recorded:
        return self.add(ev(EventCorrected, occurred_on="2025-01-01", target=target.ref, reason="typo",
                           replacement=replacement.to_json_dict()), at)


# --- builders per entity ----------------------------------------------------------------------


def undertaken(on: str = "2018-06-15", due: str | None = "2020", cid: str = CID, **kw: Any) -> Development:
    return ev(CommitmentUndertaken, occurred_on=on, commitment_id=cid, organization_id="sco",
              parties=kw.pop("parties", ("KAZ", "KGZ")), title="Joint action", text="Act together",
              due_on=due, **kw)


def assessed(level: str, on: str, party: str | None = None, cid: str = CID) -> Development:
    return ev(ProgressAssessed, occurred_on=on, commitment_id=cid, party=party, level=level)


def deadline(due: str | None, on: str) -> Development:
    return ev(DeadlineChanged, occurred_on=on, commitment_id=CID, due_on=due)


def commitment(*events: Development) -> Stream:
    s = Stream(f"commitment:{CID}")
    for e in events:
        s.add(e)
    return s


def cstatus(s: Stream, as_of: date = date(2019, 1, 1), known_at: datetime = LATER, **kw: Any) -> Any:
    return reduce_commitment(s.records, as_of=as_of, known_at=known_at, **kw)


# --- effective events ---------------------------------------------------------------------------


def test_effective_events_are_in_world_order_not_recording_order() -> None:
    s = commitment(undertaken(), assessed("limited", "2024-03-01"), assessed("not_started", "2018-09-01"))
    refs = [r.ref for r in effective_events(s.records, as_of=FAR, known_at=LATER)]
    assert refs == [f"commitment:{CID}#1", f"commitment:{CID}#3", f"commitment:{CID}#2"]


def test_world_ties_break_on_latest_then_version() -> None:
    s = commitment(undertaken(), assessed("limited", "2019-01"), assessed("complete", "2019-01-01"),
                   assessed("substantial", "2019-01-01"))
    refs = [r.version for r in effective_events(s.records, as_of=FAR, known_at=LATER)]
    # 2019-01-01 (latest 01-01) sorts before 2019-01 (latest 01-31); equal dates by version.
    assert refs == [1, 3, 4, 2]


def test_effective_events_skip_amendments_and_retracted_events() -> None:
    s = commitment(undertaken())
    wrong = s.add(assessed("limited", "2019-01-01"))
    s.retract(wrong)
    assert [r.version for r in effective_events(s.records, as_of=FAR, known_at=LATER)] == [1]


def test_effective_events_carry_corrected_content_under_the_original_ref() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    s.correct(target, assessed("complete", "2019-02-01"))
    [_, record] = effective_events(s.records, as_of=FAR, known_at=LATER)
    assert record.ref == target.ref
    assert isinstance(record.event, ProgressAssessed) and record.event.level == "complete"
    assert str(record.event.occurred_on) == "2019-02-01"


# --- commitments -----------------------------------------------------------------------------


def test_new_commitment_defaults() -> None:
    status = cstatus(commitment(undertaken()))
    assert status.commitment_id == CID and status.organization_id == "sco"
    assert status.status == "undertaken" and status.superseded_by is None
    assert status.level == "no_evidence"
    assert status.party_levels == {"KAZ": "no_evidence", "KGZ": "no_evidence"}
    assert str(status.due_on) == "2020" and status.due_version == 1
    assert status.developments == 1 and not status.overdue and not status.stale
    assert status.last_development.type == "CommitmentUndertaken"
    assert str(status.undertaken_on) == "2018-06-15"


def test_commitment_does_not_exist_before_undertaken_in_either_time() -> None:
    s = commitment(undertaken())
    assert cstatus(s, as_of=date(2018, 6, 14)) is None
    assert cstatus(s, known_at=T0) is None  # recorded at T0 + 1h
    assert cstatus(s, known_at=T0 + timedelta(hours=1)) is not None
    assert reduce_commitment([], as_of=FAR, known_at=LATER) is None


def test_commitment_origin_and_topics_are_copied() -> None:
    s = commitment(undertaken(origin={"kind": "meeting", "id": "sco-summit/2018"}, topics=("extremism",)))
    status = cstatus(s)
    assert status.origin == ("meeting", "sco-summit/2018") and status.topics == ("extremism",)


def test_overall_level_is_latest_overall_assessment_in_world_order() -> None:
    # Recorded late but dated early: the backfilled assessment must not override the newer one.
    s = commitment(undertaken(), assessed("substantial", "2024-01-01"), assessed("limited", "2019-01-01"))
    assert cstatus(s, as_of=FAR).level == "substantial"
    assert cstatus(s, as_of=date(2020, 1, 1)).level == "limited"


def test_party_assessment_never_sets_overall_level() -> None:
    s = commitment(undertaken(), assessed("complete", "2019-01-01", party="KAZ"))
    status = cstatus(s, as_of=FAR)
    assert status.level == "no_evidence"
    assert status.party_levels == {"KAZ": "complete", "KGZ": "no_evidence"}


def test_party_levels_take_latest_per_party() -> None:
    s = commitment(undertaken(), assessed("limited", "2020-01-01", party="KAZ"),
                   assessed("not_started", "2019-01-01", party="KAZ"), assessed("limited", "2019-05-01", party="KGZ"))
    assert cstatus(s, as_of=FAR).party_levels == {"KAZ": "limited", "KGZ": "limited"}


def test_assessment_of_non_party_is_review_item_not_a_party_level() -> None:
    s = commitment(undertaken(), assessed("limited", "2019-01-01", party="CHN"))
    assert "CHN" not in cstatus(s, as_of=FAR).party_levels
    items = review_items(s.stream, s.records, as_of=FAR, known_at=LATER)
    assert [i.kind for i in items] == ["unknown_party"]


def test_deadline_changes_in_world_order_bump_due_version() -> None:
    s = commitment(undertaken(due="2020"), deadline("2023-06", "2021-01-01"), deadline("2022", "2019-12-01"))
    status = cstatus(s, as_of=FAR)
    assert str(status.due_on) == "2023-06" and status.due_version == 3
    early = cstatus(s, as_of=date(2020, 1, 1))
    assert str(early.due_on) == "2022" and early.due_version == 2


def test_deadline_removed() -> None:
    s = commitment(undertaken(due="2020"), deadline(None, "2019-01-01"))
    status = cstatus(s, as_of=date(2030, 1, 1))
    assert status.due_on is None and status.due_version == 2 and not status.overdue


@pytest.mark.parametrize(("as_of", "overdue"), [
    (date(2020, 12, 31), False),  # due "2020": could still be met on the last day of the year
    (date(2021, 1, 1), True),
])
def test_overdue_uses_latest_possible_due_day(as_of: date, overdue: bool) -> None:
    assert cstatus(commitment(undertaken(due="2020")), as_of=as_of).overdue is overdue


@pytest.mark.parametrize("closing", [
    ev(CommitmentFulfilled, occurred_on="2019-01-01", commitment_id=CID),
    ev(CommitmentWithdrawn, occurred_on="2019-01-01", commitment_id=CID),
    ev(CommitmentLapsed, occurred_on="2019-01-01", commitment_id=CID),
    ev(CommitmentSuperseded, occurred_on="2019-01-01", commitment_id=CID, by_commitment_id="other"),
])
def test_closed_commitments_are_never_overdue_or_stale(closing: Development) -> None:
    status = cstatus(commitment(undertaken(due="2020"), closing), as_of=date(2030, 1, 1))
    assert status.status != "undertaken"
    assert not status.overdue and not status.stale


def test_stale_after_stale_days_without_development() -> None:
    s = commitment(undertaken(on="2018-06-15", due=None))
    assert not cstatus(s, as_of=date(2019, 6, 15)).stale  # exactly 365 days
    assert cstatus(s, as_of=date(2019, 6, 16)).stale
    assert not cstatus(s, as_of=date(2019, 6, 16), stale_days=400).stale
    s.add(assessed("limited", "2019-06-01"))
    assert not cstatus(s, as_of=date(2019, 6, 16)).stale


def test_stale_measures_from_latest_possible_day_of_last_development() -> None:
    s = commitment(undertaken(on="2018", due=None))  # latest possible day 2018-12-31
    assert not cstatus(s, as_of=date(2019, 12, 31)).stale
    assert cstatus(s, as_of=date(2020, 1, 1)).stale


def test_superseded_commitment_names_successor() -> None:
    s = commitment(undertaken(), ev(CommitmentSuperseded, occurred_on="2019-01-01", commitment_id=CID,
                                    by_commitment_id="sco-extremism-2022"))
    status = cstatus(s, as_of=FAR)
    assert status.status == "superseded" and status.superseded_by == "sco-extremism-2022"
    assert status.last_development.summary == "Commitment superseded by sco-extremism-2022"


def test_later_status_wins_and_conflict_is_reviewed() -> None:
    s = commitment(undertaken(), ev(CommitmentSuperseded, occurred_on="2019-01-01", commitment_id=CID,
                                    by_commitment_id="x"),
                   ev(CommitmentFulfilled, occurred_on="2020-01-01", commitment_id=CID))
    status = cstatus(s, as_of=FAR)
    assert status.status == "fulfilled" and status.superseded_by is None
    assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["status_conflict"]


def test_last_development_and_count() -> None:
    s = commitment(undertaken(), assessed("limited", "2021-01-01", party="KAZ"), deadline("2024", "2019-01-01"))
    status = cstatus(s, as_of=FAR)
    assert status.developments == 3
    assert status.last_development.summary == "Progress assessed: limited (KAZ)"
    assert status.last_development.ref == f"commitment:{CID}#2"


# --- corrections and retractions -------------------------------------------------------------


def test_retraction_applies_from_its_record_time() -> None:
    s = commitment(undertaken())
    wrong = s.add(assessed("complete", "2019-01-01"))
    retraction = s.retract(wrong)
    before = cstatus(s, as_of=FAR, known_at=retraction.recorded_at - timedelta(seconds=1))
    after = cstatus(s, as_of=FAR, known_at=retraction.recorded_at)
    assert before.level == "complete" and before.developments == 2
    assert after.level == "no_evidence" and after.developments == 1


def test_retracting_the_retraction_restores_the_event() -> None:
    s = commitment(undertaken())
    wrong = s.add(assessed("complete", "2019-01-01"))
    retraction = s.retract(wrong)
    s.retract(retraction)
    assert cstatus(s, as_of=FAR).level == "complete"


def test_retracting_creation_removes_the_entity() -> None:
    s = commitment(undertaken())
    s.retract(s.records[0])
    assert cstatus(s) is None
    assert cstatus(s, known_at=T0 + timedelta(hours=1)) is not None


def test_correction_applies_from_its_record_time_and_last_wins() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    first = s.correct(target, assessed("substantial", "2019-01-01"))
    second = s.correct(target, assessed("complete", "2019-01-01"))
    assert cstatus(s, as_of=FAR, known_at=target.recorded_at).level == "limited"
    assert cstatus(s, as_of=FAR, known_at=first.recorded_at).level == "substantial"
    assert cstatus(s, as_of=FAR, known_at=second.recorded_at).level == "complete"


def test_retracting_a_correction_brings_back_the_previous_content() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    s.correct(target, assessed("substantial", "2019-01-01"))
    second = s.correct(target, assessed("complete", "2019-01-01"))
    s.retract(second)
    assert cstatus(s, as_of=FAR).level == "substantial"


def test_correction_can_move_an_event_in_world_time() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    s.correct(target, assessed("limited", "2026-01-01"))
    assert cstatus(s, as_of=date(2020, 1, 1)).level == "no_evidence"
    assert cstatus(s, as_of=date(2026, 1, 1)).level == "limited"


def test_correcting_creation_changes_descriptive_fields() -> None:
    s = commitment(undertaken(due="2020"))
    s.correct(s.records[0], undertaken(due="2022"))
    status = cstatus(s, as_of=date(2021, 6, 1))
    assert str(status.due_on) == "2022" and not status.overdue
    assert status.due_version == 1  # a corrected original date is not a deadline change


def test_correction_naming_another_entity_is_not_applied_and_reviewed() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    correction = s.correct(target, assessed("complete", "2019-01-01", cid="another-commitment"))
    assert cstatus(s, as_of=FAR).level == "limited"
    items = review_items(s.stream, s.records, as_of=FAR, known_at=LATER)
    assert [(i.kind, i.refs) for i in items] == [("entity_changed", (correction.ref, target.ref))]


def test_invalid_replacement_is_not_applied_and_reviewed() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    s.add(ev(EventCorrected, occurred_on="2025-01-01", target=target.ref, reason="x",
             replacement={"type": "ProgressAssessed", "commitment_id": CID, "level": "bogus",
                          "occurred_on": "2019-01-01", "unsourced": True}))
    assert cstatus(s, as_of=FAR).level == "limited"
    assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["invalid_correction"]


def test_replacing_an_event_by_an_amendment_is_refused() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    s.correct(target, ev(EventRetracted, occurred_on="2025-01-01", target=s.records[0].ref, reason="sneaky"))
    assert cstatus(s, as_of=FAR) is not None and cstatus(s, as_of=FAR).level == "limited"
    assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["invalid_correction"]


def test_dangling_amendment_is_reviewed_and_harmless() -> None:
    s = commitment(undertaken())
    s.add(ev(EventRetracted, occurred_on="2025-01-01", target=f"commitment:{CID}#9", reason="?"))
    assert cstatus(s) is not None
    assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["dangling_reference"]


def test_amendment_of_itself_or_of_a_later_version_is_dangling() -> None:
    s = commitment(undertaken())
    s.add(assessed("limited", "2019-01-01"))
    s.add(ev(EventRetracted, occurred_on="2025-01-01", target=f"commitment:{CID}#3", reason="itself"))
    s.add(ev(EventRetracted, occurred_on="2025-01-01", target=f"commitment:{CID}#5", reason="later"))
    s.add(assessed("complete", "2019-02-01"))
    assert cstatus(s, as_of=FAR).level == "complete"
    items = review_items(s.stream, s.records, as_of=FAR, known_at=LATER)
    assert sorted(i.refs for i in items) == [(f"commitment:{CID}#3", f"commitment:{CID}#3"),
                                             (f"commitment:{CID}#4", f"commitment:{CID}#5")]
    assert {i.kind for i in items} == {"dangling_reference"}


def test_versions_not_record_times_order_a_stream_when_the_clock_steps_back() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"), at=T0 + timedelta(days=10))
    # The clock stepped back: the retraction (version 3) carries an earlier record time than
    # its target. It still retracts it, and from its record time on both count as known.
    retraction = s.add(ev(EventRetracted, occurred_on="2025-01-01", target=target.ref, reason="wrong"),
                       at=T0 + timedelta(days=5))
    assert cstatus(s, as_of=FAR).level == "no_evidence"
    assert cstatus(s, as_of=FAR, known_at=retraction.recorded_at).level == "no_evidence"
    assert cstatus(s, as_of=FAR, known_at=retraction.recorded_at - timedelta(seconds=1)).developments == 1
    assert review_items(s.stream, s.records, as_of=FAR, known_at=LATER) == []


def test_amendments_are_not_developments() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    s.correct(target, assessed("complete", "2019-01-01"))
    status = cstatus(s, as_of=FAR)
    assert status.developments == 2
    assert status.last_development.type == "ProgressAssessed"
    assert status.last_development.summary == "Progress assessed: complete (overall)"


# --- proposals -----------------------------------------------------------------------------------

PID = "kaz-water-initiative"


def proposal(*events: Development) -> Stream:
    s = Stream(f"proposal:{PID}")
    s.add(ev(ProposalTabled, occurred_on="2020-05-01", proposal_id=PID, organization_id="sco",
             by_state="KAZ", title="Water initiative", kind="initiative"))
    for e in events:
        s.add(e)
    return s


def pstatus(s: Stream, as_of: date = FAR) -> Any:
    return reduce_proposal(s.records, as_of=as_of, known_at=LATER)


def test_proposal_tabled() -> None:
    status = pstatus(proposal())
    assert status.status == "tabled" and status.by_state == "KAZ" and status.kind == "initiative"
    assert status.supporters == () and status.adopted_into is None
    assert reduce_proposal(proposal().records, as_of=date(2020, 4, 30), known_at=LATER) is None


def test_supporters_accumulate_unique_sorted_without_proposer() -> None:
    s = proposal(ev(ProposalSupported, occurred_on="2020-06-01", proposal_id=PID, states=("RUS", "CHN")),
                 ev(ProposalSupported, occurred_on="2020-07-01", proposal_id=PID, states=("CHN", "UZB")))
    assert pstatus(s).supporters == ("CHN", "RUS", "UZB")
    assert pstatus(s, as_of=date(2020, 6, 30)).supporters == ("CHN", "RUS")


def test_deferred_then_adopted_into_commitment() -> None:
    s = proposal(ev(ProposalDeferred, occurred_on="2020-06-01", proposal_id=PID, until="2021"),
                 ev(ProposalAdopted, occurred_on="2021-06-01", proposal_id=PID, into_commitment_id=CID))
    deferred = pstatus(s, as_of=date(2021, 1, 1))
    assert deferred.status == "deferred" and str(deferred.deferred_until) == "2021"
    adopted = pstatus(s)
    assert adopted.status == "adopted" and adopted.adopted_into == ("commitment", CID)
    assert adopted.deferred_until is None
    assert review_items(s.stream, s.records, as_of=FAR, known_at=LATER) == []


def test_adopted_into_document() -> None:
    s = proposal(ev(ProposalAdopted, occurred_on="2021-06-01", proposal_id=PID, into_document_id="water-agreement"))
    assert pstatus(s).adopted_into == ("document", "water-agreement")


def test_rejection_after_adoption_wins_and_is_reviewed() -> None:
    s = proposal(ev(ProposalAdopted, occurred_on="2021-06-01", proposal_id=PID, into_commitment_id=CID),
                 ev(ProposalRejected, occurred_on="2021-07-01", proposal_id=PID))
    status = pstatus(s)
    assert status.status == "rejected" and status.adopted_into is None
    assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["status_conflict"]


# --- documents -----------------------------------------------------------------------------------

DID = "sco-extradition-protocol"


def document(*events: Development) -> Stream:
    s = Stream(f"document:{DID}")
    s.add(ev(DocumentDrafted, occurred_on="2019-03-01", document_id=DID, organization_id="sco",
             kind="protocol", title="Extradition protocol"))
    for e in events:
        s.add(e)
    return s


def signed(on: str, *states: str) -> Development:
    return ev(DocumentSigned, occurred_on=on, document_id=DID,
              signatories=tuple(Signatory(state=s, person="A. Person", office="Minister") for s in states))


def action(on: str, state: str, kind: str, text: str | None = None) -> Development:
    return ev(PartyActionTaken, occurred_on=on, document_id=DID, state=state, action=kind, text=text)


def dstatus(s: Stream, as_of: date = FAR) -> Any:
    return reduce_document(s.records, as_of=as_of, known_at=LATER)


def test_document_party_status_follows_treaty_practice() -> None:
    s = document(signed("2019-06-15", "KAZ", "KGZ"), action("2020-02-01", "KAZ", "ratification"),
                 action("2021-01-01", "PAK", "accession"), action("2020-05-01", "KGZ", "approval"))
    parties = {p.state: p for p in dstatus(s).parties}
    assert list(parties) == ["KAZ", "KGZ", "PAK"]
    kaz = parties["KAZ"]
    assert kaz.status == "ratified" and kaz.consent == "ratification" and str(kaz.consent_on) == "2020-02-01"
    assert str(kaz.signed_on) == "2019-06-15" and kaz.signed_by == "A. Person, Minister"
    assert [(a, str(d)) for a, d in kaz.actions] == [("signature", "2019-06-15"), ("ratification", "2020-02-01")]
    assert parties["KGZ"].status == "approved"
    assert parties["PAK"].status == "acceded" and parties["PAK"].signed_on is None
    early = {p.state: p.status for p in dstatus(s, as_of=date(2019, 12, 31)).parties}
    assert early == {"KAZ": "signed", "KGZ": "signed"}


@pytest.mark.parametrize(("kind", "status"), [("acceptance", "accepted"), ("succession", "succeeded")])
def test_other_consent_kinds(kind: str, status: str) -> None:
    assert dstatus(document(action("2020-01-01", "KAZ", kind))).parties[0].status == status


def test_denunciation_is_shown_apart_and_keeps_status() -> None:
    s = document(signed("2019-06-15", "KAZ"), action("2020-02-01", "KAZ", "ratification"),
                 action("2023-02-01", "KAZ", "denunciation"))
    kaz = dstatus(s).parties[0]
    assert kaz.status == "ratified" and str(kaz.denounced_on) == "2023-02-01"
    assert kaz.actions[-1][0] == "denunciation"


def test_reservations_declarations_objections_collect_texts() -> None:
    s = document(action("2020-01-01", "KAZ", "reservation", "Art. 3 does not apply"),
                 action("2020-01-02", "KAZ", "declaration", "Interpreted narrowly"),
                 action("2020-01-03", "KAZ", "objection"))
    kaz = dstatus(s).parties[0]
    assert kaz.reservations == ("Art. 3 does not apply", "Interpreted narrowly")
    assert [a for a, _ in kaz.actions] == ["reservation", "declaration", "objection"]
    assert kaz.status is None


def test_entry_into_force_for_some_then_all() -> None:
    s = document(ev(DocumentEnteredIntoForce, occurred_on="2021-01-01", document_id=DID, for_states=("KGZ", "KAZ")))
    partial = dstatus(s)
    assert partial.in_force and partial.in_force_for == ("KAZ", "KGZ") and str(partial.in_force_on) == "2021-01-01"
    s.add(ev(DocumentEnteredIntoForce, occurred_on="2022-01-01", document_id=DID))
    general = dstatus(s)
    assert general.in_force and general.in_force_for == () and str(general.in_force_on) == "2021-01-01"
    assert not dstatus(s, as_of=date(2020, 12, 31)).in_force


def test_signed_before_drafted_is_a_date_conflict() -> None:
    s = document(signed("2019-01-01", "KAZ"))
    items = review_items(s.stream, s.records, as_of=FAR, known_at=LATER)
    assert [(i.kind, i.refs) for i in items] == [("date_conflict", (f"document:{DID}#2", f"document:{DID}#1"))]
    assert dstatus(s).parties[0].status == "signed"


def test_event_sorted_before_a_vaguer_creation_is_no_conflict() -> None:
    s = Stream(f"document:{DID}")
    s.add(ev(DocumentDrafted, occurred_on="2019", document_id=DID, organization_id="sco", kind="protocol", title="P"))
    s.add(signed("2019-01-01", "KAZ"))  # sorts first (same earliest, earlier latest) but may well be later
    assert review_items(s.stream, s.records, as_of=FAR, known_at=LATER) == []
    assert dstatus(s).parties[0].status == "signed"


def test_deadline_dated_before_undertaking_is_kept_and_reviewed() -> None:
    s = commitment(undertaken(on="2018-06-15", due="2020"), deadline("2021", "2018-01-01"))
    status = cstatus(s, as_of=FAR)
    assert str(status.due_on) == "2021" and status.due_version == 2
    assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["date_conflict"]


def test_signing_twice_is_reviewed() -> None:
    s = document(signed("2019-06-01", "KAZ"), signed("2019-07-01", "KAZ"))
    assert str(dstatus(s).parties[0].signed_on) == "2019-07-01"
    assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["duplicate_action"]


# --- meetings ------------------------------------------------------------------------------------

MID = "sco-prosecutors-general/22"


def meeting(*events: Development) -> Stream:
    s = Stream(f"meeting:{MID}")
    s.add(ev(MeetingScheduled, occurred_on="2024-03-01", meeting_id=MID, body_id="sco-prosecutors-general",
             number=22, city="Astana", host_state="KAZ", starts_on="2024-06-10", ends_on="2024-06-11"))
    for e in events:
        s.add(e)
    return s


def mstatus(s: Stream, as_of: date = FAR) -> Any:
    return reduce_meeting(s.records, as_of=as_of, known_at=LATER, organization_id="sco")


def held(on: str, *states: str) -> Development:
    return ev(MeetingHeld, occurred_on=on, meeting_id=MID, attendees=tuple(Attendee(state=x) for x in states),
              chaired_by="KAZ")


def test_meeting_scheduled() -> None:
    status = mstatus(meeting())
    assert status.status == "scheduled" and status.organization_id == "sco"
    assert status.body_id == "sco-prosecutors-general"
    assert str(status.starts_on) == "2024-06-10" and str(status.ends_on) == "2024-06-11"
    assert status.city == "Astana" and status.reschedule_count == 0 and status.held_on is None


def test_rescheduled_and_relocated() -> None:
    s = meeting(ev(MeetingRescheduled, occurred_on="2024-04-01", meeting_id=MID, starts_on="2024-07-01"),
                ev(MeetingRelocated, occurred_on="2024-05-01", meeting_id=MID, city="Almaty", format="hybrid"),
                ev(MeetingRescheduled, occurred_on="2024-05-15", meeting_id=MID, starts_on="2024-07-02",
                   ends_on="2024-07-03"))
    status = mstatus(s)
    assert status.status == "rescheduled" and status.reschedule_count == 2
    assert str(status.starts_on) == "2024-07-02" and str(status.ends_on) == "2024-07-03"
    assert status.city == "Almaty" and status.format == "hybrid" and status.host_state == "KAZ"
    mid = mstatus(s, as_of=date(2024, 5, 1))
    assert mid.status == "relocated" and mid.reschedule_count == 1 and mid.ends_on is None


def test_held_with_attendees() -> None:
    status = mstatus(meeting(held("2024-06-10", "KAZ", "RUS")))
    assert status.status == "held" and str(status.held_on) == "2024-06-10"
    assert [a.state for a in status.attendees] == ["KAZ", "RUS"]


def test_held_beats_a_cancellation_in_either_order_and_is_reviewed() -> None:
    cancel = ev(MeetingCancelled, occurred_on="2024-05-01", meeting_id=MID)
    for s in (meeting(cancel, held("2024-06-10")), meeting(held("2024-06-10"), cancel)):
        assert mstatus(s).status == "held"
        assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["status_conflict"]
    assert mstatus(meeting(cancel, held("2024-06-10")), as_of=date(2024, 6, 1)).status == "cancelled"


def test_news_after_held_does_not_change_status() -> None:
    s = meeting(held("2024-06-10"), ev(MeetingRelocated, occurred_on="2024-07-01", meeting_id=MID, city="Almaty"))
    assert mstatus(s).status == "held"


def test_held_outside_scheduled_dates_is_a_date_conflict() -> None:
    s = meeting(held("2024-06-20"))
    assert [i.kind for i in review_items(s.stream, s.records, as_of=FAR, known_at=LATER)] == ["date_conflict"]
    fine = meeting(held("2024-06"))  # month precision overlaps the scheduled days
    assert review_items(fine.stream, fine.records, as_of=FAR, known_at=LATER) == []


# --- organizations and bodies ------------------------------------------------------------------


def organization() -> Stream:
    s = Stream("organization:sco")
    s.add(ev(OrganizationRegistered, occurred_on="2001-06-15", organization_id="sco",
             names={"en": "Shanghai Cooperation Organisation"}, abbreviations={"en": "SCO"},
             former_names=({"name": "Shanghai Five", "until": "2001-06-15"},)))
    for state, status, on in [("KAZ", "member", "2001-06-15"), ("PAK", "observer", "2005-07"),
                              ("PAK", "member", "2017-06-09"), ("IRN", "member", "2023-07")]:
        s.add(ev(MembershipChanged, occurred_on=on, organization_id="sco", state=state, status=status))
    return s


def test_organization_membership_timeline() -> None:
    s = organization()
    org = reduce_organization(s.records, as_of=FAR, known_at=LATER)
    assert org is not None and org.abbreviations == {"en": "SCO"} and org.former_names[0].name == "Shanghai Five"
    assert [(m.state, m.status, str(m.on)) for m in org.memberships][:3] == [
        ("KAZ", "member", "2001-06-15"), ("PAK", "observer", "2005-07"), ("PAK", "member", "2017-06-09")]
    assert org.members_on(date(2010, 1, 1)) == ("KAZ",)
    assert org.members_on(date(2023, 6, 30)) == ("KAZ", "PAK")
    assert org.members_on(date(2023, 7, 1)) == ("IRN", "KAZ", "PAK")  # month precision: from its first day
    assert org.status_on("PAK", date(2005, 7, 1)) == "observer"
    assert org.status_on("PAK", date(2005, 6, 30)) is None
    early = reduce_organization(s.records, as_of=date(2020, 1, 1), known_at=LATER)
    assert early is not None and early.members_on(date(2024, 1, 1)) == ("KAZ", "PAK")


BID = "sco-prosecutors-general"
ALPHA = RotationRule(kind="alphabetical", language="ru", term="per_meeting")


def body(*events: Development) -> Stream:
    s = Stream(f"body:{BID}")
    s.add(ev(BodyEstablished, occurred_on="2002", body_id=BID, organization_id="sco",
             names={"en": "Meeting of Prosecutors General"}, rotation=ALPHA))
    for e in events:
        s.add(e)
    return s


def handover(on: str, from_state: str | None, to_state: str, meeting_id: str | None = None) -> Development:
    return ev(ChairmanshipHandedOver, occurred_on=on, body_id=BID, from_state=from_state, to_state=to_state,
              meeting_id=meeting_id)


def test_body_histories_in_world_order() -> None:
    annual = RotationRule(kind="alphabetical", language="en", term="annual", anchor="07-01")
    s = body(handover("2024-06-10", "KGZ", "PAK", MID), handover("2023-06-10", "KAZ", "KGZ"),
             ev(RotationRuleChanged, occurred_on="2020-01-01", body_id=BID, rotation=annual),
             ev(RotationOverridden, occurred_on="2022-01-01", body_id=BID, override="skip", states=("AFG",),
                reason="suspended"))
    b = reduce_body(s.records, as_of=FAR, known_at=LATER)
    assert b is not None and b.organization_id == "sco"
    assert [(str(r.on), r.rule.term) for r in b.rules] == [("2002", "per_meeting"), ("2020-01-01", "annual")]
    assert [(o.kind, o.states, o.reason) for o in b.overrides] == [("skip", ("AFG",), "suspended")]
    assert [(h.from_state, h.to_state, h.meeting_id) for h in b.handovers] == [("KAZ", "KGZ", None),
                                                                                ("KGZ", "PAK", MID)]
    assert b.rule_on(date(2019, 1, 1)) == ALPHA and b.rule_on(date(2021, 1, 1)) == annual
    assert review_items(s.stream, s.records, as_of=FAR, known_at=LATER) == []


def test_two_handovers_same_day_to_different_states() -> None:
    s = body(handover("2024-06-10", "KGZ", "PAK"), handover("2024-06-10", "KGZ", "RUS"),
             handover("2024-06-11", "PAK", "RUS"))
    items = review_items(s.stream, s.records, as_of=FAR, known_at=LATER)
    assert [(i.kind, i.refs) for i in items] == [("chain_conflict", (f"body:{BID}#2", f"body:{BID}#3"))]


# --- summaries and timeline --------------------------------------------------------------------


def test_summary_lines() -> None:
    s = body(handover("2024-06-10", "KGZ", "PAK", MID))
    line = summarize(s.records[1])
    assert line.summary == "Chair passed from KGZ to PAK at sco-prosecutors-general/22"
    assert line.type == "ChairmanshipHandedOver" and line.entity == f"body:{BID}" and line.ref == f"body:{BID}#2"
    c = commitment(undertaken(), assessed("limited", "2019-01-01", party="KAZ"))
    assert summarize(c.records[1]).summary == "Progress assessed: limited (KAZ)"
    assert summarize(c.records[0]).summary == "Commitment undertaken by KAZ, KGZ: Joint action (due 2020)"


def test_every_event_type_has_its_own_summary() -> None:
    samples = [
        *organization().records[:2], *body(handover("2024-01-01", None, "PAK"),
                                           ev(RotationOverridden, occurred_on="2022", body_id=BID, override="swap",
                                              states=("KAZ", "KGZ"), reason="host")).records,
        *meeting(held("2024-06-10"), ev(MeetingCancelled, occurred_on="2024-05-01", meeting_id=MID)).records,
        *proposal(ev(ProposalRejected, occurred_on="2021", proposal_id=PID, reason="no")).records,
        *document(signed("2019-06-01", "KAZ"), action("2020", "KAZ", "ratification"),
                  ev(DocumentEnteredIntoForce, occurred_on="2021", document_id=DID)).records,
    ]
    lines = [summarize(r).summary for r in samples]
    assert all(line and line != summarize(r).type for line, r in zip(lines, samples, strict=True))
    assert "Membership: KAZ became member" in lines
    assert "Chair passed to PAK" in lines
    assert "Ratification by KAZ" in lines
    assert "Proposal rejected (no)" in lines


def test_timeline_marks_instead_of_hiding() -> None:
    s = commitment(undertaken())
    wrong = s.add(assessed("complete", "2019-01-01"))
    fixed = s.add(assessed("limited", "2019-02-01"))
    retraction = s.retract(wrong, on="2025-01-02")
    correction = s.correct(fixed, assessed("substantial", "2019-02-01"))
    lines = timeline(s.records, as_of=FAR, known_at=LATER)
    assert [line.ref for line in lines] == [s.records[0].ref, wrong.ref, fixed.ref, correction.ref, retraction.ref]
    by_ref = {line.ref: line for line in lines}
    assert by_ref[wrong.ref].retracted and not by_ref[fixed.ref].retracted
    assert by_ref[fixed.ref].corrected_by == correction.ref
    assert by_ref[fixed.ref].summary == "Progress assessed: substantial (overall)"
    assert by_ref[retraction.ref].summary == f"Retracted {wrong.ref}: wrong"
    # As known before the amendments, nothing is marked and they are not shown.
    early = timeline(s.records, as_of=FAR, known_at=fixed.recorded_at)
    assert [line.ref for line in early] == [s.records[0].ref, wrong.ref, fixed.ref]
    assert not any(line.retracted or line.corrected_by for line in early)
    assert [line.ref for line in timeline(s.records, as_of=date(2019, 1, 31), known_at=LATER)] == [
        s.records[0].ref, wrong.ref]


# --- status changes -----------------------------------------------------------------------------


def test_timeline_of_a_corrected_then_retracted_event_shows_only_the_retraction() -> None:
    s = commitment(undertaken())
    target = s.add(assessed("limited", "2019-01-01"))
    s.correct(target, assessed("complete", "2019-01-01"))
    s.retract(target)
    line = {x.ref: x for x in timeline(s.records, as_of=FAR, known_at=LATER)}[target.ref]
    assert line.retracted and line.corrected_by is None


def test_status_changes_along_world_time() -> None:
    s = commitment(undertaken(due="2020"), ev(CommitmentFulfilled, occurred_on="2021-01-01", commitment_id=CID),
                   assessed("limited", "2019-01-01"))
    changes = [(c.ref.rsplit("#")[1], c.field, c.before, c.after)
               for c in status_changes(s.records, as_of=FAR, known_at=LATER)]
    assert ("1", "status", None, "undertaken") in changes
    assert changes[-2:] == [("3", "level", "no_evidence", "limited"), ("2", "status", "undertaken", "fulfilled")]
    recent = status_changes(s.records, as_of=FAR, known_at=LATER, occurred_after=date(2020, 1, 1))
    assert [(c.field, c.after) for c in recent] == [("status", "fulfilled")]


def test_status_changes_between_two_record_times() -> None:
    s = commitment(undertaken(due="2020"), assessed("limited", "2019-01-01"))
    t1 = s.records[-1].recorded_at
    moved = s.add(deadline("2022", "2019-06-01"))
    changes = status_changes(s.records, as_of=FAR, known_at=LATER, known_since=t1)
    assert [(c.field, c.before, c.after, c.ref) for c in changes] == [("due_on", "2020", "2022", moved.ref)]
    t2 = s.records[-1].recorded_at
    retraction = s.retract(s.records[1])
    undone = status_changes(s.records, as_of=FAR, known_at=LATER, known_since=t2)
    assert [(c.field, c.before, c.after, c.ref) for c in undone] == [
        ("level", "limited", "no_evidence", retraction.ref)]
    assert status_changes(s.records, as_of=FAR, known_at=LATER, known_since=LATER) == []


def test_status_change_from_a_correction_is_attributed_to_it() -> None:
    s = commitment(undertaken(), assessed("limited", "2019-01-01"))
    t1 = s.records[-1].recorded_at
    correction = s.correct(s.records[1], assessed("complete", "2019-01-01"))
    [change] = status_changes(s.records, as_of=FAR, known_at=LATER, known_since=t1)
    assert (change.field, change.before, change.after, change.ref) == ("level", "limited", "complete", correction.ref)


def test_status_fields_per_kind() -> None:
    assert status_fields(body(handover("2024-06-10", "KGZ", "PAK")).records, as_of=FAR, known_at=LATER) == {
        "rule": "alphabetical (ru), per_meeting", "chair": "PAK"}
    assert status_fields(organization().records, as_of=date(2010, 1, 1), known_at=LATER) == {
        "membership[KAZ]": "member", "membership[PAK]": "observer"}
    assert status_fields([], as_of=FAR, known_at=LATER) == {}


# --- properties ----------------------------------------------------------------------------------

LEVELS = ["no_evidence", "not_started", "limited", "substantial", "complete"]


@st.composite
def world_dates(draw: st.DrawFn, lo: int = 2018, hi: int = 2026) -> str:
    """A partial date: year, month or day precision."""
    year = draw(st.integers(lo, hi))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return f"{year}"
    month = draw(st.integers(1, 12))
    if precision == "month":
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{draw(st.integers(1, 28)):02d}"


@st.composite
def commitment_histories(draw: st.DrawFn) -> list[Recorded]:
    """A commitment stream of assessments, deadlines, closings, retractions and corrections."""
    s = Stream(f"commitment:{CID}")
    s.add(undertaken(on=draw(world_dates(2018, 2019)), due=draw(st.none() | world_dates())))
    for _ in range(draw(st.integers(0, 12))):
        op = draw(st.sampled_from(["assess", "assess", "deadline", "close", "retract", "correct"]))
        on = draw(world_dates())
        if op == "assess":
            s.add(assessed(draw(st.sampled_from(LEVELS)), on, draw(st.sampled_from([None, "KAZ", "KGZ"]))))
        elif op == "deadline":
            s.add(deadline(draw(st.none() | world_dates()), on))
        elif op == "close":
            s.add(ev(draw(st.sampled_from([CommitmentFulfilled, CommitmentLapsed, CommitmentWithdrawn])),
                     occurred_on=on, commitment_id=CID))
        else:
            target = draw(st.sampled_from(s.records))
            if op == "retract":
                s.retract(target)
            elif isinstance(target.event, ProgressAssessed):
                s.correct(target, assessed(draw(st.sampled_from(LEVELS)), on, target.event.party))
    return s.records


def all_answers(records: list[Recorded], as_of: date, known_at: datetime) -> tuple[Any, ...]:
    return (
        reduce_commitment(records, as_of=as_of, known_at=known_at),
        effective_events(records, as_of=as_of, known_at=known_at),
        timeline(records, as_of=as_of, known_at=known_at),
        review_items(f"commitment:{CID}", records, as_of=as_of, known_at=known_at),
        status_changes(records, as_of=as_of, known_at=known_at),
    )


@settings(max_examples=150, deadline=None)
@given(commitment_histories(), st.dates(date(2017, 1, 1), date(2028, 1, 1)), st.randoms())
def test_property_order_independence(records: list[Recorded], as_of: date, rnd: random.Random) -> None:
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert all_answers(shuffled, as_of, LATER) == all_answers(records, as_of, LATER)


@settings(max_examples=150, deadline=None)
@given(commitment_histories(), st.dates(date(2017, 1, 1), date(2028, 1, 1)), st.data())
def test_property_known_at_equals_reducing_what_was_recorded_by_then(
    records: list[Recorded], as_of: date, data: st.DataObject,
) -> None:
    cut = data.draw(st.integers(0, len(records)))
    known_at = T0 + timedelta(hours=cut, minutes=30)
    prefix = [r for r in records if r.recorded_at <= known_at]
    assert len(prefix) == cut
    assert reduce_commitment(records, as_of=as_of, known_at=known_at) == reduce_commitment(
        prefix, as_of=as_of, known_at=LATER)
    assert timeline(records, as_of=as_of, known_at=known_at) == timeline(prefix, as_of=as_of, known_at=LATER)


@settings(max_examples=150, deadline=None)
@given(commitment_histories(), st.dates(date(2018, 1, 1), date(2026, 1, 1)), st.data())
def test_property_events_dated_after_as_of_never_matter(
    records: list[Recorded], as_of: date, data: st.DataObject,
) -> None:
    answer = reduce_commitment(records, as_of=as_of, known_at=LATER)
    # (a) Any further development dated after as_of, whatever its kind, changes nothing.
    later = data.draw(st.dates(as_of + timedelta(days=1), date(2030, 1, 1)))
    on = data.draw(st.sampled_from([later.isoformat(), f"{later.year + 1}", f"{later.year + 1}-{later.month:02d}"]))
    extra_event = data.draw(st.sampled_from([
        assessed("complete", on), assessed("limited", on, "KAZ"), deadline("2019", on),
        ev(CommitmentWithdrawn, occurred_on=on, commitment_id=CID),
        undertaken(on=on, due="2019"),
    ]))
    extra = Recorded(stream=f"commitment:{CID}", version=len(records) + 1,
                     recorded_at=T0 + timedelta(hours=len(records) + 1), event=extra_event)
    assert reduce_commitment([*records, extra], as_of=as_of, known_at=LATER) == answer
    # (b) Without corrections (which may move events across as_of), dropping every development
    # dated after as_of changes nothing either; amendments stay, as they act in record time.
    if not any(isinstance(r.event, EventCorrected) for r in records):
        kept = [r for r in records
                if isinstance(r.event, EventRetracted) or r.event.occurred_on.earliest <= as_of]
        assert reduce_commitment(kept, as_of=as_of, known_at=LATER) == answer


@settings(max_examples=100, deadline=None)
@given(world_dates(2019, 2024))
def test_property_partial_dates_count_from_their_earliest_day(on: str) -> None:
    s = commitment(undertaken(on="2018-01-01"), assessed("complete", on))
    first = parse_partial_date(on).earliest
    assert cstatus(s, as_of=first).level == "complete"
    assert cstatus(s, as_of=first - timedelta(days=1)).level == "no_evidence"


@pytest.mark.parametrize(("on", "counts_from"), [("2020", date(2020, 1, 1)), ("2020-03", date(2020, 3, 1)),
                                                  ("2020-03~", date(2020, 3, 1))])
def test_month_and_year_precision_examples(on: str, counts_from: date) -> None:
    s = commitment(undertaken(on="2018-01-01"), assessed("limited", on))
    assert cstatus(s, as_of=counts_from).level == "limited"
    assert cstatus(s, as_of=counts_from - timedelta(days=1)).level == "no_evidence"
