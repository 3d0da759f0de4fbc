"""A body's presidency: the reductions handed to the rotation engine, and its answer in the read model's terms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol

from events import PartialDate
from projections import rotation as rot
from projections.model import ChairTerm, PresidencyStatus, ReviewItem
from projections.reduce import BodyStatus, OrganizationStatus, describe_rule

__all__ = ["PresidencyMeeting", "compute_body_presidency", "presidency_review_items"]


class PresidencyMeeting(rot.MeetingRecord, Protocol):
    """What a presidency reads of a meeting: a MeetingStatus, or the views' typed columns of one."""

    @property
    def number(self) -> int | None:
        """Its number in the body's series, if it has one."""

    @property
    def ends_on(self) -> PartialDate | None:
        """Its last day, when it lasts more than one."""


def _term(t: rot.RecordedTerm) -> ChairTerm:
    # A regional rule expects a group ('group:African'), not a state: the term's expected
    # state is then unknown (the deviation line names the group), as ChairTerm holds codes.
    expected = t.expected_state if t.expected_state and not t.expected_state.startswith("group:") else None
    return ChairTerm(
        state=t.state, start=t.start, end=t.end, expected_state=expected, deviation=t.deviates, refs=t.event_refs,
    )


def _meeting_problems(meetings: Sequence[PresidencyMeeting], as_of: date) -> list[rot.Problem]:
    """Numbered meetings with no record, and meetings whose dates passed with no word of them."""
    problems: list[rot.Problem] = []
    numbers = {m.number for m in meetings if m.number is not None}
    if numbers:
        missing = sorted(set(range(min(numbers), max(numbers))) - numbers)
        if missing:
            problems.append(rot.Problem(
                "meeting_unrecorded",
                f"meetings numbered {', '.join(map(str, missing))} have no record "
                f"(recorded: {min(numbers)} to {max(numbers)}, with gaps)",
            ))
    for m in meetings:
        last = (m.ends_on or m.starts_on).latest
        if m.status not in ("held", "cancelled") and last < as_of:
            problems.append(rot.Problem(
                "meeting_unconfirmed",
                f"meeting:{m.meeting_id} was to be held {m.starts_on.describe()}: neither held nor cancelled on record",
                (f"meeting:{m.meeting_id}",),
            ))
    return problems


def _rule_notes(body: BodyStatus, as_of: date) -> tuple[str, ...]:
    """'rule unknown' when no rule is known on `as_of`: the answer then rests on evidence alone."""
    if body.rule_on(as_of).kind != "unknown":
        return ()
    return ("rule unknown: the chair and its history come from the evidence; nothing is predicted",)


def compute_body_presidency(
    body: BodyStatus,
    organization: OrganizationStatus,
    meetings: Sequence[PresidencyMeeting],
    *,
    as_of: date,
    horizon: int = rot.DEFAULT_HORIZON,
) -> tuple[PresidencyStatus, rot.Presidency]:
    """Who chairs `body` on `as_of`, its history, who is expected next, and what deviates."""
    result = rot.compute_presidency(
        body.body_id,
        rules=body.rules,
        # A body with seats of its own (elected members of a council) draws its chairs from them.
        standings=body.seats or organization.memberships,
        names=rot.reference_names(organization.organization_id),
        handovers=body.handovers,
        overrides=body.overrides,
        meetings=meetings,
        attestations=body.attestations,
        as_of=as_of,
        horizon=horizon,
    )
    result = replace(result, problems=(*result.problems, *_meeting_problems(meetings, as_of)))
    status = PresidencyStatus(
        body_id=body.body_id,
        organization_id=body.organization_id,
        rule=describe_rule(body.rule_on(as_of)),
        current=_term(result.current) if result.current else None,
        terms=tuple(_term(t) for t in result.terms),
        expected_next=result.expected_next.state if result.expected_next else None,
        upcoming=tuple((t.state, t.start) for t in result.upcoming),
        deviations=tuple(d.describe() for d in result.deviations),
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
        notes=(*_rule_notes(body, as_of), *(p.message for p in result.problems)),
    )
    return status, result


def presidency_review_items(stream: str, result: rot.Presidency) -> list[ReviewItem]:
    """Deviations, gaps, broken handover chains and what the engine answered around, for a person to look at."""
    items = [
        ReviewItem("deviation", stream, d.describe(), (d.event_ref, *((d.swap_ref,) if d.swap_ref else ())))
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
