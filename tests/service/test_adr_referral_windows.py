"""Eligibility for external ADR knows the time limits: the regime's referral window, the
firm's recorded consent to waive it, and a summary resolution that ends the internal process
(SQLite and PostgreSQL).

A complaint referred too late is told so by rule: six months from the final response for the
Financial Ombudsman (DISP 2.8.2R(1)), two years from the IDR response for AFCA (AFCA Rules
B.4.3.1). Cases old enough for that are back-dated with `occurred_at`, in a service whose
back-dating window is long enough (as for a firm migrating its open cases); looking ahead
uses `as_of` on the eligibility query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from libs.domain.values import Role
from services.complaints.app import create_app
from services.complaints.bootstrap import bootstrap
from services.complaints.settings import ComplaintsSettings
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint

LETTERS: dict[str, dict[str, Any]] = {
    "uk-fca-disp": {
        "decision": "rejected_with_reasons",
        "ombudsman_leaflet_enclosed": True,
        "ombudsman_website": "https://www.financial-ombudsman.org.uk",
        "may_refer_now_and_within_6_months": True,
        "time_limit_waiver_stated": True,
    },
    "au-rg271": {
        "decision": "not_upheld",
        "reasons_given": True,
        "afca_rights_stated": True,
        "afca_contact_details": "www.afca.org.au, 1800 931 678",
        "afca_time_limit_stated": True,
    },
}
JUSTIFICATION = (
    "The customer was in hospital for the whole six months and asked us to refer it for her."
)


@pytest.fixture
async def firm_with_history(database_url: str) -> AsyncIterator[RunningComplaints]:
    """The complaints service with a back-dating window of three years, so a case's final
    response can be dated before the referral window began."""
    service = bootstrap(
        ComplaintsSettings(
            database_url=database_url, scheduler_enabled=False, backdate_window_days=1_100
        )
    )
    app = create_app(service)
    keys = {
        role: service.keyring.issue(role=role, name=f"test-{role.value}")[1]
        for role in Role
        if role is not Role.PROVIDER  # a provider key names its provider
    }
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://complaints.test"
        ) as client,
    ):
        yield RunningComplaints(service, client, keys)


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def post(
    complaints: RunningComplaints,
    complaint_id: str,
    path: str,
    body: dict[str, Any],
    role: Role = Role.AGENT,
) -> httpx.Response:
    return await complaints.client.post(
        f"/v1/complaints/{complaint_id}{path}", json=body, headers=complaints.headers(role)
    )


async def answered(
    complaints: RunningComplaints, regime: str, final_response_days_ago: int = 0
) -> str:
    """A complaint under `regime`, decided and given its final response that many days ago."""
    ago = final_response_days_ago
    opened = await complaints.client.post(
        "/v1/complaints",
        json=new_complaint(regime=regime, **({"occurred_at": days_ago(ago + 40)} if ago else {})),
        headers=complaints.headers(),
    )
    assert opened.status_code == 201, opened.text
    complaint_id = str(opened.json()["id"])
    when = {"occurred_at": days_ago(ago + 1)} if ago else {}
    decided = await post(
        complaints,
        complaint_id,
        "/resolution",
        {"outcome": "not_upheld", "summary": "No error found", **when},
    )
    assert decided.status_code == 200, decided.text
    when = {"occurred_at": days_ago(ago)} if ago else {}
    letter = {"letter": "Dear Ada", "elements": LETTERS[regime], **when}
    issued = await post(complaints, complaint_id, "/final-response", letter)
    assert issued.status_code == 200, issued.text
    return complaint_id


async def eligibility(
    complaints: RunningComplaints, complaint_id: str, as_of: datetime | None = None
) -> dict[str, Any]:
    params = {"as_of": as_of.isoformat()} if as_of else {}
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}/adr-eligibility",
        params=params,
        headers=complaints.headers(),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def criterion(assessment: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in assessment["criteria"] if c["name"] == name)


async def version(complaints: RunningComplaints, complaint_id: str) -> int:
    response = await complaints.client.get(
        f"/v1/complaints/{complaint_id}", headers=complaints.headers()
    )
    return int(response.json()["version"])


# -- the Financial Ombudsman's six months ---------------------------------------------------


async def test_a_case_referred_after_six_months_is_not_eligible_and_the_window_cites_its_rule(
    firm_with_history: RunningComplaints,
) -> None:
    complaints = firm_with_history
    complaint_id = await answered(complaints, "uk-fca-disp", final_response_days_ago=200)

    assessment = await eligibility(complaints, complaint_id)
    window = criterion(assessment, "referral_window")
    assert assessment["eligible"] is False
    assert criterion(assessment, "internal_processes_exhausted")["met"] is True
    assert window["met"] is False
    assert window["facts"]["rule"] == "DISP 2.8.2R(1)"
    assert window["facts"]["started_by"] == "final_response"
    due = datetime.fromisoformat(window["facts"]["due_at"])
    assert timedelta(days=181) <= due - datetime.fromisoformat(window["facts"]["started_at"])
    assert due < datetime.now(UTC)
    assert window["reason"].startswith("The referral window has passed: 6 months after")
    assert "(DISP 2.8.2R(1))" in window["reason"]
    assert "the firm has not recorded its consent to waive it" in window["reason"]

    before = await version(complaints, complaint_id)
    refused = await post(complaints, complaint_id, "/adr-referral", {})
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"].endswith("not-eligible-for-adr")
    failing = {c["name"]: c["reason"] for c in problem["failing_criteria"]}
    assert "DISP 2.8.2R(1)" in failing["referral_window"]
    assert "internal_processes_exhausted" not in failing
    assert problem["detail"].startswith("the referral window has passed: ")
    assert await version(complaints, complaint_id) == before  # nothing written

    # The supervisor's override works as before, and records the window as it stood.
    overridden = await post(
        complaints,
        complaint_id,
        "/adr-referral",
        {"override_justification": JUSTIFICATION},
        role=Role.SUPERVISOR,
    )
    assert overridden.status_code == 201, overridden.text
    recorded = overridden.json()["adr"]["eligibility"]
    assert criterion(recorded, "referral_window")["met"] is False


async def test_the_firms_recorded_consent_makes_a_late_case_eligible(
    firm_with_history: RunningComplaints,
) -> None:
    complaints = firm_with_history
    complaint_id = await answered(complaints, "uk-fca-disp", final_response_days_ago=200)

    consented = await post(
        complaints,
        complaint_id,
        "/time-limit-waiver",
        {"consents": True, "note": "The ombudsman asked; we agree to it being heard."},
        role=Role.SUPERVISOR,
    )

    assert consented.status_code == 200, consented.text
    waiver = consented.json()["time_limit_waiver"]
    assert waiver["consents"] is True
    assert waiver["decided_by_role"] == "supervisor"
    assert waiver["decided_by"]
    assert waiver["note"] == "The ombudsman asked; we agree to it being heard."
    assert abs(datetime.fromisoformat(waiver["decided_at"]) - datetime.now(UTC)) < timedelta(
        minutes=1
    )
    assessment = await eligibility(complaints, complaint_id)
    window = criterion(assessment, "referral_window")
    assert assessment["eligible"] is True
    assert window["met"] is True
    assert window["reason"].startswith("The referral window has passed but is waived: ")
    assert window["facts"]["time_limit_waiver"]["consents"] is True

    referred = await post(complaints, complaint_id, "/adr-referral", {})
    assert referred.status_code == 201, referred.text
    assert referred.json()["adr"]["eligibility"]["eligible"] is True


async def test_a_recorded_refusal_keeps_a_late_case_out_and_says_who_refused(
    firm_with_history: RunningComplaints,
) -> None:
    complaints = firm_with_history
    complaint_id = await answered(complaints, "uk-fca-disp", final_response_days_ago=200)

    refused = await post(
        complaints, complaint_id, "/time-limit-waiver", {"consents": False}, role=Role.ADMIN
    )

    assert refused.status_code == 200, refused.text
    assert refused.json()["time_limit_waiver"]["consents"] is False
    window = criterion(await eligibility(complaints, complaint_id), "referral_window")
    assert window["met"] is False
    assert "the firm refused on " in window["reason"]
    assert (await post(complaints, complaint_id, "/adr-referral", {})).status_code == 409


async def test_within_six_months_the_case_is_eligible_and_after_them_it_will_not_be(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await answered(complaints, "uk-fca-disp")

    now = await eligibility(complaints, complaint_id)
    in_seven_months = await eligibility(
        complaints, complaint_id, as_of=datetime.now(UTC) + timedelta(days=215)
    )

    assert now["eligible"] is True
    assert criterion(now, "referral_window")["reason"].startswith(
        "The referral window is open: Referral to the Financial Ombudsman Service is in time until"
    )
    assert in_seven_months["eligible"] is False
    assert criterion(in_seven_months, "referral_window")["met"] is False


async def test_a_new_complaint_shows_no_waiver_decision(complaints: RunningComplaints) -> None:
    opened = await complaints.client.post(
        "/v1/complaints", json=new_complaint(regime="uk-fca-disp"), headers=complaints.headers()
    )
    assert opened.json()["time_limit_waiver"] is None


# -- AFCA's two years -----------------------------------------------------------------------


async def test_afca_two_years_from_the_idr_response_and_no_waiver_by_the_firm(
    firm_with_history: RunningComplaints,
) -> None:
    complaints = firm_with_history
    late = await answered(complaints, "au-rg271", final_response_days_ago=740)
    in_time = await answered(complaints, "au-rg271", final_response_days_ago=700)

    late_window = criterion(await eligibility(complaints, late), "referral_window")
    assert late_window["met"] is False
    assert late_window["facts"]["rule"] == "AFCA Rules B.4.3.1"
    assert "24 months after the final response" in late_window["reason"]
    assert "the firm's consent cannot waive it under this regime" in late_window["reason"]
    assert (await eligibility(complaints, in_time))["eligible"] is True

    referred_late = await post(complaints, late, "/adr-referral", {})
    assert referred_late.status_code == 409
    assert "referral_window" in [c["name"] for c in referred_late.json()["failing_criteria"]]
    assert (await post(complaints, in_time, "/adr-referral", {})).status_code == 201

    # Under AFCA's rules a late complaint is AFCA's to admit: the firm's consent is refused.
    before = await version(complaints, late)
    consent = await post(
        complaints, late, "/time-limit-waiver", {"consents": True}, role=Role.SUPERVISOR
    )
    assert consent.status_code == 409
    assert consent.json()["type"].endswith("time-limit-not-waivable")
    assert "AFCA Rules B.4.3.1" in consent.json()["detail"]
    assert await version(complaints, late) == before


# -- a summary resolution ends the internal process -----------------------------------------


async def test_a_summary_resolution_exhausts_the_internal_process_under_the_fca(
    complaints: RunningComplaints,
) -> None:
    opened = await complaints.client.post(
        "/v1/complaints", json=new_complaint(regime="uk-fca-disp"), headers=complaints.headers()
    )
    complaint_id = str(opened.json()["id"])
    resolved = await post(
        complaints,
        complaint_id,
        "/summary-resolution",
        {
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
        },
    )
    assert resolved.status_code == 200, resolved.text

    assessment = await eligibility(complaints, complaint_id)
    exhausted = criterion(assessment, "internal_processes_exhausted")
    assert exhausted["met"] is True
    assert exhausted["reason"] == (
        "Internal processes are exhausted: a summary resolution communication has been sent "
        "(DISP 2.8.1R(1))."
    )
    assert exhausted["facts"]["summary_resolution_rule"] == "DISP 2.8.1R(1)"
    assert assessment["eligible"] is True
    assert criterion(assessment, "referral_window")["facts"]["started_by"] == ("summary_resolution")

    referred = await post(complaints, complaint_id, "/adr-referral", {})
    assert referred.status_code == 201, referred.text


# -- the waiver endpoint refuses what it should ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "consents"),
        ({"consents": "yes"}, "consents"),
        ({"consents": 1}, "consents"),
        ({"consents": None}, "consents"),
        ({"consents": True, "waived_by": "ceo"}, "waived_by"),
        ({"consents": True, "note": "x" * 2_001}, "note"),
        ({"consents": True, "occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
    ],
)
async def test_a_bad_waiver_body_is_a_422_naming_the_field_and_nothing_is_written(
    complaints: RunningComplaints, body: dict[str, Any], field: str
) -> None:
    complaint_id = await answered(complaints, "uk-fca-disp")
    before = await version(complaints, complaint_id)

    response = await post(complaints, complaint_id, "/time-limit-waiver", body, Role.SUPERVISOR)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert field in [e["field"].split(".")[-1] for e in problem.get("errors", [])] or (
        field in problem["detail"]
    )
    assert await version(complaints, complaint_id) == before


async def test_only_a_supervisor_or_an_admin_records_the_firms_decision(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await answered(complaints, "uk-fca-disp")
    before = await version(complaints, complaint_id)
    for role in (Role.AGENT, Role.CRM, Role.AUDITOR):
        response = await post(
            complaints, complaint_id, "/time-limit-waiver", {"consents": True}, role
        )
        assert response.status_code == 403, (role, response.text)
    assert await version(complaints, complaint_id) == before


async def test_a_consent_once_recorded_cannot_be_withdrawn(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await answered(complaints, "uk-fca-disp")
    first = await post(
        complaints, complaint_id, "/time-limit-waiver", {"consents": True}, Role.SUPERVISOR
    )
    assert first.status_code == 200
    before = await version(complaints, complaint_id)

    withdrawn = await post(
        complaints, complaint_id, "/time-limit-waiver", {"consents": False}, Role.ADMIN
    )

    assert withdrawn.status_code == 409
    problem = withdrawn.json()
    assert problem["type"].endswith("time-limit-waiver-decided")
    assert problem["time_limit_waiver"]["consents"] is True
    assert "cannot be withdrawn" in problem["detail"]
    assert await version(complaints, complaint_id) == before


async def test_no_waiver_where_the_regime_sets_no_window_or_for_an_unknown_complaint(
    complaints: RunningComplaints,
) -> None:
    opened = await complaints.client.post(
        "/v1/complaints", json=new_complaint(regime="us-cfpb"), headers=complaints.headers()
    )
    complaint_id = str(opened.json()["id"])

    cfpb = await post(
        complaints, complaint_id, "/time-limit-waiver", {"consents": True}, Role.SUPERVISOR
    )
    unknown = await post(
        complaints,
        "00000000-0000-0000-0000-000000000000",
        "/time-limit-waiver",
        {"consents": True},
        Role.SUPERVISOR,
    )

    assert cfpb.status_code == 409
    assert cfpb.json()["type"].endswith("time-limit-not-waivable")
    assert "sets no referral window" in cfpb.json()["detail"]
    assert unknown.status_code == 404
    assert await version(complaints, complaint_id) == 1
