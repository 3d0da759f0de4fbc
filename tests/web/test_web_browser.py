"""The site in Debian's headless Chromium (Playwright driving the system browser): a reader's and a reviewer's day."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server, password

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PAYLOAD = "<script>window.__pwned=1;document.title='pwned'</script><img src=x onerror=\"window.__pwned=2\">"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module; skipped without it, except under CI where it must exist."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing under CI: install Debian's chromium (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not installed: apt-get install -y chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _page(browser: Any, site: Server, **options: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(base_url=site.base_url, **options)
    page = context.new_page()
    problems: list[str] = []
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return context, page, problems


def _log_in(page: Any, role: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", password(role))
    page.click("form.login button[type=submit]")
    page.wait_for_url("**/")


def test_editor_filters_commitments_and_records_a_development(browser: Any, site: Server) -> None:
    context, page, problems = _page(browser, site)
    try:
        _log_in(page, "editor")
        page.goto("/commitments?as_of=2024-12-31")
        page.select_option("select[name=status]", "undertaken")
        page.fill("input[name=party]", "Kazakhstan")
        page.click("form.filters button[type=submit]")
        page.wait_for_load_state()
        assert "status=undertaken" in page.url and "as_of=2024-12-31" in page.url
        rows = page.locator("#commitments tbody tr")
        assert rows.count() >= 1
        assert "sco-joint-action-extremism-2018" in rows.first.inner_text()
        assert page.input_value("input[type=date][name=as_of]") == "2024-12-31"

        page.goto("/record")
        event = ('{"type": "ProgressAssessed", "key": "browser-1", "commitment_id": "sco-joint-action-extremism-2018",'
                 ' "occurred_on": "2025-08-01", "level": "substantial", "note": "' + PAYLOAD.replace('"', '\\"') + '",'
                 ' "sources": [{"publisher": "Browser Wire", "quote": "' + PAYLOAD.replace('"', '\\"') + '"}]}')
        page.fill("textarea[name=events]", event)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "Recorded: commitment:sco-joint-action-extremism-2018#" in page.inner_text("p.ok")

        page.goto("/commitments/sco-joint-action-extremism-2018")
        timeline = page.inner_text("ol.timeline")
        assert "Browser Wire" in timeline and "substantial" in timeline.lower()
        assert PAYLOAD.split(">")[0] + ">" in page.inner_text("main")  # shown as text
        assert page.evaluate("window.__pwned") is None
        assert page.title() != "pwned"
        for path in ("/", "/commitments", "/review", "/calendar", "/organizations"):
            page.goto(path)
            assert page.evaluate("window.__pwned") is None, path
        assert problems == []
    finally:
        context.close()


def test_reviewer_decides_a_review_item(browser: Any, site: Server) -> None:
    context, page, problems = _page(browser, site)
    try:
        _log_in(page, "reviewer")
        page.goto("/review?state=open")
        page.click("table.review tbody tr:first-child a")
        page.wait_for_load_state()
        assert page.locator(".side-by-side section").count() >= 1
        page.check("input[name=choice][value=explained]")
        page.fill("textarea[name=reason]", "Both reports are right: the wire confused two meetings")
        page.click("form.decide button[type=submit]")
        page.wait_for_load_state()
        assert page.inner_text("main .badge").strip() == "decided"
        decisions = page.inner_text("main ol")
        assert "explained by reviewer" in decisions and "confused two meetings" in decisions
        page.goto("/review?state=decided")
        assert page.locator("table.review tbody tr").count() >= 1
        assert problems == []
    finally:
        context.close()


def test_pages_fit_a_phone_screen(browser: Any, site: Server) -> None:
    context, page, _ = _page(browser, site, viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        _log_in(page, "reader")
        for path in ("/", "/commitments", "/bodies/sco-prosecutors-general",
                     "/commitments/sco-joint-action-extremism-2018", "/review"):
            page.goto(path)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 380, f"{path} is {width}px wide on a 375px screen"
    finally:
        context.close()
