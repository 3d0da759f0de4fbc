"""Fixed schedules: the chair as the schedule in force sets it, and when a schedule runs out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tracker.events import RotationRule
from tracker.events.vocabulary import ScheduledTerm
from tracker.projections.model import params
from tracker.projections.rotation.context import Claim, RotationContext, RuleVersion
from tracker.projections.rotation.records import Problem
from tracker.projections.rotation.terms import midpoint, nearest, on_day

__all__ = ["nearest_term", "schedule_claims", "schedule_problems"]


def nearest_term(rule: RotationRule, day: date) -> int:
    """Index of the scheduled term whose start is nearest to day (handovers are rarely exact)."""
    starts = [t.start.earliest for t in rule.schedule]
    best = nearest(starts, day)
    return starts.index(best)


def _begun(terms: Sequence[ScheduledTerm], lower: date, until: date, as_of: date) -> list[tuple[int, date]]:
    """(index, start) of the terms that govern some day in [lower, until) up to as_of."""
    found = []
    for index, term in enumerate(terms):
        following = terms[index + 1].start.earliest if index + 1 < len(terms) else date.max
        start = max(term.start.earliest, lower)
        if following > lower and start <= as_of and start < until:
            found.append((index, start))
    return found


def _claims_of(ctx: RotationContext, index: int, version: RuleVersion, records: Sequence[Claim], as_of: date) -> list[
    Claim
]:
    # The first rule also tells what came before it took effect; an amendment governs from
    # its own day, starting with the term it puts in the chair that day.
    lower = date.min if index == 0 else version.effective
    until = ctx.until(index)
    covered = {nearest_term(version.rule, midpoint(c.when)) for c in records if lower <= c.when.earliest < until}
    terms = version.rule.schedule
    return [
        Claim(on_day(start), None, terms[i].state, version.ref, by_rule=True)
        for i, start in _begun(terms, lower, until, as_of)
        if i not in covered
    ]


def schedule_claims(ctx: RotationContext, records: Sequence[Claim], as_of: date) -> list[Claim]:
    """The chair as each schedule in force sets it, for every term begun with no record of its own."""
    out: list[Claim] = []
    for index, version in enumerate(ctx.versions):
        if version.rule.kind == "fixed_schedule":
            out += _claims_of(ctx, index, version, records, as_of)
    return out


def schedule_problems(ctx: RotationContext, as_of: date) -> list[Problem]:
    """Say so when the schedule in force on as_of has no term after it."""
    index = ctx.version_index(as_of)
    if index < 0 or ctx.until(index) != date.max:
        return []
    version = ctx.versions[index]
    terms = version.rule.schedule
    if version.rule.kind != "fixed_schedule" or any(t.start.earliest > as_of for t in terms):
        return []
    last = terms[-1]
    until = f" until {last.end.text}" if last.end else ""
    return [Problem(
        "schedule_ended",
        f"the fixed schedule has run out: its last term is {last.state} from {last.start.text}{until}; "
        "no chair is scheduled after it (record the next schedule with RotationRuleChanged)",
        (version.ref,) if version.ref else (),
        "schedule_ended_until" if last.end else "schedule_ended",
        params(state=last.state, start_on=last.start, end_on=last.end),
    )]
