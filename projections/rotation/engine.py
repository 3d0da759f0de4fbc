"""The presidency engine: evidence of who chaired, judged against the rule in force, and what comes next.

Semantics in brief (each is explained again where it is implemented):

* Evidence is ordered by world time: the earliest possible day, ties by input order. Only
  evidence whose earliest day is on or before ``as_of`` counts.
* The rule expected for a handover is the rule in effect on its earliest day. For an
  alphabetical rule the expected chair is the next eligible member after the outgoing
  chair of record, in the collation order of the organization's own names.
* Eligible = a member both on the day a term starts and on the day before: a state
  admitted at the very meeting that hands over the chair took no part in that round.
* A fixed schedule sets the chair by itself; a recorded handover that disagrees deviates.
* Overrides are one-off: skip drops a state's next turn, defer pushes it back one place,
  swap exchanges two states' next turns. A fixed schedule is amended by a new rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from operator import attrgetter

from tracker.events import PartialDate
from tracker.projections.rotation.context import (
    Claim,
    PlannedMeeting,
    RotationContext,
    RuleVersion,
    attestation_claims,
    build_context,
)
from tracker.projections.rotation.cycle import IN_TURN, Expectation, Plan, expect_in_turn, fulfils
from tracker.projections.rotation.names import NamesTable
from tracker.projections.rotation.records import (
    AttestationRecord,
    ChainConflict,
    ChairRecord,
    Deviation,
    ExpectedTerm,
    Gap,
    MeetingRecord,
    OverrideRecord,
    Presidency,
    Problem,
    RecordedTerm,
    RuleRecord,
    StandingRecord,
)
from tracker.projections.rotation.schedule import nearest_term, schedule_claims, schedule_problems
from tracker.projections.rotation.terms import (
    described,
    first_boundary_from,
    midpoint,
    nearest_boundary,
    on_day,
    rule_basis,
    shift,
    window,
)

__all__ = ["DEFAULT_HORIZON", "chair_on", "compute_presidency"]

DEFAULT_HORIZON = 6

_EARLIEST = attrgetter("when.earliest")  # a claim's world-order key


def _expect_for(
    ctx: RotationContext, plan: Plan, outgoing: str | None, claim: Claim, sitting: str | None
) -> Expectation | None:
    """What the rule in effect on the evidence's earliest day expected of it."""
    version = ctx.version_at(claim.when.earliest)
    if version is None:
        return None
    if version.rule.kind in IN_TURN:
        return expect_in_turn(ctx, version, plan, outgoing, claim.when.earliest, sitting=sitting)
    if version.rule.kind == "fixed_schedule":
        term = version.rule.schedule[nearest_term(version.rule, midpoint(claim.when))]
        basis = f"{rule_basis(version.rule)}: {term.state} from {term.start.text}"
        return Expectation(term.state, basis, (), plan, term.state)
    # host_of_next_meeting has no cycle, and an unknown rule expects nothing: nothing to deviate from.
    return None


def _gap_boundaries(ctx: RotationContext, counted: Sequence[Claim], as_of: date) -> list[tuple[date, date]]:
    """Term boundaries (annual/monthly rules) after history begins with no handover near them."""
    if not counted:
        return []
    history_start = counted[0].when.earliest
    found: list[tuple[date, date]] = []
    for i, version in enumerate(ctx.versions):
        rule = version.rule
        if rule.kind not in IN_TURN or rule.term == "per_meeting":
            continue
        boundary = first_boundary_from(rule, max(version.effective, history_start + timedelta(days=1)))
        while boundary <= as_of and boundary < ctx.until(i):
            start, end = window(rule, boundary)
            # Conservative: any record that could have fallen in the window covers it, so an
            # imprecise ("2024") handover never produces a false gap.
            if not any(c.when.earliest < end and c.when.latest >= start for c in counted):
                found.append((boundary, shift(rule, boundary, 1)))
            boundary = shift(rule, boundary, 1)
    return sorted(found)


