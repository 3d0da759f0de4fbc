"""An alphabetical cycle: whose turn follows whose, after the one-off overrides in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tracker.projections.rotation.context import RotationContext, RuleVersion
from tracker.projections.rotation.records import OverrideRecord
from tracker.projections.rotation.terms import rule_basis

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

    def owed(self, state: str) -> str | None:
        """The state owed this turn by an earlier swap or deferral, if any (the debt is settled by asking)."""
        pending = next((sub for sub in self.substitutions if sub[0] == state), None)
        if pending is None:
            return None
        self.substitutions.remove(pending)
        return pending[1] if pending[1] in self.eligible else None

    def barred(self, state: str, *, spend: bool = False) -> OverrideRecord | None:
        """A skip or deferral naming this very term for the state: it then chairs this term in no capacity.

        A stand-in or an owed turn must respect it too, or a state skipped for a term would
        chair it anyway in another's place. `spend` uses it (and any other meeting it) up.
        """
        found = [
            i for i, o in enumerate(self.ctx.overrides)
            if o.kind in ("skip", "defer") and o.term is not None and i not in self.consumed
            and state in o.states and _applies(o, self.on)
        ]
        if not found:
            return None
        chosen = self.ctx.overrides[found[0]]
        if spend:
            self.consumed.update(found)
            self.notes.append(describe_override(chosen))
        return chosen

    def override_for(self, state: str) -> OverrideRecord | None:
        """The first-decided unused override in force that names the state; the others it meets are used up too.

        Overrides that meet in one term (a skip and a deferral of the same state, or the same
        decision reported twice) are one decision about that term: the earliest decided of
        those naming the term governs (a skip or deferral before a swap), else the earliest
        decided, and the rest are spent with it rather than firing at a later turn.
        """
        applicable = [
            i for i, o in enumerate(self.ctx.overrides)
            if o.kind in ("swap", "skip", "defer") and i not in self.consumed and state in o.states
            and _applies(o, self.on)
        ]
        if not applicable:
            return None
        # One naming this very term is the more specific decision: it governs the term; of
        # those, that the state does not chair it (skip, defer) comes before a swap.
        applicable.sort(key=lambda i: (self.ctx.overrides[i].term is None, self.ctx.overrides[i].kind == "swap"))
        self.consumed.update(applicable)
        chosen = self.ctx.overrides[applicable[0]]
        self.notes.append(describe_override(chosen))
        self.notes += [f"also met in this term, spent: {describe_override(self.ctx.overrides[i])}"
                       for i in applicable[1:]]
        return chosen

    def push_back(self, state: str, later: list[str], sitting: str | None) -> str | None:
        """Who serves now when `state` is pushed back one place; `state` is then owed that turn.

        The following turn goes first; it may be owed to another state by an earlier exchange,
        and then that state serves.
        """
        for slot in later:
            pending = next((sub for sub in self.substitutions if sub[0] == slot), None)
            occupant = pending[1] if pending is not None and pending[1] in self.eligible else slot
            if sitting in (slot, occupant) or self.barred(occupant) is not None:
                continue
            if pending is not None:
                self.substitutions.remove(pending)
            self.substitutions.append((slot, state))
            return occupant
        return None

    def stand_in(self, override: OverrideRecord, state: str, later: list[str], sitting: str | None) -> str | None:
        """Who serves in the state's place under a swap or deferral (None: nobody can).

        The sitting chair never stands in: it would chair twice running. The stand-in's own
        turn is then owed to `state` (recorded here).
        """
        if override.kind == "defer":
            return self.push_back(state, later, sitting)
        other = next(s for s in override.states if s != state)
        if any(sub[0] == other for sub in self.substitutions):
            # Its next turn is already exchanged by an earlier swap or deferral: one turn
            # cannot be given twice, so this swap is spent without effect.
            self.notes.append(f"the swap of {state} and {other} cannot be carried out: {other}'s turn is already "
                              "exchanged")
            return None
        if other not in self.eligible or other == sitting or self.barred(other) is not None:
            return None
        self.substitutions.append((other, state))
        return other


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


def _order(
    ctx: RotationContext, version: RuleVersion, eligible: frozenset[str], outgoing: str,
) -> tuple[str, ...] | None:
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
    return ctx.alphabetical(version.names, eligible | {outgoing})


def expect_in_turn(
    ctx: RotationContext, version: RuleVersion, plan: Plan, outgoing: str | None, on: date,
    *, sitting: str | None = None,
) -> Expectation | None:
    """Next eligible state after the outgoing one in the rule's order, after overrides."""
    eligible = ctx.eligible(on)
    order = _order(ctx, version, eligible, outgoing) if outgoing is not None else None
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
            bar = walk.barred(owed, spend=True)
            if bar is None and owed != (sitting or outgoing):
                walk.notes.append(f"{owed} takes {state}'s turn (owed by an earlier swap or deferral)")
                return walk.expect(owed, state, owed_from=state)
            # The owed state is skipped for this very term: the turn's owner chaired already
            # (in its place), so the next state chairs. Deferred for it, or chairing now, it
            # is owed the turn after instead.
            if bar is None or bar.kind == "defer":
                stand_in = walk.push_back(owed, candidates[position + 1 :], sitting or outgoing)
                if stand_in is not None:
                    return walk.expect(stand_in, state)
            continue
        if state == sitting and state != outgoing:
            # It already took this turn early (as a stand-in): it does not chair twice running.
            continue
        override = walk.override_for(state)
        if override is None:
            return walk.expect(state, state)
        if override.kind == "skip":
            continue
        # The stand-in serves now in this state's place; when the stand-in's own turn
        # comes round, this state takes it. Counting resumes from this state's place.
        stand_in = walk.stand_in(override, state, candidates[position + 1 :], sitting or outgoing)
        return walk.expect(state if stand_in is None else stand_in, state)
    return None
