"""A body's presidency: the reductions handed to the rotation engine, and its answer in the read model's terms."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from tracker.events import PartialDate, Recorded, party_organization
from tracker.projections import rotation as rot
from tracker.projections.folds import BodyFold
from tracker.projections.model import ChairTerm, Message, PresidencyStatus, ReviewItem, params
from tracker.projections.reduce import BodyStatus, OrganizationStatus, body_status, describe_rule, reduce_organization
from tracker.projections.resolution import effective_events
from tracker.projections.rotation.terms import described

__all__ = [
    "PresidencyInputs", "PresidencyMeeting", "compute_body_presidency", "presidency_inputs", "presidency_review_items",
]


@dataclass(frozen=True)
class PresidencyInputs:
    """What a body's presidency is computed from, as known at the asked record time."""

    body: BodyStatus
    organization: OrganizationStatus
    party_names: Mapping[str, Mapping[str, str]]  # org:eu -> language -> its name on as_of


def presidency_inputs(
    load: Callable[[str], Sequence[Recorded]], body_stream: str, *, as_of: date, known_at: datetime | None,
) -> PresidencyInputs | None:
    """A body and its organization with every fact known at `known_at`, those taking effect after `as_of` too.

    None when the body or its organization did not exist on `as_of`. Facts dated later (a seat
    or membership from 1 January, a schedule amended from next year) shape the upcoming terms
    asked in December; the engine counts only evidence dated by `as_of` for the chair so far.
    """
    body = _body_if_established(load(body_stream), as_of=as_of, known_at=known_at)
    org_records = load(f"organization:{body.organization_id}") if body is not None else []
    if body is None or reduce_organization(org_records, as_of=as_of, known_at=known_at) is None:
        return None
    organization = reduce_organization(org_records, as_of=date.max, known_at=known_at)
    if organization is None:
        return None
    parties = {m.state for m in (*organization.memberships, *body.seats)}
    parties |= {s for h in body.handovers for s in (h.from_state, h.to_state) if s is not None}
    party_names: dict[str, Mapping[str, str]] = {}
    for party in sorted(parties):
        organization_id = party_organization(party)
        if organization_id is not None:
            found = reduce_organization(load(f"organization:{organization_id}"), as_of=as_of, known_at=known_at)
            if found is not None:
                party_names[party] = dict(found.names)
    return PresidencyInputs(body, organization, party_names)


def _body_if_established(records: Sequence[Recorded], *, as_of: date, known_at: datetime | None) -> BodyStatus | None:
    """`reduce_body(records, as_of=date.max)` when `reduce_body(records, as_of=as_of)` is not None, else None.

    One resolution and one fold instead of two (a body handing over at each of 2,500 meetings
    folded its stream twice): world order puts the events counted by `as_of` first, so the
    fold as of `as_of` is the full fold paused after them.
    """
    effective = effective_events(records, as_of=date.max, known_at=known_at)
    counted_by = bisect_right(effective, as_of, key=lambda r: r.event.occurred_on.earliest)
    state = BodyFold()
    for record in effective[:counted_by]:
        state.apply(record)
    if body_status(state) is None:
        return None
    for record in effective[counted_by:]:
        state.apply(record)
    return body_status(state)


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
                (),
                "meetings_unrecorded",
                params(numbers=", ".join(map(str, missing)), first=min(numbers), last=max(numbers)),
            ))
    for m in meetings:
        # The status first: most meetings of a long history are held, and need no date compared.
        if m.status in ("held", "cancelled") or (m.ends_on or m.starts_on).latest >= as_of:
            continue
        ref = f"meeting:{m.meeting_id}"
        problems.append(rot.Problem(
            "meeting_unconfirmed",
            f"{ref} was to be held {described(m.starts_on)}: neither held nor cancelled on record",
            (ref,),
            "meeting_unconfirmed",
            (("meeting", ref), ("start_on", m.starts_on.text)),  # params(meeting=..., start_on=...), in its order
        ))
    return problems


def _rule_notes(body: BodyStatus, as_of: date) -> tuple[Message, ...]:
    """'rule unknown' when no rule is known on `as_of`: the answer then rests on evidence alone."""
    if body.rule_on(as_of).kind != "unknown":
        return ()
    later = next((r for r in body.rules if r.on.earliest > as_of and r.rule.kind != "unknown"), None)
    if later is not None:  # known already, in force later: the upcoming terms follow it
        return (Message("rule_unknown_until", params(until_on=later.on, ref=later.ref),
                        f"rule unknown until {later.on.describe()}: the chair and its history come from the "
                        f"evidence; upcoming terms follow the rule recorded from then ({later.ref})"),)
    return (Message("rule_unknown", (), "rule unknown: the chair and its history come from the evidence; "
                                        "nothing is predicted"),)


