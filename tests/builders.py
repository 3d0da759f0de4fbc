"""Small builders for test events: realistic defaults, override what the test is about."""

from __future__ import annotations

from typing import Any

SOURCE = {"publisher": "BNews.kz", "title": "Kazakh Prosecutor General partook", "language": "en"}
SCO_2018 = ["CHN", "IND", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]


def event(type_: str, occurred_on: str = "2018-09-20", **fields: Any) -> dict[str, Any]:
    """One event in its JSON Lines form, sourced unless the test says otherwise."""
    data: dict[str, Any] = {"type": type_, "occurred_on": occurred_on, "sources": [SOURCE]}
    data.update(fields)
    return data


def sco_world(commitment_due: str | None = None) -> list[dict[str, Any]]:
    """An organization, a body, a meeting and a commitment to hang tests on."""
    extra = {"due_on": commitment_due} if commitment_due else {}
    return [
        event("OrganizationRegistered", "2001-06-15", organization_id="sco", names={"en": "SCO", "ru": "ШОС"}),
        *[
            event("MembershipChanged", "2001-06-15", organization_id="sco", state=state, status="member")
            for state in SCO_2018
        ],
        event(
            "BodyEstablished", "2002", body_id="sco-prosecutors-general", organization_id="sco",
            names={"en": "Meeting of Prosecutors General"},
            rotation={"kind": "alphabetical", "language": "ru", "term": "per_meeting"},
        ),
        event(
            "MeetingScheduled", "2018-09", meeting_id="sco-prosecutors-general/16", body_id="sco-prosecutors-general",
            number=16, city="Dushanbe", host_state="TJK", starts_on="2018-09-20",
        ),
        event(
            "CommitmentUndertaken", commitment_id="c", organization_id="sco", body_id="sco-prosecutors-general",
            parties=SCO_2018, title="Joint action", text="Consolidate efforts against extremism",
            origin={"kind": "meeting", "id": "sco-prosecutors-general/16"}, **extra,
        ),
    ]
