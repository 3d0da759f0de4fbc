"""The rules judged before storing, on the world timeline (pure: no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.builders import event, sco_world
from tracker.domain import check, effective_history
from tracker.errors import AlreadyExists, InvalidInput, NotAParty, RuleViolation, UnknownEntity, UnknownEvent
from tracker.events import Recorded, parse_event


class MemoryLog:
    """Just enough of an event log to judge rules against."""

    def __init__(self) -> None:
        self.streams: dict[str, list[Recorded]] = {}
        self.clock = datetime(2026, 1, 1, tzinfo=UTC)

    def load(self, stream: str) -> Sequence[Recorded]:
        return self.streams.get(stream, [])

    def exists(self, stream: str) -> bool:
        return bool(self.streams.get(stream))

    def record(self, data: dict[str, Any]) -> Recorded:
        development = parse_event(data)
        history = self.streams.setdefault(development.stream, [])
        check(development, history, self)
        self.clock += timedelta(seconds=1)
        recorded = Recorded(stream=development.stream, version=len(history) + 1, recorded_at=self.clock,
                            event=development)
        history.append(recorded)
        return recorded


@pytest.fixture
def log() -> MemoryLog:
    memory = MemoryLog()
    for data in sco_world():
        memory.record(data)
    return memory


def test_unknown_references_are_rejected_naming_the_field(log: MemoryLog) -> None:
    with pytest.raises(UnknownEntity) as caught:
        log.record(event("MeetingScheduled", meeting_id="m/1", body_id="nope", starts_on="2020-01-01"))
    assert caught.value.problems == [("body_id", "nope", "unknown body: record it first")]
    with pytest.raises(UnknownEntity, match="commitment 'missing'"):
        log.record(event("ProgressAssessed", commitment_id="missing", level="limited"))
    with pytest.raises(UnknownEntity, match="origin.id"):
        log.record(event("CommitmentUndertaken", commitment_id="c2", organization_id="sco", parties=["KAZ"],
                         title="t", text="t", origin={"kind": "proposal", "id": "nope"}))


def test_an_entity_cannot_be_created_twice(log: MemoryLog) -> None:
    with pytest.raises(AlreadyExists):
        log.record(event("OrganizationRegistered", organization_id="sco", names={"en": "again"}))


def test_progress_by_a_non_party_is_rejected(log: MemoryLog) -> None:
    with pytest.raises(NotAParty) as caught:
        log.record(event("ProgressAssessed", "2019", commitment_id="c", party="Türkiye", level="limited"))
    assert caught.value.field == "party" and caught.value.value == "TUR"
    assert log.record(event("ProgressAssessed", "2019", commitment_id="c", party="Kyrgyz Republic",
                            level="limited")).version == 2


def test_progress_after_withdrawal_is_rejected_but_backfilled_progress_before_it_is_accepted(log: MemoryLog) -> None:
    log.record(event("CommitmentWithdrawn", "2022-03-01", commitment_id="c", reason="superseded by events"))
    with pytest.raises(RuleViolation, match="withdrawn on 2022-03-01"):
        log.record(event("ProgressAssessed", "2023", commitment_id="c", level="limited"))
    # History is backfilled: an assessment dated before the withdrawal, recorded after it, is normal.
    assert log.record(event("ProgressAssessed", "2020-05", commitment_id="c", level="limited")).version == 3


def test_a_commitment_ends_once(log: MemoryLog) -> None:
    log.record(event("CommitmentFulfilled", "2022", commitment_id="c"))
    with pytest.raises(RuleViolation, match="already ended"):
        log.record(event("CommitmentLapsed", "2021", commitment_id="c"))


def test_nothing_can_be_dated_before_the_entity_began(log: MemoryLog) -> None:
    with pytest.raises(RuleViolation, match="came into being on 2018-09-20"):
        log.record(event("ProgressAssessed", "2017", commitment_id="c", level="limited"))


def _document(log: MemoryLog) -> None:
    log.record(event("DocumentDrafted", "2024-07", document_id="d", organization_id="sco", kind="protocol",
                     title="Protocol"))
    log.record(event("DocumentSigned", "2024-07-25", document_id="d", signatories=[{"state": "KGZ"}]))


def test_a_second_signature_by_the_same_state_is_rejected(log: MemoryLog) -> None:
    _document(log)
    with pytest.raises(RuleViolation, match="already signed") as caught:
        log.record(event("DocumentSigned", "2024-08-01", document_id="d", signatories=[{"state": "Kyrgyzstan"}]))
    assert caught.value.value == "KGZ"


def test_ratification_follows_signature_but_accession_does_not(log: MemoryLog) -> None:
    _document(log)
    with pytest.raises(NotAParty, match="ratification follows signature"):
        log.record(event("PartyActionTaken", "2025", document_id="d", state="KAZ", action="ratification"))
    with pytest.raises(NotAParty):
        log.record(event("PartyActionTaken", "2024-07-01", document_id="d", state="KGZ", action="ratification"))
    assert log.record(event("PartyActionTaken", "2025", document_id="d", state="KGZ", action="ratification"))
    assert log.record(event("PartyActionTaken", "2025", document_id="d", state="KAZ", action="accession"))


def test_a_handover_from_a_state_that_was_not_chair_is_accepted_for_review(log: MemoryLog) -> None:
    log.record(event("ChairmanshipHandedOver", "2023", body_id="sco-prosecutors-general", to_state="KGZ"))
    # Sources may disagree: the projections flag the broken chain; the rules do not refuse it.
    assert log.record(event("ChairmanshipHandedOver", "2024-07-25", body_id="sco-prosecutors-general",
                            from_state="KAZ", to_state="PAK")).version == 3


def test_retraction_and_correction(log: MemoryLog) -> None:
    assessed = log.record(event("ProgressAssessed", "2019", commitment_id="c", level="limited"))
    with pytest.raises(UnknownEvent):
        log.record(event("EventRetracted", "2020", target="commitment:c#9", reason="r"))
    with pytest.raises(RuleViolation, match="must stay a ProgressAssessed"):
        log.record(event("EventCorrected", "2020", target=assessed.ref, reason="r",
                         replacement=event("CommitmentFulfilled", commitment_id="c")))
    corrected = log.record(event("EventCorrected", "2020", target=assessed.ref, reason="level misread",
                                 replacement=event("ProgressAssessed", "2019", commitment_id="c",
                                                   level="substantial")))
    history = log.streams["commitment:c"]
    assert [r.event.type_name() for r in effective_history(history)] == ["CommitmentUndertaken", "ProgressAssessed"]
    assert effective_history(history)[1].event.level == "substantial"  # type: ignore[attr-defined]
    log.record(event("EventRetracted", "2020", target=corrected.ref, reason="the correction was wrong"))
    assert effective_history(log.streams["commitment:c"])[1].event.level == "limited"  # type: ignore[attr-defined]
    log.record(event("EventRetracted", "2020", target=assessed.ref, reason="never happened"))
    with pytest.raises(RuleViolation, match="already retracted"):
        log.record(event("EventRetracted", "2020", target=assessed.ref, reason="again"))
    assert [r.event.type_name() for r in effective_history(log.streams["commitment:c"])] == ["CommitmentUndertaken"]


def test_the_write_side_refuses_correcting_an_amendment_or_a_retracted_event(log: MemoryLog) -> None:
    a = log.record(event("ProgressAssessed", "2019", commitment_id="c", level="limited"))
    b = log.record(event("ProgressAssessed", "2020", commitment_id="c", level="complete"))
    retraction = log.record(event("EventRetracted", "2021", target=b.ref, reason="wrong one"))
    # Correcting a retraction (to retarget it) is refused: retract it and record a new one.
    with pytest.raises(RuleViolation, match="cannot be corrected"):
        log.record(event("EventCorrected", "2021", target=retraction.ref, reason="the other one",
                         replacement=event("EventRetracted", "2021", target=a.ref, reason="the other one")))
    # A retracted event can be neither corrected nor retracted again.
    with pytest.raises(RuleViolation, match="already retracted"):
        log.record(event("EventCorrected", "2021", target=b.ref, reason="r",
                         replacement=event("ProgressAssessed", "2020", commitment_id="c", level="limited")))
    with pytest.raises(RuleViolation, match="already retracted"):
        log.record(event("EventRetracted", "2021", target=b.ref, reason="again"))
    # Retracting the retraction restores b; retracting it twice is refused.
    undo = log.record(event("EventRetracted", "2021", target=retraction.ref, reason="b was right"))
    assert [r.ref for r in effective_history(log.streams["commitment:c"])][-1] == b.ref
    with pytest.raises(RuleViolation, match="already retracted"):
        log.record(event("EventRetracted", "2021", target=retraction.ref, reason="again"))
    assert undo.version == 5


def test_the_write_side_refuses_replacements_the_answers_would_only_flag(log: MemoryLog) -> None:
    # The answers flag these as review items when they meet them in stored history
    # (projections.resolution); the rules never let them in.
    a = log.record(event("ProgressAssessed", "2019", commitment_id="c", level="limited"))
    with pytest.raises(RuleViolation, match="must stay on commitment:c"):
        log.record(event("EventCorrected", "2020", target=a.ref, reason="r",
                         replacement=event("ProgressAssessed", "2019", commitment_id="other", level="limited")))
    with pytest.raises(InvalidInput, match="replacement.level"):
        log.record(event("EventCorrected", "2020", target=a.ref, reason="r",
                         replacement=event("ProgressAssessed", "2019", commitment_id="c", level="bogus")))
    with pytest.raises(RuleViolation, match="must stay a ProgressAssessed"):
        log.record(event("EventCorrected", "2020", target=a.ref, reason="r",
                         replacement=event("EventRetracted", "2020", target=a.ref, reason="sneaky")))
