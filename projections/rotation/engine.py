"""Presidency rotation engine: a pure functional core that turns rules and handovers into terms.

Inputs are plain frozen dataclasses defined here (the caller maps events onto them), so
this module depends on nothing but the standard library and packaged reference data.

Semantics in brief (each is explained again where it is implemented):

* Handovers are ordered by world time: the earliest possible day, ties by input order.
  Only handovers whose earliest day is on or before ``as_of`` count.
* The rule expected for a handover is the rule in effect on its earliest day. For an
  alphabetical rule the expected chair is the next eligible member after the outgoing
  chair of record, in the collation order of the organisation's own names.
* Eligible = a member both on the day a term starts and on the day before: a state
  admitted at the very meeting that hands over the chair took no part in that round.
* Overrides are one-off (as the ``RotationOverridden`` event says): skip drops a state's
  next turn, defer pushes it back one place, swap exchanges two states' next turns.
  They apply to alphabetical rotation only; a fixed schedule is amended by a new rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, NamedTuple, cast, get_args

from projections.rotation.names import (
    NamesTable,
    OrderNames,
    alphabetical_order,
    collation_supported,
    order_names,
)

Precision = Literal["day", "month", "year"]
TermKind = Literal["annual", "monthly", "per_meeting"]
MembershipStatus = Literal["member", "observer", "dialogue_partner", "applicant", "withdrawn"]
OverrideKind = Literal["swap", "skip", "defer"]

_STATE = re.compile(r"^[A-Z]{3}$")
_ANCHOR = re.compile(r"^(\d{2})-(\d{2})$")
DEFAULT_HORIZON = 6


def _check_state(where: str, value: object) -> str:
    """Return value if it is an ISO 3166-1 alpha-3 code, else raise naming the field."""
    if not isinstance(value, str) or not _STATE.match(value):
        raise ValueError(f"{where}: expected an ISO 3166-1 alpha-3 code such as 'KAZ', got {value!r}")
    return value


def _check_literal(where: str, value: object, allowed: object) -> None:
    """Raise naming the field unless value is one of the Literal type's options."""
    options = get_args(allowed)
    if value not in options:
        raise ValueError(f"{where}: unknown value {value!r}; expected one of {', '.join(map(str, options))}")


# --- Dates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FuzzyDate:
    """A world date known only as an interval of days, with its precision label."""

    earliest: date
    latest: date
    precision: Precision = "day"
    uncertain: bool = False
    approximate: bool = False

    def __post_init__(self) -> None:
        _check_literal("FuzzyDate.precision", self.precision, Precision)
        if self.latest < self.earliest:
            raise ValueError(f"FuzzyDate.latest: {self.latest} is before earliest {self.earliest}")

    @classmethod
    def on(cls, day: date, *, uncertain: bool = False, approximate: bool = False) -> FuzzyDate:
        """A date known to the day."""
        return cls(day, day, "day", uncertain, approximate)

    @classmethod
    def month(cls, year: int, month: int, *, uncertain: bool = False, approximate: bool = False) -> FuzzyDate:
        """A date known to the month."""
        first = date(year, month, 1)
        last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        return cls(first, last, "month", uncertain, approximate)

    @classmethod
    def year(cls, year: int, *, uncertain: bool = False, approximate: bool = False) -> FuzzyDate:
        """A date known to the year."""
        return cls(date(year, 1, 1), date(year, 12, 31), "year", uncertain, approximate)

    @property
    def midpoint(self) -> date:
        """The middle day of the interval: what an imprecise date is rounded from."""
        return self.earliest + (self.latest - self.earliest) // 2

    def label(self) -> str:
        """Short text at the date's precision, e.g. '2024-07' or '~2024'."""
        if self.precision == "year":
            text = f"{self.earliest.year:04d}"
        elif self.precision == "month":
            text = f"{self.earliest.year:04d}-{self.earliest.month:02d}"
        elif self.earliest == self.latest:
            text = self.earliest.isoformat()
        else:
            text = f"{self.earliest.isoformat()}..{self.latest.isoformat()}"
        return ("~" if self.approximate else "") + text + ("?" if self.uncertain else "")

    def describe(self) -> str:
        """A human phrase such as '2024-07, month precision'."""
        words = [self.label().lstrip("~").rstrip("?")]
        if self.precision != "day":
            words.append(f"{self.precision} precision")
        if self.uncertain:
            words.append("uncertain")
        if self.approximate:
            words.append("approximate")
        return ", ".join(words)