@dataclass
class _OpenTerm:
    """A term being assembled during the sweep."""

    state: str
    start: PartialDate
    refs: list[str]
    expected: str | None
    end: PartialDate | None = None

    def freeze(self) -> RecordedTerm:
        """The immutable output form."""
        deviates = self.expected is not None and self.expected != self.state
        return RecordedTerm(self.state, self.start, self.end, tuple(self.refs), self.expected, deviates)


@dataclass
class _Sweep:
    """The walk through the evidence in world order, building terms and noting anomalies."""

    ctx: RotationContext
    pending_gaps: list[tuple[date, date]]
    terms: list[_OpenTerm] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    conflicts: list[ChainConflict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)
    cursor: str | None = None  # where the cycle is counted from; usually the chair of record
    # An unrecorded exchange in progress: (who chaired out of turn, whose turn it was) -> deviation index.
    owed: dict[tuple[str, str], int] = field(default_factory=dict)
    resumed_at: str | None = None  # where counting resumes after an exchange turned out a skip

    @property
    def chair(self) -> str | None:
        """The chair of record so far."""
        return self.terms[-1].state if self.terms else None

    def flush_gaps(self, until: date) -> None:
        """Report gaps whose boundary comes before `until`, with the rule's expectation then."""
        while self.pending_gaps and self.pending_gaps[0][0] < until:
            start, end = self.pending_gaps.pop(0)
            version = self.ctx.version_at(start)
            # A peek: a gap does not consume overrides or move the cycle, since nothing happened.
            peek = expect_in_turn(self.ctx, version, self.plan, self.cursor, start) if version else None
            self.gaps.append(Gap(start, end, peek.state if peek else None, self.chair))

    def corroborate(self, claim: Claim) -> None:
        """Another record of the handover that began the current term: narrow its start if more precise."""
        open_term = self.terms[-1]
        open_term.refs.append(claim.ref)
        predecessor = self.terms[-2].state if len(self.terms) > 1 else None
        if claim.from_state is not None and predecessor is not None and claim.from_state != predecessor:
            self.conflicts.append(ChainConflict(claim.ref, claim.when, claim.from_state, predecessor))
        if open_term.start.earliest <= claim.when.earliest and claim.when.latest <= open_term.start.latest:
            open_term.start = claim.when

    def settle_owed(self, claim: Claim, expectation: Expectation) -> bool:
        """Close an exchange in progress: a swap when it is given back, skipped when the cycle moved on."""
        key = (expectation.owed_from or "", expectation.state)
        index = self.owed.pop(key, None)
        if index is None:
            return False
        earlier = self.deviations[index]
        if claim.to_state == expectation.state:
            self.deviations[index] = replace(earlier, kind="swap", swap_ref=claim.ref, swap_when=claim.when)
            return True
        # The cycle went on from the out-of-turn chair as if nothing were owed: the expected
        # state was passed over for good.
        version = self.ctx.version_at(claim.when.earliest)
        moved_on = expect_in_turn(self.ctx, version, self.plan, expectation.owed_from, claim.when.earliest) \
            if version is not None else None
        if moved_on is not None and moved_on.state == claim.to_state:
            self.deviations[index] = replace(earlier, kind="skipped")
            self.plan = moved_on.plan
            self.resumed_at = moved_on.cursor_if_fulfilled
            return True
        return False

    def deviate(self, claim: Claim, outgoing: str | None, expectation: Expectation, keeps: bool) -> None:
        """Record a chair other than the expected one and resynchronise the cycle."""
        basis = "; ".join((expectation.basis, *expectation.notes))
        kind = "kept" if keeps else "out_of_turn"
        self.deviations.append(
            Deviation(claim.ref, claim.when, outgoing, expectation.state, claim.to_state, basis, kind)
        )
        version = self.ctx.version_at(claim.when.earliest)
        exchangeable = version is not None and version.rule.kind in ("alphabetical", "cycle") and not keeps
        if exchangeable and claim.to_state in self.ctx.eligible(claim.when.earliest):
            # Read as an exchange until shown otherwise: the expected state is owed the
            # actual one's turn, and counting goes on from the expected state's place.
            self.owed[(claim.to_state, expectation.state)] = len(self.deviations) - 1
            subs = (*expectation.plan.substitutions, (claim.to_state, expectation.state))
            self.plan = replace(expectation.plan, substitutions=subs)
            self.cursor = expectation.cursor_if_fulfilled
        else:
            self.cursor = claim.to_state

    def judge(self, claim: Claim, keeps: bool) -> str | None:
        """Compare a new chair with the rule's expectation; returns whom the rule expected."""
        outgoing = self.cursor if self.cursor is not None else claim.from_state
        expectation = None if claim.by_rule else _expect_for(self.ctx, self.plan, outgoing, claim, self.chair)
        if expectation is None:
            self.cursor = claim.to_state
            return claim.to_state if claim.by_rule else None
        self.plan = expectation.plan
        if self.settle_owed(claim, expectation):
            self.cursor = expectation.cursor_if_fulfilled if claim.to_state == expectation.state else self.resumed_at
            return claim.to_state
        version = self.ctx.version_at(claim.when.earliest)
        if fulfils(version, claim.to_state, expectation.state) and not keeps:
            self.cursor = expectation.cursor_if_fulfilled
            return claim.to_state
        self.deviate(claim, outgoing, expectation, keeps)
        return expectation.state

    def attest(self, claim: Claim) -> None:
        """A source's word that a state chaired on a date: corroborates, begins the record, or disagrees."""
        if not self.terms:
            self.terms.append(_OpenTerm(claim.to_state, claim.when, [claim.ref], None))
            self.cursor = claim.to_state
            return
        current = self.terms[-1]
        if current.state == claim.to_state:
            current.refs.append(claim.ref)
            return
        # On the day the chair changed hands both states chaired (the outgoing one usually
        # opens the meeting that hands over).
        previous = self.terms[-2] if len(self.terms) > 1 else None
        same_day = current.start.earliest <= claim.when.latest and claim.when.earliest <= current.start.latest
        if previous is not None and same_day and previous.state == claim.to_state:
            previous.refs.append(claim.ref)
            return
        since = current.refs[0]
        self.problems.append(Problem(
            "evidence_conflict",
            f"{claim.ref} says {claim.to_state} chaired on {described(claim.when)}, but the records make "
            f"{current.state} the chair then (since {described(current.start)}, {since}): the sources disagree",
            (claim.ref, since),
            "evidence_disagrees",
            # params(ref=..., state=..., when_on=..., chair_state=..., since_on=..., since=...)
            # written out in its sorted order: one is built per disagreeing meeting.
            (("chair_state", current.state), ("ref", claim.ref), ("since", since),
             ("since_on", current.start.text), ("state", claim.to_state), ("when_on", claim.when.text)),
        ))

    def take(self, claim: Claim) -> None:
        """Apply one piece of evidence."""
        if self.pending_gaps:
            self.flush_gaps(claim.when.earliest)
        if claim.attested:
            self.attest(claim)
            return
        chair = self.chair
        keeps = claim.kept and claim.to_state == chair
        if chair is not None and claim.to_state == chair and not keeps:
            self.corroborate(claim)
            return
        if claim.from_state is not None and chair is not None and claim.from_state != chair:
            self.conflicts.append(ChainConflict(claim.ref, claim.when, claim.from_state, chair))
        expected = self.judge(claim, keeps)
        if self.terms:
            self.terms[-1].end = claim.when
        self.terms.append(_OpenTerm(claim.to_state, claim.when, [claim.ref], expected))


