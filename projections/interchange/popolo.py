"""Popolo JSON (popoloproject.com): organizations and bodies, the chair, meetings, proposals.

- each organization, and each body with `parent_id` its organization; states as
  organizations classified "state" (they are the members and chairs);
- each body's chair as a Post (role "chair") with one Membership per term, the state as the
  member (`member: {"@type": "Organization", "id": ...}`);
- meetings as Events (classification "meeting", `organization_id` the body) with status and
  sources; proposals as Motions (`legislative_session_id` the meeting, `result` the status).

Dates are written at the precision Popolo's patterns accept (YYYY, YYYY-MM, YYYY-MM-DD).
What they cannot say is listed in `notes` with the object, field and our own date: that a
date is uncertain or approximate, and a Motion's `date` (Popolo wants a date-time; the
tracker knows days at best, so it is left out rather than given a made-up time). Sources
without a URL cannot be Popolo Links: they are noted too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pycountry

from tracker.events import PartialDate, party_organization
from tracker.projections.interchange.source import Snapshot
from tracker.projections.model import DevelopmentSummary

__all__ = ["POPOLO_KINDS", "build_popolo", "popolo_date"]

POPOLO_KINDS = ("organizations", "posts", "memberships", "events", "motions")
"""The collections of the export, each a list of Popolo objects of that schema."""


def popolo_date(value: PartialDate) -> str:
    """A partial date at its own precision, as Popolo's date patterns take it."""
    day = value.earliest
    if value.precision == "year":
        return f"{day.year:04d}"
    if value.precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _state_name(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    return str(getattr(country, "common_name", None) or country.name) if country is not None else code


def _party_id(code: str) -> str:
    """A party's Popolo id: a state's 'state:KAZ', an organization party's own organization id."""
    return party_organization(code) or f"state:{code}"


def _name(names: dict[str, str], fallback: str) -> str:
    return names.get("en") or next(iter(names.values()), fallback)


def _other_names(names: dict[str, str]) -> list[dict[str, Any]]:
    return [{"name": text, "note": f"name in {lang}"} for lang, text in sorted(names.items())]


class _Builder:
    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.notes: list[dict[str, str]] = []

    def date(self, obj_id: str, field: str, value: PartialDate | None) -> dict[str, str]:
        if value is None:
            return {}
        if value.uncertain or value.approximate:
            self.notes.append({"id": obj_id, "field": field,
                               "note": f"recorded as {value.text} ({value.describe()}); written as "
                                       f"{popolo_date(value)}, which cannot say it is "
                                       + " and ".join(w for w, f in (("uncertain", value.uncertain),
                                                                     ("approximate", value.approximate)) if f)})
        return {field: popolo_date(value)}

    def sources(self, obj_id: str, developments: Iterable[DevelopmentSummary]) -> dict[str, Any]:
        links: list[dict[str, str]] = []
        seen: set[str] = set()
        for dev in developments:
            for source in dev.sources:
                label = ", ".join(x for x in (source.publisher, source.title) if x)
                if not source.url:
                    self.notes.append({"id": obj_id, "field": "sources",
                                       "note": f"source without a URL (not a Popolo link): {label} ({dev.ref})"})
                    continue
                if source.url not in seen:
                    seen.add(source.url)
                    links.append({"url": source.url, "note": label})
        return {"sources": links} if links else {}

    def build(self) -> dict[str, Any]:
        snap = self.snap
        organizations: list[dict[str, Any]] = []
        states: set[str] = set()
        for org in snap.organizations:
            oid = org.organization_id
            item: dict[str, Any] = {
                "id": oid, "name": _name(org.names, oid), "classification": "intergovernmental organization",
                "other_names": _other_names(org.names),
                "identifiers": [{"scheme": scheme, "identifier": value}
                                for scheme, value in sorted(org.identifiers.items())],
                **self.date(oid, "founding_date", org.registered_on),
                **self.sources(oid, snap.developments(f"organization:{oid}")[:1]),
            }
            organizations.append(item)
            states.update(entry.state for entry in org.memberships)
        body_names: dict[str, str] = {}
        for body in snap.bodies:
            bid = body.body_id
            body_names[bid] = _name(body.names, bid)
            organizations.append({
                "id": bid, "name": body_names[bid], "classification": "body", "parent_id": body.organization_id,
                "other_names": _other_names(body.names), **self.date(bid, "founding_date", body.established_on),
                **self.sources(bid, snap.developments(f"body:{bid}")[:1]),
            })
        posts: list[dict[str, Any]] = []
        memberships: list[dict[str, Any]] = []
        for presidency in snap.presidencies:
            bid = presidency.body_id
            post_id = f"{bid}/chair"
            posts.append({"id": post_id, "label": f"Chair of {body_names.get(bid, bid)}", "role": "chair",
                          "organization_id": bid})
            for n, term in enumerate(presidency.terms, start=1):
                states.add(term.state)
                mid = f"{post_id}/{n}"
                memberships.append({
                    "id": mid, "label": f"{term.state} chairs {body_names.get(bid, bid)}", "role": "chair",
                    "member": {"@type": "Organization", "id": _party_id(term.state)},
                    "organization_id": bid, "post_id": post_id,
                    **self.date(mid, "start_date", term.start), **self.date(mid, "end_date", term.end),
                })
        organizations += [{"id": f"state:{code}", "name": _state_name(code), "classification": "state",
                           "identifiers": [{"scheme": "ISO 3166-1 alpha-3", "identifier": code}]}
                          for code in sorted(states) if party_organization(code) is None]
        events: list[dict[str, Any]] = []
        for m in snap.meetings:
            eid = f"meeting:{m.meeting_id}"
            name = f"{body_names.get(m.body_id, m.body_id)}" + (f", meeting no. {m.number}" if m.number else "")
            where = ", ".join(p for p in (m.venue, m.city, m.host_state) if p)
            events.append({
                "id": eid, "name": name, "classification": "meeting", "status": m.status,
                "organization_id": m.body_id, **({"location": where} if where else {}),
                **({"description": m.theme} if m.theme else {}),
                **self.date(eid, "start_date", m.starts_on), **self.date(eid, "end_date", m.ends_on),
                **self.sources(eid, snap.developments(eid)),
            })
        motions: list[dict[str, Any]] = []
        for p in snap.proposals:
            pid = f"proposal:{p.proposal_id}"
            self.notes.append({"id": pid, "field": "date",
                               "note": f"tabled on {p.tabled_on.describe()}; Popolo's Motion date is a date-time, "
                                       "which the tracker does not know, so it is left out"})
            motions.append({
                "id": pid, "organization_id": p.body_id or p.organization_id,
                **({"legislative_session_id": f"meeting:{p.meeting_id}"} if p.meeting_id else {}),
                "text": p.title + (f": {p.summary}" if p.summary else ""), "classification": p.kind,
                "result": p.status,
                "identifier": p.proposal_id,
                **self.sources(pid, snap.developments(pid)),
            })
        return {
            "organizations": organizations, "posts": posts, "memberships": memberships, "events": events,
            "motions": motions, "notes": self.notes,
            "meta": {"as_of": snap.as_of.isoformat(), "known_at": snap.known_at.isoformat(),
                     "proposers": {f"proposal:{p.proposal_id}": p.by_state for p in snap.proposals}},
        }


def build_popolo(snap: Snapshot) -> dict[str, Any]:
    """The snapshot as a Popolo export: one list per collection (POPOLO_KINDS), plus `notes` and `meta`."""
    return _Builder(snap).build()
