"""One readable sentence per development, in the report's language, from the status changes it caused.

The read model says what a development changed as (field, before, after) triples; this module
turns them into a sentence with names beside codes and dates a person reads, from catalogue
templates keyed by the development's type. A development whose changes say too little (a
retraction, a correction) keeps the read model's own one-line summary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from tracker.events import PartialDate, parse_partial_date
from tracker.projections.model import StatusChange
from tracker.projections.reports.i18n import Texts

__all__ = ["change_sentence"]

_DOUBLE_STOP = re.compile(r"\.\.(?=\s|$)")
_INDEXED = re.compile(r"^(?P<field>[a-z_]+)\[(?P<key>[A-Z]{3}|org:[a-z0-9._-]+)\]$")  # a state or org:<id>


def _date(t: Texts, text: str | None) -> str:
    if not text:
        return ""
    try:
        value: PartialDate = parse_partial_date(text)
    except ValueError:
        return text
    return t.date(value)


def _value(t: Texts, field: str, value: str | None) -> str:
    """A field's value as words: dates by locale, states with names, machine values translated."""
    if value is None:
        return t("change.none")
    if field in ("due_on", "starts_on", "ends_on", "held_on", "deferred_until") or field.startswith("denounced"):
        return _date(t, value)
    if field in ("chair", "host_state"):
        return t.state(value)
    if field in ("supporters", "in_force_for"):
        return t.states([v.strip() for v in value.split(",") if v.strip()])
    return t.word(f"value.{field}", value)


def _generic(t: Texts, change: StatusChange) -> str:
    match = _INDEXED.match(change.field)
    label = t("field." + match["field"], state=t.state(match["key"])) if match else t.word("field", change.field)
    base = match["field"] if match else change.field
    if change.before is None:
        return t("change.set", field=label, after=_value(t, base, change.after))
    return t("change.changed", field=label, before=_value(t, base, change.before), after=_value(t, base, change.after))


def _states_now(changes: Sequence[StatusChange], field: str, statuses: tuple[str, ...]) -> list[str]:
    """States whose indexed field (party[X], membership[X]) became one of `statuses` by this development."""
    found = []
    for c in changes:
        match = _INDEXED.match(c.field)
        if match and match["field"] == field and c.after in statuses and c.before != c.after:
            found.append(match["key"])
    return found


Changes = Sequence[StatusChange]
_Phrase = Callable[[str, Changes, Texts, str], str | None]


def _indexed(changes: Changes) -> Iterator[tuple[StatusChange, re.Match[str] | None]]:
    for c in changes:
        yield c, _INDEXED.match(c.field)


def _chair(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    after = {c.field: c.after for c in changes}
    if not after.get("chair"):
        return _catalogue(key, changes, t, label)
    before = {c.field: c.before for c in changes}
    if before.get("chair"):
        return t("change.chair_from_to", before=t.state(before["chair"]), after=t.state(after["chair"]))
    return t("change.chair_to", after=t.state(after["chair"]))


def _membership(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    parts = [
        t("change.membership", state=t.state(match["key"]), status=t.word("value.membership", c.after))
        for c, match in _indexed(changes) if match and match["field"] == "membership" and c.after
    ]
    return " ".join(parts) or None


def _signed(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    signed = _states_now(changes, "party", ("signed",))
    return t(key, states=t.states(signed), title=label) if signed else None


def _party_action(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    parts = [
        t("change.party_action", state=t.state(match["key"]), status=t.word("value.party", c.after))
        for c, match in _indexed(changes) if match and c.after and c.after != c.before
    ]
    return " ".join(parts) or None


def _supported(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    after = {c.field: c.after for c in changes}
    if not after.get("supporters"):
        return _catalogue(key, changes, t, label)
    before = {c.field: c.before for c in changes}
    old = set((before.get("supporters") or "").replace(" ", "").split(","))
    new = [s.strip() for s in (after["supporters"] or "").split(",") if s.strip() and s.strip() not in old]
    return t(key, states=t.states(new)) if new else None


def _scheduled(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    after = {c.field: c.after for c in changes}
    if not after.get("starts_on"):
        return _catalogue(key, changes, t, label)
    city = after.get("city")
    place = t("change.meeting_place", city=city) if city else ""
    return t(key, date=_date(t, after["starts_on"]), place=place, title=label)


def _rescheduled(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    after = {c.field: c.after for c in changes}
    if not after.get("starts_on"):
        return _catalogue(key, changes, t, label)
    return t(key, date=_date(t, after["starts_on"]), title=label)


def _titled(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    return t(key, title=label)


def _assessed(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    parts = []
    for c, match in _indexed(changes):
        if c.field == "level" and c.after:
            parts.append(t("change.level", level=t.word("value.level", c.after)))
        elif match and match["field"] == "level" and c.after:
            parts.append(t("change.party_level", state=t.state(match["key"]), level=t.word("value.level", c.after)))
    return " ".join(parts) or None  # the summary names the level when the changes do not


def _deadline(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    after = {c.field: c.after for c in changes}
    before = {c.field: c.before for c in changes}
    if after.get("due_on") and before.get("due_on"):
        return t("change.deadline_moved", before=_date(t, before["due_on"]), after=_date(t, after["due_on"]))
    if after.get("due_on"):
        return t("change.deadline_set", after=_date(t, after["due_on"]))
    return t("change.deadline_removed")


def _summary_only(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    return None  # the summary names the target and the reason; changes say too little


def _catalogue(key: str, changes: Changes, t: Texts, label: str) -> str | None:
    return t(key, title=label) if t.has(key) else None


# A development type's phrase; a type not listed is phrased by its catalogue entry, if any.
_PHRASES: dict[str, _Phrase] = {
    "ChairmanshipHandedOver": _chair,
    "MembershipChanged": _membership,
    "DocumentSigned": _signed,
    "PartyActionTaken": _party_action,
    "ProposalSupported": _supported,
    "MeetingScheduled": _scheduled,
    "MeetingRescheduled": _rescheduled,
    "MeetingHeld": _titled,
    "ProgressAssessed": _assessed,
    "DeadlineChanged": _deadline,
    "EventRetracted": _summary_only,
    "EventCorrected": _summary_only,
}


def _specific(type_: str, changes: Changes, t: Texts, label: str) -> str | None:
    return _PHRASES.get(type_, _catalogue)("change." + type_, changes, t, label)


def change_sentence(
    type_: str, summary: str, changes: Sequence[StatusChange], t: Texts, label: str | None
) -> str:
    """One sentence saying what a development did; `summary` when its changes cannot say it."""
    text = _specific(type_, changes, t, label or "") if type_ else None
    if text is None and changes and not type_:
        text = " ".join(_generic(t, c) for c in changes)
    if text is None:
        return summary
    # A sentence ending in an abbreviated date (a Russian year abbreviation) must not end in two full stops.
    return _DOUBLE_STOP.sub(".", text)
