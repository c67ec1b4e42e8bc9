"""/v1/complaints/{id}/adr-eligibility and /adr-referral: may the case go to external ADR?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from libs.domain.adr_override import check_override
from libs.platform.http.instants import Instant
from services.complaints.api.commands import parse_complaint_id
from services.complaints.api.deps import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    App,
    CommandRunner,
    Principal,
    Reader,
    WriteCommand,
)
from services.complaints.api.problems import complaint_problems
from services.complaints.api.schemas import ComplaintView, EligibilityView, ReferToAdr
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases import adr, commands

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["adr"])


@router.get(
    "/adr-eligibility",
    response_model=EligibilityView,
    responses=READ_PROBLEMS,
    summary="Whether the complaint may go to external ADR, criterion by criterion",
)
def adr_eligibility(
    complaint_id: str,
    request: Request,
    as_of: Annotated[Instant | None, Query(description="Assess as of this moment")] = None,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> dict:
    with complaint_problems():
        return adr.assess_adr_eligibility(
            application,
            request.app.state.policy,
            commands.AssessAdrEligibility(
                complaint_id=parse_complaint_id(complaint_id), as_of=as_of
            ),
        )


@router.post(
    "/adr-referral",
    status_code=201,
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Refer the complaint to an external ADR provider",
    description="Allowed when internal processes are exhausted; otherwise 409 with the "
    "failing criteria, unless a supervisor sends `override_justification`.",
)
def refer_to_adr(
    complaint_id: str, body: ReferToAdr, run: CommandRunner = WriteCommand
) -> Response:
    # Who may override is asked before anything else, and before the idempotency key is
    # claimed (the use case asks again: the rule is its to keep).
    with complaint_problems():
        check_override(run.principal.role, body.override_justification)
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: adr.refer_to_adr(
            run.application,
            run.policy,
            commands.ReferToAdr(
                complaint_id=target,
                preferred_method=body.preferred_method,
                preferred_provider_id=body.preferred_provider_id,
                override_justification=body.override_justification,
            ),
            caller,
        ),
        status_code=201,
    )
