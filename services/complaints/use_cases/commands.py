"""What a caller asks of the complaints service, one frozen value per use case.

The HTTP layer makes these from request bodies (the pydantic models in `api/schemas.py`
are the wire format; these are what the application understands), and so can anything
else: the gateway's feed, the deadline scheduler, a test. Who asks and when is not here but
in the `CommandContext` beside each command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from libs.domain.access import DEFAULT_LEGAL_ENTITY
from libs.domain.adr_referral import AdrFailureKind, AdrMilestone
from libs.domain.values import AppealOutcome, ResolutionOutcome

# -- intake -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenComplaint:
    customer: Mapping[str, Any]
    channel: str
    category: str
    description: str
    amount_in_dispute: Decimal | None = None
    currency: str | None = None
    desired_remedy: str | None = None
    regime: str = "default"
    regime_variant: str | None = None
    calendar_subdivision: str | None = None
    external_ref: str | None = None
    flags: Mapping[str, bool] = field(default_factory=dict)
    #: The legal entity it belongs to (decided by the caller's key: api.legal_entity_scope).
    legal_entity: str = DEFAULT_LEGAL_ENTITY


@dataclass(frozen=True)
class Acknowledge:
    complaint_id: UUID
    message: str
    channel: str
    #: What the letter contains, as the regime's letter check reads it (see `libs.domain.
    #: deadlines.letters`); likewise on the other letters below.
    elements: Mapping[str, Any] = field(default_factory=dict)


# -- handling -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordInteraction:
    complaint_id: UUID
    kind: str
    direction: str
    summary: str
    body: str | None = None
    document: Mapping[str, Any] | None = None
    language: str | None = None


@dataclass(frozen=True)
class ChangeFlags:
    """Only the flags named change."""

    complaint_id: UUID
    flags: Mapping[str, bool]


@dataclass(frozen=True)
class Escalate:
    complaint_id: UUID
    reason: str
    to_tier: str | None = None  # None: the next tier up


@dataclass(frozen=True)
class SendHoldingReply:
    complaint_id: UUID
    reason: str
    message: str
    elements: Mapping[str, Any] = field(default_factory=dict)


# -- offers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MakeOffer:
    complaint_id: UUID
    description: str
    amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class RespondToOffer:
    complaint_id: UUID
    offer_id: str
    accepted: bool
    customer_comment: str | None = None


# -- decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolve:
    complaint_id: UUID
    outcome: ResolutionOutcome
    summary: str
    remedy: str | None = None
    redress_amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class ResolveSummarily:
    complaint_id: UUID
    outcome: ResolutionOutcome
    summary: str
    message: str  # the summary resolution communication sent to the customer
    remedy: str | None = None
    elements: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IssueFinalResponse:
    complaint_id: UUID
    letter: str
    elements: Mapping[str, Any] = field(default_factory=dict)


# -- appeals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LodgeAppeal:
    complaint_id: UUID
    grounds: str


@dataclass(frozen=True)
class DecideAppeal:
    complaint_id: UUID
    appeal_id: str
    outcome: AppealOutcome
    decided_at_tier: str
    reasons: str


# -- external ADR -------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessAdrEligibility:
    complaint_id: UUID
    as_of: datetime | None = None  # None: now


@dataclass(frozen=True)
class ReferToAdr:
    complaint_id: UUID
    preferred_method: str | None = None
    preferred_provider_id: str | None = None
    #: Sent only to refer a complaint that is not eligible (see `libs.domain.adr_override`).
    override_justification: str | None = None


@dataclass(frozen=True)
class DecideTimeLimitWaiver:
    """The firm consents (or refuses) to the ombudsman considering the complaint after the
    regime's referral window (see `libs.domain.time_limit_waiver`)."""

    complaint_id: UUID
    consents: bool
    note: str | None = None


@dataclass(frozen=True)
class RecordAdrStatus:
    """A provider's report on a referral, as the ADR gateway relays it."""

    referral_id: str
    provider_id: str
    provider_status: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordAdrMilestone:
    """A fact the provider reported about the case, as the ADR gateway relays it: it holds
    the complete file (`file_complete`), or told the firm of the dispute (`trader_notified`)."""

    referral_id: str
    provider_id: str
    milestone: AdrMilestone
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordAdrFailure:
    """A referral that came to nothing, as the ADR gateway relays it: the provider declined
    the case, or the gateway gave up delivering it (a dead letter)."""

    referral_id: str
    provider_id: str | None
    failure: AdrFailureKind
    reason: str


@dataclass(frozen=True)
class AnswerAdrEntity:
    """The firm's answer to the ADR entity, as staff record it."""

    complaint_id: UUID
    message: str
    participates: bool | None = None


@dataclass(frozen=True)
class RecordAdrOutcome:
    """A provider's decision on a referral, as the ADR gateway relays it."""

    referral_id: str
    provider_id: str
    outcome: str
    summary: str = ""
    binding: bool | None = None
    award: dict[str, Any] | None = None


# -- life cycle ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reopen:
    complaint_id: UUID
    reason: str


@dataclass(frozen=True)
class Close:
    complaint_id: UUID
    reason: str  # 'withdrawn' closes the complaint from any status


@dataclass(frozen=True)
class RecordDeadlineAlert:
    """A deadline is close (`missed=False`) or has passed, as a timer says."""

    complaint_id: UUID
    deadline: str
    due_at: datetime
    missed: bool
