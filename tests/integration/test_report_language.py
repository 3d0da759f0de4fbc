# ruff: noqa: RUF001, RUF003  -- Russian text is the subject of these tests
"""A report in Russian words the read model's own lines in Russian too: review items, deviations, gaps, notes.

Recorded through the store (both backends): a presidency that deviates, breaks its chain and
leaves a gap, a body whose rule is unknown, a commitment closed twice and a meeting never
confirmed. Each line the read model gives carries a code; the report words it from the
catalogue, so none of its English reaches a Russian page.
"""

from __future__ import annotations

import re
from datetime import date

from tests.integration.test_presidency_store import ALPHA_RU, SCO_MEMBERS, body, ev, handover, org, record_all
from tracker.app import Tracker
from tracker.projections.model import Message
from tracker.projections.reports import build_report, render
from tracker.projections.reports.i18n import texts
from tracker.projections.reports.markdown import escape_markdown

AS_OF = date(2025, 12, 31)


def _world(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        # Russian order: Индия, Казахстан, Киргизия, Китай, Пакистан, Россия, Таджикистан, Узбекистан.
        handover("sco-pg", "2021-06-01", "IND"),
        handover("sco-pg", "2022-06-01", "PAK", "IND"),  # Kazakhstan's turn: a deviation
        handover("sco-pg", "2023-06-01", "TJK", "KGZ"),  # the chair of record was PAK: a broken chain
        body("sco-x", "sco", {"kind": "unknown"}, "2005"),
        ev("MeetingScheduled", "2024-01-10", meeting_id="sco-pg/30", body_id="sco-pg", starts_on="2024-03-01"),
        ev("MeetingScheduled", "2024-01-10", meeting_id="sco-pg/31", body_id="sco-pg", starts_on="2024-09-10"),
        ev("MeetingHeld", "2024-10-20", meeting_id="sco-pg/31"),  # outside its dates: a date conflict
    ])


def _lines(report_lang: str, tracker: Tracker) -> tuple[str, list[Message], list[Message]]:
    report = build_report(tracker.read_model(), organization_id="sco", as_of=AS_OF, lang=report_lang)
    review = [Message(r.code, r.params, r.message) for r in report.review]
    presidency = [m for p in report.presidencies for m in (*p.deviation_messages, *p.gap_messages,
                                                          *p.chain_conflict_messages, *p.note_messages)]
    return str(render(report, "md")), review, presidency


def test_the_read_models_lines_are_russian_in_a_russian_report(tracker: Tracker) -> None:
    _world(tracker)
    markdown, review, presidency = _lines("ru", tracker)
    ru = texts("ru")
    kinds = {r.kind for r in tracker.read_model().review_items(organization_id="sco", as_of=AS_OF)}
    assert {"deviation", "chain_conflict", "date_conflict", "meeting_unconfirmed"} <= kinds, kinds
    codes = {m.code for m in (*review, *presidency)}
    assert {"deviation_out_of_turn", "handover_from_another", "held_outside_day", "meeting_unconfirmed",
            "rule_unknown"} <= codes, codes
    for line in (*review, *presidency):
        assert ru.has(f"msg.{line.code}"), line
        worded = ru.message(line.code, line.params, line.text)
        assert "{" not in worded and escape_markdown(worded) in markdown  # every placeholder filled, the line shown
        assert escape_markdown(line.text) not in markdown  # the English never reaches the Russian page
    markdown = markdown.replace("\u202f", " ")  # CLDR puts a narrow no-break space before "г."
    # States by their Russian names, dates as Russian readers write them, statuses in Russian words.
    assert "председателем стало государство Пакистан (PAK), а по правилу ожидалось: Казахстан (KAZ)" in markdown
    assert "1 июня 2022 г." in markdown
    assert "заседание состоялось 20 октября 2024 г., а не в назначенный день (10 сентября 2024 г.)" in markdown
    assert "правило неизвестно: председатель и история председательства взяты из свидетельств" in markdown
    assert not re.search(r"\| (deviation|chain conflict|date conflict|meeting unconfirmed) \|", markdown)
    html = str(render(build_report(tracker.read_model(), organization_id="sco", as_of=AS_OF, lang="ru"), "html"))
    assert "по правилу ожидалось: Казахстан (KAZ)" in html and "took the chair" not in html


def test_the_english_report_words_them_from_the_same_codes(tracker: Tracker) -> None:
    _world(tracker)
    markdown, review, presidency = _lines("en", tracker)
    en = texts("en")
    for line in (*review, *presidency):
        assert escape_markdown(en.message(line.code, line.params, line.text)) in markdown
    assert "July 2022" not in markdown  # a day-precise date stays a day
    assert "June 1, 2022: Pakistan (PAK) took the chair where the rule expected Kazakhstan (KAZ)" in markdown
