"""A body's fold: its rotation rules, overrides and handovers."""

from __future__ import annotations

from datetime import date, timedelta

from typing_extensions import override

from tracker.events import (
    BodyEstablished,
    BodyRenamed,
    ChairmanshipAttested,
    ChairmanshipHandedOver,
    Recorded,
    RotationOverridden,
    RotationRuleChanged,
    SeatAssigned,
    parse_partial_date,
)
from tracker.projections.folds.base import EntityFold, Fields
from tracker.projections.model import (
    AttestationEntry,
    HandoverEntry,
    MembershipEntry,
    Message,
    OverrideEntry,
    RuleEntry,
    params,
)
from tracker.projections.summaries import describe_rule

__all__ = ["BodyFold"]


class BodyFold(EntityFold):
    """Folds a body's effective events in world order."""

    creator = BodyEstablished

    def __init__(self) -> None:
        super().__init__()
        self.rules: list[RuleEntry] = []
        self.overrides: list[OverrideEntry] = []
        self.handovers: list[HandoverEntry] = []
        self.by_day: dict[date, HandoverEntry] = {}
        self.seats: list[MembershipEntry] = []
        self.attestations: list[AttestationEntry] = []
        self.names: dict[str, str] = {}

    @override
    def apply(self, record: Recorded) -> None:
        event = record.event
        on = event.occurred_on
        if self._take(record):
            assert isinstance(event, BodyEstablished)
            self.created = record
            self.names = dict(event.names)
            self.rules.append(RuleEntry(on, event.rotation, record.ref))
            return
        match event:
            case RotationRuleChanged():
                self.rules.append(RuleEntry(on, event.rotation, record.ref))
            case RotationOverridden():
                self.overrides.append(
                    OverrideEntry(on, event.override, event.states, event.reason, record.ref, event.term))
            case SeatAssigned():
                self.seats.append(MembershipEntry(event.state, "member", on, record.ref))
                if event.until is not None:
                    left = parse_partial_date(event.until.latest + timedelta(days=1))
                    self.seats.append(MembershipEntry(event.state, "withdrawn", left, record.ref))
            case BodyRenamed():
                self.names = dict(event.names)
            case ChairmanshipAttested():
                self.attestations.append(AttestationEntry(on, event.state, event.meeting_id, record.ref))
            case ChairmanshipHandedOver():
                handover = HandoverEntry(on, event.from_state, event.to_state, event.meeting_id, record.ref)
                self.handovers.append(handover)
                if on.precision == "day":
                    other = self.by_day.get(on.earliest)
                    if other is not None and other.to_state != handover.to_state:
                        self._review("chain_conflict", record, Message(
                            "two_handovers_one_day",
                            params(first_state=other.to_state, first=other.ref, second_state=handover.to_state,
                                   ref=record.ref, on=on),
                            f"the chair passes to {other.to_state} ({other.ref}) and to "
                            f"{handover.to_state} ({record.ref}) on the same day {on}",
                        ), other.ref)
                    self.by_day.setdefault(on.earliest, handover)

    @override
    def fields(self) -> Fields:
        if self.created is None:
            return {}
        return {
            "rule": describe_rule(self.rules[-1].rule) if self.rules else None,
            "chair": self.handovers[-1].to_state if self.handovers else None,
        }

