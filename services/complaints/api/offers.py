"""/v1/complaints/{id}/offers: offers of redress and the customer's answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.complaints.api.deps import WRITE_PROBLEMS, CommandRunner, WriteCommand
from services.complaints.api.schemas import ComplaintView, MakeOffer, RespondToOffer
from services.complaints.use_cases import commands, offers

router = APIRouter(prefix="/v1/complaints/{complaint_id}/offers", tags=["offers"])


@router.post(
    "",
    status_code=201,
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
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
