"""A body's presidency: the reductions mapped onto the rotation engine, and its answer onto the read model."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from events import PartialDate, RotationRule, parse_partial_date
from projections import rotation as rot
from projections.model import ChairTerm, MeetingStatus, PresidencyStatus, ReviewItem
from projections.reduce import BodyStatus, OrganizationStatus, describe_rule

__all__ = ["compute_body_presidency", "presidency_review_items"]


def _fuzzy(value: PartialDate) -> rot.FuzzyDate:
    return rot.FuzzyDate(value.earliest, value.latest, value.precision, value.uncertain, value.approximate)


def _partial(value: rot.FuzzyDate) -> PartialDate:
    text = {"day": value.earliest.isoformat(), "month": value.earliest.isoformat()[:7]}.get(
        value.precision, value.earliest.isoformat()[:4]
    )
    suffix = {(True, True): "%", (True, False): "?", (False, True): "~"}.get((value.uncertain, value.approximate), "")
    return parse_partial_date(text + suffix)


def _engine_rule(rule: RotationRule) -> rot.Rule:
    """The engine's form of a recorded rule (the vocabulary has already checked it)."""
    if rule.kind == "alphabetical" and rule.language is not None and rule.term is not None:
        return rot.AlphabeticalRule(rule.language, rule.term, rule.anchor or "01-01", names=dict(rule.names))
    if rule.kind == "fixed_schedule":
        return rot.FixedScheduleRule(
            tuple(rot.ScheduledTerm(t.state, t.start.earliest, t.end.latest if t.end else None) for t in rule.schedule)
        )
    return rot.HostOfNextMeetingRule()


def _rule_history(body: BodyStatus) -> tuple[list[rot.RuleVersion], list[rot.Problem]]:
    """The body's rules for the engine; a rule it cannot use is reported, and judged as no cycle."""
    versions: list[rot.RuleVersion] = []
    problems: list[rot.Problem] = []
    for entry in body.rules:
        try:
            rule = _engine_rule(entry.rule)
        except ValueError as exc:  # only events stored before the vocabulary checked as much
            problems.append(rot.Problem("rule_unusable", f"the rule recorded in {entry.ref} cannot be applied: {exc}",
                                        (entry.ref,)))
            rule = rot.HostOfNextMeetingRule()
        versions.append(rot.RuleVersion(entry.on.earliest, rule, entry.ref))
    return versions, problems


def _inputs(body: BodyStatus, organization: OrganizationStatus, meetings: Iterable[MeetingStatus]) -> dict[str, object]:
    return {
        "membership": [
            rot.MembershipChange(e.state, e.status, e.on.earliest)  # type: ignore[arg-type]
            for e in organization.memberships
        ],
        "names": rot.reference_names(organization.organization_id),
        "overrides": [rot.Override(o.kind, o.states, o.on.earliest, o.reason) for o in body.overrides],  # type: ignore[arg-type]
        "handovers": [
            rot.Handover(_fuzzy(h.on), h.from_state, h.to_state, h.ref, h.meeting_id) for h in body.handovers
        ],
        "scheduled_meetings": [
            rot.ScheduledMeeting(m.starts_on.earliest, m.host_state, m.meeting_id)
            for m in meetings
            if m.host_state and m.status not in ("cancelled", "held")
        ],
    }


def compute_body_presidency(
    body: BodyStatus,
    organization: OrganizationStatus,
    meetings: Sequence[MeetingStatus],
    *,
    as_of: date,
) -> tuple[PresidencyStatus, rot.Presidency]:
    """Who chairs `body` on `as_of`, its history, who is expected next, and what deviates."""
    inputs = _inputs(body, organization, meetings)
    versions, problems = _rule_history(body)
    result = rot.compute_presidency(body.body_id, rule_history=versions, as_of=as_of, **inputs)  # type: ignore[arg-type]
    result = replace(result, problems=(*problems, *result.problems))

    def term(t: rot.RecordedTerm) -> ChairTerm:
        return ChairTerm(
            state=t.state,
            start=_partial(t.start),
            end=_partial(t.end) if t.end else None,
            expected_state=t.expected_state,
            deviation=t.deviates,
            refs=t.event_refs,
        )

    status = PresidencyStatus(
        body_id=body.body_id,
        organization_id=body.organization_id,
        rule=describe_rule(body.rule_on(as_of)),
        current=term(result.current) if result.current else None,
        terms=tuple(term(t) for t in result.terms),
        expected_next=result.expected_next.state if result.expected_next else None,
        upcoming=tuple((t.state, t.start) for t in result.upcoming),
        deviations=tuple(
            f"{d.when.describe()}: {d.actual_state} took the chair where the rule ({d.basis}) expected "
            f"{d.expected_state}, so {d.expected_state} was skipped ({d.event_ref})"
            for d in result.deviations
        ),
        gaps=tuple(
            f"{g.start} to {g.end}: no handover recorded"
            + (f" (the rule expected {g.expected_state})" if g.expected_state else "")
            for g in result.gaps
        ),
        chain_conflicts=tuple(
            f"{c.event_ref}: handed over from {c.recorded_from}, but the chair of record then was "
            f"{c.chair_of_record or 'unknown'}"
            for c in result.chain_conflicts
        ),
        notes=tuple(p.message for p in result.problems),
    )
    return status, result


def presidency_review_items(stream: str, result: rot.Presidency) -> list[ReviewItem]:
    """Deviations, gaps and broken handover chains, for a person to look at."""
    items = [
        ReviewItem(
            "deviation",
            stream,
            f"{d.actual_state} took the chair on {d.when.describe()}; the rule ({d.basis}) expected {d.expected_state}",
            (d.event_ref,),
        )
        for d in result.deviations
    ]
    items += [
        ReviewItem(
            "gap",
            stream,
            f"no handover recorded between {g.start} and {g.end}"
            + (f"; the rule expected {g.expected_state}" if g.expected_state else ""),
        )
        for g in result.gaps
    ]
    items += [
        ReviewItem(
            "chain_conflict",
            stream,
            f"a handover from {c.recorded_from} on {c.when.describe()}, but the chair of record was "
            f"{c.chair_of_record or 'unknown'}: the sources disagree",
            (c.event_ref,),
        )
        for c in result.chain_conflicts
    ]
    items += [ReviewItem(p.kind, stream, p.message, p.refs) for p in result.problems]
    return items
