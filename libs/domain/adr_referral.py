"""A complaint's referral to external ADR, as the complaint knows it.

The referral records who referred the case, why it was eligible (or the override's
justification), and then what the ADR gateway relays from the provider: each status update
and, at the end, the provider's outcome. Statuses and outcomes are the gateway's vocabulary
(`libs.domain.referral`), kept as the text the gateway reported; the provider's own
documents (update details, an award) are kept as the provider wrote them.

A referral may fail: the provider declines the case, or the gateway gives up delivering it
(a dead letter). The failure is recorded on the referral (`failure`), the complaint returns
to the status it had before it was referred, and it may be referred again, to another
provider; the failed referral is then kept among the `earlier` ones.
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


class AdrFailureKind(StrEnum):
    DECLINED = "declined"  # the provider will not take the case
    DEAD_LETTERED = "dead_lettered"  # the gateway gave up delivering it


class AdrStatus(StrEnum):
    """Where the complaint's referral stands, as the complaint shows it (`adr.status`)."""

    REFERRED = "referred"  # sent to the gateway, no provider has taken it yet
    IN_PROGRESS = "in_progress"
    CONCLUDED = "concluded"
    FAILED = "failed"  # declined or dead-lettered: see `failure`


@dataclass(frozen=True, slots=True)
class AdrFailure:
    """Why a referral came to nothing, and which provider it was given to (none when the
    gateway could not reach one)."""

    kind: str
    reason: str
    provider_id: str | None
    occurred_at: datetime

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AdrFailure:
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
    #: The complaint's status when it was referred: where a failed referral returns it.
    status_before: str | None = None
    failure: AdrFailure | None = None
    #: The complaint's earlier referrals, oldest first (each failed: else there would be
    #: no new one).
    earlier: tuple[AdrReferral, ...] = ()

    @property
    def status(self) -> AdrStatus:
        if self.failure is not None:
            return AdrStatus.FAILED
        if self.outcome is not None:
            return AdrStatus.CONCLUDED
        if self.provider_status is not None and self.provider_status != ReferralStatus.DECLINED:
            return AdrStatus.IN_PROGRESS
        return AdrStatus.REFERRED

    def updated(self, provider_id: str, update: AdrUpdate) -> AdrReferral:
        return replace(
            self,
            provider_id=provider_id,
            provider_status=update.status,
            updates=(*self.updates, update),
        )

    def concluded(self, provider_id: str, outcome: AdrOutcome) -> AdrReferral:
        """The provider decided: its status is the decision's (the gateway's `decided`)."""
        return replace(
            self,
            provider_id=provider_id,
            provider_status=ReferralStatus.DECIDED.value,
            outcome=outcome,
        )

    def failed(self, failure: AdrFailure) -> AdrReferral:
        return replace(self, provider_id=self.provider_id or failure.provider_id, failure=failure)

    def followed_by(self, referral: AdrReferral) -> AdrReferral:
        """`referral`, made after this one, which it keeps among the earlier ones."""
        return replace(referral, earlier=(*self.earlier, replace(self, earlier=())))

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
        failure = record.get("failure")
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
                # Referrals recorded before failures were (Complaint version 6) have none.
                "failure": AdrFailure.from_record(failure) if failure else None,
                "earlier": tuple(AdrReferral.from_record(e) for e in record.get("earlier", ())),
            }
        )


def referral_named(adr: AdrReferral | None, referral_id: str) -> AdrReferral:
    """The complaint's referral, if `referral_id` names it."""
    if adr is None or adr.referral_id != referral_id:
        raise UnknownEntity("ADR referral", referral_id)
    return adr
