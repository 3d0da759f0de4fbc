"""The engine's inputs in world order: rule versions with the names they sort by, standings, overrides."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from tracker.events import PartialDate, RotationRule
from tracker.projections.model import params
from tracker.projections.rotation.names import (
    NamesTable,
    OrderNames,
    alphabetical_order,
    collation_supported,
    order_names,
)
from tracker.projections.rotation.records import (
    AttestationRecord,
    ChairRecord,
    MeetingRecord,
    OverrideRecord,
    Problem,
    RuleRecord,
    StandingRecord,
)

__all__ = ["Claim", "PlannedMeeting", "RotationContext", "RuleVersion", "attestation_claims", "build_context"]


@dataclass(frozen=True)
class RuleVersion:
    """A rule in force from a day, with the names its order sorts by (alphabetical rules)."""

    effective: date
    rule: RotationRule
    ref: str
    names: OrderNames | None


class Claim(NamedTuple):
    """One piece of evidence of who chaired from when: a recorded handover, or a schedule's term."""

    # A named tuple, not a frozen dataclass: one is built per held meeting, and a frozen
    # dataclass's __init__ costs three times a tuple's.

    when: PartialDate
    from_state: str | None
    to_state: str
    ref: str
    by_rule: bool = False  # the chair as a fixed schedule sets it, with no record of its own
    attested: bool = False  # "to_state chaired on `when`": not when its term began

    @property
    def kept(self) -> bool:
        """The chair kept by the same state for a new term."""
        return self.from_state is not None and self.from_state == self.to_state

    @classmethod
    def of(cls, record: ChairRecord) -> Claim:
        """A recorded handover as evidence."""
        return cls(record.on, record.from_state, record.to_state, record.ref)

    @classmethod
    def attesting(cls, on: PartialDate, state: str, ref: str) -> Claim:
        """A source's word that `state` chaired on a date."""
        return cls(on, None, state, ref, attested=True)


def attestation_claims(attestations: Sequence[AttestationRecord], meetings: Sequence[MeetingRecord]) -> list[Claim]:
    """Evidence of who chaired on a date: recorded attestations and meetings held with a chair named."""
    claims = [Claim.attesting(a.on, a.state, a.ref) for a in attestations]
    # Built inline (as Claim.attesting does): this runs once per meeting of the body.
    claims += [
        Claim(m.held_on or m.starts_on, None, m.chaired_by, f"meeting:{m.meeting_id}", False, True)
        for m in meetings
        if m.status == "held" and m.chaired_by
    ]
    return claims


@dataclass(frozen=True)
class PlannedMeeting:
    """A meeting still to come, with its host."""

    on: date
    host: str
    meeting_id: str


