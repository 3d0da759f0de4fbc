"""A real `tracker serve` process on a loopback port, over a store holding the demo, a review item and accounts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from tracker.app import Tracker
from tracker.demo import demo_lines
from tracker.settings import Settings
from tracker.web.auth import ROLES, Accounts

ROOT = Path(__file__).resolve().parents[2]
# The same cost a stored hash carries is used to check it: cheap hashes keep logins fast in tests.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
CONFLICT = {
    # Türkiye "hands over" a chair Kyrgyzstan holds: the sources disagree, a review item appears.
    "type": "ChairmanshipHandedOver", "key": "test:ots-conflict", "occurred_on": "2025-01-10",
    "body_id": "ots-prosecutors-general", "from_state": "TUR", "to_state": "AZE",
    "sources": [{"publisher": "Example Wire", "title": "OTS chair passes", "quote": "Türkiye handed over the chair"}],
}


def password(role: str) -> str:
    """The test password of the account named after `role`."""
    return f"password-of-{role}"


def seed(database_url: str) -> None:
    """The demo, one conflicting handover, and one account per role (named after it)."""
    tracker = Tracker(Settings(database_url=database_url))
    try:
        tracker.import_events(demo_lines())
        tracker.record(CONFLICT)
        tracker.read_model()
        accounts = Accounts(tracker.engine, database_url, hasher=FAST_HASHER)
        accounts.ensure_schema()
        for role in ROLES:
            accounts.add_user(role, password(role), role)
    finally:
        tracker.close()


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A `tracker serve` process and its base URL."""

    process: subprocess.Popen[bytes]
    base_url: str
    database_url: str
    log: Path

    def client(self, **kwargs: object) -> httpx.Client:
        """An HTTP client on this server (no redirects followed unless asked)."""
        return httpx.Client(base_url=self.base_url, timeout=30, **kwargs)  # type: ignore[arg-type]

    def stop(self) -> None:
        """End the process (it started in its own session: only it and its children)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_server(database_url: str, log: Path, *extra: str, env: dict[str, str] | None = None) -> Server:
    """Start `tracker serve` on a free loopback port and wait until it answers."""
    port = free_port()
    environment = {**os.environ, "TRACKER_CONFIG": str(log.parent / "absent.toml"), **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--database-url", database_url, "serve", "--host", "127.0.0.1",
             "--port", str(port), *extra],
            cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", database_url, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tracker serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{server.base_url}/api/v1/openapi.json", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"tracker serve did not answer within 60 s:\n{log.read_text()}")


def login(client: httpx.Client, role: str) -> str:
    """Log `client` in as the account named after `role`; returns the session's CSRF token."""
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    done = client.post("/login", data={"csrf": token.group(1), "username": role, "password": password(role),
                                       "next": "/"})
    assert done.status_code == 303, done.text
    page = client.get("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None, page.text
    return csrf.group(1)


def api_token(database_url: str, role: str) -> str:
    """A fresh API token of the account named after `role`, scoped to that role."""
    tracker = Tracker(Settings(database_url=database_url))
    try:
        return Accounts(tracker.engine, database_url).create_token(role, role, "tests")
    finally:
        tracker.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module on a seeded SQLite store (page size 2, so paging shows on the demo)."""
    folder = tmp_path_factory.mktemp("site")
    url = f"sqlite:///{folder / 'tracker.sqlite'}"
    seed(url)
    server = start_server(url, folder / "server.log", env={"TRACKER_WEB_PAGE_SIZE": "2"})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tokens(site: Server) -> dict[str, str]:
    """An API token per role on the module's server."""
    return {role: api_token(site.database_url, role) for role in ROLES}
