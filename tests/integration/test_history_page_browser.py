"""The case-history page in a real browser (Debian's headless Chromium driven by
Playwright), at 390 and 1280 px: stepping through versions, and a tampered complaint whose
altered and deleted events are marked. Screenshots go under the test's tmp_path.

The whole lifecycle with an ADR award is in test_history_page_lifecycle_browser.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from libs.domain.values import Role
from services.complaints.app import create_app
from tests.conftest import build_complaints
from tests.support.browser import WIDTHS, chromium, horizontal_overflow, page_at, screenshot
from tests.support.complaints import new_complaint
from tests.support.processes import free_port
from tests.support.tamper import StoredRows


@dataclass
class Served:
    url: str
    keys: dict[Role, str]
    database_url: str

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The complaints service on a free loopback port, served by uvicorn in a thread."""
    database_url = f"sqlite:///{tmp_path / 'complaints.db'}"
    service = build_complaints(database_url)
    keys = {
        role: service.keyring.issue(role=role, name=f"browser-{role.value}")[1]
        for role in Role
        if role is not Role.PROVIDER  # a provider key names its provider
    }
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield Served(f"http://127.0.0.1:{port}", keys, database_url)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def a_complaint_with_calls(served: Served, calls: int, **complaint: Any) -> tuple[str, list[int]]:
    """A complaint and the version after each call recorded on it."""
    with httpx.Client(base_url=served.url, headers=served.headers(Role.CRM), timeout=10) as api:
        opened = api.post("/v1/complaints", json=new_complaint(**complaint))
        complaint_id = str(opened.raise_for_status().json()["id"])
        versions = []
        for n in range(calls):
            call = api.post(
                f"/v1/complaints/{complaint_id}/interactions",
                json={"kind": "call", "direction": "inbound", "summary": f"call {n + 1}"},
            )
            versions.append(int(call.raise_for_status().json()["version"]))
    return complaint_id, versions


def test_an_auditor_steps_back_through_a_case_in_a_browser(served: Served) -> None:
    from playwright.sync_api import expect

    # Received 20 days ago: the default regime gives 2 business days to acknowledge (none
    # was sent: breached) and 30 days to answer (still running).
    received = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    complaint_id, after_call = a_complaint_with_calls(served, 2, occurred_at=received)
    with httpx.Client(base_url=served.url, headers=served.headers(Role.CRM), timeout=10) as api:
        escalated = api.post(
            f"/v1/complaints/{complaint_id}/escalations", json={"reason": "asked for a manager"}
        )
        head = escalated.raise_for_status().json()["version"]
        link = api.get(
            f"/v1/complaints/{complaint_id}/history/view-link",
            headers=served.headers(Role.AUDITOR),
        ).json()

    with chromium() as browser, page_at(browser, 1280) as page:
        # (Background work, such as deadline alerts, may add events: pin the version.)
        page.goto(f"{link['url']}&version={head}")
        status = page.locator('[data-testid=state-summary] dd[data-field="Status"]')
        calls = page.locator("[data-testid=interactions] tbody tr")
        expect(page.get_by_test_id("verification-result")).to_have_text("VALID")
        expect(page.get_by_test_id("state-version")).to_have_text(str(head))
        expect(status).to_have_text("escalated")
        expect(calls).to_have_count(2)
        expect(page.locator(f'li[data-version="{head}"]')).to_contain_text("Escalated")
        clock = '[data-clock="{}"] [data-field="State"]'
        expect(page.locator(clock.format("Acknowledgement"))).to_have_text("breached")
        expect(page.locator(clock.format("Final response"))).to_have_text("running")

        # Step back to just after the first call with the control: one call, still open.
        page.get_by_label("Step to version").fill(str(after_call[0]))
        page.get_by_role("button", name="Show", exact=True).click()
        expect(page.get_by_test_id("state-version")).to_have_text(str(after_call[0]))
        expect(status).to_have_text("open")
        expect(calls).to_have_count(1)
        expect(page.locator("li.current")).to_have_attribute("data-version", str(after_call[0]))
        expect(page.locator(f'li.future[data-version="{head}"]')).to_have_count(1)

        # And to the very first version through the timeline.
        page.locator('li[data-version="1"] a').click()
        expect(page.get_by_test_id("state-version")).to_have_text("1")
        expect(calls).to_have_count(0)