# --- Rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlphabeticalRule:
    """Cycle through eligible members in the alphabetical order of the organisation's names."""

    language: str
    term: TermKind
    anchor: str = "01-01"  # MM-DD an annual term starts; monthly terms start on the 1st
    kind: Literal["alphabetical"] = "alphabetical"
    # The organization's own names as the rule records them (state -> name in `language`);
    # they take precedence over the packaged reference table.
    names: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _check_literal("AlphabeticalRule.term", self.term, TermKind)
        match = _ANCHOR.match(self.anchor) if isinstance(self.anchor, str) else None
        try:
            if match is None:
                raise ValueError
            # 2023 is not a leap year: an anchor must exist every year, so 02-29 is refused.
            date(2023, int(match.group(1)), int(match.group(2)))
        except ValueError:
            raise ValueError(
                f"AlphabeticalRule.anchor: expected MM-DD of a day every year has, got {self.anchor!r}"
            ) from None

    @property
    def anchor_month_day(self) -> tuple[int, int]:
        """The anchor as (month, day)."""
        month, day = self.anchor.split("-")
        return int(month), int(day)

    def describe(self) -> str:
        """E.g. 'alphabetical (ru), annual from 07-01'."""
        when = f"annual from {self.anchor}" if self.term == "annual" else self.term
        return f"alphabetical ({self.language}), {when}"


@dataclass(frozen=True)
class ScheduledTerm:
    """One term of a fixed schedule: who chairs from start (to end, if known)."""

    state: str
    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        _check_state("ScheduledTerm.state", self.state)
        if self.end is not None and self.end < self.start:
            raise ValueError(f"ScheduledTerm.end: {self.end} is before start {self.start}")


@dataclass(frozen=True)
class FixedScheduleRule:
    """An explicit list of terms; amended by adopting a new rule version."""

    terms: tuple[ScheduledTerm, ...]
    kind: Literal["fixed_schedule"] = "fixed_schedule"

    def __post_init__(self) -> None:
        if not self.terms:
            raise ValueError("FixedScheduleRule.terms: a fixed schedule needs at least one term")
        starts = [t.start for t in self.terms]
        if len(set(starts)) != len(starts):
            raise ValueError(f"FixedScheduleRule.terms: two terms start on the same day in {sorted(starts)}")
        object.__setattr__(self, "terms", tuple(sorted(self.terms, key=lambda t: t.start)))

    def describe(self) -> str:
        """E.g. 'fixed schedule (4 terms)'."""
        return f"fixed schedule ({len(self.terms)} terms)"


@dataclass(frozen=True)
class HostOfNextMeetingRule:
    """No cycle: the chair passes by explicit handover, usually to the next meeting's host."""

    kind: Literal["host_of_next_meeting"] = "host_of_next_meeting"

    def describe(self) -> str:
        """'host of next meeting'."""
        return "host of next meeting"


Rule = AlphabeticalRule | FixedScheduleRule | HostOfNextMeetingRule


class RuleVersion(NamedTuple):
    """A rule and the day it took effect, with the event that recorded it."""

    effective: date
    rule: Rule
    ref: str = ""


def _as_date(where: str, value: object) -> date:
    """Accept a date or an ISO YYYY-MM-DD string, else raise naming the field."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{where}: expected a day as a date or 'YYYY-MM-DD', got {value!r}")


def rule_from_mapping(data: Mapping[str, object]) -> Rule:
    """Build a rule from a mapping with a 'kind' key (the shape of the RotationRule event part)."""
    kind = data.get("kind")
    if kind == "alphabetical":
        language, term, anchor = data.get("language"), data.get("term"), data.get("anchor") or "01-01"
        if not isinstance(language, str):
            raise ValueError(f"rule.language: an alphabetical rule needs a collation language, got {language!r}")
        if term not in get_args(TermKind):
            raise ValueError(f"rule.term: unknown term {term!r}; expected one of {', '.join(get_args(TermKind))}")
        if not isinstance(anchor, str):
            raise ValueError(f"rule.anchor: expected 'MM-DD', got {anchor!r}")
        return AlphabeticalRule(language=language, term=cast(TermKind, term), anchor=anchor)
    if kind == "fixed_schedule":
        raw = data.get("schedule") or data.get("terms")
        if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
            raise ValueError(f"rule.schedule: a fixed_schedule rule needs a list of terms, got {raw!r}")
        terms = []
        for i, item in enumerate(raw):
            if not isinstance(item, Mapping):
                raise ValueError(f"rule.schedule[{i}]: expected a mapping with state, start, end; got {item!r}")
            end = item.get("end")
            terms.append(
                ScheduledTerm(
                    state=_check_state(f"rule.schedule[{i}].state", item.get("state")),
                    start=_as_date(f"rule.schedule[{i}].start", item.get("start")),
                    end=None if end is None else _as_date(f"rule.schedule[{i}].end", end),
                )
            )
        return FixedScheduleRule(tuple(terms))
    if kind == "host_of_next_meeting":
        return HostOfNextMeetingRule()
    raise ValueError(
        f"rule.kind: unknown rule kind {kind!r}; expected alphabetical, fixed_schedule or host_of_next_meeting"
    )


# --- Other inputs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipChange:
    """A state's standing in the organisation from a day on (the earliest possible day)."""

    state: str
    status: MembershipStatus
    since: date

    def __post_init__(self) -> None:
        _check_state("MembershipChange.state", self.state)
        _check_literal("MembershipChange.status", self.status, MembershipStatus)


