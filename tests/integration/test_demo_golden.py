"""Golden reports of the real demo dataset, built through the real store, views and queries.

Record time is frozen while the demo is imported, so every recorded_at in the output is
stable; regenerate with UPDATE_GOLDEN=1 after reviewing a change.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from tracker.app import Tracker
from tracker.demo import load_demo
from tracker.projections.reports import build_report, render
from tracker.settings import Settings

GOLDEN = Path(__file__).parent / "golden"
RECORDED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
GENERATED = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Tracker:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    tracker = Tracker(Settings(database_url=f"sqlite:///{path}"))
    with time_machine.travel(RECORDED, tick=False):
        load_demo(tracker)
    return tracker


def _check(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8"), f"{name} changed: review it, then UPDATE_GOLDEN=1 to accept"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("demo-sco.md", {"organization_id": "sco"}),
        ("demo-all.md", {}),
        ("demo-sco-2024.md", {"organization_id": "sco", "as_of": date(2024, 12, 31), "since": date(2024, 1, 1)}),
    ],
)
def test_demo_markdown_is_golden(demo: Tracker, name: str, kwargs: dict[str, object]) -> None:
    report = build_report(demo.read_model(), generated_at=GENERATED, known_at=GENERATED, **kwargs)  # type: ignore[arg-type]
    _check(name, str(render(report, "md")))


def test_demo_json_is_golden_and_says_what_the_articles_say(demo: Tracker) -> None:
    report = build_report(demo.read_model(), generated_at=GENERATED, known_at=GENERATED)
    rendered = str(render(report, "json"))
    _check("demo-all.json", rendered)
    data = json.loads(rendered)
    assert data["schema"] == "tracker.report/1"
    text = rendered
    # The XXII meeting handed the SCO chair from Kyrgyzstan to Pakistan; OTS chaired by Kyrgyzstan.
    assert "PAK" in text and "KGZ" in text
    assert "sco-joint-action-extremism-2018" in text
    assert "sco-prosecutors-general/22/protocol" in text


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv"])
def test_demo_shows_the_kazakh_internet_proposal_in_every_format(demo: Tracker, fmt: str) -> None:
    report = build_report(demo.read_model(), organization_id="sco", generated_at=GENERATED, known_at=GENERATED)
    rendered = render(report, fmt)  # type: ignore[arg-type]
    text = rendered.decode("utf-8-sig") if isinstance(rendered, bytes) else rendered
    # One of the two facts the seed articles exist for: Kazakhstan's 2018 proposal, with who made it.
    assert "Joint SCO legal document on combating terrorism in the Internet space" in text
    assert "Kairat Kozhamzharov" in text
    assert "Kazakhstan" in text
    # Its source's quote is shown with the citation.
    assert "growing manifestations of cyberterrorism" in text
    row = next(p for p in report.proposals if p.proposal_id == "sco-internet-counterterrorism-instrument")
    assert (row.status, row.by_state, row.stale) == ("tabled", "KAZ", True)
    assert row.days_since == (GENERATED.date() - date(2018, 9, 20)).days


def test_demo_names_beside_codes_and_previous_chair(demo: Tracker) -> None:
    report = build_report(demo.read_model(), organization_id="sco", generated_at=GENERATED, known_at=GENERATED)
    md = str(render(report, "md"))
    assert "Meeting of Prosecutors General of the SCO member states (sco-prosecutors-general)" in md
    assert "Shanghai Cooperation Organisation (sco)" in md
    assert "Pakistan (PAK) since July 25, 2024; previously Kyrgyzstan (KGZ)" in md
    # The meeting that the chair held is shown with its chair (MeetingHeld.chaired_by).
    assert "| held | Kyrgyzstan (KGZ) |" in md
    # A chair's own term is never labelled with itself as "expected".
    presidency = md.split("## Presidency")[1].split("## Meetings")[0]
    assert "| Pakistan (PAK) | July 25, 2024 | (current) |   |" in presidency
    assert not re.search(r"\d\d:\d\d:\d\d|T\d\d:", md)  # record times to the minute, never ISO with seconds


def test_demo_russian_report_is_golden(demo: Tracker) -> None:
    kwargs = {"organization_id": "sco", "as_of": date(2024, 12, 31), "since": date(2024, 1, 1)}
    report = build_report(demo.read_model(), generated_at=GENERATED, known_at=GENERATED, lang="ru", **kwargs)  # type: ignore[arg-type]
    md = str(render(report, "md"))
    _check("demo-sco-2024.ru.md", md)
    # State names from CLDR, dates by the Russian locale, the organization's own Russian name.
    assert "Отчёт о состоянии: Шанхайская организация сотрудничества (sco)" in md  # noqa: RUF001
    assert "Пакистан (PAK) с 25 июля 2024 г.; ранее — Киргизия (KGZ)" in md  # noqa: RUF001
    assert "Председательство перешло: Киргизия (KGZ) → Пакистан (PAK)." in md
    assert "по алфавиту (ru), на одно заседание" in md  # the rule, in words
    assert "Commitment undertaken" not in md  # last developments by their Russian type names
    assert "Совещание генеральных прокуроров государств — членов ШОС" in md
    html = str(render(report, "html"))
    assert '<html lang="ru">' in html
    assert "Предложения" in html and "Kairat Kozhamzharov" in html
    csv_text = bytes(render(report, "csv")).decode("utf-8-sig")
    assert "Казахстан (KAZ): Kairat Kozhamzharov" in csv_text


def _store_world(tracker: Tracker) -> None:
    """A small history through the real store: a rescheduled meeting held under a named chair, a proposal
    supported and adopted into a commitment, a second one never decided, a rule recorded unsourced."""
    from tests.builders import event, sco_world

    world = sco_world()
    world[0]["names"] = {"en": "Shanghai Cooperation Organisation", "ru": "Шанхайская организация сотрудничества"}
    body = next(e for e in world if e["type"] == "BodyEstablished")
    body.pop("sources")
    body["unsourced"] = True
    for data in [
        *world,
        event("MeetingRescheduled", "2018-09-01", meeting_id="sco-prosecutors-general/16", starts_on="2018-09-21"),
        event("MeetingHeld", "2018-09-21", meeting_id="sco-prosecutors-general/16", chaired_by="TJK"),
        event("ProposalTabled", "2018-09-21", proposal_id="p-net", organization_id="sco",
              body_id="sco-prosecutors-general", by_state="KAZ", title="Joint document against Internet terrorism",
              sources=[{"publisher": "BNews.kz", "quote": "a joint legal document on combating terrorism"}]),
        event("ProposalSupported", "2018-09-21", proposal_id="p-net", states=["RUS", "TJK"]),
        event("ProposalAdopted", "2018-09-21", proposal_id="p-net", into_commitment_id="c"),
        event("ProposalTabled", "2018-09-21", proposal_id="p-quiet", organization_id="sco", by_state="KGZ",
              title="A centre nobody decided on"),
    ]:
        tracker.record(data)


def test_report_through_the_store_shows_proposals_names_chairs_and_schema_org(tracker: Tracker) -> None:
    _store_world(tracker)
    report = build_report(tracker.read_model(), organization_id="sco", as_of=date(2020, 1, 1))
    assert report.names["organization:sco"] == "Shanghai Cooperation Organisation"
    assert report.names["body:sco-prosecutors-general"] == "Meeting of Prosecutors General"
    proposals = {p.proposal_id: p for p in report.proposals}
    adopted, quiet = proposals["p-net"], proposals["p-quiet"]
    assert (adopted.status, adopted.supporters, adopted.became) == ("adopted", ("RUS", "TJK"), "Joint action")
    assert not adopted.stale and quiet.stale and quiet.days_since == (date(2020, 1, 1) - date(2018, 9, 21)).days
    assert report.assumed_rules == frozenset({"sco-prosecutors-general"})
    meeting = report.meetings.recent[0].meeting
    assert (meeting.chaired_by, [d.text for d in meeting.previous_starts_on]) == ("TJK", ["2018-09-20"])
    assert any("a joint legal document on combating terrorism" in q for s in report.sources for q in s.quotes)

    html = str(render(report, "html"))
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert block is not None
    graph = json.loads(block.group(1))["@graph"]
    event_ = next(n for n in graph if n["@type"] == "Event")
    assert event_["previousStartDate"] == ["2018-09-20"] and event_["startDate"] == "2018-09-21"
    assert event_["location"]["address"] == {"@type": "PostalAddress", "addressLocality": "Dushanbe",
                                             "addressCountry": "TJ"}
    assert event_["eventStatus"] == "https://schema.org/EventScheduled"

    rows = list(csv.DictReader(io.StringIO(bytes(render(report, "csv")).decode("utf-8-sig"), newline="")))
    by_id = {r["id"]: r for r in rows}
    assert by_id["p-net"]["record"] == "proposal" and by_id["c"]["record"] == "commitment"
    assert (by_id["c"]["started_on"], by_id["c"]["started_earliest"], by_id["c"]["started_latest"]) == (
        "2018-09-20", "2018-09-20", "2018-09-20")
    assert by_id["p-quiet"]["unsourced"] == "no" and by_id["p-quiet"]["stale"] == "yes"
