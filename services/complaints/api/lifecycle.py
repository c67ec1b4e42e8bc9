"""/v1/complaints/{id}/reopen, /closure, /acknowledgement, /holding-reply and /flags: the
complaint's life cycle and what staff record along the way."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.complaints.api.deps import (
    WRITE_PROBLEMS,
    CommandRunner,
    ServiceWriteCommand,
    WriteCommand,
)
from services.complaints.api.schemas import (
    Acknowledge,
    ChangeFlags,
    Close,
    ComplaintView,
    Reopen,
    SendHoldingReply,
)
from services.complaints.use_cases import commands, handling, intake, lifecycle

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["lifecycle"])


@router.post(
    "/reopen",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Reopen a resolved or closed complaint",
    operation_id="reopenComplaint",
)
def reopen(complaint_id: str, body: Reopen, run: CommandRunner = WriteCommand) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: lifecycle.reopen(
            run.application, commands.Reopen(complaint_id=target, reason=body.reason), caller
        ),
    )


@router.post(
    "/closure",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Close the complaint (reason 'withdrawn' closes it from any status)",
    operation_id="closeComplaint",
)
def close(complaint_id: str, body: Close, run: CommandRunner = WriteCommand) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: lifecycle.close(
            run.application, commands.Close(complaint_id=target, reason=body.reason), caller
        ),
    )


@router.post(
    "/acknowledgement",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Record that the customer was told the complaint was received",
    description="The acknowledgement is checked against the complaint's regime (its "
    "`elements`); one missing what the regime requires is refused with the list. Besides "
    "staff and the CRM, a `service` key may record one: the notifications service records "
    "each acknowledgement e-mail it delivered, so the acknowledgement deadline stops.",
    operation_id="acknowledgeComplaint",
)
def acknowledge(
    complaint_id: str, body: Acknowledge, run: CommandRunner = ServiceWriteCommand
) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: intake.acknowledge(
            run.application,
            run.policy,
            commands.Acknowledge(
                complaint_id=target,
                message=body.message,
                channel=body.channel.value,
                elements=body.elements,
            ),
            caller,
        ),
    )


@router.post(
    "/holding-reply",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Record a holding reply explaining why the final response needs more time",
    description="The reply is checked against the complaint's regime (its `elements`); one "
    "missing what the regime requires is refused with the list, is not recorded, and so "
    "extends no deadline.",
)
def send_holding_reply(
    complaint_id: str, body: SendHoldingReply, run: CommandRunner = WriteCommand
) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: handling.send_holding_reply(
            run.application,
            run.policy,
            commands.SendHoldingReply(
                complaint_id=target,
                reason=body.reason,
                message=body.message,
                elements=body.elements,
            ),
            caller,
        ),
    )


@router.post(
    "/flags",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Set or clear staff flags (legal, regulatory, vulnerable customer, ...)",
)
def change_flags(
    complaint_id: str, body: ChangeFlags, run: CommandRunner = WriteCommand
) -> Response:
    flags = body.model_dump(exclude_none=True, exclude={"occurred_at"})
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: handling.change_flags(
            run.application, commands.ChangeFlags(complaint_id=target, flags=flags), caller
        ),
    )
