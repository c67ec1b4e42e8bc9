"""Every regulated letter is checked against the complaint's regime before it is recorded, and
the regimes themselves can be read: GET /v1/regimes and /v1/regimes/{name} (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from libs.domain.deadlines import get_regime, known_regime_names
from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint

FCA_ACKNOWLEDGEMENT = {"receipt_confirmed": True, "response_timeframes_stated": True}
FCA_HOLDING_RESPONSE = {
    "delay_explained": True,
    "final_response_expected": "within four weeks",
    "may_refer_now": True,
    "ombudsman_leaflet_enclosed": True,
}
FCA_SUMMARY_RESOLUTION = {
    "resolved_stated": True,
    "may_refer_to_ombudsman": True,
    "time_limit_waiver_stated": True,
    "ombudsman_website": "https://www.financial-ombudsman.org.uk",
    "further_information_on_website": True,
}
SUMMARY = {"outcome": "upheld", "summary": "Refunded", "remedy": "Refund", "message": "Refunded."}


async def opened(complaints: RunningComplaints, regime: str) -> dict[str, Any]:
    response = await complaints.client.post(
        "/v1/complaints", json=new_complaint(regime=regime), headers=complaints.headers()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def send(
    complaints: RunningComplaints, complaint: dict[str, Any], path: str, body: dict[str, Any]
) -> Any:
    return await complaints.client.post(
        f"/v1/complaints/{complaint['id']}{path}", json=body, headers=complaints.headers()
    )


async def history(complaints: RunningComplaints, complaint: dict[str, Any]) -> list[Any]:
    response = await complaints.client.get(
        f"/v1/complaints/{complaint['id']}/history", headers=complaints.headers(Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def final_response_due(document: dict[str, Any]) -> datetime:
    deadline = next(d for d in document["deadlines"] if d["clock"] == "final_response")
    return datetime.fromisoformat(deadline["due_at"])


LETTERS_MISSING_AN_ELEMENT = [
    pytest.param(
        "uk-fca-disp",
        "/acknowledgement",
        {"message": "We have your complaint", "channel": "email"},
        FCA_ACKNOWLEDGEMENT,
        "acknowledgement",
        "response_timeframes_stated",
        "DISP 1.6.1R(1)(b)(ii)",
        id="acknowledgement",
    ),
    pytest.param(
        "uk-psd",
        "/holding-reply",
        {"reason": "Waiting for the card scheme", "message": "We need more time"},
        {"delay_reasons_given": True, "final_response_by": "2030-01-31"},
        "holding_reply",
        "final_response_by",
        "DISP 1.6.2AR(2)(a)",
        id="payment-services-holding-reply",
    ),
    pytest.param(
        "uk-fca-disp",
        "/holding-reply",
        {"reason": "Waiting for the insurer", "message": "We need more time"},
        FCA_HOLDING_RESPONSE,
        "holding_reply",
        "ombudsman_leaflet_enclosed",
        "DISP 1.6.2R(2)(c)",
        id="eight-week-holding-response",
    ),
    pytest.param(
        "uk-fca-disp",
        "/summary-resolution",
        SUMMARY,
        FCA_SUMMARY_RESOLUTION,
        "summary_resolution",
        "ombudsman_website",
        "DISP 1.5.4R(4)",
        id="summary-resolution",
    ),
]


@pytest.mark.parametrize(
    ("regime", "path", "body", "complete", "letter", "left_out", "rule"),
    LETTERS_MISSING_AN_ELEMENT,
)
async def test_a_letter_missing_an_element_is_refused_listing_it_and_nothing_is_written(
    complaints: RunningComplaints,
    regime: str,
    path: str,
    body: dict[str, Any],
    complete: dict[str, Any],
    letter: str,
    left_out: str,
    rule: str,
) -> None:
    complaint = await opened(complaints, regime)
    before = await history(complaints, complaint)
    partial = {name: value for name, value in complete.items() if name != left_out}

    refused = await send(complaints, complaint, path, {**body, "elements": partial})

    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"] == "urn:redress:problem:letter-incomplete"
    assert (problem["letter"], problem["regime"]) == (letter, regime)
    assert [m["element"] for m in problem["missing"]] == [left_out]
    assert problem["missing"][0]["rule"].startswith(rule)
    assert problem["errors"][0]["field"] == f"elements.{left_out}"
    assert await history(complaints, complaint) == before

    accepted = await send(complaints, complaint, path, {**body, "elements": complete})
    assert accepted.status_code == 200, accepted.text
    recorded = await history(complaints, complaint)
    assert len(recorded) == len(before) + 1


async def test_a_letter_naming_an_element_its_regime_does_not_know_is_refused(
    complaints: RunningComplaints,
) -> None:
    complaint = await opened(complaints, "default")
    refused = await send(
        complaints,
        complaint,
        "/acknowledgement",
        {"message": "Thanks", "channel": "email", "elements": {"tone": "warm"}},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "elements"
    assert "tone" in refused.json()["detail"]


async def test_under_the_default_regime_letters_need_no_elements(
    complaints: RunningComplaints,
) -> None:
    complaint = await opened(complaints, "default")
    acknowledged = await send(
        complaints, complaint, "/acknowledgement", {"message": "Thanks", "channel": "email"}
    )
    assert acknowledged.status_code == 200, acknowledged.text
    held = await send(
        complaints, complaint, "/holding-reply", {"reason": "Busy", "message": "Soon"}
    )
    assert held.status_code == 200, held.text


async def test_a_holding_reply_that_fails_its_check_extends_no_deadline(
    complaints: RunningComplaints,
) -> None:
    complaint = await opened(complaints, "uk-psd")
    due = final_response_due(complaint)
    body = {"reason": "Waiting for the card scheme", "message": "We need more time"}

    refused = await send(complaints, complaint, "/holding-reply", body)
    assert refused.status_code == 422
    assert {m["element"] for m in refused.json()["missing"]} == {
        "delay_reasons_given",
        "final_response_by",
    }
    current = await complaints.client.get(
        f"/v1/complaints/{complaint['id']}", headers=complaints.headers()
    )
    assert final_response_due(current.json()) == due
    assert current.json()["holding_replies"] == []

    complete = {"delay_reasons_given": True, "final_response_by": "2030-01-31"}
    accepted = await send(complaints, complaint, "/holding-reply", {**body, "elements": complete})
    assert accepted.status_code == 200, accepted.text
    # DISP 1.6.2AR: 15 business days become 35, about four weeks later.
    assert final_response_due(accepted.json()) - due >= timedelta(days=27)
    assert accepted.json()["holding_replies"][0]["elements"] == complete


async def test_the_regimes_are_listed_with_their_versions(complaints: RunningComplaints) -> None:
    response = await complaints.client.get("/v1/regimes", headers=complaints.headers(Role.CRM))

    assert response.status_code == 200, response.text
    items = {item["name"]: item for item in response.json()["items"]}
    assert set(items) == set(known_regime_names())
    assert set(items) >= {"default", "uk-fca-disp", "uk-psd", "au-rg271", "us-cfpb", "eu-adr"}
    fca = items["uk-fca-disp"]
    assert (fca["version"], fca["effective_from"]) == ("2026-06-01", "2026-06-01")
    assert "DISP" in fca["source"]
    assert fca["href"] == "/v1/regimes/uk-fca-disp"


async def test_a_regime_shows_every_clock_and_every_letter_with_its_rules(
    complaints: RunningComplaints,
) -> None:
    response = await complaints.client.get(
        "/v1/regimes/uk-fca-disp", headers=complaints.headers(Role.AUDITOR)
    )

    assert response.status_code == 200, response.text
    regime = response.json()
    clocks = {clock["name"]: clock for clock in regime["clocks"]}
    assert list(clocks) == [clock.name for clock in get_regime("uk-fca-disp").clocks]
    final = clocks["final_response"]
    assert (final["starts_on"], final["period"]) == ("received", {"unit": "weeks", "length": 8})
    assert "final_response" in final["stops_on"]
    assert final["early_resolution"]["event"] == "summary_resolution"
    assert "DISP 1.6.2R" in final["basis"]
    assert regime["calendar"]["timezone"] == "Europe/London"

    letters = regime["letters"]
    assert set(letters) == {
        "acknowledgement",
        "holding_reply",
        "summary_resolution",
        "final_response",
    }
    timeframes = next(
        e
        for e in letters["acknowledgement"]["elements"]
        if e["name"] == "response_timeframes_stated"
    )
    assert (timeframes["kind"], timeframes["effective_from"]) == ("flag", "2026-06-01")
    assert timeframes["basis"].startswith("DISP 1.6.1R(1)(b)")
    assert "DISP 1.5.4R" in letters["summary_resolution"]["basis"]
    assert [e["name"] for e in letters["final_response"]["elements"]] == [
        e.name for e in get_regime("uk-fca-disp").final_response
    ]


@pytest.mark.parametrize("name", known_regime_names())
async def test_every_regime_documents_every_clock_it_computes(
    complaints: RunningComplaints, name: str
) -> None:
    response = await complaints.client.get(
        f"/v1/regimes/{name}", headers=complaints.headers(Role.SERVICE)
    )
    assert response.status_code == 200, response.text
    document = response.json()
    assert [c["name"] for c in document["clocks"]] == [c.name for c in get_regime(name).clocks]
    assert all(letter["basis"] for letter in document["letters"].values())


async def test_an_unknown_regime_is_a_404_naming_the_known_ones(
    complaints: RunningComplaints,
) -> None:
    response = await complaints.client.get("/v1/regimes/mars-2099", headers=complaints.headers())
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "uk-fca-disp" in response.json()["known_regimes"]


async def test_the_regimes_need_a_key(complaints: RunningComplaints) -> None:
    assert (await complaints.client.get("/v1/regimes")).status_code == 401
