"""The case file's sections about the complaint itself: who, under which rules, by when,
what was offered and decided, and what went to external ADR.

Times are datetimes (aware, as recorded); amounts are `Money` with the amount as a decimal
string, never a float. Free-form documents that come from outside (a provider's award and
update details, an eligibility criterion's facts) are kept as mappings, as they were given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Money:
    amount: str
    currency: str


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Firm:
    name: str


@dataclass(frozen=True)
class Parties:
    customer: Customer
    firm: Firm


@dataclass(frozen=True)
class Regime:
    name: str
    title: str | None
    source: str | None
    #: Which text of the rules the regime file encodes, e.g. its last amendment's date.
    version: str | None
    #: The regime's time zone: the PDF shows every time in it, with its offset.
    timezone: str
    variant: str | None = None
    calendar_subdivision: str | None = None


@dataclass(frozen=True)
class Clock:
    """One deadline as of the export: due, met (when, by what) or breached."""

    clock: str
    name: str
    party: str
    state: str
    started_at: datetime | None
    due_at: datetime | None
    met_at: datetime | None = None
    met_by: str | None = None
    approaching: bool = False
    basis: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class Summary:
    """The complaint as it stands at the exported version."""

    version: int
    status: str
    tier: str
    category: str
    channel: str
    description: str
    received_at: datetime
    recorded_at: datetime
    external_ref: str | None = None
    amount_in_dispute: Money | None = None
    desired_remedy: str | None = None
    acknowledged_at: datetime | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    reopen_count: int = 0


@dataclass(frozen=True)
class Document:
    """A document the complaint refers to: where it is kept and its digest, never its bytes."""

    ref: str
    sha256: str
    media_type: str
    size: int | None = None
    filename: str | None = None
    summary: str | None = None
    interaction_id: str | None = None


@dataclass(frozen=True)
class Interaction:
    id: str | None
    kind: str
    direction: str
    summary: str
    actor: str | None
    occurred_at: datetime
    recorded_at: datetime | None = None
    body: str | None = None
    language: str | None = None
    document: Document | None = None


@dataclass(frozen=True)
class Escalation:
    from_tier: str
    to_tier: str
    reason: str
    actor: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class Offer:
    id: str
    description: str
    amount: Money | None
    status: str
    made_by: str
    made_at: datetime
    tier: str
    responded_at: datetime | None = None
    customer_comment: str | None = None


@dataclass(frozen=True)
class Resolution:
    outcome: str
    summary: str
    decided_at_tier: str
    decided_by: str
    resolved_at: datetime
    remedy: str | None = None
    redress: Money | None = None
    #: An early resolution's communication to the customer (it replaces the final response).
    summary_resolution: str | None = None


@dataclass(frozen=True)
class Appeal:
    id: str
    grounds: str
    lodged_by: str
    lodged_at: datetime
    against_tier: str
    status: str
    outcome: str | None = None
    decided_at_tier: str | None = None
    reasons: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Closure:
    reason: str
    closed_by: str | None
    closed_at: datetime | None
    previous_status: str | None = None


@dataclass(frozen=True)
class TimeLimitWaiver:
    consents: bool
    decided_at: datetime
    decided_by: str
    decided_by_role: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Decisions:
    resolution: Resolution | None = None
    appeals: tuple[Appeal, ...] = ()
    time_limit_waiver: TimeLimitWaiver | None = None
    closure: Closure | None = None


@dataclass(frozen=True)
class LetterElement:
    """One element of the final response: what the letter stated, and what the regime asks."""

    name: str
    value: Any
    required: bool
    description: str | None = None
    basis: str | None = None


@dataclass(frozen=True)
class FinalResponse:
    letter: str
    issued_by: str
    issued_at: datetime
    elements: tuple[LetterElement, ...] = ()
    superseded_by_appeal: str | None = None
    superseded_at: datetime | None = None


@dataclass(frozen=True)
class Criterion:
    name: str
    met: bool
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Eligibility:
    """The ADR eligibility assessment recorded with the referral, and any override of it."""

    eligible: bool
    as_of: datetime | None
    criteria: tuple[Criterion, ...] = ()
    override_justification: str | None = None


@dataclass(frozen=True)
class AdrUpdate:
    status: str
    occurred_at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AdrOutcome:
    outcome: str
    summary: str
    recorded_at: datetime
    binding: bool | None = None
    #: The provider's award as it wrote it; `award_money` when it names an amount.
    award: dict[str, Any] | None = None
    award_money: Money | None = None


@dataclass(frozen=True)
class Adr:
    referral_id: str
    referred_by: str
    referred_at: datetime
    preferred_method: str | None = None
    preferred_provider_id: str | None = None
    provider_id: str | None = None
    provider_status: str | None = None
    file_complete_at: datetime | None = None
    updates: tuple[AdrUpdate, ...] = ()
    outcome: AdrOutcome | None = None
    trader_requests: tuple[dict[str, Any], ...] = ()
    trader_answers: tuple[dict[str, Any], ...] = ()