@dataclass(frozen=True)
class Override:
    """A one-off departure from the cycle, effective for terms starting on or after a day."""

    kind: OverrideKind
    states: tuple[str, ...]
    effective: date
    reason: str

    def __post_init__(self) -> None:
        _check_literal("Override.kind", self.kind, OverrideKind)
        for state in self.states:
            _check_state("Override.states", state)
        wanted = 2 if self.kind == "swap" else 1
        if len(self.states) != wanted or len(set(self.states)) != len(self.states):
            raise ValueError(f"Override.states: a {self.kind} names {wanted} different state(s), got {self.states}")
        if not self.reason.strip():
            raise ValueError("Override.reason: an override must say why")

    def describe(self) -> str:
        """E.g. 'skip RUS from 2025-01-01: reason'."""
        return f"{self.kind} {'/'.join(self.states)} from {self.effective.isoformat()}: {self.reason}"


@dataclass(frozen=True)
class Handover:
    """The chair passed (from_state None: 'to_state chaired since when')."""

    when: FuzzyDate
    from_state: str | None
    to_state: str
    event_ref: str
    meeting_id: str | None = None
    by_rule: bool = False  # the chair as a fixed schedule sets it, with no record of its own

    def __post_init__(self) -> None:
        if self.from_state is not None:
            _check_state("Handover.from_state", self.from_state)
        _check_state("Handover.to_state", self.to_state)
        if not self.event_ref:
            raise ValueError("Handover.event_ref: every handover must name the event it comes from")


@dataclass(frozen=True)
class ScheduledMeeting:
    """A meeting announced for a day, with its host."""

    on: date
    host: str
    meeting_id: str | None = None

    def __post_init__(self) -> None:
        _check_state("ScheduledMeeting.host", self.host)


# --- Outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedTerm:
    """A term in the chair as the records show it, with what the rule expected."""

    state: str
    start: FuzzyDate
    end: FuzzyDate | None  # None: still chairing on as_of
    event_refs: tuple[str, ...]  # the handover(s) that began it, corroborating records included
    expected_state: str | None  # None: the rule has no expectation (no rule, no cycle, unknown predecessor)
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
    """A handover to someone other than the state the rule expected."""

    event_ref: str
    when: FuzzyDate
    outgoing_state: str | None
    expected_state: str  # who was passed over
    actual_state: str
    basis: str


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
    when: FuzzyDate
    recorded_from: str
    chair_of_record: str | None


@dataclass(frozen=True)
class Problem:
    """What the engine could not judge from its inputs and answered around: for a person to review."""

    kind: str  # "names_fallback", "collation_fallback", "schedule_ended", ...
    message: str
    refs: tuple[str, ...] = ()


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


@dataclass(frozen=True)
class PresidencyInputs:
    """Everything compute_presidency needs except as_of, bundled for chair_on."""

    body_id: str
    rule_history: tuple[RuleVersion | tuple[date, Rule], ...]
    membership: tuple[MembershipChange, ...]
    names: NamesTable | None
    overrides: tuple[Override, ...] = ()
    handovers: tuple[Handover, ...] = ()
    scheduled_meetings: tuple[ScheduledMeeting, ...] = ()


# --- Engine internals ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What the cycle still owes: consumed one-off overrides and pending substitutions."""

    consumed: frozenset[int] = frozenset()
    # (whose turn it would be, who takes it instead): the second half of a swap or deferral.
    substitutions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Expectation:
    """The rule's expectation for one term, and the plan/cursor if it is fulfilled."""

    state: str
    basis: str
    notes: tuple[str, ...]
    plan: _Plan
    cursor_if_fulfilled: str  # the place in the cycle the next successor is counted from


