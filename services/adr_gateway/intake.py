"""Following the complaints feed: each `ReferredToAdr` opens a referral here.

Runs inside an `ApplicationSink`: the referrals opened from a page and the page's position
commit together, so a referral is opened exactly once however often the page is read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from libs.domain.referral import Referral, referral_id_for
from libs.platform.follower import FeedEvent, UnitOfWork

UPSTREAM = "complaints"


def open_referrals(unit: UnitOfWork, event: FeedEvent) -> None:
    if event.name != "ReferredToAdr":
        return
    data = event.data
    reference = str(data["referral_id"])
    if unit.find(referral_id_for(reference)) is not None:
        return  # the same referral id twice: the first one stands
    unit.add(
        Referral.open(
            reference=reference,
            complaint_id=event.subject,
            eligibility=dict(data.get("eligibility") or {}),
            referred_by=str(data.get("actor", "")),
            referred_at=_time(data.get("occurred_at") or event.time),
            upstream_event_id=event.id,
            preferred_method=data.get("preferred_method"),
            preferred_provider_id=data.get("preferred_provider_id"),
            override_justification=data.get("override_justification"),
            correlation_id=str(data.get("correlation_id") or ""),
        )
    )


def _time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
