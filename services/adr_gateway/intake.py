"""Following the complaints feed: each `ReferredToAdr` opens a referral here.

Runs inside an `ApplicationSink`: the referrals opened from a page and the page's position
commit together, so a referral is opened exactly once however often the page is read. This
module reads the event; opening the referral is the `open_referral` use case.
"""

from __future__ import annotations

from datetime import UTC, datetime

from libs.platform.follower import FeedEvent, UnitOfWork
from services.adr_gateway.use_cases.referrals import OpenReferral, open_referral

UPSTREAM = "complaints"


def open_referrals(unit: UnitOfWork, event: FeedEvent) -> None:
    if event.name != "ReferredToAdr":
        return
    data = event.data
    open_referral(
        OpenReferral(
            reference=str(data["referral_id"]),
            complaint_id=event.subject,
            eligibility=dict(data.get("eligibility") or {}),
            referred_by=str(data.get("actor", "")),
            referred_at=_time(data.get("occurred_at") or event.time),
            upstream_event_id=event.id,
            preferred_method=data.get("preferred_method"),
            preferred_provider_id=data.get("preferred_provider_id"),
            override_justification=data.get("override_justification"),
            correlation_id=str(data.get("correlation_id") or ""),
            legal_entity=data.get("legal_entity") or None,
        ),
        unit,
    )


def _time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
