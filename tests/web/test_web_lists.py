"""Every list endpoint answers as the read model does: its scope, its filters, its pages by stable id, its 304s.

Checked on a real server process over the seeded demo store, against the store's own read model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

from tests.web.conftest import Server
from tracker.app import Tracker
from tracker.settings import Settings

AS_OF = "2025-06-30"  # a fixed world date, so the server's and the store's answers are for the same day


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _walk(client: httpx.Client, path: str, field: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of a list, page after page (2 at a time, so the cursors are exercised)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = client.get(path, params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["schema"] == "tracker.api/1" and body["as_of"] == AS_OF
        items.extend(body[field])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def _store(site: Server, ask: Callable[[Any], list[Any]]) -> list[Any]:
    tracker = Tracker(Settings(database_url=site.database_url))
    try:
        return ask(tracker.read_model())
    finally:
        tracker.close()


LISTS = [  # path (and the answer's field), the read model's query, each item's stable id
    ("commitments", "commitments", "commitment_id"),
    ("proposals", "proposals", "proposal_id"),
    ("documents", "documents", "document_id"),
    ("meetings", "meetings", "meeting_id"),
    ("presidencies", "presidencies", "body_id"),
    ("review", "review_queue", "item_id"),
]


@pytest.mark.parametrize(("path", "query", "key"), LISTS, ids=[p for p, _, _ in LISTS])
@pytest.mark.parametrize("scope", [{}, {"organization": "sco"}, {"body": "sco-prosecutors-general"}],
                         ids=["all", "org", "body"])
def test_each_list_is_the_read_models_answer_in_id_order(
    site: Server, tokens: dict[str, str], path: str, query: str, key: str, scope: dict[str, str],
) -> None:
    with site.client(headers=_bearer(tokens["reader"])) as client:
        shown = _walk(client, f"/api/v1/{path}", path, {**scope, "as_of": AS_OF})
    asked = _store(site, lambda rm: getattr(rm, query)(
        organization_id=scope.get("organization"), body_id=scope.get("body"), as_of=date.fromisoformat(AS_OF)))
    assert [item[key] for item in shown] == sorted(getattr(item, key) for item in asked)
    if not scope or path != "review":
        assert shown, (path, scope)  # the demo has some of each, in each scope


def test_commitment_filters_are_the_read_models_fields(site: Server, tokens: dict[str, str]) -> None:
    every = _store(site, lambda rm: rm.commitments(as_of=date.fromisoformat(AS_OF)))
    with site.client(headers=_bearer(tokens["reader"])) as client:
        for name in ("overdue", "stale"):
            for flag in (True, False):
                shown = _walk(client, "/api/v1/commitments", "commitments",
                              {name: str(flag).lower(), "as_of": AS_OF})
                assert [c["commitment_id"] for c in shown] == sorted(
                    c.commitment_id for c in every if getattr(c, name) == flag), (name, flag)
        kaz = _walk(client, "/api/v1/commitments", "commitments", {"party": "Kazakhstan", "as_of": AS_OF})
        assert [c["commitment_id"] for c in kaz] == sorted(c.commitment_id for c in every if "KAZ" in c.parties)
        bad = client.get("/api/v1/commitments", params={"party": "Kazakstan"})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "party" and bad.json()["problems"][0]["value"] == "Kazakstan"


def test_review_state_filter(site: Server, tokens: dict[str, str]) -> None:
    queue = _store(site, lambda rm: rm.review_queue(as_of=date.fromisoformat(AS_OF)))
    with site.client(headers=_bearer(tokens["reader"])) as client:
        for state in ("open", "decided", "reopened"):
            shown = _walk(client, "/api/v1/review", "review", {"state": state, "as_of": AS_OF})
            assert [e["item_id"] for e in shown] == sorted(e.item_id for e in queue if e.state == state)
    assert any(e.state == "open" for e in queue)


@pytest.mark.parametrize("path", ["/api/v1/commitments?party=Kazakstan", "/api/v1/proposals", "/api/v1/review",
                                  "/api/v1/status/review:0123", "/api/v1/developments"])
def test_a_stranger_learns_nothing_from_a_lists_errors(site: Server, path: str) -> None:
    with site.client() as client:
        answer = client.get(path)
    assert answer.status_code == 401  # not 422: the filters are judged only once the asker may read


@pytest.mark.parametrize("path", ["/api/v1/commitments", "/api/v1/proposals", "/api/v1/review",
                                  "/api/v1/developments", "/api/v1/presidencies", "/api/v1/status/sco"])
def test_every_read_answers_not_modified_while_the_log_stands(
    site: Server, tokens: dict[str, str], path: str,
) -> None:
    with site.client(headers=_bearer(tokens["reader"])) as client:
        first = client.get(path)
        again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert first.status_code == 200 and again.status_code == 304 and again.content == b""

