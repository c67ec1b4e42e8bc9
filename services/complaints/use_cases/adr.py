"""External ADR: whether a complaint may go to a provider, the firm's decision on waiving
the time limit for it, the referral, and what the provider reports back through the ADR
gateway.

The eligibility criteria are the domain's (`libs.domain.eligibility`), as are the rule for
referring an ineligible complaint anyway (`libs.domain.adr_override`) and the rules for the
waiver decision (`libs.domain.time_limit_waiver`). What a referral stores of the assessment
— every criterion as it stood at the moment of referral — is shaped here, and is what the
eligibility query answers too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from libs.domain.adr_override import check_override
from libs.domain.adr_referral import AdrMilestone
from libs.domain.complaint import Complaint
from libs.domain.eligibility import CriterionResult, EligibilityAssessment
from libs.domain.errors import RuleViolated
from libs.domain.values import CommandContext
from libs.platform.runtime.jsonable import jsonable
from services.complaints.application import ComplaintsApplication
from services.complaints.policy import ComplaintPolicy
from services.complaints.use_cases.caller import Caller, change
from services.complaints.use_cases.commands import (
    AnswerAdrEntity,
    AssessAdrEligibility,
    DecideTimeLimitWaiver,
    RecordAdrFailure,
    RecordAdrMilestone,
    RecordAdrOutcome,
    RecordAdrStatus,
    ReferToAdr,
)
from services.complaints.use_cases.created import create

T = TypeVar("T")


class NotEligibleForAdr(RuleViolated):
    """The complaint may not be referred (its internal process is not exhausted, or its
    referral window has passed), and no override was asked for."""

    def __init__(self, assessment: EligibilityAssessment) -> None:
        # Each reason starts with what failed ("Internal processes are not exhausted: …",
        # "The referral window has passed: …"): the message is those reasons in turn.
        super().__init__("; ".join(_uncapitalised(c.reason) for c in assessment.blocking))
        self.failing: tuple[CriterionResult, ...] = tuple(
            c for c in assessment.criteria if not c.met
        )


def _uncapitalised(text: str) -> str:
    return text[:1].lower() + text[1:]


def eligibility_record(
    complaint_id: UUID, assessment: EligibilityAssessment, as_of: datetime
) -> dict[str, Any]:
    """The assessment as plain JSON values: stored on `ReferredToAdr.eligibility`, and the
    answer to the eligibility query."""
    return jsonable(  # type: ignore[no-any-return]
        {
            "complaint_id": complaint_id,
            "as_of": as_of,
            "eligible": assessment.eligible,
            "criteria": [
                {"name": c.name, "met": c.met, "reason": c.reason, "facts": dict(c.facts)}
                for c in assessment.criteria
            ],
        }
    )


def assess_adr_eligibility(
    application: ComplaintsApplication, policy: ComplaintPolicy, query: AssessAdrEligibility
) -> dict[str, Any]:
    """Whether the complaint may go to external ADR, criterion by criterion, as of a moment
    (now, unless the query names one)."""
    moment = (query.as_of or datetime.now(UTC)).astimezone(UTC)
    complaint = application.complaint(query.complaint_id)
    return eligibility_record(complaint.id, policy.eligibility(complaint, moment), moment)


def refer_to_adr(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    command: ReferToAdr,
    caller: Caller[T],
) -> T:
    """Refers the complaint to an external ADR provider when it is eligible at the moment
    of referral, or when a supervisor overrides the criteria with a justification. The
    assessment is recorded with the referral."""
    context = caller.context
    check_override(context.actor_role, command.override_justification)

    def decide(complaint: Complaint, referral_id: str) -> None:
        assessment = policy.eligibility(complaint, context.occurred_at)
        if not assessment.eligible and command.override_justification is None:
            raise NotEligibleForAdr(assessment)
        complaint.refer_to_adr(
            context,
            referral_id=referral_id,
            eligibility=eligibility_record(complaint.id, assessment, context.occurred_at),
            preferred_method=command.preferred_method,
            preferred_provider_id=command.preferred_provider_id,
            override_justification=command.override_justification,
        )

    # A complaint has one referral at a time, read at `.../adr-referral` (no id in the path).
    return create(
        application,
        command.complaint_id,
        caller,
        collection="adr-referral",
        recorded_as=Complaint.ReferredToAdr,
        id_field="referral_id",
        decide=decide,
    )


def decide_time_limit_waiver(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    command: DecideTimeLimitWaiver,
    caller: Caller[T],
) -> T:
    """Records whether the firm consents to the ombudsman (or ADR entity) considering the
    complaint after the regime's referral window: a fact eligibility reads, with who
    decided and when. Refused where the regime's window is not the firm's to waive, and
    after a consent (which cannot be withdrawn)."""
    context = caller.context

    def decide(complaint: Complaint) -> None:
        complaint.decide_time_limit_waiver(
            context,
            consents=command.consents,
            note=command.note,
            regime=policy.regime(complaint.regime),
        )

    return change(application, command.complaint_id, caller, decide)


# The provider's side arrives on the gateway's feed. Its follower loads the complaint in a
# unit of work that saves the page's changes with the feed position, in one transaction:
# these use cases are given the complaint and only decide.


def record_adr_status(
    complaint: Complaint, command: RecordAdrStatus, context: CommandContext
) -> None:
    """Records a provider's status report on the complaint's referral (once per command
    id: a feed page read again changes nothing)."""
    if complaint.has_handled(context.command_id):
        return
    complaint.record_adr_status(
        context,
        referral_id=command.referral_id,
        provider_id=command.provider_id,
        provider_status=command.provider_status,
        detail=dict(command.detail),
    )


def record_adr_milestone(
    complaint: Complaint, command: RecordAdrMilestone, context: CommandContext
) -> None:
    """Records what the provider reported about the case: the complete file (the ADR
    entity's own deadline runs from it) or that it asked the firm for its answer (the
    firm's runs from that). Once per command id."""
    if complaint.has_handled(context.command_id):
        return
    record = (
        complaint.record_adr_file_complete
        if command.milestone is AdrMilestone.FILE_COMPLETE
        else complaint.record_adr_trader_notified
    )
    record(
        context,
        referral_id=command.referral_id,
        provider_id=command.provider_id,
        detail=dict(command.detail),
    )


def answer_adr_entity(
    application: ComplaintsApplication, command: AnswerAdrEntity, caller: Caller[T]
) -> T:
    """Records the firm's answer to the ADR entity (sent by the entity's own channel); it
    stops the regime's `trader_answer` clock."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.answer_adr_entity(
            context, message=command.message, participates=command.participates
        ),
    )


def record_adr_outcome(
    complaint: Complaint, command: RecordAdrOutcome, context: CommandContext
) -> None:
    """Records the provider's decision, which concludes the referral (once per command
    id)."""
    if complaint.has_handled(context.command_id):
        return
    complaint.record_adr_outcome(
        context,
        referral_id=command.referral_id,
        provider_id=command.provider_id,
        outcome=command.outcome,
        summary=command.summary,
        binding=command.binding,
        award=command.award,
    )


def record_adr_failure(
    complaint: Complaint, command: RecordAdrFailure, context: CommandContext
) -> None:
    """Records that the referral came to nothing (declined, dead-lettered): the complaint
    returns to where it was before it was referred, and may be referred again (once per
    command id)."""
    if complaint.has_handled(context.command_id):
        return
    complaint.record_adr_failure(
        context,
        referral_id=command.referral_id,
        provider_id=command.provider_id,
        failure=command.failure,
        reason=command.reason,
    )
