"""The presidency's per-meeting lines (sources disagreeing, meetings unconfirmed), through the store.

The engine words these once per meeting of a long history, so it writes their parameters
out in sorted order instead of calling `params()`; these cases hold them to what `params()`
gives, and to the English a person reads, on both backends.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.app import Tracker
from tracker.events import parse_partial_date
from tracker.projections.model import params
from tracker.projections.rotation.terms import described

SOURCE = {"publisher": "BNews.kz", "title": "SCO Prosecutors General meeting", "language": "en"}
MEMBERS = ["CHN", "IND", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]


def ev(type_: str, occurred_on: str, **fields: Any) -> dict[str, Any]:
    """One development in its JSON Lines form."""
    return {"type": type_, "occurred_on": occurred_on, "sources": [SOURCE], **fields}


def history() -> list[dict[str, Any]]:
    """KAZ takes the chair; a meeting held 2024-03 is said to be chaired by CHN; one of 2024-09~ is unconfirmed."""
    return [
        ev("OrganizationRegistered", "2001-06-15", organization_id="sco", names={"en": "SCO"}),
        *[ev("MembershipChanged", "2001-06-15", organization_id="sco", state=s, status="member") for s in MEMBERS],
        ev("BodyEstablished", "2002", body_id="sco-pg", organization_id="sco", names={"en": "PG"},
           rotation={"kind": "alphabetical", "language": "ru", "term": "per_meeting"}),
        ev("ChairmanshipHandedOver", "2023-06", body_id="sco-pg", from_state="KGZ", to_state="KAZ"),
        ev("MeetingScheduled", "2024-01", meeting_id="sco-pg/21", body_id="sco-pg", starts_on="2024-03-05",
           host_state="KGZ"),
        ev("MeetingHeld", "2024-03-05", meeting_id="sco-pg/21", chaired_by="CHN"),
        ev("MeetingScheduled", "2024-02", meeting_id="sco-pg/22", body_id="sco-pg", starts_on="2024-09~",
           host_state="KAZ"),
    ]


def test_disagreeing_and_unconfirmed_meeting_lines_carry_params_as_params_gives_them(tracker: Tracker) -> None:
    refs = [tracker.record(e).ref for e in history()]
    handed_over = refs[-4]
    model = tracker.read_model()
    for as_of in (None, date(2025, 6, 30)):  # the views now, the events as of a past day
        items = {i.kind: i for i in model.review_items(body_id="sco-pg", as_of=as_of)}
        conflict, unconfirmed = items["evidence_conflict"], items["meeting_unconfirmed"]
        since = parse_partial_date("2023-06")
        assert conflict.params == params(ref="meeting:sco-pg/21", state="CHN", when_on=parse_partial_date("2024-03-05"),
                                         chair_state="KAZ", since_on=since, since=handed_over)
        assert conflict.message == (
            f"meeting:sco-pg/21 says CHN chaired on 2024-03-05, but the records make KAZ the chair then "
            f"(since 2023-06, month precision, {handed_over}): the sources disagree"
        )
        assert unconfirmed.params == params(meeting="meeting:sco-pg/22", start_on=parse_partial_date("2024-09~"))
        assert unconfirmed.message == ("meeting:sco-pg/22 was to be held 2024-09, month precision, approximate: "
                                       "neither held nor cancelled on record")
        answer = model.presidency("sco-pg", as_of=as_of)
        assert answer is not None
        notes = {m.code: m for m in answer.note_messages}
        assert notes["evidence_disagrees"].params == conflict.params
        assert notes["meeting_unconfirmed"].params == unconfirmed.params


def test_dates_are_described_alike_when_worded_from_the_cache() -> None:
    for text in ("2024-03-05", "2024-09~", "2013?", "201X", "[2013,2014]", "2024-07/..", "2024-XX%"):
        day = parse_partial_date(text)
        assert described(day) == day.describe()
        assert described(day) == day.describe()  # and again, from the cache