def _gap_line(g: rot.Gap) -> Message:
    return Message(
        "gap_expected" if g.expected_state else "gap",
        params(start_day=g.start, end_day=g.end, expected_state=g.expected_state),
        f"{g.start} to {g.end}: no handover recorded"
        + (f" (the rule expected {g.expected_state})" if g.expected_state else ""),
    )


def _conflict_line(c: rot.ChainConflict) -> Message:
    return Message(
        "handover_from_another",
        params(ref=c.event_ref, from_state=c.recorded_from, when_on=c.when, chair_state=c.chair_of_record),
        f"{c.event_ref}: handed over from {c.recorded_from}, but the chair of record then was "
        f"{c.chair_of_record or 'unknown'}",
    )


def _problem_line(p: rot.Problem) -> Message:
    return Message(p.code, p.params, p.message)


def compute_body_presidency(
    body: BodyStatus,
    organization: OrganizationStatus,
    meetings: Sequence[PresidencyMeeting],
    *,
    as_of: date,
    horizon: int = rot.DEFAULT_HORIZON,
    party_names: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[PresidencyStatus, rot.Presidency]:
    """Who chairs `body` on `as_of`, its history, who is expected next, and what deviates."""
    result = rot.compute_presidency(
        body.body_id,
        rules=body.rules,
        # A body with seats of its own (elected members of a council) draws its chairs from them.
        standings=body.seats or organization.memberships,
        names=rot.reference_names(organization.organization_id),
        handovers=body.handovers,
        # A decision dated after as_of shapes the terms ahead, never one already judged.
        overrides=[o for o in body.overrides
                   if o.on.earliest <= as_of or o.term is None or o.term.earliest > as_of],
        meetings=meetings,
        attestations=body.attestations,
        as_of=as_of,
        horizon=horizon,
        party_names=party_names,
    )
    result = replace(result, problems=(*result.problems, *_meeting_problems(meetings, as_of)))
    deviations = tuple(d.message() for d in result.deviations)
    gaps = tuple(_gap_line(g) for g in result.gaps)
    conflicts = tuple(_conflict_line(c) for c in result.chain_conflicts)
    notes = (*_rule_notes(body, as_of), *(_problem_line(p) for p in result.problems))
    status = PresidencyStatus(
        body_id=body.body_id,
        organization_id=body.organization_id,
        rule=describe_rule(body.rule_on(as_of)),
        current=_term(result.current) if result.current else None,
        terms=tuple(_term(t) for t in result.terms),
        expected_next=result.expected_next.state if result.expected_next else None,
        upcoming=tuple((t.state, t.start) for t in result.upcoming),
        deviations=tuple(d.text for d in deviations),
        gaps=tuple(g.text for g in gaps),
        chain_conflicts=tuple(c.text for c in conflicts),
        notes=tuple(n.text for n in notes),
        deviation_messages=deviations,
        gap_messages=gaps,
        chain_conflict_messages=conflicts,
        note_messages=notes,
    )
    return status, result


def presidency_review_items(stream: str, result: rot.Presidency) -> list[ReviewItem]:
    """Deviations, gaps, broken handover chains and what the engine answered around, for a person to look at."""
    # The same codes as the presidency's lines: a report words both alike; the English differs
    # (and stays as it was: an item without refs is keyed on its English message).
    items = [
        ReviewItem.coded("deviation", stream, d.message(), (d.event_ref, *((d.swap_ref,) if d.swap_ref else ())))
        for d in result.deviations
    ]
    items += [
        ReviewItem.coded("gap", stream, replace(
            _gap_line(g),
            text=f"no handover recorded between {g.start} and {g.end}"
            + (f"; the rule expected {g.expected_state}" if g.expected_state else ""),
        ))
        for g in result.gaps
    ]
    items += [
        ReviewItem.coded("chain_conflict", stream, replace(
            _conflict_line(c),
            text=f"a handover from {c.recorded_from} on {c.when.describe()}, but the chair of record was "
            f"{c.chair_of_record or 'unknown'}: the sources disagree",
        ), (c.event_ref,))
        for c in result.chain_conflicts
    ]
    items += [ReviewItem.coded(p.kind, stream, _problem_line(p), p.refs) for p in result.problems]
    return items