@dataclass
class _Position:
    """Where the projection of upcoming terms stands."""

    plan: Plan
    cursor: str | None
    state: str | None
    when: PartialDate | None
    dates_known: bool = True


def _next_meeting(ctx: RotationContext, at: _Position, not_before: date | None, as_of: date) -> PlannedMeeting | None:
    """The first planned meeting after the previous term's start and after as_of."""
    after = max(as_of, at.when.latest) if at.when else as_of
    return next((m for m in ctx.meetings if m.on > after and (not_before is None or m.on >= not_before)), None)


def _start_in_turn(
    ctx: RotationContext, version: RuleVersion, at: _Position, not_before: date | None, as_of: date
) -> date | None:
    """When the next term of a cycle starts, if it can be computed."""
    rule = version.rule
    if not at.dates_known:
        return None
    if rule.term == "per_meeting":
        meeting = _next_meeting(ctx, at, not_before, as_of)
        return meeting.on if meeting else None
    if not_before is not None:
        return first_boundary_from(rule, not_before)
    if at.when is not None:
        return shift(rule, nearest_boundary(rule, midpoint(at.when)), 1)
    return first_boundary_from(rule, as_of + timedelta(days=1))


def _propose_in_turn(
    ctx: RotationContext, version: RuleVersion, at: _Position, not_before: date | None, as_of: date
) -> tuple[ExpectedTerm, _Position] | None:
    start = _start_in_turn(ctx, version, at, not_before, as_of)
    # A term whose start cannot be computed is judged as if it began the day after as_of
    # (the earliest it could): membership and overrides dated later are not known to apply.
    on = start if start is not None else as_of + timedelta(days=1)
    expectation = expect_in_turn(ctx, version, at.plan, at.cursor, on, sitting=at.state)
    if expectation is None:
        return None
    term = ExpectedTerm(expectation.state, start, expectation.basis, expectation.notes)
    when = on_day(start) if start else at.when
    return term, _Position(expectation.plan, expectation.cursor_if_fulfilled, term.state, when, start is not None)


