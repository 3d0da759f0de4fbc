"""The HTTP API on a real server process: answers equal the CLI's, cursors, ETags, writes, feeds, review decisions."""

from __future__ import annotations

import json
import subprocess
import sys
from xml.etree import ElementTree as ET

import httpx
import orjson
import pytest
from icalendar import Calendar

from tests.web.conftest import ROOT, Server

AUTH = "Authorization"


def _bearer(token: str) -> dict[str, str]:
    return {AUTH: f"Bearer {token}"}


def _cli(server: Server, *args: str) -> dict[str, object] | None:
    """The CLI's --json answer, or None when it says the entity did not exist then (exit code 1)."""
    out = subprocess.run([sys.executable, "-m", "tracker", "--database-url", server.database_url, *args, "--json"],
                         cwd=ROOT, capture_output=True, check=False)
    if out.returncode == 1:
        return None
    assert out.returncode == 0, out.stderr
    data: dict[str, object] = json.loads(out.stdout)
    return data


@pytest.mark.parametrize(("endpoint", "cli", "name"), [
    ("/api/v1/status/sco-joint-action-extremism-2018", ("status", "sco-joint-action-extremism-2018"), "status"),
    ("/api/v1/presidency/sco-prosecutors-general", ("presidency", "sco-prosecutors-general"), "presidency"),
    ("/api/v1/timeline/sco-prosecutors-general/22", ("timeline", "sco-prosecutors-general/22"), "timeline"),
])
@pytest.mark.parametrize("times", [
    {}, {"as_of": "2019-01-01"}, {"as_of": "2024-07-26", "known_at": "2020-01-01T00:00"},
])
def test_answers_equal_the_cli_for_the_same_times(
    site: Server, tokens: dict[str, str], endpoint: str, cli: tuple[str, ...], name: str, times: dict[str, str]
) -> None:
    options = [f"--{k.replace('_', '-')}={v}" for k, v in times.items()]
    expected = _cli(site, *cli, *options)
    with site.client(headers=_bearer(tokens["reader"])) as client:
        got = client.get(endpoint, params=times)
    if expected is None:  # nothing was known then: the API says so as well
        assert got.status_code == 404, got.text
        return
    assert got.status_code == 200, got.text
    answer = got.json()
    assert answer["schema"] == "tracker.api/1"
    assert answer["as_of"] == expected["as_of"]
    assert answer[name] == expected[name]


def test_review_queue_lists_the_conflict_with_a_stable_id(site: Server, tokens: dict[str, str]) -> None:
    with site.client(headers=_bearer(tokens["reader"])) as client:
        first = client.get("/api/v1/review").json()["review"]
        again = client.get("/api/v1/review").json()["review"]
    conflicts = [e for e in first if e["item"]["entity"] == "body:ots-prosecutors-general"]
    assert conflicts, first
    assert [e["item_id"] for e in first] == [e["item_id"] for e in again]
    assert all(len(e["item_id"]) == 16 for e in first)
    cli = _cli(site, "review")
    assert cli is not None
    # The CLI gives each item with its id, state and decision beside the item's own fields.
    assert {e["item_id"] for e in first} == {e["item_id"] for e in cli["review"]}
    assert {(e["item_id"], e["state"]) for e in first} == {(e["item_id"], e["state"]) for e in cli["review"]}
    expected = [{k: v for k, v in e.items() if k not in ("item_id", "state", "decision")} for e in cli["review"]]
    # The API pages by each item's stable id (cursors need a stable order); the CLI lists in the
    # read model's order. The same items, each once.
    def key(item: dict[str, object]) -> str:
        return repr(sorted(item.items()))

    assert sorted((e["item"] for e in first), key=key) == sorted(expected, key=key)


