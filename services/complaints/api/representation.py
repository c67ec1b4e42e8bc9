"""How a complaint is shown over HTTP: plain JSON, money as strings, times in RFC 3339.

Offers, appeals, decisions and the ADR referral are shown as their records (see
`libs.domain.records`): each value type's field names are the document's keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from libs.domain.adr_referral import AdrReferral
from libs.domain.complaint import Complaint
from libs.domain.deadlines import Deadline, approaching_from, is_approaching
from libs.domain.decisions import FinalResponse, Resolution
from libs.domain.offers import Offer
from libs.domain.records import record_of
from libs.platform.runtime.jsonable import jsonable, rfc3339_local


def money(amount: Decimal | None, currency: str | None) -> dict[str, str] | None:
    if amount is None or currency is None:
        return None
    return {"amount": str(amount), "currency": currency}


def deadline_view(deadline: Deadline, as_of: datetime, lead_business_days: int) -> dict[str, Any]:
    return jsonable(deadline_document(deadline, as_of, lead_business_days))


def deadline_document(
    deadline: Deadline, as_of: datetime, lead_business_days: int
) -> dict[str, Any]:
    """`lead_business_days` is the service's default lead, for a clock whose regime declares
    none (see `libs.domain.deadlines.approaching_from`)."""
    return {
        "clock": deadline.clock,
        "name": deadline.name,
        "party": deadline.party.value,
        "started_at": deadline.started_at,
        "due_at": deadline.due_at,
        # The one local reading a person needs: the end of the due day on the regime's
        # calendar (the instant is `due_at`, in UTC like every other instant).
        "due_local": rfc3339_local(deadline.due_at.astimezone(deadline.calendar.zone)),
        "timezone": deadline.calendar.timezone,
        "state": deadline.state.value,
        "approaching": is_approaching(deadline, as_of, lead_business_days),
        "approaching_from": approaching_from(deadline, lead_business_days),
        "met_at": deadline.met_at,
        "met_by": deadline.met_by.value if deadline.met_by else None,
        "basis": deadline.basis,
        "explanation": deadline.explanation,
    }


def complaint_view(
    complaint: Complaint, deadlines: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The complaint as it stands at its version; `deadlines` as computed by the caller
    (as of the moment it asks about)."""
    return jsonable(complaint_document(complaint, deadlines))


def complaint_document(
    complaint: Complaint, deadlines: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """`complaint_view` before it is made JSON: for a response that serialises it once."""
    return {
        "id": complaint.id,
        "version": complaint.version,
        "status": complaint.status,
        "tier": complaint.tier,
        "legal_entity": complaint.legal_entity,
        "regime": complaint.regime,
        "regime_variant": complaint.regime_variant,
        "calendar_subdivision": complaint.calendar_subdivision,
        "customer": complaint.customer,
        "channel": complaint.channel,
        "category": complaint.category,
        "description": complaint.description,
        "amount_in_dispute": money(complaint.amount_in_dispute, complaint.currency),
        "desired_remedy": complaint.desired_remedy,
        "external_ref": complaint.external_ref,
        "flags": complaint.flags,
        "ladder": complaint.ladder,
        "received_at": complaint.received_at,
        "recorded_at": complaint.created_on,
        "updated_at": complaint.modified_on,
        "interactions": entries(complaint, "interactions"),
        "escalations": complaint.escalations,
        "offers": entries(complaint, "offers"),
        "resolution": _resolution(complaint.resolution),
        "final_response": _record(complaint.final_response),
        "appeals": entries(complaint, "appeals"),
        "acknowledged_at": complaint.acknowledged_at,
        "holding_replies": complaint.holding_replies,
        "deadline_alerts": complaint.deadline_alerts,
        "adr": adr_record(complaint.adr) if complaint.adr is not None else None,
        "closure": complaint.closure,
        "reopen_count": complaint.reopen_count,
        "last_progress_at": complaint.last_progress_at,
        "time_limit_waiver": (
            record_of(complaint.time_limit_waiver) if complaint.time_limit_waiver else None
        ),
        "deadlines": list(deadlines),
    }


def entries(complaint: Complaint, collection: str) -> list[dict[str, Any]]:
    """The complaint's offers, appeals or interactions, oldest first, each as the complaint
    shows it (and as `GET .../{collection}/{id}` does)."""
    if collection == "offers":
        return [_offer(offer) for offer in complaint.offers.values()]
    if collection == "appeals":
        return [record_of(appeal) for appeal in complaint.appeals.values()]
    if collection == "interactions":
        return list(complaint.interactions)
    raise ValueError(f"a complaint has no collection '{collection}'")


def _offer(offer: Offer) -> dict[str, Any]:
    """The offer's record, and its sum as money: `amount_money` is `{amount, currency}`;
    the flat `amount` and `currency` stay for clients written against them (deprecated)."""
    return {**record_of(offer), "amount_money": money(offer.amount, offer.currency)}


def _resolution(resolution: Resolution | None) -> dict[str, Any] | None:
    """The resolution's record, and its redress as money (`redress`, as a request sends
    it); the flat `redress_amount` and `currency` stay (deprecated)."""
    if resolution is None:
        return None
    return {
        **record_of(resolution),
        "redress": money(resolution.redress_amount, resolution.currency),
    }


def adr_record(adr: AdrReferral) -> dict[str, Any]:
    """The referral's record with where it stands (`status`: referred, in_progress,
    concluded, failed; a failed one says why in `failure`), and the complaint's earlier
    referrals (`earlier`, oldest first), each the same way."""
    record = record_of(adr)
    record["status"] = adr.status.value
    record["earlier"] = [adr_record(earlier) for earlier in adr.earlier]
    return record


def _record(value: Resolution | FinalResponse | None) -> dict[str, Any] | None:
    return record_of(value) if value is not None else None


SUMMARY_HIDDEN = (
    "amount_in_dispute",
    "currency",
    "redress_amount",
    "redress_currency",
    "closed_at",
    "outcome",
)


def summary_view(row: dict[str, Any]) -> dict[str, Any]:
    return jsonable(
        {
            **{k: v for k, v in row.items() if k not in SUMMARY_HIDDEN},
            "amount_in_dispute": money(row["amount_in_dispute"], row["currency"]),
        }
    )
