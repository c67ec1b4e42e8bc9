"""/v1/complaints/{id}/adr-eligibility and /adr-referral: may the case go to external ADR?"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from libs.domain.complaint import Complaint
from libs.domain.eligibility import EligibilityAssessment
from libs.domain.values import CommandContext, Role
from libs.platform.http.problems import Problem
from libs.platform.runtime.jsonable import jsonable
from services.complaints.api.commands import domain_problems, parse_complaint_id
from services.complaints.api.deps import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    App,
    CommandRunner,
    Principal,
    Reader,
    WriteCommand,
)
from services.complaints.api.schemas import ComplaintView, EligibilityView, ReferToAdr
from services.complaints.application import ComplaintsApplication
from services.complaints.policy import ComplaintPolicy

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["adr"])

MIN_JUSTIFICATION_WORDS = 5
OVERRIDE_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def assessment_view(
    complaint: Complaint, assessment: EligibilityAssessment, as_of: datetime
) -> dict:
    return jsonable(
        {
            "complaint_id": complaint.id,
            "as_of": as_of,
            "eligible": assessment.eligible,
            "criteria": [
                {"name": c.name, "met": c.met, "reason": c.reason, "facts": dict(c.facts)}
                for c in assessment.criteria
            ],
        }
    )


@router.get(
    "/adr-eligibility",
    response_model=EligibilityView,
    responses=READ_PROBLEMS,
    summary="Whether the complaint may go to external ADR, criterion by criterion",
)
def adr_eligibility(
    complaint_id: str,
    request: Request,
    as_of: Annotated[datetime | None, Query(description="Assess as of this moment")] = None,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> dict:
    policy: ComplaintPolicy = request.app.state.policy
    moment = (as_of or datetime.now(UTC)).astimezone(UTC)
    with domain_problems():
        complaint = application.complaint(parse_complaint_id(complaint_id))
        return assessment_view(complaint, policy.eligibility(complaint, moment), moment)


def _check_override(principal: Principal, justification: str | None) -> None:
    if justification is None:
        return
    if principal.role not in OVERRIDE_ROLES:
        raise Problem(
            403,
            "forbidden",
            "Forbidden",
            "only a supervisor or an admin may refer an ineligible complaint with an override",
        )
    if len(justification.split()) < MIN_JUSTIFICATION_WORDS:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            f"an override needs a justification of at least a sentence "
            f"({MIN_JUSTIFICATION_WORDS} words or more)",
            errors=[{"field": "override_justification", "message": "too short"}],
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
    _check_override(run.principal, body.override_justification)

    def decide(complaint: Complaint, context: CommandContext) -> None:
        assessment = run.policy.eligibility(complaint, context.occurred_at)
        if not assessment.eligible and body.override_justification is None:
            failing = [c for c in assessment.criteria if not c.met]
            raise Problem(
                409,
                "not-eligible-for-adr",
                "Not eligible for ADR",
                "internal processes are not exhausted: "
                + "; ".join(c.reason for c in assessment.blocking),
                failing_criteria=[{"name": c.name, "reason": c.reason} for c in failing],
            )
        complaint.refer_to_adr(
            context,
            referral_id=run.new_entity_id(complaint, context),
            eligibility=assessment_view(complaint, assessment, context.occurred_at),
            preferred_method=body.preferred_method,
            preferred_provider_id=body.preferred_provider_id,
            override_justification=body.override_justification,
        )

    return run(complaint_id, body.occurred_at, decide, status_code=201)
