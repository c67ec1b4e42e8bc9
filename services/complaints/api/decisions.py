"""/v1/complaints/{id}/resolution, /summary-resolution and /final-response: the firm's
decision and how it is told to the customer."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.complaints.api.deps import WRITE_PROBLEMS, CommandRunner, WriteCommand
from services.complaints.api.schemas import (
    ComplaintView,
    IssueFinalResponse,
    IssueSummaryResolution,
    Resolve,
)
from services.complaints.use_cases import commands, decisions

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["decisions"])


@router.post(
    "/resolution",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Resolve the complaint: upheld, partially upheld or not upheld",
    operation_id="resolveComplaint",
)
def resolve(complaint_id: str, body: Resolve, run: CommandRunner = WriteCommand) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: decisions.resolve(
            run.application,
            commands.Resolve(
                complaint_id=target,
                outcome=body.outcome,
                summary=body.summary,
                remedy=body.remedy,
                redress_amount=body.redress.amount if body.redress else None,
                currency=body.redress.currency if body.redress else None,
            ),
            caller,
        ),
    )


@router.post(
    "/final-response",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Issue the final response letter",
)
def issue_final_response(
    complaint_id: str, body: IssueFinalResponse, run: CommandRunner = WriteCommand
) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: decisions.issue_final_response(
            run.application,
            run.policy,
            commands.IssueFinalResponse(
                complaint_id=target, letter=body.letter, elements=body.elements
            ),
            caller,
        ),
    )


@router.post(
    "/summary-resolution",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Resolve early with a summary resolution communication (no final response)",
    description="Only within the regime's early-resolution window (under uk-fca-disp: by "
    "the close of the third business day after receipt), and only with a communication "
    "that contains what the regime requires (its `elements`; under uk-fca-disp DISP 1.5.4R).",
)
def issue_summary_resolution(
    complaint_id: str, body: IssueSummaryResolution, run: CommandRunner = WriteCommand
) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: decisions.resolve_summarily(
            run.application,
            run.policy,
            commands.ResolveSummarily(
                complaint_id=target,
                outcome=body.outcome,
                summary=body.summary,
                remedy=body.remedy,
                message=body.message,
                elements=body.elements,
            ),
            caller,
        ),
    )
