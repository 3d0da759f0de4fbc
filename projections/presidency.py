"""A body's presidency: the reductions mapped onto the rotation engine, and its answer onto the read model."""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import pycountry

from events import PartialDate, parse_partial_date, state_name
from projections import rotation as rot
from projections.model import ChairTerm, MeetingStatus, PresidencyStatus, ReviewItem
from projections.reduce import BodyStatus, OrganizationStatus, describe_rule

__all__ = ["compute_body_presidency", "names_for", "presidency_review_items"]


def _fuzzy(value: PartialDate) -> rot.FuzzyDate:
    return rot.FuzzyDate(value.earliest, value.latest, value.precision, value.uncertain, value.approximate)


def _partial(value: rot.FuzzyDate) -> PartialDate:
    text = {"day": value.earliest.isoformat(), "month": value.earliest.isoformat()[:7]}.get(
        value.precision, value.earliest.isoformat()[:4]
    )
    suffix = {(True, True): "%", (True, False): "?", (False, True): "~"}.get((value.uncertain, value.approximate), "")
    return parse_partial_date(text + suffix)


def names_for(organization: OrganizationStatus, language: str | None) -> rot.NamesTable:
    """The organization's own names of its states; ISO names where it has no reference file."""
    try:
        return rot.load_names(organization.organization_id)
    except ValueError:
        pass
    # No reference data: fall back on ISO names, in English and in the rule's language.
    # (For the SCO this would be wrong, which is why the SCO ships its own names.)
    states = sorted({entry.state for entry in organization.memberships})
    tables: dict[str, dict[str, str]] = {"en": {s: state_name(s) for s in states}}
    if language and language != "en":
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
            tables[language] = {s: translation.gettext(state_name(s)) for s in states}
        except OSError:
            tables[language] = tables["en"]
    return rot.NamesTable(organization.organization_id, tables)


def _inputs(body: BodyStatus, organization: OrganizationStatus, meetings: Iterable[MeetingStatus]) -> dict[str, object]:
    rules = [(entry.on.earliest, rot.rule_from_mapping(_rule_mapping(entry.rule))) for entry in body.rules]
    language = next((entry.rule.language for entry in body.rules if entry.rule.language), None)
    return {
        "rule_history": rules,
        "membership": [
            rot.MembershipChange(e.state, e.status, e.on.earliest)  # type: ignore[arg-type]
            for e in organization.memberships
        ],
        "names": names_for(organization, language),
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


def _rule_mapping(rule: object) -> dict[str, object]:
    data: dict[str, Any] = rule.model_dump(mode="python")  # type: ignore[attr-defined]
    if data.get("schedule"):
        data["terms"] = [
            {"state": t["state"], "start": t["start"].earliest, "end": t["end"].earliest if t["end"] else None}
            for t in data.pop("schedule")
        ]
    else:
        data.pop("schedule", None)
    return {k: v for k, v in data.items() if v is not None}


def compute_body_presidency(
    body: BodyStatus,
    organization: OrganizationStatus,
    meetings: Sequence[MeetingStatus],
    *,
    as_of: date,
) -> tuple[PresidencyStatus, rot.Presidency]:
    """Who chairs `body` on `as_of`, its history, who is expected next, and what deviates."""
    inputs = _inputs(body, organization, meetings)
    result = rot.compute_presidency(body.body_id, as_of=as_of, **inputs)  # type: ignore[arg-type]

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
    return items
