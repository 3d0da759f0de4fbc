"""Who may do what on a real server: the authorization matrix, CSRF, sessions, redirects, tokens, escaping."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import ROOT, Server, login, seed, start_server
from tracker.web.auth import PERMISSIONS, ROLES

ITEM = "{item}"
# (method, path, permission, body kind): every page, form and API endpoint.
ENDPOINTS = [
    ("GET", "/", "read", None),
    ("GET", "/organizations", "read", None),
    ("GET", "/bodies/sco-prosecutors-general", "read", None),
    ("GET", "/commitments", "read", None),
    ("GET", "/commitments/sco-joint-action-extremism-2018", "read", None),
    ("GET", "/meetings/sco-prosecutors-general/22", "read", None),
    ("GET", "/calendar", "read", None),
    ("GET", "/review", "read", None),
    ("GET", f"/review/{ITEM}", "read", None),
    ("GET", "/report.md", "read", None),
    ("GET", "/report.html", "read", None),
    ("GET", "/calendar.ics", "read", None),
    ("GET", "/feeds/developments.atom", "read", None),
    ("GET", "/api/v1/status/sco-joint-action-extremism-2018", "read", None),
    ("GET", "/api/v1/presidency/sco-prosecutors-general", "read", None),
    ("GET", "/api/v1/timeline/sco-prosecutors-general/22", "read", None),
    ("GET", "/api/v1/commitments", "read", None),
    ("GET", "/api/v1/proposals", "read", None),
    ("GET", "/api/v1/documents", "read", None),
    ("GET", "/api/v1/meetings", "read", None),
    ("GET", "/api/v1/presidencies", "read", None),
    ("GET", "/api/v1/developments", "read", None),
    ("GET", "/api/v1/review", "read", None),
    ("GET", f"/api/v1/review/{ITEM}", "read", None),
    ("GET", "/record", "record", None),
    ("POST", "/record", "record", "form"),
    ("POST", "/api/v1/developments", "record", "json"),
    ("POST", f"/review/{ITEM}", "review", "form"),
    ("POST", f"/api/v1/review/{ITEM}/decisions", "review", "json"),
    ("GET", "/admin", "admin", None),
    ("POST", "/admin/users", "admin", "form"),
    ("POST", "/admin/tokens", "admin", "form"),
    ("POST", "/admin/tokens/0000000000000000/revoke", "admin", "form"),
]
WHO = ("anonymous", *ROLES)


@pytest.fixture(scope="module")
def item_id(site: Server, tokens: dict[str, str]) -> str:
    """The id of the seeded review item."""
    got = httpx.get(f"{site.base_url}/api/v1/review", headers={"Authorization": f"Bearer {tokens['reader']}"})
    return str(got.json()["review"][0]["item_id"])


@pytest.fixture(scope="module")
def sessions(site: Server) -> Iterator[dict[str, tuple[httpx.Client, str]]]:
    """A logged-in browser-like client per role, with its CSRF token."""
    clients = {}
    for role in ROLES:
        client = site.client()
        clients[role] = (client, login(client, role))
    yield clients
    for client, _ in clients.values():
        client.close()


def _request(client: httpx.Client, method: str, path: str, body: str | None, csrf: str,
             headers: dict[str, str] | None = None) -> httpx.Response:
    # Bodies that pass authorization but fail validation: the matrix changes no data.
    if body == "form":
        return client.request(method, path, data={"csrf": csrf, "events": "{}", "reason": "", "username": "",
                                                  "password": "", "role": "nobody"}, headers=headers)
    if body == "json":
        return client.request(method, path, json={"not": "valid"}, headers={**(headers or {}), "X-CSRF-Token": csrf})
    return client.request(method, path, headers=headers)


@pytest.mark.parametrize("who", WHO)
def test_authorization_matrix_with_browser_sessions(
    site: Server, sessions: dict[str, tuple[httpx.Client, str]], item_id: str, who: str
) -> None:
    if who == "anonymous":
        client, csrf = site.client(), ""
    else:
        client, csrf = sessions[who]
    wrong = []
    for method, path, permission, body in ENDPOINTS:
        got = _request(client, method, path.replace(ITEM, item_id), body, csrf)
        if who == "anonymous":
            expected_refusal = 401 if method == "GET" or path.startswith("/api/") else 403
            ok = got.status_code in (401, 403) and (method == "POST" or got.status_code == expected_refusal)
        elif permission in PERMISSIONS[who]:  # type: ignore[index]
            ok = got.status_code not in (401, 403) and got.status_code < 500
        else:
            ok = got.status_code == 403
        if not ok:
            wrong.append(f"{who} {method} {path}: {got.status_code}")
    assert wrong == []


@pytest.mark.parametrize("who", WHO)
def test_authorization_matrix_with_api_tokens(
    site: Server, tokens: dict[str, str], item_id: str, who: str
) -> None:
    headers = {} if who == "anonymous" else {"Authorization": f"Bearer {tokens[who]}"}
    wrong = []
    with site.client() as client:
        for method, path, permission, body in ENDPOINTS:
            if not path.startswith("/api/"):
                continue
            got = _request(client, method, path.replace(ITEM, item_id), body, "", headers)
            if who == "anonymous":
                ok = got.status_code == 401 and got.headers.get("www-authenticate") == "Bearer"
            elif permission in PERMISSIONS[who]:  # type: ignore[index]
                ok = got.status_code not in (401, 403) and got.status_code < 500
            else:
                ok = got.status_code == 403 and got.json()["error"] == "Forbidden"
            if not ok:
                wrong.append(f"{who} {method} {path}: {got.status_code}")
    assert wrong == []


def test_forms_without_or_with_a_wrong_csrf_token_are_refused(
    site: Server, sessions: dict[str, tuple[httpx.Client, str]]
) -> None:
    client, csrf = sessions["admin"]
    event = ('{"type": "ProgressAssessed", "commitment_id": "sco-joint-action-extremism-2018", '
             '"occurred_on": "2025-06-01", "level": "limited", "unsourced": true, "key": "csrf-test"}')
    missing = client.post("/record", data={"events": event})
    wrong = client.post("/record", data={"events": event, "csrf": "x" + csrf[1:]})
    api_without = client.post("/api/v1/developments", content=event, headers={"Content-Type": "application/json"})
    other_session = site.client()
    other_csrf = login(other_session, "editor")
    crossed = client.post("/record", data={"events": event, "csrf": other_csrf})
    assert [missing.status_code, wrong.status_code, api_without.status_code, crossed.status_code] == [403] * 4
    timeline = client.get("/api/v1/timeline/commitment:sco-joint-action-extremism-2018").json()["timeline"]
    assert not any(d["occurred_on"]["text"] == "2025-06-01" for d in timeline)
    good = client.post("/record", data={"events": event, "csrf": csrf})
    assert good.status_code == 200 and "Recorded: commitment:" in good.text
    other_session.close()


def test_login_issues_a_fresh_session_id_and_logout_ends_it(site: Server) -> None:
    with site.client() as client:
        client.cookies.set("tracker_session", "attacker-chosen-value", domain="127.0.0.1")
        csrf = login(client, "reader")
        issued = client.cookies.get("tracker_session")
        assert issued and issued != "attacker-chosen-value"
        set_cookie = [h for h in client.get("/login").headers.get_list("set-cookie")]
        assert all("HttpOnly" in h and "SameSite" in h for h in set_cookie)
        with site.client() as attacker:
            attacker.cookies.set("tracker_session", "attacker-chosen-value")
            assert attacker.get("/commitments").status_code == 401
            attacker.cookies.set("tracker_session", issued)
            assert attacker.get("/commitments").status_code == 200
        out = client.post("/logout", data={"csrf": csrf})
        assert out.status_code == 303
    with site.client() as replay:
        replay.cookies.set("tracker_session", issued)
        assert replay.get("/commitments").status_code == 401


def test_session_cookie_flags(site: Server) -> None:
    with site.client() as client:
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        done = client.post("/login", data={"csrf": token.group(1), "username": "reader",
                                           "password": "password-of-reader", "next": "/"})
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith("tracker_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback; over TLS the flag is set


@pytest.mark.parametrize(("target", "expected"), [
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("/\t/evil.example", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/commitments?status=undertaken", "/commitments?status=undertaken"),
])
def test_login_never_redirects_off_site(site: Server, target: str, expected: str) -> None:
    with site.client() as client:
        form = client.get("/login", params={"next": target})
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        done = client.post("/login", data={"csrf": token.group(1), "username": "reader",
                                           "password": "password-of-reader", "next": target})
    assert done.status_code == 303
    assert done.headers["location"] == expected


def test_login_form_needs_its_csrf_token(site: Server) -> None:
    with site.client() as client:
        refused = client.post("/login", data={"username": "reader", "password": "password-of-reader"})
    assert refused.status_code == 403
    assert "tracker_session" not in refused.headers.get("set-cookie", "")


def test_stored_script_is_escaped_on_every_page_and_no_script_may_run(
    site: Server, sessions: dict[str, tuple[httpx.Client, str]]
) -> None:
    client, csrf = sessions["admin"]
    payload = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
    event = {"type": "ProgressAssessed", "key": "xss", "commitment_id": "sco-joint-action-extremism-2018",
             "occurred_on": "2025-07-01", "level": "limited", "note": payload,
             "sources": [{"publisher": payload, "title": payload, "quote": payload}]}
    client.post("/api/v1/developments", json=event, headers={"X-CSRF-Token": csrf}).raise_for_status()
    for path in ("/commitments/sco-joint-action-extremism-2018", "/", "/commitments", "/review",
                 "/feeds/developments.atom", "/report.html"):
        page = client.get(path)
        assert page.status_code == 200
        assert "<script>document.title" not in page.text, path
        assert "onerror=alert" not in page.text.replace("onerror=alert(1)&gt;", ""), path
        policy = page.headers.get("content-security-policy", "")
        if path.endswith(".atom"):
            continue
        assert "default-src 'none'" in policy and "script-src" not in policy, path
    shown = client.get("/commitments/sco-joint-action-extremism-2018").text
    assert "&lt;script&gt;document.title" in shown


def test_tokens_from_the_cli_work_until_revoked(site: Server, tmp_path: Path) -> None:
    env = {**os.environ, "TRACKER_PASSWORD": "a-long-enough-password", "TRACKER_CONFIG": str(tmp_path / "x.toml")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tracker", "--database-url", site.database_url, "users", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=False)

    assert cli("add", "robot", "--role", "editor").returncode == 0
    again = cli("add", "robot", "--role", "editor")
    assert again.returncode == 1 and "username" in again.stderr and "robot" in again.stderr
    too_much = cli("token", "robot", "--role", "admin")
    assert too_much.returncode == 1 and "role" in too_much.stderr
    token = cli("token", "robot", "--role", "reader", "--label", "dashboards").stdout.strip()
    assert token.startswith("trk_")
    listing = cli("list").stdout
    assert "robot\teditor" in listing and token not in listing and token.split("_")[1] in listing
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{site.base_url}/api/v1/review", headers=headers).status_code == 200
    assert httpx.post(f"{site.base_url}/api/v1/developments", json={}, headers=headers).status_code == 403
    assert cli("revoke", token.split("_")[1]).returncode == 0
    assert httpx.get(f"{site.base_url}/api/v1/review", headers=headers).status_code == 401


def test_public_read_only_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'public.sqlite'}"
    seed(url)
    server = start_server(url, tmp_path / "server.log", "--public")
    try:
        with server.client() as anonymous:
            assert anonymous.get("/commitments").status_code == 200
            assert anonymous.get("/api/v1/commitments").status_code == 200
            assert anonymous.get("/record").status_code == 401
            assert anonymous.post("/api/v1/developments", json={}).status_code == 401
            assert anonymous.get("/admin").status_code == 401
    finally:
        server.stop()


def test_failed_logins_are_throttled(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'throttle.sqlite'}"
    seed(url)
    server = start_server(url, tmp_path / "server.log")
    try:
        with server.client() as client:
            statuses = []
            for attempt in range(6):
                form = client.get("/login")
                token = re.search(r'name="csrf" value="([^"]+)"', form.text)
                assert token
                password = "password-of-reader" if attempt == 5 else "wrong-password"
                statuses.append(client.post("/login", data={"csrf": token.group(1), "username": "reader",
                                                            "password": password}).status_code)
        assert statuses == [401] * 5 + [429]
    finally:
        server.stop()