@dataclass(frozen=True)
class _Context:
    """Validated inputs shared by every step of the computation."""

    body_id: str
    versions: tuple[RuleVersion, ...]
    membership: tuple[MembershipChange, ...]
    order: Mapping[AlphabeticalRule, OrderNames]
    overrides: tuple[Override, ...]
    meetings: tuple[ScheduledMeeting, ...]

    def version_index(self, day: date) -> int:
        """Index of the rule version in effect on a day (-1: none yet)."""
        index = -1
        for i, (effective, _, _) in enumerate(self.versions):
            if effective <= day:
                index = i
        return index

    def rule_at(self, day: date) -> Rule | None:
        """The rule in effect on a day."""
        index = self.version_index(day)
        return None if index < 0 else self.versions[index][1]

    def status(self, state: str, day: date) -> MembershipStatus | None:
        """A state's standing on a day (None: no standing yet)."""
        found: MembershipStatus | None = None
        for change in self.membership:  # sorted by day, input order kept within a day
            if change.state == state and change.since <= day:
                found = change.status
        return found

    def eligible(self, day: date) -> frozenset[str]:
        """States that are members on the day a term starts and on the day before."""
        states = {c.state for c in self.membership}
        eve = day - timedelta(days=1) if day > date.min else day
        return frozenset(s for s in states if self.status(s, day) == "member" and self.status(s, eve) == "member")


def _applies(override: Override, on: date) -> bool:
    """An override applies to a term starting on or after its effective day."""
    return override.effective <= on


def _expect_alphabetical(
    ctx: _Context, rule: AlphabeticalRule, plan: _Plan, outgoing: str | None, on: date
) -> _Expectation | None:
    """Next eligible member after the outgoing one, in collation order, after overrides."""
    if outgoing is None:
        return None
    eligible = ctx.eligible(on)
    # The outgoing chair is placed by its name even if it is no longer eligible, so the
    # cycle continues from where it stood.
    order = alphabetical_order(eligible | {outgoing}, ctx.order[rule])
    at = order.index(outgoing)
    candidates = [s for s in order[at + 1 :] + order[: at + 1] if s in eligible]
    basis = f"{rule.describe()} after {outgoing}"
    notes: list[str] = []
    substitutions = list(plan.substitutions)
    consumed = set(plan.consumed)

    for position, state in enumerate(candidates):
        pending = next((sub for sub in substitutions if sub[0] == state), None)
        if pending is not None:
            substitutions.remove(pending)
            if pending[1] in eligible:
                notes.append(f"{pending[1]} takes {state}'s turn (owed by an earlier swap or deferral)")
                new_plan = _Plan(frozenset(consumed), tuple(substitutions))
                return _Expectation(pending[1], basis, tuple(notes), new_plan, cursor_if_fulfilled=state)
        hit = next(
            (
                i
                for i, o in enumerate(ctx.overrides)
                if i not in consumed and state in o.states and _applies(o, on)
            ),
            None,
        )
        if hit is None:
            return _Expectation(state, basis, tuple(notes), _Plan(frozenset(consumed), tuple(substitutions)), state)
        override = ctx.overrides[hit]
        consumed.add(hit)
        notes.append(override.describe())
        if override.kind == "skip":
            continue
        if override.kind == "defer":
            # Pushed back one place: the following state goes first, then this one, then
            # the cycle resumes after the following state.
            later = candidates[position + 1 :]
            if not later:
                return _Expectation(state, basis, tuple(notes), _Plan(frozenset(consumed), tuple(substitutions)), state)
            stand_in = later[0]
        else:
            stand_in = next(s for s in override.states if s != state)
            if stand_in not in eligible:
                return _Expectation(state, basis, tuple(notes), _Plan(frozenset(consumed), tuple(substitutions)), state)
        # The stand-in serves now in this state's place; when the stand-in's own turn
        # comes round, this state takes it. Counting resumes from this state's place.
        substitutions.append((stand_in, state))
        new_plan = _Plan(frozenset(consumed), tuple(substitutions))
        return _Expectation(stand_in, basis, tuple(notes), new_plan, cursor_if_fulfilled=state)
    return None


def _nearest(candidates: Sequence[date], day: date) -> date:
    """The candidate closest to day (ties: the earlier)."""
    return min(sorted(candidates), key=lambda c: abs((c - day).days))


