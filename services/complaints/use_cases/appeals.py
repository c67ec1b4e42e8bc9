"""Appeals: the customer contests the firm's decision, and a higher tier decides."""

from __future__ import annotations

from typing import TypeVar

from libs.domain.complaint import Complaint
from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases.caller import Caller, change
from services.complaints.use_cases.commands import DecideAppeal, LodgeAppeal
from services.complaints.use_cases.created import create

T = TypeVar("T")


def lodge_appeal(application: ComplaintsApplication, command: LodgeAppeal, caller: Caller[T]) -> T:
    """Records the customer's appeal against the decision, with their grounds."""
    context = caller.context

    def decide(complaint: Complaint, appeal_id: str) -> None:
        complaint.lodge_appeal(context, appeal_id=appeal_id, grounds=command.grounds)

    return create(
        application,
        command.complaint_id,
        caller,
        collection="appeals",
        recorded_as=Complaint.AppealLodged,
        id_field="appeal_id",
        decide=decide,
    )


def decide_appeal(
    application: ComplaintsApplication, command: DecideAppeal, caller: Caller[T]
) -> T:
    """Records the decision on an appeal, taken at a tier above the one that decided the
    complaint (the complaint refuses a decision from the same tier or below)."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.decide_appeal(
            context,
            appeal_id=command.appeal_id,
            outcome=command.outcome,
            decided_at_tier=command.decided_at_tier,
            reasons=command.reasons,
        ),
    )
