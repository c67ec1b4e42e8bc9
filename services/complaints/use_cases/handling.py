"""Handling: what staff record while a complaint is worked on — interactions, flags,
escalations up the firm's ladder, and holding replies when the answer needs more time."""

from __future__ import annotations

from typing import TypeVar

from libs.domain.complaint import Complaint
from services.complaints.application import ComplaintsApplication
from services.complaints.policy import ComplaintPolicy
from services.complaints.use_cases.caller import Caller, change
from services.complaints.use_cases.commands import (
    ChangeFlags,
    Escalate,
    RecordInteraction,
    SendHoldingReply,
)
from services.complaints.use_cases.created import create

T = TypeVar("T")


def record_interaction(
    application: ComplaintsApplication, command: RecordInteraction, caller: Caller[T]
) -> T:
    """Records a message, call, note or document on the complaint."""
    context = caller.context

    def decide(complaint: Complaint, interaction_id: str) -> None:
        complaint.record_interaction(
            context,
            interaction_id=interaction_id,
            kind=command.kind,
            direction=command.direction,
            summary=command.summary,
            body=command.body,
            document=dict(command.document) if command.document is not None else None,
            language=command.language,
        )

    return create(
        application,
        command.complaint_id,
        caller,
        collection="interactions",
        recorded_as=Complaint.InteractionRecorded,
        id_field="interaction_id",
        decide=decide,
    )


def change_flags(application: ComplaintsApplication, command: ChangeFlags, caller: Caller[T]) -> T:
    """Sets or clears the named staff flags (legal, regulatory, vulnerable customer, ...)."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.change_flags(context, flags=dict(command.flags)),
    )


def escalate(application: ComplaintsApplication, command: Escalate, caller: Caller[T]) -> T:
    """Moves the complaint to the next tier of the ladder, or to a named higher one."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.escalate(
            context, reason=command.reason, to_tier=command.to_tier
        ),
    )


def send_holding_reply(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    command: SendHoldingReply,
    caller: Caller[T],
) -> T:
    """Records a holding reply: why the final response needs more time. A reply that lacks
    what the complaint's regime requires of one is refused, so it extends no deadline."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.send_holding_reply(
            context,
            reason=command.reason,
            message=command.message,
            regime=policy.regime(complaint.regime),
            elements=dict(command.elements),
        ),
    )
