"""An alphabetical cycle: whose turn follows whose, after the one-off overrides in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from projections.rotation.context import RotationContext, RuleVersion
from projections.rotation.names import alphabetical_order
from projections.rotation.records import OverrideRecord
from projections.rotation.terms import rule_basis

__all__ = ["IN_TURN", "Expectation", "Plan", "describe_override", "expect_in_turn"]


@dataclass(frozen=True)
class Plan:
    """What the cycle still owes: consumed one-off overrides and pending substitutions."""

    consumed: frozenset[int] = frozenset()
    # (whose turn it would be, who takes it instead): the second half of a swap or deferral.
    substitutions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Expectation:
    """The rule's expectation for one term, and the plan/cursor if it is fulfilled."""

    state: str
    basis: str
    notes: tuple[str, ...]
    plan: Plan
    cursor_if_fulfilled: str  # the place in the cycle the next successor is counted from
    owed_from: str | None = None  # set when `state` takes this state's turn, owed by an earlier exchange


def describe_override(override: OverrideRecord) -> str:
    """E.g. 'skip RUS from 2025-01-01: reason'."""
    when = f"for the {override.term.text} term" if override.term else f"from {override.on.earliest.isoformat()}"
    return f"{override.kind} {'/'.join(override.states)} {when}: {override.reason} ({override.ref})"


def _applies(override: OverrideRecord, on: date) -> bool:
    """A term-named override changes that term alone; otherwise the next turn decided after it."""
    if override.term is not None:
        return override.term.earliest <= on <= override.term.latest
    return override.on.earliest <= on


@dataclass
class _Walk:
    """One walk along the candidates, consuming overrides and substitutions as it meets them."""

    ctx: RotationContext
    basis: str
    eligible: frozenset[str]
    on: date
    consumed: set[int]
    substitutions: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)

    def expect(self, state: str, cursor: str, owed_from: str | None = None) -> Expectation:
        """The expectation that `state` chairs, counting on from `cursor`."""
        plan = Plan(frozenset(self.consumed), tuple(self.substitutions))
        return Expectation(state, self.basis, tuple(self.notes), plan, cursor, owed_from)

    def owed(self, state: str) -> Expectation | None:
        """A stand-in owed this turn by an earlier swap or deferral, if any."""
        pending = next((sub for sub in self.substitutions if sub[0] == state), None)
        if pending is None:
            return None
        self.substitutions.remove(pending)
        if pending[1] not in self.eligible:
            return None
        self.notes.append(f"{pending[1]} takes {state}'s turn (owed by an earlier swap or deferral)")
        return self.expect(pending[1], state, owed_from=state)

    def override_for(self, state: str) -> OverrideRecord | None:
        """The first-decided unused override in force that names the state; the others it meets are used up too.

        Overrides that meet in one term (a skip and a deferral of the same state, or the same
        decision reported twice) are one decision about that term: the earliest decided
        governs, and the rest are spent with it rather than firing at a later turn.
        """
        applicable = [
            i for i, o in enumerate(self.ctx.overrides)
            if o.kind in ("swap", "skip", "defer") and i not in self.consumed and state in o.states
            and _applies(o, self.on)
        ]
        if not applicable:
            return None
        self.consumed.update(applicable)
        chosen = self.ctx.overrides[applicable[0]]
        self.notes.append(describe_override(chosen))
        self.notes += [f"also met in this term, spent: {describe_override(self.ctx.overrides[i])}"
                       for i in applicable[1:]]
        return chosen

    def stand_in(self, override: OverrideRecord, state: str, later: list[str], sitting: str | None) -> str | None:
        """Who serves in the state's place under a swap or deferral (None: nobody can).

        The sitting chair never stands in: it would chair twice running.
        """
        if override.kind == "defer":
            # Pushed back one place: the following state goes first, then this one.
            return next((s for s in later if s != sitting), None)
        other = next(s for s in override.states if s != state)
        return other if other in self.eligible and other != sitting else None


IN_TURN = ("alphabetical", "cycle", "regional")  # the rule kinds that pass the chair round an order


def group_of(version: RuleVersion, state: str) -> str:
    """Under a regional rule, the turn a state's chair fulfils: 'group:<name>'; otherwise the state itself."""
    for group in version.rule.groups:
        if state in group.states or state == f"group:{group.name}":
            return f"group:{group.name}"
    return state


def fulfils(version: RuleVersion | None, state: str, expected: str) -> bool:
    """Whether a state chairing fulfils an expectation (a regional turn is any state of the group)."""
    return state == expected or (version is not None and group_of(version, state) == expected)


def _order(version: RuleVersion, eligible: frozenset[str], outgoing: str) -> tuple[str, ...] | None:
    """The order turns go round: the body's own (cycle), its groups (regional), or its states' names."""
    if version.rule.kind == "cycle":
        return version.rule.order if outgoing in version.rule.order else None
    if version.rule.kind == "regional":
        labels = tuple(f"group:{g.name}" for g in version.rule.groups)
        return labels if group_of(version, outgoing) in labels else None
    if version.names is None:
        return None
    # The outgoing chair is placed by its name even if it is no longer eligible, so the
    # cycle continues from where it stood.
    return alphabetical_order(eligible | {outgoing}, version.names)


def expect_in_turn(
    ctx: RotationContext, version: RuleVersion, plan: Plan, outgoing: str | None, on: date,
    *, sitting: str | None = None,
) -> Expectation | None:
    """Next eligible state after the outgoing one in the rule's order, after overrides."""
    eligible = ctx.eligible(on)
    order = _order(version, eligible, outgoing) if outgoing is not None else None
    if order is None or outgoing is None:
        return None
    if version.rule.kind == "regional":
        # A group's turn is open when one of its states can take it; the group picks which.
        eligible = frozenset(group_of(version, s) for s in eligible)
        outgoing, sitting = group_of(version, outgoing), group_of(version, sitting) if sitting else None
    at = order.index(outgoing)
    candidates = [s for s in order[at + 1 :] + order[: at + 1] if s in eligible]
    walk = _Walk(ctx, f"{rule_basis(version.rule)} after {outgoing}", eligible, on,
                 set(plan.consumed), list(plan.substitutions))
    for position, state in enumerate(candidates):
        owed = walk.owed(state)
        if owed is not None:
            return owed
        if state == sitting and state != outgoing:
            # It already took this turn early (as a stand-in): it does not chair twice running.
            continue
        override = walk.override_for(state)
        if override is None:
            return walk.expect(state, state)
        if override.kind == "skip":
            continue
        stand_in = walk.stand_in(override, state, candidates[position + 1 :], sitting or outgoing)
        if stand_in is None:
            return walk.expect(state, state)
        # The stand-in serves now in this state's place; when the stand-in's own turn
        # comes round, this state takes it. Counting resumes from this state's place.
        walk.substitutions.append((stand_in, state))
        return walk.expect(stand_in, state)
    return None
