"""What the API refuses (docs/api-conventions.md): strict booleans, ISO 4217 currencies of
money, text without control characters, JSON bodies in UTF-8 only, RFC 3339 date-times only,
and any date-time a client can write answered without a 500 — in the complaints service, and
where the other two services take the same kinds of input. Each refusal is a problem
document naming the field and the rule, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from services.adr_gateway.adapters.webhook import sign
from services.notifications.app import create_app as create_notifications_app
from services.notifications.bootstrap import bootstrap as notifications
from services.notifications.settings import NotificationsSettings
from tests.conftest import RunningComplaints
from tests.service.test_bad_input import PROBLEM, event_count, opened
from tests.support.complaints import new_complaint
from tests.support.gateway import gateway_settings, running_gateway, sqlite_url
from tests.support.in_process import InProcessClient


def refused_fields(response: Any, status: int = 422) -> list[str]:
    """The fields a refusal names, after checking it is a problem document."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("urn:redress:problem:")
    return [error["field"] for error in problem.get("errors", [])]


async def open_with(complaints: RunningComplaints, **change: Any) -> Any:
    return await complaints.client.post(
        "/v1/complaints", json=new_complaint(**change), headers=complaints.headers()
    )


# -- strict booleans --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", "true", "false", 1, 0, "on"])
async def test_a_flag_is_true_or_false_and_nothing_else(
    complaints: RunningComplaints, value: Any
) -> None:
    complaint_id = await opened(complaints)
    before = event_count(complaints)

    at_intake = await open_with(complaints, flags={"legal": value})
    changed = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/flags",
        json={"vulnerable_customer": value},
        headers=complaints.headers(),
    )

    assert refused_fields(at_intake) == ["flags.legal"]
    assert "valid boolean" in at_intake.json()["detail"]
    assert refused_fields(changed) == ["vulnerable_customer"]
    assert event_count(complaints) == before


async def test_flags_given_as_booleans_are_recorded(complaints: RunningComplaints) -> None:
    response = await open_with(complaints, flags={"legal": True, "regulatory": False})
    assert response.status_code == 201, response.text
    assert response.json()["flags"]["legal"] is True


# -- currencies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "why"),
    [
        ("ABC", "is not an ISO 4217 currency code"),
        ("gbp", "is not an ISO 4217 currency code"),
        ("XXX", "is not money"),  # "no currency is involved"
        ("XTS", "is not money"),  # reserved for testing
        ("XAU", "is not money"),  # a troy ounce of gold
        ("CLF", "is not money"),  # a fund code: Chile's Unidad de Fomento
    ],
)
async def test_money_is_in_an_iso_4217_currency(
    complaints: RunningComplaints, currency: str, why: str
) -> None:
    complaint_id = await opened(complaints)
    before = event_count(complaints)
    money = {"amount": "42.50", "currency": currency}

    at_intake = await open_with(complaints, amount_in_dispute=money)
    offered = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/offers",
        json={"description": "a refund", "amount": money},
        headers=complaints.headers(),
    )

    assert refused_fields(at_intake) == ["amount_in_dispute.currency"]
    assert why in at_intake.json()["errors"][0]["message"]
    assert refused_fields(offered) == ["amount.currency"]
    assert event_count(complaints) == before


@pytest.mark.parametrize("currency", ["GBP", "EUR", "AUD", "JPY", "CHF"])
async def test_current_currencies_are_accepted(
    complaints: RunningComplaints, currency: str
) -> None:
    response = await open_with(complaints, amount_in_dispute={"amount": 10, "currency": currency})
    assert response.status_code == 201, response.text
    assert response.json()["amount_in_dispute"]["currency"] == currency


@pytest.mark.parametrize(
    "amount", ["4.25e1", " 42.5", "42.50\n", "+42.50", "NaN", "42.505", "\u0664\u0662", True]
)
async def test_an_amount_is_a_plain_number(complaints: RunningComplaints, amount: Any) -> None:
    before = event_count(complaints)
    response = await open_with(complaints, amount_in_dispute={"amount": amount, "currency": "GBP"})
    assert refused_fields(response) == ["amount_in_dispute.amount"]
    assert event_count(complaints) == before


