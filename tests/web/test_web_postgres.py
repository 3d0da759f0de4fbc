"""One PostgreSQL database behind two server processes: a write through one is visible through the other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.pg import require_postgres, throwaway_database
from tests.web.conftest import ROOT, api_token, seed, start_server


@pytest.mark.postgres
def test_a_write_through_one_server_is_visible_through_the_other(tmp_path: Path) -> None:
    require_postgres()
    with throwaway_database() as url:
        seed(url)
        first = start_server(url, tmp_path / "first.log")
        second = start_server(url, tmp_path / "second.log", "--workers", "2")
        try:
            editor = {"Authorization": f"Bearer {api_token(url, 'editor')}"}
            reader = {"Authorization": f"Bearer {api_token(url, 'reader')}"}
            before = httpx.get(f"{second.base_url}/api/v1/status/sco-joint-action-extremism-2018", headers=reader)
            tag = before.headers["etag"]
            written = httpx.post(f"{first.base_url}/api/v1/developments", headers=editor, json={
                "type": "CommitmentFulfilled", "key": "pg:two-servers",
                "commitment_id": "sco-joint-action-extremism-2018", "occurred_on": "2025-09-01", "unsourced": True})
            assert written.status_code == 201, written.text
            # Several requests, so both of the second server's worker processes answer at least once (likely).
            for _ in range(4):
                after = httpx.get(f"{second.base_url}/api/v1/status/sco-joint-action-extremism-2018",
                                  headers={**reader, "If-None-Match": tag})
                assert after.status_code == 200
                assert after.json()["status"]["status"] == "fulfilled"
                assert after.json()["status"]["last_development"]["ref"] == written.json()["ref"]
            page = httpx.get(f"{second.base_url}/commitments", params={"status": "fulfilled"}, headers=reader)
            assert "sco-joint-action-extremism-2018" in page.text
        finally:
            first.stop()
            second.stop()


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "tracker", "--database-url", f"sqlite:///{tmp_path / 't.sqlite'}",
                          "serve", "--workers", "3"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 1
    assert "workers" in out.stderr and "PostgreSQL" in out.stderr and "3" in out.stderr
