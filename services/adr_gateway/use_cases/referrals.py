"""Referrals: opening one when the complaints service refers a complaint, asking for a case
to be delivered again, and ranking the providers that could take it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from libs.domain.provider_ranking import Candidate, ReferralNeeds, rank
from libs.domain.referral import Referral, referral_id_for
from libs.platform.follower import UnitOfWork
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.use_cases.providers import TrackRecords


@dataclass(frozen=True)
class OpenReferral:
    """The complaints service referred a complaint (its `ReferredToAdr` event)."""

    reference: str  # the complaint's referral id
    complaint_id: str
    eligibility: Mapping[str, Any]
    referred_by: str
    referred_at: datetime
    upstream_event_id: str
    preferred_method: str | None = None
    preferred_provider_id: str | None = None
    override_justification: str | None = None
    correlation_id: str = ""
    legal_entity: str | None = None  # the complaint's, if the feed event says it


def open_referral(command: OpenReferral, unit: UnitOfWork) -> None:
    """Opens the referral in the unit of work of the feed page that carried it."""
    if unit.find(referral_id_for(command.reference)) is not None:
        return  # the same referral id twice: the first one stands
    unit.add(
        Referral.open(
            reference=command.reference,
            complaint_id=command.complaint_id,
            eligibility=dict(command.eligibility),
            referred_by=command.referred_by,
            referred_at=command.referred_at,
            upstream_event_id=command.upstream_event_id,
            preferred_method=command.preferred_method,
            preferred_provider_id=command.preferred_provider_id,
            override_justification=command.override_justification,
            correlation_id=command.correlation_id,
            legal_entity=command.legal_entity,
        )
    )


@dataclass(frozen=True)
class RequestRedelivery:
    reference: str
    requested_by: str


def request_redelivery(
    command: RequestRedelivery,
    *,
    application: GatewayApplication,
    wake_worker: Callable[[], None],
) -> Referral:
    """Delivers the case again (after a dead letter, or on request), with the same
    webhook-id, so that a provider that has it already can tell."""
    referral, _ = application.change_referral(
        command.reference, lambda r: r.request_redelivery(requested_by=command.requested_by)
    )
    wake_worker()
    return referral


class NotPrepared(Exception):
    """The case has not been gathered from the complaints service yet."""


@dataclass(frozen=True)
class Candidates:
    referral: Referral
    case: Mapping[str, Any]  # what the referral needs, as its preparation recorded it
    ranking: list[Candidate]


def rank_candidates(
    reference: str, *, application: GatewayApplication, records: TrackRecords
) -> Candidates:
    """The providers ranked for the referral now (their records may have moved since it
    was prepared)."""
    referral = application.referral(reference)
    case = (referral.selection or {}).get("case")
    if case is None:
        raise NotPrepared(
            "the case has not been gathered from the complaints service yet; retry shortly"
        )
    needs = ReferralNeeds(**{**case, "legal_entity": referral.legal_entity})
    ranking = rank(application.registry().providers.values(), needs, records())
    return Candidates(referral, case, ranking)