# -- control characters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"description": "charged\x00twice"}, "description", "U+0000"),  # NUL
        ({"description": "charged \x1b[31mtwice"}, "description", "U+001B"),  # ESC
        ({"description": "charged\x7ftwice"}, "description", "U+007F"),  # DEL
        ({"description": "charged\x85twice"}, "description", "U+0085"),  # C1 NEL
        ({"desired_remedy": "a\x0crefund"}, "desired_remedy", "U+000C"),  # form feed
        ({"customer": {"id": "C-1\t2", "name": "Ada"}}, "customer.id", "U+0009"),
        ({"customer": {"id": "C-1", "name": "Ada\nLovelace"}}, "customer.name", "U+000A"),
        ({"external_ref": "CRM\r1"}, "external_ref", "U+000D"),
    ],
)
async def test_text_holds_no_control_characters(
    complaints: RunningComplaints, change: dict[str, Any], field: str, code: str
) -> None:
    before = event_count(complaints)
    response = await open_with(complaints, **change)
    assert refused_fields(response) == [field]
    assert code in response.json()["detail"]
    assert event_count(complaints) == before


async def test_multi_line_text_keeps_its_tabs_and_line_breaks(
    complaints: RunningComplaints,
) -> None:
    description = "Charged twice:\r\n\t1 March\n\t2 March"
    response = await open_with(complaints, description=description)
    assert response.status_code == 201, response.text
    assert response.json()["description"] == description


async def test_a_control_character_in_a_later_request_is_refused_too(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await opened(complaints)
    before = event_count(complaints)
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/interactions",
        json={"kind": "note", "direction": "internal", "summary": "call\x00notes"},
        headers=complaints.headers(),
    )
    assert refused_fields(response) == ["summary"]
    assert event_count(complaints) == before


@pytest.mark.parametrize("parameter", ["tier", "customer_id", "external_ref"])
async def test_a_list_filter_holds_no_control_characters(
    complaints: RunningComplaints, parameter: str
) -> None:
    # PostgreSQL's text cannot hold NUL: this was a 500 there.
    response = await complaints.client.get(
        "/v1/complaints", params={parameter: "a\x00b"}, headers=complaints.headers()
    )
    assert refused_fields(response) == [f"query.{parameter}"]


# -- JSON in UTF-8, or 415 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("application/json; charset=latin-1", "latin-1"),
        ("application/json; charset=ISO-8859-1", "ISO-8859-1"),
        ("application/json; charset=utf-16", "utf-16"),
    ],
)
async def test_json_is_accepted_only_in_utf_8(
    complaints: RunningComplaints, content_type: str, named: str
) -> None:
    before = event_count(complaints)
    body = json.dumps(new_complaint(description="Café au lait"), ensure_ascii=False)
    response = await complaints.client.post(
        "/v1/complaints",
        content=body.encode("latin-1"),
        headers=complaints.headers(**{"content-type": content_type}),
    )
    assert refused_fields(response, 415) == ["header.content-type"]
    problem = response.json()
    assert problem["type"] == "urn:redress:problem:unsupported-media-type"
    assert f"charset '{named}'" in problem["detail"]
    assert "RFC 8259" in problem["detail"]
    assert event_count(complaints) == before


async def test_a_body_in_utf_16_is_refused_whatever_its_content_type_says(
    complaints: RunningComplaints,
) -> None:
    before = event_count(complaints)
    response = await complaints.client.post(
        "/v1/complaints",
        content=json.dumps(new_complaint()).encode("utf-16"),
        headers=complaints.headers(**{"content-type": "application/json"}),
    )
    assert refused_fields(response, 415) == ["header.content-type"]
    assert "not UTF-8" in response.json()["detail"]
    assert event_count(complaints) == before


async def test_utf_8_said_or_unsaid_is_accepted(complaints: RunningComplaints) -> None:
    body = json.dumps(new_complaint(description="Café au lait"), ensure_ascii=False).encode()
    for content_type in ("application/json", 'application/json; charset="UTF-8"'):
        response = await complaints.client.post(
            "/v1/complaints",
            content=body,
            headers=complaints.headers(**{"content-type": content_type}),
        )
        assert response.status_code == 201, response.text
        assert response.json()["description"] == "Café au lait"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/xml", b"<complaint><description>x</description></complaint>"),
        ("text/plain", json.dumps(new_complaint()).encode()),
        ("application/x-www-form-urlencoded", b"description=x"),
        (None, json.dumps(new_complaint()).encode()),
    ],
)
async def test_a_body_that_is_not_json_is_415_naming_its_type(
    complaints: RunningComplaints, content_type: str | None, body: bytes
) -> None:
    complaint_id = await opened(complaints)
    before = event_count(complaints)
    extra = {"content-type": content_type} if content_type else {}
    for path in ("/v1/complaints", f"/v1/complaints/{complaint_id}/escalations"):
        response = await complaints.client.post(
            path, content=body, headers=complaints.headers(**extra)
        )
        assert refused_fields(response, 415) == ["header.content-type"]
        problem = response.json()
        assert problem["content_type"] == content_type
        assert problem["accepted"] == ["application/json; charset=utf-8"]
        if content_type:
            assert f"'{content_type}'" in problem["detail"]
    assert event_count(complaints) == before