def _propose_scheduled(
    version: RuleVersion, at: _Position, not_before: date | None, as_of: date
) -> tuple[ExpectedTerm, _Position] | None:
    rule = version.rule
    starts = [t.start.earliest for t in rule.schedule]
    if not_before is not None:
        index = next((i for i, s in enumerate(starts) if s >= not_before), len(starts))
    elif at.when is not None and at.dates_known:
        index = nearest_term(rule, midpoint(at.when)) + 1
    else:
        index = next((i for i, s in enumerate(starts) if s > as_of), len(starts))
    if index >= len(starts):
        return None
    scheduled = rule.schedule[index]
    term = ExpectedTerm(scheduled.state, starts[index], rule_basis(rule))
    return term, _Position(at.plan, scheduled.state, scheduled.state, on_day(starts[index]))


def _propose_host(
    ctx: RotationContext, version: RuleVersion, at: _Position, not_before: date | None, as_of: date
) -> tuple[ExpectedTerm, _Position] | None:
    # The host of each following planned meeting, in date order; a meeting the sitting
    # chair hosts itself changes nothing.
    if not at.dates_known:
        return None
    meeting = _next_meeting(ctx, at, not_before, as_of)
    while meeting is not None and meeting.host == at.state:
        at = _Position(at.plan, at.cursor, at.state, on_day(meeting.on))
        meeting = _next_meeting(ctx, at, None, as_of)
    if meeting is None:
        return None
    basis = f"{rule_basis(version.rule)}: host of the meeting scheduled for {meeting.on.isoformat()}"
    # The start stays unknown: the chair passes when a handover is made, not on a set day.
    return ExpectedTerm(meeting.host, None, basis), _Position(at.plan, meeting.host, meeting.host, on_day(meeting.on))


def _propose(
    ctx: RotationContext, version: RuleVersion, at: _Position, not_before: date | None, as_of: date
) -> tuple[ExpectedTerm, _Position] | None:
    """One step of the projection under one rule version."""
    if version.rule.kind in IN_TURN:
        return _propose_in_turn(ctx, version, at, not_before, as_of)
    if version.rule.kind == "fixed_schedule":
        return _propose_scheduled(version, at, not_before, as_of)
    if version.rule.kind == "unknown":
        return None  # no rule, no prediction: the answer rests on the evidence alone
    return _propose_host(ctx, version, at, not_before, as_of)


