"""A complaint's life after its decision: closed, and reopened when it must be."""

from __future__ import annotations

from typing import TypeVar

from services.complaints.application import ComplaintsApplication
from services.complaints.use_cases.caller import Caller, change
from services.complaints.use_cases.commands import Close, Reopen

T = TypeVar("T")


def reopen(application: ComplaintsApplication, command: Reopen, caller: Caller[T]) -> T:
    """Reopens a resolved or closed complaint; its decision clocks start again."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.reopen(context, reason=command.reason),
    )


def close(application: ComplaintsApplication, command: Close, caller: Caller[T]) -> T:
    """Closes the complaint: from a decided status, or from any status when the customer
    withdraws it (reason 'withdrawn')."""
    context = caller.context
    return change(
        application,
        command.complaint_id,
        caller,
        lambda complaint: complaint.close(context, reason=command.reason),
    )