async def test_the_415_is_in_the_contract(complaints: RunningComplaints) -> None:
    document = (await complaints.client.get("/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert ("415" in operation["responses"]) == ("requestBody" in operation), (
                method,
                path,
            )


# -- date-times: RFC 3339 strings only ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0.5",  # was read as a Unix time: 1970-01-01T00:00:00.5Z
        "1700000000",
        "2026-01-01",  # a date alone
        "2026-01-01T10:00:00",  # no offset: refused, not taken as UTC
        "2026-01-01 10:00:00Z",  # a space for the T
        "2026-02-30T10:00:00Z",  # no such day
        "2026-01-01T23:59:60Z",  # a leap second
        "yesterday",
    ],
)
async def test_a_date_time_in_a_query_is_an_rfc_3339_string(
    complaints: RunningComplaints, value: str
) -> None:
    complaint_id = await opened(complaints)
    asked = [
        ("/v1/complaints", "received_to", {}),
        ("/v1/complaints", "received_from", {}),
        ("/v1/complaints", "due_before", {}),
        (f"/v1/complaints/{complaint_id}", "as_of", {}),
        (f"/v1/complaints/{complaint_id}/adr-eligibility", "as_of", {}),
        ("/v1/reports/regulatory", "from", {"to": "2030-01-01T00:00:00Z"}),
        ("/v1/reports/regulatory", "to", {"from": "2020-01-01T00:00:00Z"}),
    ]
    for path, parameter, others in asked:
        response = await complaints.client.get(
            path, params={parameter: value, **others}, headers=complaints.headers()
        )
        assert refused_fields(response) == [f"query.{parameter}"], (path, parameter)
        assert "RFC 3339" in response.json()["detail"]


@pytest.mark.parametrize("value", [1767225600, 1767225600.5, "1767225600", True])
async def test_a_date_time_in_a_body_is_an_rfc_3339_string(
    complaints: RunningComplaints, value: Any
) -> None:
    complaint_id = await opened(complaints)
    before = event_count(complaints)
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/escalations",
        json={"reason": "no reply", "occurred_at": value},
        headers=complaints.headers(),
    )
    assert refused_fields(response) == ["occurred_at"]
    assert event_count(complaints) == before


async def test_rfc_3339_date_times_with_any_offset_are_read(
    complaints: RunningComplaints,
) -> None:
    complaint_id = await opened(complaints)
    for value in (
        "2026-01-01T10:00:00Z",
        "2026-01-01t10:00:00.123456789z",
        "2026-01-01T10:00:00-05:30",
    ):
        response = await complaints.client.get(
            f"/v1/complaints/{complaint_id}/adr-eligibility",
            params={"as_of": value},
            headers=complaints.headers(),
        )
        assert response.status_code == 200, (value, response.text)


# -- any date-time answered, never a 500 --------------------------------------------------------

OUT_OF_RANGE = [
    "0001-01-01T00:00:00+23:59",  # before year 1 in UTC: overflowed
    "9999-12-31T23:59:59-23:59",  # after year 9999 in UTC: overflowed
    "1899-12-31T23:59:59Z",
    "3000-01-01T00:00:00Z",
]
AT_THE_BOUNDS = ["1900-01-01T00:00:00+23:59", "2999-12-31T23:59:59-23:59"]


