"""Offers of redress: what the firm offered, at which tier, and the customer's one answer.

Only one offer awaits an answer at a time, so the customer is never asked to choose between
two; an offer of money names both the amount and its currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from libs.domain.errors import InvalidArgument, RuleViolated, UnknownEntity
from libs.domain.values import OfferStatus


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    description: str
    amount: Decimal | None
    currency: str | None
    status: OfferStatus
    made_by: str
    made_at: datetime
    #: The tier the complaint was at when the offer was made.
    tier: str
    responded_at: datetime | None = None
    customer_comment: str | None = None

    @property
    def is_pending(self) -> bool:
        return self.status is OfferStatus.PENDING

    def answered(self, *, accepted: bool, at: datetime, comment: str | None) -> Offer:
        status = OfferStatus.ACCEPTED if accepted else OfferStatus.REJECTED
        return replace(self, status=status, responded_at=at, customer_comment=comment)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Offer:
        return cls(**{**record, "status": OfferStatus(record["status"])})


def pending_offer(offers: Iterable[Offer]) -> Offer | None:
    return next((offer for offer in offers if offer.is_pending), None)


def check_new_offer(pending: Offer | None, amount: Decimal | None, currency: str | None) -> None:
    """A new offer waits for the pending one's answer, and money is positive, in a currency."""
    if pending is not None:
        raise RuleViolated(
            f"offer '{pending.id}' is still awaiting the customer's answer; "
            "record the answer before making another offer"
        )
    if (amount is None) != (currency is None):
        raise InvalidArgument("amount", "an offer of money needs both an amount and a currency")
    if amount is not None and amount <= 0:
        raise InvalidArgument("amount", "an offer of money must be for a positive amount")


def offer_to_answer(offers: Mapping[str, Offer], offer_id: str) -> Offer:
    """The offer the customer answers: one the complaint has, not answered yet."""
    offer = offers.get(offer_id)
    if offer is None:
        raise UnknownEntity("offer", offer_id)
    if not offer.is_pending:
        raise RuleViolated(f"offer '{offer_id}' was already {offer.status.value}")
    return offer
