"""/v1/complaints/{id}/offers: offers of redress and the customer's answers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.complaints.api.deps import (
    WRITE_PROBLEMS,
    App,
    CommandRunner,
    Principal,
    Reader,
    WriteCommand,
)
from services.complaints.api.schemas import ComplaintView, MakeOffer, RespondToOffer
from services.complaints.api.sub_resources import (
    SUB_RESOURCE_READ,
    OfferList,
    OfferView,
    created_location,
    list_entries,
    one_entry,
)
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases import commands, offers

router = APIRouter(prefix="/v1/complaints/{complaint_id}/offers", tags=["offers"])


@router.post(
    "",
    status_code=201,
    response_model=ComplaintView,
    responses={**WRITE_PROBLEMS, **created_location("offers")},
    summary="Make an offer to the customer",
)
def make_offer(complaint_id: str, body: MakeOffer, run: CommandRunner = WriteCommand) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: offers.make_offer(
            run.application,
            commands.MakeOffer(
                complaint_id=target,
                description=body.description,
                amount=body.amount.amount if body.amount else None,
                currency=body.amount.currency if body.amount else None,
            ),
            caller,
        ),
        status_code=201,
    )


@router.post(
    "/{offer_id}/response",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Record whether the customer accepted or rejected an offer",
)
def respond_to_offer(
    complaint_id: str, offer_id: str, body: RespondToOffer, run: CommandRunner = WriteCommand
) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: offers.respond_to_offer(
            run.application,
            commands.RespondToOffer(
                complaint_id=target,
                offer_id=offer_id,
                accepted=body.decision == "accepted",
                customer_comment=body.customer_comment,
            ),
            caller,
        ),
    )


@router.get(
    "",
    response_model=OfferList,
    responses=SUB_RESOURCE_READ,
    summary="The offers made, oldest first",
    operation_id="listOffers",
)
def list_offers(
    complaint_id: str,
    request: Request,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> Response:
    return list_entries(request, application, complaint_id, "offers")


@router.get(
    "/{offer_id}",
    response_model=OfferView,
    responses=SUB_RESOURCE_READ,
    summary="One offer, as the complaint shows it",
    operation_id="getOffer",
)
def get_offer(
    complaint_id: str,
    offer_id: str,
    request: Request,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> Response:
    return one_entry(request, application, complaint_id, "offers", offer_id)
