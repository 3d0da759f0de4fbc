"""What the engine reads and what it answers.

It reads the reductions' own records: anything with the fields below (the protocols are
structural, so `projections.reduce`'s entries and the read model's meetings pass as they
are), holding the events' value types: partial dates, rotation rules, state codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from tracker.events import PartialDate, RotationRule
from tracker.projections.model import Message, Params, params

__all__ = [
    "AttestationRecord",
    "ChainConflict",
    "ChairRecord",
    "Deviation",
    "ExpectedTerm",
    "Gap",
    "MeetingRecord",
    "OverrideRecord",
    "Presidency",
    "Problem",
    "RecordedTerm",
    "RuleRecord",
    "StandingRecord",
]


class RuleRecord(Protocol):
    """A rotation rule recorded for a body, in force from a date."""

    @property
    def on(self) -> PartialDate:
        """When it took effect."""

    @property
    def rule(self) -> RotationRule:
        """The rule as the event holds it."""

    @property
    def ref(self) -> str:
        """The event that recorded it."""


class StandingRecord(Protocol):
    """A state's standing in the organization from a date (member, observer, withdrawn...)."""

    @property
    def state(self) -> str:
        """The state's code."""

    @property
    def status(self) -> str:
        """Its standing from `on`."""

    @property
    def on(self) -> PartialDate:
        """From when."""


class ChairRecord(Protocol):
    """A recorded passing of the chair (from_state None: 'to_state chaired from on')."""

    @property
    def on(self) -> PartialDate:
        """When."""

    @property
    def from_state(self) -> str | None:
        """The outgoing chair, when the source names it."""

    @property
    def to_state(self) -> str:
        """The incoming chair."""

    @property
    def meeting_id(self) -> str | None:
        """The meeting it happened at, if any."""

    @property
    def ref(self) -> str:
        """The event that recorded it."""


class OverrideRecord(Protocol):
    """A recorded departure from the cycle: swap, skip or defer, with its reason."""

    @property
    def on(self) -> PartialDate:
        """When it was decided (it applies to terms starting on or after)."""

    @property
    def kind(self) -> str:
        """'swap', 'skip' or 'defer'."""

    @property
    def states(self) -> tuple[str, ...]:
        """The state(s) it concerns."""

    @property
    def reason(self) -> str:
        """Why."""

    @property
    def term(self) -> PartialDate | None:
        """The one term it changes, by when that term starts (None: the state's next turn)."""

    @property
    def ref(self) -> str:
        """The event that recorded it."""


class MeetingRecord(Protocol):
    """A meeting of the body as the read model knows it."""

    @property
    def meeting_id(self) -> str:
        """Its id."""

    @property
    def starts_on(self) -> PartialDate:
        """When it is (was) to start."""

    @property
    def host_state(self) -> str | None:
        """Its host, if known."""

    @property
    def status(self) -> str:
        """'scheduled', 'held', 'cancelled', ..."""

    @property
    def held_on(self) -> PartialDate | None:
        """When it was held, if it was."""

    @property
    def chaired_by(self) -> str | None:
        """Who chaired it, as the record of the meeting held says."""


class AttestationRecord(Protocol):
    """A source's word that a state chaired the body on a date."""

    @property
    def on(self) -> PartialDate:
        """The date it chaired on."""

    @property
    def state(self) -> str:
        """The state."""

    @property
    def ref(self) -> str:
        """The event that recorded it."""


# --- Answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedTerm:
    """A term in the chair as the records show it, with what the rule expected."""

    state: str
    start: PartialDate
    end: PartialDate | None  # None: still chairing on as_of
    event_refs: tuple[str, ...]  # the records that began it, corroborating ones included
    expected_state: str | None  # None: the rule has no expectation (no cycle, unknown predecessor)
    deviates: bool


@dataclass(frozen=True)
class ExpectedTerm:
    """A term the rule foresees: who, from when (if computable), and why."""

    state: str
    start: date | None
    basis: str
    overrides: tuple[str, ...] = ()  # the overrides that shaped this expectation


@dataclass(frozen=True)
class Deviation:
    """A chair other than the state the rule expected, told as a person would tell it.

    kind: "swap" (two states exchanged turns: the second term is `swap_ref`), "skipped"
    (the actual state took the expected one's turn and the cycle moved on without giving
    it back), "kept" (the chair kept for another term), or "out_of_turn" (so far neither).
    """

    event_ref: str
    when: PartialDate
    outgoing_state: str | None
    expected_state: str  # whose turn it was
    actual_state: str
    basis: str
    kind: str = "out_of_turn"
    swap_ref: str | None = None
    swap_when: PartialDate | None = None

    def message(self) -> Message:
        """The line as a code with parameters (the rule's basis stays in the English text only)."""
        # As describe() words it: a swap whose second term is not known yet reads as out of turn.
        kind = "out_of_turn" if self.kind == "swap" and self.swap_when is None else self.kind
        return Message(f"deviation_{kind}",
                       params(actual_state=self.actual_state, expected_state=self.expected_state, when_on=self.when,
                              ref=self.event_ref, swap_ref=self.swap_ref, swap_on=self.swap_when),
                       self.describe())

    def describe(self) -> str:
        """One line a person would write."""
        if self.kind == "swap" and self.swap_when is not None:
            return (f"{self.actual_state} and {self.expected_state} exchanged turns: {self.actual_state} chaired "
                    f"{self.when.describe()} in {self.expected_state}'s turn, {self.expected_state} took "
                    f"{self.actual_state}'s on {self.swap_when.describe()} ({self.event_ref}, {self.swap_ref})")
        if self.kind == "skipped":
            return (f"{self.actual_state} chaired {self.when.describe()} in {self.expected_state}'s turn and the "
                    f"cycle moved on without {self.expected_state} ({self.event_ref}; rule: {self.basis})")
        if self.kind == "kept":
            return (f"{self.actual_state} kept the chair {self.when.describe()} where the rule ({self.basis}) "
                    f"expected {self.expected_state} ({self.event_ref})")
        return (f"{self.actual_state} took the chair {self.when.describe()} where the rule ({self.basis}) "
                f"expected {self.expected_state} ({self.event_ref})")


@dataclass(frozen=True)
class Gap:
    """A period in which the rule says a term should have begun but no handover is recorded."""

    start: date  # the boundary the rule put a new term on
    end: date  # the next boundary
    expected_state: str | None
    chair_of_record: str | None


@dataclass(frozen=True)
class ChainConflict:
    """A handover whose from_state was not the chair of record then: for a person to review."""

    event_ref: str
    when: PartialDate
    recorded_from: str
    chair_of_record: str | None


@dataclass(frozen=True)
class Problem:
    """What the engine could not judge from its inputs and answered around: for a person to review."""

    kind: str  # "names_fallback", "collation_fallback", "schedule_ended", ...
    message: str
    refs: tuple[str, ...] = ()
    code: str = ""  # the message as a catalogue code, and its parameters (see projections.model.Params)
    params: Params = ()


@dataclass(frozen=True)
class Presidency:
    """A body's presidency as of a day: terms, current chair, expectations and anomalies."""

    body_id: str
    as_of: date
    terms: tuple[RecordedTerm, ...]
    current: RecordedTerm | None
    expected_next: ExpectedTerm | None
    upcoming: tuple[ExpectedTerm, ...]
    deviations: tuple[Deviation, ...]
    gaps: tuple[Gap, ...]
    chain_conflicts: tuple[ChainConflict, ...]
    problems: tuple[Problem, ...] = ()