def _shift(rule: AlphabeticalRule, boundary: date, steps: int) -> date:
    """The term boundary `steps` terms away (annual: anchor days; monthly: 1st of months)."""
    if rule.term == "annual":
        return boundary.replace(year=boundary.year + steps)
    months = boundary.year * 12 + boundary.month - 1 + steps
    return date(months // 12, months % 12 + 1, 1)


def _nearest_boundary(rule: AlphabeticalRule, day: date) -> date:
    """The term boundary a handover on `day` belongs to (handovers come a little early or late)."""
    if rule.term == "annual":
        month, dom = rule.anchor_month_day
        base = date(day.year, month, dom)
    else:
        base = day.replace(day=1)
    return _nearest([_shift(rule, base, k) for k in (-1, 0, 1)], day)


def _first_boundary_from(rule: AlphabeticalRule, day: date) -> date:
    """The first term boundary on or after day."""
    boundary = _nearest_boundary(rule, day)
    return boundary if boundary >= day else _shift(rule, boundary, 1)


def _window(rule: AlphabeticalRule, boundary: date) -> tuple[date, date]:
    """Days that round to this boundary: [start, end), consistent with _nearest's ties."""
    before, after = _shift(rule, boundary, -1), _shift(rule, boundary, 1)
    start = before + timedelta(days=(boundary - before).days // 2 + 1)
    end = boundary + timedelta(days=(after - boundary).days // 2 + 1)
    return start, end


def _scheduled_nearest(rule: FixedScheduleRule, day: date) -> int:
    """Index of the scheduled term whose start is nearest to day (handovers are rarely exact)."""
    best = _nearest([t.start for t in rule.terms], day)
    return next(i for i, t in enumerate(rule.terms) if t.start == best)


def _expect_for_record(
    ctx: _Context, plan: _Plan, outgoing: str | None, handover: Handover
) -> _Expectation | None:
    """What the rule in effect on the handover's earliest day expected of it."""
    rule = ctx.rule_at(handover.when.earliest)
    if isinstance(rule, AlphabeticalRule):
        return _expect_alphabetical(ctx, rule, plan, outgoing, handover.when.earliest)
    if isinstance(rule, FixedScheduleRule):
        term = rule.terms[_scheduled_nearest(rule, handover.when.midpoint)]
        basis = f"{rule.describe()}: {term.state} from {term.start.isoformat()}"
        return _Expectation(term.state, basis, (), plan, term.state)
    # host_of_next_meeting (or no rule yet): no cycle, so nothing to deviate from.
    return None


def _order_names(
    rule: AlphabeticalRule, states: frozenset[str], reference: NamesTable | None, ref: str
) -> tuple[OrderNames, list[Problem]]:
    """The names one alphabetical rule sorts by, and what to tell a reader about them."""
    names = order_names(rule.language, states, recorded=rule.names, reference=reference)
    problems: list[Problem] = []
    org = reference.org if reference is not None else "the organization"
    refs = (ref,) if ref else ()
    if not collation_supported(rule.language):
        problems.append(Problem(
            "collation_fallback",
            f"no alphabet known for language {rule.language!r}: names sort by letter code, accents ignored",
            refs,
        ))
    if names.from_iso:
        listed = ", ".join(f"{s} as {names.name(s)!r}" for s in sorted(names.from_iso))
        problems.append(Problem(
            "names_fallback",
            f"neither the rule nor a reference table gives {org}'s own {rule.language!r} names of "
            f"{', '.join(sorted(names.from_iso))}: ISO's official names are used ({listed}); "
            "record them in the rule's names to fix the order",
            refs,
        ))
    return names, problems


def _context(
    *,
    body_id: str,
    rule_history: Sequence[RuleVersion | tuple[date, Rule]],
    membership: Sequence[MembershipChange],
    names: NamesTable | None,
    overrides: Sequence[Override],
    scheduled_meetings: Sequence[ScheduledMeeting],
    handovers: Sequence[Handover],
) -> tuple[_Context, list[Problem]]:
    """Sort inputs into world order and resolve each alphabetical rule's names."""
    # Every state the computation may have to place in an order.
    states = frozenset(
        {c.state for c in membership}
        | {s for h in handovers for s in (h.from_state, h.to_state) if s is not None}
        | {s for o in overrides for s in o.states}
    )
    # sorted() is stable: of two rules taking effect on one day, the later given governs.
    versions = tuple(sorted((RuleVersion(*v) for v in rule_history), key=lambda v: v.effective))
    order: dict[AlphabeticalRule, OrderNames] = {}
    problems: list[Problem] = []
    for i, version in enumerate(versions):
        replaced_same_day = i + 1 < len(versions) and versions[i + 1].effective == version.effective
        if isinstance(version.rule, AlphabeticalRule) and version.rule not in order and not replaced_same_day:
            order[version.rule], found = _order_names(version.rule, states, names, version.ref)
            problems += found
    context = _Context(
        body_id=body_id,
        versions=versions,
        membership=tuple(sorted(membership, key=lambda c: c.since)),
        order=order,
        # Overrides are matched in effective order; stable sort keeps input order on ties.
        overrides=tuple(sorted(overrides, key=lambda o: o.effective)),
        meetings=tuple(sorted(scheduled_meetings, key=lambda m: m.on)),
    )
    return context, problems


def _gap_boundaries(ctx: _Context, counted: Sequence[Handover], as_of: date) -> list[tuple[date, date]]:
    """Term boundaries (annual/monthly rules) after history begins with no handover near them."""
    if not counted:
        return []
    history_start = counted[0].when.earliest
    found: list[tuple[date, date]] = []
    for i, (effective, rule, _) in enumerate(ctx.versions):
        if not isinstance(rule, AlphabeticalRule) or rule.term == "per_meeting":
            continue
        until = ctx.versions[i + 1][0] if i + 1 < len(ctx.versions) else date.max
        boundary = _first_boundary_from(rule, max(effective, history_start + timedelta(days=1)))
        while boundary <= as_of and boundary < until:
            start, end = _window(rule, boundary)
            # Conservative: any record that could have fallen in the window covers it, so an
            # imprecise ("2024") handover never produces a false gap.
            if not any(h.when.earliest < end and h.when.latest >= start for h in counted):
                found.append((boundary, _shift(rule, boundary, 1)))
            boundary = _shift(rule, boundary, 1)
    return sorted(found)


@dataclass
class _OpenTerm:
    """A term being assembled during the sweep."""

    state: str
    start: FuzzyDate
    refs: list[str]
    expected: str | None
    end: FuzzyDate | None = None

    def freeze(self) -> RecordedTerm:
        """The immutable output form."""
        deviates = self.expected is not None and self.expected != self.state
        return RecordedTerm(self.state, self.start, self.end, tuple(self.refs), self.expected, deviates)


def _upcoming(
    ctx: _Context,
    *,
    as_of: date,
    current: RecordedTerm | None,
    cursor: str | None,
    plan: _Plan,
    horizon: int,
) -> tuple[ExpectedTerm, ...]:
    """The next terms under the rule(s), continuing from the chair of record."""
    out: list[ExpectedTerm] = []
    prev_state = current.state if current else None
    prev_when: FuzzyDate | None = current.start if current else None
    dates_known = True
    version = ctx.version_index(prev_when.earliest if prev_when else as_of)
    for _ in range(horizon):
        not_before: date | None = None
        while True:
            proposal = (
                _propose(
                    ctx,
                    ctx.versions[version][1],
                    plan=plan,
                    cursor=cursor,
                    prev_state=prev_state,
                    prev_when=prev_when,
                    dates_known=dates_known,
                    not_before=not_before,
                    as_of=as_of,
                )
                if version >= 0
                else None
            )
            following = version + 1 if version + 1 < len(ctx.versions) else None
            if following is None:
                break
            effective = ctx.versions[following][0]
            # A later rule governs once it is in force (by as_of) or once the proposed
            # start reaches it; unknown future starts cannot be placed, so they stay put.
            if effective <= as_of or proposal is None or (
                proposal[0].start is not None and proposal[0].start >= effective
            ):
                version, not_before = following, effective
                continue
            break
        if proposal is None:
            break
        term, plan, cursor, prev_when, dates_known = proposal
        prev_state = term.state
        out.append(term)
    return tuple(out)


def _propose(
    ctx: _Context,
    rule: Rule,
    *,
    plan: _Plan,
    cursor: str | None,
    prev_state: str | None,
    prev_when: FuzzyDate | None,
    dates_known: bool,
    not_before: date | None,
    as_of: date,
) -> tuple[ExpectedTerm, _Plan, str | None, FuzzyDate | None, bool] | None:
    """One step of the projection: (term, plan, cursor, position, whether dates are known)."""

    def next_meeting() -> ScheduledMeeting | None:
        """The first scheduled meeting after the previous term's start and after as_of."""
        after = max(as_of, prev_when.latest) if prev_when else as_of
        return next(
            (m for m in ctx.meetings if m.on > after and (not_before is None or m.on >= not_before)),
            None,
        )

    if isinstance(rule, AlphabeticalRule):
        start: date | None = None
        if dates_known and rule.term != "per_meeting":
            if not_before is not None:
                start = _first_boundary_from(rule, not_before)
            elif prev_when is not None:
                start = _shift(rule, _nearest_boundary(rule, prev_when.midpoint), 1)
            else:
                start = _first_boundary_from(rule, as_of + timedelta(days=1))
        elif dates_known:
            meeting = next_meeting()
            start = meeting.on if meeting else None
        # A term whose start cannot be computed is judged as if it began the day after
        # as_of (the earliest it could): membership and overrides dated later are not
        # known to apply to it, and nothing recorded after as_of leaks into the answer.
        on = start if start is not None else as_of + timedelta(days=1)
        expectation = _expect_alphabetical(ctx, rule, plan, cursor, on)
        if expectation is None:
            return None
        term = ExpectedTerm(expectation.state, start, expectation.basis, expectation.notes)
        position = FuzzyDate.on(start) if start else prev_when
        return term, expectation.plan, expectation.cursor_if_fulfilled, position, start is not None

    if isinstance(rule, FixedScheduleRule):
        if not_before is not None:
            index = next((i for i, t in enumerate(rule.terms) if t.start >= not_before), len(rule.terms))
        elif prev_when is not None and dates_known:
            index = _scheduled_nearest(rule, prev_when.midpoint) + 1
        else:
            index = next((i for i, t in enumerate(rule.terms) if t.start > as_of), len(rule.terms))
        if index >= len(rule.terms):
            return None
        scheduled = rule.terms[index]
        term = ExpectedTerm(scheduled.state, scheduled.start, rule.describe())
        return term, plan, scheduled.state, FuzzyDate.on(scheduled.start), True

    # host_of_next_meeting: the host of each following scheduled meeting, in date order;
    # a meeting the sitting chair hosts itself changes nothing.
    if not dates_known:
        return None
    while True:
        meeting = next_meeting()
        if meeting is None:
            return None
        if meeting.host != prev_state:
            break
        prev_when, not_before = FuzzyDate.on(meeting.on), None
    basis = f"{rule.describe()}: host of the meeting scheduled for {meeting.on.isoformat()}"
    # The start stays unknown: the chair passes when a handover is made, not on a set day.
    return ExpectedTerm(meeting.host, None, basis), plan, meeting.host, FuzzyDate.on(meeting.on), True


def _schedule_spans(ctx: _Context) -> list[tuple[RuleVersion, date]]:
    """Each fixed schedule with the day the next rule replaces it (date.max: still in force)."""
    spans = []
    for i, version in enumerate(ctx.versions):
        if isinstance(version.rule, FixedScheduleRule):
            until = ctx.versions[i + 1].effective if i + 1 < len(ctx.versions) else date.max
            spans.append((version, until))
    return spans


def _scheduled_handovers(ctx: _Context, records: Sequence[Handover], as_of: date) -> list[Handover]:
    """The chair as a schedule in force sets it, for each scheduled term begun with no record of its own."""
    out: list[Handover] = []
    for position, (version, until) in enumerate(_schedule_spans(ctx)):
        rule = version.rule
        assert isinstance(rule, FixedScheduleRule)
        # The first schedule also tells what came before it took effect; an amendment
        # governs from its own day, starting with the term it puts in the chair that day.
        lower = date.min if position == 0 and version is ctx.versions[0] else version.effective
        covered = {_scheduled_nearest(rule, h.when.midpoint) for h in records if lower <= h.when.earliest < until}
        for index, term in enumerate(rule.terms):
            following = rule.terms[index + 1].start if index + 1 < len(rule.terms) else date.max
            if following <= lower or index in covered:
                continue
            start = max(term.start, lower)
            if start <= as_of and start < until:
                out.append(Handover(FuzzyDate.on(start), None, term.state, version.ref or "schedule", None, True))
    return out


def _schedule_problems(ctx: _Context, as_of: date) -> list[Problem]:
    """Say so when the schedule in force on as_of has no term after it."""
    index = ctx.version_index(as_of)
    if index < 0 or index + 1 < len(ctx.versions):
        return []
    version = ctx.versions[index]
    rule = version.rule
    if not isinstance(rule, FixedScheduleRule) or any(t.start > as_of for t in rule.terms):
        return []
    last = rule.terms[-1]
    until = f" until {last.end.isoformat()}" if last.end else ""
    return [Problem(
        "schedule_ended",
        f"the fixed schedule has run out: its last term is {last.state} from {last.start.isoformat()}{until}; "
        "no chair is scheduled after it (record the next schedule with RotationRuleChanged)",
        (version.ref,) if version.ref else (),
    )]


# --- Public entry points ---------------------------------------------------------------------


def compute_presidency(
    body_id: str,
    *,
    rule_history: Sequence[RuleVersion | tuple[date, Rule]],
    membership: Sequence[MembershipChange],
    names: NamesTable | None,
    overrides: Sequence[Override] = (),
    handovers: Sequence[Handover],
    as_of: date,
    scheduled_meetings: Sequence[ScheduledMeeting] = (),
    horizon: int = DEFAULT_HORIZON,
) -> Presidency:
    """Compute a body's presidency as of a day from its rules, membership and handovers."""
    ctx, problems = _context(
        body_id=body_id,
        rule_history=rule_history,
        membership=membership,
        names=names,
        overrides=overrides,
        scheduled_meetings=scheduled_meetings,
        handovers=handovers,
    )
    # World order, not input order: history is backfilled. sorted() is stable, so records
    # of the same earliest day keep the order they were given in.
    recorded_handovers = [h for h in handovers if h.when.earliest <= as_of]
    scheduled = _scheduled_handovers(ctx, recorded_handovers, as_of)
    counted = sorted((*recorded_handovers, *scheduled), key=lambda h: h.when.earliest)
    problems += _schedule_problems(ctx, as_of)
    pending_gaps = _gap_boundaries(ctx, counted, as_of)

    terms: list[_OpenTerm] = []
    deviations: list[Deviation] = []
    gaps: list[Gap] = []
    conflicts: list[ChainConflict] = []
    plan = _Plan()
    cursor: str | None = None  # where the cycle is counted from; usually the chair of record

    def flush_gaps(until: date) -> None:
        """Report gaps whose boundary comes before `until`, with the rule's expectation then."""
        while pending_gaps and pending_gaps[0][0] < until:
            start, end = pending_gaps.pop(0)
            rule = ctx.rule_at(start)
            # A peek: a gap does not consume overrides or move the cycle, since nothing happened.
            peek = (
                _expect_alphabetical(ctx, rule, plan, cursor, start) if isinstance(rule, AlphabeticalRule) else None
            )
            chair = terms[-1].state if terms else None
            gaps.append(Gap(start, end, peek.state if peek else None, chair))

    for handover in counted:
        flush_gaps(handover.when.earliest)
        chair = terms[-1].state if terms else None
        if chair is not None and handover.to_state == chair:
            # Another record of the handover that began the current term (a second source):
            # corroborate it, and narrow the start if this record is more precise.
            open_term = terms[-1]
            open_term.refs.append(handover.event_ref)
            predecessor = terms[-2].state if len(terms) > 1 else None
            if handover.from_state is not None and predecessor is not None and handover.from_state != predecessor:
                conflicts.append(ChainConflict(handover.event_ref, handover.when, handover.from_state, predecessor))
            if open_term.start.earliest <= handover.when.earliest and handover.when.latest <= open_term.start.latest:
                open_term.start = handover.when
            continue
        if handover.from_state is not None and chair is not None and handover.from_state != chair:
            conflicts.append(ChainConflict(handover.event_ref, handover.when, handover.from_state, chair))
        outgoing = cursor if cursor is not None else handover.from_state
        expectation = None if handover.by_rule else _expect_for_record(ctx, plan, outgoing, handover)
        expected_state = handover.to_state if handover.by_rule else None
        if expectation is not None:
            plan = expectation.plan
            expected_state = expectation.state
            if handover.to_state != expectation.state:
                deviations.append(
                    Deviation(
                        handover.event_ref,
                        handover.when,
                        outgoing,
                        expectation.state,
                        handover.to_state,
                        "; ".join((expectation.basis, *expectation.notes)),
                    )
                )
        # After a deviation the cycle continues from whoever actually took the chair.
        fulfilled = expectation is not None and handover.to_state == expectation.state
        cursor = expectation.cursor_if_fulfilled if fulfilled and expectation else handover.to_state
        if terms:
            terms[-1].end = handover.when
        terms.append(_OpenTerm(handover.to_state, handover.when, [handover.event_ref], expected_state))
    flush_gaps(date.max)

    recorded = tuple(t.freeze() for t in terms)
    current = recorded[-1] if recorded else None
    upcoming = _upcoming(ctx, as_of=as_of, current=current, cursor=cursor, plan=plan, horizon=max(horizon, 0))
    return Presidency(
        body_id=body_id,
        as_of=as_of,
        terms=recorded,
        current=current,
        expected_next=upcoming[0] if upcoming else None,
        upcoming=upcoming,
        deviations=tuple(deviations),
        gaps=tuple(gaps),
        chain_conflicts=tuple(conflicts),
        problems=tuple(problems),
    )


def chair_on(source: Presidency | PresidencyInputs, on: date) -> RecordedTerm | None:
    """The recorded term covering a day (a handover counts from its earliest possible day)."""
    if isinstance(source, PresidencyInputs):
        source = compute_presidency(
            source.body_id,
            rule_history=source.rule_history,
            membership=source.membership,
            names=source.names,
            overrides=source.overrides,
            handovers=source.handovers,
            as_of=on,
            scheduled_meetings=source.scheduled_meetings,
            horizon=0,
        )
    if on > source.as_of:
        raise ValueError(
            f"on: {on.isoformat()} is after the presidency's as_of {source.as_of.isoformat()}; "
            "recompute with a later as_of"
        )
    for term in reversed(source.terms):
        if term.start.earliest <= on:
            return term
    return None
