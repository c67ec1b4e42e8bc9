"""/v1/complaints/{id}/appeals: the customer appeals a decision; a higher tier decides."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.complaints.api.deps import (
    WRITE_PROBLEMS,
    App,
    CommandRunner,
    DecisionCommand,
    Principal,
    Reader,
    WriteCommand,
)
from services.complaints.api.schemas import ComplaintView, DecideAppeal, LodgeAppeal
from services.complaints.api.sub_resources import (
    SUB_RESOURCE_READ,
    AppealList,
    AppealView,
    created_location,
    list_entries,
    one_entry,
)
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases import appeals, commands

router = APIRouter(prefix="/v1/complaints/{complaint_id}/appeals", tags=["appeals"])


@router.post(
    "",
    status_code=201,
    response_model=ComplaintView,
    responses={**WRITE_PROBLEMS, **created_location("appeals")},
    summary="Lodge an appeal against the decision",
)
def lodge_appeal(
    complaint_id: str, body: LodgeAppeal, run: CommandRunner = WriteCommand
) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: appeals.lodge_appeal(
            run.application,
            commands.LodgeAppeal(complaint_id=target, grounds=body.grounds),
            caller,
        ),
        status_code=201,
    )


@router.post(
    "/{appeal_id}/decision",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Decide an appeal (supervisors and above, at a tier above the original decision)",
)
def decide_appeal(
    complaint_id: str, appeal_id: str, body: DecideAppeal, run: CommandRunner = DecisionCommand
) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: appeals.decide_appeal(
            run.application,
            commands.DecideAppeal(
                complaint_id=target,
                appeal_id=appeal_id,
                outcome=body.outcome,
                decided_at_tier=body.decided_at_tier,
                reasons=body.reasons,
            ),
            caller,
        ),
    )


@router.get(
    "",
    response_model=AppealList,
    responses=SUB_RESOURCE_READ,
    summary="The appeals lodged, oldest first",
    operation_id="listAppeals",
)
def list_appeals(
    complaint_id: str,
    request: Request,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> Response:
    return list_entries(request, application, complaint_id, "appeals")


@router.get(
    "/{appeal_id}",
    response_model=AppealView,
    responses=SUB_RESOURCE_READ,
    summary="One appeal, as the complaint shows it",
    operation_id="getAppeal",
)
def get_appeal(
    complaint_id: str,
    appeal_id: str,
    request: Request,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> Response:
    return one_entry(request, application, complaint_id, "appeals", appeal_id)
