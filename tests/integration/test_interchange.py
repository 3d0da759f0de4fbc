"""Exports the field speaks, checked by the standards' own rules: a strict QuickStatements V1 parser, Popolo schemas."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

from tests.builders import SOURCE
from tracker.app import Tracker
from tracker.cli import cli
from tracker.demo import load_demo
from tracker.projections.interchange.popolo import POPOLO_KINDS, build_popolo
from tracker.projections.interchange.quickstatements import CIRCA, build_quickstatements
from tracker.projections.interchange.source import QueriesReader, Snapshot, snapshot

POPOLO_SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "popolo"
PROTOCOL = "sco-prosecutors-general/22/protocol"
DECLARATION = "ots-prosecutors-general/3/bishkek-declaration"
PROTOCOL_QID = "Q4115189"  # the Wikidata sandbox item: a test needs some item for the protocol


# --- a strict parser of QuickStatements V1 -----------------------------------------------------

_ITEM = re.compile(r"^Q[1-9]\d*$")
_PROP = re.compile(r"^P[1-9]\d*$")
_SOURCE = re.compile(r"^S[1-9]\d*$")
_STRING = re.compile(r'^"[^"\t\n]*"$')
_MONOLINGUAL = re.compile(r'^[a-z]{2,3}(-[a-z0-9]+)*:"[^"\t\n]*"$')
_TIME = re.compile(r"^([+-])(\d{4,16})-(\d\d)-(\d\d)T00:00:00Z/(\d{1,2})$")
_QUANTITY = re.compile(r"^[+-]?\d+(\.\d+)?(U[1-9]\d*)?$")
_COMMENT = re.compile(r"^/\* [^\t\n]*? \*/$")


@dataclass(frozen=True)
class Command:
    """One parsed V1 command: subject, property, value, qualifiers, reference, edit summary."""

    subject: str
    prop: str
    value: str
    qualifiers: tuple[tuple[str, str], ...]
    reference: tuple[tuple[str, str], ...]
    comment: str | None


def _value(text: str, where: str) -> str:
    match = _TIME.match(text)
    if match:
        _, _year, month, day, precision = match.groups()
        p = int(precision)
        if p not in range(0, 15):
            raise ValueError(f"{where}: time precision {p} is not one of Wikidata's 0-14")
        # Wikidata writes the parts finer than the precision as 00 and nothing else.
        if p <= 9 and (month, day) != ("00", "00"):
            raise ValueError(f"{where}: year precision with month/day {month}-{day}")
        if p == 10 and (month == "00" or day != "00"):
            raise ValueError(f"{where}: month precision needs a month and day 00, got {month}-{day}")
        if p == 11:
            date(int(match.group(2)), int(month), int(day))  # a real day
        return text
    for pattern in (_ITEM, _STRING, _MONOLINGUAL, _QUANTITY):
        if pattern.match(text):
            return text
    if text in ("somevalue", "novalue"):
        return text
    raise ValueError(f"{where}: not a V1 value: {text!r}")


def parse_v1(batch: str) -> list[Command]:
    """Parse a QuickStatements V1 batch strictly: any deviation raises ValueError naming the line."""
    if not batch.endswith("\n"):
        raise ValueError("the batch must end with a newline")
    commands = []
    for number, line in enumerate(batch.splitlines(), start=1):
        where = f"line {number}"
        fields = line.split("\t")
        comment = None
        if fields and _COMMENT.match(fields[-1]):
            comment = fields.pop()[3:-3]
        if len(fields) < 3 or len(fields) % 2 == 0:
            raise ValueError(f"{where}: expected subject, property, value and pairs, got {len(fields)} fields")
        subject, prop, value, *rest = fields
        if not (_ITEM.match(subject) or subject == "LAST"):
            raise ValueError(f"{where}: subject {subject!r} is not an item")
        if not _PROP.match(prop):
            raise ValueError(f"{where}: {prop!r} is not a property")
        qualifiers: list[tuple[str, str]] = []
        reference: list[tuple[str, str]] = []
        for i in range(0, len(rest), 2):
            key, val = rest[i], _value(rest[i + 1], f"{where} field {i + 4}")
            if _PROP.match(key):
                if reference:
                    raise ValueError(f"{where}: qualifier {key} after the reference")
                qualifiers.append((key, val))
            elif _SOURCE.match(key):
                reference.append((key, val))
            else:
                raise ValueError(f"{where}: {key!r} is neither a qualifier (P) nor a source (S) property")
        commands.append(Command(subject, prop, _value(value, f"{where} value"), tuple(qualifiers), tuple(reference),
                                comment))
    return commands


def test_the_parser_is_strict() -> None:
    good = 'Q1\tP463\tQ2\tP580\t+2024-07-00T00:00:00Z/10\tS854\t"https://x.org"\tS813\t+2026-01-02T00:00:00Z/11\n'
    [command] = parse_v1(good)
    assert command.qualifiers == (("P580", "+2024-07-00T00:00:00Z/10"),)
    for bad in (
        good.rstrip("\n"),  # no final newline
        good.replace("\t", " ", 1),  # spaces are not separators
        good.replace("/10", "/11"),  # day 00 at day precision
        good.replace("+2024-07-00", "+2024-07-05"),  # a day at month precision
        good.replace('"https://x.org"', "https://x.org"),  # unquoted string
        good.replace("S854", "X854"),
        'Q1\tP463\tQ2\tS854\t"u"\tP580\t+2024-00-00T00:00:00Z/9\n',  # qualifier after the reference
        'Q1\tP463\tQ2\tP580\n',  # a qualifier without a value
        'Q1\tP1891\t"a"b"\n',  # a quote inside a string
    ):
        with pytest.raises(ValueError):
            parse_v1(bad)


# --- the store the exports are built from -------------------------------------------------------


@pytest.fixture
def demo(tracker: Tracker) -> Tracker:
    """The demo store, plus consents to the protocol and a membership that ended (through the store)."""
    load_demo(tracker)
    tracker.take_party_action(document_id=PROTOCOL, state="KAZ", action="ratification", occurred_on="2024-12",
                              sources=[{**SOURCE, "url": "https://example.org/kaz-ratified"}])
    tracker.take_party_action(document_id=PROTOCOL, state="RUS", action="acceptance", occurred_on="2025-03-10~",
                              unsourced=True)
    tracker.change_membership(organization_id="sco", state="IND", status="observer", occurred_on="2025",
                              sources=[{**SOURCE, "url": "https://example.org/ind"}])
    return tracker


def snap_of(tracker: Tracker) -> Snapshot:
    now = datetime.now(UTC)
    return snapshot(QueriesReader(tracker.read_model()), as_of=now.date(), known_at=now)


def by_triple(commands: list[Command]) -> dict[tuple[str, str, str], list[Command]]:
    out: dict[tuple[str, str, str], list[Command]] = {}
    for c in commands:
        out.setdefault((c.subject, c.prop, c.value), []).append(c)
    return out


def test_quickstatements_of_the_demo_parse_strictly_and_say_the_facts(demo: Tracker) -> None:
    export = build_quickstatements(snap_of(demo), entity_ids={f"document:{PROTOCOL}": PROTOCOL_QID})
    commands = parse_v1(export.text())
    assert len(commands) == len(export.commands) > 0
    triples = by_triple(commands)
    # Kazakhstan (Q232) a member of the SCO (Q485207) since its founding day, day precision.
    [kaz] = triples[("Q232", "P463", "Q485207")]
    assert kaz.qualifiers == (("P580", "+2001-06-15T00:00:00Z/11"),)
    # India: member from 2017-06-09 until it became an observer in 2025 (year precision), referenced.
    [ind] = triples[("Q668", "P463", "Q485207")]
    assert dict(ind.qualifiers) == {"P580": "+2017-06-09T00:00:00Z/11", "P582": "+2025-00-00T00:00:00Z/9"}
    assert ind.reference[0] == ("S854", '"https://example.org/ind"')
    assert ind.reference[1][0] == "S813" and ind.reference[1][1] == f"+{date.today().isoformat()}T00:00:00Z/11"
    # Every member state signed the protocol on 2024-07-25 (P1891 on the protocol's item).
    signed = {c.value for c in commands if c.subject == PROTOCOL_QID and c.prop == "P1891"}
    assert {"Q232", "Q148", "Q159", "Q813", "Q843"} <= signed
    assert all(dict(c.qualifiers)["P585"] == "+2024-07-25T00:00:00Z/11"
               for c in commands if c.prop == "P1891")
    # Consents are P6193, the action kept in the edit summary; month precision; approximate marked circa.
    [ratified] = triples[(PROTOCOL_QID, "P6193", "Q232")]
    assert ratified.comment == "ratification by KAZ"
    assert ratified.qualifiers == (("P585", "+2024-12-00T00:00:00Z/10"),)
    assert ratified.reference[0] == ("S854", '"https://example.org/kaz-ratified"')
    [accepted] = triples[(PROTOCOL_QID, "P6193", "Q159")]
    assert accepted.comment == "acceptance by RUS" and ("P1480", CIRCA) in accepted.qualifiers
    assert accepted.reference == ()  # recorded unsourced: no reference is made up
    # Listed, not guessed: the OTS has no Wikidata id recorded, nor has the Bishkek declaration.
    missing = {m.entity: m.left_out for m in export.missing}
    assert set(missing) == {"organization:ots", f"document:{DECLARATION}"}
    assert missing[f"document:{DECLARATION}"] == "5 signature statement(s)"
    assert not any(c.subject == "Q485207" or "ots" in c.value for c in commands)


def test_quickstatements_retrieved_is_the_sources_own_day_when_it_has_one(demo: Tracker) -> None:
    # P813 says when the page was read: the source's retrieved_on, not the day the fact was recorded.
    demo.change_membership(organization_id="sco", state="MNG", status="member", occurred_on="2024-07-04",
                           sources=[{**SOURCE, "url": "https://example.org/mng", "retrieved_on": "2024-08-01"}])
    [mng] = by_triple(parse_v1(build_quickstatements(snap_of(demo)).text()))[("Q711", "P463", "Q485207")]
    assert mng.reference == (("S854", '"https://example.org/mng"'), ("S813", "+2024-08-01T00:00:00Z/11"))


def popolo_registry() -> Registry[Any]:
    resources = []
    for path in sorted(POPOLO_SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["id"], Resource.from_contents(schema, default_specification=DRAFT3)))
    return Registry().with_resources(resources)


SCHEMA_OF = {"organizations": "organization", "posts": "post", "memberships": "membership", "events": "event",
             "motions": "motion"}


def test_popolo_export_of_the_demo_is_valid_against_popolo_schemas(demo: Tracker) -> None:
    document = build_popolo(snap_of(demo))
    document = json.loads(json.dumps(document))  # as a consumer reads it
    registry = popolo_registry()
    for kind in POPOLO_KINDS:
        schema = json.loads((POPOLO_SCHEMAS / f"{SCHEMA_OF[kind]}.json").read_text(encoding="utf-8"))
        validator = Draft3Validator(schema, registry=registry)
        assert document[kind], kind
        for item in document[kind]:
            errors = sorted(validator.iter_errors(item), key=str)
            assert not errors, (kind, item.get("id"), [e.message for e in errors])
    # The schemas check types and date patterns; the links they call URIs are checked here.
    links = [link for kind in POPOLO_KINDS for item in document[kind] for link in item.get("sources", [])]
    assert links and all(re.match(r"^https?://\S+$", link["url"]) for link in links)
    orgs = {o["id"]: o for o in document["organizations"]}
    assert orgs["sco-prosecutors-general"]["parent_id"] == "sco"
    assert orgs["sco"]["identifiers"] == [{"scheme": "wikidata", "identifier": "Q485207"}]
    assert orgs["sco-prosecutors-general"]["founding_date"] == "2002"  # recorded "2002?": year precision
    assert orgs["state:KGZ"]["classification"] == "state"
    # The chair: a Post per body, one Membership per term, the state as an Organization member.
    assert {p["id"] for p in document["posts"]} == {"sco-prosecutors-general/chair", "ots-prosecutors-general/chair"}
    terms = [m for m in document["memberships"] if m["post_id"] == "sco-prosecutors-general/chair"]
    assert [(m["member"]["id"], m.get("end_date")) for m in terms] == [("state:KGZ", "2024-07-25"),
                                                                        ("state:PAK", None)]
    assert terms[1]["start_date"] == "2024-07-25"
    # Meetings are Events with status and sources; proposals are Motions in their meeting.
    events = {e["id"]: e for e in document["events"]}
    held = events["meeting:sco-prosecutors-general/22"]
    assert held["status"] == "held" and held["start_date"] == "2024-07-25" and held["sources"]
    [motion] = document["motions"]
    assert motion["legislative_session_id"] == "meeting:sco-prosecutors-general/16"
    assert motion["result"] == "tabled" and "terrorism" in motion["text"].lower()
    # What Popolo cannot say is noted, not dropped silently.
    notes = {(n["id"], n["field"]): n["note"] for n in document["notes"]}
    assert "uncertain" in notes[("sco-prosecutors-general", "founding_date")]
    assert "date-time" in notes[("proposal:sco-internet-counterterrorism-instrument", "date")]


def test_cli_exports_quickstatements_and_popolo(demo: Tracker, tmp_path: Path, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the command line is the same on both backends; the builders are tested on both above")
    demo.close()
    ids = tmp_path / "ids.toml"
    ids.write_text(f'[ids]\n"document:{PROTOCOL}" = "{PROTOCOL_QID}"\n')
    runner = CliRunner()
    result = runner.invoke(cli, ["--database-url", database_url, "export", "--format", "quickstatements",
                                 "--wikidata-ids", str(ids)])
    assert result.exit_code == 0, result.output
    commands = parse_v1(result.stdout)
    assert any(c.subject == PROTOCOL_QID and c.prop == "P6193" for c in commands)
    assert f"no Wikidata id for document:{DECLARATION}: left out 5 signature statement(s)" in result.stderr
    out = tmp_path / "popolo.json"
    result = runner.invoke(cli, ["--database-url", database_url, "export", "--format", "popolo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["posts"]
    ids.write_text('[ids]\n"document:x" = "not-a-qid"\n')
    result = runner.invoke(cli, ["--database-url", database_url, "export", "--format", "quickstatements",
                                 "--wikidata-ids", str(ids)])
    assert result.exit_code == 2 and "not a Wikidata item id like Q485207 (value: 'not-a-qid')" in result.output
