"""/v1/complaints/{id}/adr-eligibility, /adr-referral, /time-limit-waiver and /adr-answer:
may the case go to external ADR, does the firm waive the time limit for it, and what the
firm answers the ADR entity once it has."""

from __future__ import annotations

from typing import Annotated, Any

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
    DecisionCommand,
    Principal,
    Reader,
    WriteCommand,
)
from services.complaints.api.problems import complaint_problems
from services.complaints.api.schemas import (
    AnswerAdrEntity,
    ComplaintView,
    DecideTimeLimitWaiver,
    EligibilityView,
    ReferToAdr,
)
from services.complaints.api.sub_resources import (
    SUB_RESOURCE_READ,
    created_location,
    the_referral,
)
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases import adr, commands

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["adr"])


@router.get(
    "/adr-eligibility",
    response_model=EligibilityView,
    responses=READ_PROBLEMS,
    summary="Whether the complaint may go to external ADR, criterion by criterion",
    operation_id="getAdrEligibility",
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
    responses={**WRITE_PROBLEMS, **created_location("adr-referral")},
    summary="Refer the complaint to an external ADR provider",
    description="Allowed when internal processes are exhausted and the regime's referral "
    "window has not passed (or the firm has consented to waive it); otherwise 409 with the "
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


@router.get(
    "/adr-referral",
    response_model=dict[str, Any],
    responses=SUB_RESOURCE_READ,
    summary="The complaint's ADR referral, as the complaint records it",
    description="What was referred and how (the eligibility assessed at referral, an "
    "override's justification), and what the provider has reported since (the complaint's "
    "`adr`). 404 before the complaint is referred. The ADR gateway's "
    "`GET /v1/referrals/{referral_id}` shows its delivery to the provider.",
    operation_id="getAdrReferral",
)
def get_adr_referral(
    complaint_id: str,
    request: Request,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
) -> Response:
    return the_referral(request, application, complaint_id)


@router.post(
    "/time-limit-waiver",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Record whether the firm consents to waive the referral time limit "
    "(supervisors and above)",
    description="The firm's decision whether the ombudsman (or ADR entity) may consider the "
    "complaint after the regime's referral window has passed (FOS: DISP 2.8.2R). Recorded "
    "with who decided and when, shown as `time_limit_waiver` and read by the "
    "`referral_window` eligibility criterion. 409 where the regime's window is not the "
    "firm's to waive (au-rg271, eu-adr) or there is none (us-cfpb), and after a consent, "
    "which cannot be withdrawn.",
)
def decide_time_limit_waiver(
    complaint_id: str, body: DecideTimeLimitWaiver, run: CommandRunner = DecisionCommand
) -> Response:
    # Supervisors and admins only: consenting gives up a defence the firm has before the
    # ombudsman, for good; it is a decision for the firm, not for whoever handles the case.
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: adr.decide_time_limit_waiver(
            run.application,
            run.policy,
            commands.DecideTimeLimitWaiver(
                complaint_id=target, consents=body.consents, note=body.note
            ),
            caller,
        ),
    )


@router.post(
    "/adr-answer",
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Record the firm's answer to the ADR entity",
    description="The firm (the trader) answered the ADR entity that told it of the dispute "
    "or asked it something (the provider's `trader.notified` report). Stops the regime's "
    "`trader_answer` clock (eu-adr, Directive (EU) 2025/2647: 20 working days, 30 if "
    "complex). Allowed while the case is with ADR (referred_to_adr, adr_in_progress).",
)
def answer_adr_entity(
    complaint_id: str, body: AnswerAdrEntity, run: CommandRunner = WriteCommand
) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: adr.answer_adr_entity(
            run.application,
            commands.AnswerAdrEntity(
                complaint_id=target, message=body.message, participates=body.participates
            ),
            caller,
        ),
    )
