"""The case-history page in a real browser: Debian's headless Chromium driven by
Playwright (never a browser Playwright downloads). `make test` installs both."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from libs.domain.values import Role
from services.complaints.app import create_app
from tests.conftest import build_complaints
from tests.support.complaints import new_complaint
from tests.support.processes import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[Role, str]]]:
    """The complaints service on a free loopback port, served by uvicorn in a thread."""
    service = build_complaints(f"sqlite:///{tmp_path / 'complaints.db'}")
    keys = {
        role: service.keyring.issue(role=role, name=f"browser-{role.value}")[1] for role in Role
    }
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield url, keys
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_an_auditor_steps_back_through_a_case_in_a_browser(
    served: tuple[str, dict[Role, str]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make test` (it installs Debian's chromium)")
    url, keys = served
    crm = {"Authorization": f"Bearer {keys[Role.CRM]}"}
    with httpx.Client(base_url=url, headers=crm, timeout=10) as api:
        complaint_id = api.post("/v1/complaints", json=new_complaint()).json()["id"]
        after_call = []
        for summary in ("first call", "second call"):
            call = api.post(
                f"/v1/complaints/{complaint_id}/interactions",
                json={"kind": "call", "direction": "inbound", "summary": summary},
            )
            after_call.append(call.raise_for_status().json()["version"])
        escalated = api.post(
            f"/v1/complaints/{complaint_id}/escalations", json={"reason": "asked for a manager"}
        )
        head = escalated.raise_for_status().json()["version"]
        link = api.get(
            f"/v1/complaints/{complaint_id}/history/view-link",
            headers={"Authorization": f"Bearer {keys[Role.AUDITOR]}"},
        ).json()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            # (Background work, such as deadline alerts, may add events: pin the version.)
            page.goto(f"{link['url']}&version={head}")
            expect(page.get_by_test_id("verification-result")).to_have_text("Verified")
            expect(page.get_by_test_id("state-version")).to_have_text(str(head))
            expect(page.get_by_test_id("state-status")).to_have_text("escalated")
            expect(page.get_by_test_id("state-interactions")).to_have_text("2")
            expect(page.locator(f'li[data-version="{head}"]')).to_contain_text("Escalated")

            # Step back to just after the first call with the control: one call, still open.
            page.get_by_label("Step to version").fill(str(after_call[0]))
            page.get_by_role("button", name="Show").click()
            expect(page.get_by_test_id("state-version")).to_have_text(str(after_call[0]))
            expect(page.get_by_test_id("state-status")).to_have_text("open")
            expect(page.get_by_test_id("state-interactions")).to_have_text("1")
            expect(page.locator("li.current")).to_have_attribute("data-version", str(after_call[0]))
            expect(page.locator(f'li.future[data-version="{head}"]')).to_have_count(1)

            # And to the very first version through the timeline.
            page.locator('li[data-version="1"] a').click()
            expect(page.get_by_test_id("state-version")).to_have_text("1")
            expect(page.get_by_test_id("state-interactions")).to_have_text("0")
        finally:
            browser.close()
