"""Sources that last: local copies in the database by content, and a check of cited pages on a real HTTP server."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError
from sqlalchemy import func, select

from tests.builders import event, sco_world
from tracker.app import Tracker
from tracker.cli import cli
from tracker.errors import InvalidInput, SourceFileRefused, UnknownSourceFile
from tracker.events import Source
from tracker.sources import SOURCE_FILES, SourceFiles, check_urls, cited_urls

ORIGINAL = "<html><body>Генеральный прокурор, 2024-07-25</body></html>".encode()


@dataclass
class Site:
    """A real HTTP server on 127.0.0.1 with pages that answer, fail, change and stall."""

    base: str
    pages: dict[str, bytes] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site(base="")
    state.pages.update({"/ok": b"a page that stays the same", "/changing": ORIGINAL})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            if self.path == "/stall":
                # Headers at once, then a byte now and then: a per-read timeout never trips.
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                while not state.release.wait(0.2):
                    try:
                        self.wfile.write(b".")
                        self.wfile.flush()
                    except OSError:
                        return
                return
            if self.path.startswith("/slow/"):
                with state.lock:
                    state.in_flight += 1
                    state.most_in_flight = max(state.most_in_flight, state.in_flight)
                time.sleep(0.3)
                with state.lock:
                    state.in_flight -= 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                return
            if self.path == "/broken":
                self.send_error(500)
                return
            body = state.pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"  # nothing listens there any more: connection refused


def _stored_rows(tracker: Tracker) -> int:
    with tracker.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(SOURCE_FILES)).scalar_one())


# --- the fields ------------------------------------------------------------------------------


def test_a_source_carries_its_retrieval_day_and_content_hash_and_old_sources_still_read() -> None:
    digest = hashlib.sha256(ORIGINAL).hexdigest()
    source = Source(publisher="BNews.kz", url="https://bnews.kz/x", retrieved_on="2024-07-26", content_sha256=digest)
    assert source.retrieved_on is not None and source.retrieved_on.isoformat() == "2024-07-26"
    assert Source.model_validate(source.model_dump(mode="json")) == source
    old = Source.model_validate({"publisher": "BNews.kz", "url": "https://bnews.kz/x", "title": "t"})
    assert old.retrieved_on is None and old.content_sha256 is None
    with pytest.raises(ValidationError, match="content_sha256"):
        Source(publisher="x", archive_url="https://web.archive.org/x", content_sha256=digest)
    with pytest.raises(ValidationError, match="retrieved_on"):
        Source(publisher="x", title="printed", retrieved_on="2024-07-26")
    with pytest.raises(ValidationError, match="content_sha256"):
        Source(publisher="x", url="https://bnews.kz/x", content_sha256="ABC")
    with pytest.raises(ValidationError, match="extra"):
        Source.model_validate({"publisher": "x", "retrieved": "2024-07-26"})


def test_the_new_fields_are_stored_and_read_back_through_the_tracker(tracker: Tracker) -> None:
    digest = hashlib.sha256(ORIGINAL).hexdigest()
    cited = {"publisher": "BNews.kz", "url": "https://bnews.kz/x", "retrieved_on": "2024-07-26",
             "content_sha256": digest}
    tracker.register_organization(organization_id="sco", names={"en": "SCO"}, occurred_on="2001-06-15",
                                  sources=[cited])
    stored = tracker.history("sco")[0].event.sources[0]
    assert stored.content_sha256 == digest and str(stored.retrieved_on) == "2024-07-26"


# --- local copies in the database --------------------------------------------------------------


def test_add_then_get_gives_back_the_same_bytes_and_the_same_content_is_stored_once(
    tracker: Tracker, tmp_path: Path
) -> None:
    content = os.urandom(2_500_000) + bytes(range(256))  # past the read chunk, every byte value
    original = tmp_path / "protocol-2024.pdf"
    original.write_bytes(content)
    files = SourceFiles(tracker.engine, max_bytes=10_000_000)
    first = files.add(original)
    assert first.stored and first.sha256 == hashlib.sha256(content).hexdigest()
    assert (first.name, first.media_type, first.size) == ("protocol-2024.pdf", "application/pdf", len(content))
    assert first.sha256 == Source.for_file(original, "SCO").file_sha256  # one digest for citing and storing
    assert files.content(first.sha256) == content

    again = tmp_path / "renamed.bin"
    again.write_bytes(content)
    second = files.add(again)
    assert not second.stored and second.sha256 == first.sha256 and second.name == "protocol-2024.pdf"
    assert _stored_rows(tracker) == 1
    # A second handle on the same database sees the table and the copy (created idempotently).
    assert SourceFiles(tracker.engine, max_bytes=1).info(first.sha256.upper()).size == len(content)


def test_a_file_past_the_size_limit_is_refused_naming_it_and_nothing_is_stored(
    tracker: Tracker, tmp_path: Path
) -> None:
    files = SourceFiles(tracker.engine, max_bytes=1000)
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"x" * 1000)
    assert files.add(exact).size == 1000
    large = tmp_path / "large.txt"
    large.write_bytes(b"y" * 1001)
    with pytest.raises(SourceFileRefused) as caught:
        files.add(large)
    field_name, value, message = caught.value.problems[0]
    assert (field_name, value) == ("file", str(large))
    assert "1001 bytes" in message and "1000 bytes" in message and "TRACKER_SOURCE_FILE_MAX_BYTES" in message
    assert _stored_rows(tracker) == 1
    with pytest.raises(SourceFileRefused, match="not a regular file"):
        files.add(tmp_path)


def test_an_unknown_or_malformed_digest_is_named(tracker: Tracker) -> None:
    files = SourceFiles(tracker.engine, max_bytes=1000)
    with pytest.raises(UnknownSourceFile) as unknown:
        files.content("ab" * 32)
    assert unknown.value.problems[0][:2] == ("sha256", "ab" * 32)
    with pytest.raises(InvalidInput) as malformed:
        files.info("not-a-digest")
    assert malformed.value.problems[0][:2] == ("sha256", "not-a-digest")


# --- checking cited pages ---------------------------------------------------------------------


def _cite(tracker: Tracker, site: Site, gone: str) -> None:
    sources = [
        {"publisher": "A", "url": site.url("/ok"), "content_sha256": hashlib.sha256(site.pages["/ok"]).hexdigest()},
        {"publisher": "B", "url": site.url("/changing"), "retrieved_on": "2024-07-26",
         "content_sha256": hashlib.sha256(ORIGINAL).hexdigest()},
        {"publisher": "C", "url": site.url("/missing"), "archive_url": site.url("/ok")},
        {"publisher": "D", "url": site.url("/broken")},
        {"publisher": "E", "url": gone},
    ]
    tracker.register_organization(organization_id="sco", names={"en": "SCO"}, occurred_on="2001-06-15",
                                  sources=sources)
    tracker.establish_body(body_id="b", organization_id="sco", names={"en": "B"}, occurred_on="2002",
                           rotation={"kind": "alphabetical", "language": "ru", "term": "per_meeting"},
                           sources=[{"publisher": "F", "url": site.url("/stall")},
                                    {"publisher": "A", "url": site.url("/ok")}])


def test_check_reports_pages_that_fail_change_or_stall(tracker: Tracker, site: Site) -> None:
    gone = _closed_port_url()
    _cite(tracker, site, gone)
    site.pages["/changing"] = ORIGINAL + b"<!-- edited -->"
    urls = cited_urls(tracker.iter_log())
    assert [u.url for u in urls] == [site.url(p) for p in ("/ok", "/changing", "/missing", "/broken")] + [
        gone, site.url("/stall")]
    assert urls[0].fields == {"url", "archive_url"}
    assert urls[0].cited_by == ["organization:sco#1", "body:b#1"]

    started = time.monotonic()
    results = {r.url: r for r in check_urls(urls, timeout=1.0, deadline=20.0, concurrency=3)}
    assert time.monotonic() - started < 10
    assert results[site.url("/ok")].outcome == "ok"
    assert results[site.url("/ok")].sha256 == hashlib.sha256(site.pages["/ok"]).hexdigest()
    changed = results[site.url("/changing")]
    assert changed.outcome == "changed" and changed.status == 200
    assert changed.sha256 == hashlib.sha256(site.pages["/changing"]).hexdigest()
    assert (results[site.url("/missing")].outcome, results[site.url("/missing")].status) == ("failed", 404)
    assert (results[site.url("/broken")].outcome, results[site.url("/broken")].status) == ("failed", 500)
    assert results[gone].outcome == "unreachable" and "Connect" in results[gone].detail
    stalled = results[site.url("/stall")]
    assert stalled.outcome == "timeout" and stalled.seconds < 5

    site.pages["/changing"] = ORIGINAL  # restored: the recorded hash matches again
    again = check_urls(cited_urls(tracker.iter_log()), timeout=1.0, deadline=20.0)
    assert {r.url: r.outcome for r in again}[site.url("/changing")] == "ok"


def test_check_ends_by_its_deadline_and_says_what_it_did_not_reach(tracker: Tracker, site: Site) -> None:
    _cite(tracker, site, _closed_port_url())
    started = time.monotonic()
    results = {r.url: r for r in check_urls(cited_urls(tracker.iter_log()), timeout=60.0, deadline=1.5)}
    assert time.monotonic() - started < 5
    assert results[site.url("/stall")].outcome == "not checked"
    assert "deadline" in results[site.url("/stall")].detail
    assert results[site.url("/ok")].outcome == "ok"
    with pytest.raises(InvalidInput) as bad:
        check_urls([], timeout=0)
    assert bad.value.problems[0][:2] == ("timeout", 0)


def test_check_asks_at_most_concurrency_pages_at_once(tracker: Tracker, site: Site) -> None:
    slow = [{"publisher": "S", "url": site.url(f"/slow/{n}")} for n in range(6)]
    tracker.register_organization(organization_id="sco", names={"en": "SCO"}, occurred_on="2001-06-15", sources=slow)
    results = check_urls(cited_urls(tracker.iter_log()), timeout=5.0, deadline=20.0, concurrency=2)
    assert [r.outcome for r in results] == ["ok"] * 6
    assert site.most_in_flight == 2


def test_recording_goes_on_while_a_check_waits_on_the_network(tracker: Tracker, site: Site) -> None:
    for data in sco_world():
        tracker.record(data)
    tracker.record(event("MeetingHeld", meeting_id="sco-prosecutors-general/16",
                         sources=[{"publisher": "F", "url": site.url("/stall")}]))
    done: list[str] = []
    checker = threading.Thread(
        target=lambda: done.extend(r.outcome for r in check_urls(cited_urls(tracker.iter_log()),
                                                                  timeout=3.0, deadline=8.0)))
    checker.start()
    time.sleep(0.5)
    assert checker.is_alive()  # the check is waiting on the stalled page...
    started = time.monotonic()
    result = tracker.record(event("ProgressAssessed", commitment_id="c", party="KAZ", level="limited"))
    assert result.stored and time.monotonic() - started < 2  # ...and recording is not held up by it
    assert checker.is_alive()
    checker.join(10)
    assert done == ["timeout"]


# --- the command line ---------------------------------------------------------------------------


def test_the_sources_commands_end_to_end(database_url: str, site: Site, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--database-url", database_url]
    for data in sco_world():
        assert runner.invoke(cli, [*base, "record", json.dumps(data)]).exit_code == 0
    copy = tmp_path / "bnews.html"
    copy.write_bytes(ORIGINAL)
    added = runner.invoke(cli, [*base, "sources", "add", str(copy), "--publisher", "BNews.kz",
                                "--url", site.url("/changing"), "--retrieved-on", "2024-07-26"])
    assert added.exit_code == 0, added.output
    assert "Stored: bnews.html" in added.stderr
    cited = Source.model_validate_json(added.stdout)
    assert cited.file_sha256 == hashlib.sha256(ORIGINAL).hexdigest() and cited.file_name == "bnews.html"
    again = runner.invoke(cli, [*base, "sources", "add", str(copy), "--publisher", "BNews.kz"])
    assert again.exit_code == 0 and "Already stored" in again.stderr

    with_hash = {**cited.model_dump(mode="json", exclude_none=True), "content_sha256": cited.file_sha256}
    held = event("MeetingHeld", meeting_id="sco-prosecutors-general/16", sources=[with_hash])
    assert runner.invoke(cli, [*base, "record", json.dumps(held)]).exit_code == 0

    out = tmp_path / "restored" / "copy.html"
    got = runner.invoke(cli, [*base, "sources", "get", cited.file_sha256 or "", "-o", str(out), "--mkdir"])
    assert got.exit_code == 0, got.output
    assert out.read_bytes() == ORIGINAL
    refused = runner.invoke(cli, [*base, "sources", "get", cited.file_sha256 or "", "-o", str(out)])
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    missing = runner.invoke(cli, [*base, "sources", "get", "0" * 64, "-o", str(tmp_path / "x")])
    assert missing.exit_code == 1 and "no stored source file" in missing.stderr

    fine = runner.invoke(cli, [*base, "sources", "check", "--json", "--timeout", "2"])
    assert fine.exit_code == 0, fine.output
    answer = json.loads(fine.stdout)
    assert answer["schema"] == "tracker.cli/1"
    assert [(r["url"], r["outcome"]) for r in answer["sources_check"]] == [(site.url("/changing"), "ok")]

    site.pages["/changing"] = b"<html>moved</html>"
    changed = runner.invoke(cli, [*base, "sources", "check", "--timeout", "2"])
    assert changed.exit_code == 3
    assert changed.stdout.startswith("changed") and "sco-prosecutors-general/16#" in changed.stdout

    big = tmp_path / "big.bin"
    big.write_bytes(b"z" * 2048)
    too_big = runner.invoke(cli, [*base, "sources", "add", str(big), "--publisher", "X"],
                            env={"TRACKER_SOURCE_FILE_MAX_BYTES": "1024"})
    assert too_big.exit_code == 1 and "TRACKER_SOURCE_FILE_MAX_BYTES" in too_big.stderr
    bad_url = runner.invoke(cli, [*base, "sources", "add", str(copy), "--publisher", "X", "--url", "ftp://x"])
    assert bad_url.exit_code == 1 and "url" in bad_url.stderr


@pytest.mark.parametrize("args", [("sources", "check"), ("sources", "get", "ab" * 32, "-o", "x.bin")])
def test_sources_commands_on_a_missing_database_create_nothing(
    args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "none.toml"))
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 1, result.output
    assert f"no database at {str(tmp_path / 'tracker.sqlite')!r}" in result.stderr
    assert list(tmp_path.iterdir()) == []
