"""Deadlines on the complaint, final-response checks, summary resolutions, and when a case
may go to external ADR (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint

FCA_LETTER = {
    "decision": "rejected_with_reasons",
    "ombudsman_leaflet_enclosed": True,
    "ombudsman_website": "https://www.financial-ombudsman.org.uk",
    "may_refer_now_and_within_6_months": True,
    "time_limit_waiver_stated": True,
}


async def open_complaint(complaints: RunningComplaints, **details: Any) -> dict[str, Any]:
    response = await complaints.client.post(
        "/v1/complaints", json=new_complaint(**details), headers=complaints.headers()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def post(
    complaints: RunningComplaints,
    complaint: dict[str, Any],
    path: str,
    body: dict[str, Any],
    role: Role = Role.AGENT,
) -> Any:
    return await complaints.client.post(
        f"/v1/complaints/{complaint['id']}{path}", json=body, headers=complaints.headers(role)
    )


async def resolved(complaints: RunningComplaints, **details: Any) -> dict[str, Any]:
    complaint = await open_complaint(complaints, **details)
    response = await post(
        complaints, complaint, "/resolution", {"outcome": "not_upheld", "summary": "No error found"}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_complaint_shows_the_deadlines_of_its_regime(
    complaints: RunningComplaints,
) -> None:
    complaint = await open_complaint(complaints, regime="uk-fca-disp")
    clocks = {d["clock"]: d for d in complaint["deadlines"]}
    assert set(clocks) == {"acknowledgement", "final_response"}
    assert clocks["final_response"]["state"] == "pending"
    assert clocks["final_response"]["party"] == "firm"
    received = datetime.fromisoformat(complaint["received_at"])
    due = datetime.fromisoformat(clocks["final_response"]["due_at"])
    assert timedelta(weeks=8) <= due - received < timedelta(weeks=8, days=2)

    acknowledged = await post(
        complaints,
        complaint,
        "/acknowledgement",
        {
            "message": "We received your complaint",
            "channel": "email",
            "elements": {"receipt_confirmed": True, "response_timeframes_stated": True},
        },
    )
    clocks = {d["clock"]: d for d in acknowledged.json()["deadlines"]}
    assert clocks["acknowledgement"]["state"] == "met"


async def test_an_unknown_regime_is_refused_listing_the_known_ones(
    complaints: RunningComplaints,
) -> None:
    response = await complaints.client.post(
        "/v1/complaints", json=new_complaint(regime="mars-2099"), headers=complaints.headers()
    )
    assert response.status_code == 422
    assert "uk-fca-disp" in response.json()["known_regimes"]
    response = await complaints.client.post(
        "/v1/complaints",
        json=new_complaint(regime="uk-fca-disp", calendar_subdivision="XX"),
        headers=complaints.headers(),
    )
    assert response.status_code == 422


async def test_a_final_response_missing_required_elements_is_refused_with_the_list(
    complaints: RunningComplaints,
) -> None:
    complaint = await resolved(complaints, regime="uk-fca-disp")
    partial = {k: v for k, v in FCA_LETTER.items() if k != "ombudsman_website"}
    refused = await post(
        complaints, complaint, "/final-response", {"letter": "Dear Ada", "elements": partial}
    )
    assert refused.status_code == 422
    assert [m["element"] for m in refused.json()["missing"]] == ["ombudsman_website"]
    accepted = await post(
        complaints, complaint, "/final-response", {"letter": "Dear Ada", "elements": FCA_LETTER}
    )
    assert accepted.status_code == 200
    clocks = {d["clock"]: d for d in accepted.json()["deadlines"]}
    assert clocks["final_response"]["state"] == "met"
    assert clocks["referral_window"]["party"] == "customer"
    assert clocks["referral_window"]["state"] == "pending"


async def test_a_summary_resolution_is_only_possible_early(
    complaints: RunningComplaints,
) -> None:
    complaint = await open_complaint(complaints, regime="uk-fca-disp")
    body = {
        "outcome": "upheld",
        "summary": "Refunded",
        "remedy": "Refund",
        "message": "We have refunded the duplicate charge.",
        "elements": {
            "resolved_stated": True,
            "may_refer_to_ombudsman": True,
            "time_limit_waiver_stated": True,
            "ombudsman_website": "https://www.financial-ombudsman.org.uk",
            "further_information_on_website": True,
        },
    }
    response = await post(complaints, complaint, "/summary-resolution", body)
    assert response.status_code == 200, response.text
    assert response.json()["resolution"]["summary_resolution"]
    closed = await post(complaints, response.json(), "/closure", {"reason": "Resolved"})
    assert closed.json()["status"] == "closed"

    week_ago = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    late = await open_complaint(complaints, regime="uk-fca-disp", occurred_at=week_ago)
    refused = await post(complaints, late, "/summary-resolution", body)
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:redress:problem:summary-resolution-too-late"


async def test_eligibility_names_each_criterion_with_its_reason(
    complaints: RunningComplaints,
) -> None:
    complaint = await open_complaint(complaints)
    response = await complaints.client.get(
        f"/v1/complaints/{complaint['id']}/adr-eligibility", headers=complaints.headers()
    )
    assessment = response.json()
    assert assessment["eligible"] is False
    assert [c["name"] for c in assessment["criteria"]] == [
        "internal_processes_exhausted",
        "complexity",
        "stalemate",
        "relationship_preservation",
        "reputation_risk",
        "referral_window",
    ]
    assert all(c["reason"] for c in assessment["criteria"])


async def test_an_exhausted_complaint_is_referred(complaints: RunningComplaints) -> None:
    complaint = await resolved(complaints)
    issued = await post(
        complaints,
        complaint,
        "/final-response",
        {"letter": "Dear Ada", "elements": {"decision": "not_upheld", "adr_rights_stated": True}},
    )
    assert issued.status_code == 200
    eligibility = (
        await complaints.client.get(
            f"/v1/complaints/{complaint['id']}/adr-eligibility", headers=complaints.headers()
        )
    ).json()
    assert eligibility["eligible"] is True
    referred = await post(complaints, complaint, "/adr-referral", {"preferred_method": "mediation"})
    assert referred.status_code == 201, referred.text
    adr = referred.json()["adr"]
    assert referred.json()["status"] == "referred_to_adr"
    assert adr["preferred_method"] == "mediation"
    assert adr["eligibility"]["eligible"] is True
    again = await post(complaints, complaint, "/adr-referral", {})
    assert again.status_code == 409


async def test_an_ineligible_complaint_needs_a_supervisors_written_override(
    complaints: RunningComplaints,
) -> None:
    complaint = await open_complaint(complaints)
    refused = await post(complaints, complaint, "/adr-referral", {})
    assert refused.status_code == 409
    assert "internal_processes_exhausted" in [c["name"] for c in refused.json()["failing_criteria"]]
    justification = (
        "The customer is vulnerable and the bank's internal review "
        "has stalled for months; mediation protects them."
    )
    as_agent = await post(
        complaints, complaint, "/adr-referral", {"override_justification": justification}
    )
    assert as_agent.status_code == 403
    too_short = await post(
        complaints,
        complaint,
        "/adr-referral",
        {"override_justification": "because"},
        role=Role.SUPERVISOR,
    )
    assert too_short.status_code == 422
    overridden = await post(
        complaints,
        complaint,
        "/adr-referral",
        {"override_justification": justification},
        role=Role.SUPERVISOR,
    )
    assert overridden.status_code == 201
    assert overridden.json()["adr"]["override_justification"] == justification


async def test_a_closed_complaint_cannot_be_referred(complaints: RunningComplaints) -> None:
    complaint = await open_complaint(complaints)
    await post(complaints, complaint, "/closure", {"reason": "withdrawn"})
    refused = await post(
        complaints,
        complaint,
        "/adr-referral",
        {"override_justification": "Customer asked for mediation despite withdrawing the case."},
        role=Role.SUPERVISOR,
    )
    assert refused.status_code == 409
    assert refused.json()["current_status"] == "closed"


async def test_staff_flags_feed_the_criteria(complaints: RunningComplaints) -> None:
    complaint = await open_complaint(complaints)
    flagged = await post(
        complaints, complaint, "/flags", {"public_attention": True, "vulnerable_customer": True}
    )
    assert flagged.json()["flags"]["public_attention"] is True
    criteria = {
        c["name"]: c
        for c in (
            await complaints.client.get(
                f"/v1/complaints/{complaint['id']}/adr-eligibility", headers=complaints.headers()
            )
        ).json()["criteria"]
    }
    assert criteria["reputation_risk"]["met"] is True
    assert criteria["relationship_preservation"]["met"] is True
    unchanged = await post(complaints, complaint, "/flags", {"public_attention": True})
    assert unchanged.status_code == 409


async def test_the_regulatory_report_counts_by_category_as_json_and_csv(
    complaints: RunningComplaints,
) -> None:
    regime = "uk-psd"
    # Only this test's complaints: others close uk-psd complaints in the same database.
    started = datetime.now(UTC) - timedelta(seconds=1)
    for category in ("billing", "billing", "refund"):
        complaint = await open_complaint(complaints, regime=regime, category=category)
        if category == "billing":
            resolved_ = await post(
                complaints,
                complaint,
                "/resolution",
                {
                    "outcome": "upheld",
                    "summary": "Charged twice",
                    "remedy": "Refund",
                    "redress": {"amount": "10.00", "currency": "GBP"},
                },
            )
            await post(complaints, resolved_.json(), "/closure", {"reason": "Resolved"})
    period = {"regime": regime, "from": started.isoformat(), "to": "2100-01-01T00:00:00Z"}
    report = (
        await complaints.client.get(
            "/v1/reports/regulatory", params=period, headers=complaints.headers(Role.AUDITOR)
        )
    ).json()
    billing = report["by_category"]["billing"]
    assert billing["opened"] >= 2 and billing["closed"] >= 2
    assert billing["closed_within_4_weeks"] == billing["closed"]
    assert billing["upheld"] == billing["closed"]
    assert report["totals"]["redress_paid"]["GBP"].startswith(str(10 * billing["closed"]))
    csv_text = (
        await complaints.client.get(
            "/v1/reports/regulatory",
            params={**period, "format": "csv"},
            headers=complaints.headers(Role.AUDITOR),
        )
    ).text
    assert csv_text.splitlines()[0].startswith("category,opened,closed")
    assert any(line.startswith("all,") for line in csv_text.splitlines())
    bad = await complaints.client.get(
        "/v1/reports/regulatory",
        params={**period, "to": "2019-01-01T00:00:00Z"},
        headers=complaints.headers(Role.AUDITOR),
    )
    assert bad.status_code == 422


async def test_staff_list_what_falls_due_and_what_has_breached(
    complaints: RunningComplaints,
) -> None:
    fresh = await open_complaint(complaints)
    customer = fresh["customer"]["id"]
    late = await open_complaint(
        complaints,
        customer=fresh["customer"],
        occurred_at=(datetime.now(UTC) - timedelta(days=20)).isoformat(),
    )

    async def listed(**params: Any) -> list[str]:
        response = await complaints.client.get(
            "/v1/complaints",
            params={"customer_id": customer, **params},
            headers=complaints.headers(),
        )
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    soon = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    assert set(await listed(due_before=soon)) == {fresh["id"], late["id"]}
    assert await listed(due_before=(datetime.now(UTC) - timedelta(days=30)).isoformat()) == []
    assert await listed(breached="true") == [late["id"]]
    assert await listed(breached="false") == [fresh["id"]]
