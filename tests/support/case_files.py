"""A complaint through every step of its life, for the case-file tests: received,
acknowledged, interactions (one back-dated, one with a document, one long), flags, an
escalation, two offers (one rejected, one accepted), a resolution with redress, the final
response with the regime's elements, an appeal decided, the time-limit waiver, a referral
to ADR (overridden by a supervisor), the provider's reports and its award, then closure.

The provider's reports arrive as the ADR gateway's feed events do, through the same handler
the follower runs (`services.complaints.adr_updates`), saved by the application."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from libs.domain.values import Role
from libs.platform.follower import FeedEvent, UnitOfWork
from services.complaints import adr_updates
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint

FCA_LETTER = {
    "decision": "accepted_with_redress",
    "ombudsman_leaflet_enclosed": True,
    "ombudsman_website": "https://www.financial-ombudsman.org.uk",
    "may_refer_now_and_within_6_months": True,
    "time_limit_waiver_stated": True,
}
LONG_BODY = "The customer read out the statement line by line. " * 120  # ~6,000 characters
DOCUMENT = {
    "storage_ref": "s3://evidence/statement-march.pdf",
    "media_type": "application/pdf",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "size": 48213,
    "filename": "statement-march.pdf",
}
CUSTOMER = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0018",
    "address": "12 St James's Square, London SW1Y 4JH",
}
AWARD = {"amount": "150.00", "currency": "GBP", "payable_within_days": 28}


async def _post(
    complaints: RunningComplaints, complaint_id: str, path: str, body: dict[str, Any], role: Role
) -> dict[str, Any]:
    response = await complaints.client.post(
        f"/v1/complaints/{complaint_id}{path}",
        json=body,
        headers=complaints.headers(role, **{"X-Correlation-ID": f"corr-{path.strip('/')}"}),
    )
    assert response.status_code in (200, 201), (path, response.text)
    return dict(response.json())


def _gateway_event(event_id: str, name: str, data: dict[str, Any]) -> FeedEvent:
    return FeedEvent(
        id=event_id,
        type=f"dev.redress.adr_gateway.{name}",
        subject="referral",
        position=1,
        data=data,
    )


def provider_reports(complaints: RunningComplaints, complaint: dict[str, Any]) -> None:
    """The provider accepts the case, then decides it with an award."""
    application = complaints.service.application
    reference = complaint["adr"]["referral_id"]
    base = {"complaint_id": complaint["id"], "provider_id": "fos-sandbox", "reference": reference}
    now = datetime.now(UTC)
    unit = UnitOfWork(application)
    for event in (
        _gateway_event(
            f"g-{reference}-1",
            "ProviderStatusReported",
            {
                **base,
                "status": "accepted",
                "event_type": "referral.accepted",
                "detail": {"case_officer": "Sam Okafor", "file_complete": True},
                "occurred_at": now.isoformat(),
            },
        ),
        _gateway_event(
            f"g-{reference}-2",
            "ProviderDecisionIssued",
            {
                **base,
                "outcome": "upheld",
                "summary": "The firm should pay £150 for the distress caused",
                "binding": True,
                "award": AWARD,
                "occurred_at": (now + timedelta(seconds=1)).isoformat(),
            },
        ),
    ):
        adr_updates.record_provider_updates(unit, event)
    application.save(*unit.aggregates())


async def complaint_through_every_step(complaints: RunningComplaints) -> str:
    """Opens a uk-fca-disp complaint and takes it through its whole life; its id."""
    crm, agent, boss = Role.CRM, Role.AGENT, Role.SUPERVISOR
    body = new_complaint(regime="uk-fca-disp")
    body["customer"] = {**body["customer"], **CUSTOMER}
    opened = await complaints.client.post(
        "/v1/complaints", json=body, headers=complaints.headers(crm)
    )
    assert opened.status_code == 201, opened.text
    cid = str(opened.json()["id"])
    await _post(
        complaints,
        cid,
        "/acknowledgement",
        {
            "message": "We received your complaint",
            "channel": "email",
            "elements": {"receipt_confirmed": True, "response_timeframes_stated": True},
        },
        agent,
    )
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    interactions = [
        {"kind": "call", "direction": "inbound", "summary": "Customer rang, upset"}
        | {"occurred_at": two_hours_ago, "body": LONG_BODY, "language": "en-GB"},
        {"kind": "document", "direction": "inbound", "summary": "Bank statement for March"}
        | {"document": DOCUMENT},
    ]
    for interaction in interactions:
        await _post(complaints, cid, "/interactions", interaction, crm)
    await _post(complaints, cid, "/flags", {"vulnerable_customer": True}, agent)
    await _post(complaints, cid, "/escalations", {"reason": "Asked for a supervisor"}, agent)
    first = await _post(
        complaints,
        cid,
        "/offers",
        {"description": "Goodwill payment", "amount": {"amount": "20.00", "currency": "GBP"}},
        agent,
    )
    await _post(
        complaints,
        cid,
        f"/offers/{first['offers'][-1]['id']}/response",
        {"decision": "rejected", "customer_comment": "Not enough"},
        crm,
    )
    second = await _post(
        complaints,
        cid,
        "/offers",
        {
            "description": "Refund of the duplicate charge",
            "amount": {"amount": "1234.50", "currency": "GBP"},
        },
        agent,
    )
    await _post(
        complaints,
        cid,
        f"/offers/{second['offers'][-1]['id']}/response",
        {"decision": "accepted"},
        crm,
    )
    await _post(
        complaints,
        cid,
        "/resolution",
        {
            "outcome": "upheld",
            "summary": "Duplicate charge confirmed",
            "remedy": "Refund",
            "redress": {"amount": "1234.50", "currency": "GBP"},
        },
        agent,
    )
    await _post(
        complaints,
        cid,
        "/final-response",
        {"letter": "Dear Ms Lovelace, we uphold your complaint.", "elements": FCA_LETTER},
        agent,
    )
    appealed = await _post(
        complaints, cid, "/appeals", {"grounds": "The refund came without interest"}, crm
    )
    await _post(
        complaints,
        cid,
        f"/appeals/{appealed['appeals'][-1]['id']}/decision",
        {
            "outcome": "dismissed",
            "decided_at_tier": "manager",
            "reasons": "Interest is not due on a refund made within 8 weeks",
        },
        boss,
    )
    await _post(
        complaints, cid, "/time-limit-waiver", {"consents": True, "note": "Late, but fair"}, boss
    )
    referred = await _post(
        complaints,
        cid,
        "/adr-referral",
        {
            "preferred_method": "mediation",
            "preferred_provider_id": "fos-sandbox",
            "override_justification": "The customer is vulnerable; the ombudsman should see it now",
        },
        boss,
    )
    provider_reports(complaints, referred)
    return cid
