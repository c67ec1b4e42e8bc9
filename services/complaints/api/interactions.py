"""/v1/complaints/{id}/interactions: every message, call, note and document."""

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
from services.complaints.api.schemas import ComplaintView, RecordInteraction
from services.complaints.api.sub_resources import (
    SUB_RESOURCE_READ,
    InteractionList,
    InteractionView,
    created_location,
    list_entries,
    one_entry,
)
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases import commands, handling

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["interactions"])


@router.post(
    "/interactions",
    status_code=201,
    response_model=ComplaintView,
    responses={**WRITE_PROBLEMS, **created_location("interactions")},
    summary="Record an interaction (message, call, note or document)",
)
def record_interaction(
    complaint_id: str, body: RecordInteraction, run: CommandRunner = WriteCommand
) -> Response:
    document = body.document.model_dump() if body.document else None
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: handling.record_interaction(
            run.application,
            commands.RecordInteraction(
                complaint_id=target,
                kind=body.kind.value,
                direction=body.direction.value,
                summary=body.summary,
                body=body.body,
                document=document,
                language=body.language,
            ),
            caller,
        ),
        status_code=201,
    )


@router.get(
    "/interactions",
    response_model=InteractionList,
    responses=SUB_RESOURCE_READ,
    summary="The interactions recorded, oldest first",
    operation_id="listInteractions",
)
def list_interactions(
    complaint_id: str,
    request: Request,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> Response:
    return list_entries(request, application, complaint_id, "interactions")


@router.get(
    "/interactions/{interaction_id}",
    response_model=InteractionView,
    responses=SUB_RESOURCE_READ,
    summary="One interaction, as the complaint shows it",
    operation_id="getInteraction",
)
def get_interaction(
    complaint_id: str,
    interaction_id: str,
    request: Request,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> Response:
    return one_entry(request, application, complaint_id, "interactions", interaction_id)