def test_cursor_pages_cover_the_list_once_in_order(site: Server, tokens: dict[str, str]) -> None:
    seen: list[str] = []
    cursor = None
    with site.client(headers=_bearer(tokens["reader"])) as client:
        everything = client.get("/api/v1/developments", params={"limit": 500}).json()["developments"]
        while True:
            params: dict[str, str | int] = {"limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/developments", params=params).json()
            seen.extend(d["ref"] for d in page["developments"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        bad = client.get("/api/v1/developments", params={"cursor": "%%%"})
    assert seen == [d["ref"] for d in everything]
    assert len(seen) == len(set(seen)) > 3
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "cursor"


def test_commitment_filters(site: Server, tokens: dict[str, str]) -> None:
    with site.client(headers=_bearer(tokens["reader"])) as client:
        every = client.get("/api/v1/commitments", params={"limit": 500}).json()["commitments"]
        kaz = client.get("/api/v1/commitments", params={"party": "Kazakhstan", "limit": 500}).json()["commitments"]
        none = client.get("/api/v1/commitments", params={"q": "no-such-text-anywhere"}).json()["commitments"]
        bad = client.get("/api/v1/commitments", params={"status": "finished"})
    assert every and all("KAZ" in c["parties"] for c in kaz)
    assert none == []
    assert bad.status_code == 422
    assert "status" in bad.json()["message"]


def test_etag_answers_not_modified_until_the_log_changes(site: Server, tokens: dict[str, str]) -> None:
    with site.client(headers=_bearer(tokens["editor"])) as client:
        first = client.get("/api/v1/presidency/sco-prosecutors-general")
        tag = first.headers["etag"]
        same = client.get("/api/v1/presidency/sco-prosecutors-general", headers={"If-None-Match": tag})
        assert same.status_code == 304
        assert same.content == b""
        client.post("/api/v1/developments", json={
            "type": "ProgressAssessed", "key": "test:etag", "commitment_id": "sco-joint-action-extremism-2018",
            "occurred_on": "2025-02-01", "level": "limited", "unsourced": True}).raise_for_status()
        changed = client.get("/api/v1/presidency/sco-prosecutors-general", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


def test_post_one_development_sets_recorded_by_from_the_account_and_is_idempotent(
    site: Server, tokens: dict[str, str]
) -> None:
    event = {"type": "ProgressAssessed", "key": "test:one", "commitment_id": "sco-joint-action-extremism-2018",
             "occurred_on": "2025-03-01", "level": "substantial", "recorded_by": "somebody-else",
             "sources": [{"publisher": "Example", "quote": "<script>alert(1)</script>"}]}
    with site.client(headers=_bearer(tokens["editor"])) as client:
        first = client.post("/api/v1/developments", json=event)
        second = client.post("/api/v1/developments", json=event)
        history = client.get("/api/v1/timeline/commitment:sco-joint-action-extremism-2018").json()["timeline"]
    assert first.status_code == 201, first.text
    assert first.json()["stored"] == 1
    assert second.status_code == 200
    assert second.json() == {"ref": first.json()["ref"], "stored": 0, "already_present": 1}
    assert first.json()["ref"] in [d["ref"] for d in history]
    shown = subprocess.run([sys.executable, "-m", "tracker", "--database-url", site.database_url, "show",
                            "sco-joint-action-extremism-2018", "--json"], cwd=ROOT, capture_output=True, check=True)
    recorded = {r["ref"]: r["event"] for r in json.loads(shown.stdout)}
    assert recorded[first.json()["ref"]]["recorded_by"] == "editor"


def test_batch_is_all_or_nothing_and_names_line_field_value(site: Server, tokens: dict[str, str]) -> None:
    good = {"type": "ProgressAssessed", "key": "test:batch-1", "commitment_id": "sco-joint-action-extremism-2018",
            "occurred_on": "2025-04-01", "level": "limited", "unsourced": True}
    bad = {**good, "key": "test:batch-2", "level": "halfway"}
    body = orjson.dumps(good) + b"\n" + orjson.dumps(bad) + b"\n"
    headers = {**_bearer(tokens["editor"]), "Content-Type": "application/x-ndjson"}
    with site.client(headers=headers) as client:
        refused = client.post("/api/v1/developments", content=body)
        after = client.get("/api/v1/timeline/commitment:sco-joint-action-extremism-2018").json()["timeline"]
        fixed = orjson.dumps(good) + b"\n" + orjson.dumps({**bad, "level": "complete"}) + b"\n"
        stored = client.post("/api/v1/developments", content=fixed)
        again = client.post("/api/v1/developments", content=fixed)
    assert refused.status_code == 422
    error = refused.json()
    assert error["line"] == 2
    assert error["problems"][0]["field"] == "level"
    assert error["problems"][0]["value"] == "halfway"
    assert not any(d["occurred_on"]["text"] == "2025-04-01" for d in after)
    assert stored.status_code == 201 and stored.json()["stored"] == 2
    assert again.json() == {"ref": None, "stored": 0, "already_present": 2}


def test_rule_violation_is_a_409_naming_the_field(site: Server, tokens: dict[str, str]) -> None:
    event = {"type": "ProgressAssessed", "commitment_id": "sco-joint-action-extremism-2018",
             "occurred_on": "2025-05-01", "level": "limited", "party": "USA", "unsourced": True}
    with site.client(headers=_bearer(tokens["editor"])) as client:
        got = client.post("/api/v1/developments", json=event)
    assert got.status_code == 409
    assert got.json()["problems"][0]["field"] == "party"
    assert got.json()["problems"][0]["value"] == "USA"


def test_review_decision_is_recorded_shown_and_reversible(site: Server, tokens: dict[str, str]) -> None:
    with site.client(headers=_bearer(tokens["reviewer"])) as client:
        items = client.get("/api/v1/review", params={"state": "open"}).json()["review"]
        item = next(e for e in items if e["item"]["entity"] == "body:ots-prosecutors-general")
        item_id, ref = item["item_id"], item["item"]["refs"][0]
        before = client.get(f"/api/v1/review/{item_id}").json()
        decided = client.post(f"/api/v1/review/{item_id}/decisions",
                              json={"decision": "preferred_source", "preferred_ref": ref, "reason": "wire is wrong"})
        assert decided.status_code == 201, decided.text
        shown = client.get(f"/api/v1/review/{item_id}").json()["review"]
        open_now = [e["item_id"] for e in client.get("/api/v1/review", params={"state": "open"}).json()["review"]]
        as_known_before = client.get(f"/api/v1/review/{item_id}",
                                     params={"known_at": before["known_at"]}).json()["review"]
        reopened = client.post(f"/api/v1/review/{item_id}/decisions",
                               json={"decision": "reopened", "reason": "new source"})
        after = client.get("/api/v1/review", params={"state": "reopened"}).json()["review"]
        wrong = client.post(f"/api/v1/review/{item_id}/decisions",
                            json={"decision": "preferred_source", "preferred_ref": "body:x#1", "reason": "r"})
    assert shown["state"] == "decided"
    assert shown["decisions"][-1]["decided_by"] == "reviewer"
    assert shown["decisions"][-1]["reason"] == "wire is wrong"
    assert item_id not in open_now
    assert as_known_before["state"] == "open"
    assert reopened.status_code == 201
    assert item_id in [e["item_id"] for e in after]
    assert wrong.status_code == 422
    assert wrong.json()["problems"][0]["field"] == "preferred_ref"


def test_atom_feed_and_calendar_feed(site: Server, tokens: dict[str, str]) -> None:
    with site.client(headers=_bearer(tokens["reader"])) as client:
        atom = client.get("/feeds/developments.atom", params={"organization": "sco"})
        one = client.get("/feeds/developments.atom", params={"commitment": "sco-joint-action-extremism-2018"})
        ics = client.get("/calendar.ics")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(atom.content).findall("a:entry", ns)
    assert entries and all(e.find("a:id", ns) is not None for e in entries)
    ids = [e.findtext("a:id", namespaces=ns) for e in ET.fromstring(one.content).findall("a:entry", ns)]
    assert ids and all("commitment:sco-joint-action-extremism-2018#" in (i or "") for i in ids)
    calendar = Calendar.from_ical(ics.content)
    uids = {str(c.get("uid")) for c in calendar.walk("VEVENT")}
    assert "meeting:sco-prosecutors-general/22@commitments-tracker" in uids


def test_openapi_document_is_served_at_a_stable_path(site: Server) -> None:
    doc = httpx.get(f"{site.base_url}/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/developments" in doc["paths"]
    assert "post" in doc["paths"]["/api/v1/developments"]
    assert all(path.startswith("/api/v1/") for path in doc["paths"])


def _verified_head(server: Server) -> str:
    """The chain head `tracker verify` prints for the server's store."""
    out = subprocess.run([sys.executable, "-m", "tracker", "--database-url", server.database_url, "verify"],
                         cwd=ROOT, capture_output=True, check=True, text=True)
    return out.stdout.rsplit("chain head ", 1)[1].strip()


def test_every_api_answer_states_the_log_position_and_chain_head(site: Server, tokens: dict[str, str]) -> None:
    with site.client(headers=_bearer(tokens["editor"])) as client:
        read = client.get("/api/v1/presidency/sco-prosecutors-general")
        paged = client.get("/api/v1/commitments")
        missing = client.get("/api/v1/status/no-such-thing")
        head = _verified_head(site)
        for answer in (read, paged, missing):
            assert answer.headers["X-Tracker-Chain-Head"] == head, answer.url
            assert int(answer.headers["X-Tracker-Log-Position"]) > 0
        assert missing.status_code == 404
        for answer in (read, paged):  # the JSON envelope says the same as the headers
            assert answer.json()["chain_head"] == head
            assert answer.json()["log_position"] == int(answer.headers["X-Tracker-Log-Position"])
        written = client.post("/api/v1/developments", json={
            "type": "ProgressAssessed", "key": "test:head", "commitment_id": "sco-joint-action-extremism-2018",
            "occurred_on": "2025-05-01", "level": "limited", "unsourced": True})
        assert written.status_code == 201, written.text
        moved = _verified_head(site)
        assert moved != head
        assert written.headers["X-Tracker-Chain-Head"] == moved  # a write states the head that includes it
        again = client.get("/api/v1/presidency/sco-prosecutors-general")
    assert again.json()["chain_head"] == again.headers["X-Tracker-Chain-Head"] == moved
    assert again.json()["log_position"] > read.json()["log_position"]