def test_a_tampered_complaint_shows_invalid_with_the_altered_and_missing_events_marked(
    served: Served, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    # Six versions: received and five calls. Someone with database access softens call 2
    # (version 3) and deletes the newest event (version 6): the chain still remembers it.
    altered_id, _ = a_complaint_with_calls(served, 5)
    rows = StoredRows(served.database_url)
    rows.edit_payload(altered_id, 3, lambda state: state.update(summary="nothing happened"))
    rows.delete_event(altered_id, 6)
    # And from another complaint a middle event is deleted: the state no longer replays
    # past the gap, and the page says which version it shows instead.
    gapped_id, _ = a_complaint_with_calls(served, 3)
    rows.delete_event(gapped_id, 2)

    auditor = served.headers(Role.AUDITOR)
    for width in WIDTHS:
        with chromium() as browser, page_at(browser, width, extra_http_headers=auditor) as page:
            view = f"{served.url}/v1/complaints/{altered_id}/history/view"
            assert page.goto(view).status == 200  # type: ignore[union-attr]
            expect(page.get_by_test_id("verification-result")).to_have_text("INVALID")
            problems = page.get_by_test_id("verification-problems")
            expect(problems).to_contain_text("Altered or rewritten: version 3")
            expect(problems).to_contain_text("Missing (deleted): version 6")

            altered = page.locator('li[data-version="3"]')
            expect(altered).to_have_class("flagged")
            expect(altered).to_have_attribute("data-marks", "altered")
            expect(altered).to_contain_text("nothing happened")  # shown, but marked
            expect(altered).to_contain_text("does not match the hash recorded")
            missing = page.locator('li[data-version="6"]')
            expect(missing).to_have_class("missing")
            expect(missing).to_contain_text("no longer among the stored events: deleted")
            expect(page.locator("li.current")).to_have_attribute("data-version", "5")

            # The stepper moves through what is stored.
            page.get_by_test_id("step-prev").click()
            expect(page.get_by_test_id("state-version")).to_have_text("4")
            page.get_by_test_id("step-first").click()
            expect(page.get_by_test_id("state-version")).to_have_text("1")
            page.get_by_test_id("step-last").click()
            expect(page.get_by_test_id("state-version")).to_have_text("5")

            # The exports of a damaged history still answer, and say that it is damaged.
            exported = page.request.get(
                page.get_by_test_id("export-json").evaluate("a => a.href"),
            )
            assert exported.status == 200, exported.text()
            document = json.loads(exported.body())
            assert document["verification"]["valid"] is False
            assert document["verification"]["first_bad_version"] == 3
            pdf = page.request.get(page.get_by_test_id("export-pdf").evaluate("a => a.href"))
            assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
            assert pdf.body().startswith(b"%PDF")

            assert horizontal_overflow(page) <= 0, f"cut off at {width} px"
            screenshot(page, tmp_path, f"tampered-{width}")

            page.goto(f"{served.url}/v1/complaints/{gapped_id}/history/view")
            expect(page.get_by_test_id("verification-result")).to_have_text("INVALID")
            expect(page.locator('li[data-version="2"]')).to_have_class("missing")
            expect(page.get_by_test_id("state-version")).to_have_text("1")
            expect(page.get_by_test_id("state-note")).to_contain_text("Version 4 cannot be rebuilt")
            expect(page.get_by_test_id("customer")).to_contain_text("Ada Lovelace")
            page.get_by_test_id("step-next").click()  # to the deleted version 2
            expect(page.get_by_test_id("state-note")).to_contain_text(
                "Version 2 is not among the stored events"
            )
            expect(page.get_by_test_id("state-version")).to_have_text("1")
            assert horizontal_overflow(page) <= 0, f"cut off at {width} px"
            screenshot(page, tmp_path, f"gap-{width}")


def test_the_page_refuses_a_bad_version_or_time_with_a_problem(served: Served) -> None:
    complaint_id, _ = a_complaint_with_calls(served, 1)
    view = f"/v1/complaints/{complaint_id}/history/view"
    with httpx.Client(base_url=served.url, headers=served.headers(Role.AUDITOR)) as api:
        refusals: dict[str, Any] = {
            "version=9": 422,
            "as_of=yesterday": 422,
            "as_of=2026-02-30T10:00": 422,
            "as_of=1066-10-14T09:00": 422,
            "as_of=2026-01-01T10:00:00Z&version=1": 422,
            "as_of=2001-01-01T00:00:00Z": 404,  # before the complaint was recorded
        }
        for query, status in refusals.items():
            answer = api.get(f"{view}?{query}")
            assert answer.status_code == status, (query, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["detail"], query
