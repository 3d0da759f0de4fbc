"""A streamed report writes the same bytes as rendering the built report, in every format and scope."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

import pytest

from tests.unit.fake_read_model import demo_read_model, synthetic_read_model
from tracker.projections.reports import FORMATS, Format, build_report, render, stream_report
from tracker.projections.reports import streamed as streamed_module

AS_OF = date(2025, 3, 1)
KNOWN_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
GENERATED = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


def _as_bytes(rendered: str | bytes) -> bytes:
    return rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")


@pytest.mark.parametrize("keep", [3, 10_000])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "scope",
    [{}, {"organization_id": "sco"}, {"organization_id": "ots"}, {"since": datetime(2025, 2, 1, tzinfo=UTC)},
     {"since": date(2024, 6, 1)}, {"lang": "ru"}, {"body_id": "nobody"}],
)
def test_streamed_report_equals_the_rendered_build(fmt: Format, scope: dict[str, object], keep: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages smaller than the sections, so rows cross page boundaries and sources are numbered across pages;
    rows kept from the first pass, or too many to keep and read again."""
    monkeypatch.setattr(streamed_module, "PAGE", 2)
    monkeypatch.setattr(streamed_module, "KEEP", keep)
    args: dict[str, object] = {"as_of": AS_OF, "known_at": KNOWN_AT, "generated_at": GENERATED, **scope}
    expected = _as_bytes(render(build_report(demo_read_model(), **args), fmt))  # type: ignore[arg-type]
    pieces: list[bytes] = []
    report = stream_report(demo_read_model(), fmt, pieces.append, **args)  # type: ignore[arg-type]
    assert b"".join(pieces) == expected
    assert report.headline == build_report(demo_read_model(), **args).headline  # type: ignore[arg-type]


def test_streamed_report_writes_in_pieces() -> None:
    """A large report reaches the writer in several pieces, not one."""
    model = synthetic_read_model(400, 3)
    pieces: list[bytes] = []
    stream_report(model, "md", pieces.append, as_of=AS_OF, known_at=KNOWN_AT, generated_at=GENERATED)
    assert len(pieces) > 1
    assert b"".join(pieces) == _as_bytes(render(build_report(model, as_of=AS_OF, known_at=KNOWN_AT,
                                                             generated_at=GENERATED), "md"))


def test_rows_made_without_init_equal_inits() -> None:
    """The rows a report builds past the dataclass __init__ (for speed) have every field, equal to __init__'s."""
    report = build_report(demo_read_model(), as_of=AS_OF, known_at=KNOWN_AT, generated_at=GENERATED)
    rows = [*report.commitments, *(r.last_development for r in report.commitments), *report.sources]
    assert rows
    for row in rows:
        values = {f.name: getattr(row, f.name) for f in fields(row)}
        assert vars(row) == values  # every field set, nothing else
        assert row == type(row)(**values)
        assert hash(row) == hash(type(row)(**values))