@dataclass(frozen=True)
class RotationContext:
    """Inputs shared by every step of the computation, sorted into world order."""

    body_id: str
    versions: tuple[RuleVersion, ...]
    standings: tuple[StandingRecord, ...]
    overrides: tuple[OverrideRecord, ...]
    meetings: tuple[PlannedMeeting, ...]
    # Answers asked again for every term judged or projected (one per meeting of a long
    # history), kept for the context's life: its inputs never change.
    _eligible: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    _orders: dict[tuple[int, frozenset[str]], tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    _change_days: tuple[date, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Eligibility can change only on these days: a standing changes, or a state is
        # excluded or readmitted. Between two of them every day has the same answer.
        days = {c.on.earliest for c in self.standings}
        days |= {o.on.earliest for o in self.overrides if o.kind in ("exclude", "readmit")}
        object.__setattr__(self, "_change_days", tuple(sorted(days)))

    def version_index(self, day: date) -> int:
        """Index of the rule version in effect on a day (-1: none yet)."""
        index = -1
        for i, version in enumerate(self.versions):
            if version.effective <= day:
                index = i
        return index

    def version_at(self, day: date) -> RuleVersion | None:
        """The rule version in effect on a day."""
        index = self.version_index(day)
        return None if index < 0 else self.versions[index]

    def until(self, index: int) -> date:
        """The day the version after `index` takes over (date.max: none does)."""
        return self.versions[index + 1].effective if index + 1 < len(self.versions) else date.max

    def status(self, state: str, day: date) -> str | None:
        """A state's standing on a day (None: no standing yet)."""
        found: str | None = None
        for change in self.standings:  # sorted by day, input order kept within a day
            if change.state == state and change.on.earliest <= day:
                found = change.status
        return found

    def excluded(self, day: date) -> frozenset[str]:
        """States standing aside from their turns on a day (excluded until readmitted)."""
        standing: dict[str, bool] = {}
        for override in self.overrides:  # sorted by day
            if override.kind in ("exclude", "readmit") and override.on.earliest <= day:
                for state in override.states:
                    standing[state] = override.kind == "exclude"
        return frozenset(s for s, out in standing.items() if out)

    def eligible(self, day: date) -> frozenset[str]:
        """States that are members on the day a term starts and on the day before, and not excluded."""
        eve = day - timedelta(days=1) if day > date.min else day
        # The standings and exclusions in force on a day are those of the change days up to it.
        key = (bisect_right(self._change_days, day), bisect_right(self._change_days, eve))
        found = self._eligible.get(key)
        if found is None:
            states = {c.state for c in self.standings} - self.excluded(day)
            found = frozenset(s for s in states if self.status(s, day) == "member" and self.status(s, eve) == "member")
            self._eligible[key] = found
        return found

    def alphabetical(self, names: OrderNames, states: frozenset[str]) -> tuple[str, ...]:
        """`alphabetical_order(states, names)` for the names of one of this context's rule versions."""
        key = (id(names), states)  # the versions hold their names alive as long as this context
        found = self._orders.get(key)
        if found is None:
            found = self._orders[key] = alphabetical_order(states, names)
        return found


def _names_problems(rule: RotationRule, names: OrderNames, org: str, ref: str) -> list[Problem]:
    """What a reader must know about the names an order sorts by."""
    problems: list[Problem] = []
    refs = (ref,) if ref else ()
    if not collation_supported(names.language):
        problems.append(Problem(
            "collation_fallback",
            f"no alphabet known for language {names.language!r}: names sort by letter code, accents ignored",
            refs,
            "no_alphabet",
            params(language=names.language),
        ))
    if names.from_iso:
        listed = ", ".join(f"{s} as {names.name(s)!r}" for s in sorted(names.from_iso))
        problems.append(Problem(
            "names_fallback",
            f"neither the rule nor a reference table gives {org}'s own {rule.language!r} names of "
            f"{', '.join(sorted(names.from_iso))}: ISO's official names are used ({listed}); "
            "record them in the rule's names to fix the order",
            refs,
            "iso_names_used",
            params(organization=org, language=rule.language, states=",".join(sorted(names.from_iso)), listed=listed),
        ))
    return problems


def _versions(
    rules: Sequence[RuleRecord], states: frozenset[str], reference: NamesTable | None,
    parties: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[tuple[RuleVersion, ...], list[Problem]]:
    """Rule versions in effect order, each alphabetical one with its names resolved."""
    # sorted() is stable: of two rules taking effect on one day, the later given governs.
    ordered = sorted(rules, key=lambda r: r.on.earliest)
    org = reference.org if reference is not None else "the organization"
    versions: list[RuleVersion] = []
    problems: list[Problem] = []
    for i, record in enumerate(ordered):
        rule, names = record.rule, None
        replaced_same_day = i + 1 < len(ordered) and ordered[i + 1].on.earliest == record.on.earliest
        if rule.kind == "alphabetical" and rule.language is not None:
            names = order_names(rule.language, states, recorded=rule.names, reference=reference, parties=parties)
            if not replaced_same_day:  # a rule replaced the day it took effect never governs
                problems += _names_problems(rule, names, org, record.ref)
        versions.append(RuleVersion(record.on.earliest, rule, record.ref, names))
    return tuple(versions), problems


def build_context(
    body_id: str,
    *,
    rules: Sequence[RuleRecord],
    standings: Sequence[StandingRecord],
    names: NamesTable | None,
    overrides: Sequence[OverrideRecord],
    meetings: Sequence[MeetingRecord],
    handovers: Sequence[ChairRecord],
    party_names: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[RotationContext, list[Problem]]:
    """Sort inputs into world order and resolve each alphabetical rule's names."""
    # Every state the computation may have to place in an order.
    states = frozenset(
        {c.state for c in standings}
        | {s for h in handovers for s in (h.from_state, h.to_state) if s is not None}
        | {s for o in overrides for s in o.states}
    )
    versions, problems = _versions(rules, states, names, party_names)
    planned = sorted(
        (PlannedMeeting(m.starts_on.earliest, m.host_state, m.meeting_id)
         for m in meetings if m.host_state and m.status not in ("cancelled", "held")),
        key=lambda m: m.on,
    )
    context = RotationContext(
        body_id=body_id,
        versions=versions,
        standings=tuple(sorted(standings, key=lambda c: c.on.earliest)),
        # Overrides are matched in effective order; stable sort keeps input order on ties.
        overrides=tuple(sorted(overrides, key=lambda o: o.on.earliest)),
        meetings=tuple(planned),
    )
    return context, problems
