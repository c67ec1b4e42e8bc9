"""The firm's decision on a complaint and how the customer is told: a resolution and a
final response letter, or, early on and where the regime allows it, a summary resolution."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from libs.domain.complaint import Complaint
from libs.domain.errors import RuleViolated
from services.complaints.application import ComplaintsApplication
from services.complaints.policy import ComplaintPolicy
from services.complaints.use_cases.caller import Caller, change
from services.complaints.use_cases.commands import IssueFinalResponse, Resolve, ResolveSummarily

T = TypeVar("T")


class NoSummaryResolution(RuleViolated):
    """The complaint's regime has no early-resolution path."""

    def __init__(self, regime: str) -> None:
        super().__init__(
            f"regime '{regime}' has no summary-resolution path; resolve and issue a final response"
        )
        self.regime = regime


class SummaryResolutionTooLate(RuleViolated):
    """The regime's early-resolution window has closed."""

    def __init__(self, closed_at: datetime) -> None:
        super().__init__(
            f"the summary-resolution window closed at {closed_at.isoformat()}; "
            "resolve and issue a final response"
        )
        self.closed_at = closed_at


def resolve(application: ComplaintsApplication, command: Resolve, caller: Caller[T]) -> T:
    """Decides the complaint: upheld, partially upheld or not upheld, with any remedy and
    redress."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.resolve(
            context,
            outcome=command.outcome,
            summary=command.summary,
            remedy=command.remedy,
            redress_amount=command.redress_amount,
            currency=command.currency,
        ),
    )


def issue_final_response(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    command: IssueFinalResponse,
    caller: Caller[T],
) -> T:
    """Issues the final response letter, if it contains what the complaint's regime
    requires of one (the complaint lists what is missing otherwise)."""
    context = caller.context

    def decide(complaint: Complaint) -> None:
        complaint.issue_final_response(
            context,
            letter=command.letter,
            elements=dict(command.elements),
            regime=policy.regime(complaint.regime),
        )

    return change(application, command.complaint_id, caller, decide)


def resolve_summarily(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    command: ResolveSummarily,
    caller: Caller[T],
) -> T:
    """Resolves the complaint early with a summary resolution communication instead of a
    final response: only where the regime has such a path, only within its window (under
    uk-fca-disp, by the close of the third business day after receipt), and only with a
    communication that contains what the regime requires (under uk-fca-disp, DISP 1.5.4R)."""
    context = caller.context

    def decide(complaint: Complaint) -> None:
        due = policy.summary_resolution_due(complaint)
        if due is None:
            raise NoSummaryResolution(complaint.regime)
        if context.occurred_at > due:
            raise SummaryResolutionTooLate(due)
        complaint.resolve_summarily(
            context,
            outcome=command.outcome,
            summary=command.summary,
            remedy=command.remedy,
            message=command.message,
            regime=policy.regime(complaint.regime),
            elements=dict(command.elements),
        )

    return change(application, command.complaint_id, caller, decide)
