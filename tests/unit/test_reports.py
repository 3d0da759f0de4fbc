"""Status reports: the data built from a ReadModel, and each of the four renderers."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the fake lives in tests/unit; make it importable however pytest is run
    sys.path.insert(0, str(ROOT))

from tests.unit.fake_read_model import FakeReadModel, demo_read_model, dev  # noqa: E402
from tracker.cli.report import report as report_command  # noqa: E402
from tracker.errors import InvalidInput, as_tracker_error  # noqa: E402
from tracker.events import parse_partial_date  # noqa: E402
from tracker.projections.errors import QueryRefused  # noqa: E402
from tracker.projections.reports import FORMATS, build_report, render, render_csv, render_html, render_json  # noqa: E402
from tracker.projections.reports.charts import life_axis, life_chart, presidency_chart  # noqa: E402
from tracker.projections.reports.csvout import COLUMNS  # noqa: E402
from tracker.projections.reports.data import ReportData  # noqa: E402
from tracker.projections.reports.jsonld import json_ld  # noqa: E402
from tracker.projections.reports.markdown import escape_markdown, render_markdown  # noqa: E402
from tracker.projections.safety import BIDI_CONTROLS, safe_text  # noqa: E402
from tracker.settings import Settings  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"
SCHEMA_FILE = ROOT / "projections" / "reports" / "report.schema.json"
AS_OF = date(2025, 3, 1)
KNOWN_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
GENERATED = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
SINCE = datetime(2025, 2, 1, tzinfo=UTC)
HOSTILE = (
    "<script>document.title='pwned';console.error('pwned')</script> | "
    "<img src=x onerror=alert(1)> [x](javascript:alert(1))"
)


def _report(model: FakeReadModel | None = None, **kwargs: object) -> ReportData:
    args: dict[str, object] = {"as_of": AS_OF, "known_at": KNOWN_AT, "generated_at": GENERATED}
    args.update(kwargs)
    return build_report(model or demo_read_model(), **args)  # type: ignore[arg-type]


# --- data ---------------------------------------------------------------------------------


def test_every_query_gets_the_same_as_of_known_at_and_scope() -> None:
    model = demo_read_model()
    _report(model, organization_id="sco", since=SINCE)
    assert {name for name, _ in model.calls} >= {
        "commitments", "documents", "meetings", "presidencies", "review_items", "developments", "status_changes",
    }
    for name, kwargs in model.calls:
        assert kwargs["organization_id"] == "sco", name
        if "as_of" in kwargs:
            assert kwargs["as_of"] == AS_OF, name
            assert kwargs["known_at"] == KNOWN_AT, name


def test_as_of_and_known_at_default_to_the_generated_instant() -> None:
    model = demo_read_model()
    data = build_report(model, generated_at=GENERATED)
    assert data.as_of == GENERATED.date()
    assert data.known_at == GENERATED
    assert all(kw.get("known_at", GENERATED) == GENERATED for _, kw in model.calls)


def test_since_a_datetime_is_a_record_time_and_a_date_is_a_world_date() -> None:
    model = demo_read_model()
    recorded = _report(model, since=SINCE)
    window_calls = [kw for name, kw in model.calls if name == "status_changes"]
    assert window_calls[-1]["recorded_after"] == SINCE and window_calls[-1]["occurred_after"] is None
    assert recorded.changes is not None and recorded.changes.kind == "recorded"
    assert [g.entity for g in recorded.changes.groups] == [
        "commitment:ots-information-exchange-2024",
        "commitment:sco-internet-terrorism-document-2018",
        "commitment:sco-protocol-cooperation-2024",
    ]
    deadline = recorded.changes.groups[1].entries[0]
    assert [(s.field, s.before, s.after) for s in deadline.status_changes] == [("due_on", "2019", "2025-12")]

    world = _report(model, since=date(2024, 7, 24))
    window_calls = [kw for name, kw in model.calls if name == "status_changes"]
    assert window_calls[-1]["occurred_after"] == date(2024, 7, 24) and window_calls[-1]["recorded_after"] is None
    assert world.changes is not None and world.changes.kind == "world"
    entities = {g.entity for g in world.changes.groups}
    assert "body:sco-prosecutors-general" in entities  # the chair handover on 2024-07-25
    chair = next(g for g in world.changes.groups if g.entity == "body:sco-prosecutors-general")
    assert chair.entries[0].status_changes[0].after == "PAK"


def test_no_since_means_no_changes_section() -> None:
    assert _report().changes is None
    assert "Changes since" not in render_markdown(_report())


def test_headline_counts_statuses_levels_overdue_stale_documents_and_chairs() -> None:
    h = _report().headline
    assert h.commitments == 5
    assert dict(h.by_status) == {"undertaken": 4, "fulfilled": 1, "lapsed": 0, "withdrawn": 0, "superseded": 0}
    assert dict(h.by_level)["limited"] == 2 and dict(h.by_level)["complete"] == 1
    assert (h.overdue, h.stale) == (1, 1)
    assert (h.documents, h.documents_in_force) == (2, 1)
    assert [(c.body_id, c.state, c.since.text if c.since else None) for c in h.chairs] == [
        ("ots-council-of-prosecutors-general", "KGZ", "2023-11"),
        ("sco-prosecutors-general", "PAK", "2024-07-25"),
    ]


def test_scope_to_one_organization_keeps_only_its_rows() -> None:
    data = _report(organization_id="ots", since=date(2000, 1, 1))
    assert {r.organization_id for r in data.commitments} == {"ots"}
    assert [p.body_id for p in data.presidencies] == ["ots-council-of-prosecutors-general"]
    assert data.changes is not None
    assert all("ots" in g.entity for g in data.changes.groups)
    assert data.title == "Status report: Organization of Turkic States (ots)"


def test_known_at_hides_what_was_recorded_later() -> None:
    early = _report(known_at=datetime(2024, 8, 1, 9, 15, tzinfo=UTC))
    ids = [r.commitment_id for r in early.commitments]
    assert "sco-joint-action-extremism-2018" in ids
    assert "sco-protocol-cooperation-2024" not in ids  # first recorded at 10:08


def test_sources_are_numbered_once_each_in_order_of_first_citation() -> None:
    data = _report(since=SINCE)
    numbers = [s.number for s in data.sources]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len({(s.publisher, s.url, s.title) for s in data.sources}) == len(data.sources)
    cited: set[int] = set()
    for row in data.commitments:
        cited.update(row.sources)
    for proposal in data.proposals:
        cited.update(proposal.sources)
    for doc in data.documents:
        cited.update(doc.sources)
    for m in (*data.meetings.recent, *data.meetings.upcoming):
        cited.update(m.sources)
    assert cited == set(numbers)  # every listed source is cited, and every citation resolves
    first = data.commitments[0]  # OTS sorts first; its last development cites Kabar
    assert [data.sources[n - 1].publisher for n in first.sources] == ["Kabar"]
    assert first.sources == (1,)


def test_output_does_not_depend_on_the_read_models_order() -> None:
    model = demo_read_model()
    shuffled = demo_read_model()
    rng = random.Random(7)
    for name in ("commitment_list", "document_list", "meeting_list", "presidency_list", "review_list",
                 "development_list", "change_list"):
        rng.shuffle(getattr(shuffled, name))
    a, b = _report(model, since=SINCE), _report(shuffled, since=SINCE)
    assert render_json(a) == render_json(b)
    assert render_markdown(a) == render_markdown(b)
    assert render_html(a) == render_html(b)


def test_meetings_split_into_recent_newest_first_and_upcoming() -> None:
    m = _report().meetings
    assert [r.meeting.meeting_id for r in m.upcoming] == ["sco-prosecutors-general/23"]
    recent = [r.meeting.meeting_id for r in m.recent]
    assert recent[0] in ("sco-prosecutors-general/22", "ots-council-of-prosecutors-general/3")
    assert recent[-1] == "sco-prosecutors-general/17"


def test_commitment_history_comes_in_world_order() -> None:
    row = next(r for r in _report().commitments if r.commitment_id == "sco-joint-action-extremism-2018")
    assert [p.occurred_on.text for p in row.history] == ["2018-09-20", "2019-10", "2024-07-25"]


# --- charts ---------------------------------------------------------------------------------


def test_presidency_chart_marks_deviations_and_the_open_current_term() -> None:
    data = _report()
    ots = next(p for p in data.presidencies if p.body_id.startswith("ots"))
    chart = presidency_chart(ots, AS_OF)
    assert chart is not None
    assert [(b.state, b.deviation, b.current) for b in chart.bars] == [("AZE", False, False), ("KGZ", True, True)]
    kgz = chart.bars[1]
    assert kgz.x + kgz.width == pytest.approx(chart.now_x, abs=0.2)  # the current term runs to as_of
    assert "the rule expected Kazakhstan (KAZ)" in kgz.title
    assert [t.label for t in chart.ticks][:2] == ["2022", "2023"]
    assert presidency_chart(replace(ots, terms=(), current=None), AS_OF) is None


def test_life_chart_of_a_closed_commitment_stops_at_its_last_development() -> None:
    data = _report()
    axis = life_axis(data.commitments, AS_OF)
    assert axis is not None
    fulfilled = next(r for r in data.commitments if r.status == "fulfilled")
    chart = life_chart(fulfilled, axis, AS_OF)
    assert not chart.open
    assert chart.end_x == axis.x(date(2019, 10, 1)) < chart.now_x
    overdue = next(r for r in data.commitments if r.overdue)
    assert life_chart(overdue, axis, AS_OF).overdue
    assert axis.x(date(1900, 1, 1)) == axis.left  # clamped, never drawn outside the chart


# --- markdown -------------------------------------------------------------------------------


def test_escape_markdown_neutralises_html_pipes_links_and_newlines() -> None:
    out = escape_markdown("<script>x</script> | [a](javascript:b) *c*\nd")
    assert "<" not in out and ">" not in out
    assert "&lt;script&gt;" in out
    assert "\\|" in out and "\\[a\\]" in out and "\\*c\\*" in out
    assert "\n" not in out


def test_markdown_tables_keep_their_columns_with_hostile_text() -> None:
    md = render_markdown(_report(demo_read_model(hostile=HOSTILE)))
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    table = md.split("## Commitments")[1].split("## Proposals")[0]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 6
    # An unescaped pipe would add a cell: count the separators that are not backslash-escaped.
    assert {len(re.findall(r"(?<!\\)\|", line)) for line in rows} == {10}


def test_markdown_shows_precision_overdue_and_source_links() -> None:
    md = render_markdown(_report())
    assert "about December 2024" in md  # "2024-12~", as a reader says it
    assert "**OVERDUE**" in md
    title = "Protocol signed at the XXII meeting of SCO Prosecutors General"
    assert f"[{title}](<https://www.kt.kz/rus/state/1377967080.html>)" in md
    assert "| Uzbekistan (UZB) |   | 2022-02-01 a |" in md  # UNTC: accession marked "a"


# --- golden files ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), [("demo_since.md", "md"), ("demo_since.json", "json")])
def test_golden(name: str, fmt: str) -> None:
    rendered = render(_report(since=SINCE), fmt)  # type: ignore[arg-type]
    assert isinstance(rendered, str)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8"), f"{name} changed: review, then UPDATE_GOLDEN=1 to accept"


# --- json -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{}, {"since": SINCE}, {"since": date(2018, 1, 1), "organization_id": "sco"}])
def test_json_validates_against_the_published_schema(kwargs: dict[str, object]) -> None:
    import jsonschema  # test extra; see the report's notes

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    document = json.loads(render_json(_report(demo_read_model(hostile=HOSTILE), **kwargs)))
    assert document["schema"] == "tracker.report/1"
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_schema_rejects_a_report_missing_a_section() -> None:
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    document = json.loads(render_json(_report()))
    del document["sources"]
    assert not jsonschema.Draft202012Validator(schema).is_valid(document)


def test_json_keeps_cyrillic_readable_and_dates_with_bounds() -> None:
    text = render_json(_report())
    assert "Обмен информацией" in text
    doc = json.loads(text)
    due = next(c for c in doc["commitments"] if c["commitment_id"] == "sco-protocol-cooperation-2024")["due_on"]
    assert due == {"text": "2024-12", "earliest": "2024-12-01", "latest": "2024-12-31", "precision": "month",
                   "uncertain": False, "approximate": False}


# --- csv ------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_is_utf8_with_bom_and_keeps_cyrillic() -> None:
    data = render_csv(_report())
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = [r for r in _csv_rows(data) if r["record"] == "commitment"]
    assert len(rows) == 5
    ots = next(r for r in rows if r["id"] == "ots-information-exchange-2024")
    assert ots["title"].startswith("Обмен информацией")
    assert (ots["stale"], ots["last_development_on"], ots["last_development_precision"]) == ("yes", "2025-01", "month")
    assert ots["sources"].startswith("[1] Kabar")


def test_csv_neutralises_formulas_and_keeps_commas_and_quotes_in_one_cell() -> None:
    model = demo_read_model()
    model.commitment_list[0] = replace(model.commitment_list[0], title='=HYPERLINK("http://x","a, b")')
    rows = _csv_rows(render_csv(_report(model)))
    row = next(r for r in rows if r["id"] == model.commitment_list[0].commitment_id)
    assert row["title"] == "'=HYPERLINK(\"http://x\",\"a, b\")"


# --- html -----------------------------------------------------------------------------------


def _without_json_ld(page: str) -> str:
    """The page without its one JSON-LD data block (which the JSON-LD tests check on their own)."""
    blocks = re.findall(r'<script type="application/ld\+json">.*?</script>', page, flags=re.S)
    assert len(blocks) <= 1
    return page.replace(blocks[0], "") if blocks else page


def test_html_escapes_hostile_text_everywhere() -> None:
    page = _without_json_ld(render_html(_report(demo_read_model(hostile=HOSTILE), since=SINCE)))
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;document.title=&#39;pwned&#39;" in page
    assert 'href="https://example.org/a?b=&lt;c&gt;&amp;d=(e)"' in page  # attribute escaped, still a link


def test_html_is_self_contained() -> None:
    page = _without_json_ld(render_html(_report(since=SINCE)))
    assert page.startswith("<!DOCTYPE html>")
    assert "<?xml" not in page
    # Nothing fetched: no external script, stylesheet, font, image or frame; only the Sources list links out.
    assert not re.search(r"<(script|iframe|object|embed)\b", page)
    assert not re.search(r"\bsrc\s*=", page)
    assert "@import" not in page and "url(" not in page
    assert not re.search(r"<link\b(?![^>]*rel=\"icon\" href=\"data:,\")", page)
    outbound = re.findall(r'href="(https?://[^"]+)"', page)
    sources_html = page.split('id="sources"')[1]
    assert outbound and all(url in sources_html for url in outbound)
    assert "default-src 'none'" in page


def test_html_has_charts_responsive_and_print_css() -> None:
    data = _report()
    page = render_html(data)
    assert page.count('class="chart presidency-chart"') == 2
    assert page.count('class="chart life-chart"') == len(data.commitments)
    assert "deviation" in page.split('class="chart presidency-chart"')[1]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media (max-width: 640px)" in page and "@media print" in page


# --- render and CLI -------------------------------------------------------------------------


def test_render_dispatches_every_format_and_refuses_others() -> None:
    data = _report()
    outputs = {fmt: render(data, fmt) for fmt in FORMATS}
    assert isinstance(outputs["csv"], bytes)
    assert str(outputs["md"]).startswith("# Status report")
    assert json.loads(outputs["json"])["schema"] == "tracker.report/1"
    assert str(outputs["html"]).startswith("<!DOCTYPE html>")
    with pytest.raises(QueryRefused, match="unknown report format") as refused:
        render(data, "pdf")  # type: ignore[arg-type]
    assert refused.value.problems[0][:2] == ("format", "pdf")
    assert isinstance(as_tracker_error(refused.value), InvalidInput)  # the tracker's tree at its front door


class _Obj:
    """What the CLI expects on the click context: something with read_model()."""

    def __init__(self, model: FakeReadModel) -> None:
        self.model = model

    def read_model(self) -> FakeReadModel:
        return self.model


def test_cli_writes_each_format_to_stdout() -> None:
    runner = CliRunner()
    for fmt, check in (("md", b"# Status report: Shanghai Cooperation Organisation (sco)"),
                       ("json", b'"schema": "tracker.report/1"'), ("csv", b"\xef\xbb\xbfrecord,id,"),
                       ("html", b"<!DOCTYPE html>")):
        result = runner.invoke(report_command, ["--org", "sco", "--format", fmt, "--as-of", "2025-03-01"],
                               obj=_Obj(demo_read_model()))
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.startswith(check) or check in result.stdout_bytes, fmt


def test_cli_passes_scope_and_times_to_the_read_model(tmp_path: Path) -> None:
    model = demo_read_model()
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        report_command,
        ["--body", "sco-prosecutors-general", "--format", "json", "-o", str(out), "--as-of", "2025-03-01",
         "--known-at", "2025-03-01T12:00", "--since", "2025-02-01T00:00:00+00:00"],
        obj=_Obj(model),
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["scope"] == {"organization_id": None, "body_id": "sco-prosecutors-general"}
    assert doc["known_at"] == "2025-03-01T12:00:00+00:00"  # naive input read as UTC
    assert doc["changes"]["kind"] == "recorded"
    calls = dict(model.calls)
    assert calls["commitments"]["as_of"] == date(2025, 3, 1)
    assert calls["status_changes"]["recorded_after"] == SINCE


def test_cli_since_a_bare_date_is_a_world_date() -> None:
    model = demo_read_model()
    result = CliRunner().invoke(report_command, ["--since", "2024-07-24", "--format", "json"], obj=_Obj(model))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changes"]["kind"] == "world"
    assert dict(model.calls)["status_changes"]["occurred_after"] == date(2024, 7, 24)


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "25.07.2024"], "is not a date"),
    (["--known-at", "yesterday"], "is not a date and time"),
    (["--format", "pdf"], "'pdf' is not one of"),
])
def test_cli_refuses_bad_options_with_a_clear_message(args: list[str], message: str) -> None:
    result = CliRunner().invoke(report_command, args, obj=_Obj(demo_read_model()))
    assert result.exit_code == 2
    assert message in result.output


# --- display safety (bidi and control characters) -------------------------------------------

# "Trojan Source": an override makes "2025-12" read as "21-5202", isolates hide what follows,
# and an ANSI escape would recolour (or clear) a terminal.
BIDI = "due \u202e21-5202\u202c \u2066hidden\u2069 \u200fmark\u200e \u061c\x1b[31mred\x1b[0m\x07\rover"


def _bidi_model() -> FakeReadModel:
    model = demo_read_model()
    model.commitment_list[0] = replace(model.commitment_list[0], title=BIDI)
    model.proposal_list[0] = replace(model.proposal_list[0], summary=BIDI)
    return model


def _unsafe(text: str) -> set[str]:
    return {ch for ch in text if ch in BIDI_CONTROLS or (ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) < 0xA0}


def test_safe_text_removes_bidi_and_control_characters_and_keeps_scripts() -> None:
    assert safe_text(BIDI) == "due 21-5202 hidden mark [31mred[0mover"
    assert _unsafe(safe_text(BIDI)) == set()
    for ch in BIDI_CONTROLS:
        assert safe_text(f"a{ch}b") == "ab", hex(ord(ch))
    # Right-to-left script needs no control character: it stays, as do tabs, newlines and Cyrillic.
    text = "مكافحة الإرهاب\tעברית\nОбмен информацией"  # noqa: RUF001
    assert safe_text(text) == text


@pytest.mark.parametrize("fmt", ["md", "html", "csv"])
def test_every_display_format_strips_bidi_controls(fmt: str) -> None:
    rendered = render(_report(_bidi_model(), since=SINCE), fmt)  # type: ignore[arg-type]
    text = rendered.decode("utf-8-sig") if isinstance(rendered, bytes) else rendered
    if fmt == "csv":
        text = text.replace("\r\n", "\n")  # the CSV's own row ends
    assert _unsafe(text) == set(), fmt
    assert "due 21-5202 hidden mark" in text  # shown, in stored order, without the reordering controls


def test_json_keeps_the_stored_text_exactly() -> None:
    # JSON is the machine record, not a display: it carries what was stored (escaped by the encoder).
    doc = json.loads(render_json(_report(_bidi_model())))
    assert BIDI in {c["title"] for c in doc["commitments"]}


def test_terminal_output_of_stored_text_is_safe(tmp_path: Path) -> None:
    from tests.builders import event, sco_world
    from tracker.cli import cli

    url = f"sqlite:///{tmp_path / 'bidi.sqlite'}"
    runner = CliRunner()
    hostile = BIDI + " [bold red]styled[/bold red] [link=https://evil.example]click[/link]"
    world = sco_world()
    world[-1] = {**world[-1], "title": hostile}
    world.append(event("ProgressAssessed", "2019-10-01", commitment_id="c", level="limited", note=hostile))
    for data in world:
        result = runner.invoke(cli, ["--database-url", url, "record", json.dumps(data)])
        assert result.exit_code == 0, result.output
    for args in (["status", "c"], ["timeline", "c"], ["show", "c"], ["report", "--format", "md"]):
        result = runner.invoke(cli, ["--database-url", url, *args], env={"COLUMNS": "400"})
        assert result.exit_code == 0, (args, result.output)
        assert _unsafe(result.output) == set(), args
        assert "21-5202" in result.output or args[0] == "show", args
    status = runner.invoke(cli, ["--database-url", url, "status", "c"], env={"COLUMNS": "400"}).output
    # Rich markup in stored text is shown as the text it is, not applied.
    assert "[bold red]styled[/bold red]" in status
    refused = runner.invoke(cli, ["--database-url", url, "status", "\u202ec\u202c-missing"])
    assert refused.exit_code == 1 and _unsafe(refused.output) == set()


# --- language ---------------------------------------------------------------------------------


def test_russian_catalogue_is_complete() -> None:
    from tracker.projections.reports.i18n import LOCALES

    en = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    ru = json.loads((LOCALES / "ru.json").read_text(encoding="utf-8"))
    assert sorted(set(en) - set(ru)) == []
    # Every placeholder a string fills is filled in the translation too.
    for key, text in en.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", ru[key])), key


def test_russian_report_in_every_format() -> None:
    data = _report(since=SINCE, lang="ru")
    md = render_markdown(data)
    assert md.startswith("# Отчёт о состоянии: все организации")  # noqa: RUF001
    assert "Казахстан (KAZ)" in md and "1 марта 2025 г." in md  # noqa: RUF001
    assert '<html lang="ru">' in render_html(data)
    assert json.loads(render_json(data))["lang"] == "ru"
    rows = _csv_rows(render_csv(data))
    assert rows[0]["party_names"].startswith("Азербайджан")


def test_a_third_language_is_a_catalogue_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.projections.reports import i18n

    for name in ("en.json", "ru.json"):
        (tmp_path / name).write_text((i18n.LOCALES / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "zh.json").write_text(json.dumps({"title": "状况报告：{scope}", "scope.all": "所有组织"}),  # noqa: RUF001
                                      encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    i18n._catalogue.cache_clear()
    i18n.texts.cache_clear()
    try:
        assert "zh" in i18n.languages()
        md = render_markdown(_report(lang="zh"))
        assert md.startswith("# 状况报告：所有组织")  # noqa: RUF001
        assert "哈萨克斯坦 (KAZ)" in md  # the state's name from CLDR, no translation needed
        assert "2025年3月1日" in md  # the date by the Chinese locale
        assert "## Commitments" in md  # strings the catalogue lacks fall back on English
    finally:
        i18n._catalogue.cache_clear()
        i18n.texts.cache_clear()


def test_unknown_language_is_refused_with_its_name() -> None:
    with pytest.raises(QueryRefused, match=r"lang: no report catalogue for it \(have en, ru\) \(value: 'xx'\)"):
        _report(lang="xx")
    result = CliRunner().invoke(report_command, ["--lang", "xx"], obj=_Obj(demo_read_model()))
    assert result.exit_code == 2 and "'xx' is not one of" in result.output


def test_cli_language_comes_from_the_flag_or_the_setting() -> None:
    class _WithSettings(_Obj):
        settings = Settings(report_language="ru")

    by_setting = CliRunner().invoke(report_command, ["--as-of", "2025-03-01"], obj=_WithSettings(demo_read_model()))
    assert by_setting.exit_code == 0 and by_setting.stdout.startswith("# Отчёт о состоянии")  # noqa: RUF001
    by_flag = CliRunner().invoke(report_command, ["--lang", "en"], obj=_WithSettings(demo_read_model()))
    assert by_flag.exit_code == 0 and by_flag.stdout.startswith("# Status report")


# --- marks ---------------------------------------------------------------------------------


def test_unsourced_facts_and_assumed_rules_are_marked() -> None:
    model = demo_read_model()
    model.development_list.append(
        dev("body:ots-council-of-prosecutors-general", 1, "BodyEstablished", "2021-11-01", "2024-08-01 08:00",
            "Body established: OTS Council, rotation alphabetical (en), annual")
    )
    data = _report(model)
    assert data.assumed_rules == frozenset({"ots-council-of-prosecutors-general"})
    proposal = next(p for p in data.proposals if p.proposal_id == "kgz-drug-routes-centre-2019")
    assert proposal.last_development.unsourced
    md = render_markdown(data)
    assert "alphabetical (en), annual (**assumed**: the rule was recorded without a source" in md
    assert "| 1978 days | *unsourced* |" in md
    page = render_html(data)
    assert '<span class="badge assumed"' in page and '<span class="badge unsourced">unsourced</span>' in page
    assert json.loads(render_json(data))["presidencies"][0]["rule_assumed"] is True


def test_changes_are_one_sentence_per_development_with_names_and_readable_dates() -> None:
    data = _report(since=date(2024, 7, 24))
    md = render_markdown(data)
    changes = md.split("## Changes since")[1].split("## Needs review")[0]
    assert changes.startswith(" July 24, 2024 (world date)")
    assert "The chair passed from Kyrgyzstan (KGZ) to Pakistan (PAK)." in changes
    assert "The deadline moved from 2019 to December 2025." in changes
    assert "(recorded February 10, 2025, 08:00 UTC)" in changes
    assert "→" not in changes and "due_on" not in changes  # no field diffs
    assert "### Meeting of Prosecutors General of the SCO member states\n" in changes  # grouped under names


# --- interchange: CSV date bounds and schema.org JSON-LD ---------------------------------------


def test_csv_has_earliest_and_latest_beside_every_partial_date() -> None:
    columns = list(COLUMNS)
    dated = [c for c in columns if c.endswith("_on")]
    assert dated == ["started_on", "due_on", "last_development_on"]
    for column in dated:
        at_ = columns.index(column)
        base = column.removesuffix("_on")
        assert columns[at_ + 1: at_ + 3] == [f"{base}_earliest", f"{base}_latest"], column
    rows = _csv_rows(render_csv(_report()))
    prot = next(r for r in rows if r["id"] == "sco-protocol-cooperation-2024")
    assert (prot["due_on"], prot["due_earliest"], prot["due_latest"]) == ("2024-12", "2024-12-01", "2024-12-31")
    assert (prot["last_development_on"], prot["last_development_earliest"], prot["last_development_latest"]) == (
        "2024-12~", "2024-12-01", "2024-12-31")
    proposal = next(r for r in rows if r["id"] == "kaz-internet-terrorism-2018")
    assert proposal["record"] == "proposal" and proposal["started_earliest"] == "2018-09-20"
    assert proposal["quotes"].startswith("[4] Kozhamzharov suggested")  # the quote with its citation number


def test_json_ld_is_schema_org_and_cannot_close_its_element() -> None:
    hostile = "</script><script>alert(1)</script><!-- & </SCRIPT"
    text = json_ld(_report(demo_read_model(hostile=hostile)))
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(text)
    assert data["@context"] == "https://schema.org"
    events = {n["identifier"]: n for n in data["@graph"] if n["@type"] == "Event"}
    xxii = events["sco-prosecutors-general/22"]
    assert xxii["location"]["name"] == hostile  # the stored text, intact once parsed
    assert xxii["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert xxii["location"]["address"]["addressCountry"] == "KG"
    assert events["sco-prosecutors-general/23"]["startDate"] == "2025-09"  # "2025-09?" at its ISO precision
    laws = {n["identifier"]: n for n in data["@graph"] if n["@type"] == "Legislation"}
    assert laws["sco-agreement-internet-terrorism"]["legislationDate"] == "2020-03-12"  # first signature
    assert laws["sco-agreement-internet-terrorism"]["legislationLegalForce"] == "https://schema.org/NotInForce"
    assert laws["sco-prosecutors-protocol-2024"]["legislationLegalForce"] == "https://schema.org/InForce"
    page = render_html(_report(demo_read_model(hostile=hostile)))
    assert page.count("<script") == 1 and page.count("</script>") == 1


def test_json_ld_statuses_for_rescheduled_and_cancelled_meetings() -> None:
    model = demo_read_model()
    m23 = next(i for i, m in enumerate(model.meeting_list) if m.meeting_id.endswith("/23"))
    model.meeting_list[m23] = replace(model.meeting_list[m23], status="rescheduled",
                                      previous_starts_on=(parse_partial_date("2025-06"),), format="hybrid")
    events = {n["identifier"]: n for n in json.loads(json_ld(_report(model)))["@graph"] if n["@type"] == "Event"}
    moved = events["sco-prosecutors-general/23"]
    assert moved["eventStatus"] == "https://schema.org/EventRescheduled"
    assert moved["previousStartDate"] == ["2025-06"]
    assert moved["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    model.meeting_list[m23] = replace(model.meeting_list[m23], status="cancelled")
    events = {n["identifier"]: n for n in json.loads(json_ld(_report(model)))["@graph"] if n["@type"] == "Event"}
    assert events["sco-prosecutors-general/23"]["eventStatus"] == "https://schema.org/EventCancelled"


def test_every_format_states_the_log_position_and_chain_head_in_the_reports_language() -> None:
    from tests.unit.fake_read_model import FAKE_HEAD

    head = FAKE_HEAD.chain_head or ""
    report = _report()
    assert report.log_head == FAKE_HEAD
    line = f"Log position {FAKE_HEAD.position}, chain head {head}"
    assert line in render_markdown(report)
    assert line in render_html(report)
    data = json.loads(render_json(report))
    assert (data["log_position"], data["chain_head"]) == (FAKE_HEAD.position, head)
    rows = list(csv.DictReader(io.StringIO(render_csv(report).decode("utf-8-sig"))))
    assert rows and all((r["log_position"], r["chain_head"]) == (str(FAKE_HEAD.position), head) for r in rows)
    russian = render_markdown(_report(lang="ru"))
    assert f"Позиция в журнале {FAKE_HEAD.position}, вершина цепочки {head}" in russian
