"""The HTML report in a real browser: headless Chromium driven over the DevTools protocol (stdlib only)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.unit.fake_read_model import demo_read_model  # noqa: E402
from tracker.projections.reports import build_report, render_html  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
GENERATED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PAYLOAD = (
    "<script>window.__pwned=1;document.title='pwned';console.error('pwned')</script>"
    "<img src=x onerror=\"console.error('pwned-img')\">"
)


class WebSocket:
    """A minimal RFC 6455 client: text frames out (masked), text frames in, enough for CDP."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlparse(url)
        assert parts.hostname and parts.port
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"websocket handshake refused: {head[:200]!r}")

    def _exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def _frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, text: str) -> None:
        self._frame(0x1, text.encode())

    def recv(self) -> str:
        message = b""
        while True:
            first, second = self._exact(2)
            opcode, n = first & 0x0F, second & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._exact(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._exact(8))
            payload = self._exact(n)  # servers never mask
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the websocket")
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


class Browser:
    """Headless Chromium with one page attached over CDP; records console, errors and requests."""

    def __init__(self, profile: Path) -> None:
        self.process = subprocess.Popen(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--no-first-run", "--no-default-browser-check",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.stderr: list[str] = []
        found = threading.Event()
        self.endpoint = ""

        def drain() -> None:
            # Keep reading so Chromium never blocks on a full pipe; the first lines name the endpoint.
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.stderr.append(line)
                match = re.search(r"DevTools listening on (ws://\S+)", line)
                if match:
                    self.endpoint = match.group(1)
                    found.set()

        threading.Thread(target=drain, daemon=True).start()
        if not found.wait(30):
            self.close()
            raise RuntimeError("Chromium did not start DevTools:\n" + "".join(self.stderr[-20:]))
        self.ws = WebSocket(self.endpoint)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for e in self.events[seen:]:
                if e.get("method") == event:
                    return e
            seen = len(self.events)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(f"no {event} within {timeout}s")

    def open(self, path: Path) -> None:
        self.events.clear()
        self.call("Page.navigate", session=True, url=path.as_uri())
        self.wait_for("Page.loadEventFired")
        # One more round trip so console messages and requests fired during load are collected.
        self.evaluate("1")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluating {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def console_errors(self) -> list[str]:
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                out.append(str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                out.append(str(params["entry"].get("text")))
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        if getattr(self, "ws", None) is not None:
            # Closing: the browser may hang up before it answers.
            with contextlib.suppress(OSError, ConnectionError, RuntimeError):
                self.call("Browser.close")
            self.ws.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One headless Chromium for the module; skipped without it, except under CI where it must exist."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing under CI: install Debian's chromium (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not installed: apt-get install -y chromium to run the browser tests")
    instance = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield instance
    finally:
        instance.close()


def _write(tmp_path: Path, name: str, **kwargs: Any) -> Path:
    model = kwargs.pop("model", None) or demo_read_model()
    report = build_report(model, since=GENERATED.replace(month=2), generated_at=GENERATED, **kwargs)
    path = tmp_path / name
    path.write_text(render_html(report), encoding="utf-8")
    return path


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack("!II", data[16:24])
    return width, height


def test_report_loads_offline_with_charts_and_no_console_errors(browser: Browser, tmp_path: Path) -> None:
    page = _write(tmp_path, "report.html")
    browser.open(page)
    assert browser.console_errors() == []
    offsite = [u for u in browser.requests() if u != page.as_uri() and not u.startswith("data:")]
    assert offsite == []
    assert browser.evaluate("document.querySelectorAll('svg.presidency-chart').length") == 2
    assert browser.evaluate("document.querySelectorAll('svg.life-chart').length") == 5
    assert browser.evaluate("document.querySelectorAll('svg .term.deviation').length") == 1
    # The charts are drawn, not just present: a bar has a real on-screen width.
    assert browser.evaluate("document.querySelector('svg.presidency-chart rect.bar').getBoundingClientRect().width") > 5
    assert browser.evaluate("document.title") == "Status report: all organizations"

    shot = base64.b64decode(browser.call("Page.captureScreenshot", session=True, format="png",
                                         captureBeyondViewport=True)["data"])
    (tmp_path / "report.png").write_bytes(shot)
    width, height = _png_size(shot)
    assert width >= 300 and height >= 600
    assert len(shot) > 20_000  # a blank page compresses to a few hundred bytes


def test_report_fits_a_phone_and_prints(browser: Browser, tmp_path: Path) -> None:
    page = _write(tmp_path, "phone.html")
    browser.call("Emulation.setDeviceMetricsOverride", session=True, width=390, height=844, deviceScaleFactor=2,
                 mobile=True)
    try:
        browser.open(page)
        # No sideways scrolling of the page itself: wide tables stack into cards on a phone.
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390
        assert browser.evaluate("getComputedStyle(document.querySelector('table.stack thead')).display") == "none"
        shot = base64.b64decode(browser.call("Page.captureScreenshot", session=True, format="png")["data"])
        (tmp_path / "phone.png").write_bytes(shot)
        assert _png_size(shot)[0] == 780
    finally:
        browser.call("Emulation.clearDeviceMetricsOverride", session=True)
    pdf = base64.b64decode(browser.call("Page.printToPDF", session=True, printBackground=True)["data"])
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_script_in_stored_text_never_runs(browser: Browser, tmp_path: Path) -> None:
    page = _write(tmp_path, "hostile.html", model=demo_read_model(hostile=PAYLOAD), title=PAYLOAD)
    browser.open(page)
    assert browser.console_errors() == []
    assert browser.evaluate("document.title") != "pwned"
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    # The only script element is the JSON-LD data block; the hostile text made no element of its own.
    assert browser.evaluate("document.querySelectorAll('script:not([type=\"application/ld+json\"]), img').length") == 0
    assert browser.evaluate("document.querySelectorAll('script[type=\"application/ld+json\"]').length") == 1
    # It is shown, as text, where it was written.
    assert "<script>window.__pwned=1" in browser.evaluate("document.querySelector('h1').textContent")
    assert [u for u in browser.requests() if u != page.as_uri() and not u.startswith("data:")] == []


# Rendered font size of every label in the presidency charts: the computed font size times the
# SVG's on-screen scale (its rendered width over its viewBox width), and the glyph box height.
LABEL_SIZES = """(() => { const out = [];
  for (const svg of document.querySelectorAll('svg.presidency-chart')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) {
      out.push([parseFloat(getComputedStyle(t).fontSize) * scale, t.getBoundingClientRect().height]);
    }
  }
  return out; })()"""
# Cells of stacked tables a reader sees that hold nothing (a card of "Label:" lines with no value).
EMPTY_CARD_CELLS = """[...document.querySelectorAll('table.stack td')]
  .filter(td => td.offsetParent !== null && td.textContent.trim() === '').length"""


def _measure(browser: Browser, page: Path, width: int, mobile: bool, shot: Path) -> dict[str, Any]:
    scale = 2 if mobile else 1
    browser.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=844 if mobile else 900,
                 deviceScaleFactor=scale, mobile=mobile)
    try:
        browser.open(page)
        png = base64.b64decode(browser.call("Page.captureScreenshot", session=True, format="png",
                                            captureBeyondViewport=True)["data"])
        shot.write_bytes(png)
        return {
            "labels": browser.evaluate(LABEL_SIZES),
            "height": browser.evaluate("document.documentElement.scrollHeight"),
            "scroll_width": browser.evaluate("document.documentElement.scrollWidth"),
            "empty_cells": browser.evaluate(EMPTY_CARD_CELLS),
            "png": _png_size(png),
            "scale": scale,
        }
    finally:
        browser.call("Emulation.clearDeviceMetricsOverride", session=True)


def test_phone_and_desktop_screenshots_keep_labels_legible_and_pages_compact(browser: Browser, tmp_path: Path) -> None:
    page = _write(tmp_path, "sizes.html")
    phone = _measure(browser, page, 390, True, tmp_path / "phone.png")
    desktop = _measure(browser, page, 1280, False, tmp_path / "desktop.png")
    for name, m in (("phone", phone), ("desktop", desktop)):
        assert len(m["labels"]) >= 6, name  # both presidency charts drew their labels
        assert min(size for size, _ in m["labels"]) >= 11, (name, m["labels"])
        assert min(height for _, height in m["labels"]) >= 11, (name, m["labels"])
        # The screenshot is the whole page (within a scrollbar's height), not only the first screen.
        assert abs(m["png"][1] / m["scale"] - m["height"]) <= 40, (name, m["png"], m["height"])
    assert max(size for size, _ in desktop["labels"]) <= 17  # scaled up at most 1.5 times
    assert phone["scroll_width"] <= 390  # nothing pushes the page sideways; wide parts scroll in place
    assert phone["empty_cells"] == 0  # cards show what is there, not ten labels with nothing after them
    # Stacked into cards, the page grows, but not out of proportion (measured 8,525 px vs 4,984 px).
    assert phone["height"] < 2.2 * desktop["height"], (phone["height"], desktop["height"])


def test_json_ld_parses_and_no_script_runs(browser: Browser, tmp_path: Path) -> None:
    escape_attempt = "</script><script>window.__pwned=1</script><!--"
    page = _write(tmp_path, "ld.html", model=demo_read_model(hostile=escape_attempt))
    browser.open(page)
    assert browser.console_errors() == []
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelectorAll('script').length") == 1
    csp = browser.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
    assert "script-src 'none'" in csp and "default-src 'none'" in csp
    data = browser.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
    assert data["@context"] == "https://schema.org"
    events = [n for n in data["@graph"] if n["@type"] == "Event"]
    laws = [n for n in data["@graph"] if n["@type"] == "Legislation"]
    assert {e["eventStatus"] for e in events} >= {"https://schema.org/EventScheduled"}
    assert all(e["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode" for e in events)
    venues = [e["location"]["name"] for e in events if "location" in e]
    assert escape_attempt in venues  # the stored text survives, as data
    assert {x["legislationLegalForce"] for x in laws} == {"https://schema.org/InForce", "https://schema.org/NotInForce"}
    assert all(x["legislationDate"] for x in laws)
