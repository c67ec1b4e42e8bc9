"""Offers of redress, and the customer's answers to them."""

from __future__ import annotations

from typing import TypeVar

from libs.domain.complaint import Complaint
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases.caller import Caller, change
from services.complaints.use_cases.commands import MakeOffer, RespondToOffer
from services.complaints.use_cases.created import create

T = TypeVar("T")


def make_offer(application: ComplaintsApplication, command: MakeOffer, caller: Caller[T]) -> T:
    """Offers the customer redress (one offer awaits an answer at a time)."""
    context = caller.context

    def decide(complaint: Complaint, offer_id: str) -> None:
        complaint.make_offer(
            context,
            offer_id=offer_id,
            description=command.description,
            amount=command.amount,
            currency=command.currency,
        )

    return create(
        application,
        command.complaint_id,
        caller,
        collection="offers",
        recorded_as=Complaint.OfferMade,
        id_field="offer_id",
        decide=decide,
    )


def respond_to_offer(
    application: ComplaintsApplication, command: RespondToOffer, caller: Caller[T]
) -> T:
    """Records whether the customer accepted or rejected an offer."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.record_offer_response(
            context,
            offer_id=command.offer_id,
            accepted=command.accepted,
            customer_comment=command.customer_comment,
        ),
    )
