"""The case-history page of a complaint that went through its whole life — acknowledged,
a back-dated call, escalated, two offers, resolved, a final response with the regime's
elements, an appeal, referred to ADR with an override and decided by the provider with an
award — read in Debian's Chromium at 390 and 1280 px, from a signed link (no API key in
the browser). Complaints, ADR gateway and sandbox provider run as separate processes on
PostgreSQL, as in tests/e2e; screenshots go under the test's tmp_path."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from libs.domain.values import Role
from tests.support.adr import RoundTrip, eventually, round_trip
from tests.support.browser import WIDTHS, chromium, horizontal_overflow, page_at, screenshot
from tests.support.complaints import bearer, new_complaint

pytestmark = pytest.mark.postgres

LONDON = ZoneInfo("Europe/London")
OVERRIDE = (
    "The customer is vulnerable and the firm agrees that an independent mediator should "
    "hear the case now."
)
FINAL_RESPONSE = {
    "letter": "Dear Ms Lovelace,\nWe uphold your complaint and refund £1,234.50.",
    "elements": {
        "decision": "accepted_with_redress",
        "ombudsman_leaflet_enclosed": True,
        "ombudsman_website": "https://www.financial-ombudsman.org.uk",
        "may_refer_now_and_within_6_months": True,
        "time_limit_waiver_stated": True,
    },
}


def a_whole_life(system: RoundTrip) -> dict[str, Any]:
    """Drives a complaint through every step over the API; returns what the page must show."""
    api = system.complaints.url
    crm = bearer(system.complaint_keys[Role.CRM])
    supervisor = bearer(system.complaint_keys[Role.SUPERVISOR])
    customer = {
        "id": "C-1815",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0018",
        "address": "12 St James's Square\nLondon SW1Y 4JH",
    }
    opened = httpx.post(
        f"{api}/v1/complaints",
        json=new_complaint(
            regime="uk-fca-disp",
            customer=customer,
            amount_in_dispute={"amount": "1234.50", "currency": "GBP"},
        ),
        headers=crm,
    )
    assert opened.status_code == 201, opened.text
    complaint = f"{api}/v1/complaints/{opened.json()['id']}"

    def post(path: str, body: dict[str, Any], headers: dict[str, str] = crm) -> dict[str, Any]:
        answer = httpx.post(complaint + path, json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        return dict(answer.json())

    post(
        "/acknowledgement",
        {
            "message": "We have your complaint and will answer within eight weeks.",
            "channel": "email",
            "elements": {"receipt_confirmed": True, "response_timeframes_stated": True},
        },
    )
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    post(
        "/interactions",
        {
            "kind": "call",
            "direction": "inbound",
            "summary": "Customer rang, upset",
            "occurred_at": two_hours_ago,
        },
    )
    post("/escalations", {"reason": "Asked for a supervisor"})
    partial = post(
        "/offers", {"description": "Half refund", "amount": {"amount": "600", "currency": "GBP"}}
    )["offers"][-1]["id"]
    post(f"/offers/{partial}/response", {"decision": "rejected", "customer_comment": "Not enough"})
    full = post(
        "/offers",
        {"description": "Full refund", "amount": {"amount": "1234.50", "currency": "GBP"}},
    )["offers"][-1]["id"]
    post(f"/offers/{full}/response", {"decision": "accepted"})
    post(
        "/resolution",
        {
            "outcome": "upheld",
            "summary": "Duplicate charge confirmed",
            "remedy": "Refund",
            "redress": {"amount": "1234.50", "currency": "GBP"},
        },
    )
    final_version = post("/final-response", FINAL_RESPONSE)["version"]
    time.sleep(1.2)  # a moment after the final response and before the appeal, to pick
    after_final_response = datetime.now(UTC)
    time.sleep(1.2)
    appeal = post("/appeals", {"grounds": "The refund came without interest"})["appeals"][-1]
    post(
        f"/appeals/{appeal['id']}/decision",
        {
            "outcome": "dismissed",
            "decided_at_tier": "manager",
            "reasons": "Interest is not due on a refund made within 8 weeks",
        },
        supervisor,
    )
    post(
        "/adr-referral",
        {
            "preferred_method": "mediation",
            "preferred_provider_id": "sandbox",
            "override_justification": OVERRIDE,
        },
        supervisor,
    )
    concluded = eventually(
        lambda: (c := system.complaint(opened.json()["id"]))["status"] == "adr_concluded" and c,
        timeout=45,
    )
    return {
        "id": concluded["id"],
        "head": concluded["version"],
        "final_version": final_version,
        "after_final_response": after_final_response,
    }


def test_the_whole_life_of_a_complaint_reads_on_its_history_page(tmp_path: Path) -> None:
    with round_trip(tmp_path) as system:
        system.register_sandbox()
        case = a_whole_life(system)
        link = httpx.get(
            f"{system.complaints.url}/v1/complaints/{case['id']}/history/view-link",
            headers=bearer(system.complaint_keys[Role.AUDITOR]),
        ).json()
        with chromium() as browser:
            for width in WIDTHS:
                with page_at(browser, width) as page:  # no API key: the link's token only
                    # (Pinned: background work, such as deadline alerts, may add events.)
                    page.goto(f"{link['url']}&version={case['head']}")
                    the_whole_state_is_shown(page, case["head"])
                    assert horizontal_overflow(page) <= 0, f"cut off at {width} px"
                    screenshot(page, tmp_path, f"lifecycle-{width}")
                    if width == min(WIDTHS):  # and down to the narrowest phone in use
                        page.set_viewport_size({"width": 360, "height": 900})
                        assert horizontal_overflow(page) <= 0, "cut off at 360 px"
                        page.set_viewport_size({"width": width, "height": 900})

                    the_stepper_moves_through_versions(page, case["head"])

                    a_moment_picked_shows_the_state_then(page, case)
                    assert horizontal_overflow(page) <= 0, f"cut off at {width} px"
                    screenshot(page, tmp_path, f"lifecycle-as-of-{width}")

                    pdf = the_exports_answer_to_the_same_link(page, case)
                    (tmp_path / f"export-{width}.pdf").write_bytes(pdf)


def the_whole_state_is_shown(page: Page, head: int) -> None:
    expect(page.get_by_test_id("verification-result")).to_have_text("VALID")
    expect(page.get_by_test_id("state-version")).to_have_text(str(head))
    summary = page.get_by_test_id("state-summary")
    expect(summary.locator('dd[data-field="Status"]')).to_have_text("adr concluded")
    expect(summary.locator('dd[data-field="Amount in dispute"]')).to_have_text("£1,234.50")

    customer = expect(page.get_by_test_id("customer"))
    for fact in ("Ada Lovelace", "C-1815", "ada@example.com", "+44 20 7946 0018"):
        customer.to_contain_text(fact)
    customer.to_contain_text("London SW1Y 4JH")

    regime = expect(page.get_by_test_id("regime"))
    regime.to_contain_text("uk-fca-disp")
    regime.to_contain_text("Europe/London")
    clocks = page.get_by_test_id("clocks")
    for clock in ("Acknowledgement", "Final response"):
        row = clocks.locator(f'[data-clock="{clock}"]')
        expect(row.locator('[data-field="State"]')).to_have_text("met")
        expect(row).to_contain_text("DISP 1.6")
    # Due at the end of a day in London: the zone's name and its offset.
    due = clocks.locator('[data-clock="Final response"] dd[data-field="Due"]')
    expect(due).to_have_text(re.compile(r"23:59:59 (GMT|BST) \(UTC\+0[01]:00\)"))
    window = clocks.locator("[data-clock^='Referral to the Financial Ombudsman']")
    expect(window.locator('[data-field="State"]')).to_have_text("met")

    offers = expect(page.get_by_test_id("offers"))
    for fact in ("Half refund", "£600.00", "rejected", "Not enough", "£1,234.50", "accepted"):
        offers.to_contain_text(fact)

    decisions = expect(page.get_by_test_id("decisions"))
    decisions.to_contain_text("frontline → supervisor")
    decisions.to_contain_text("Duplicate charge confirmed")
    resolution = page.get_by_test_id("resolution")
    expect(resolution.locator('dd[data-field="Redress"]')).to_have_text("£1,234.50")
    appeal = page.get_by_test_id("appeal")
    expect(appeal.locator('dd[data-field="Outcome"]')).to_have_text("dismissed")
    expect(appeal.locator('dd[data-field="At tier"]')).to_have_text("manager")

    final = expect(page.get_by_test_id("final-response"))
    final.to_contain_text("crm:e2e-crm")
    final.to_contain_text("We uphold your complaint")
    elements = page.get_by_test_id("final-response-elements")
    expect(elements.locator("tbody tr")).to_have_count(5)
    expect(elements).to_contain_text("accepted with redress")
    expect(elements).to_contain_text("https://www.financial-ombudsman.org.uk")

    expect(page.get_by_test_id("adr")).to_contain_text("Eligible")
    expect(page.get_by_test_id("adr-override")).to_contain_text(OVERRIDE)
    referral = page.get_by_test_id("adr-referral")
    expect(referral.locator('dd[data-field="Provider"]')).to_have_text("sandbox")
    expect(referral.locator('dd[data-field="Requested method"]')).to_have_text("mediation")
    outcome = page.get_by_test_id("adr-outcome")
    expect(outcome.locator('dd[data-field="Outcome"]')).to_have_text("upheld")
    expect(outcome.locator('dd[data-field="Binding"]')).to_have_text("yes")
    expect(outcome.locator('dd[data-field="Award"]')).to_have_text("£42.50")

    # The timeline: both times and who; the back-dated call says so.
    call = page.locator("ol.timeline li", has_text="Customer rang, upset")
    for fact in ("back-dated", "occurred", "recorded", "crm:e2e-crm (crm)"):
        expect(call).to_contain_text(fact)
    body = page.locator("body").inner_text()
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", body), "microseconds shown"
    assert "{'" not in body and '{"' not in body, "raw JSON shown"


def the_stepper_moves_through_versions(page: Page, head: int) -> None:
    version = page.get_by_test_id("state-version")
    page.get_by_test_id("step-prev").click()
    expect(version).to_have_text(str(head - 1))
    page.get_by_test_id("step-first").click()
    expect(version).to_have_text("1")
    expect(page.get_by_test_id("adr")).to_contain_text("Not referred to ADR")
    page.get_by_test_id("step-next").click()
    expect(version).to_have_text("2")
    page.get_by_test_id("step-last").click()
    expect(version).to_have_text(str(head))


def a_moment_picked_shows_the_state_then(page: Page, case: dict[str, Any]) -> None:
    """A moment between the final response and the appeal, in London time."""
    picked = case["after_final_response"].astimezone(LONDON)
    page.get_by_label(re.compile("State as recorded at")).fill(picked.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Show at this time").click()
    expect(page).to_have_url(re.compile(r"as_of="))
    expect(page.get_by_test_id("state-version")).to_have_text(str(case["final_version"]))
    status = page.locator('[data-testid=state-summary] dd[data-field="Status"]')
    expect(status).to_have_text("final response issued")
    expect(page.get_by_test_id("state-moment")).to_contain_text(
        "is the last version recorded by then"
    )
    expect(page.get_by_test_id("adr")).to_contain_text("Not referred to ADR")
    expect(page.get_by_test_id("appeal")).to_have_count(0)
    # Then the customer's six months to go to the ombudsman were still running.
    window = "[data-clock^='Referral to the Financial Ombudsman'] [data-field='State']"
    expect(page.locator(window)).to_have_text("running")


def the_exports_answer_to_the_same_link(page: Page, case: dict[str, Any]) -> bytes:
    exported = page.request.get(page.get_by_test_id("export-json").evaluate("a => a.href"))
    assert exported.status == 200, exported.text()
    document = json.loads(exported.body())
    assert document["complaint_id"] == case["id"]
    assert document["verification"]["valid"] is True
    assert len(document["events"]) >= case["head"]
    pdf = page.request.get(page.get_by_test_id("export-pdf").evaluate("a => a.href"))
    assert pdf.status == 200, pdf.text()
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    return pdf.body()