def date_time_queries(complaint_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """Every date-time query parameter, with the others its endpoint needs."""
    return [
        ("/v1/complaints", "due_before", {}),
        ("/v1/complaints", "received_from", {}),
        ("/v1/complaints", "received_to", {}),
        (f"/v1/complaints/{complaint_id}", "as_of", {}),
        (f"/v1/complaints/{complaint_id}/adr-eligibility", "as_of", {}),
        ("/v1/reports/regulatory", "from", {"to": "2999-12-31T23:59:59Z"}),
        ("/v1/reports/regulatory", "to", {"from": "1900-01-01T00:00:00Z"}),
    ]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
async def test_a_date_time_out_of_range_is_422_naming_the_parameter(
    complaints: RunningComplaints, value: str
) -> None:
    complaint_id = await opened(complaints)
    for path, parameter, others in date_time_queries(complaint_id):
        response = await complaints.client.get(
            path, params={parameter: value, **others}, headers=complaints.headers()
        )
        assert refused_fields(response) == [f"query.{parameter}"], (path, parameter)
        assert "years 1900 to 2999" in response.json()["detail"]
    before = event_count(complaints)
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}/escalations",
        json={"reason": "no reply", "occurred_at": value},
        headers=complaints.headers(),
    )
    assert refused_fields(response) == ["occurred_at"]
    assert event_count(complaints) == before


@pytest.mark.parametrize("value", AT_THE_BOUNDS)
async def test_a_date_time_at_the_bounds_is_answered(
    complaints: RunningComplaints, value: str
) -> None:
    complaint_id = await opened(complaints)
    for path, parameter, _ in date_time_queries(complaint_id)[:-2]:
        response = await complaints.client.get(
            path, params={parameter: value}, headers=complaints.headers()
        )
        # The complaint did not exist in 1900 (404 for its past); all else is answered.
        assert response.status_code in (200, 404), (path, parameter, response.text)
        if response.status_code == 404:
            assert response.json()["type"] == "urn:redress:problem:not-yet-recorded"
    report = await complaints.client.get(
        "/v1/reports/regulatory",
        params={"from": AT_THE_BOUNDS[0], "to": AT_THE_BOUNDS[1]},
        headers=complaints.headers(),
    )
    assert report.status_code == 200, report.text


async def test_bytes_that_are_not_utf_8_are_malformed_json(complaints: RunningComplaints) -> None:
    before = event_count(complaints)
    body = json.dumps(new_complaint(description="Café au lait"), ensure_ascii=False)
    response = await complaints.client.post(
        "/v1/complaints",
        content=body.encode("latin-1"),  # but not declared: read as UTF-8, and is not
        headers=complaints.headers(**{"content-type": "application/json"}),
    )
    assert response.status_code == 400
    assert response.json()["type"] == "urn:redress:problem:malformed-json"
    assert "not UTF-8" in response.json()["detail"]
    assert event_count(complaints) == before


# -- the other services ---------------------------------------------------------------------------


async def test_the_gateway_refuses_alike(tmp_path: Path) -> None:
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        xml = await gateway.client.post(
            "/v1/providers",
            content=b"<provider/>",
            headers={**gateway.headers(), "content-type": "application/xml"},
        )
        assert refused_fields(xml, 415) == ["header.content-type"]
        fee = await gateway.client.post(
            "/v1/providers",
            json={
                "name": "Ombudsman",
                "methods": ["mediation"],
                "adapter": "webhook",
                "adapter_settings": {"url": "http://127.0.0.1:9/cases"},
                "fee": {"amount": "100.00", "currency": "ABC"},
            },
            headers=gateway.headers(),
        )
        assert refused_fields(fee) == ["fee.currency"]

        provider = await gateway.register("http://127.0.0.1:9/cases")
        referral = gateway.prepared_referral(provider["id"])
        before = gateway.service.application.recorder.max_notification_id()
        for occurred_at in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"):
            body = json.dumps(
                {
                    "type": "referral.accepted",
                    "referral_id": referral.reference,
                    "occurred_at": occurred_at,
                }
            ).encode()
            signed = sign(provider["webhook_secret"], f"msg_{uuid4().hex}", body)
            response = await gateway.client.post(
                f"/v1/providers/{provider['id']}/webhooks",
                content=body,
                headers={**signed, "content-type": "application/json"},
            )
            # Converted to UTC, these overflowed: a 500.
            assert refused_fields(response) == ["occurred_at"]
        assert gateway.service.application.recorder.max_notification_id() == before


def test_the_notifications_service_refuses_a_body_that_is_not_json(tmp_path: Path) -> None:
    service = notifications(
        NotificationsSettings(database_url=f"sqlite:///{tmp_path / 'notifications.db'}")
    )
    client = InProcessClient(create_notifications_app(service))
    try:
        response = client.post(
            "/v1/followups/any-token/response",
            content=b"rating=5",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert refused_fields(response, 415) == ["header.content-type"]
    finally:
        client.close()
        service.stop()
