"""schema.org JSON-LD for the HTML report: meetings as Event, documents as Legislation.

Embedded as a `<script type="application/ld+json">` data block, which browsers parse but never
run (the page's policy also forbids scripts). The JSON is written with `<`, `>` and `&` as
\\u escapes, so no stored text can close the element (`</script>`) or open a comment.
"""

from __future__ import annotations

from typing import Any

import orjson

from tracker.projections.model import MeetingStatus
from tracker.projections.reports.data import DocumentRow, ReportData
from tracker.projections.reports.i18n import Texts, alpha2
from tracker.projections.safety import safe_text

__all__ = ["ATTENDANCE_MODES", "EVENT_STATUSES", "json_ld"]

EVENT_STATUSES: dict[str, str] = {
    "scheduled": "https://schema.org/EventScheduled",
    "rescheduled": "https://schema.org/EventRescheduled",
    "relocated": "https://schema.org/EventScheduled",
    "cancelled": "https://schema.org/EventCancelled",
    # schema.org has no "took place": a held meeting is one that happened as scheduled.
    "held": "https://schema.org/EventScheduled",
}
"""Our meeting states as schema.org EventStatusType values."""

ATTENDANCE_MODES: dict[str, str] = {
    "in_person": "https://schema.org/OfflineEventAttendanceMode",
    "virtual": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}
"""Our meeting formats as schema.org EventAttendanceModeEnumeration values."""


def _s(value: str | None) -> str | None:
    return safe_text(value) if value else None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _event(m: MeetingStatus, report: ReportData, t: Texts) -> dict[str, Any]:
    body = report.name("body", m.body_id)
    name = t("meeting.numbered", number=m.number, body=body) if m.number is not None \
        else t("meeting.unnumbered", id=m.meeting_id, body=body)
    place: dict[str, Any] | None = None
    if m.format == "virtual":
        place = {"@type": "VirtualLocation", "name": _s(m.venue) or name}
    elif m.city or m.venue or m.host_state:
        place = _clean({
            "@type": "Place",
            "name": _s(m.venue) or _s(m.city) or t.state_name(m.host_state or ""),
            "address": _clean({
                "@type": "PostalAddress",
                "addressLocality": _s(m.city),
                "addressCountry": alpha2(m.host_state) if m.host_state else None,
            }),
        })
    previous = [p.text for p in m.previous_starts_on]
    return _clean({
        "@type": "Event",
        "@id": f"#meeting-{m.meeting_id}",
        "identifier": m.meeting_id,
        "name": safe_text(name),
        # EDTF day, month or year text without its qualifier is an ISO 8601 date of that precision.
        "startDate": (m.held_on or m.starts_on).text.rstrip("?~%"),
        "endDate": m.ends_on.text.rstrip("?~%") if m.ends_on is not None else None,
        "eventStatus": EVENT_STATUSES.get(m.status, EVENT_STATUSES["scheduled"]),
        "previousStartDate": [p.rstrip("?~%") for p in previous] if previous else None,
        "eventAttendanceMode": ATTENDANCE_MODES.get(m.format),  # none for an unknown format
        "location": place,
        "organizer": {"@type": "Organization", "name": safe_text(body), "identifier": m.body_id},
        "about": _s(m.theme),
    })


def _legislation(doc: DocumentRow, report: ReportData) -> dict[str, Any]:
    signed = sorted((p.signed_on for p in doc.parties if p.signed_on is not None), key=lambda d: d.sort_key())
    when = signed[0] if signed else doc.drafted_on
    if not doc.in_force:
        force = "https://schema.org/NotInForce"
    elif doc.in_force_for:
        force = "https://schema.org/PartiallyInForce"
    else:
        force = "https://schema.org/InForce"
    return _clean({
        "@type": "Legislation",
        "@id": f"#document-{doc.document_id}",
        "identifier": doc.document_id,
        "name": safe_text(doc.title),
        "legislationType": doc.kind,
        "legislationDate": when.text.rstrip("?~%"),
        "legislationLegalForce": force,
        "legislationPassedBy": {"@type": "Organization", "name": safe_text(report.name("organization",
                                                                                          doc.organization_id))},
        "inLanguage": report.lang,
    })


def json_ld(report: ReportData) -> str:
    """The report's meetings and documents as one schema.org JSON-LD graph, safe inside a script element."""
    t = report.texts
    graph = [_event(row.meeting, report, t) for row in (*report.meetings.recent, *report.meetings.upcoming)]
    graph.extend(_legislation(doc, report) for doc in report.documents)
    text = orjson.dumps({"@context": "https://schema.org", "@graph": graph}).decode("utf-8")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
