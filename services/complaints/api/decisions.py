"""/v1/complaints/{id}/resolution, /summary-resolution and /final-response: the firm's
decision and how it is told to the customer."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext
from libs.platform.http.problems import Problem
from services.complaints.api.deps import WRITE_PROBLEMS, CommandRunner, WriteCommand
from services.complaints.api.schemas import (
    ComplaintView,
    IssueFinalResponse,
    IssueSummaryResolution,
    Resolve,
)

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["decisions"])


@router.post(
    "/resolution",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Resolve the complaint: upheld, partially upheld or not upheld",
)
def resolve(complaint_id: str, body: Resolve, run: CommandRunner = WriteCommand) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda complaint, context: complaint.resolve(
            context,
            outcome=body.outcome,
            summary=body.summary,
            remedy=body.remedy,
            redress_amount=body.redress.amount if body.redress else None,
            currency=body.redress.currency if body.redress else None,
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
    def decide(complaint: Complaint, context: CommandContext) -> None:
        complaint.issue_final_response(
            context,
            letter=body.letter,
            elements=body.elements,
            regime=run.policy.regime(complaint.regime),
        )

    return run(complaint_id, body.occurred_at, decide)


@router.post(
    "/summary-resolution",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Resolve early with a summary resolution communication (no final response)",
    description="Only within the regime's early-resolution window (under uk-fca-disp: by "
    "the close of the third business day after receipt).",
)
def issue_summary_resolution(
    complaint_id: str, body: IssueSummaryResolution, run: CommandRunner = WriteCommand
) -> Response:
    def decide(complaint: Complaint, context: CommandContext) -> None:
        due = run.policy.summary_resolution_due(complaint)
        if due is None:
            raise Problem(
                409,
                "no-summary-resolution",
                "No summary resolution under this regime",
                f"regime '{complaint.regime}' has no summary-resolution path; "
                "resolve and issue a final response",
            )
        if context.occurred_at > due:
            raise Problem(
                409,
                "summary-resolution-too-late",
                "Too late for a summary resolution",
                f"the summary-resolution window closed at {due.isoformat()}; "
                "resolve and issue a final response",
                window_closed_at=due.isoformat(),
            )
        complaint.resolve_summarily(
            context,
            outcome=body.outcome,
            summary=body.summary,
            remedy=body.remedy,
            message=body.message,
        )

    return run(complaint_id, body.occurred_at, decide)
