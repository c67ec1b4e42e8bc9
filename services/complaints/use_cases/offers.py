"""Offers of redress, and the customer's answers to them."""

from __future__ import annotations

from typing import TypeVar

from libs.domain.complaint import Complaint
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases.caller import Caller, change, new_entity_id
from services.complaints.use_cases.commands import MakeOffer, RespondToOffer

T = TypeVar("T")


def make_offer(application: ComplaintsApplication, command: MakeOffer, caller: Caller[T]) -> T:
    """Offers the customer redress (one offer awaits an answer at a time)."""
    context = caller.context

    def decide(complaint: Complaint) -> None:
        complaint.make_offer(
            context,
            offer_id=new_entity_id(application, complaint, context),
            description=command.description,
            amount=command.amount,
            currency=command.currency,
        )

    return change(application, command.complaint_id, caller, decide)


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