def _step(
    ctx: RotationContext, index: int, at: _Position, as_of: date
) -> tuple[int, tuple[ExpectedTerm, _Position] | None]:
    """The next expected term, moving on to a later rule version once it governs."""
    not_before: date | None = None
    while True:
        proposal = _propose(ctx, ctx.versions[index], at, not_before, as_of) if index >= 0 else None
        if index + 1 >= len(ctx.versions):
            return index, proposal
        effective = ctx.versions[index + 1].effective
        # A later rule governs once it is in force (by as_of) or once the proposed start
        # reaches it; unknown future starts cannot be placed, so they stay put.
        start = proposal[0].start if proposal else None
        if effective <= as_of or proposal is None or (start is not None and start >= effective):
            index, not_before = index + 1, effective
            continue
        return index, proposal


def _upcoming(
    ctx: RotationContext, *, as_of: date, current: RecordedTerm | None, start: _Position, horizon: int
) -> tuple[ExpectedTerm, ...]:
    """The next terms under the rule(s), continuing from the chair of record."""
    out: list[ExpectedTerm] = []
    at = start
    index = ctx.version_index(current.start.earliest if current else as_of)
    for _ in range(horizon):
        index, proposal = _step(ctx, index, at, as_of)
        if proposal is None:
            break
        term, at = proposal
        out.append(term)
    return tuple(out)


def compute_presidency(
    body_id: str,
    *,
    rules: Sequence[RuleRecord],
    standings: Sequence[StandingRecord],
    names: NamesTable | None,
    handovers: Sequence[ChairRecord],
    as_of: date,
    overrides: Sequence[OverrideRecord] = (),
    meetings: Sequence[MeetingRecord] = (),
    attestations: Sequence[AttestationRecord] = (),
    horizon: int = DEFAULT_HORIZON,
    party_names: Mapping[str, Mapping[str, str]] | None = None,
) -> Presidency:
    """A body's presidency as of a day from its rules, the organization's standings and the evidence.

    `party_names` gives organization parties (org:eu) their recorded names by language, which
    order them in an alphabetical rotation where the rule and the reference table do not.
    """
    ctx, problems = build_context(
        body_id, rules=rules, standings=standings, names=names, overrides=overrides,
        meetings=meetings, handovers=handovers, party_names=party_names,
    )
    recorded = [Claim.of(h) for h in handovers if h.on.earliest <= as_of]
    # World order, not input order: history is backfilled. sorted() is stable, so records
    # of the same earliest day keep the order they were given in.
    attested = [c for c in attestation_claims(attestations, meetings) if c.when.earliest <= as_of]
    counted = sorted((*recorded, *schedule_claims(ctx, recorded, as_of), *attested), key=_EARLIEST)
    sweep = _Sweep(ctx, _gap_boundaries(ctx, counted, as_of))
    for claim in counted:
        sweep.take(claim)
    sweep.flush_gaps(date.max)
    terms = tuple(t.freeze() for t in sweep.terms)
    current = terms[-1] if terms else None
    at = _Position(sweep.plan, sweep.cursor, current.state if current else None, current.start if current else None)
    upcoming = _upcoming(ctx, as_of=as_of, current=current, start=at, horizon=max(horizon, 0))
    return Presidency(
        body_id=body_id,
        as_of=as_of,
        terms=terms,
        current=current,
        expected_next=upcoming[0] if upcoming else None,
        upcoming=upcoming,
        deviations=tuple(sweep.deviations),
        gaps=tuple(sweep.gaps),
        chain_conflicts=tuple(sweep.conflicts),
        problems=(*problems, *sweep.problems, *schedule_problems(ctx, as_of)),
    )


def chair_on(presidency: Presidency, on: date) -> RecordedTerm | None:
    """The recorded term covering a day (a handover counts from its earliest possible day); None after as_of."""
    if on > presidency.as_of:
        return None
    return next((t for t in reversed(presidency.terms) if t.start.earliest <= on), None)
