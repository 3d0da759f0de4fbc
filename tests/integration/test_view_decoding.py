"""View rows read back without re-validation equal what pydantic's validation builds from the same documents.

Every row type the read model decodes (commitments, proposals, documents, meetings, developments)
is read straight from its view table on random histories, on SQLite and PostgreSQL, and decoded
both ways; review items, built from their typed columns, are compared with validation of those
columns. Equal values, equal reprs (same types: tuples, tzinfo, partial dates) and, for sources,
the same fields set.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Text, cast, select

from tests.builders import SOURCE, event
from tests.integration.test_rebuild_property import STEP, History
from tests.pg import require_postgres, throwaway_database, throwaway_sqlite
from tracker.app import Tracker
from tracker.demo import demo_lines
from tracker.projections.clock import FixedClock
from tracker.projections.decoding import decoder
from tracker.projections.model import (
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    MeetingStatus,
    ProposalStatus,
    ReviewItem,
)
from tracker.projections.views import (
    CommitmentViewRow,
    DevelopmentViewRow,
    DocumentViewRow,
    MeetingViewRow,
    ProposalViewRow,
    ReviewItemViewRow,
)
from tracker.settings import Settings

TODAY = datetime(2024, 6, 15, 9, tzinfo=UTC)
END = date(9999, 12, 30)
TABLES: dict[type[Any], Any] = {
    CommitmentStatus: CommitmentViewRow, ProposalStatus: ProposalViewRow, DocumentStatus: DocumentViewRow,
    MeetingStatus: MeetingViewRow, DevelopmentSummary: DevelopmentViewRow,
}
# A source citing every kind of field, so each of its conversions is read back.
FULL_SOURCE = {
    "publisher": "Journal", "url": "https://example.org/a", "archive_url": "https://web.archive.org/x/a",
    "doi": "10.1093/ejil/chy012", "file_sha256": "ab" * 32, "file_name": "a.pdf", "retrieved_on": "2024-01-02",
    "content_sha256": "cd" * 32, "title": "A title", "published_on": "2023-12~", "issue": "4", "pages": "12-14",
    "language": "en", "quote": "quoted",
}
DOCUMENT = "sco-prosecutors-general/22/protocol"
PROPOSAL = "sco-internet-counterterrorism-instrument"


def _extras() -> list[dict[str, Any]]:
    """Beyond the demo: consent, reservations, entry into force, support, deferral, rich sources."""
    return [
        event("PartyActionTaken", "2024-09", document_id=DOCUMENT, state="KGZ", action="ratification",
              sources=[FULL_SOURCE]),
        event("PartyActionTaken", "2024-10-02", document_id=DOCUMENT, state="KAZ", action="reservation",
              text="A reservation"),
        event("DocumentEnteredIntoForce", "2024?", document_id=DOCUMENT, for_states=["KGZ"]),
        event("ProposalSupported", "2019", proposal_id=PROPOSAL, states=["RUS", "CHN"], sources=[SOURCE, FULL_SOURCE]),
        event("ProposalDeferred", "2019-06", proposal_id=PROPOSAL, until="2020/2021"),
    ]


def _fields_set(value: Any) -> Any:
    """Every nested pydantic value's fields set, in the value's shape (validation and decoding must agree)."""
    if isinstance(value, BaseModel):
        return (type(value).__name__, sorted(value.model_fields_set))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [_fields_set(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, (tuple, list)):
        return [_fields_set(item) for item in value]
    return None


def assert_decoded_as_validated(tracker: Tracker) -> int:
    """Decode every view document both ways and compare; returns how many rows were compared."""
    compared = 0
    with tracker.engine.connect() as conn:
        for result, table in TABLES.items():
            decode, adapter = decoder(result), TypeAdapter(result)
            assert decode.__name__ == "decode", f"{result.__name__} has no fast plan"
            for (doc,) in conn.execute(select(cast(table.doc, Text))):
                fast, validated = decode(doc), adapter.validate_json(doc)
                assert type(fast) is result
                assert fast == validated, result.__name__
                assert repr(fast) == repr(validated), result.__name__
                assert _fields_set(fast) == _fields_set(validated), result.__name__
                compared += 1
        columns = (ReviewItemViewRow.stream, ReviewItemViewRow.kind, ReviewItemViewRow.message,
                   cast(ReviewItemViewRow.refs, Text), ReviewItemViewRow.code, cast(ReviewItemViewRow.params, Text))
        by_stream: dict[str, list[ReviewItem]] = {}
        for stream, kind, message, refs, code, params in conn.execute(select(*columns).order_by(ReviewItemViewRow.id)):
            by_stream.setdefault(stream, []).append(TypeAdapter(ReviewItem).validate_python(
                {"kind": kind, "entity": stream, "message": message, "refs": orjson.loads(refs), "code": code,
                 "params": orjson.loads(params)}))
    read = tracker.read_model()
    # The views' own read of the items (every entity: asked for the last day the views hold).
    found = {stream: items for stream, items in read._entity_items_from_views(read._ask(END, None)).items() if items}
    assert found == by_stream
    assert [repr(i) for s in sorted(found) for i in found[s]] == [repr(i) for s in sorted(found) for i in by_stream[s]]
    return compared + sum(map(len, found.values()))


def _check(database_url: str, steps: list[tuple[str, int, str, int]]) -> None:
    tracker = Tracker(Settings(database_url=database_url, batch_size=4), clock=FixedClock(TODAY))
    try:
        tracker.import_events(demo_lines())
        for data in _extras():
            tracker.record(data)
        history = History(tracker)
        for step in steps:
            history.step(*step)
        tracker.projector.catch_up()
        assert assert_decoded_as_validated(tracker) > 40
    finally:
        tracker.close()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_view_rows_decode_as_validation_builds_them_sqlite(steps: list[tuple[str, int, str, int]]) -> None:
    with throwaway_sqlite() as url:
        _check(url, steps)


@pytest.mark.postgres
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=20))
def test_view_rows_decode_as_validation_builds_them_postgres(steps: list[tuple[str, int, str, int]]) -> None:
    require_postgres()
    with throwaway_database() as url:
        _check(url, steps)


def test_a_document_of_another_layout_is_validated_and_refused_by_name() -> None:
    decode = decoder(ProposalStatus)
    with pytest.raises(ValueError, match="last_development"):
        decode(orjson.dumps({"proposal_id": "x"}))
