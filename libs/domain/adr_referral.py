"""A complaint's referral to external ADR, as the complaint knows it.

The referral records who referred the case, why it was eligible (or the override's
justification), and then what the ADR gateway relays from the provider: each status update
and, at the end, the provider's outcome. Statuses and outcomes are the gateway's vocabulary
(`libs.domain.referral`), kept as the text the gateway reported; the provider's own
documents (update details, an award) are kept as the provider wrote them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from libs.domain.errors import UnknownEntity
from libs.domain.referral_lifecycle import ReferralStatus


@dataclass(frozen=True, slots=True)
class AdrUpdate:
    """A status the provider reported."""

    status: str
    detail: dict[str, Any]
    occurred_at: datetime

    @property
    def declined(self) -> bool:
        """The provider will not take the case (the complaint stays referred, not in ADR)."""
        return self.status == ReferralStatus.DECLINED

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AdrUpdate:
        return cls(**record)


@dataclass(frozen=True, slots=True)
class AdrOutcome:
    """The provider's decision."""

    outcome: str
    binding: bool | None
    award: dict[str, Any] | None
    summary: str
    recorded_at: datetime

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AdrOutcome:
        return cls(**record)


class AdrMilestone(StrEnum):
    """What a provider may report about the case besides its status (the gateway's
    `file.complete` and `trader.notified`): each starts a clock where the regime has one."""

    FILE_COMPLETE = "file_complete"
    TRADER_NOTIFIED = "trader_notified"


@dataclass(frozen=True, slots=True)
class TraderRequest:
    """The ADR entity told the trader (the firm) of the dispute, or asked it something: the
    trader's answer is due from here (see the `eu-adr` regime's `trader_answer` clock)."""

    detail: dict[str, Any]
    occurred_at: datetime

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> TraderRequest:
        return cls(**record)


@dataclass(frozen=True, slots=True)
class TraderAnswer:
    """What the firm answered the ADR entity, and whether it agreed to take part (None: the
    entity did not ask, e.g. a request for information)."""

    participates: bool | None
    message: str
    answered_by: str
    answered_at: datetime

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> TraderAnswer:
        return cls(**record)


@dataclass(frozen=True, slots=True)
class AdrReferral:
    referral_id: str
    preferred_method: str | None
    preferred_provider_id: str | None
    #: The eligibility assessment at referral, as the referring service showed it.
    eligibility: dict[str, Any]
    override_justification: str | None
    referred_by: str
    referred_at: datetime
    #: The provider that took the case, once one reports.
    provider_id: str | None = None
    provider_status: str | None = None
    updates: tuple[AdrUpdate, ...] = ()
    outcome: AdrOutcome | None = None
    #: When the ADR entity had the complete complaint file (its 90 days run from then).
    file_complete_at: datetime | None = None
    trader_requests: tuple[TraderRequest, ...] = ()
    trader_answers: tuple[TraderAnswer, ...] = ()

    def updated(self, provider_id: str, update: AdrUpdate) -> AdrReferral:
        return replace(
            self,
            provider_id=provider_id,
            provider_status=update.status,
            updates=(*self.updates, update),
        )

    def concluded(self, provider_id: str, outcome: AdrOutcome) -> AdrReferral:
        return replace(self, provider_id=provider_id, outcome=outcome)

    def file_completed(self, provider_id: str, at: datetime) -> AdrReferral:
        """The first report of a complete file stands: the 90 days run from it."""
        return replace(self, provider_id=provider_id, file_complete_at=self.file_complete_at or at)

    def trader_requested(self, provider_id: str, request: TraderRequest) -> AdrReferral:
        return replace(
            self, provider_id=provider_id, trader_requests=(*self.trader_requests, request)
        )

    def trader_answered(self, answer: TraderAnswer) -> AdrReferral:
        return replace(self, trader_answers=(*self.trader_answers, answer))

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AdrReferral:
        outcome = record["outcome"]
        return cls(
            **{
                **record,
                "updates": tuple(AdrUpdate.from_record(update) for update in record["updates"]),
                "outcome": AdrOutcome.from_record(outcome) if outcome is not None else None,
                # Referrals recorded before these were kept have none.
                "trader_requests": tuple(
                    TraderRequest.from_record(r) for r in record.get("trader_requests", ())
                ),
                "trader_answers": tuple(
                    TraderAnswer.from_record(a) for a in record.get("trader_answers", ())
                ),
            }
        )


def referral_named(adr: AdrReferral | None, referral_id: str) -> AdrReferral:
    """The complaint's referral, if `referral_id` names it."""
    if adr is None or adr.referral_id != referral_id:
        raise UnknownEntity("ADR referral", referral_id)
    return adr
