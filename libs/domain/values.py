"""The vocabulary of complaint handling: statuses, categories, channels, outcomes, roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    FINAL_RESPONSE_ISSUED = "final_response_issued"
    APPEALED = "appealed"
    REFERRED_TO_ADR = "referred_to_adr"
    ADR_IN_PROGRESS = "adr_in_progress"
    ADR_CONCLUDED = "adr_concluded"
    CLOSED = "closed"


class Category(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"
    #: An ADR provider's own key: only on the ADR gateway, only its referrals (issue 19).
    PROVIDER = "provider"
    BILLING = "billing"
    REFUND = "refund"
    PROFESSIONAL_LICENSING = "professional_licensing"
    WEBSITE_POLICY = "website_policy"
    OTHER = "other"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    WEB = "web"
    CHAT = "chat"
    LETTER = "letter"
    IN_PERSON = "in_person"
    SOCIAL_MEDIA = "social_media"
    OTHER = "other"


class InteractionKind(StrEnum):
    MESSAGE = "message"
    CALL = "call"
    NOTE = "note"
    DOCUMENT = "document"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class ResolutionOutcome(StrEnum):
    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially_upheld"
    NOT_UPHELD = "not_upheld"


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class AppealOutcome(StrEnum):
    """`upheld`: the appeal succeeds and the complaint goes back to review at the deciding
    tier; `dismissed`: the original decision stands."""

    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Role(StrEnum):
    CRM = "crm"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SERVICE = "service"
    #: An ADR provider's own key: only on the ADR gateway, only its referrals (issue 19).
    PROVIDER = "provider"


@dataclass(frozen=True)
class CommandContext:
    """Who asks, when it happened, and how to trace it: recorded on every event.

    `occurred_at` is when the thing happened in the world (a phone call yesterday); the
    event's own timestamp is when it was recorded. `command_id` makes a retried command a
    no-op instead of a second event.
    """

    actor: str
    actor_role: str
    correlation_id: str
    occurred_at: datetime
    command_id: str | None = None

    def event_fields(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "actor_role": self.actor_role,
            "correlation_id": self.correlation_id,
            "occurred_at": self.occurred_at,
            "command_id": self.command_id,
        }


@dataclass(frozen=True)
class Flags:
    legal: bool = False
    regulatory: bool = False
    vulnerable_customer: bool = False
    public_attention: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {
            "legal": self.legal,
            "regulatory": self.regulatory,
            "vulnerable_customer": self.vulnerable_customer,
            "public_attention": self.public_attention,
        }


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "address": self.address,
        }
