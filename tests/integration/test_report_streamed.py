"""Through the real store, views and queries: a streamed report's bytes equal the rendered build's, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from tests.builders import event
from tracker.app import Tracker
from tracker.demo import load_demo
from tracker.projections.reports import FORMATS, build_report, render, stream_report
from tracker.projections.reports import streamed as streamed_module

RECORDED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
GENERATED = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def test_streamed_demo_reports_equal_the_rendered_builds(tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every format, now and as of a past date with changes since, answered from views and from events."""
    with time_machine.travel(RECORDED, tick=False):
        load_demo(tracker)
        # More commitments than a page and than KEEP below; one article cited twice with two
        # quotes, so a row written before the second citation still lists both (as built).
        for n in range(7):
            article = {"publisher": "Kabar", "title": f"Article {n % 3}", "url": f"https://kabar.example/{n % 3}",
                       "quote": f"quote {n}"}
            tracker.record(event("CommitmentUndertaken", f"2019-0{n + 1}-15", commitment_id=f"extra-{n}",
                                 organization_id="sco", body_id="sco-prosecutors-general", parties=["KAZ", "KGZ"],
                                 title=f"Extra {n}", text="Act", sources=[article]))
    monkeypatch.setattr(streamed_module, "PAGE", 3)  # rows cross pages; sources numbered across them
    cases: list[dict[str, object]] = [
        {"known_at": GENERATED},
        {"organization_id": "sco", "known_at": GENERATED},
        {"organization_id": "sco", "as_of": date(2024, 12, 31), "since": date(2024, 1, 1), "known_at": GENERATED},
        {"since": datetime(2026, 1, 1, tzinfo=UTC), "known_at": RECORDED},  # as known then: from the events
    ]
    for use_views, keep in ((True, 4), (True, 10_000), (False, 4)):  # rows read again, or kept from the first pass
        monkeypatch.setattr(streamed_module, "KEEP", keep)
        read_model = tracker.read_model(use_views=use_views)
        for args in cases:
            for fmt in FORMATS:
                built = build_report(read_model, generated_at=GENERATED, **args)  # type: ignore[arg-type]
                expected = render(built, fmt)
                pieces: list[bytes] = []
                stream_report(read_model, fmt, pieces.append, generated_at=GENERATED, **args)  # type: ignore[arg-type]
                got = b"".join(pieces)
                assert got == (expected if isinstance(expected, bytes) else expected.encode("utf-8")), (fmt, args)
    everything = build_report(tracker.read_model(), generated_at=GENERATED, known_at=GENERATED)
    assert len(everything.commitments) > 4  # rows to differ in, beyond one page and KEEP
    assert any(len(s.quotes) > 1 for s in everything.sources)
